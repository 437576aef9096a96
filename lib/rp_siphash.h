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

/* rp_siphash.h: SipHash-2-4 (rp_siphash.c). */

#ifndef RP_SIPHASH_H
#define RP_SIPHASH_H

#include "apr.h"

/* SipHash-2-4 of data under a 128-bit key: the lock key of a resource,
 * keyed so that a client cannot aim two URIs at one lock on purpose. */
apr_uint64_t rp_siphash(const unsigned char key[16], const void *data,
                        apr_size_t len);

#endif /* RP_SIPHASH_H */
