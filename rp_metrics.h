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

/* rp_metrics.h: SetHandler require-precondition-metrics, the counters of
 * rp_stats.h in the Prometheus text exposition format (version 0.0.4),
 * for a Prometheus server or an OpenTelemetry collector to scrape.
 */
#ifndef RP_METRICS_H
#define RP_METRICS_H

#include "apr_pools.h"

/* The handler's name, as SetHandler takes it. */
#define RP_METRICS_HANDLER "require-precondition-metrics"

/* Register the handler and the start-up check of the metrics table. */
void rp_metrics_register_hooks(apr_pool_t *p);

#endif /* RP_METRICS_H */
