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

/* exact_alloc.h: make every apr_palloc() a malloc() of exactly the size
 * asked for, so that AddressSanitizer and valgrind see an overrun of a
 * pool allocation, which they cannot inside an APR pool block.
 *
 * The test programs (t/unit, t/fuzz) link exact_alloc.c, which defines
 * apr_palloc and apr_pcalloc; the executable's definitions take precedence
 * over libapr's, also for the calls libapr makes itself (apr_pstrcat,
 * apr_pstrdup ...). Between exact_alloc_begin() and exact_alloc_end() each
 * allocation is a malloc() recorded in a list, and exact_alloc_end() frees
 * them all (destroy the pool first: it may hold cleanups in them).
 * Outside of begin/end, allocations go to libapr's apr_palloc.
 */
#ifndef EXACT_ALLOC_H
#define EXACT_ALLOC_H

void exact_alloc_begin(void);
void exact_alloc_end(void);

#endif
