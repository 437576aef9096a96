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

/* rp_policy.h: what counts as a usable precondition, and the
 * other decisions of mod_require_precondition that need nothing but APR.
 *
 * Everything here is a pure function of its arguments, so it can be unit
 * tested and fuzzed without a running httpd (see t/unit and t/fuzz).
 */
#ifndef RP_POLICY_H
#define RP_POLICY_H

#include "apr.h"
#include "apr_pools.h"

/* The request headers that may count as a precondition, as bits. */
#define RP_HDR_IF_MATCH             0x01u
#define RP_HDR_IF_NONE_MATCH        0x02u
#define RP_HDR_IF_UNMODIFIED_SINCE  0x04u
#define RP_HDR_IF                   0x08u  /* WebDAV, only where mod_dav runs */
#define RP_HDR_ALL                  0x0fu
/* Only in the set of what counts for one write, not in the directive: */
#define RP_HDR_OVERWRITE            0x10u  /* Overwrite: F, destinations */
#define RP_HDR_STAR                 0x20u  /* If-Match: * counts */
#define RP_HDR_COLLECTION           0x40u  /* a collection or properties:
                                            * only lock tokens, If-None-Match */
#define RP_COUNTED_MAX              0x7fu  /* every counted set is <= this */

/* RequirePrecondition keywords. UNSET sorts below OFF on purpose: the
 * request path's RP_VALUE(conf, mode) <= RP_MODE_OFF (rp_conf.h) is then
 * one comparison of the raw field. */
#define RP_MODE_UNSET        (-1)
#define RP_MODE_OFF          0
#define RP_MODE_ON           1
#define RP_MODE_REPORT_ONLY  2

/* Parse the argument of RequirePrecondition. Returns NULL and sets *mode, or
 * an error message (allocated from p) that names the directive and value. */
const char *rp_parse_mode(apr_pool_t *p, const char *arg, int *mode);

/* Parse one argument of RequirePreconditionHeaders into its RP_HDR_* bit. */
const char *rp_parse_header_name(apr_pool_t *p, const char *arg,
                                 unsigned int *bit);

/* Parse the argument of RequirePreconditionSerializeTimeout (seconds,
 * fractions allowed, 0 < t <= 3600) into microseconds. */
const char *rp_parse_timeout(apr_pool_t *p, const char *arg,
                             apr_interval_time_t *usec);

/* RequirePreconditionEvaluate keywords. */
#define RP_EVAL_OFF     0
#define RP_EVAL_BACKEND 1
#define RP_EVAL_DIGEST  2

/* RequirePreconditionLockLease: whole seconds in [min, max]. */
const char *rp_parse_lease(apr_pool_t *p, const char *arg, int min, int max,
                           int *secs);

/* Parse the argument of RequirePreconditionEvaluate (Off, Backend,
 * Digest) into RP_EVAL_*. */
const char *rp_parse_evaluate(apr_pool_t *p, const char *arg, int *mode);

/* The one parser of a number of bytes, for every directive that takes
 * one: decimal digits only (no sign, no blank, no suffix), from min to
 * max (0 <= min <= max <= APR_INT64_MAX - 9). Returns NULL and sets
 * *bytes, or "<directive>: '<arg>' is not a number of bytes from <min>
 * (<min_means>) to <max>" (without the parenthesis when min_means is
 * NULL), and *bytes is untouched. */
const char *rp_parse_bytes(apr_pool_t *p, const char *directive,
                           const char *arg, apr_off_t min,
                           const char *min_means, apr_off_t max,
                           apr_off_t *bytes);

/* The largest RequirePreconditionSpoolLimit (2^53, far beyond any disk)
 * and RequirePreconditionDigestLimit (1 GiB). */
#define RP_SPOOL_LIMIT_MAX  ((apr_off_t)1 << 53)
#define RP_DIGEST_LIMIT_MAX ((apr_off_t)1024 * 1024 * 1024)

/* RequirePreconditionSpoolLimit: 0 (no spool) to RP_SPOOL_LIMIT_MAX. */
const char *rp_parse_spool_limit(apr_pool_t *p, const char *arg,
                                 apr_off_t *bytes);

/* RequirePreconditionDigestLimit: 1 to RP_DIGEST_LIMIT_MAX. */
const char *rp_parse_digest_limit(apr_pool_t *p, const char *arg,
                                  apr_off_t *bytes);

/* Non-zero when s is a non-empty RFC 9110 token (a legal method name). */
int rp_is_token(const char *s);

/* Non-zero when a header value is present and not made of blanks only. */
int rp_value_present(const char *value);

/* Non-zero when an If-Unmodified-Since value parses as an HTTP-date;
 * httpd silently ignores one that does not. */
int rp_date_usable(const char *value);

/* The precondition headers of one judged write, as the request sent them
 * (NULL when absent), and where and when it is judged. */
typedef struct {
    const char *if_match;
    const char *if_none_match;
    const char *if_unmodified_since;
    const char *if_header;          /* WebDAV If */
    const char *overwrite;          /* WebDAV Overwrite (destinations) */
    const char *target;             /* URL path of the judged resource,
                                     * %-decoded, as r->uri */
    apr_time_t request_time;        /* when the request arrived */
    unsigned int accepted;          /* RP_HDR_* the location accepts */
    int dav;                        /* mod_dav serves the resource */
    int destination;                /* the Destination of a COPY or MOVE */
    int accept_star;                /* If-Match: * counts */
    int collection;                 /* an existing collection is removed
                                     * or overwritten */
    int properties;                 /* mod_dav's PROPPATCH: dead properties
                                     * change, ETag and date do not */
    int op;                         /* RP_OP_*: what the request does */
    int state;                      /* RP_RES_*: the request URI's resource */
} rp_write_t;

/* What a judged request does, for rp_refusal_status: the methods whose
 * failures mod_dav tells before it looks at a precondition. */
#define RP_OP_OTHER      0
#define RP_OP_PUT        1
#define RP_OP_DELETE     2
#define RP_OP_MKCOL      3
#define RP_OP_PROPPATCH  4
#define RP_OP_COPY_MOVE  5
#define RP_OP_UNKNOWN    6          /* a method mod_dav does not implement */

/* The state of the request URI's resource, as httpd's directory walk
 * found it. UNKNOWN covers a path that goes on past a file. */
#define RP_RES_UNKNOWN   0
#define RP_RES_EXISTS    1
#define RP_RES_ABSENT    2          /* it is not there; its folder is */
#define RP_RES_NO_PARENT 3          /* a folder on its path is not there */

/* The headers that may count for a judged write: for a destination,
 * Overwrite: F and (under mod_dav) an If list tagged with it; elsewhere
 * the accepted ones, less If where mod_dav does not serve the resource,
 * since nothing else evaluates it; for a collection or a PROPPATCH, whose
 * ETag and date do not change, only If-None-Match and If (lock tokens). RP_HDR_STAR is set when If-Match: *
 * counts. The 428 bodies are indexed by this set. */
unsigned int rp_counted_set(const rp_write_t *w);

/* Does the write carry a precondition that would fail if someone else had
 * changed the resource since the client read it? Returns the RP_HDR_* bit
 * of the header that counted (the first in the order of rp_counted_set),
 * or 0 when none did. */
unsigned int rp_judge(const rp_write_t *w);

/* The status for a write rp_judge found no precondition on: the one it
 * gets anyway where mod_dav tells before the precondition matters that it
 * cannot succeed (RFC 9110 13.2.1 lets such failures take precedence), in
 * mod_dav's order: 405 for a method it does not implement or MKCOL over an
 * existing resource, 404 for a DELETE, PROPPATCH, COPY or MOVE of a
 * missing resource, 409 for a PUT onto a collection, 400 for a malformed
 * If, 409 for a PUT or MKCOL under a missing folder; else 428. *why says
 * why, for the debug line. */
int rp_refusal_status(const rp_write_t *w, const char **why);

/* The single-header rules rp_judge applies. */
int rp_if_match_counts(const char *value, int accept_star);
int rp_if_none_match_counts(const char *value);
int rp_unmodified_since_counts(const char *value, apr_time_t request_time);
int rp_overwrite_counts(const char *value);

/* WebDAV If (RFC 4918 10.4) for the resource at URL path `target`:
 * RP_IF_COUNTS when at least one list applies to it (tagged with its URL,
 * absolute or path form, cleaned as mod_dav cleans it, or untagged with
 * RP_IF_UNTAGGED_APPLY: the target is the request URI) and every list
 * holds a condition that is not negated (with RP_IF_TOKENS_ONLY, a state
 * token), so that no list can be true whatever the resource's state;
 * RP_IF_NO_CONDITION when it parses but that does not hold; RP_IF_BAD when
 * it does not parse. */
#define RP_IF_UNTAGGED_APPLY  0x1
#define RP_IF_TOKENS_ONLY     0x2
#define RP_IF_BAD           (-1)
#define RP_IF_NO_CONDITION  0
#define RP_IF_COUNTS        1
int rp_if_header_counts(const char *value, const char *target, int flags);

/* The name of the header bit `reason` (for debug lines), "none" for 0. */
const char *rp_reason_name(unsigned int reason);

/* Copy a method-override header value into buf as upper case, the way the
 * frameworks that honour such headers read it. Returns 0 when the value is
 * not a token or does not fit. */
int rp_override_method(const char *value, char *buf, apr_size_t bufsize);

/* The longest method name an override may name, with its NUL. */
#define RP_METHOD_MAX 32

/* The next method a method-override header value names, advancing *list:
 * the value is a comma-separated list (httpd joins repeated header lines
 * so), and frameworks differ in which element they take (Express the
 * first), so every element that is a token is given in turn, upper case,
 * as rp_override_method gives it. 0 at the end. */
int rp_override_next(const char **list, char *buf, apr_size_t bufsize);

/* The next `_method` parameter of form-encoded data [*s, end) (a query
 * string, or an application/x-www-form-urlencoded body), advancing *s:
 * key and value %-decoded and "+" read as a space, "." and " " in the key
 * read as "_" (PHP), the value upper case as rp_override_method gives it.
 * Every occurrence is given in turn, since frameworks keep the first or
 * the last. 0 at the end. */
int rp_param_next(const char **s, const char *end, char *buf,
                  apr_size_t bufsize);

/* Non-zero when a Content-Type is application/x-www-form-urlencoded. */
int rp_is_form_type(const char *type);

#endif /* RP_POLICY_H */
