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

/* rp_policy.c: the decisions of mod_require_precondition that need
 * nothing but APR. See rp_policy.h.
 */
#include "rp_policy.h"

#include "apr_date.h"
#include "apr_lib.h"
#include "apr_strings.h"

const char *rp_parse_mode(apr_pool_t *p, const char *arg, int *mode)
{
    if (!strcasecmp(arg, "On")) {
        *mode = RP_MODE_ON;
    }
    else if (!strcasecmp(arg, "Off")) {
        *mode = RP_MODE_OFF;
    }
    else if (!strcasecmp(arg, "ReportOnly")) {
        *mode = RP_MODE_REPORT_ONLY;
    }
    else {
        return apr_psprintf(p, "RequirePrecondition: '%s' is not one of "
                            "On, Off, ReportOnly", arg);
    }
    return NULL;
}

const char *rp_parse_header_name(apr_pool_t *p, const char *arg,
                                 unsigned int *bit)
{
    if (!strcasecmp(arg, "If-Match")) {
        *bit = RP_HDR_IF_MATCH;
    }
    else if (!strcasecmp(arg, "If-None-Match")) {
        *bit = RP_HDR_IF_NONE_MATCH;
    }
    else if (!strcasecmp(arg, "If-Unmodified-Since")) {
        *bit = RP_HDR_IF_UNMODIFIED_SINCE;
    }
    else if (!strcasecmp(arg, "If")) {
        *bit = RP_HDR_IF;
    }
    else if (!strcasecmp(arg, "If-Modified-Since")
             || !strcasecmp(arg, "If-Range")) {
        return apr_psprintf(p, "RequirePreconditionHeaders: '%s' cannot "
                            "make a write conditional: httpd ignores it on "
                            "unsafe methods such as PUT, PATCH and DELETE",
                            arg);
    }
    else {
        return apr_psprintf(p, "RequirePreconditionHeaders: '%s' is not a "
                            "precondition header (use If-Match, "
                            "If-None-Match, If-Unmodified-Since or If)", arg);
    }
    return NULL;
}

const char *rp_parse_timeout(apr_pool_t *p, const char *arg,
                             apr_interval_time_t *usec)
{
    /* Parsed by hand, not with strtod, so that the locale, "inf", "nan"
     * and hex floats cannot slip in. At most 6 decimals: microseconds. */
    const char *s = arg;
    apr_int64_t whole = 0, frac = 0, scale = 1000000;
    int digits = 0;

    while (apr_isdigit(*s) && whole <= 3600) {
        whole = whole * 10 + (*s++ - '0');
        digits++;
    }
    if (*s == '.') {
        s++;
        while (apr_isdigit(*s) && scale > 1) {
            scale /= 10;
            frac += (*s++ - '0') * scale;
            digits++;
        }
    }
    if (!digits || *s || whole > 3600 || (whole == 3600 && frac)
        || (!whole && !frac)) {
        return apr_psprintf(p, "RequirePreconditionSerializeTimeout: '%s' "
                            "is not a number of seconds greater than 0 and "
                            "at most 3600", arg);
    }
    *usec = (apr_interval_time_t)(whole * 1000000 + frac);
    return NULL;
}

const char *rp_parse_lease(apr_pool_t *p, const char *arg, int min, int max,
                           int *secs)
{
    const char *s = arg;
    int v = 0;

    while (apr_isdigit(*s) && v <= max) {
        v = v * 10 + (*s++ - '0');
    }
    if (s == arg || *s || v < min || v > max) {
        return apr_psprintf(p, "RequirePreconditionLockLease: '%s' is not a "
                            "whole number of seconds from %d to %d", arg, min,
                            max);
    }
    *secs = v;
    return NULL;
}

const char *rp_parse_evaluate(apr_pool_t *p, const char *arg, int *mode)
{
    if (!strcasecmp(arg, "Off")) {
        *mode = RP_EVAL_OFF;
    }
    else if (!strcasecmp(arg, "Backend")) {
        *mode = RP_EVAL_BACKEND;
    }
    else if (!strcasecmp(arg, "Digest")) {
        *mode = RP_EVAL_DIGEST;
    }
    else {
        return apr_psprintf(p, "RequirePreconditionEvaluate: '%s' is not "
                            "Off, Backend or Digest", arg);
    }
    return NULL;
}

const char *rp_parse_bytes(apr_pool_t *p, const char *directive,
                           const char *arg, apr_off_t min,
                           const char *min_means, apr_off_t max,
                           apr_off_t *bytes)
{
    apr_off_t v = 0;
    const char *c;

    /* By hand, as the timeout: apr_strtoff would take blanks, a sign and
     * other bases. A digit is added only while v <= max / 10, so v never
     * exceeds max + 9 (no overflow), and a digit left over means more
     * than max. */
    for (c = arg; *c >= '0' && *c <= '9' && v <= max / 10; c++) {
        v = v * 10 + (*c - '0');
    }
    if (c == arg || *c || v < min || v > max) {
        return apr_psprintf(p, "%s: '%s' is not a number of bytes from "
                            "%" APR_OFF_T_FMT "%s%s%s to %" APR_OFF_T_FMT,
                            directive, arg, min, min_means ? " (" : "",
                            min_means ? min_means : "", min_means ? ")" : "",
                            max);
    }
    *bytes = v;
    return NULL;
}

const char *rp_parse_spool_limit(apr_pool_t *p, const char *arg,
                                 apr_off_t *bytes)
{
    return rp_parse_bytes(p, "RequirePreconditionSpoolLimit", arg, 0,
                          "no spool", RP_SPOOL_LIMIT_MAX, bytes);
}

const char *rp_parse_digest_limit(apr_pool_t *p, const char *arg,
                                  apr_off_t *bytes)
{
    return rp_parse_bytes(p, "RequirePreconditionDigestLimit", arg, 1, NULL,
                          RP_DIGEST_LIMIT_MAX, bytes);
}

static int rp_is_tchar(unsigned char c)
{
    /* RFC 9110 5.6.2 */
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int rp_is_token(const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!rp_is_tchar((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

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

/* Skip optional white space. */
static const char *rp_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
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

static int rp_hexval(char c)
{
    return apr_isdigit(c) ? c - '0' : apr_tolower(c) - 'a' + 10;
}

/* One byte of a %-encoded path at *s, advancing *s; -1 at the end. */
static int rp_path_byte(const char **s, const char *end)
{
    const char *c = *s;

    if (c >= end) {
        return -1;
    }
    if (c[0] == '%' && end - c >= 3 && apr_isxdigit(c[1])
        && apr_isxdigit(c[2])) {
        *s = c + 3;
        return rp_hexval(c[1]) * 16 + rp_hexval(c[2]);
    }
    *s = c + 1;
    return (unsigned char)*c;
}

static int rp_is_unreserved(int c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
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

unsigned int rp_counted_set(const rp_write_t *w)
{
    unsigned int set;

    if (w->destination) {
        /* What the request says about its source is no precondition on
         * what it overwrites: only Overwrite: F, and If tagged with it. */
        set = RP_HDR_OVERWRITE | (w->accepted & RP_HDR_IF);
    }
    else {
        set = w->accepted & RP_HDR_ALL;
        if ((set & RP_HDR_IF_MATCH) && w->accept_star) {
            set |= RP_HDR_STAR;
        }
    }
    if (w->collection || w->properties) {
        /* A collection's ETag and date do not change when a member does
         * (mod_dav_fs gives every collection the same ETag under FileETag
         * Digest), nor a resource's when PROPPATCH changes its properties:
         * only a lock, or "it must not exist", protects what changes. */
        set = (set & ~(RP_HDR_IF_MATCH | RP_HDR_STAR
                       | RP_HDR_IF_UNMODIFIED_SINCE)) | RP_HDR_COLLECTION;
    }
    return w->dav ? set : (set & ~RP_HDR_IF);
}

unsigned int rp_judge(const rp_write_t *w)
{
    unsigned int set = rp_counted_set(w);

    if ((set & RP_HDR_IF_MATCH)
        && rp_if_match_counts(w->if_match, (set & RP_HDR_STAR) != 0)) {
        return RP_HDR_IF_MATCH;
    }
    if ((set & RP_HDR_IF_NONE_MATCH)
        && rp_if_none_match_counts(w->if_none_match)) {
        return RP_HDR_IF_NONE_MATCH;
    }
    if ((set & RP_HDR_IF_UNMODIFIED_SINCE)
        && rp_unmodified_since_counts(w->if_unmodified_since,
                                      w->request_time)) {
        return RP_HDR_IF_UNMODIFIED_SINCE;
    }
    if ((set & RP_HDR_IF)
        && rp_if_header_counts(w->if_header, w->target,
                               (w->destination ? 0 : RP_IF_UNTAGGED_APPLY)
                               | (w->collection || w->properties
                                  ? RP_IF_TOKENS_ONLY : 0))
           == RP_IF_COUNTS) {
        return RP_HDR_IF;
    }
    if ((set & RP_HDR_OVERWRITE) && rp_overwrite_counts(w->overwrite)) {
        return RP_HDR_OVERWRITE;
    }
    return 0;
}

/* 400 when the request's If does not parse: mod_dav refuses it whole. */
static int rp_if_malformed(const rp_write_t *w, const char **why)
{
    if (w->if_header
        && rp_if_header_counts(w->if_header, w->target, 0) == RP_IF_BAD) {
        *why = "the If header does not parse";
        return 1;
    }
    return 0;
}

int rp_refusal_status(const rp_write_t *w, const char **why)
{
    *why = "no usable precondition";
    if (!w->dav) {
        return 428;
    }
    switch (w->op) {
    case RP_OP_UNKNOWN:
        *why = "mod_dav does not implement the method";
        return 405;
    case RP_OP_DELETE:
    case RP_OP_PROPPATCH:
    case RP_OP_COPY_MOVE:
        if (w->state == RP_RES_ABSENT || w->state == RP_RES_NO_PARENT) {
            *why = "the resource does not exist";
            return 404;
        }
        return rp_if_malformed(w, why) ? 400 : 428;
    case RP_OP_PUT:
        if (w->collection) {
            *why = "PUT onto a collection";
            return 409;
        }
        break;
    case RP_OP_MKCOL:
        if (w->state == RP_RES_EXISTS) {
            *why = "MKCOL over an existing resource";
            return 405;
        }
        break;
    default:
        return rp_if_malformed(w, why) ? 400 : 428;
    }
    if (rp_if_malformed(w, why)) {
        return 400;
    }
    if (w->state == RP_RES_NO_PARENT) {
        *why = "a folder on its path does not exist";
        return 409;
    }
    return 428;
}

const char *rp_reason_name(unsigned int reason)
{
    switch (reason) {
    case RP_HDR_IF_MATCH: return "If-Match";
    case RP_HDR_IF_NONE_MATCH: return "If-None-Match";
    case RP_HDR_IF_UNMODIFIED_SINCE: return "If-Unmodified-Since";
    case RP_HDR_IF: return "If";
    case RP_HDR_OVERWRITE: return "Overwrite";
    default: return "none";
    }
}

int rp_override_method(const char *value, char *buf, apr_size_t bufsize)
{
    apr_size_t i = 0;

    if (!value || !bufsize) {
        return 0;
    }
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    for (; value[i] && value[i] != ' ' && value[i] != '\t'; i++) {
        if (i + 1 >= bufsize || !rp_is_tchar((unsigned char)value[i])) {
            return 0;
        }
        buf[i] = apr_toupper(value[i]);
    }
    buf[i] = '\0';
    return i > 0 && rp_value_present(value + i) == 0;
}

int rp_override_next(const char **list, char *buf, apr_size_t bufsize)
{
    while (*list && **list) {
        const char *s = *list;
        const char *end = s + strcspn(s, ",");
        char value[RP_METHOD_MAX];
        apr_size_t n = (apr_size_t)(end - s);

        *list = *end ? end + 1 : end;
        if (n < sizeof(value)) {
            memcpy(value, s, n);
            value[n] = '\0';
            if (rp_override_method(value, buf, bufsize)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Decode the form-encoded bytes [s, end) into buf as the frameworks do
 * (%XX, and "+" for a space); 0 when they do not fit or hold a NUL. */
static int rp_form_decode(const char *s, const char *end, char *buf,
                          apr_size_t bufsize)
{
    apr_size_t n = 0;

    while (s < end) {
        int c = rp_path_byte(&s, end);

        if (c == '+' && s[-1] == '+') {
            c = ' ';
        }
        if (c == 0 || n + 1 >= bufsize) {
            return 0;
        }
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return 1;
}

/* Is the form-encoded key [s, end) "_method" as some framework reads it?
 * All %-decode it ("+" is a space). PHP drops the blanks it starts with,
 * ends it at a NUL and reads "." and " " as "_"; Rack drops the blanks
 * after "&". Any of these readings counts. */
static int rp_is_method_key(const char *s, const char *end)
{
    static const char want[] = "_method";
    apr_size_t n = 0;
    int lead = 1;

    while (s < end) {
        int c = rp_path_byte(&s, end);

        if (c == '+' && s[-1] == '+') {
            c = ' ';
        }
        if (c == 0) {
            break;
        }
        if (lead && c == ' ') {
            continue;
        }
        lead = 0;
        if (c == '.' || c == ' ') {
            c = '_';
        }
        if (n + 1 >= sizeof(want) || c != want[n]) {
            return 0;
        }
        n++;
    }
    return n + 1 == sizeof(want);
}

int rp_param_next(const char **s, const char *end, char *buf,
                  apr_size_t bufsize)
{
    while (*s && *s < end) {
        const char *p = *s;
        const char *stop = p, *eq;
        char value[RP_METHOD_MAX];

        while (stop < end && *stop != '&' && *stop != ';') {
            stop++;
        }
        *s = stop < end ? stop + 1 : stop;
        eq = memchr(p, '=', (apr_size_t)(stop - p));
        if (eq && rp_is_method_key(p, eq)
            && rp_form_decode(eq + 1, stop, value, sizeof(value))
            && rp_override_method(value, buf, bufsize)) {
            return 1;
        }
    }
    return 0;
}

int rp_is_form_type(const char *type)
{
    static const char form[] = "application/x-www-form-urlencoded";

    if (!type) {
        return 0;
    }
    type = rp_ows(type);
    /* PHP ends the type at ";", "," or a blank, Rack at ";" or ",": two
     * Content-Type lines, which httpd joins with ", ", start with it. */
    return !strncasecmp(type, form, sizeof(form) - 1)
        && (!type[sizeof(form) - 1] || type[sizeof(form) - 1] == ';'
            || type[sizeof(form) - 1] == ',' || type[sizeof(form) - 1] == ' '
            || type[sizeof(form) - 1] == '\t');
}
