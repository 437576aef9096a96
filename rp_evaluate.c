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

/* rp_evaluate.c: RequirePreconditionEvaluate Backend and Digest (see
 * rp_evaluate.h): the validator look-up, the judgement, the Digest ETags.
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
#include "mod_core.h"
#include "util_filter.h"

#include "apr_atomic.h"
#include "apr_date.h"
#include "apr_strings.h"

#include "rp_module.h"
#include "rp_policy.h"
#include "rp_body.h"
#include "rp_evaluate.h"
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

/* The client's conditional headers that Digest holds back from the
 * backend on a read: httpd judges them against its own ETag. */
static const char *const rp_read_conds[] = {
    "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
    "If-Range", "Range", NULL
};

/* ... and on a write, once judged. */
static const char *const rp_write_conds[] = {
    "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
    "If-Range", NULL
};

typedef struct {
    int status;                 /* the look-up's answer */
    const char *method;         /* HEAD or GET */
    const char *etag;           /* the backend's, or the digest; NULL */
    const char *last_modified;  /* NULL when none */
    int too_large;              /* Digest: over RequirePreconditionDigestLimit */
    const char *why;            /* a failed look-up, for the log */
} rp_lookup_t;

/* The look-up's output: counted and hashed (Digest), never sent. */
typedef struct {
    rp_sha256_t sha;
    apr_off_t bytes;
    apr_off_t limit;            /* hash up to this; -1: discard only */
    int broken;                 /* an error bucket or a failed read */
} rp_sink_t;

/* A Digest read's answer on its way out, or a write's (strip). */
typedef struct {
    rp_sha256_t sha;
    apr_off_t bytes;
    apr_off_t limit;
    apr_bucket_brigade *held;   /* the body until its end or the limit */
    apr_table_t *conds;         /* the client's held-back headers */
    const char *etag;           /* HEAD: the look-up's digest */
    int strip;                  /* a write's answer: no backend ETag */
} rp_digest_t;

static ap_filter_rec_t *rp_sink_handle;
static ap_filter_rec_t *rp_digest_handle;
static ap_filter_rec_t *rp_no_body_handle;
static ap_filter_rec_t *rp_end_handle;

/* ---- the look-up ---------------------------------------------------------- */

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

/* The entity-tag of a digest: strong, quoted, with a prefix that says
 * whose it is. */
static const char *rp_digest_etag(apr_pool_t *p, rp_sha256_t *sha)
{
    unsigned char d[RP_SHA256_LEN];
    char b64[RP_SHA256_B64_LEN];

    rp_sha256_final(sha, d);
    rp_sha256_base64url(d, b64);
    return apr_pstrcat(p, "\"rpd-", b64, "\"", NULL);
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
static void rp_lookup_once(request_rec *r, const char *method,
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
static void rp_lookup(request_rec *r, int mode, apr_off_t limit,
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
static int rp_lookup_failed(request_rec *r, const rp_lookup_t *lu)
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

/* ---- the judgement -------------------------------------------------------- */

/* An entity-tag list with mod_deflate's "-gzip" and mod_brotli's "-br"
 * taken off every tag: the client has the compressed variant's tag of
 * the representation the backend tags without it. */
static const char *rp_unsuffix(apr_pool_t *p, const char *list)
{
    char *out = apr_palloc(p, strlen(list) + 1);
    char *w = out;
    int quoted = 0;

    for (; *list; list++) {
        if (*list == '"' && quoted) {
            if (w - out >= 5 && !strncmp(w - 5, "-gzip", 5)) {
                w -= 5;
            }
            else if (w - out >= 3 && !strncmp(w - 3, "-br", 3)) {
                w -= 3;
            }
        }
        if (*list == '"') {
            quoted = !quoted;
        }
        *w++ = *list;
    }
    *w = '\0';
    return out;
}

/* The client's conditional headers, judged as httpd judges them
 * (ap_meets_conditions) against the ETag the caller put in headers_out and
 * `last_modified`, with mod_deflate's suffixes off the client's tags (the
 * caller's tag has none). Without a date, ap_meets_conditions() would take
 * "now": If-Modified-Since and If-Unmodified-Since are then ignored, as
 * RFC 9110 13.1.3 and 13.1.4 say. The headers are as they were after. */
static int rp_meets(request_rec *r, const char *last_modified)
{
    static const char *const tags[] = { "If-Match", "If-None-Match" };
    static const char *const dates[] = { "If-Modified-Since",
                                         "If-Unmodified-Since" };
    apr_time_t t = last_modified ? apr_date_parse_http(last_modified)
                                 : APR_DATE_BAD;
    apr_time_t mtime = r->mtime;
    const char *tag[2], *date[2];
    int i, status;

    for (i = 0; i < 2; i++) {
        tag[i] = apr_table_get(r->headers_in, tags[i]);
        date[i] = apr_table_get(r->headers_in, dates[i]);
        if (tag[i]) {
            apr_table_setn(r->headers_in, tags[i],
                           rp_unsuffix(r->pool, tag[i]));
        }
        if (date[i] && t == APR_DATE_BAD) {
            apr_table_unset(r->headers_in, dates[i]);
        }
    }
    r->mtime = t == APR_DATE_BAD ? 0 : t;
    status = ap_meets_conditions(r);
    r->mtime = mtime;
    for (i = 0; i < 2; i++) {
        if (tag[i]) {
            apr_table_setn(r->headers_in, tags[i], tag[i]);
        }
        if (date[i]) {
            apr_table_setn(r->headers_in, dates[i], date[i]);
        }
    }
    return status;
}

/* A write's precondition against the look-up's validators (an
 * If-Unmodified-Since without a date was refused before). OK or 412. */
static int rp_judge_validators(request_rec *r, const char *etag,
                               const char *last_modified)
{
    int status;

    if (etag) {
        apr_table_setn(r->headers_out, "ETag", rp_unsuffix(r->pool, etag));
    }
    else {
        apr_table_unset(r->headers_out, "ETag");
    }
    status = rp_meets(r, last_modified);
    apr_table_unset(r->headers_out, "ETag");
    return status == HTTP_PRECONDITION_FAILED ? status : OK;
}

/* Is an If-Unmodified-Since (with no If-Match, which would decide) not
 * to be trusted? A Last-Modified has one-second resolution: two changes
 * within one second carry the same date, and httpd compares whole
 * seconds, so a date of this second or the last could hide a change the
 * client has not seen; no date at all proves nothing (ap_meets_conditions
 * would compare with "now" and let the current second pass). */
static int rp_unsure_date(const request_rec *r, const char *last_modified)
{
    apr_time_t lm;

    if (apr_table_get(r->headers_in, "If-Match")
        || !apr_table_get(r->headers_in, "If-Unmodified-Since")) {
        return 0;
    }
    if (!last_modified
        || (lm = apr_date_parse_http(last_modified)) == APR_DATE_BAD) {
        return 1;
    }
    return apr_time_sec(lm) + 1 >= apr_time_sec(apr_time_now());
}

/* The 412's body, when there is more to say than httpd's. */
static void rp_failed_body(request_rec *r, const char *detail)
{
    const char *body;

    if (ap_response_code_string(r,
                                ap_index_of_response(HTTP_PRECONDITION_FAILED))) {
        return;
    }
    if (rp_prefers_json(apr_table_get(r->headers_in, "Accept"))) {
        body = apr_pstrcat(r->pool, "{\"type\":\"about:blank\",\"title\":"
                           "\"Precondition Failed\",\"status\":412,"
                           "\"detail\":\"", rp_json_escape(r->pool, detail),
                           "\"}\n", NULL);
        apr_table_setn(r->notes, RP_NOTE_JSON, "1");
    }
    else {
        body = apr_pstrcat(r->pool, "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD "
                           "HTML 2.0//EN\">\n<html><head>\n<title>412 "
                           "Precondition Failed</title>\n</head><body>\n"
                           "<h1>Precondition Failed</h1>\n<p>",
                           ap_escape_html(r->pool, detail),
                           "</p>\n</body></html>\n", NULL);
    }
    ap_custom_response(r, HTTP_PRECONDITION_FAILED, body);
}

static const char *rp_or_none(const char *v)
{
    return v ? v : "(none)";
}

/* The 412's explanation where the backend gives no validators at all. */
static const char rp_no_validators_detail[] =
    "The backend gives neither an ETag nor a Last-Modified for this "
    "document, so no If-Match with an ETag and no If-Unmodified-Since can "
    "hold, and every such write to it is refused; "
    "RequirePreconditionEvaluate Digest gives strong ETags made from the "
    "document's bytes.";

/* Has this child process said RP00094 yet? Per process, not server-wide
 * state: each child says it once, so that an operator sees it at httpd's
 * default LogLevel without a warning for every refused write (RP00091,
 * at debug, gives every one). */
static apr_uint32_t rp_no_validators_said;

/* Backend: the look-up found the document (2xx) but the backend gave
 * neither ETag nor Last-Modified. If-Match with an ETag and
 * If-Unmodified-Since then fail whatever the client read; only the
 * explanation depends on this, never the judgement. */
static int rp_no_validators(int mode, const rp_lookup_t *lu)
{
    return mode == RP_EVAL_BACKEND && ap_is_HTTP_SUCCESS(lu->status)
        && !lu->etag && !lu->last_modified;
}

/* The operator's side of that 412: the fix is in the configuration. */
static const char *rp_no_validators_refusal(request_rec *r,
                                            const rp_lookup_t *lu)
{
    if (apr_atomic_cas32(&rp_no_validators_said, 1, 0) == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00094)
                      "%s %s: 412: the backend's answer to the validator "
                      "look-up (%s) has neither ETag nor Last-Modified, so "
                      "no conditional write to it can pass; set "
                      "RequirePreconditionEvaluate Digest for this location "
                      "(said once per child process)", r->method, r->uri,
                      lu->method);
    }
    return rp_no_validators_detail;
}

static int rp_refuse(request_rec *r, const rp_lookup_t *lu,
                     const char *detail)
{
    rp_stats_count(RP_STAT_EVAL_FAILED);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00091)
                  "%s %s: 412 for the backend: its %s said %d, ETag %s, "
                  "Last-Modified %s; the request said If-Match %s, "
                  "If-None-Match %s, If-Unmodified-Since %s%s%s",
                  r->method, r->uri, lu->method, lu->status,
                  lu->etag ? lu->etag : "(none)",
                  lu->last_modified ? lu->last_modified : "(none)",
                  rp_or_none(apr_table_get(r->headers_in, "If-Match")),
                  rp_or_none(apr_table_get(r->headers_in, "If-None-Match")),
                  rp_or_none(apr_table_get(r->headers_in,
                                           "If-Unmodified-Since")),
                  detail ? ": " : "", detail ? detail : "");
    if (detail) {
        rp_failed_body(r, detail);
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_PRECONDITION_FAILED;
}

/* Digest: the client's conditional headers name httpd's ETags, not the
 * backend's; and the backend's ETag on the answer is not one a client
 * may send back. */
static void rp_digest_forward(request_rec *r)
{
    rp_digest_t *d = apr_pcalloc(r->pool, sizeof(*d));
    int i;

    for (i = 0; rp_write_conds[i]; i++) {
        apr_table_unset(r->headers_in, rp_write_conds[i]);
    }
    d->strip = 1;
    ap_add_output_filter_handle(rp_digest_handle, d, r, r->connection);
}

int rp_evaluate_write(request_rec *r, int mode, apr_off_t limit)
{
    const char *im = apr_table_get(r->headers_in, "If-Match");
    rp_lookup_t lu;
    int exists;

    if (!im && !apr_table_get(r->headers_in, "If-None-Match")
        && !apr_table_get(r->headers_in, "If-Unmodified-Since")) {
        return DECLINED;
    }
    rp_stats_count(RP_STAT_LOOKUPS);
    rp_lookup(r, mode, limit, &lu);
    exists = ap_is_HTTP_SUCCESS(lu.status);
    if (!exists && lu.status != HTTP_NOT_FOUND && lu.status != HTTP_GONE) {
        return rp_lookup_failed(r, &lu);
    }
    if (exists && lu.too_large) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00093)
                      "%s %s: 412: the representation is larger than "
                      "RequirePreconditionDigestLimit (%" APR_OFF_T_FMT
                      " bytes), so it has no ETag to judge against; "
                      "nothing forwarded", r->method, r->uri, limit);
        return rp_refuse(r, &lu, apr_psprintf(r->pool,
                         "The document is larger than "
                         "RequirePreconditionDigestLimit (%" APR_OFF_T_FMT
                         " bytes): it has no ETag, so no precondition on it "
                         "can be judged, and the write is refused.", limit));
    }
    if (exists && rp_unsure_date(r, lu.last_modified)) {
        if (rp_no_validators(mode, &lu)) {
            return rp_refuse(r, &lu, rp_no_validators_refusal(r, &lu));
        }
        return rp_refuse(r, &lu, "If-Unmodified-Since tells changes apart "
                         "only a second or more apart, and the document has "
                         "no Last-Modified or changed within the last "
                         "second: send If-Match with its ETag, or try "
                         "again.");
    }
    /* Absent: only If-Match can fail (RFC 9110 13.1.1); there is no date
     * for If-Unmodified-Since, which is then ignored (13.1.4). */
    if (exists ? rp_judge_validators(r, lu.etag, lu.last_modified) != OK
               : im != NULL) {
        /* Said only where the validators decided: If-None-Match: * over
         * an existing document, or a strong ETag that is another one,
         * fails whatever the backend gives. */
        const char *why = exists && im && lu.etag && lu.etag[0] == 'W'
            ? "The backend gives weak ETags (W/...), which never match "
              "If-Match (RFC 9110); RequirePreconditionEvaluate Digest gives "
              "strong ones made from the document's bytes." : NULL;

        if (exists && im && im[0] != '*' && rp_no_validators(mode, &lu)) {
            why = rp_no_validators_refusal(r, &lu);
        }
        return rp_refuse(r, &lu, why);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00092)
                  "%s %s: precondition holds for the backend: its %s said "
                  "%d, ETag %s, Last-Modified %s; forwarded", r->method,
                  r->uri, lu.method, lu.status,
                  lu.etag ? lu.etag : "(none)",
                  lu.last_modified ? lu.last_modified : "(none)");
    if (mode == RP_EVAL_DIGEST) {
        rp_digest_forward(r);
    }
    return DECLINED;
}

/* ---- Digest on reads ------------------------------------------------------ */

/* The pool's note of the client's held-back conditional headers: a
 * request internally redirected (a front controller's RewriteRule) shares
 * its pool and its headers with the one it came from, which took them. */
#define RP_DIGEST_CONDS "require-precondition-digest-conds"

void rp_evaluate_read(request_rec *r, apr_off_t limit)
{
    rp_digest_t *d = apr_pcalloc(r->pool, sizeof(*d));
    void *held = NULL;
    int i;

    d->limit = limit;
    apr_pool_userdata_get(&held, RP_DIGEST_CONDS, r->pool);
    d->conds = held ? held : apr_table_make(r->pool, 4);
    apr_pool_userdata_setn(d->conds, RP_DIGEST_CONDS, NULL, r->pool);
    for (i = 0; !held && rp_read_conds[i]; i++) {
        const char *v = apr_table_get(r->headers_in, rp_read_conds[i]);

        if (v) {
            apr_table_setn(d->conds, rp_read_conds[i], v);
            apr_table_unset(r->headers_in, rp_read_conds[i]);
        }
    }
    /* A HEAD has no body to hash: a GET look-up gives the digest. */
    if (r->header_only) {
        rp_lookup_t lu;

        rp_lookup_once(r, "GET", limit, &lu);
        d->etag = ap_is_HTTP_SUCCESS(lu.status) ? lu.etag : NULL;
    }
    ap_add_output_filter_handle(rp_digest_handle, d, r, r->connection);
}

static void rp_digest_restore(request_rec *r, rp_digest_t *d)
{
    int i;

    for (i = 0; rp_read_conds[i]; i++) {
        const char *v = apr_table_get(d->conds, rp_read_conds[i]);

        if (v) {
            apr_table_setn(r->headers_in, rp_read_conds[i], v);
        }
    }
}

/* Judge the client's conditional headers against the digest, and send
 * the answer: the body, a 304 or a 412. */
static apr_status_t rp_digest_finish(ap_filter_t *f, rp_digest_t *d)
{
    request_rec *r = f->r;
    const char *etag = r->header_only ? d->etag
                                      : rp_digest_etag(r->pool, &d->sha);
    const char *lm = apr_table_get(r->headers_out, "Last-Modified");
    apr_bucket_brigade *bb = d->held;
    int status = OK;

    rp_digest_restore(r, d);
    ap_remove_output_filter(f);
    if (etag) {
        apr_table_setn(r->headers_out, "ETag", etag);
        status = rp_meets(r, lm);
    }
    if (status == HTTP_NOT_MODIFIED || status == HTTP_PRECONDITION_FAILED) {
        apr_bucket *eos = apr_bucket_eos_create(f->c->bucket_alloc);

        apr_brigade_cleanup(bb);
        if (status == HTTP_NOT_MODIFIED) {
            r->status = HTTP_NOT_MODIFIED;
        }
        else {
            APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_error_create(
                                    status, NULL, r->pool,
                                    f->c->bucket_alloc));
        }
        APR_BRIGADE_INSERT_TAIL(bb, eos);
    }
    return ap_pass_brigade(f->next, bb);
}

/* Pass what is held and the rest unchanged, without an ETag: over the
 * limit, or an answer that is not a whole representation. */
static apr_status_t rp_digest_give_up(ap_filter_t *f, rp_digest_t *d,
                                      apr_bucket_brigade *bb)
{
    rp_digest_restore(f->r, d);
    apr_table_unset(f->r->headers_out, "ETag");
    ap_remove_output_filter(f);
    if (d->held) {
        APR_BRIGADE_PREPEND(bb, d->held);
    }
    return ap_pass_brigade(f->next, bb);
}

static apr_status_t rp_digest_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    rp_digest_t *d = f->ctx;
    request_rec *r = f->r;
    apr_bucket *b;
    int eos = 0;

    if (!d->held) {
        /* The backend's ETag is not the one the client may send back. */
        apr_table_unset(r->headers_out, "ETag");
        apr_table_unset(r->err_headers_out, "ETag");
        if (d->strip) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        if (r->status != HTTP_OK && r->status != HTTP_NON_AUTHORITATIVE) {
            return rp_digest_give_up(f, d, bb);
        }
        d->held = apr_brigade_create(r->pool, f->c->bucket_alloc);
        rp_sha256_init(&d->sha);
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;
        apr_status_t rv;

        if (APR_BUCKET_IS_EOS(b)) {
            eos = 1;
            break;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            continue;
        }
        if ((rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ))
            != APR_SUCCESS) {
            return rv;
        }
        d->bytes += (apr_off_t)len;
        if (d->bytes > d->limit) {
            return rp_digest_give_up(f, d, bb);
        }
        rp_sha256_update(&d->sha, data, len);
    }
    if (ap_save_brigade(f, &d->held, &bb, r->pool) != APR_SUCCESS) {
        return rp_digest_give_up(f, d, bb);
    }
    return eos ? rp_digest_finish(f, d) : APR_SUCCESS;
}

void rp_evaluate_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Both below mod_deflate (AP_FTYPE_CONTENT_SET), above every resource
     * filter: the same bytes whether a client reads them or a look-up
     * hashes them, before any Content-Encoding. */
    rp_sink_handle = ap_register_output_filter("REQUIRE_PRECONDITION_LOOKUP",
                                               rp_sink_filter, NULL,
                                               AP_FTYPE_CONTENT_SET - 1);
    rp_digest_handle =
        ap_register_output_filter("REQUIRE_PRECONDITION_DIGEST",
                                  rp_digest_filter, NULL,
                                  AP_FTYPE_CONTENT_SET - 1);
    rp_no_body_handle =
        ap_register_input_filter("REQUIRE_PRECONDITION_NO_BODY",
                                 rp_no_body_filter, NULL, AP_FTYPE_RESOURCE);
    rp_end_handle =
        ap_register_output_filter("REQUIRE_PRECONDITION_LOOKUP_END",
                                  rp_end_filter, NULL, AP_FTYPE_PROTOCOL);
}
