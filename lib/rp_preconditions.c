/* Copyright 2026 The mod_require_precondition authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* rp_preconditions.c: does a precondition header's value count: If-Match,
 * If-None-Match, If-Unmodified-Since, Overwrite, and the If parser (its
 * Resource-Tags, lists and conditions), APR only. See rp_policy.h.
 */
#include "rp_policy.h"
#include "rp_policy_int.h"

#include "apr_date.h"
#include "apr_lib.h"
#include "apr_strings.h"

int rp_value_present(const char *value)
{
    if (!value) {
        return 0;
    }
    for (; *value; value++) {
        if (*value != ' ' && *value != '\t') {
            return 1;
        }
    }
    return 0;
}

int rp_date_usable(const char *value)
{
    return value && apr_date_parse_http(value) != APR_DATE_BAD;
}

/* An entity-tag (RFC 9110 8.8.3) at s: the end of it, or NULL. */
static const char *rp_entity_tag(const char *s)
{
    if (s[0] == 'W' && s[1] == '/') {
        s += 2;
    }
    if (*s++ != '"') {
        return NULL;
    }
    /* etagc = %x21 / %x23-7E / obs-text */
    while ((unsigned char)*s >= 0x21 && *s != '"' && *s != 0x7f) {
        s++;
    }
    return *s == '"' ? s + 1 : NULL;
}

/* "*", or several joined from repeated header lines ("*, *"): httpd reads
 * any value that starts with "*" as "*". */
static int rp_only_stars(const char *s)
{
    return s[strspn(s, "*, \t")] == '\0';
}

int rp_if_match_counts(const char *value, int accept_star)
{
    const char *s;
    int tags = 0;

    if (!value) {
        return 0;
    }
    s = rp_ows(value);
    if (*s == '*') {
        /* "*" only says the resource exists: it cannot see a change. */
        return accept_star && rp_only_stars(s);
    }
    /* 1#entity-tag; empty list elements are allowed (RFC 9110 5.6.1). */
    while (*s) {
        if (*s == ',') {
            s = rp_ows(s + 1);
            continue;
        }
        if (!(s = rp_entity_tag(s))) {
            return 0;
        }
        tags++;
        s = rp_ows(s);
        if (*s && *s != ',') {
            return 0;
        }
    }
    return tags > 0;
}

int rp_if_none_match_counts(const char *value)
{
    /* Only "*" (create, it must not exist) constrains a write; a list of
     * entity-tags is true whenever the current version is another one. */
    return value && *(value = rp_ows(value)) == '*' && rp_only_stars(value);
}

int rp_unmodified_since_counts(const char *value, apr_time_t request_time)
{
    apr_time_t t;

    if (!value) {
        return 0;
    }
    t = apr_date_parse_http(value);
    /* A date after the request arrived is true whatever happened. */
    return t != APR_DATE_BAD && t <= request_time;
}

int rp_overwrite_counts(const char *value)
{
    /* Overwrite: F fails when the destination exists (RFC 4918 10.6). */
    return value && (*(value = rp_ows(value)) == 'F' || *value == 'f')
        && !*rp_ows(value + 1);
}

/* Remove the dot segments of the absolute path in buf, in place, as
 * ap_normalize_path() does; 0 when ".." would climb above the root. */
static int rp_remove_dots(char *buf)
{
    char *in = buf, *out = buf;

    while (*in) {
        if (in[0] == '/' && in[1] == '.' && (in[2] == '/' || !in[2])) {
            in += 2;
            if (!*in) {
                *out++ = '/';
            }
            continue;
        }
        if (in[0] == '/' && in[1] == '.' && in[2] == '.'
            && (in[3] == '/' || !in[3])) {
            if (out == buf) {
                return 0;
            }
            while (out > buf && *--out != '/') {
            }
            in += 3;
            if (!*in) {
                *out++ = '/';
            }
            continue;
        }
        do {
            *out++ = *in++;
        } while (*in && *in != '/');
    }
    *out = '\0';
    return 1;
}

/* Does the Resource-Tag [ref, end) name `target`, a decoded URL path?
 * The tag's path is cleaned as mod_dav cleans it (unreserved characters
 * decoded, dot segments removed, then all %-escapes decoded, a trailing
 * slash dropped) and compared with the target; one mod_dav would refuse
 * (an escaped "/" or NUL, ".." above the root) names nothing. */
static int rp_tag_names(const char *ref, const char *end, const char *target)
{
    char buf[2048] = { 0 };
    const char *s = ref, *q;
    apr_size_t n = 0, tlen = strlen(target);
    char *in, *out;

    if (end - s >= 2 && s[0] == '/' && s[1] == '/') {
        /* "//authority/path" */
        for (s += 2; s < end && *s != '/'; s++) {
        }
    }
    else if (*s != '/') {
        /* scheme "://" authority; a scheme with a relative path is never
         * the absolute path of a resource */
        while (s < end && (apr_isalnum(*s) || *s == '+' || *s == '-'
                           || *s == '.')) {
            s++;
        }
        if (s == ref || end - s < 3 || strncmp(s, "://", 3) != 0) {
            return 0;
        }
        for (s += 3; s < end && *s != '/' && *s != '?' && *s != '#'; s++) {
        }
    }
    for (q = s; q < end && *q != '?' && *q != '#'; q++) {
    }
    if (q == s) {
        return tlen == 1 && target[0] == '/';
    }
    if ((apr_size_t)(q - s) >= sizeof(buf)) {
        return 0;
    }
    /* Unreserved characters decoded first, so that %2e%2e is "..". */
    while (s < q) {
        if (s[0] == '%' && q - s >= 3 && apr_isxdigit(s[1])
            && apr_isxdigit(s[2])
            && rp_is_unreserved(rp_hexval(s[1]) * 16 + rp_hexval(s[2]))) {
            buf[n++] = (char)(rp_hexval(s[1]) * 16 + rp_hexval(s[2]));
            s += 3;
        }
        else {
            buf[n++] = *s++;
        }
    }
    buf[n] = '\0';
    if (!rp_remove_dots(buf)) {
        return 0;
    }
    for (in = out = buf; *in; out++) {
        if (*in == '%') {
            int c;

            if (!apr_isxdigit(in[1]) || !apr_isxdigit(in[2])) {
                return 0;
            }
            c = rp_hexval(in[1]) * 16 + rp_hexval(in[2]);
            if (c == '/' || c == 0) {
                return 0;
            }
            *out = (char)c;
            in += 3;
        }
        else {
            *out = *in++;
        }
    }
    *out = '\0';
    n = (apr_size_t)(out - buf);
    if (n > 1 && buf[n - 1] == '/') {
        n--;
    }
    if (tlen > 1 && target[tlen - 1] == '/') {
        tlen--;
    }
    return n == tlen && !memcmp(buf, target, n);
}

/* A Coded-URL or Resource-Tag: "<" ... ">" at s with no blank inside.
 * Sets [*ref, *refend) to its inside; returns the end, or NULL. */
static const char *rp_angle(const char *s, const char **ref,
                            const char **refend)
{
    if (*s != '<') {
        return NULL;
    }
    *ref = ++s;
    while ((unsigned char)*s > 0x20 && *s != '>' && *s != '<'
           && *s != 0x7f) {
        s++;
    }
    if (*s != '>' || s == *ref) {
        return NULL;
    }
    *refend = s;
    return s + 1;
}

/* A List "(" 1*Condition ")" at s. Sets *positive when it holds a
 * condition that is not negated (with `tokens_only`, a state token that
 * is not negated). Returns the end, or NULL. */
static const char *rp_if_list(const char *s, int *positive, int tokens_only)
{
    int conditions = 0;

    *positive = 0;
    if (*s++ != '(') {
        return NULL;
    }
    for (s = rp_ows(s); *s != ')'; s = rp_ows(s)) {
        const char *ref, *refend;
        int negated = 0;

        if (!strncasecmp(s, "Not", 3)
            && (s[3] == ' ' || s[3] == '\t' || s[3] == '<' || s[3] == '[')) {
            negated = 1;
            s = rp_ows(s + 3);
        }
        if (*s == '<') {
            /* State-token = Coded-URL = "<" absolute-URI ">" */
            const char *c;

            if (!(s = rp_angle(s, &ref, &refend))) {
                return NULL;
            }
            for (c = ref; c < refend && *c != ':'; c++) {
            }
            if (c == ref || c == refend) {
                return NULL;
            }
        }
        else if (*s == '[') {
            if (!(s = rp_entity_tag(rp_ows(s + 1)))) {
                return NULL;
            }
            s = rp_ows(s);
            if (*s++ != ']') {
                return NULL;
            }
        }
        else {
            return NULL;
        }
        conditions++;
        *positive |= !negated && (!tokens_only || s[-1] == '>');
    }
    return conditions ? s + 1 : NULL;
}

int rp_if_header_counts(const char *value, const char *target, int flags)
{
    const char *s;
    int tagged, applying = 0, unprotected = 0;

    if (!value || !target) {
        return RP_IF_BAD;
    }
    s = rp_ows(value);
    if (*s != '<' && *s != '(') {
        return RP_IF_BAD;
    }
    /* 1*No-tag-list or 1*Tagged-list, never both. */
    tagged = *s == '<';
    while (*s) {
        int applies = (flags & RP_IF_UNTAGGED_APPLY) != 0, lists = 0;

        if (tagged) {
            const char *ref, *refend;

            if (!(s = rp_angle(s, &ref, &refend))) {
                return RP_IF_BAD;
            }
            applies = rp_tag_names(ref, refend, target);
            s = rp_ows(s);
        }
        do {
            int positive;

            if (!(s = rp_if_list(s, &positive,
                                 (flags & RP_IF_TOKENS_ONLY) != 0))) {
                return RP_IF_BAD;
            }
            lists++;
            applying += applies;
            /* Whatever its tag: mod_dav may read a tag as naming this
             * resource where a literal comparison would not. */
            unprotected += !positive;
            s = rp_ows(s);
        } while (*s == '(' && (tagged || lists < 1));
        if (*s && (tagged ? *s != '<' : *s != '(')) {
            return RP_IF_BAD;
        }
    }
    /* The lists are alternatives: one that is true whatever the state of
     * the resource (Not <DAV:no-lock>) makes the whole header so, and no
     * client needs one. */
    return applying && !unprotected ? RP_IF_COUNTS : RP_IF_NO_CONDITION;
}
