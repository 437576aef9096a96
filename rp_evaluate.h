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

/* rp_evaluate.h: RequirePreconditionEvaluate, httpd judging a write's
 * precondition for a backend that does not (ProxyPass, FastCGI, CGI, any
 * handler).
 *
 * Backend: with the resource's lock held (the serialization lock; the
 * body is already spooled), a HEAD sub-request through the same location
 * asks the backend for its current validators (GET when HEAD gives none
 * or is refused), and ap_meets_conditions() judges the client's If-*
 * headers against them. A failing precondition is httpd's 412 and never
 * reaches the backend; a passing write goes on to it, still locked.
 *
 * Digest: for backends with no validators or weak ones. Every GET and
 * HEAD answered through the location carries a strong ETag made from the
 * representation's bytes (SHA-256, the same on every server); writes are
 * judged against the digest of a GET look-up; the client's If-* headers
 * are httpd's and are not forwarded.
 */
#ifndef RP_EVALUATE_H
#define RP_EVALUATE_H

#include "httpd.h"
#include "http_config.h"

#include "rp_policy.h"     /* RP_EVAL_* */

/* Register the filters (the look-up's, rp_lookup.c; the Digest ETags',
 * rp_digest.c). */
void rp_evaluate_register_hooks(apr_pool_t *p);

/* Digest, a GET or HEAD (not a sub-request): hold the client's
 * conditional headers back from the backend and give the answer its
 * digest ETag, judging them against it (304, 412) on the way out
 * (rp_digest.c). */
void rp_evaluate_read(request_rec *r, apr_off_t limit);

/* A write whose locks are held: when it carries If-Match, If-None-Match
 * or If-Unmodified-Since, look up the backend's validators and judge
 * them. DECLINED to forward the write, or the status to answer: 412, or
 * a 5xx when the look-up failed (nothing forwarded). */
int rp_evaluate_write(request_rec *r, int mode, apr_off_t limit);

/* The client's conditional headers judged as httpd judges them
 * (ap_meets_conditions) against the ETag in r->headers_out and
 * `last_modified`: for rp_evaluate.c and rp_digest.c. */
int rp_meets(request_rec *r, const char *last_modified);

#endif /* RP_EVALUATE_H */
