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

/* rp_counters.h: every value the module counts, one row each. A row makes
 * its rp_stat_t, its slot in the shared memory (rp_stats.c), its
 * /server-status?auto line and HTML row (rp_stats.c), and its Prometheus
 * series (rp_metrics.c); make lint checks the counter tables of
 * docs/operations.md against it (tools/doccheck.sh, through
 * tools/counter-rows.c). A new counter is one row here.
 *
 * It needs no header of httpd or APR, so that tools/counter-rows.c can
 * print the rows without them.
 *
 * X(NAME, KIND, key, label, prometheus, labels, help):
 *   NAME        RP_STAT_<NAME>, the value's index;
 *   KIND        what the value is, and so how each page writes it:
 *     COUNTER   a count of events. ?auto and HTML: the number; Prometheus:
 *               a counter;
 *     USEC_SUM  microseconds summed over the events of the Waited counter.
 *               ?auto: the number; HTML: in milliseconds; Prometheus: a
 *               summary without quantiles, in seconds, whose _count is
 *               the Waited counter again (RP_STAT_SUMMARY_COUNT);
 *     USEC_MAX  the largest of those, in microseconds. ?auto: the number;
 *               HTML: in milliseconds; Prometheus: a gauge, in seconds;
 *     START     when the counters started (apr_time_t). ?auto: their age
 *               in seconds; HTML: no row (the line above the table says
 *               it); Prometheus: a gauge, in seconds since the epoch;
 *   key         the ?auto key, after "RequirePrecondition";
 *   label       the HTML label, or NULL (no row);
 *   prometheus  the metric family's name, as the scrape shows it (a
 *               counter's ends in _total);
 *   labels      the series' labels inside the braces, or NULL;
 *   help        the family's # HELP text; NULL: another series of the
 *               family of the row before it.
 * The rows are in the order every page shows them.
 */
#ifndef RP_COUNTERS_H
#define RP_COUNTERS_H

#define RP_STAT_ROWS(X) \
    X(JUDGED, COUNTER, "Judged", "guarded writes judged", \
      "require_precondition_judged_total", NULL, \
      "Guarded writes that RequirePrecondition (On or ReportOnly) judged.") \
    /* let through, by the header that counted */ \
    X(PASS_IF_MATCH, COUNTER, "PassedIfMatch", "let through by If-Match", \
      "require_precondition_passed_total", "header=\"if-match\"", \
      "Guarded writes let through, by the header that counted.") \
    X(PASS_IF_NONE_MATCH, COUNTER, "PassedIfNoneMatch", \
      "let through by If-None-Match", \
      "require_precondition_passed_total", "header=\"if-none-match\"", NULL) \
    X(PASS_IF_UNMODIFIED_SINCE, COUNTER, "PassedIfUnmodifiedSince", \
      "let through by If-Unmodified-Since", \
      "require_precondition_passed_total", \
      "header=\"if-unmodified-since\"", NULL) \
    X(PASS_IF, COUNTER, "PassedIf", "let through by If (WebDAV)", \
      "require_precondition_passed_total", "header=\"if\"", NULL) \
    /* Overwrite: F on a COPY/MOVE destination */ \
    X(PASS_OVERWRITE, COUNTER, "PassedOverwrite", \
      "let through by Overwrite: F (COPY/MOVE)", \
      "require_precondition_passed_total", "header=\"overwrite\"", NULL) \
    /* answered 428 */ \
    X(REFUSED, COUNTER, "Refused", "refused with 428", \
      "require_precondition_missing_total", "decision=\"refused\"", \
      "Guarded writes without a precondition, by what was done: refused " \
      "with 428, or let through by ReportOnly.") \
    /* would have been refused (ReportOnly) */ \
    X(REPORT_ONLY, COUNTER, "ReportOnly", "would be refused (ReportOnly)", \
      "require_precondition_missing_total", "decision=\"report_only\"", \
      NULL) \
    /* took the resource's lock */ \
    X(SERIALIZED, COUNTER, "Serialized", "serialized writes", \
      "require_precondition_serialized_total", NULL, \
      "Writes that took their resource's lock " \
      "(RequirePreconditionSerialize).") \
    /* ... after waiting for another write (rp_stats_wait) */ \
    X(WAITED, COUNTER, "Waited", "serialized writes that waited", \
      "require_precondition_serialized_waited_total", NULL, \
      "Serialized writes that waited for another write first.") \
    /* gave up waiting: 503 */ \
    X(TIMEOUT, COUNTER, "Timeouts", "gave up waiting: 503", \
      "require_precondition_lock_timeouts_total", NULL, \
      "Writes that gave up waiting for the lock: 503.") \
    /* the lock server (RequirePreconditionLockServer): locks taken */ \
    X(LOCK_SERVER_TAKEN, COUNTER, "LockServerTaken", \
      "lock server: locks taken", \
      "require_precondition_lock_server_total", "result=\"taken\"", \
      "Writes' lock requests to the lock server " \
      "(RequirePreconditionLockServer), by result: taken, timed out " \
      "(503), failed (503: no member could be asked, or it answered " \
      "with an error).") \
    X(LOCK_SERVER_TIMEOUT, COUNTER, "LockServerTimedOut", \
      "lock server: timed out (503)", \
      "require_precondition_lock_server_total", "result=\"timed_out\"", \
      NULL) \
    X(LOCK_SERVER_FAILED, COUNTER, "LockServerFailed", \
      "lock server: failed (503)", \
      "require_precondition_lock_server_total", "result=\"failed\"", NULL) \
    /* body read before the lock (rp_spool.c) */ \
    X(SPOOLED, COUNTER, "Spooled", \
      "serialized writes whose body was read before the lock", \
      "require_precondition_spooled_total", NULL, \
      "Serialized writes whose body was read before the lock.") \
    X(SPOOLED_BYTES, COUNTER, "SpooledBytes", \
      "bytes of the bodies read before the lock", \
      "require_precondition_spooled_bytes_total", NULL, \
      "The bytes of the bodies read before the lock.") \
    /* validator look-ups (Evaluate, rp_evaluate.c) */ \
    X(LOOKUPS, COUNTER, "Lookups", \
      "validator look-ups for a backend (Evaluate)", \
      "require_precondition_lookups_total", NULL, \
      "Validator look-ups RequirePreconditionEvaluate made for a backend.") \
    /* ... whose write got 412 from httpd */ \
    X(EVAL_FAILED, COUNTER, "BackendPreconditionFailed", \
      "writes refused with 412 for a backend", \
      "require_precondition_backend_failed_total", NULL, \
      "Writes httpd refused with 412 for a backend (Evaluate).") \
    /* ... that failed: 5xx, nothing forwarded */ \
    X(LOOKUP_FAILED, COUNTER, "LookupFailures", \
      "validator look-ups that failed: 5xx, nothing forwarded", \
      "require_precondition_lookup_failures_total", NULL, \
      "Validator look-ups that failed: 5xx, nothing forwarded.") \
    /* the waits of the Waited writes (rp_stats_wait) */ \
    X(WAIT_TOTAL, USEC_SUM, "WaitMicrosecondsTotal", "total wait (ms)", \
      "require_precondition_lock_wait_seconds", NULL, \
      "Time serialized writes waited for the lock (those that waited).") \
    X(WAIT_MAX, USEC_MAX, "WaitMicrosecondsMax", "longest wait (ms)", \
      "require_precondition_lock_wait_max_seconds", NULL, \
      "The longest wait for the lock since the counters started.") \
    X(SINCE, START, "CountingSeconds", NULL, \
      "require_precondition_start_time_seconds", NULL, \
      "When the counters started, in seconds since the epoch (the " \
      "server's start: restarts keep them).")

typedef enum {
#define RP_STAT_ENUM(name, kind, key, label, prom, labels, help) \
    RP_STAT_##name,
    RP_STAT_ROWS(RP_STAT_ENUM)
#undef RP_STAT_ENUM
    RP_STAT_COUNT               /* the number of rows */
} rp_stat_t;

typedef enum {
    RP_STAT_KIND_COUNTER,
    RP_STAT_KIND_USEC_SUM,
    RP_STAT_KIND_USEC_MAX,
    RP_STAT_KIND_START
} rp_stat_kind_t;

/* The counter that a USEC_SUM row's Prometheus summary counts in _count. */
#define RP_STAT_SUMMARY_COUNT RP_STAT_WAITED

/* One row, for a table made with RP_STAT_ROW_INIT. */
typedef struct {
    rp_stat_kind_t kind;
    const char *key;
    const char *label;
    const char *prometheus;
    const char *labels;
    const char *help;
} rp_stat_row_t;

#define RP_STAT_ROW_INIT(name, kind, key, label, prom, labels, help) \
    { RP_STAT_KIND_##kind, key, label, prom, labels, help },

#endif /* RP_COUNTERS_H */
