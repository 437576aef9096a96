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

/* rp_lookup.h: RequirePreconditionEvaluate's validator look-up: a HEAD
 * (or GET) sub-request of the client's URL, with its own filter chains,
 * that asks the backend for its current validators (rp_lookup.c). */
#ifndef RP_LOOKUP_H
#define RP_LOOKUP_H

#include "httpd.h"

/* What a look-up found. */
typedef struct {
    int status;                 /* the look-up's answer */
    const char *method;         /* HEAD or GET */
    const char *etag;           /* the backend's, or the digest; NULL */
    const char *last_modified;  /* NULL when none */
    int too_large;              /* Digest: over RequirePreconditionDigestLimit */
    const char *why;            /* a failed look-up, for the log */
} rp_lookup_t;

/* Backend (`mode`): HEAD, and GET when HEAD is refused, gives no
 * validators or says absent. Digest: GET, its body hashed up to `limit`
 * bytes (lu->etag the digest's). */
void rp_lookup(request_rec *r, int mode, apr_off_t limit, rp_lookup_t *lu);

/* One look-up with `method`; `limit` >= 0 hashes the body (Digest). */
void rp_lookup_once(request_rec *r, const char *method, apr_off_t limit,
                    rp_lookup_t *lu);

/* The answer to a look-up that did not say whether the resource exists:
 * the backend's own 5xx, else 502 (RP00090); nothing is forwarded. */
int rp_lookup_failed(request_rec *r, const rp_lookup_t *lu);

/* Register the look-up's filters: its sink, its end, its empty body. */
void rp_lookup_register_hooks(apr_pool_t *p);

#endif /* RP_LOOKUP_H */
