/* precondition_policy.h: what counts as a usable precondition, and the
 * other decisions of mod_require_precondition that need nothing but APR.
 *
 * Everything here is a pure function of its arguments, so it can be unit
 * tested and fuzzed without a running httpd (see t/unit and t/fuzz).
 */
#ifndef PRECONDITION_POLICY_H
#define PRECONDITION_POLICY_H

#include "apr.h"
#include "apr_pools.h"

/* The request headers that may count as a precondition, as bits. */
#define RP_HDR_IF_MATCH             0x01u
#define RP_HDR_IF_NONE_MATCH        0x02u
#define RP_HDR_IF_UNMODIFIED_SINCE  0x04u
#define RP_HDR_IF                   0x08u  /* WebDAV, only where mod_dav runs */
#define RP_HDR_ALL                  0x0fu

/* RequirePrecondition keywords. UNSET sorts below OFF on purpose: the
 * request path tests "mode <= RP_MODE_OFF" once for both. */
#define RP_MODE_UNSET        (-1)
#define RP_MODE_OFF          0
#define RP_MODE_ON           1
#define RP_MODE_REPORT_ONLY  2

/* Bodies up to this size are read and discarded after a 428 so that the
 * connection can be kept alive; larger or chunked ones close it instead. */
#define RP_DRAIN_MAX  ((apr_off_t)65536)

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

/* Non-zero when s is a non-empty RFC 9110 token (a legal method name). */
int rp_is_token(const char *s);

/* Non-zero when a header value would be acted on by httpd: present and not
 * made of blanks only. */
int rp_value_present(const char *value);

/* Non-zero when an If-Unmodified-Since value parses as an HTTP-date;
 * httpd silently ignores one that does not. */
int rp_date_usable(const char *value);

/* The accepted headers that count on this request: all of them where
 * mod_dav handles it (`dav`), all but the WebDAV If elsewhere, since
 * nothing else evaluates If. */
unsigned int rp_counted_headers(unsigned int accepted, int dav);

/* Does this set of present headers make the request conditional? `present`
 * has a bit for each header that is there and usable; `dav` says whether
 * mod_dav handles the request, the only place where `If` is evaluated. */
int rp_is_conditional(unsigned int accepted, unsigned int present, int dav);

/* Non-zero when an Accept header ranks a JSON type (application/json,
 * application/problem+json, any +json) strictly above HTML. */
int rp_prefers_json(const char *accept);

/* Copy a method-override header value into buf as upper case, the way the
 * frameworks that honour such headers read it. Returns 0 when the value is
 * not a token or does not fit. */
int rp_override_method(const char *value, char *buf, apr_size_t bufsize);

/* The 428 bodies: they name the headers the location accepts. */
const char *rp_accepted_list(apr_pool_t *p, unsigned int accepted, int dav);
const char *rp_body_html(apr_pool_t *p, unsigned int accepted, int dav);
const char *rp_body_json(apr_pool_t *p, unsigned int accepted, int dav);

/* Escape s for a JSON string literal (without the quotes). */
const char *rp_json_escape(apr_pool_t *p, const char *s);

/* SipHash-2-4 of data under a 128-bit key: the lock key of a resource,
 * keyed so that a client cannot aim two URIs at one lock on purpose. */
apr_uint64_t rp_siphash(const unsigned char key[16], const void *data,
                        apr_size_t len);

#endif /* PRECONDITION_POLICY_H */
