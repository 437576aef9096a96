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

/* fuzz_precondition.c: which header values count as a usable precondition.
 *
 * The input is split at its first NUL byte: the part before is a value
 * tried as If-Match / If-None-Match / If (presence) and as
 * If-Unmodified-Since (a date); the byte after picks the accepted headers,
 * the present ones and mod_dav. Invariants: a blank value never counts;
 * a usable date is one apr_date_parse_http accepts, the parser httpd itself
 * uses; If never counts outside mod_dav; the JSON escaping of the value is
 * printable ASCII with no bare quote.
 */
#include "rp_policy.h"
#include "rp_refusal_body.h"
#include "rp_siphash.h"
#include "fuzz_common.h"

#include "apr_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *value = fuzz_cstr(data, size);
    size_t vlen = strlen(value);
    unsigned int accepted = 0, present = 0;
    int dav = 0;
    const char *c, *esc;
    int blank = 1;

    if (vlen + 1 < size) {
        accepted = data[vlen + 1] & RP_HDR_ALL;
        present = (data[vlen + 1] >> 4) & RP_HDR_ALL;
        dav = vlen + 2 < size ? data[vlen + 2] & 1 : 0;
    }

    for (c = value; *c; c++) {
        if (*c != ' ' && *c != '\t') {
            blank = 0;
        }
    }
    FUZZ_ASSERT(rp_value_present(value) == !blank);
    FUZZ_ASSERT(!rp_value_present(NULL));

    FUZZ_ASSERT(rp_date_usable(value)
                == (apr_date_parse_http(value) != APR_DATE_BAD));
    if (rp_date_usable(value)) {
        FUZZ_ASSERT(!blank);
    }

    /* The whole write: what counted is one header the set allows, and
     * a header that counted on its own rule. */
    {
        rp_write_t w = { 0 };
        unsigned int reason;
        int cond;

        w.if_match = (present & RP_HDR_IF_MATCH) ? value : NULL;
        w.if_none_match = (present & RP_HDR_IF_NONE_MATCH) ? value : NULL;
        w.if_unmodified_since = (present & RP_HDR_IF_UNMODIFIED_SINCE)
                                ? value : NULL;
        w.if_header = (present & RP_HDR_IF) ? value : NULL;
        w.overwrite = value;
        w.target = "/d/a";
        w.request_time = apr_time_from_sec(1700000000);
        w.accepted = accepted;
        w.dav = dav;
        w.destination = vlen + 3 < size ? data[vlen + 3] & 1 : 0;
        w.accept_star = vlen + 3 < size ? (data[vlen + 3] >> 1) & 1 : 0;
        w.collection = vlen + 3 < size ? (data[vlen + 3] >> 2) & 1 : 0;
        w.properties = vlen + 3 < size ? (data[vlen + 3] >> 3) & 1 : 0;
        reason = rp_judge(&w);
        cond = reason != 0;
        FUZZ_ASSERT(!reason || (reason & rp_counted_set(&w)));
        FUZZ_ASSERT(!cond || !blank);
        if (!dav) {
            FUZZ_ASSERT(reason != RP_HDR_IF);
        }
        if (w.destination) {
            FUZZ_ASSERT(reason == 0 || reason == RP_HDR_OVERWRITE
                        || reason == RP_HDR_IF);
        }
        if (reason == RP_HDR_IF_MATCH && !w.accept_star) {
            FUZZ_ASSERT(strchr(value, '"') != NULL);
        }
        if (reason == RP_HDR_IF_NONE_MATCH) {
            FUZZ_ASSERT(strchr(value, '*') != NULL);
        }
        /* A collection's or a PROPPATCH's ETag and date do not change. */
        if (w.collection || w.properties) {
            FUZZ_ASSERT(reason != RP_HDR_IF_MATCH
                        && reason != RP_HDR_IF_UNMODIFIED_SINCE);
        }
    }

    esc = rp_json_escape(p, value);
    for (c = esc; *c; c++) {
        FUZZ_ASSERT((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        if (*c == '\\') {
            c++;
            FUZZ_ASSERT(*c == '\\' || *c == '"' || *c == 'u');
        }
        else {
            FUZZ_ASSERT(*c != '"');
        }
    }

    /* The lock key of a resource: any length, any bytes. */
    {
        static const unsigned char key[16] = "0123456789abcdef";
        FUZZ_ASSERT(rp_siphash(key, data, size)
                    == rp_siphash(key, data, size));
    }
    free(value);
    fuzz_end();
    return 0;
}
