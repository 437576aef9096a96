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

/* rp_lock.h: the lock engine of RequirePreconditionSerialize.
 *
 * A write locks the resources it acts on, by identity (device and inode of
 * the folders and files, not the URL), in one lock file, with Linux open
 * file description byte-range locks: one description per request holds all
 * of its locks, and closing it (at the end of the response, or the death of
 * the process) drops them. The lock file is anonymous (one per server), or
 * the file RequirePreconditionLockFile names, which several servers on
 * shared storage may name together.
 *
 * The engine is rp_lockfile.c (no httpd type there); this is its httpd
 * side. On a platform without open file description locks the module
 * still builds (rp_lockfile_none.c); RequirePreconditionSerialize On is
 * then refused at start-up.
 */
#ifndef RP_LOCK_H
#define RP_LOCK_H

#include "httpd.h"
#include "http_config.h"

/* RequirePreconditionLockFile path (server config only). */
const char *rp_lock_set_file(cmd_parms *cmd, void *dconf, const char *arg);

/* RequirePreconditionSerialize was seen in the section cmd->path (NULL:
 * the server's own) of cmd->server: with On, the start-up checks refuse
 * what cannot work (rp_srv_conf_t's serialize_used, which the whole
 * configuration's servers add up); either way it goes into the
 * fingerprint that servers sharing a lock file compare. */
void rp_lock_note_serialize(cmd_parms *cmd, int on);

/* Hooks, called by the module's own hooks of the same name. */
void rp_lock_register_hooks(apr_pool_t *p);
int rp_lock_check_config(apr_pool_t *pconf, server_rec *s);
int rp_lock_post_config(apr_pool_t *pconf, server_rec *s);
void rp_lock_child_init(apr_pool_t *p, server_rec *s);

/* Lock what r writes: its own target and, for COPY and MOVE, the
 * destination `dest` (a lookup sub-request of the Destination; NULL when
 * there is none). Waits up to `timeout`. `brief`: r holds the locks only
 * while it commits (its body, if it has one, is read), so that a file it
 * writes may take the engine's short path. Returns DECLINED once everything
 * is held (until the response's end passes the protocol filters, or r's
 * pool goes; a request that r was internally redirected from and that
 * holds its locks already makes this a no-op), or the status
 * to answer with: 503 after the timeout (with Retry-After) or when a lock
 * operation fails. */
int rp_lock_request(request_rec *r, request_rec *dest,
                    apr_interval_time_t timeout, int brief);

#endif /* RP_LOCK_H */
