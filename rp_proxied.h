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

/* rp_proxied.h: the start-up warning for a serialized location that
 * mod_proxy serves without RequirePreconditionEvaluate (rp_proxied.c). */

#ifndef RP_PROXIED_H
#define RP_PROXIED_H

#include "httpd.h"

/* Warn (RP00095), once a section or ProxyPass, where the configuration
 * tree serializes writes that mod_proxy forwards and evaluates nothing. */
void rp_proxied_check(apr_pool_t *ptemp, server_rec *s);

#endif /* RP_PROXIED_H */
