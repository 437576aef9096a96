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

/* rp_precheck.c: no wasted upload. A serialized write whose precondition
 * fails already, and whose body is still to come, gets its 412 before the
 * spool reads the body (rp_spool.c), judged as mod_dav would judge it now.
 * See docs/serialization.md. */

#include "httpd.h"
#include "http_core.h"
#include "http_protocol.h"

#include "apr_base64.h"
#include "apr_file_io.h"
#include "apr_sha1.h"
#include "apr_strings.h"

#include "rp_precheck.h"
#include "rp_spool.h"

/* The ETag core gives the file now. Under FileETag Digest core hashes it
 * through a file bucket, which maps it: a map and an unmap whose TLB
 * shootdown every thread of the process pays, for a check that most
 * writes pass. Read into a buffer, the digest and the ETag are the same
 * (core's make_digest_etag: '"', base64 of the SHA-1, '"'); anything else
 * (no digest, a variant list validator) is core's own. */
static const char *rp_precheck_etag(request_rec *r)
{
#ifdef ETAG_DIGEST
    core_dir_config *cfg = ap_get_core_module_config(r->per_dir_config);
    etag_components_t bits = (cfg->etag_bits & ~cfg->etag_remove)
                             | cfg->etag_add;
    apr_sha1_ctx_t sha;
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    char buf[8192], *etag;
    apr_file_t *fd;
    apr_size_t n;
    apr_status_t rv;

    if ((!(bits & ETAG_DIGEST) && !AP_REQUEST_IS_STRONG_ETAG(r))
        || r->vlist_validator
        || apr_file_open(&fd, r->filename, APR_READ | APR_BINARY, 0,
                         r->pool) != APR_SUCCESS) {
        return ap_make_etag(r, 0);
    }
    apr_sha1_init(&sha);
    do {
        n = sizeof(buf);
        rv = apr_file_read(fd, buf, &n);
        apr_sha1_update_binary(&sha, (const unsigned char *)buf,
                               (unsigned int)n);
    } while (rv == APR_SUCCESS);
    apr_file_close(fd);
    if (rv != APR_EOF) {
        return ap_make_etag(r, 0);
    }
    apr_sha1_final(digest, &sha);
    etag = apr_palloc(r->pool, apr_base64_encode_len(APR_SHA1_DIGESTSIZE) + 2);
    etag[0] = '"';
    n = (apr_size_t)apr_base64_encode_binary(etag + 1, digest,
                                             APR_SHA1_DIGESTSIZE) - 1;
    etag[1 + n] = '"';
    etag[2 + n] = '\0';
    return etag;
#else
    return ap_make_etag(r, 0);
#endif
}

/* What mod_dav would answer now (dav_meets_conditions against the file
 * mod_dav_fs serves, whose ETag is core's ap_make_etag_ex over the same
 * stat and FileETag): OK, or 412. Only for a file or a name to create
 * under DocumentRoot; anything else (a collection, a backend, a CGI) is
 * left to the handler. */
int rp_precheck(request_rec *r)
{
    const char *if_match = apr_table_get(r->headers_in, "If-Match");
    const char *if_none = apr_table_get(r->headers_in, "If-None-Match");
    apr_status_t rv;
    int exists, status;

    if (!r->handler || strcmp(r->handler, "dav-handler") != 0
        || !r->filename || r->filename[0] != '/'
        || (r->path_info && *r->path_info)) {
        return OK;
    }
    /* As of now, not as of the mapping: a 412 here must be one that the
     * handler would give now (the lock looks again before the handler). */
    rv = apr_stat(&r->finfo, r->filename, APR_FINFO_MIN, r->pool);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        r->finfo.filetype = APR_NOFILE;
    }
    exists = r->finfo.filetype == APR_REG;
    if (!exists && r->finfo.filetype != APR_NOFILE) {
        return OK;
    }
    if (if_match && if_match[0] == '*' && !exists) {
        return HTTP_PRECONDITION_FAILED;
    }
    if (exists) {
        r->mtime = r->finfo.mtime;
        apr_table_setn(r->headers_out, "ETag", rp_precheck_etag(r));
    }
    status = ap_meets_conditions(r);
    apr_table_unset(r->headers_out, "ETag");
    if (status == HTTP_PRECONDITION_FAILED && !exists
        && if_none && if_none[0] == '*') {
        status = OK;
    }
    return status == HTTP_PRECONDITION_FAILED ? status : OK;
}

/* Is an upload still to come, that a 412 now would spare? The client
 * waits for 100 Continue, or the body (chunked: of unknown size) is more
 * than the spool keeps in memory. A smaller body came with the headers or
 * right behind them, and httpd reads it to keep the connection either
 * way: judging it here would only look at the file twice (under FileETag
 * Digest, hash it twice), since the handler judges it again under the
 * lock and gives the same 412. */
int rp_precheck_upload_ahead(const request_rec *r, apr_off_t len)
{
    return r->expecting_100 || len < 0 || len > RP_SPOOL_MEMORY;
}
