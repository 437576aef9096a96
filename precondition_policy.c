/* precondition_policy.c: the decisions of mod_require_precondition that need
 * nothing but APR. See precondition_policy.h.
 */
#include "precondition_policy.h"

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

unsigned int rp_counted_headers(unsigned int accepted, int dav)
{
    return dav ? accepted : (accepted & ~RP_HDR_IF);
}

int rp_is_conditional(unsigned int accepted, unsigned int present, int dav)
{
    return (rp_counted_headers(accepted, dav) & present) != 0;
}

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

int rp_prefers_json(const char *accept)
{
    rp_match json = { 0, 0 }, problem = { 0, 0 }, html = { 0, 0 };
    int other_json = RP_Q_NONE;
    const char *s = accept;

    if (!s) {
        return 0;
    }
    while (*s) {
        const char *type, *sub;
        apr_size_t tlen = 0, slen = 0;
        int q = 1000;

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
        if (slen == 0) {
            continue;           /* not a media range */
        }
        if (rp_eq(type, tlen, "*") && rp_eq(sub, slen, "*")) {
            rp_consider(&json, 1, q);
            rp_consider(&problem, 1, q);
            rp_consider(&html, 1, q);
        }
        else if (rp_eq(type, tlen, "application")) {
            if (rp_eq(sub, slen, "*")) {
                rp_consider(&json, 2, q);
                rp_consider(&problem, 2, q);
            }
            else if (rp_eq(sub, slen, "json")) {
                rp_consider(&json, 3, q);
            }
            else if (rp_eq(sub, slen, "problem+json")) {
                rp_consider(&problem, 3, q);
            }
            else if (slen > 5 && rp_eq(sub + slen - 5, 5, "+json")
                     && q > other_json) {
                other_json = q;
            }
        }
        else if (rp_eq(type, tlen, "text")) {
            if (rp_eq(sub, slen, "*")) {
                rp_consider(&html, 2, q);
            }
            else if (rp_eq(sub, slen, "html")) {
                rp_consider(&html, 3, q);
            }
        }
    }
    {
        int best = other_json;
        if (json.spec && json.q > best) {
            best = json.q;
        }
        if (problem.spec && problem.q > best) {
            best = problem.q;
        }
        return best > 0 && best > (html.spec ? html.q : 0);
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

/* The advice a 428 gives for each header, in the order it is given. */
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
};

#define RP_NHEADERS (sizeof(rp_headers) / sizeof(rp_headers[0]))

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

const char *rp_accepted_list(apr_pool_t *p, unsigned int accepted, int dav)
{
    return rp_join_names(p, rp_counted_headers(accepted, dav), 0);
}

static const char *rp_advice(apr_pool_t *p, unsigned int accepted, int dav)
{
    const char *advice = NULL;
    apr_size_t i, n = 0, seen = 0;

    accepted = rp_counted_headers(accepted, dav);
    for (i = 0; i < RP_NHEADERS; i++) {
        n += (accepted & rp_headers[i].bit) != 0;
    }
    for (i = 0; i < RP_NHEADERS; i++) {
        const char *sep;
        if (!(accepted & rp_headers[i].bit)) {
            continue;
        }
        seen++;
        sep = seen == 1 ? "" : (seen == n ? ", or " : ", ");
        advice = apr_pstrcat(p, advice ? advice : "", sep,
                             rp_headers[i].advice, NULL);
    }
    return advice ? advice : "";
}

static const char *rp_detail(apr_pool_t *p, unsigned int accepted, int dav)
{
    return apr_pstrcat(p, "This request must be conditional, so that it "
                       "cannot overwrite a change it has not seen. Send ",
                       rp_advice(p, accepted, dav), ".", NULL);
}

const char *rp_body_html(apr_pool_t *p, unsigned int accepted, int dav)
{
    /* The detail is built from fixed strings only, but escape it all the
     * same so that a later change cannot open a hole. */
    const char *detail = rp_detail(p, accepted, dav);
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

const char *rp_body_json(apr_pool_t *p, unsigned int accepted, int dav)
{
    const char *list;

    accepted = rp_counted_headers(accepted, dav);
    list = rp_join_names(p, accepted, 1);
    return apr_pstrcat(p,
        "{\n  \"type\": \"https://www.rfc-editor.org/rfc/rfc6585#section-3\",\n"
        "  \"title\": \"Precondition Required\",\n"
        "  \"status\": 428,\n"
        "  \"detail\": \"", rp_json_escape(p, rp_detail(p, accepted, 1)),
        "\",\n"
        "  \"code\": \"MissingPrecondition\",\n"
        "  \"accepted_headers\": [", list, "]\n}\n", NULL);
}

/* SipHash-2-4, after the reference description by Aumasson and Bernstein. */

#define RP_ROTL(x, b) (apr_uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define RP_SIPROUND                                                     \
    do {                                                                \
        v0 += v1; v1 = RP_ROTL(v1, 13); v1 ^= v0; v0 = RP_ROTL(v0, 32); \
        v2 += v3; v3 = RP_ROTL(v3, 16); v3 ^= v2;                       \
        v0 += v3; v3 = RP_ROTL(v3, 21); v3 ^= v0;                       \
        v2 += v1; v1 = RP_ROTL(v1, 17); v1 ^= v2; v2 = RP_ROTL(v2, 32); \
    } while (0)

static apr_uint64_t rp_load64(const unsigned char *b)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    return v;
}

apr_uint64_t rp_siphash(const unsigned char key[16], const void *data,
                        apr_size_t len)
{
    const unsigned char *in = data;
    apr_uint64_t k0 = rp_load64(key), k1 = rp_load64(key + 8);
    apr_uint64_t v0 = k0 ^ APR_UINT64_C(0x736f6d6570736575);
    apr_uint64_t v1 = k1 ^ APR_UINT64_C(0x646f72616e646f6d);
    apr_uint64_t v2 = k0 ^ APR_UINT64_C(0x6c7967656e657261);
    apr_uint64_t v3 = k1 ^ APR_UINT64_C(0x7465646279746573);
    apr_uint64_t b = ((apr_uint64_t)len) << 56;
    apr_size_t left = len & 7, i;
    const unsigned char *end = in + (len - left);

    for (; in != end; in += 8) {
        apr_uint64_t m = rp_load64(in);
        v3 ^= m;
        RP_SIPROUND;
        RP_SIPROUND;
        v0 ^= m;
    }
    for (i = 0; i < left; i++) {
        b |= ((apr_uint64_t)in[i]) << (8 * i);
    }
    v3 ^= b;
    RP_SIPROUND;
    RP_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    RP_SIPROUND;
    RP_SIPROUND;
    RP_SIPROUND;
    RP_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
