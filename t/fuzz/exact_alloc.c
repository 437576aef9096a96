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

/* exact_alloc.c: see exact_alloc.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "exact_alloc.h"

#include "apr_pools.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *(*palloc_fn)(apr_pool_t *, apr_size_t);

static int tracking;
static void **blocks;
static size_t nblocks, capblocks;

static palloc_fn real_palloc(void)
{
    static palloc_fn fn;

    if (!fn) {
        fn = (palloc_fn)(void (*)(void))dlsym(RTLD_NEXT, "apr_palloc");
        if (!fn) {
            (void)fprintf(stderr, "exact_alloc: no apr_palloc in libapr\n");
            abort();
        }
    }
    return fn;
}

void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    void *m;

    if (!tracking) {
        return real_palloc()(p, size);
    }
    if (nblocks == capblocks) {
        size_t cap = capblocks ? 2 * capblocks : 64;
        void **nb = realloc(blocks, cap * sizeof(*nb));
        if (!nb) {
            abort();
        }
        blocks = nb;
        capblocks = cap;
    }
    /* malloc(0) may return NULL; APR never does. */
    m = malloc(size ? size : 1);
    if (!m) {
        abort();
    }
    blocks[nblocks++] = m;
    return m;
}

/* apr_pools.h makes apr_pcalloc a macro over apr_palloc; libapr still
 * exports the function, for callers compiled otherwise. */
#undef apr_pcalloc
void *apr_pcalloc(apr_pool_t *p, apr_size_t size);
void *apr_pcalloc(apr_pool_t *p, apr_size_t size)
{
    return memset(apr_palloc(p, size), 0, size);
}

void exact_alloc_begin(void)
{
    (void)real_palloc();
    tracking = 1;
}

void exact_alloc_end(void)
{
    size_t i;

    tracking = 0;
    for (i = 0; i < nblocks; i++) {
        free(blocks[i]);
    }
    nblocks = 0;
}
