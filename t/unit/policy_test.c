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

/* policy_test.c: unit tests for rp_policy.c, linked against APR
 * and apr-util only (no httpd). Built and run by `make unit` (t/unit/run.sh).
 *
 * Table-driven: each table row is one case. The last line printed is
 * "N passed, M failed"; the exit status is 0 only when M is 0.
 */
#include "rp_policy.h"
#include "rp_refusal_body.h"
#include "rp_siphash.h"
#include "rp_form.h"
#include "exact_alloc.h"

#include "apr_general.h"
#include "apr_strings.h"

#include <stdio.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
    if (ok) {
        passed++;
    }
    else {
        failed++;
        printf("FAIL: %s%s%s\n", what, detail ? ": " : "",
               detail ? detail : "");
    }
}

/* A short, printable rendering of s for messages. */
static const char *show(apr_pool_t *p, const char *s)
{
    return s ? apr_psprintf(p, "'%s'", rp_json_escape(p, s)) : "NULL";
}

/* ---- RequirePrecondition ------------------------------------------- */

static void test_parse_mode(apr_pool_t *p)
{
    static const struct { const char *arg; int ok; int mode; } t[] = {
        { "On", 1, RP_MODE_ON },
        { "on", 1, RP_MODE_ON },
        { "ON", 1, RP_MODE_ON },
        { "Off", 1, RP_MODE_OFF },
        { "oFF", 1, RP_MODE_OFF },
        { "ReportOnly", 1, RP_MODE_REPORT_ONLY },
        { "reportonly", 1, RP_MODE_REPORT_ONLY },
        { "", 0, 0 },
        { "Yes", 0, 0 },
        { "1", 0, 0 },
        { "On ", 0, 0 },
        { " On", 0, 0 },
        { "Report-Only", 0, 0 },
        { "Onn", 0, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int mode = 12345;
        const char *err = rp_parse_mode(p, t[i].arg, &mode);
        const char *what = apr_psprintf(p, "rp_parse_mode(%s)",
                                        show(p, t[i].arg));
        if (t[i].ok) {
            check(err == NULL && mode == t[i].mode, what, err);
        }
        else {
            check(err != NULL && mode == 12345, what, "accepted");
            check(err && strstr(err, "RequirePrecondition")
                  && strstr(err, apr_psprintf(p, "'%s'", t[i].arg)),
                  apr_pstrcat(p, what, ": message names directive and "
                              "value", NULL), err);
        }
    }
}

/* ---- RequirePreconditionHeaders ------------------------------------ */

static void test_parse_header_name(apr_pool_t *p)
{
    static const struct { const char *arg; unsigned int bit; } t[] = {
        { "If-Match", RP_HDR_IF_MATCH },
        { "if-match", RP_HDR_IF_MATCH },
        { "IF-NONE-MATCH", RP_HDR_IF_NONE_MATCH },
        { "If-Unmodified-Since", RP_HDR_IF_UNMODIFIED_SINCE },
        { "If", RP_HDR_IF },
        { "if", RP_HDR_IF },
        { "If-Modified-Since", 0 },
        { "If-Range", 0 },
        { "if-range", 0 },
        { "If-Matc", 0 },
        { "If-Match ", 0 },
        { "", 0 },
        { "X-If-Match", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        unsigned int bit = 0;
        const char *err = rp_parse_header_name(p, t[i].arg, &bit);
        const char *what = apr_psprintf(p, "rp_parse_header_name(%s)",
                                        show(p, t[i].arg));
        if (t[i].bit) {
            check(err == NULL && bit == t[i].bit, what, err);
        }
        else {
            check(err && bit == 0
                  && strstr(err, "RequirePreconditionHeaders")
                  && strstr(err, apr_psprintf(p, "'%s'", t[i].arg)),
                  what, err ? err : "accepted");
        }
    }
    {
        unsigned int bit = 0;
        const char *err = rp_parse_header_name(p, "If-Modified-Since", &bit);
        check(err && strstr(err, "cannot make a write conditional"),
              "If-Modified-Since: says why it is refused", err);
    }
}

/* ---- RequirePreconditionSerializeTimeout --------------------------- */

static void test_parse_timeout(apr_pool_t *p)
{
    static const struct {
        const char *arg;
        int ok;
        apr_interval_time_t usec;
    } t[] = {
        { "1", 1, 1000000 },
        { "30", 1, 30000000 },
        { "0.5", 1, 500000 },
        { ".5", 1, 500000 },
        { "2.", 1, 2000000 },
        { "0.000001", 1, 1 },
        { "3600", 1, APR_INT64_C(3600000000) },
        { "3600.0", 1, APR_INT64_C(3600000000) },
        { "003600", 1, APR_INT64_C(3600000000) },
        { "3599.999999", 1, APR_INT64_C(3599999999) },
        { "0", 0, 0 },
        { "0.0", 0, 0 },
        { "0.0000001", 0, 0 },
        { "3600.000001", 0, 0 },
        { "3601", 0, 0 },
        { "99999999999999999999999", 0, 0 },
        { "", 0, 0 },
        { ".", 0, 0 },
        { "-1", 0, 0 },
        { "+1", 0, 0 },
        { " 1", 0, 0 },
        { "1 ", 0, 0 },
        { "1s", 0, 0 },
        { "1e3", 0, 0 },
        { "0x10", 0, 0 },
        { "inf", 0, 0 },
        { "nan", 0, 0 },
        { "1,5", 0, 0 },
        { "1.2.3", 0, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        apr_interval_time_t usec = -7;
        const char *err = rp_parse_timeout(p, t[i].arg, &usec);
        const char *what = apr_psprintf(p, "rp_parse_timeout(%s)",
                                        show(p, t[i].arg));
        if (t[i].ok) {
            check(err == NULL && usec == t[i].usec, what,
                  err ? err : apr_psprintf(p, "got %" APR_INT64_T_FMT,
                                           (apr_int64_t)usec));
        }
        else {
            check(err && usec == -7
                  && strstr(err, "RequirePreconditionSerializeTimeout"),
                  what, err ? err : "accepted");
        }
    }
}

/* ---- RequirePreconditionEvaluate ---------------------------------- */

static void test_parse_evaluate(apr_pool_t *p)
{
    static const struct { const char *arg; int ok; int mode; } t[] = {
        { "Off", 1, RP_EVAL_OFF },
        { "off", 1, RP_EVAL_OFF },
        { "Backend", 1, RP_EVAL_BACKEND },
        { "backend", 1, RP_EVAL_BACKEND },
        { "DIGEST", 1, RP_EVAL_DIGEST },
        { "Digest", 1, RP_EVAL_DIGEST },
        { "", 0, 0 },
        { "On", 0, 0 },
        { "backends", 0, 0 },
        { "Digest ", 0, 0 },
        { " Off", 0, 0 },
        { "0", 0, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int mode = 12345;
        const char *err = rp_parse_evaluate(p, t[i].arg, &mode);
        const char *what = apr_psprintf(p, "rp_parse_evaluate(%s)",
                                        show(p, t[i].arg));
        if (t[i].ok) {
            check(err == NULL && mode == t[i].mode, what, err);
        }
        else {
            /* The message t/config_errors.t and docs/directives.md quote. */
            const char *want = apr_psprintf(p, "RequirePreconditionEvaluate: "
                                            "'%s' is not Off, Backend or "
                                            "Digest", t[i].arg);
            check(err && mode == 12345 && !strcmp(err, want), what,
                  err ? err : "accepted");
        }
    }
}

/* ---- numbers of bytes: SpoolLimit, DigestLimit ---------------------- */

static void test_parse_bytes(apr_pool_t *p)
{
    static const char spool_msg[] = "RequirePreconditionSpoolLimit: '%s' is "
        "not a number of bytes from 0 (no spool) to 9007199254740992";
    static const char digest_msg[] = "RequirePreconditionDigestLimit: '%s' "
        "is not a number of bytes from 1 to 1073741824";
    /* which: 0 SpoolLimit, 1 DigestLimit, 2 rp_parse_bytes(7 to 1000),
     * 3 rp_parse_bytes(0 to APR_INT64_MAX - 9) */
    static const struct {
        int which;
        int ok;
        const char *arg;
        apr_off_t v;
    } t[] = {
        { 0, 1, "0", 0 },
        { 0, 1, "1", 1 },
        { 0, 1, "16777216", 16777216 },
        { 0, 1, "000016", 16 },
        { 0, 1, "9007199254740992", (apr_off_t)1 << 53 },
        { 0, 1, "09007199254740992", (apr_off_t)1 << 53 },
        { 0, 0, "9007199254740993", 0 },
        { 0, 0, "90071992547409920", 0 },
        { 0, 0, "99999999999999999999", 0 },
        { 0, 0, "999999999999999999999999999999999999999", 0 },
        { 0, 0, "-1", 0 },
        { 0, 0, "+1", 0 },
        { 0, 0, "16M", 0 },
        { 0, 0, "1e6", 0 },
        { 0, 0, "0x10", 0 },
        { 0, 0, " 1", 0 },
        { 0, 0, "1 ", 0 },
        { 0, 0, "", 0 },
        { 1, 1, "1", 1 },
        { 1, 1, "1048576", 1048576 },
        { 1, 1, "1073741824", 1073741824 },
        { 1, 0, "0", 0 },
        { 1, 0, "00", 0 },
        { 1, 0, "1073741825", 0 },
        { 1, 0, "10737418240", 0 },
        { 1, 0, "1M", 0 },
        { 1, 0, "99999999999999999999", 0 },
        { 1, 0, "", 0 },
        { 2, 1, "7", 7 },
        { 2, 1, "1000", 1000 },
        { 2, 0, "6", 0 },
        { 2, 0, "1001", 0 },
        { 2, 0, "1009", 0 },
        { 2, 0, "10000", 0 },
        { 3, 1, "9223372036854775798", APR_INT64_MAX - 9 },
        { 3, 0, "9223372036854775799", 0 },
        { 3, 0, "9223372036854775807", 0 },
        { 3, 0, "9223372036854775808", 0 },
        { 3, 0, "92233720368547757980", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        apr_off_t v = -7;
        const char *err, *want;
        const char *what = apr_psprintf(p, "parse bytes %d (%s)", t[i].which,
                                        show(p, t[i].arg));

        switch (t[i].which) {
        case 0:
            err = rp_parse_spool_limit(p, t[i].arg, &v);
            want = apr_psprintf(p, spool_msg, t[i].arg);
            break;
        case 1:
            err = rp_parse_digest_limit(p, t[i].arg, &v);
            want = apr_psprintf(p, digest_msg, t[i].arg);
            break;
        case 2:
            err = rp_parse_bytes(p, "Test", t[i].arg, 7, NULL, 1000, &v);
            want = apr_psprintf(p, "Test: '%s' is not a number of bytes "
                                "from 7 to 1000", t[i].arg);
            break;
        default:
            err = rp_parse_bytes(p, "Test", t[i].arg, 0, "none",
                                 APR_INT64_MAX - 9, &v);
            want = apr_psprintf(p, "Test: '%s' is not a number of bytes "
                                "from 0 (none) to 9223372036854775798",
                                t[i].arg);
            break;
        }
        if (t[i].ok) {
            check(err == NULL && v == t[i].v, what,
                  err ? err : apr_psprintf(p, "got %" APR_OFF_T_FMT, v));
        }
        else {
            check(err && v == -7 && !strcmp(err, want), what,
                  err ? err : "accepted");
        }
    }
}

/* ---- tokens, override ---------------------------------------------- */

static void test_is_token(apr_pool_t *p)
{
    static const struct { const char *s; int ok; } t[] = {
        { "PUT", 1 }, { "put", 1 }, { "M-SEARCH", 1 },
        { "BASELINE-CONTROL", 1 }, { "!#$%&'*+-.^_`|~09azAZ", 1 },
        { NULL, 0 }, { "", 0 }, { "PU T", 0 }, { "PUT\t", 0 },
        { "PUT/1", 0 }, { "(PUT)", 0 }, { "PUT\r\n", 0 }, { "\"PUT\"", 0 },
        { "P\xc3\x9cT", 0 }, { "PUT:", 0 }, { "a,b", 0 }, { "{x}", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_is_token(t[i].s) == t[i].ok,
              apr_psprintf(p, "rp_is_token(%s)", show(p, t[i].s)), NULL);
    }
}

static void test_override_method(apr_pool_t *p)
{
    static const struct {
        const char *value;
        apr_size_t bufsize;
        const char *want;   /* NULL: refused */
    } t[] = {
        { "PUT", 32, "PUT" },
        { "put", 32, "PUT" },
        { "  delete\t ", 32, "DELETE" },
        { "Patch", 32, "PATCH" },
        { "M-SEARCH", 32, "M-SEARCH" },
        { NULL, 32, NULL },
        { "", 32, NULL },
        { "   ", 32, NULL },
        { "PUT DELETE", 32, NULL },
        { "PUT,DELETE", 32, NULL },
        { "P(T", 32, NULL },
        { "PUT\r", 32, NULL },
        { "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE", 32,
          "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE" },        /* 31: fits */
        { "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF", 32, NULL },  /* 32: not */
        { "PUT", 4, "PUT" },
        { "PUT", 3, NULL },
        { "PUT", 1, NULL },
        { "PUT", 0, NULL },
        { "", 0, NULL },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        /* Exactly bufsize bytes (none at all for 0, like snprintf): a
         * sanitizer build sees any overrun. */
        char *buf = t[i].bufsize ? apr_palloc(p, t[i].bufsize) : NULL;
        int ok = rp_override_method(t[i].value, buf, t[i].bufsize);
        const char *what = apr_psprintf(p, "rp_override_method(%s, %d)",
                                        show(p, t[i].value),
                                        (int)t[i].bufsize);
        if (t[i].want) {
            check(ok && !strcmp(buf, t[i].want), what, ok ? buf : "refused");
        }
        else {
            check(!ok, what, "accepted");
        }
    }
}

/* ---- header values ------------------------------------------------- */

static void test_value_present(apr_pool_t *p)
{
    static const struct { const char *v; int ok; } t[] = {
        { NULL, 0 }, { "", 0 }, { " ", 0 }, { "\t", 0 }, { " \t \t", 0 },
        { "*", 1 }, { "\"x\"", 1 }, { " *", 1 }, { "* ", 1 },
        { "W/\"x\"", 1 }, { "\xff", 1 }, { "\x01", 1 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_value_present(t[i].v) == t[i].ok,
              apr_psprintf(p, "rp_value_present(%s)", show(p, t[i].v)),
              NULL);
    }
}

static void test_date_usable(apr_pool_t *p)
{
    static const struct { const char *v; int ok; } t[] = {
        /* The three forms RFC 9110 5.6.7 allows. */
        { "Sun, 06 Nov 1994 08:49:37 GMT", 1 },    /* IMF-fixdate */
        { "Sunday, 06-Nov-94 08:49:37 GMT", 1 },   /* RFC 850 */
        { "Sun Nov  6 08:49:37 1994", 1 },         /* asctime */
        { "Fri, 01 Jan 2100 00:00:00 GMT", 1 },
        /* What httpd's own parser (apr_date_parse_http) refuses; httpd
         * would then ignore the header, so it must not count. */
        { NULL, 0 },
        { "", 0 },
        { "yesterday", 0 },
        { "0", 0 },
        { "1994-11-06T08:49:37Z", 0 },
        { "Sun, 06 Nov 1994", 0 },
        { "Sun, 06 Xyz 1994 08:49:37 GMT", 0 },
        { "Sun, 06 Nov 1994 25:49:37 GMT", 0 },
        { "Sun, 06 Nov 1994 08:61:37 GMT", 0 },
        { "Sun, 32 Nov 1994 08:49:37 GMT", 0 },
        { "Sun, 31 Nov 1994 08:49:37 GMT", 0 },
        { "Sun, 29 Feb 1995 08:49:37 GMT", 0 },
        { "Sun, 06 Nov 1994 08:49:37 GMT\xff", 1 }, /* trailing is ignored */
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_date_usable(t[i].v) == t[i].ok,
              apr_psprintf(p, "rp_date_usable(%s)", show(p, t[i].v)), NULL);
    }
}

/* ---- what counts: one header at a time ---------------------------- */

static void test_if_match(apr_pool_t *p)
{
    static const struct { const char *v; int star, want; } t[] = {
        { "\"abc\"", 0, 1 },
        { "W/\"abc\"", 0, 1 },          /* never matches: 412, still safe */
        { "\"\"", 0, 1 },
        { " \"a\" , \"b\" ", 0, 1 },
        { ", \"a\",,", 0, 1 },          /* empty list elements are allowed */
        { "\"a\xff\"", 0, 1 },          /* obs-text */
        { "*", 0, 0 },                  /* only says "it exists" */
        { " * ", 0, 0 },
        { "*", 1, 1 },                  /* RequirePreconditionAcceptIfMatchStar */
        { " *\t", 1, 1 },
        { "*, \"a\"", 1, 0 },           /* not a list: * stands alone */
        { "*, *", 1, 1 },               /* two header lines joined */
        { "*, *", 0, 0 },
        { NULL, 0, 0 }, { "", 0, 0 }, { "  ", 0, 0 }, { ",", 0, 0 },
        { "abc", 0, 0 },                /* not an entity-tag */
        { "\"abc", 0, 0 },
        { "\"a\" \"b\"", 0, 0 },
        { "\"a\"x", 0, 0 },
        { "w/\"a\"", 0, 0 },            /* W is case-sensitive */
        { "\"a b\"", 0, 0 },
        { "\"a\x7f\"", 0, 0 },
        { "\"a\"\"b\"", 0, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_if_match_counts(t[i].v, t[i].star) == t[i].want,
              apr_psprintf(p, "rp_if_match_counts(%s, %d) == %d",
                           show(p, t[i].v), t[i].star, t[i].want), NULL);
    }
}

static void test_if_none_match(apr_pool_t *p)
{
    static const struct { const char *v; int want; } t[] = {
        { "*", 1 }, { " * ", 1 }, { "\t*", 1 },
        { "\"anything\"", 0 },          /* true whenever the version differs */
        { "\"a\", \"b\"", 0 }, { "W/\"a\"", 0 }, { "*, \"a\"", 0 },
        { "*, *", 1 },                  /* two header lines joined */
        { "**", 1 }, { NULL, 0 }, { "", 0 }, { " ", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_if_none_match_counts(t[i].v) == t[i].want,
              apr_psprintf(p, "rp_if_none_match_counts(%s) == %d",
                           show(p, t[i].v), t[i].want), NULL);
    }
}

static void test_unmodified_since(apr_pool_t *p)
{
    /* The request arrived at Sun, 06 Nov 1994 08:49:37 GMT. */
    apr_time_t now = apr_time_from_sec(784111777);
    static const struct { const char *v; apr_time_t skew; int want; } t[] = {
        { "Sun, 06 Nov 1994 08:49:37 GMT", 0, 1 },   /* the same second */
        { "Sun, 06 Nov 1994 08:49:36 GMT", 0, 1 },
        { "Sunday, 06-Nov-94 08:49:37 GMT", 0, 1 },
        { "Sun Nov  6 08:49:37 1994", 0, 1 },
        { "Sun, 06 Nov 1994 08:49:38 GMT", 0, 0 },   /* after arrival */
        { "Thu, 01 Jan 2099 00:00:00 GMT", 0, 0 },
        { "Sun, 06 Nov 1994 08:49:38 GMT", 1000000, 1 },
        { "yesterday", 0, 0 }, { NULL, 0, 0 }, { "", 0, 0 },
        { "Sun, 31 Nov 1994 08:49:37 GMT", 0, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_unmodified_since_counts(t[i].v, now + t[i].skew)
              == t[i].want,
              apr_psprintf(p, "rp_unmodified_since_counts(%s, +%d us) == %d",
                           show(p, t[i].v), (int)t[i].skew, t[i].want),
              NULL);
    }
}

static void test_overwrite(apr_pool_t *p)
{
    static const struct { const char *v; int want; } t[] = {
        { "F", 1 }, { "f", 1 }, { " F ", 1 },
        { "T", 0 }, { "t", 0 }, { "FF", 0 }, { "False", 0 }, { "", 0 },
        { NULL, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_overwrite_counts(t[i].v) == t[i].want,
              apr_psprintf(p, "rp_overwrite_counts(%s) == %d",
                           show(p, t[i].v), t[i].want), NULL);
    }
}

static void test_if_header(apr_pool_t *p)
{
    static const struct { const char *v, *target; int want; } t[] = {
        /* untagged lists apply to the request URI */
        { "(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>)", "/d/a", 1 },
        { "([\"etag\"])", "/d/a", 1 },
        { "([W/\"etag\"])", "/d/a", 1 },
        { "(<opaquelocktoken:x> [\"e\"])", "/d/a", 1 },
        { "(Not <DAV:no-lock> [\"e\"])", "/d/a", 1 },
        { "  ( <urn:x:y>  )  ", "/d/a", 1 },
        { "(<urn:a>) ([\"b\"])", "/d/a", 1 },
        { "(<DAV:no-lock>)", "/d/a", 1 },             /* never true: safe */
        /* true whatever the state: no precondition */
        { "(Not <DAV:no-lock>)", "/d/a", 0 },
        { "(Not [\"x\"])", "/d/a", 0 },
        { "(not [\"x\"])", "/d/a", 0 },
        { "(Not <urn:a> Not [\"x\"])", "/d/a", 0 },
        { "([\"x\"]) (Not <DAV:no-lock>)", "/d/a", 0 },  /* an alternative */
        /* tagged lists apply to the resource they name */
        { "</d/a> ([\"x\"])", "/d/a", 1 },
        { "<http://h.example/d/a> ([\"x\"])", "/d/a", 1 },
        { "<https://h.example:8443/d/a> (<urn:t>)", "/d/a", 1 },
        { "<http://h/d/%61> ([\"x\"])", "/d/a", 1 },     /* %-decoded */
        { "</d/c/> ([\"x\"])", "/d/c", 1 },              /* collections */
        { "</d/c> ([\"x\"])", "/d/c/", 1 },
        { "<http://h> ([\"x\"])", "/", 1 },
        { "</d/a?q> ([\"x\"])", "/d/a", 1 },
        { "</some/other/resource> ([\"x\"])", "/d/a", 0 },
        { "</d/a> (Not [\"x\"])", "/d/a", 0 },
        { "</d/b> ([\"x\"]) </d/a> (Not <DAV:no-lock>)", "/d/a", 0 },
        /* a list true whatever the state, under any tag: mod_dav may
         * read the tag as this resource where a literal compare would not */
        { "</d/b> (Not <DAV:no-lock>) </d/a> ([\"x\"])", "/d/a", 0 },
        { "<http://h/d/a> ([\"n\"]) </d/./a> (Not <DAV:no-lock>)", "/d/a", 0 },
        /* tags cleaned as mod_dav cleans them */
        { "</d/./a> ([\"x\"])", "/d/a", 1 },
        { "</d/x/../a> ([\"x\"])", "/d/a", 1 },
        { "</d/x/%2e%2e/a> ([\"x\"])", "/d/a", 1 },
        { "<//host/d/a> ([\"x\"])", "/d/a", 1 },
        { "</d%2Fa> ([\"x\"])", "/d/a", 0 },      /* mod_dav refuses %2F */
        { "</d/a%00> ([\"x\"])", "/d/a", 0 },
        { "</../d/a> ([\"x\"])", "/d/a", 0 },     /* above the root */
        { "<http:d/a> ([\"x\"])", "/d/a", 0 },    /* relative: not a path */
        { "</d/a%20b> ([\"x\"])", "/d/a b", 1 },
        { "</d//a> ([\"x\"])", "/d/a", 0 },       /* mod_dav keeps // */
        { "</d/a> ([\"x\"]) ([\"y\"])", "/d/a", 1 },
        { "</d/a> ([\"x\"]) (Not [\"y\"])", "/d/a", 0 },
        { "</d/ab> ([\"x\"])", "/d/a", 0 },
        { "</d/a> ([\"x\"])", "/d/ab", 0 },
        { "<http://h/d/a/b> ([\"x\"])", "/d/a", 0 },
        /* what does not parse counts for nothing */
        { NULL, "/d/a", -1 }, { "", "/d/a", -1 }, { " ", "/d/a", -1 },
        { "()", "/d/a", -1 },
        { "(", "/d/a", -1 },
        { "([\"x\"]", "/d/a", -1 },
        { "(<urn:x>", "/d/a", -1 },
        { "(<>)", "/d/a", -1 },
        { "(<no-colon>)", "/d/a", -1 },
        { "(<urn:a b>)", "/d/a", -1 },
        { "([x])", "/d/a", -1 },
        { "([\"x\")", "/d/a", -1 },
        { "(Not)", "/d/a", -1 },
        { "(Nope <urn:x>)", "/d/a", -1 },
        { "(Not<urn:x>) junk", "/d/a", -1 },
        { "<urn:x>", "/d/a", -1 },                 /* a tag with no list */
        { "</d/a> ([\"x\"]) ([\"y\"]) junk", "/d/a", -1 },
        { "([\"x\"]) </d/a> ([\"x\"])", "/d/a", -1 },   /* mixed forms */
        { "</d/a> ([\"x\"]) ([\"x\"]) (Not", "/d/a", -1 },
        { "<ftp:x> ([\"x\"])", "/d/a", 0 },        /* no path: not this one */
        { "\"x\"", "/d/a", -1 },
        { "([\"x\"])", NULL, -1 },
    };
    /* A collection: only a lock token protects what is inside. */
    static const struct { const char *v; int want; } c[] = {
        { "(<opaquelocktoken:x>)", 1 },
        { "(<opaquelocktoken:x> [W/\"\"])", 1 },
        { "([W/\"\"])", 0 },
        { "(Not <DAV:no-lock> [\"e\"])", 0 },
        { "(<urn:a>) ([\"e\"])", 0 },
    };
    /* A Destination: untagged lists are about the request URI. */
    static const struct { const char *v; int want; } d[] = {
        { "([\"x\"])", 0 },
        { "(<urn:x>) </d/a> ([\"x\"])", -1 },
        { "</s> ([\"x\"]) </d/a> (<urn:t>)", 1 },
        { "</s> ([\"x\"])", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        check(rp_if_header_counts(c[i].v, "/d/c",
                                  RP_IF_UNTAGGED_APPLY | RP_IF_TOKENS_ONLY)
              == c[i].want,
              apr_psprintf(p, "rp_if_header_counts(%s, collection) == %d",
                           show(p, c[i].v), c[i].want), NULL);
    }
    for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        check(rp_if_header_counts(d[i].v, "/d/a", 0) == d[i].want,
              apr_psprintf(p, "rp_if_header_counts(%s, destination) == %d",
                           show(p, d[i].v), d[i].want), NULL);
    }

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_if_header_counts(t[i].v, t[i].target, RP_IF_UNTAGGED_APPLY)
              == t[i].want,
              apr_psprintf(p, "rp_if_header_counts(%s, %s) == %d",
                           show(p, t[i].v), show(p, t[i].target),
                           t[i].want), NULL);
    }
}

/* ---- what counts: the whole write ---------------------------------- */

static void test_judge(apr_pool_t *p)
{
    static const struct {
        const char *name;
        rp_write_t w;
        unsigned int want;
    } t[] = {
#define W(im, inm, ius, ifh, ow, acc, dav, dest, star) \
        { im, inm, ius, ifh, ow, "/d/a", 0, acc, dav, dest, star, 0, 0, 0, 0 }
        { "nothing", W(NULL, NULL, NULL, NULL, NULL, RP_HDR_ALL, 1, 0, 0), 0 },
        { "If-Match", W("\"e\"", NULL, NULL, NULL, NULL, RP_HDR_ALL, 0, 0, 0),
          RP_HDR_IF_MATCH },
        { "If-Match *", W("*", NULL, NULL, NULL, NULL, RP_HDR_ALL, 0, 0, 0),
          0 },
        { "If-Match * accepted",
          W("*", NULL, NULL, NULL, NULL, RP_HDR_ALL, 0, 0, 1),
          RP_HDR_IF_MATCH },
        { "If-Match * accepted, If-Match not",
          W("*", NULL, NULL, NULL, NULL, RP_HDR_IF_NONE_MATCH, 0, 0, 1), 0 },
        { "If-None-Match *",
          W(NULL, "*", NULL, NULL, NULL, RP_HDR_ALL, 0, 0, 0),
          RP_HDR_IF_NONE_MATCH },
        { "If-None-Match tag",
          W(NULL, "\"x\"", NULL, NULL, NULL, RP_HDR_ALL, 0, 0, 0), 0 },
        { "If-Unmodified-Since, past",
          W(NULL, NULL, "Sat, 01 Jan 2000 00:00:00 GMT", NULL, NULL,
            RP_HDR_ALL, 0, 0, 0), RP_HDR_IF_UNMODIFIED_SINCE },
        { "If-Unmodified-Since, after arrival",
          W(NULL, NULL, "Fri, 01 Jan 2100 00:00:00 GMT", NULL, NULL,
            RP_HDR_ALL, 0, 0, 0), 0 },
        { "If under mod_dav",
          W(NULL, NULL, NULL, "([\"x\"])", NULL, RP_HDR_ALL, 1, 0, 0),
          RP_HDR_IF },
        { "If without mod_dav",
          W(NULL, NULL, NULL, "([\"x\"])", NULL, RP_HDR_ALL, 0, 0, 0), 0 },
        { "If not accepted",
          W(NULL, NULL, NULL, "([\"x\"])", NULL, RP_HDR_IF_MATCH, 1, 0, 0),
          0 },
        { "only If-Match accepted, If-None-Match sent",
          W(NULL, "*", NULL, NULL, NULL, RP_HDR_IF_MATCH, 1, 0, 0), 0 },
        { "Overwrite F on the request URI",
          W(NULL, NULL, NULL, NULL, "F", RP_HDR_ALL, 1, 0, 0), 0 },
        /* the destination of a COPY or MOVE */
        { "destination: Overwrite F",
          W(NULL, NULL, NULL, NULL, "F", RP_HDR_ALL, 1, 1, 0),
          RP_HDR_OVERWRITE },
        { "destination: Overwrite F, no mod_dav",
          W(NULL, NULL, NULL, NULL, "F", RP_HDR_IF_MATCH, 0, 1, 0),
          RP_HDR_OVERWRITE },
        { "destination: Overwrite T",
          W(NULL, NULL, NULL, NULL, "T", RP_HDR_ALL, 1, 1, 0), 0 },
        { "destination: If-Match is the source's",
          W("\"e\"", "*", "Sat, 01 Jan 2000 00:00:00 GMT", NULL, NULL,
            RP_HDR_ALL, 1, 1, 1), 0 },
        { "destination: untagged If is the source's",
          W(NULL, NULL, NULL, "([\"x\"])", NULL, RP_HDR_ALL, 1, 1, 0), 0 },
        { "destination: If tagged with it",
          W(NULL, NULL, NULL, "</s> ([\"x\"]) </d/a> ([\"y\"])", NULL,
            RP_HDR_ALL, 1, 1, 0), RP_HDR_IF },
        { "destination: If tagged, If not accepted",
          W(NULL, NULL, NULL, "</d/a> ([\"y\"])", NULL, RP_HDR_IF_MATCH, 1, 1,
            0), 0 },
#define C(im, inm, ius, ifh, ow, dest) \
        { im, inm, ius, ifh, ow, "/d/a", 0, RP_HDR_ALL, 1, dest, 1, 1, 0, 0, 0 }
        { "collection: its ETag", C("W/\"\"", NULL, NULL, NULL, NULL, 0), 0 },
        { "collection: a past date",
          C(NULL, NULL, "Sat, 01 Jan 2000 00:00:00 GMT", NULL, NULL, 0), 0 },
        { "collection: If with its ETag",
          C(NULL, NULL, NULL, "([W/\"\"])", NULL, 0), 0 },
        { "collection: If with a lock token",
          C(NULL, NULL, NULL, "(<opaquelocktoken:x>)", NULL, 0), RP_HDR_IF },
        { "collection: If-None-Match *", C(NULL, "*", NULL, NULL, NULL, 0),
          RP_HDR_IF_NONE_MATCH },
        { "collection destination: Overwrite F",
          C(NULL, NULL, NULL, NULL, "F", 1), RP_HDR_OVERWRITE },
#undef C
        /* PROPPATCH under mod_dav: as for a collection. */
#define P(im, inm, ius, ifh) \
        { im, inm, ius, ifh, NULL, "/d/a", 0, RP_HDR_ALL, 1, 0, 1, 0, 1, 0, 0 }
        { "PROPPATCH: its ETag", P("\"e\"", NULL, NULL, NULL), 0 },
        { "PROPPATCH: a past date",
          P(NULL, NULL, "Sat, 01 Jan 2000 00:00:00 GMT", NULL), 0 },
        { "PROPPATCH: If with its ETag", P(NULL, NULL, NULL, "([\"e\"])"),
          0 },
        { "PROPPATCH: If with a lock token",
          P(NULL, NULL, NULL, "(<opaquelocktoken:x>)"), RP_HDR_IF },
        { "PROPPATCH: If-None-Match *", P(NULL, "*", NULL, NULL),
          RP_HDR_IF_NONE_MATCH },
#undef P
#undef W
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        rp_write_t w = t[i].w;

        w.request_time = apr_time_from_sec(1700000000);
        check(rp_judge(&w) == t[i].want,
              apr_psprintf(p, "rp_judge(%s) == %s", t[i].name,
                           rp_reason_name(t[i].want)),
              rp_reason_name(rp_judge(&w)));
    }
}

static void test_refusal_status(apr_pool_t *p)
{
    static const struct {
        const char *name, *if_header;
        int dav, dest, coll, op, state, want;
    } t[] = {
        { "DELETE, missing", NULL, 1, 0, 0, RP_OP_DELETE, RP_RES_ABSENT, 404 },
        { "DELETE, missing folder", NULL, 1, 0, 0, RP_OP_DELETE,
          RP_RES_NO_PARENT, 404 },
        { "DELETE, missing, bad If", "garbage", 1, 0, 0, RP_OP_DELETE,
          RP_RES_ABSENT, 404 },
        { "DELETE, there, bad If", "garbage", 1, 0, 0, RP_OP_DELETE,
          RP_RES_EXISTS, 400 },
        { "DELETE, there", NULL, 1, 0, 0, RP_OP_DELETE, RP_RES_EXISTS, 428 },
        { "DELETE past a file", NULL, 1, 0, 0, RP_OP_DELETE, RP_RES_UNKNOWN,
          428 },
        { "DELETE, missing, no mod_dav", NULL, 0, 0, 0, RP_OP_DELETE,
          RP_RES_ABSENT, 428 },
        { "PROPPATCH, missing", NULL, 1, 0, 0, RP_OP_PROPPATCH,
          RP_RES_ABSENT, 404 },
        { "MOVE, missing source, at the destination", NULL, 1, 1, 0,
          RP_OP_COPY_MOVE, RP_RES_ABSENT, 404 },
        { "COPY, bad If, at the destination", "(<x>", 1, 1, 0,
          RP_OP_COPY_MOVE, RP_RES_EXISTS, 400 },
        { "PUT, new", NULL, 1, 0, 0, RP_OP_PUT, RP_RES_ABSENT, 428 },
        { "PUT, missing folder", NULL, 1, 0, 0, RP_OP_PUT, RP_RES_NO_PARENT,
          409 },
        { "PUT, missing folder, bad If", "(", 1, 0, 0, RP_OP_PUT,
          RP_RES_NO_PARENT, 400 },
        { "PUT onto a collection", "(", 1, 0, 1, RP_OP_PUT, RP_RES_EXISTS,
          409 },
        { "PUT, good If", "(<urn:x>)", 1, 0, 0, RP_OP_PUT, RP_RES_EXISTS,
          428 },
        { "MKCOL over a file", "(", 1, 0, 0, RP_OP_MKCOL, RP_RES_EXISTS, 405 },
        { "MKCOL, missing folder", NULL, 1, 0, 0, RP_OP_MKCOL,
          RP_RES_NO_PARENT, 409 },
        { "MKCOL, new", NULL, 1, 0, 0, RP_OP_MKCOL, RP_RES_ABSENT, 428 },
        { "PATCH under mod_dav", "(", 1, 0, 0, RP_OP_UNKNOWN, RP_RES_EXISTS,
          405 },
        { "PATCH through a proxy", NULL, 0, 0, 0, RP_OP_UNKNOWN,
          RP_RES_EXISTS, 428 },
        { "LOCK, bad If", "garbage", 1, 0, 0, RP_OP_OTHER, RP_RES_EXISTS,
          400 },
        { "an override, missing", NULL, 1, 0, 0, RP_OP_OTHER, RP_RES_ABSENT,
          428 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        rp_write_t w;
        const char *why = NULL;
        int got;

        memset(&w, 0, sizeof(w));
        w.if_header = t[i].if_header;
        w.target = "/d/a";
        w.dav = t[i].dav;
        w.destination = t[i].dest;
        w.collection = t[i].coll;
        w.op = t[i].op;
        w.state = t[i].state;
        got = rp_refusal_status(&w, &why);
        check(got == t[i].want && why,
              apr_psprintf(p, "rp_refusal_status(%s) == %d", t[i].name,
                           t[i].want), apr_psprintf(p, "%d", got));
    }
}

/* Every _method parameter of form-encoded data, joined with ",". */
static const char *all_params(apr_pool_t *p, const char *args)
{
    const char *s = args, *list = NULL;
    char buf[RP_METHOD_MAX];

    while (rp_param_next(&s, args ? args + strlen(args) : NULL, buf,
                         sizeof(buf))) {
        list = list ? apr_pstrcat(p, list, ",", buf, NULL)
                    : apr_pstrdup(p, buf);
    }
    return list;
}

static void test_param_next(apr_pool_t *p)
{
    static const struct { const char *args, *want; } t[] = {
        { "_method=PUT", "PUT" },
        { "_method=delete", "DELETE" },
        { "a=1&_method=patch&b=2", "PATCH" },
        { "a=1;_method=PUT", "PUT" },
        { "x_method=PUT", NULL },
        { "_method=", NULL },
        { "_method", NULL },
        { "_method=P%55T", "PUT" },
        { "_method=PU%00T", NULL },
        { "_method=PU+T", NULL },
        { "_method=PU T", NULL },
        { "_method=+PUT+", "PUT" },
        { "_methods=PUT", NULL },
        { "", NULL }, { NULL, NULL },
        { "_method=AVERYLONGMETHODNAMETHATDOESNOTFITATALLXX", NULL },
        /* every occurrence: PHP keeps the last, others the first */
        { "_method=GET&_method=PUT", "GET,PUT" },
        { "_method=PUT&x=1&_method=bad%20value&_method=delete",
          "PUT,DELETE" },
        /* the key as frameworks decode it */
        { "%5Fmethod=PUT", "PUT" },
        { "%5fmethod=PUT", "PUT" },
        { "_m%65thod=PUT", "PUT" },
        { ".method=PUT", "PUT" },
        { "%2Emethod=PUT", "PUT" },
        /* PHP drops the blanks a key starts with: " method" is "method". */
        { "+method=PUT", NULL },
        { "%20method=PUT", NULL },
        /* ... so blanks before "_method" or ".method" hide nothing (PHP,
         * and Rack after "&"); and a NUL ends the key (PHP). */
        { "+_method=PUT", "PUT" },
        { "%20.method=PUT", "PUT" },
        { "a=1& _method=PUT", "PUT" },
        { "++%20+_method=delete", "DELETE" },
        { "_method%00x=PUT", "PUT" },
        { "%00_method=PUT", NULL },
        { "_method.=PUT", NULL },
        { "_METHOD=PUT", NULL },
        { "_me%00thod=PUT", NULL },
        { "_method%3DPUT", NULL },
        { "_method=PUT%26_method%3DGET", NULL },
        { "&&_method=PUT&&", "PUT" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const char *got = all_params(p, t[i].args);

        check(t[i].want ? got && !strcmp(got, t[i].want) : !got,
              apr_psprintf(p, "rp_param_next(%s) == %s", show(p, t[i].args),
                           show(p, t[i].want)), show(p, got));
    }
    {
        /* Bounded by end, not by a NUL: a body is not a string. */
        static const char body[] = "_method=PUTX";
        const char *s = body;
        char buf[RP_METHOD_MAX];

        check(rp_param_next(&s, body + 11, buf, sizeof(buf))
              && !strcmp(buf, "PUT"), "rp_param_next stops at end", buf);
    }
}

static void test_override_next(apr_pool_t *p)
{
    static const struct { const char *value, *want; } t[] = {
        { "PUT", "PUT" },
        { "PUT, GET", "PUT,GET" },
        { "GET,delete", "GET,DELETE" },
        { " get ,, patch ", "GET,PATCH" },
        { "PUT DELETE, GET", "GET" },
        { "", NULL }, { ",", NULL }, { NULL, NULL },
        { "AVERYLONGMETHODNAMETHATDOESNOTFITATALLXX, PUT", "PUT" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const char *s = t[i].value, *got = NULL;
        char buf[RP_METHOD_MAX];

        while (rp_override_next(&s, buf, sizeof(buf))) {
            got = got ? apr_pstrcat(p, got, ",", buf, NULL)
                      : apr_pstrdup(p, buf);
        }
        check(t[i].want ? got && !strcmp(got, t[i].want) : !got,
              apr_psprintf(p, "rp_override_next(%s) == %s",
                           show(p, t[i].value), show(p, t[i].want)),
              show(p, got));
    }
}

static void test_is_form_type(apr_pool_t *p)
{
    static const struct { const char *type; int want; } t[] = {
        { "application/x-www-form-urlencoded", 1 },
        { "Application/X-WWW-Form-URLEncoded", 1 },
        { "application/x-www-form-urlencoded; charset=UTF-8", 1 },
        { "application/x-www-form-urlencoded;charset=UTF-8", 1 },
        { " application/x-www-form-urlencoded", 1 },
        /* Two Content-Type lines, joined by httpd; PHP and Rack read the
         * first. */
        { "application/x-www-form-urlencoded, text/plain", 1 },
        { "application/x-www-form-urlencoded,text/plain", 1 },
        { "application/x-www-form-urlencodedx", 0 },
        { "multipart/form-data; boundary=x", 0 },
        { "text/plain", 0 }, { "", 0 }, { NULL, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_is_form_type(t[i].type) == t[i].want,
              apr_psprintf(p, "rp_is_form_type(%s) == %d",
                           show(p, t[i].type), t[i].want), NULL);
    }
}

/* ---- Accept -------------------------------------------------------- */

static void test_prefers_json(apr_pool_t *p)
{
    static const struct { const char *accept; int json; } t[] = {
        { NULL, 0 },
        { "", 0 },
        { "*/*", 0 },
        { "application/json", 1 },
        { "APPLICATION/JSON", 1 },
        { "application/problem+json", 1 },
        { "application/vnd.api+json", 1 },
        { "application/*", 1 },
        { "text/html", 0 },
        { "text/*", 0 },
        { "text/plain", 0 },
        { "application/json, text/html", 0 },          /* a tie: HTML */
        { "text/html, application/json", 0 },
        { "text/html;q=0.9, application/json", 1 },
        { "application/json;q=0.9, text/html", 0 },
        { "application/json; q=0.5, text/html; q=0.4", 1 },
        { "application/json;q=0, */*", 0 },
        { "application/json;q=0", 0 },
        { "application/json;q=0.001", 1 },
        { "application/json;q=0.0001", 0 },            /* 3 decimals only */
        { "application/json;q=1.0, text/html;q=0.999", 1 },
        { "application/json;q=2, text/html", 0 },      /* capped at 1 */
        { "application/json;q=abc", 1 },               /* bad q ignored */
        { "application/json;q=", 1 },
        { "application/json;level=1;q=0.8, text/html;q=0.7", 1 },
        { "*/*;q=0.1, application/json", 1 },
        { "*/*, application/json;q=0.5", 0 },          /* html via */
        { "text/*;q=0.2, application/json;q=0.3", 1 },
        { "text/html;q=0.2, text/*;q=0.9, application/json;q=0.5", 1 },
        /* problem+json is acceptable at 0.5 through "application/ *" */
        { "application/*;q=0.5, application/json;q=0.1, text/html;q=0.3", 1 },
        { "application/*;q=0.2, application/json;q=0.1, text/html;q=0.3", 0 },
        { "application/xml", 0 },
        { "application/+json", 0 },                    /* no base name */
        { "application/x+json", 1 },
        { "application/json+xml", 0 },
        { "image/json", 0 },
        { "json", 0 },
        { ",,, ,", 0 },
        { ";q=1", 0 },
        { "/json", 0 },
        { "application/json;;;q=0.9,,text/html;q=0.8", 1 },
        { "  application/json  ;  q=0.9 , text/html;q=0.1", 1 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        check(rp_prefers_json(t[i].accept) == t[i].json,
              apr_psprintf(p, "rp_prefers_json(%s) == %d",
                           show(p, t[i].accept), t[i].json), NULL);
    }
}

/* ---- 428 bodies ---------------------------------------------------- */

static int contains(const char *s, const char *sub)
{
    return s && strstr(s, sub) != NULL;
}

static void test_bodies(apr_pool_t *p)
{
    const char *s;

    check(!strcmp(rp_accepted_list(p, RP_HDR_ALL),
                  "If-Match, If-None-Match, If-Unmodified-Since, If"),
          "accepted list, all", rp_accepted_list(p, RP_HDR_ALL));
    check(!strcmp(rp_accepted_list(p, 0), ""), "accepted list, none", NULL);
    check(!strcmp(rp_accepted_list(p, RP_HDR_IF_MATCH | RP_HDR_STAR),
                  "If-Match"), "accepted list, If-Match and *", NULL);
    check(!strcmp(rp_accepted_list(p, RP_HDR_OVERWRITE | RP_HDR_IF),
                  "If, Overwrite"), "accepted list, destination", NULL);

    s = rp_body_html(p, RP_HDR_ALL);
    check(contains(s, "<title>428 Precondition Required</title>"),
          "html body: title", NULL);
    check(contains(s, "If-Match with the ETag")
          && contains(s, ", or a WebDAV If header"),
          "html body: the advice, ending in ', or'", s);
    check(!contains(s, "\"") || contains(s, "DOCTYPE"),
          "html body: no stray quotes", NULL);
    check(!contains(s, "If-Match: *"), "html body: no If-Match: *", s);
    s = rp_body_html(p, RP_HDR_IF_MATCH);
    check(contains(s, "Send If-Match with the ETag from your last GET.</p>"),
          "html body: one header, no separator", s);
    s = rp_body_html(p, RP_HDR_IF_MATCH | RP_HDR_IF_NONE_MATCH);
    check(contains(s, "last GET, or If-None-Match: *"),
          "html body: two headers", s);
    s = rp_body_html(p, RP_HDR_IF_MATCH | RP_HDR_STAR);
    check(contains(s, "If-Match: * to overwrite"),
          "html body: If-Match: * where it counts", s);
    s = rp_body_html(p, RP_HDR_OVERWRITE | RP_HDR_IF);
    check(contains(s, "Overwrite: F") && contains(s, "tagged with the "
                                                  "Destination URL")
          && contains(s, "do not count for the destination"),
          "html body: destination", s);

    s = rp_body_json(p, RP_HDR_ALL & ~RP_HDR_IF);
    check(contains(s, "\"status\": 428"), "json body: status", s);
    check(contains(s, "\"accepted_headers\": [\"If-Match\", "
                   "\"If-None-Match\", \"If-Unmodified-Since\"]"),
          "json body: accepted headers without If", s);
    check(contains(s, "\"code\": \"MissingPrecondition\""),
          "json body: code", NULL);
    check(contains(s, "\"applies_to\": \"request-uri\""),
          "json body: applies to the request URI", s);
    s = rp_body_json(p, 0);
    check(contains(s, "\"accepted_headers\": []"),
          "json body: empty list is []", s);
    s = rp_body_json(p, RP_HDR_OVERWRITE);
    check(contains(s, "\"accepted_headers\": [\"Overwrite\"]")
          && contains(s, "\"applies_to\": \"destination\""),
          "json body: destination", s);
}

static void test_json_escape(apr_pool_t *p)
{
    static const struct { const char *in, *out; } t[] = {
        { "", "" },
        { "abc", "abc" },
        { "a\"b", "a\\\"b" },
        { "a\\b", "a\\\\b" },
        { "\n\r\t", "\\u000a\\u000d\\u0009" },
        { "\x01\x1f", "\\u0001\\u001f" },
        { "\x7f", "\\u007f" },
        { "\xc3\xa9", "\\u00c3\\u00a9" },
        { "</script>", "</script>" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const char *got = rp_json_escape(p, t[i].in);
        check(!strcmp(got, t[i].out),
              apr_psprintf(p, "rp_json_escape(case %d)", (int)i), got);
    }
}

/* ---- SipHash-2-4: the reference vectors ---------------------------- */

static void test_siphash(apr_pool_t *p)
{
    /* Key 00..0f, message 00..(n-1), from the SipHash paper's vectors. */
    static const struct { apr_size_t n; apr_uint64_t h; } t[] = {
        { 0, APR_UINT64_C(0x726fdb47dd0e0e31) },
        { 1, APR_UINT64_C(0x74f839c593dc67fd) },
        { 7, APR_UINT64_C(0xab0200f58b01d137) },
        { 8, APR_UINT64_C(0x93f5f5799a932462) },
        { 15, APR_UINT64_C(0xa129ca6149be45e5) },
        { 63, APR_UINT64_C(0x958a324ceb064572) },
    };
    unsigned char key[16], msg[64];
    apr_size_t i;

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (unsigned char)i;
    }
    for (i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)i;
    }
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        apr_uint64_t h = rp_siphash(key, msg, t[i].n);
        check(h == t[i].h,
              apr_psprintf(p, "rp_siphash(%d bytes)", (int)t[i].n),
              apr_psprintf(p, "%" APR_UINT64_T_HEX_FMT, h));
    }
    key[0] ^= 1;
    check(rp_siphash(key, msg, 15) != APR_UINT64_C(0xa129ca6149be45e5),
          "rp_siphash: another key, another hash", NULL);
}

/* ---- A form body's _method, in pieces and coded (rp_form.c) --------- */

static void form_found(void *ctx, const char *method)
{
    char *list = ctx;
    size_t n = strlen(list);

    (void)snprintf(list + n, 256 - n, "%s%s", n ? "," : "", method);
}

/* The methods `body` names, fed `piece` bytes at a time, into list (256
 * bytes); the return of rp_form_scan_end, or -2 when create refused. */
static int form_scan(apr_pool_t *p, const char *coding, apr_off_t max,
                     const char *body, apr_size_t len, apr_size_t piece,
                     char *list)
{
    rp_form_scan *s;
    apr_size_t at;

    *list = '\0';
    s = rp_form_scan_create(p, coding, max, form_found, list);
    if (!s) {
        return -2;
    }
    for (at = 0; at < len; at += piece) {
        rp_form_scan_feed(s, body + at, len - at < piece ? len - at : piece);
    }
    return rp_form_scan_end(s);
}

/* `plain` gzip-coded (gzip: 1) or zlib-coded, into *len bytes. */
static char *form_deflate(apr_pool_t *p, const char *plain, apr_size_t n,
                          int gzip, apr_size_t *len)
{
    z_stream z;
    char *out = apr_palloc(p, n + 1024);

    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (const Bytef *)plain;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)(n + 1024);
    deflate(&z, Z_FINISH);
    *len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void test_form_scan(apr_pool_t *p)
{
    static const struct { const char *body, *want; } t[] = {
        { "_method=PUT", "PUT" },
        { "a=1&_method=delete&b=2", "DELETE" },
        { "_method=PUT&_method=patch", "PUT,PATCH" },
        { "a=1;%5Fmethod=P%55T", "PUT" },
        { "x_method=PUT&_method", "" },
        { "", "" },
        /* A NUL inside a parameter: it names nothing. */
        { "_method=PU\0T&_method=DELETE", "DELETE" },
    };
    char list[256], *junk, *coded;
    apr_size_t i, piece, len;
    int rc;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        apr_size_t n = strlen(t[i].body);

        if (i == 6) {
            n = 27;
        }
        /* Every split of the body gives the same answer. */
        for (piece = 1; piece <= n + 1; piece++) {
            rc = form_scan(p, NULL, 1000, t[i].body, n, piece, list);
            check(rc == 0 && !strcmp(list, t[i].want),
                  apr_psprintf(p, "form %s in pieces of %lu",
                               show(p, t[i].body), (unsigned long)piece),
                  list);
        }
    }
    /* A long parameter before and a long value cannot hide _method. */
    junk = apr_pstrcat(p, "a=", apr_pstrndup(p, memset(apr_palloc(p, 5000),
                                                       'x', 5000), 5000),
                       "&_method=PUT&b=", NULL);
    rc = form_scan(p, "identity", 100000, junk, strlen(junk), 4096, list);
    check(rc == 0 && !strcmp(list, "PUT"), "form: _method after 5000 bytes",
          list);
    /* Nor can blanks before the key, or what follows a NUL in it. */
    junk = apr_pstrcat(p, "a=1&", apr_pstrndup(p, memset(apr_palloc(p, 600),
                                                         '+', 600), 600),
                       "_method=PUT&%20_method%00",
                       apr_pstrndup(p, memset(apr_palloc(p, 400), 'y', 400),
                                    400),
                       "=DELETE", NULL);
    rc = form_scan(p, NULL, 100000, junk, strlen(junk), 5, list);
    check(rc == 0 && !strcmp(list, "PUT,DELETE"),
          "form: 600 blanks before _method, junk after a NUL in it", list);
    junk = apr_pstrcat(p, "_method=", apr_pstrndup(p, junk, 300), NULL);
    rc = form_scan(p, NULL, 100000, junk, strlen(junk), 7, list);
    check(rc == 0 && !*list, "form: a 300-byte _method names nothing", list);

    /* gzip and zlib (deflate) bodies: read after their coding. */
    coded = form_deflate(p, "a=1&_method=delete", 18, 1, &len);
    for (piece = 1; piece <= len; piece++) {
        rc = form_scan(p, " GZip ", 1000, coded, len, piece, list);
        check(rc == 0 && !strcmp(list, "DELETE"),
              apr_psprintf(p, "gzip form in pieces of %lu",
                           (unsigned long)piece), list);
    }
    rc = form_scan(p, "x-gzip", 1000, coded, len, len, list);
    check(rc == 0 && !strcmp(list, "DELETE"), "x-gzip form", list);
    rc = form_scan(p, "gzip", 1000, coded, len - 5, len, list);
    check(rc == -1, "gzip form cut short: not read", list);
    rc = form_scan(p, "gzip", 1000, apr_pstrcat(p, apr_pstrmemdup(p, coded,
                                                                  len),
                                                 "&_method=PUT", NULL),
                   len + 12, len + 12, list);
    check(rc == -1, "bytes after the gzip stream: not read", list);
    rc = form_scan(p, "gzip", 1000, "_method=PUT", 11, 11, list);
    check(rc == -1, "a plain body labelled gzip: not read", list);
    coded = form_deflate(p, "_method=PATCH", 13, 0, &len);
    rc = form_scan(p, "deflate", 1000, coded, len, 3, list);
    check(rc == 0 && !strcmp(list, "PATCH"), "deflate form", list);
    rc = form_scan(p, "br", 1000, "_method=PUT", 11, 11, list);
    check(rc == -2, "a coding that is not read: refused", NULL);
    rc = form_scan(p, "gzip, gzip", 1000, "_method=PUT", 11, 11, list);
    check(rc == -2, "two codings: refused", NULL);
    /* A bomb: a megabyte of 'a' from a few kB, over max_decoded. */
    junk = memset(apr_palloc(p, 1 << 20), 'a', 1 << 20);
    coded = form_deflate(p, junk, 1 << 20, 1, &len);
    rc = form_scan(p, "gzip", 65536, coded, len, 512, list);
    check(rc == -1 && len < 10000, "gzip over max_decoded: not read",
          apr_psprintf(p, "%d, %lu coded bytes", rc, (unsigned long)len));
}

int main(void)
{
    apr_pool_t *p;

    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        (void)fprintf(stderr, "cannot initialise APR\n");
        return 2;
    }
    exact_alloc_begin();
    test_parse_mode(p);
    test_parse_header_name(p);
    test_parse_timeout(p);
    test_parse_evaluate(p);
    test_parse_bytes(p);
    test_is_token(p);
    test_override_method(p);
    test_value_present(p);
    test_date_usable(p);
    test_if_match(p);
    test_if_none_match(p);
    test_unmodified_since(p);
    test_overwrite(p);
    test_if_header(p);
    test_judge(p);
    test_param_next(p);
    test_form_scan(p);
    test_refusal_status(p);
    test_override_next(p);
    test_is_form_type(p);
    test_prefers_json(p);
    test_bodies(p);
    test_json_escape(p);
    test_siphash(p);

    apr_pool_destroy(p);
    exact_alloc_end();
    apr_terminate();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
