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

/* fuzz_common.h: what the libFuzzer targets of t/fuzz share. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "apr_general.h"
#include "apr_pools.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact_alloc.h"

/* One pool for the whole run, cleared after each input. */
static apr_pool_t *fuzz_pool;

static apr_pool_t *fuzz_begin(void)
{
    if (!fuzz_pool) {
        if (apr_initialize() != APR_SUCCESS
            || apr_pool_create(&fuzz_pool, NULL) != APR_SUCCESS) {
            abort();
        }
    }
    exact_alloc_begin();
    return fuzz_pool;
}

static void fuzz_end(void)
{
    apr_pool_clear(fuzz_pool);
    exact_alloc_end();
}

/* The input as a C string of exactly its own size (NUL included), so that
 * reading past the end is an AddressSanitizer report. An embedded NUL
 * ends the string, as it would in httpd. */
static APR_INLINE char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s) {
        abort();
    }
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* An invariant that does not hold is a crash, so libFuzzer keeps it. */
#define FUZZ_ASSERT(cond)                                               \
    do {                                                                \
        if (!(cond)) {                                                  \
            (void)fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                    __LINE__, #cond);                                   \
            abort();                                                    \
        }                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
