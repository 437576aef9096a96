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

/* rp_siphash.c: SipHash-2-4, the keyed hash of the lock's keys
 * (rp_lockfile.c, rp_lock.c); APR only. */

#include "rp_siphash.h"

/* SipHash-2-4, after the reference description by Aumasson and Bernstein. */

#define RP_ROTL(x, b) (apr_uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define RP_SIPROUND                                                     \
    do {                                                                \
        v0 += v1; v1 = RP_ROTL(v1, 13); v1 ^= v0; v0 = RP_ROTL(v0, 32); \
        v2 += v3; v3 = RP_ROTL(v3, 16); v3 ^= v2;                       \
        v0 += v3; v3 = RP_ROTL(v3, 21); v3 ^= v0;                       \
        v2 += v1; v1 = RP_ROTL(v1, 17); v1 ^= v2; v2 = RP_ROTL(v2, 32); \
    } while (0)

static apr_uint64_t rp_load64(const unsigned char *b)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    return v;
}

apr_uint64_t rp_siphash(const unsigned char key[16], const void *data,
                        apr_size_t len)
{
    const unsigned char *in = data;
    apr_uint64_t k0 = rp_load64(key), k1 = rp_load64(key + 8);
    apr_uint64_t v0 = k0 ^ APR_UINT64_C(0x736f6d6570736575);
    apr_uint64_t v1 = k1 ^ APR_UINT64_C(0x646f72616e646f6d);
    apr_uint64_t v2 = k0 ^ APR_UINT64_C(0x6c7967656e657261);
    apr_uint64_t v3 = k1 ^ APR_UINT64_C(0x7465646279746573);
    apr_uint64_t b = ((apr_uint64_t)len) << 56;
    apr_size_t left = len & 7, i;
    const unsigned char *end = in + (len - left);

    for (; in != end; in += 8) {
        apr_uint64_t m = rp_load64(in);
        v3 ^= m;
        RP_SIPROUND;
        RP_SIPROUND;
        v0 ^= m;
    }
    for (i = 0; i < left; i++) {
        b |= ((apr_uint64_t)in[i]) << (8 * i);
    }
    v3 ^= b;
    RP_SIPROUND;
    RP_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    RP_SIPROUND;
    RP_SIPROUND;
    RP_SIPROUND;
    RP_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
