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

/* rp_sha256.c: SHA-256 as FIPS 180-4 gives it, one 64-byte block at a
 * time. */

#include "rp_sha256.h"

#include <string.h>

static const uint32_t rp_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define RP_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void rp_sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, k;
    size_t i;

    for (i = 0; i < 16; i++, p += 4) {
        w[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
               | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    }
    for (i = 16; i < 64; i++) {
        uint32_t s0 = RP_ROR(w[i - 15], 7) ^ RP_ROR(w[i - 15], 18)
                      ^ (w[i - 15] >> 3);
        uint32_t s1 = RP_ROR(w[i - 2], 17) ^ RP_ROR(w[i - 2], 19)
                      ^ (w[i - 2] >> 10);

        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3];
    e = h[4]; f = h[5]; g = h[6]; k = h[7];
    for (i = 0; i < 64; i++) {
        uint32_t t1, t2;

        t1 = k + (RP_ROR(e, 6) ^ RP_ROR(e, 11) ^ RP_ROR(e, 25))
             + ((e & f) ^ (~e & g)) + rp_sha256_k[i] + w[i];
        t2 = (RP_ROR(a, 2) ^ RP_ROR(a, 13) ^ RP_ROR(a, 22))
             + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void rp_sha256_init(rp_sha256_t *s)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    };

    memcpy(s->h, iv, sizeof(iv));
    s->bytes = 0;
    s->used = 0;
}

void rp_sha256_update(rp_sha256_t *s, const void *data, size_t len)
{
    const unsigned char *p = data;

    s->bytes += len;
    if (s->used) {
        size_t n = 64 - s->used < len ? 64 - s->used : len;

        memcpy(s->block + s->used, p, n);
        s->used += n;
        p += n;
        len -= n;
        if (s->used < 64) {
            return;
        }
        rp_sha256_block(s->h, s->block);
        s->used = 0;
    }
    for (; len >= 64; p += 64, len -= 64) {
        rp_sha256_block(s->h, p);
    }
    memcpy(s->block, p, len);
    s->used = len;
}

void rp_sha256_final(rp_sha256_t *s, unsigned char out[RP_SHA256_LEN])
{
    uint64_t bits = s->bytes * 8;
    size_t i;

    s->block[s->used++] = 0x80;
    if (s->used > 56) {
        memset(s->block + s->used, 0, 64 - s->used);
        rp_sha256_block(s->h, s->block);
        s->used = 0;
    }
    memset(s->block + s->used, 0, 56 - s->used);
    for (i = 0; i < 8; i++) {
        s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    }
    rp_sha256_block(s->h, s->block);
    for (i = 0; i < 8; i++, out += 4) {
        out[0] = (unsigned char)(s->h[i] >> 24);
        out[1] = (unsigned char)(s->h[i] >> 16);
        out[2] = (unsigned char)(s->h[i] >> 8);
        out[3] = (unsigned char)s->h[i];
    }
}

void rp_sha256_base64url(const unsigned char d[RP_SHA256_LEN],
                         char out[RP_SHA256_B64_LEN])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                              "qrstuvwxyz0123456789-_";
    unsigned int i, o = 0;

    /* 32 bytes: ten groups of three, then two bytes (three characters). */
    for (i = 0; i + 3 <= RP_SHA256_LEN; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];

        out[o++] = abc[v >> 18];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = abc[(v >> 6) & 63];
        out[o++] = abc[v & 63];
    }
    {
        uint32_t v = (uint32_t)d[30] << 8 | d[31];

        out[o++] = abc[v >> 10];
        out[o++] = abc[(v >> 4) & 63];
        out[o++] = abc[(v << 2) & 63];
    }
    out[o] = '\0';
}
