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

/* fuzz_form.c: a form body's _method parameters, fed in pieces and coded
 * (rp_form.c).
 *
 * The input's first byte picks the piece size; the rest is the body.
 * Invariants: the methods named are the same whatever the pieces, and the
 * same as rp_param_next finds in each whole parameter (however long, with
 * blanks before its key or a NUL in it); the body gzip-coded and
 * read as gzip names the same ones; the input itself read as gzip or
 * deflate (mostly broken streams) never crashes and never names a method
 * that the scanner did not decode.
 */
#include "rp_form.h"
#include "rp_policy.h"
#include "fuzz_common.h"

#include "apr_strings.h"

#define ZLIB_CONST
#include <zlib.h>

typedef struct {
    char list[1024];
} found_t;

static void found(void *ctx, const char *method)
{
    found_t *f = ctx;
    size_t n = strlen(f->list);

    (void)snprintf(f->list + n, sizeof(f->list) - n, "%s,", method);
}

/* The methods `body` names, read `piece` bytes at a time as `coding`;
 * the end's return in *rc. */
static const char *scan(apr_pool_t *p, const char *coding, const char *body,
                        size_t len, size_t piece, int *rc)
{
    found_t *f = apr_pcalloc(p, sizeof(*f));
    rp_form_scan *s = rp_form_scan_create(p, coding, 1 << 20, found, f);
    size_t at;

    FUZZ_ASSERT(s != NULL);
    for (at = 0; at < len; at += piece) {
        rp_form_scan_feed(s, body + at, len - at < piece ? len - at : piece);
    }
    *rc = rp_form_scan_end(s);
    return f->list;
}

/* What rp_param_next finds in the whole body, one parameter at a time:
 * the scanner keeps less of each, never a different answer. */
static const char *whole(apr_pool_t *p, const char *body, size_t len)
{
    found_t *f = apr_pcalloc(p, sizeof(*f));
    const char *s = body, *end = body + len;
    char method[RP_METHOD_MAX];

    while (s < end) {
        const char *stop = s, *q = s;

        while (stop < end && *stop != '&' && *stop != ';') {
            stop++;
        }
        while (rp_param_next(&q, stop, method, sizeof(method))) {
            found(f, method);
        }
        s = stop < end ? stop + 1 : stop;
    }
    return f->list;
}

static char *gzip_of(apr_pool_t *p, const char *in, size_t n, size_t *len)
{
    z_stream z;
    char *out = apr_palloc(p, n + 1024);

    memset(&z, 0, sizeof(z));
    FUZZ_ASSERT(deflateInit2(&z, 6, Z_DEFLATED, 31, 8,
                             Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = (const Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)(n + 1024);
    FUZZ_ASSERT(deflate(&z, Z_FINISH) == Z_STREAM_END);
    *len = z.total_out;
    deflateEnd(&z);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    const char *body = (const char *)data + 1;
    size_t len = size ? size - 1 : 0, piece, glen;
    const char *all, *one, *coded;
    int rc;

    if (!size) {
        fuzz_end();
        return 0;
    }
    piece = (size_t)data[0] % 64 + 1;
    all = scan(p, NULL, body, len, len ? len : 1, &rc);
    FUZZ_ASSERT(rc == 0);
    one = scan(p, "identity", body, len, piece, &rc);
    FUZZ_ASSERT(rc == 0 && !strcmp(all, one));
    FUZZ_ASSERT(!strcmp(all, whole(p, body, len)));
    coded = gzip_of(p, body, len, &glen);
    one = scan(p, "gzip", coded, glen, piece, &rc);
    FUZZ_ASSERT(rc == 0 && !strcmp(all, one));
    /* The input as a coded stream: anything, but no crash. */
    (void)scan(p, "gzip", body, len, piece, &rc);
    (void)scan(p, "deflate", body, len, piece, &rc);
    fuzz_end();
    return 0;
}
