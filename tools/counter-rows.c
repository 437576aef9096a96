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

/* tools/counter-rows.c: the rows of lib/rp_counters.h as the pages show them,
 * for tools/doccheck.sh (make lint), which compiles it with the C
 * compiler, so that the rows are read as the module's build reads them.
 * Prints, tab-separated, in the rows' order:
 *
 *   auto    <key>              a /server-status?auto line's key, without
 *                              its RequirePrecondition prefix
 *   series  <series> <key>     a Prometheus series as the scrape names it
 *                              (with its labels), and the ?auto key that
 *                              shows the same value
 */
#include <stdio.h>

#include "rp_counters.h"

static const rp_stat_row_t rows[RP_STAT_COUNT] = {
    RP_STAT_ROWS(RP_STAT_ROW_INIT)
};

int main(void)
{
    int i;

    for (i = 0; i < RP_STAT_COUNT; i++) {
        printf("auto\t%s\n", rows[i].key);
    }
    for (i = 0; i < RP_STAT_COUNT; i++) {
        const rp_stat_row_t *m = &rows[i];

        switch (m->kind) {
        case RP_STAT_KIND_COUNTER:
            printf("series\t%s%s%s%s\t%s\n", m->prometheus,
                   m->labels ? "{" : "", m->labels ? m->labels : "",
                   m->labels ? "}" : "", m->key);
            break;
        case RP_STAT_KIND_USEC_SUM:
            printf("series\t%s_sum\t%s\n", m->prometheus, m->key);
            printf("series\t%s_count\t%s\n", m->prometheus,
                   rows[RP_STAT_SUMMARY_COUNT].key);
            break;
        case RP_STAT_KIND_USEC_MAX:
        case RP_STAT_KIND_START:
            printf("series\t%s\t%s\n", m->prometheus, m->key);
            break;
        }
    }
    return 0;
}
