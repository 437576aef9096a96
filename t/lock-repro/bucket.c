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

/* bucket KEYFILE KIND(N|F) INO [NAME]: print the lock offset's queue bucket
 * (shared lock file mode: no device). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "precondition_policy.h"
#define BASE ((unsigned long long)1 << 40)
int main(int argc, char **argv)
{
    unsigned char hdr[24], buf[600];
    FILE *f = fopen(argv[1], "rb");
    size_t n = 0;
    unsigned long long ino = strtoull(argv[3], 0, 10), off;
    if (!f || fread(hdr, 1, 24, f) != 24) return 1;
    if (!strcmp(argv[2], "find")) {
        unsigned long long want = strtoull(argv[3], 0, 10), dino = strtoull(argv[4], 0, 10);
        int i;
        for (i = 0; i < 10000000; i++) {
            char name[64];
            int m = sprintf(name, "v%d.txt", i);
            n = 0; buf[n++] = 'N'; memcpy(buf + n, &dino, 8); n += 8;
            memcpy(buf + n, name, m); n += m;
            off = BASE + (rp_siphash(hdr + 8, buf, n) >> 2);
            if ((off * 0x9E3779B97F4A7C15ULL) % 4096 == want) { printf("%s\n", name); return 0; }
        }
        return 2;
    }
    buf[n++] = argv[2][0];
    memcpy(buf + n, &ino, 8); n += 8;
    if (argc > 4) { memcpy(buf + n, argv[4], strlen(argv[4])); n += strlen(argv[4]); }
    off = BASE + (rp_siphash(hdr + 8, buf, n) >> 2);
    printf("%llu\n", (off * 0x9E3779B97F4A7C15ULL) % 4096);
    return 0;
}
