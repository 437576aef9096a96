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

/* fuzz_if_header.c: the WebDAV If parser (RFC 4918 10.4) and the
 * If-Unmodified-Since rule.
 *
 * The input is split at its first NUL byte: the part before is an If
 * header, the part after a target path. Invariants: the answer is one of
 * the three, the same twice; untagged lists never count for a
 * Destination; a list that is true whatever the resource's state, added
 * as an alternative under any tag, takes the protection away; a header
 * that counts has a condition in it; the collection rule (lock tokens
 * only) never lets more through. The same bytes as an If-Unmodified-Since value count
 * exactly when httpd's date parser reads a time not after the arrival.
 */
#include "rp_policy.h"
#include "fuzz_common.h"

#include "apr_date.h"
#include "apr_strings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *value = fuzz_cstr(data, size);
    size_t vlen = strlen(value);
    const char *target = vlen + 1 < size
        ? apr_pstrmemdup(p, (const char *)data + vlen + 1, size - vlen - 1)
        : "/d/a";
    const char *s = value;
    int got, dest;
    apr_time_t t, now = apr_time_from_sec(1700000000);

    got = rp_if_header_counts(value, target, RP_IF_UNTAGGED_APPLY);
    FUZZ_ASSERT(got == RP_IF_BAD || got == RP_IF_NO_CONDITION
                || got == RP_IF_COUNTS);
    FUZZ_ASSERT(rp_if_header_counts(value, target, RP_IF_UNTAGGED_APPLY) == got);
    dest = rp_if_header_counts(value, target, 0);
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (*s == '(') {
        FUZZ_ASSERT(dest != RP_IF_COUNTS);
        FUZZ_ASSERT((dest == RP_IF_BAD) == (got == RP_IF_BAD));
    }
    else {
        FUZZ_ASSERT(dest == got);
    }
    /* Only a lock token counts for a collection: never more than the
     * general rule lets through. */
    if (rp_if_header_counts(value, target,
                            RP_IF_UNTAGGED_APPLY | RP_IF_TOKENS_ONLY)
        == RP_IF_COUNTS) {
        FUZZ_ASSERT(got == RP_IF_COUNTS);
    }
    if (got == RP_IF_COUNTS) {
        FUZZ_ASSERT(strchr(value, '[') || strchr(value, '<'));
        if (*s == '<') {
            /* an always-true list under any tag takes the protection away */
            const char *more = apr_pstrcat(p, value,
                                           " </x> (Not <DAV:no-lock>)", NULL);
            FUZZ_ASSERT(rp_if_header_counts(more, target,
                                            RP_IF_UNTAGGED_APPLY)
                        == RP_IF_NO_CONDITION);
        }
        if (*s == '(') {
            const char *more = apr_pstrcat(p, value, " (Not <DAV:no-lock>)",
                                           NULL);
            FUZZ_ASSERT(rp_if_header_counts(more, target, RP_IF_UNTAGGED_APPLY)
                        == RP_IF_NO_CONDITION);
        }
    }
    FUZZ_ASSERT(rp_if_header_counts(value, NULL, RP_IF_UNTAGGED_APPLY) == RP_IF_BAD);

    t = apr_date_parse_http(value);
    FUZZ_ASSERT(rp_unmodified_since_counts(value, now)
                == (t != APR_DATE_BAD && t <= now));
    if (rp_unmodified_since_counts(value, now)) {
        FUZZ_ASSERT(rp_unmodified_since_counts(value, now + 1));
    }
    free(value);
    fuzz_end();
    return 0;
}
