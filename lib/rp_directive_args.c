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

/* rp_directive_args.c: every directive argument parser (keywords, header
 * names, the timeout, the lease, rp_parse_bytes: the one parser of a number
 * of bytes), APR only. See rp_policy.h.
 */
#include "rp_policy.h"

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
