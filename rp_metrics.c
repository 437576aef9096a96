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
 * The answer is built from the rows of rp_counters.h, which also make the
 * status page's lines: a counter is one row there.
 * A scrape reads the shared memory as the status page does, with atomic
 * reads and no lock, and writes straight into the response: nothing is
 * allocated for it beyond the response's own buckets.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "rp_module.h"
#include "rp_metrics.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

#define RP_METRICS_TYPE "text/plain; version=0.0.4"

/* Seconds from microseconds, exactly: "12.000345". */
static void rp_metrics_seconds(request_rec *r, const char *name,
                               const char *suffix, apr_uint64_t us)
{
    ap_rprintf(r, "%s%s %" APR_UINT64_T_FMT ".%06u\n", name, suffix,
               us / APR_USEC_PER_SEC, (unsigned)(us % APR_USEC_PER_SEC));
}

/* One row of rp_counters.h: its family's # HELP and # TYPE when the row
 * starts one, then its series. The lock wait is a summary without
 * quantiles: its _count is the waited counter again, so that
 * rate(_sum) / rate(_count) is the mean wait. */
static void rp_metrics_row(request_rec *r, const rp_stat_row_t *m,
                           const rp_stats_values_t *v, apr_uint64_t value)
{
    static const char *const type[] = {
        [RP_STAT_KIND_COUNTER] = "counter",
        [RP_STAT_KIND_USEC_SUM] = "summary",
        [RP_STAT_KIND_USEC_MAX] = "gauge",
        [RP_STAT_KIND_START] = "gauge",
    };

    if (m->help) {
        ap_rprintf(r, "# HELP %s %s\n# TYPE %s %s\n", m->prometheus,
                   m->help, m->prometheus, type[m->kind]);
    }
    switch (m->kind) {
    case RP_STAT_KIND_COUNTER:
        ap_rprintf(r, "%s%s%s%s %" APR_UINT64_T_FMT "\n", m->prometheus,
                   m->labels ? "{" : "", m->labels ? m->labels : "",
                   m->labels ? "}" : "", value);
        break;
    case RP_STAT_KIND_USEC_SUM:
        rp_metrics_seconds(r, m->prometheus, "_sum", value);
        ap_rprintf(r, "%s_count %" APR_UINT64_T_FMT "\n", m->prometheus,
                   v->value[RP_STAT_SUMMARY_COUNT]);
        break;
    case RP_STAT_KIND_USEC_MAX:
    case RP_STAT_KIND_START:
        rp_metrics_seconds(r, m->prometheus, "", value);
        break;
    }
}

/* The rows of rp_counters.h, in their order. */
static void rp_metrics_write(request_rec *r, const rp_stats_values_t *v)
{
    int i;

    for (i = 0; i < RP_STAT_COUNT; i++) {
        rp_metrics_row(r, &rp_stat_rows[i], v, v->value[i]);
    }
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

/* A row without a help text must follow a row of its family: rp_counters.h
 * is checked at start-up. */
static int rp_metrics_check(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    int i;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (i = 0; i < RP_STAT_COUNT; i++) {
        const rp_stat_row_t *m = &rp_stat_rows[i];
        const rp_stat_row_t *prev = i > 0 ? &rp_stat_rows[i - 1] : NULL;

        if (!m->help && (!prev || prev->kind != m->kind
                         || strcmp(prev->prometheus, m->prometheus) != 0)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00052)
                         "rp_counters.h: row %d (%s) has no help text and "
                         "does not follow a row of its family", i,
                         m->prometheus);
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
