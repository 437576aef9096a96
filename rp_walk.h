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

/* rp_walk.h: what else a write reaches (rp_walk.c). */

#ifndef RP_WALK_H
#define RP_WALK_H

#include "httpd.h"
#include "rp_module.h"

/* Collect the <Location> and <Directory> sections known by their path
 * that turn the rule on, of every virtual host, into the server-wide
 * record (post_config): with how many there are and whether a <Directory>
 * is among them, which the pass-through reads (rp_srv_conf_t). */
void rp_collect_sections(apr_pool_t *p, server_rec *main_server);

/* For a write that removes or overwrites the collection `t` (r itself or
 * the destination sub-request of a COPY or MOVE): the configuration that
 * guards something inside it, or NULL. The member found is noted
 * (RP_NOTE_MEMBER) for the log lines. */
const rp_dir_conf *rp_guarded_inside(request_rec *r, const request_rec *t);

/* The configuration of the file really written, when a link leads there
 * from where httpd walked and it is stricter than `conf` for `method`;
 * else NULL. The real file is noted (RP_NOTE_MEMBER). */
const rp_dir_conf *rp_real_conf(request_rec *r, const rp_dir_conf *conf,
                                int method);

#endif /* RP_WALK_H */
