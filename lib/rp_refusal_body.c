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

/* rp_refusal_body.c: the 428 response's text, with nothing but APR: which
 * of HTML and problem+json a client ranks higher (Accept), the bodies and
 * header lists for every counted set, JSON escaping. Unit-tested (t/unit) and
 * fuzzed (fuzz_accept). */

#include "rp_policy.h"
#include "rp_refusal_body.h"

#include "apr_lib.h"
#include "apr_strings.h"

/* Accept parsing. Integers throughout: q is kept in thousandths. */

#define RP_Q_NONE (-1)

typedef struct {
    int spec;   /* how specific the best matching range was: 0 none .. 3 */
    int q;
} rp_match;

static void rp_consider(rp_match *m, int spec, int q)
{
    if (spec > m->spec) {
        m->spec = spec;
        m->q = q;
    }
}

static int rp_eq(const char *s, apr_size_t n, const char *lit)
{
    return strlen(lit) == n && !strncasecmp(s, lit, n);
}

static int rp_parse_q(const char *s, apr_size_t n)
{
    int q = 0, scale = 1000;
    apr_size_t i = 0;

    if (n == 0 || (s[0] != '0' && s[0] != '1')) {
        return 1000;            /* malformed: ignore the parameter */
    }
    q = (s[0] - '0') * 1000;
    i = 1;
    if (i < n && s[i] == '.') {
        for (i++; i < n && apr_isdigit(s[i]) && scale > 1; i++) {
            scale /= 10;
            q += (s[i] - '0') * scale;
        }
    }
    return q > 1000 ? 1000 : q;
}

/* The q of the parameters at s (";" ..., up to the next "," or the end),
 * 1000 without one; *end is set past them. */
static int rp_range_q(const char *s, const char **end)
{
    int q = 1000;

    while (*s && *s != ',') {
        if (*s == ';') {
            const char *name;
            s++;
            while (*s == ' ' || *s == '\t') {
                s++;
            }
            name = s;
            while (*s && *s != '=' && *s != ';' && *s != ',') {
                s++;
            }
            if (*s == '=') {
                apr_size_t nlen = s - name;
                const char *val = ++s;
                while (*s && *s != ';' && *s != ',' && *s != ' '
                       && *s != '\t') {
                    s++;
                }
                if (rp_eq(name, nlen, "q")) {
                    q = rp_parse_q(val, s - val);
                }
            }
        }
        else {
            s++;
        }
    }
    *end = s;
    return q;
}

/* The best match so far of each type the ranking compares. */
typedef struct {
    rp_match json, problem, html;
    int other_json;             /* the best q of any other +json type */
} rp_ranking;

/* Count the media range type/sub with its q in the ranking. */
static void rp_rank(rp_ranking *k, const char *type, apr_size_t tlen,
                    const char *sub, apr_size_t slen, int q)
{
    if (rp_eq(type, tlen, "*") && rp_eq(sub, slen, "*")) {
        rp_consider(&k->json, 1, q);
        rp_consider(&k->problem, 1, q);
        rp_consider(&k->html, 1, q);
    }
    else if (rp_eq(type, tlen, "application")) {
        if (rp_eq(sub, slen, "*")) {
            rp_consider(&k->json, 2, q);
            rp_consider(&k->problem, 2, q);
        }
        else if (rp_eq(sub, slen, "json")) {
            rp_consider(&k->json, 3, q);
        }
        else if (rp_eq(sub, slen, "problem+json")) {
            rp_consider(&k->problem, 3, q);
        }
        else if (slen > 5 && rp_eq(sub + slen - 5, 5, "+json")
                 && q > k->other_json) {
            k->other_json = q;
        }
    }
    else if (rp_eq(type, tlen, "text")) {
        if (rp_eq(sub, slen, "*")) {
            rp_consider(&k->html, 2, q);
        }
        else if (rp_eq(sub, slen, "html")) {
            rp_consider(&k->html, 3, q);
        }
    }
}

int rp_prefers_json(const char *accept)
{
    rp_ranking k = { { 0, 0 }, { 0, 0 }, { 0, 0 }, RP_Q_NONE };
    const char *s = accept;
    int best;

    if (!s) {
        return 0;
    }
    while (*s) {
        const char *type, *sub;
        apr_size_t tlen = 0, slen = 0;
        int q;

        while (*s == ' ' || *s == '\t' || *s == ',') {
            s++;
        }
        if (!*s) {
            break;
        }
        type = s;
        while (*s && *s != '/' && *s != ',' && *s != ';'
               && *s != ' ' && *s != '\t') {
            s++;
        }
        tlen = s - type;
        sub = s;
        if (*s == '/') {
            sub = ++s;
            while (*s && *s != ',' && *s != ';' && *s != ' ' && *s != '\t') {
                s++;
            }
            slen = s - sub;
        }
        q = rp_range_q(s, &s);
        if (slen == 0) {
            continue;           /* not a media range */
        }
        rp_rank(&k, type, tlen, sub, slen, q);
    }
    best = k.other_json;
    if (k.json.spec && k.json.q > best) {
        best = k.json.q;
    }
    if (k.problem.spec && k.problem.q > best) {
        best = k.problem.q;
    }
    return best > 0 && best > (k.html.spec ? k.html.q : 0);
}

/* The advice a 428 gives for each header, in the order it is given; the
 * destination's If advice differs from the request URI's. */
static const struct {
    unsigned int bit;
    const char *name;
    const char *advice;
} rp_headers[] = {
    { RP_HDR_IF_MATCH, "If-Match",
      "If-Match with the ETag from your last GET" },
    { RP_HDR_IF_NONE_MATCH, "If-None-Match",
      "If-None-Match: * to create a resource that must not exist yet" },
    { RP_HDR_IF_UNMODIFIED_SINCE, "If-Unmodified-Since",
      "If-Unmodified-Since with the Last-Modified date from your last GET" },
    { RP_HDR_IF, "If",
      "a WebDAV If header with your lock token or ETag" },
    { RP_HDR_OVERWRITE, "Overwrite",
      "Overwrite: F to copy or move only onto a name that is free" },
};

#define RP_NHEADERS (sizeof(rp_headers) / sizeof(rp_headers[0]))

static const char *rp_header_advice(apr_size_t i, unsigned int counted)
{
    if (rp_headers[i].bit == RP_HDR_IF && (counted & RP_HDR_OVERWRITE)) {
        return "a WebDAV If header whose list is tagged with the "
               "Destination URL and holds its lock token or ETag";
    }
    if (rp_headers[i].bit == RP_HDR_IF_MATCH && (counted & RP_HDR_STAR)) {
        return "If-Match with the ETag from your last GET (or If-Match: * "
               "to overwrite whatever is there, on purpose)";
    }
    return rp_headers[i].advice;
}

/* The names of the counted headers, joined with ", ", each in double
 * quotes (JSON-escaped) when `quoted`. */
static const char *rp_join_names(apr_pool_t *p, unsigned int counted,
                                 int quoted)
{
    const char *list = NULL;
    apr_size_t i;

    for (i = 0; i < RP_NHEADERS; i++) {
        const char *name;

        if (!(counted & rp_headers[i].bit)) {
            continue;
        }
        name = quoted ? apr_pstrcat(p, "\"",
                                    rp_json_escape(p, rp_headers[i].name),
                                    "\"", NULL)
                      : rp_headers[i].name;
        list = list ? apr_pstrcat(p, list, ", ", name, NULL) : name;
    }
    return list ? list : "";
}

const char *rp_accepted_list(apr_pool_t *p, unsigned int counted)
{
    return rp_join_names(p, counted, 0);
}

static const char *rp_advice(apr_pool_t *p, unsigned int counted)
{
    const char *advice = NULL;
    apr_size_t i, n = 0, seen = 0;

    for (i = 0; i < RP_NHEADERS; i++) {
        n += (counted & rp_headers[i].bit) != 0;
    }
    for (i = 0; i < RP_NHEADERS; i++) {
        const char *sep;
        if (!(counted & rp_headers[i].bit)) {
            continue;
        }
        seen++;
        sep = seen == 1 ? "" : (seen == n ? ", or " : ", ");
        advice = apr_pstrcat(p, advice ? advice : "", sep,
                             rp_header_advice(i, counted), NULL);
    }
    return advice ? advice : "";
}

static const char *rp_detail(apr_pool_t *p, unsigned int counted)
{
    if (counted & RP_HDR_OVERWRITE) {
        return apr_pstrcat(p, "This COPY or MOVE would write its "
                           "Destination, and writes there must be "
                           "conditional, so that it cannot overwrite a "
                           "change it has not seen. For the destination, "
                           "send ", rp_advice(p, counted), ". If-Match, "
                           "If-None-Match and If-Unmodified-Since are about "
                           "the source and do not count for the "
                           "destination.", NULL);
    }
    return apr_pstrcat(p, "This request must be conditional, so that it "
                       "cannot overwrite a change it has not seen. Send ",
                       rp_advice(p, counted), ".", NULL);
}

const char *rp_body_html(apr_pool_t *p, unsigned int counted)
{
    /* The detail is built from fixed strings only, but escape it all the
     * same so that a later change cannot open a hole. */
    const char *detail = rp_detail(p, counted);
    char *esc = apr_palloc(p, strlen(detail) * 6 + 1), *o = esc;

    for (; *detail; detail++) {
        switch (*detail) {
        case '<': o = stpcpy(o, "&lt;"); break;
        case '>': o = stpcpy(o, "&gt;"); break;
        case '&': o = stpcpy(o, "&amp;"); break;
        case '"': o = stpcpy(o, "&quot;"); break;
        default: *o++ = *detail;
        }
    }
    *o = '\0';
    return apr_pstrcat(p,
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
        "<html><head>\n<title>428 Precondition Required</title>\n"
        "</head><body>\n<h1>Precondition Required</h1>\n<p>", esc,
        "</p>\n</body></html>\n", NULL);
}

const char *rp_json_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    char *out = apr_palloc(p, strlen(s) * 6 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = *s;
        }
        else if (c < 0x20 || c >= 0x7f) {
            /* Bytes above ASCII are escaped too, so the output is valid
             * JSON (and UTF-8) whatever the input was. */
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 0xf];
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

const char *rp_body_json(apr_pool_t *p, unsigned int counted)
{
    return apr_pstrcat(p,
        "{\n  \"type\": \"https://www.rfc-editor.org/rfc/rfc6585#section-3\",\n"
        "  \"title\": \"Precondition Required\",\n"
        "  \"status\": 428,\n"
        "  \"detail\": \"", rp_json_escape(p, rp_detail(p, counted)),
        "\",\n"
        "  \"code\": \"MissingPrecondition\",\n"
        "  \"applies_to\": \"",
        (counted & RP_HDR_OVERWRITE) ? "destination" : "request-uri",
        "\",\n"
        "  \"accepted_headers\": [", rp_join_names(p, counted, 1),
        "]\n}\n", NULL);
}
