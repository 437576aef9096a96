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

/* rp_precheck.h: the precondition judged once before a serialized write's
 * upload (rp_precheck.c). */

#ifndef RP_PRECHECK_H
#define RP_PRECHECK_H

#include "httpd.h"

/* 1 when an upload is still to come that a 412 now would spare: the client
 * waits for 100 Continue, or the body (len; -1: chunked) is more than the
 * spool keeps in memory. */
int rp_precheck_upload_ahead(const request_rec *r, apr_off_t len);

/* What mod_dav would answer r now, for a file it serves or a name to
 * create: OK, or HTTP_PRECONDITION_FAILED. Anything else is left to the
 * handler (OK). */
int rp_precheck(request_rec *r);

#endif /* RP_PRECHECK_H */
