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

/* rp_etcd.h: per-resource locks in an etcd cluster, so that several
 * gateways that share no storage exclude each other
 * (RequirePreconditionLockServer). APR, libcurl and jansson only: no httpd
 * type; rp_lock.c is the httpd side.
 *
 * etcd's v3 lock service (v3lock, through its JSON gateway: /v3/lock/lock,
 * /v3/lock/unlock) orders the waiters of one name first come, first
 * served, and ties each lock to a lease, so that a gateway that dies
 * leaves its locks for at most the lease's TTL. A process holds one lease,
 * kept alive by a thread of its own for as long as the process runs: a
 * write holds its lock as long as it takes, and a write costs two round
 * trips (lock, unlock).
 *
 * etcd names a lock's key after the name and the lease, so two writers of
 * one process (one lease) would both "hold" one name: the caller must
 * exclude the writers of its own process first (the lock file does, for a
 * whole server). That also makes a retried lock after a lost answer find
 * the key it already holds, and lets a waiter that gave up after its lock
 * was granted delete its key by name.
 *
 * Resources are named by SHA-256 under the prefix, so that no name is a
 * prefix of another (v3lock waits on everything under name + "/").
 */
#ifndef RP_ETCD_H
#define RP_ETCD_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_time.h"
#include "apr_tables.h"

typedef struct rp_etcd rp_etcd_t;
typedef struct rp_etcd_held rp_etcd_held_t;

/* What the configuration says. */
typedef struct {
    apr_array_header_t *members; /* const char *: http(s)://host:port */
    const char *prefix;          /* "/mod_require_precondition" */
    const char *cert;            /* files of the client certificate, its */
    const char *key;             /* key, the CAs to trust (PEM); all or */
    const char *ca;              /* none: NULL */
    int lease;                   /* the lease's TTL, in seconds */
} rp_etcd_conf_t;

/* Messages of the thread that keeps the leases, and of a release that
 * failed. level: 0 error (writes lost their exclusion), 1 warning. */
typedef void rp_etcd_log_fn(void *baton, int level, const char *msg);

/* The lease's bounds, in seconds: etcd raises a shorter TTL to about
 * 1.5 election timeouts anyway. */
#define RP_ETCD_LEASE_MIN     2
#define RP_ETCD_LEASE_MAX     3600
#define RP_ETCD_LEASE_DEFAULT 10
#define RP_ETCD_PREFIX_DEFAULT "/mod_require_precondition"

/* Is url a member's client URL (http:// or https://, a host, a port, no
 * path)? NULL, or why not. */
const char *rp_etcd_check_url(apr_pool_t *p, const char *url);

/* Once per process, before any thread: libcurl's global set-up. */
int rp_etcd_global_init(void);

/* The client of one configuration, in p: the TLS files are read now (the
 * server starts as root; its children may not read a key). Nothing is
 * contacted. NULL, or why not. */
const char *rp_etcd_create(apr_pool_t *p, const rp_etcd_conf_t *conf,
                           rp_etcd_t **e);

/* Ask every member for its status, within `timeout`: NULL when one
 * answered, else why none did (each member and its reason). */
const char *rp_etcd_probe(rp_etcd_t *e, apr_pool_t *p,
                          apr_interval_time_t timeout);

/* In each process that takes locks: start the thread that keeps the lease
 * alive and retries failed unlocks. It stops, and the lease is revoked,
 * when `pchild` is destroyed. */
int rp_etcd_child_init(rp_etcd_t *e, apr_pool_t *pchild,
                       rp_etcd_log_fn *log, void *baton);

/* Lock the resources `names` (n of them; duplicates allowed), in one order
 * across all gateways, waiting until `deadline`. Returns 0 with all held,
 * ETIMEDOUT (another holder kept one), or EIO (etcd could not be asked:
 * *why says which member and why). Whatever it returns, the pool cleanup
 * of *held in p (or rp_etcd_unlock) releases what was taken. */
int rp_etcd_lock(rp_etcd_t *e, apr_pool_t *p, const char *const *names,
                 int n, apr_time_t deadline, rp_etcd_held_t **held,
                 const char **why);

/* Release now (the pool's cleanup then does nothing). An unlock that etcd
 * does not take is retried by the lease's thread. */
void rp_etcd_unlock(rp_etcd_held_t *held);

#endif /* RP_ETCD_H */
