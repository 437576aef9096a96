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

/* rp_metrics.c: the counters of rp_stats.h as Prometheus metrics.
 *
 * The answer is built from one table, a row a counter: a counter that
 * rp_stats.h gains is one row here (the build fails until it has one).
 * A scrape reads the shared memory as the status page does, with atomic
 * reads and no lock, and writes straight into the response: nothing is
 * allocated for it beyond the response's own buckets.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "mod_require_precondition.h"
#include "rp_metrics.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

#define RP_METRICS_TYPE "text/plain; version=0.0.4"

/* One counter of rp_stat_t as a Prometheus series. A row with a help text
 * starts a metric family (its # HELP and # TYPE lines); the rows that
 * follow it without one are the family's other label values. */
typedef struct {
    rp_stat_t stat;
    const char *name;           /* without the _total the counter gets */
    const char *labels;         /* inside the braces, or NULL */
    const char *help;
} rp_metric_row_t;

static const rp_metric_row_t rp_metric_rows[] = {
    { RP_STAT_JUDGED, "require_precondition_judged", NULL,
      "Guarded writes that RequirePrecondition (On or ReportOnly) judged." },
    { RP_STAT_PASS_IF_MATCH, "require_precondition_passed",
      "header=\"if-match\"",
      "Guarded writes let through, by the header that counted." },
    { RP_STAT_PASS_IF_NONE_MATCH, "require_precondition_passed",
      "header=\"if-none-match\"", NULL },
    { RP_STAT_PASS_IF_UNMODIFIED_SINCE, "require_precondition_passed",
      "header=\"if-unmodified-since\"", NULL },
    { RP_STAT_PASS_IF, "require_precondition_passed", "header=\"if\"", NULL },
    { RP_STAT_PASS_OVERWRITE, "require_precondition_passed",
      "header=\"overwrite\"", NULL },
    { RP_STAT_REFUSED, "require_precondition_missing",
      "decision=\"refused\"",
      "Guarded writes without a precondition, by what was done: refused "
      "with 428, or let through by ReportOnly." },
    { RP_STAT_REPORT_ONLY, "require_precondition_missing",
      "decision=\"report_only\"", NULL },
    { RP_STAT_SERIALIZED, "require_precondition_serialized", NULL,
      "Writes that took their resource's lock (RequirePreconditionSerialize)."
    },
    { RP_STAT_WAITED, "require_precondition_serialized_waited", NULL,
      "Serialized writes that waited for another write first." },
    { RP_STAT_TIMEOUT, "require_precondition_lock_timeouts", NULL,
      "Writes that gave up waiting for the lock: 503." },
    { RP_STAT_SPOOLED, "require_precondition_spooled", NULL,
      "Serialized writes whose body was read before the lock." },
    { RP_STAT_SPOOLED_BYTES, "require_precondition_spooled_bytes", NULL,
      "The bytes of the bodies read before the lock." },
    { RP_STAT_LOOKUPS, "require_precondition_lookups", NULL,
      "Validator look-ups RequirePreconditionEvaluate made for a backend." },
    { RP_STAT_EVAL_FAILED, "require_precondition_backend_failed", NULL,
      "Writes httpd refused with 412 for a backend (Evaluate)." },
    { RP_STAT_LOOKUP_FAILED, "require_precondition_lookup_failures", NULL,
      "Validator look-ups that failed: 5xx, nothing forwarded." },
};

/* A counter added to rp_stat_t needs its row above. */
_Static_assert(sizeof(rp_metric_rows) / sizeof(rp_metric_rows[0])
               == RP_STAT_COUNT,
               "rp_metric_rows needs one row for each rp_stat_t counter");

/* Seconds from microseconds, exactly: "12.000345". */
static void rp_metrics_seconds(request_rec *r, const char *name,
                               apr_uint64_t us)
{
    ap_rprintf(r, "%s %" APR_UINT64_T_FMT ".%06u\n", name,
               us / APR_USEC_PER_SEC, (unsigned)(us % APR_USEC_PER_SEC));
}

/* The table's counters, then what is not a plain count: the lock wait as
 * a summary without quantiles (its _count is the waited counter again,
 * so that rate(_sum) / rate(_count) is the mean wait) and two gauges. */
static void rp_metrics_write(request_rec *r, const rp_stats_values_t *v)
{
    const int rows = (int)(sizeof(rp_metric_rows) / sizeof(rp_metric_rows[0]));
    int i;

    for (i = 0; i < rows; i++) {
        const rp_metric_row_t *m = &rp_metric_rows[i];

        if (m->help) {
            ap_rprintf(r, "# HELP %s_total %s\n# TYPE %s_total counter\n",
                       m->name, m->help, m->name);
        }
        ap_rprintf(r, "%s_total%s%s%s %" APR_UINT64_T_FMT "\n", m->name,
                   m->labels ? "{" : "", m->labels ? m->labels : "",
                   m->labels ? "}" : "", v->count[m->stat]);
    }
    ap_rputs("# HELP require_precondition_lock_wait_seconds Time serialized "
             "writes waited for the lock (those that waited).\n"
             "# TYPE require_precondition_lock_wait_seconds summary\n", r);
    rp_metrics_seconds(r, "require_precondition_lock_wait_seconds_sum",
                       v->wait_total);
    ap_rprintf(r, "require_precondition_lock_wait_seconds_count %"
               APR_UINT64_T_FMT "\n", v->count[RP_STAT_WAITED]);
    ap_rputs("# HELP require_precondition_lock_wait_max_seconds The longest "
             "wait for the lock since the counters started.\n"
             "# TYPE require_precondition_lock_wait_max_seconds gauge\n", r);
    rp_metrics_seconds(r, "require_precondition_lock_wait_max_seconds",
                       v->wait_max);
    ap_rputs("# HELP require_precondition_start_time_seconds When the "
             "counters started, in seconds since the epoch (the server's "
             "start: restarts keep them).\n"
             "# TYPE require_precondition_start_time_seconds gauge\n", r);
    rp_metrics_seconds(r, "require_precondition_start_time_seconds",
                       (apr_uint64_t)v->since);
}

/* Ours: GET and HEAD (M_GET with header_only) only; the 405's Allow
 * header lists what r->allowed_methods holds. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int rp_metrics_answer(request_rec *r)
{
    rp_stats_values_t v;

    if (r->method_number != M_GET) {
        ap_allow_methods(r, REPLACE_ALLOW, "GET", "HEAD", NULL);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!rp_stats_read(&v)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00050)
                      "the RequirePrecondition counters are not there: "
                      "no metrics to answer with");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_set_content_type(r, RP_METRICS_TYPE);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only) {
        rp_metrics_write(r, &v);
    }
    return OK;
}

/* Every request of the server passes here: for those that are not ours,
 * one comparison and no stack frame for the counters (the GET
 * pass-through budget). */
static int rp_metrics_handler(request_rec *r)
{
    if (!r->handler || r->handler[0] != RP_METRICS_HANDLER[0]
        || strcmp(r->handler, RP_METRICS_HANDLER) != 0) {
        return DECLINED;
    }
    return rp_metrics_answer(r);
}

/* Each counter in exactly one row: the build checks the number of rows,
 * this that none is named twice (and so none left out), and that a row
 * without a help text follows a row of its family. */
static int rp_metrics_check(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    int seen[RP_STAT_COUNT] = { 0 };
    int i;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (i = 0; i < RP_STAT_COUNT; i++) {
        const rp_metric_row_t *m = &rp_metric_rows[i];

        seen[m->stat]++;
        if (!m->help
            && (i == 0 || strcmp(m->name, rp_metric_rows[i - 1].name) != 0)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00052)
                         "rp_metrics.c: row %d of rp_metric_rows (%s) has "
                         "no help text and does not follow a row of its "
                         "family", i, m->name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    for (i = 0; i < RP_STAT_COUNT; i++) {
        if (seen[i] != 1) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00051)
                         "rp_metrics.c: counter %d of rp_stat_t has %d rows "
                         "in rp_metric_rows, not 1", i, seen[i]);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void rp_metrics_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(rp_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(rp_metrics_check, NULL, NULL, APR_HOOK_MIDDLE);
}
