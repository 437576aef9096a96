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

/* rp_upgrade.h: a graceful restart onto this release from another one
 * (rp_upgrade.c). The writers of the generation that the other release
 * started hold their locks in its own anonymous lock file, whose layout
 * and key this release does not read; until that generation's last
 * process is gone, this generation's writers wait for them there. */

#ifndef RP_UPGRADE_H
#define RP_UPGRADE_H

#include "httpd.h"

#include "rp_module.h"      /* rp_upgrade_t, rp_srv_conf_t */

/* In the parent, at every start: when the generation before ran another
 * release (the process pool says which, as a plain string that every
 * release from 0.4.0 on keeps under one key), and the lock file is the
 * anonymous one (own_fd, or -1 for a named one, which every release
 * shares in one format), the other releases' lock files it inherited,
 * kept in the server-wide record of s (the main server). */
void rp_upgrade_start(server_rec *s, int own_fd);

/* Before a write takes its locks: while a process of another generation
 * is alive, hold every lock file found above (`u`, the record's; NULL
 * when none was looked for) whole (closed with r's pool), waiting until
 * `deadline`; destroying `locks` ends the holds. 0, ETIMEDOUT or an
 * errno. */
int rp_upgrade_wait(rp_upgrade_t *u, apr_pool_t *locks, apr_time_t deadline);

#endif /* RP_UPGRADE_H */
