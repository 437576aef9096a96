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

/* rp_sha256.c against the vectors of FIPS 180-4 (NIST's examples), fed
 * whole and in every split a filter's buckets could make; and the
 * base64url form the Digest ETags carry. */

#include "rp_sha256.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

static void hex(const unsigned char *d, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < RP_SHA256_LEN; i++, out += 2) {
        out[0] = digits[d[i] >> 4];
        out[1] = digits[d[i] & 15];
    }
    *out = '\0';
}

static void digest_of(const char *msg, size_t len, size_t step, char *out)
{
    rp_sha256_t s;
    unsigned char d[RP_SHA256_LEN];
    size_t off;

    rp_sha256_init(&s);
    for (off = 0; off < len; off += step) {
        rp_sha256_update(&s, msg + off, len - off < step ? len - off : step);
    }
    rp_sha256_final(&s, d);
    hex(d, out);
}

static void test_vectors(void)
{
    static const struct {
        const char *msg, *want;
    } t[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc",
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
          "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
    };
    size_t i, step;
    char got[2 * RP_SHA256_LEN + 1], what[96];

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t len = strlen(t[i].msg);

        for (step = 1; step <= 65; step++) {
            digest_of(t[i].msg, len, step, got);
            (void)snprintf(what, sizeof(what),
                           "sha256 vector %zu in steps of %zu",
                           i, step);
            check(!strcmp(got, t[i].want), what, got);
        }
    }
}

static void test_million(void)
{
    static char msg[1000000];
    char got[2 * RP_SHA256_LEN + 1];

    memset(msg, 'a', 1000000);
    digest_of(msg, 1000000, 8191, got);
    check(!strcmp(got, "cdc76e5c9914fb9281a1c7e284d73e67"
                       "f1809a48a497200e046d39ccc7112cd0"),
          "sha256 of a million 'a'", got);
}

static void test_base64url(void)
{
    rp_sha256_t s;
    unsigned char d[RP_SHA256_LEN];
    char b[RP_SHA256_B64_LEN];

    rp_sha256_init(&s);
    rp_sha256_update(&s, "abc", 3);
    rp_sha256_final(&s, d);
    rp_sha256_base64url(d, b);
    /* base64url of ba7816bf...f20015ad, unpadded. */
    check(!strcmp(b, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"),
          "base64url of sha256(abc)", b);
    check(strlen(b) == RP_SHA256_B64_LEN - 1, "base64url length", b);
}

int main(void)
{
    test_vectors();
    test_million();
    test_base64url();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
