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

/* rp_refusal_body.h: the 428 response's text (rp_refusal_body.c), APR only. */

#ifndef RP_REFUSAL_BODY_H
#define RP_REFUSAL_BODY_H

#include "apr.h"
#include "apr_pools.h"

/* Non-zero when an Accept header ranks a JSON type (application/json,
 * application/problem+json, any +json) strictly above HTML. */
int rp_prefers_json(const char *accept);

/* The 428 bodies for a counted set (rp_counted_set): they name only what
 * counts there, and for a destination (RP_HDR_OVERWRITE in the set) what
 * counts for a destination. */
const char *rp_accepted_list(apr_pool_t *p, unsigned int counted);
const char *rp_body_html(apr_pool_t *p, unsigned int counted);
const char *rp_body_json(apr_pool_t *p, unsigned int counted);

/* Escape s for a JSON string literal (without the quotes). */
const char *rp_json_escape(apr_pool_t *p, const char *s);

#endif /* RP_REFUSAL_BODY_H */
