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

/* rp_stats.c: the counters of mod_require_precondition and their section
 * in mod_status. See rp_stats.h.
 *
 * The shared memory is anonymous (nothing on disk, nothing to clean up
 * after any kind of stop) and lives in the process pool, which httpd keeps
 * for as long as the parent runs: graceful and plain restarts keep the
 * counts, only stopping the server resets them.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_status.h"

#include "apr_atomic.h"
#include "apr_optional_hooks.h"
#include "apr_shm.h"
#include "apr_strings.h"

#include "rp_module.h"
#include "rp_policy.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

/* The shared memory holds one rp_stats_values_t (rp_stats.h). */
typedef rp_stats_values_t rp_counters_t;

/* The process's view of that memory, set by every post_config
 * (rp_stats_init). Not in the server-wide record: the memory outlives
 * the configuration cycles (the process pool keeps it), and the counters
 * are counted from every layer, many of which have no server at hand. */
static rp_counters_t *rp_counters;

const rp_stat_row_t rp_stat_rows[RP_STAT_COUNT] = {
    RP_STAT_ROWS(RP_STAT_ROW_INIT)
};

int rp_stats_read(rp_stats_values_t *out)
{
    int i;

    if (!rp_counters) {
        return 0;
    }
    for (i = 0; i < RP_STAT_COUNT; i++) {
        out->value[i] = apr_atomic_read64(&rp_counters->value[i]);
    }
    return 1;
}

void rp_stats_count(rp_stat_t which)
{
    if (rp_counters) {
        apr_atomic_inc64(&rp_counters->value[which]);
    }
}

void rp_stats_add(rp_stat_t which, apr_uint64_t n)
{
    if (rp_counters) {
        apr_atomic_add64(&rp_counters->value[which], n);
    }
}

void rp_stats_wait(apr_interval_time_t waited)
{
    apr_uint64_t us = waited > 0 ? (apr_uint64_t)waited : 0;
    apr_uint64_t max;

    if (!rp_counters || us == 0) {
        return;
    }
    apr_atomic_inc64(&rp_counters->value[RP_STAT_WAITED]);
    apr_atomic_add64(&rp_counters->value[RP_STAT_WAIT_TOTAL], us);
    max = apr_atomic_read64(&rp_counters->value[RP_STAT_WAIT_MAX]);
    while (us > max) {
        apr_uint64_t seen = apr_atomic_cas64(
            &rp_counters->value[RP_STAT_WAIT_MAX], us, max);

        if (seen == max) {
            break;
        }
        max = seen;
    }
}

rp_stat_t rp_stats_kind(unsigned int header_bits)
{
    if (header_bits & RP_HDR_IF_MATCH) {
        return RP_STAT_PASS_IF_MATCH;
    }
    if (header_bits & RP_HDR_IF_NONE_MATCH) {
        return RP_STAT_PASS_IF_NONE_MATCH;
    }
    if (header_bits & RP_HDR_IF_UNMODIFIED_SINCE) {
        return RP_STAT_PASS_IF_UNMODIFIED_SINCE;
    }
    if (header_bits & RP_HDR_IF) {
        return RP_STAT_PASS_IF;
    }
    return RP_STAT_PASS_OVERWRITE;
}

apr_status_t rp_stats_init(server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    const char *userdata_key = rp_state_key(s->process->pconf, "stats",
                                            sizeof(rp_counters_t));
    apr_shm_t *shm = NULL;

    /* A graceful restart onto another release starts the counters again:
     * the memory the last one left has its layout, not ours. */
    apr_pool_userdata_get((void **)&shm, userdata_key, process_pool);
    if (!shm) {
        apr_status_t rv = apr_shm_create(&shm, sizeof(rp_counters_t), NULL,
                                         process_pool);

        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, RPLOGNO(00014)
                         "cannot make the shared memory for the "
                         "RequirePrecondition counters");
            return rv;
        }
        memset(apr_shm_baseaddr_get(shm), 0, sizeof(rp_counters_t));
        ((rp_counters_t *)apr_shm_baseaddr_get(shm))->value[RP_STAT_SINCE]
            = (apr_uint64_t)apr_time_now();
        apr_pool_userdata_set(shm, userdata_key, apr_pool_cleanup_null,
                              process_pool);
    }
    rp_counters = apr_shm_baseaddr_get(shm);
    return APR_SUCCESS;
}

/* One ?auto line: "RequirePrecondition<key>: <value>". */
static void rp_stats_auto(request_rec *r, const rp_stat_row_t *row,
                          apr_uint64_t v)
{
    if (row->kind == RP_STAT_KIND_START) {
        /* The counters' age, in seconds. */
        ap_rprintf(r, "RequirePrecondition%s: %" APR_TIME_T_FMT "\n",
                   row->key, apr_time_sec(apr_time_now() - (apr_time_t)v));
        return;
    }
    ap_rprintf(r, "RequirePrecondition%s: %" APR_UINT64_T_FMT "\n",
               row->key, v);
}

/* One HTML row, between `before` and `after`: "<label><between><value>";
 * microseconds as milliseconds ("12.345"). */
static void rp_stats_html(request_rec *r, const rp_stat_row_t *row,
                          apr_uint64_t v, const char *before,
                          const char *between, const char *after)
{
    if (row->kind == RP_STAT_KIND_USEC_SUM
        || row->kind == RP_STAT_KIND_USEC_MAX) {
        ap_rprintf(r, "%s%s%s%" APR_UINT64_T_FMT ".%03u%s", before,
                   row->label, between, v / 1000, (unsigned)(v % 1000),
                   after);
        return;
    }
    ap_rprintf(r, "%s%s%s%" APR_UINT64_T_FMT "%s", before, row->label,
               between, v, after);
}

static int rp_stats_status(request_rec *r, int flags)
{
    rp_stats_values_t now;
    const int notable = (flags & AP_STATUS_NOTABLE) != 0;
    int i;

    if (!rp_stats_read(&now)) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < RP_STAT_COUNT; i++) {
            rp_stats_auto(r, &rp_stat_rows[i], now.value[i]);
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>RequirePrecondition</h2>\n", r);
    ap_rprintf(r, "<p>Counting since %s, summed over all children "
               "(kept across restarts, reset when the server stops).</p>\n",
               ap_ht_time(r->pool, (apr_time_t)now.value[RP_STAT_SINCE],
                          "%Y-%m-%d %H:%M:%S %Z", 0));
    /* ?notable: a list, as mod_status's own sections then are. */
    ap_rputs(notable ? "<dl>\n" : "<table border=\"0\">\n", r);
    for (i = 0; i < RP_STAT_COUNT; i++) {
        if (!rp_stat_rows[i].label) {
            continue;
        }
        if (notable) {
            rp_stats_html(r, &rp_stat_rows[i], now.value[i], "<dt>", ": ",
                          "</dt>\n");
        }
        else {
            rp_stats_html(r, &rp_stat_rows[i], now.value[i], "<tr><td>",
                          "</td><td>", "</td></tr>\n");
        }
    }
    ap_rputs(notable ? "</dl>\n" : "</table>\n", r);
    return OK;
}

void rp_stats_register_hooks(apr_pool_t *p)
{
    (void)p;
    APR_OPTIONAL_HOOK(ap, status_hook, rp_stats_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
