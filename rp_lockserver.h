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

/* rp_lockserver.h: the httpd side of RequirePreconditionLockServer: the
 * lock store that gateways without shared storage share (etcd, rp_etcd.c).
 *
 * A resource keyed by its URL (anything but a file mod_dav serves) is
 * locked in the lock file first, which excludes the writers of this
 * server, and then, with the lock server configured, in the lock server,
 * which excludes the other gateways' writers. Files mod_dav serves keep
 * the lock file alone: it lives on their storage.
 */
#ifndef RP_LOCKSERVER_H
#define RP_LOCKSERVER_H

#include "httpd.h"
#include "http_config.h"

#include "rp_module.h"      /* rp_srv_conf_t */

/* RequirePreconditionLockServer etcd URL [URL ...] [prefix=/PATH] */
const char *rp_lockserver_set(cmd_parms *cmd, void *dconf, int argc,
                              char *const argv[]);
/* RequirePreconditionLockServerTLS CERT KEY CA */
const char *rp_lockserver_set_tls(cmd_parms *cmd, void *dconf,
                                  const char *cert, const char *key,
                                  const char *ca);
/* RequirePreconditionLockLease SECONDS */
const char *rp_lockserver_set_lease(cmd_parms *cmd, void *dconf,
                                    const char *arg);

/* Checks what the directives say together, and makes the client of this
 * configuration; on a start, asks the members (a warning when none
 * answers: the server starts anyway, and writes get 503 until one does). */
int rp_lockserver_post_config(apr_pool_t *pconf, server_rec *s);
void rp_lockserver_child_init(apr_pool_t *pchild, server_rec *s);

/* Is a lock server configured (its client made at start-up)? */
int rp_lockserver_used(const rp_srv_conf_t *sc);

/* Lock the resources `names` (n URLs) in the lock server, in `locks` (the
 * pool whose end releases them), until `deadline`. DECLINED once held, or
 * 503 (with Retry-After): timed out, or the lock server could not be
 * asked (the log says which member and why). */
int rp_lockserver_lock(const rp_srv_conf_t *sc, request_rec *r,
                       apr_pool_t *locks, const char *const *names, int n,
                       apr_time_t deadline);

#endif /* RP_LOCKSERVER_H */
