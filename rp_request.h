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

/* rp_request.h: a request's way through the module (rp_request.c). */

#ifndef RP_REQUEST_H
#define RP_REQUEST_H

#include "httpd.h"

/* The fixup: judge the write, refuse it with 428 or let it through,
 * serialize it. */
int rp_fixups(request_rec *r);

/* Under ReportOnly, a form POST's body is not read ahead (that would
 * change what the handler sees: 100 Continue, LimitRequestBody): its
 * _method is judged as the handler reads it, and `method`, the guarded
 * method it names (M_POST when it could not be decoded), is reported
 * then for r, the request it was sent to. */
void rp_request_report_late(request_rec *r, int method);

/* A problem+json 428 (or 412) gets its content type. */
void rp_insert_error_filter(request_rec *r);

/* Make every 428 body and header list once per configuration cycle, in
 * the server-wide record of s (the main server), so that a refusal only
 * picks one. */
void rp_request_post_config(apr_pool_t *pconf, server_rec *s);

/* The fixup (after mod_dav's), the error filter hook, the JSON type filter. */
void rp_request_register_hooks(apr_pool_t *p);

#endif /* RP_REQUEST_H */
