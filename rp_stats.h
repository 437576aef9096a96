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

/* rp_stats.h: the counters of mod_require_precondition, summed over every
 * child and thread, shown by mod_status (/server-status and ?auto).
 *
 * One array of 64-bit counters in anonymous shared memory that the parent
 * makes once per server lifetime; children and threads update it with APR
 * atomics. Nothing here is called on the pass-through path.
 */
#ifndef RP_STATS_H
#define RP_STATS_H

#include "httpd.h"
#include "apr_time.h"

/* The counters' rows: rp_stat_t and the table below. */
#include "rp_counters.h"

/* The counters as they stand, one value a row of rp_counters.h (the
 * START row's is an apr_time_t): the shared memory's layout, and what
 * rp_stats_read copies out for a reader (the status page, the metrics). */
typedef struct {
    apr_uint64_t value[RP_STAT_COUNT];
} rp_stats_values_t;

/* rp_counters.h's rows, in rp_stat_t order. */
extern const rp_stat_row_t rp_stat_rows[RP_STAT_COUNT];

/* Make (first start) or find again (restart) the shared counters. */
apr_status_t rp_stats_init(server_rec *s);

/* Register the mod_status hook. */
void rp_stats_register_hooks(apr_pool_t *p);

/* Copy the counters into *out, one atomic read each, without a lock.
 * Returns 0 (and leaves *out alone) when there are no counters yet. */
int rp_stats_read(rp_stats_values_t *out);

/* Add one to a counter (a COUNTER row). */
void rp_stats_count(rp_stat_t which);

/* Add n to a counter (a COUNTER row). */
void rp_stats_add(rp_stat_t which, apr_uint64_t n);

/* A serialized write that had to wait `waited` for the lock: counts it in
 * RP_STAT_WAITED, RP_STAT_WAIT_TOTAL and RP_STAT_WAIT_MAX. 0: it did not
 * wait. */
void rp_stats_wait(apr_interval_time_t waited);

/* The RP_STAT_PASS_* counter for the RP_HDR_* bit that counted (rp_judge's
 * reason; with several bits, the first in rp_stats_kind's order). */
rp_stat_t rp_stats_kind(unsigned int header_bits);

#endif /* RP_STATS_H */
