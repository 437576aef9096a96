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

/* rp_form.h: the _method parameters of a form body that arrives in
 * pieces, read as the application reads it: after the content coding
 * (gzip, deflate) that httpd's DEFLATE input filter or the application
 * undoes. APR and zlib only: no httpd type. */

#ifndef RP_FORM_H
#define RP_FORM_H

#include "apr_pools.h"

/* Called with each method a `_method` parameter names, upper case as
 * rp_override_method gives it. */
typedef void rp_form_found_fn(void *ctx, const char *method);

typedef struct rp_form_scan rp_form_scan;

/* A scanner for a body of the Content-Encoding `coding` (NULL or
 * "identity": none; "gzip", "x-gzip" or "deflate": inflated first, at
 * most `max_decoded` bytes of it), or NULL for a coding it cannot read.
 * Its memory and zlib's state go with `p`. */
rp_form_scan *rp_form_scan_create(apr_pool_t *p, const char *coding,
                                  apr_off_t max_decoded,
                                  rp_form_found_fn *found, void *ctx);

/* The next `len` bytes of the body, as sent. 0, or -1 once the coded
 * body turned out unreadable (corrupt, or past `max_decoded`): from then
 * on the scanner reads nothing. */
int rp_form_scan_feed(rp_form_scan *s, const char *data, apr_size_t len);

/* The body ended: the last parameter is judged. 0 when the whole body was
 * read (for a coded body: its stream ended where the body did), -1 when
 * it was not. */
int rp_form_scan_end(rp_form_scan *s);

#endif /* RP_FORM_H */
