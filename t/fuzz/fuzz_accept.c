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

/* fuzz_accept.c: the Accept preference that picks the 428 body, and the
 * bodies themselves.
 *
 * The input is an Accept header value. Invariants: rp_prefers_json gives 0
 * or 1 and the same answer twice; a value that names no JSON type (neither
 * "json" nor a wildcard in it) never prefers JSON; appending a range that
 * ranks text/html at q=1 never turns HTML into JSON when JSON was not
 * preferred already.
 */
#include "rp_policy.h"
#include "rp_refusal_body.h"
#include "fuzz_common.h"

#include "apr_strings.h"

static int has_ci(const char *s, const char *sub)
{
    size_t n = strlen(sub);

    for (; *s; s++) {
        if (!strncasecmp(s, sub, n)) {
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *accept = fuzz_cstr(data, size);
    int json = rp_prefers_json(accept);

    FUZZ_ASSERT(json == 0 || json == 1);
    FUZZ_ASSERT(rp_prefers_json(accept) == json);
    if (!has_ci(accept, "json") && !strchr(accept, '*')) {
        FUZZ_ASSERT(json == 0);
    }
    if (!json) {
        char *more = apr_pstrcat(p, accept, ", text/html", NULL);
        FUZZ_ASSERT(rp_prefers_json(more) == 0);
    }
    {
        /* The body the module would send for this input's header bits. */
        unsigned int bits = size ? (unsigned int)data[0] & RP_COUNTED_MAX
                                 : 0;
        const char *body = json ? rp_body_json(p, bits)
                                : rp_body_html(p, bits);
        const char *list = rp_accepted_list(p, bits);
        FUZZ_ASSERT(body && strstr(body, "Precondition Required"));
        FUZZ_ASSERT(list && (*list != '\0')
                    == ((bits & (RP_HDR_ALL | RP_HDR_OVERWRITE)) != 0));
    }
    free(accept);
    fuzz_end();
    return 0;
}
