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

/* rp_digest.c: RequirePreconditionEvaluate Digest's ETags (see
 * rp_digest.h): a read's answer held until its end (or the limit),
 * hashed, given the digest's ETag and judged against it (304, 412); a
 * forwarded write's answer stripped of the backend's ETag.
 */

/* Before APR's headers: with offsetof, APR_OFFSETOF (in the brigade
 * macros) is no null pointer arithmetic. */
#include <stddef.h>

#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "util_filter.h"

#include "apr_strings.h"

#include "rp_module.h"
#include "rp_digest.h"
#include "rp_evaluate.h"
#include "rp_lookup.h"
#include "rp_sha256.h"

APLOG_USE_MODULE(require_precondition);

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

/* Registered once a load by rp_digest_register_hooks, as httpd's own
 * modules keep theirs: no configuration's state. */
static ap_filter_rec_t *rp_digest_handle;

/* The entity-tag of a digest: strong, quoted, with a prefix that says
 * whose it is. */
const char *rp_digest_etag(apr_pool_t *p, rp_sha256_t *sha)
{
    unsigned char d[RP_SHA256_LEN];
    char b64[RP_SHA256_B64_LEN];

    rp_sha256_final(sha, d);
    rp_sha256_base64url(d, b64);
    return apr_pstrcat(p, "\"rpd-", b64, "\"", NULL);
}

/* Digest: the client's conditional headers name httpd's ETags, not the
 * backend's; and the backend's ETag on the answer is not one a client
 * may send back. */
void rp_digest_forward(request_rec *r)
{
    rp_digest_t *d = apr_pcalloc(r->pool, sizeof(*d));
    int i;

    for (i = 0; rp_write_conds[i]; i++) {
        apr_table_unset(r->headers_in, rp_write_conds[i]);
    }
    d->strip = 1;
    ap_add_output_filter_handle(rp_digest_handle, d, r, r->connection);
}


/* ---- reads ---------------------------------------------------------------- */

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

void rp_digest_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Below mod_deflate (AP_FTYPE_CONTENT_SET), above every resource
     * filter: the same bytes whether a client reads them or a look-up
     * hashes them (rp_lookup.c), before any Content-Encoding. */
    rp_digest_handle =
        ap_register_output_filter("REQUIRE_PRECONDITION_DIGEST",
                                  rp_digest_filter, NULL,
                                  AP_FTYPE_CONTENT_SET - 1);
}
