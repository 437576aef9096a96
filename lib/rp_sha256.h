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

/* rp_sha256.h: SHA-256 (FIPS 180-4), for RequirePreconditionEvaluate
 * Digest's ETags. APR-util has MD5 and SHA-1 only; an ETag that decides
 * whether a write may replace a document must not be forgeable by a client
 * that chooses what it writes. No httpd or APR type here (t/unit tests it
 * against the standard's vectors). */
#ifndef RP_SHA256_H
#define RP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RP_SHA256_LEN 32

typedef struct {
    uint32_t h[8];
    uint64_t bytes;             /* hashed so far */
    unsigned char block[64];
    size_t used;                /* bytes waiting in block */
} rp_sha256_t;

void rp_sha256_init(rp_sha256_t *s);
void rp_sha256_update(rp_sha256_t *s, const void *data, size_t len);
void rp_sha256_final(rp_sha256_t *s, unsigned char out[RP_SHA256_LEN]);

/* The digest as unpadded base64url (RFC 4648 §5): 43 characters and a
 * NUL, all of them allowed inside an entity-tag. */
#define RP_SHA256_B64_LEN 44
void rp_sha256_base64url(const unsigned char d[RP_SHA256_LEN],
                         char out[RP_SHA256_B64_LEN]);

#endif /* RP_SHA256_H */
