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

/* rp_module.h: what the module's httpd files share and nothing else
 * needs: the module record, the log message tags, the notes of their own,
 * the server-wide record (rp_srv_conf_t) and the questions every layer
 * asks of a request. The section's configuration is rp_conf.h. */

#ifndef RP_MODULE_H
#define RP_MODULE_H

#include "httpd.h"
#include "http_config.h"

#include <string.h>

#include "mod_require_precondition.h"   /* the version, the public notes */
#include "rp_conf.h"                    /* rp_dir_conf, RP_VALUE, RP_BIT */
#include "rp_etcd.h"                    /* rp_etcd_conf_t, rp_etcd_t */
#include "rp_lockfile.h"                /* rp_lockfile_t */

/* The module record (mod_require_precondition.c). */
extern module AP_MODULE_DECLARE_DATA require_precondition_module;

/* A unique tag at the start of every log message, as httpd's APLOGNO:
 *     ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00001) "...");
 * gives "RP00001: ...". Write a new message with an empty RPLOGNO() and
 * run tools/lognos.sh --fill, which gives it the next free number;
 * tools/lognos.sh --check (make lint) fails on a duplicate number and on
 * a log call without a tag. */
#define RPLOGNO(n) "RP" #n ": "

/* The module's own notes (r->notes); the public ones are in
 * mod_require_precondition.h. */
#define RP_NOTE_JSON      "require-precondition-json"
#define RP_NOTE_DEFERRED  "require-precondition-serialize-deferred"
/* Where a method override was found, for the log lines. */
#define RP_NOTE_OVERRIDE  "require-precondition-override"
/* The guarded member of a removed collection, or the real file a link
 * leads to, for the log lines. */
#define RP_NOTE_MEMBER    "require-precondition-member"
/* A form POST judged as a write because its _method could not be read
 * (rp_override.c): under ReportOnly it is only reported. */
#define RP_NOTE_FORM_UNREAD "require-precondition-form-unread"

/* What a graceful restart from another release left (rp_upgrade.c). */
typedef struct rp_upgrade_t rp_upgrade_t;

/* The server-wide record, as mod_md's md_mod_conf_t: one for the whole
 * configuration. The directives that write it are server config only
 * (GLOBAL_ONLY), so the main server's record is the one; the merge
 * (mod_require_precondition.c) adds a virtual host's notes of its
 * sections' RequirePreconditionSerialize into it and gives every virtual
 * host that same record, so rp_srv_conf(r->server) finds it from any
 * request. Made in pconf by create_server_config from rp_srv_defaults
 * (mod_require_precondition.c, the one place of its defaults), so a new
 * configuration cycle starts from them without a reset. What outlives a
 * cycle (the lock file, the counters' memory) is kept in the process pool
 * under rp_state_key and only pointed to from here. */
typedef struct {
    /* The directives. */
    const char *lock_path;          /* RequirePreconditionLockFile; NULL:
                                     * the anonymous file */
    const char *spool_dir;          /* RequirePreconditionSpoolDir; NULL:
                                     * the system's (found at start-up) */
    rp_etcd_conf_t lock_server;     /* RequirePreconditionLockServer, ...TLS
                                     * and RequirePreconditionLockLease */
    int lease_set;                  /* RequirePreconditionLockLease seen */

    /* What the sections say (each server's own until the merge). */
    int serialize_used;             /* Serialize On (or Evaluate) seen */
    apr_uint64_t fingerprint;       /* what is serialized, where: servers
                                     * sharing a lock file compare it */

    /* Made at start-up, read by requests. */
    const rp_lockfile_t *lockfile;  /* NULL: none (see the start-up log) */
    rp_etcd_t *etcd;                /* the lock server's client, or NULL */
    rp_upgrade_t *upgrade;          /* NULL: no other release's files */
    apr_array_header_t *guarded_sections;   /* rp_walk.c */
    int sections_guarded;           /* how many: the pass-through reads it */
    int dir_guarded;                /* a <Directory> among them: likewise */
    const char **html_bodies;       /* the 428 bodies and header lists for */
    const char **json_bodies;       /* every set of counted headers, */
    const char **header_lists;      /* [RP_COUNTED_MAX + 1] (rp_request.c) */
} rp_srv_conf_t;

/* The server-wide record, from any server (r->server, cmd->server once
 * merged, the main server at start-up). */
static APR_INLINE rp_srv_conf_t *rp_srv_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config,
                                &require_precondition_module);
}

/* Bodies up to this size are read and discarded after a 428 so that the
 * connection can be kept alive; larger or chunked ones close it instead. */
#define RP_DRAIN_MAX  ((apr_off_t)65536)

/* Is mod_dav serving r? Its fixup names its handler. */
static APR_INLINE int rp_is_dav(const request_rec *r)
{
    return r->handler && !strcmp(r->handler, "dav-handler");
}

/* Does r say it has a body (Transfer-Encoding, or a Content-Length that
 * is not 0)? */
int rp_has_body(const request_rec *r);

/* The key under which the process pool keeps `what` across a graceful
 * restart (the lock file, the counters' memory), naming this version and
 * the layout's size: a module of another release, loaded by the restart,
 * never reads it as its own, and builds its own instead. */
const char *rp_state_key(apr_pool_t *p, const char *what, apr_size_t layout);

#endif /* RP_MODULE_H */
