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

/* rp_lookup.c: RequirePreconditionEvaluate's validator look-up (see
 * rp_lookup.h): a sub-request of the client's URL whose output goes
 * through a sink (counted, hashed for Digest) to an end that sends
 * nothing, and whose input is no body.
 */

/* Before APR's headers: with offsetof, APR_OFFSETOF (in the brigade
 * macros) is no null pointer arithmetic. */
#include <stddef.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "apr_strings.h"

#include "rp_module.h"
#include "rp_policy.h"
#include "rp_digest.h"
#include "rp_lookup.h"
#include "rp_sha256.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

/* What a look-up must not carry: the client's preconditions and ranges
 * (the backend would judge them, or answer 304, 412 or 206), a body and
 * what describes it, Expect, a method override (a framework could take
 * the HEAD for the write it names), and mod_cache's answer (no-store). */
static const char *const rp_lookup_drop[] = {
    "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
    "If-Range", "If", "Range", "Expect", "Content-Length",
    "Transfer-Encoding", "Content-Type", "Content-Encoding", "Content-Range",
    "Content-MD5", "Trailer", "X-HTTP-Method-Override", "X-HTTP-Method",
    "X-Method-Override", NULL
};

/* The look-up's output: counted and hashed (Digest), never sent. */
typedef struct {
    rp_sha256_t sha;
    apr_off_t bytes;
    apr_off_t limit;            /* hash up to this; -1: discard only */
    int broken;                 /* an error bucket or a failed read */
} rp_sink_t;

/* Registered once a load by rp_lookup_register_hooks, as httpd's own
 * modules keep theirs: no configuration's state. */
static ap_filter_rec_t *rp_sink_handle;
static ap_filter_rec_t *rp_no_body_handle;
static ap_filter_rec_t *rp_end_handle;

static apr_status_t rp_sink_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    rp_sink_t *s = f->ctx;
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        if (AP_BUCKET_IS_ERROR(b)) {
            s->broken = 1;
        }
        if (APR_BUCKET_IS_METADATA(b) || s->limit < 0 || s->broken) {
            continue;
        }
        if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ)
            != APR_SUCCESS) {
            s->broken = 1;
            continue;
        }
        s->bytes += (apr_off_t)len;
        if (s->bytes <= s->limit) {
            rp_sha256_update(&s->sha, data, len);
        }
    }
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
}

/* The end of the look-up's output chain: whatever reaches it (mod_cache
 * removes the filters in front of its own when it answers from its
 * cache) goes nowhere, never to the client's connection. */
static apr_status_t rp_end_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    (void)f;
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
}

static ap_filter_t *rp_filter_of(request_rec *rr, ap_filter_rec_t *frec,
                                 void *ctx, ap_filter_t *next)
{
    ap_filter_t *f = apr_pcalloc(rr->pool, sizeof(*f));

    f->frec = frec;
    f->ctx = ctx;
    f->next = next;
    f->r = rr;
    f->c = rr->connection;
    return f;
}

/* The look-up's own protocol chains, in place of the client's: output
 * through the sink to the end, input from no body. A request the look-up
 * is internally redirected to (a front controller's RewriteRule) keeps
 * its protocol chains and drops its other filters: so they are here. */
static void rp_lookup_chains(request_rec *rr, rp_sink_t *sink)
{
    ap_filter_t *head = rp_filter_of(rr, rp_sink_handle, sink,
                                     rp_filter_of(rr, rp_end_handle, NULL,
                                                  NULL));

    /* Of a sub-request's redirect, httpd drops the first filter when it
     * is the old request's own, protocol filter or not: the sink is no
     * one request's. */
    head->r = NULL;
    rr->output_filters = rr->proto_output_filters = head;
    rr->input_filters = rr->proto_input_filters =
        rp_filter_of(rr, rp_no_body_handle, NULL, NULL);
}

/* The look-up's body: none. A sub-request reads from the request's
 * protocol filters, where the spool hands out the write's body: a handler
 * that reads a body whatever the method (mod_cgi, mod_cgid) would take it
 * from the write. */
static apr_status_t rp_no_body_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                      ap_input_mode_t mode,
                                      apr_read_type_e block,
                                      apr_off_t readbytes)
{
    (void)mode;
    (void)block;
    (void)readbytes;
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
    return APR_SUCCESS;
}

/* The sub-request that asks for r's resource, made while r's headers
 * lack what a look-up must not carry (the sub-request copies them). Its
 * output ends in rp_end_filter, never at the client; an answer from
 * mod_cache (whose quick handler ap_run_sub_req runs) fails the look-up. */
/* The URL the client named, as it named it: the first request of an
 * internal redirect chain, its path before any RewriteRule [PT] or Alias
 * (the look-up goes through them again, to the same handler and the same
 * resource, as the lock's key does), and its query. */
static const char *rp_lookup_uri(const request_rec *r)
{
    const char *u;

    while (r->prev) {
        r = r->prev;
    }
    /* Raw, as sent: decoded and escaped again, %2F, ';' or ':' would not
     * be what the backend sees of the write (nocanon, AllowEncodedSlashes
     * NoDecode). An absolute-form target loses its scheme and host. */
    u = r->unparsed_uri;
    if (u && u[0] != '/' && (u = strstr(u, "://")) != NULL) {
        u = strchr(u + 3, '/');
    }
    return u && u[0] == '/' ? u : ap_escape_uri(r->pool, r->uri);
}

static request_rec *rp_lookup_make(request_rec *r, const char *method)
{
    apr_table_t *saved = r->headers_in;
    unsigned int expecting = r->expecting_100;
    const char *uri = rp_lookup_uri(r);
    request_rec *rr;
    int i;

    r->headers_in = apr_table_copy(r->pool, saved);
    for (i = 0; rp_lookup_drop[i]; i++) {
        apr_table_unset(r->headers_in, rp_lookup_drop[i]);
    }
    apr_table_setn(r->headers_in, "Cache-Control", "no-store");
    apr_table_unset(r->headers_in, "Pragma");
    r->expecting_100 = 0;
    rr = ap_sub_req_method_uri(method, uri, r, NULL);
    r->headers_in = saved;
    r->expecting_100 = expecting;
    return rr;
}

static const char *rp_header_of(const request_rec *rr, const char *name)
{
    const char *v = apr_table_get(rr->headers_out, name);

    return v ? v : apr_table_get(rr->err_headers_out, name);
}

/* What the look-up `rr` said, copied out of its pool. */
static void rp_lookup_read(request_rec *r, const request_rec *rr,
                           rp_sink_t *sink, rp_lookup_t *lu)
{
    const char *etag = rp_header_of(rr, "ETag");
    const char *lm = rp_header_of(rr, "Last-Modified");

    lu->etag = etag ? apr_pstrdup(r->pool, etag) : NULL;
    lu->last_modified = lm ? apr_pstrdup(r->pool, lm) : NULL;
    /* A sub-request's own Last-Modified (a CGI's, the core's) lands in
     * its mtime only: ap_set_last_modified() skips sub-requests. */
    if (!lm && rr->mtime) {
        char *date = apr_palloc(r->pool, APR_RFC822_DATE_LEN);

        if (apr_rfc822_date(date, rr->mtime) == APR_SUCCESS) {
            lu->last_modified = date;
        }
    }
    if (sink->broken) {
        lu->status = HTTP_BAD_GATEWAY;
        lu->why = "broke off in its body";
    }
    else if (apr_table_get(rr->subprocess_env, "cache-hit")
             || apr_table_get(rr->subprocess_env, "cache-revalidate")) {
        lu->status = HTTP_BAD_GATEWAY;
        lu->why = "was answered from mod_cache's cache, not by the backend";
    }
    else if (sink->limit >= 0) {
        lu->too_large = sink->bytes > sink->limit;
        lu->etag = lu->too_large ? NULL : rp_digest_etag(r->pool, &sink->sha);
    }
}

/* One look-up with `method`; `limit` >= 0 hashes the body (Digest). */
void rp_lookup_once(request_rec *r, const char *method,
                    apr_off_t limit, rp_lookup_t *lu)
{
    request_rec *rr = rp_lookup_make(r, method);
    rp_sink_t *sink = apr_pcalloc(r->pool, sizeof(*sink));
    const request_rec *last;
    int rv;

    lu->method = method;
    lu->etag = lu->last_modified = NULL;
    lu->too_large = 0;
    lu->why = NULL;
    if (rr->status != HTTP_OK) {
        /* Refused before any handler: httpd's own authorization. */
        lu->status = rr->status;
        ap_destroy_sub_req(rr);
        return;
    }
    sink->limit = limit;
    rp_sha256_init(&sink->sha);
    rp_lookup_chains(rr, sink);
    rr->header_only = !strcmp(method, "HEAD");
    rv = ap_run_sub_req(rr);
    /* What answered: the last request of an internal redirect chain. */
    for (last = rr; last->next; last = last->next) {
    }
    /* A handler's error status, or what the response said. */
    lu->status = rv != OK && rv != DECLINED && last == rr ? rv
               : rv == DECLINED ? HTTP_INTERNAL_SERVER_ERROR : last->status;
    /* mod_proxy answers a backend that took too long with 502; say 504. */
    if (lu->status == HTTP_BAD_GATEWAY
        && apr_table_get(last->notes, "proxy_timedout")) {
        lu->status = HTTP_GATEWAY_TIME_OUT;
        lu->why = "timed out";
    }
    if (ap_is_HTTP_SUCCESS(lu->status)) {
        rp_lookup_read(r, last, sink, lu);
    }
    ap_destroy_sub_req(rr);
}

/* Backend: HEAD, and GET when HEAD is refused, gives no validators (a
 * backend may give them only with the body) or says absent. Digest: GET,
 * hashed. */
void rp_lookup(request_rec *r, int mode, apr_off_t limit,
               rp_lookup_t *lu)
{
    if (mode == RP_EVAL_BACKEND) {
        rp_lookup_once(r, "HEAD", -1, lu);
        /* Trusted: a 2xx with validators, or a failure. An "absent"
         * is asked again: some frameworks answer HEAD 404 on a route
         * that serves GET. */
        if ((ap_is_HTTP_SUCCESS(lu->status)
             && (lu->etag || lu->last_modified))
            || (!ap_is_HTTP_SUCCESS(lu->status)
                && lu->status != HTTP_METHOD_NOT_ALLOWED
                && lu->status != HTTP_NOT_IMPLEMENTED
                && lu->status != HTTP_NOT_FOUND
                && lu->status != HTTP_GONE)) {
            return;
        }
        rp_lookup_once(r, "GET", -1, lu);
        return;
    }
    rp_lookup_once(r, "GET", limit, lu);
}

/* What the client gets for a look-up that did not say whether the
 * resource exists: the backend's own 5xx, else 502. Nothing is
 * forwarded either way. */
int rp_lookup_failed(request_rec *r, const rp_lookup_t *lu)
{
    int status = lu->status >= 500 && lu->status < 600 ? lu->status
                                                        : HTTP_BAD_GATEWAY;

    rp_stats_count(RP_STAT_LOOKUP_FAILED);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00090)
                  "%s %s: %d: cannot judge the precondition for the "
                  "backend: the validator look-up (%s) %s; nothing "
                  "forwarded", r->method, r->uri, status, lu->method,
                  lu->why ? lu->why
                  : apr_psprintf(r->pool, "answered %d, neither 2xx nor "
                                 "404 or 410", lu->status));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return status;
}

void rp_lookup_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Below mod_deflate (AP_FTYPE_CONTENT_SET), above every resource
     * filter: the bytes a client would read, before any Content-Encoding,
     * as the Digest filter hashes them (rp_digest.c). */
    rp_sink_handle = ap_register_output_filter("REQUIRE_PRECONDITION_LOOKUP",
                                               rp_sink_filter, NULL,
                                               AP_FTYPE_CONTENT_SET - 1);
    rp_no_body_handle =
        ap_register_input_filter("REQUIRE_PRECONDITION_NO_BODY",
                                 rp_no_body_filter, NULL, AP_FTYPE_RESOURCE);
    rp_end_handle =
        ap_register_output_filter("REQUIRE_PRECONDITION_LOOKUP_END",
                                  rp_end_filter, NULL, AP_FTYPE_PROTOCOL);
}
