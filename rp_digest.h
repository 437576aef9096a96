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

/* rp_digest.h: RequirePreconditionEvaluate Digest's ETags (rp_digest.c):
 * the digest of a representation as an entity-tag, a read's answer
 * given it (and judged against it), a forwarded write's answer stripped
 * of the backend's. rp_evaluate_read (rp_evaluate.h) is the read's. */
#ifndef RP_DIGEST_H
#define RP_DIGEST_H

#include "httpd.h"

#include "rp_sha256.h"

/* The entity-tag of a digest: strong, quoted, with a prefix that says
 * whose it is. */
const char *rp_digest_etag(apr_pool_t *p, rp_sha256_t *sha);

/* A write whose precondition held under Digest, on its way to the
 * backend: without the client's conditional headers (they name httpd's
 * ETags), and its answer without the backend's ETag. */
void rp_digest_forward(request_rec *r);

/* Register the Digest filter. */
void rp_digest_register_hooks(apr_pool_t *p);

#endif /* RP_DIGEST_H */
