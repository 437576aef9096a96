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

/* rp_etcd_int.h: what the files of the etcd client share (rp_etcd.c the
 * locks of a writer, rp_etcd_call.c the calls to the members,
 * rp_etcd_lease.c a process's leases and the thread that keeps them).
 * Not for the httpd side: it has rp_etcd.h. */
#ifndef RP_ETCD_INT_H
#define RP_ETCD_INT_H

#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"

#include <curl/curl.h>
#include <jansson.h>

#include "rp_etcd.h"

/* An answer larger than this is not etcd's to a lock call. */
#define RP_ETCD_MAX_ANSWER  ((size_t)64 * 1024)
/* A call that is not a lock's wait (the lease, an unlock, a status): its
 * whole time, and the time one member gets before the next is asked. */
#define RP_ETCD_CALL_TIMEOUT apr_time_from_sec(3)
#define RP_ETCD_TRY          apr_time_from_sec(1)
/* A member that does not accept the connection within this is passed
 * over for the next. */
#define RP_ETCD_CONNECT_MS  1000L
/* Between two rounds over the members while they elect a leader. */
#define RP_ETCD_PAUSE       apr_time_from_msec(100)
/* libcurl handles a process keeps, with their connections. */
#define RP_ETCD_IDLE_MAX    64
/* Tries of one write's locks with a fresh lease after an unsure one. */
#define RP_ETCD_TRIES       3

/* A key to delete later: an unlock etcd did not take, or the key a lock
 * call without an answer may have left. Safe to delete late, as its lease
 * is retired: no lock of this process takes that key again. */
typedef struct rp_etcd_orphan {
    struct rp_etcd_orphan *next;
    char key[1];                 /* base64, allocated to its length */
} rp_etcd_orphan_t;

/* A lease of this process (malloc, in the client's list). Only the newest
 * takes new locks; one retired takes none, its orphans are deleted, and it
 * is revoked (its keys with it) once no write holds locks with it. Guarded
 * by the client's mutex; only the keeper (and the child's end) frees. */
typedef struct rp_etcd_lease {
    struct rp_etcd_lease *next;
    char id[32];                 /* the ID, decimal */
    int holders;                 /* writes holding locks with it */
    int retired;                 /* takes no new lock */
    int gone;                    /* etcd no longer knows it */
    rp_etcd_orphan_t *orphans;
} rp_etcd_lease_t;

/* A libcurl handle and the members it has a connection to: a request on a
 * connection that was made before may be sent twice by libcurl (it sends
 * again on a new one when the old one broke before any answer). */
typedef struct {
    CURL *h;
    apr_uint32_t warm;           /* bit m: a connection to member m */
} rp_etcd_conn_t;

struct rp_etcd {
    rp_etcd_conf_t conf;
    volatile apr_uint32_t current; /* the member asked first */
    /* A child's, from rp_etcd_child_init on. */
    apr_thread_mutex_t *mutex;   /* guards what follows */
    apr_thread_cond_t *wake;     /* the keeper's sleep; stopping */
    apr_thread_t *keeper;
    int stopping;
    rp_etcd_lease_t *now;        /* the lease new locks take, or NULL */
    rp_etcd_lease_t *leases;     /* all of them */
    rp_etcd_conn_t *idle[RP_ETCD_IDLE_MAX];
    int nidle;
    rp_etcd_log_fn *log;
    void *baton;
    int tls;                     /* the three below were given */
    struct curl_blob cert;
    struct curl_blob key;
    struct curl_blob ca;
};

struct rp_etcd_held {
    rp_etcd_t *e;
    int n;
    char **names;                /* base64 of the names, in lock order */
    char **keys;                 /* base64 of the keys etcd gave, or NULL */
    int unsure;                  /* the name whose lock call may have left
                                  * a key without saying so; -1: none */
    rp_etcd_lease_t *lease;      /* what they were taken with, or NULL */
};

/* What one call got. */
typedef struct {
    char *data;
    size_t len;
    int too_long;
} rp_etcd_answer_t;

/* The outcome of one call to one member. */
typedef enum {
    RP_ETCD_OK,          /* a JSON object without an error */
    RP_ETCD_TIMEOUT,     /* no answer within the time given */
    RP_ETCD_DOWN,        /* no answer: no connection, or it broke */
    RP_ETCD_UNAVAILABLE, /* it answered, but cannot serve now */
    RP_ETCD_ERROR        /* it answered with an error that a retry
                          * does not mend */
} rp_etcd_result_t;

/* Whether a request reached etcd (rp_etcd_call's *sent). */
#define RP_ETCD_NOT_SENT 0   /* certainly not: no connection was made */
#define RP_ETCD_SENT     1   /* it may have, once */
#define RP_ETCD_TWICE    2   /* it may have been sent twice (a reused
                              * connection broke, libcurl sent it again) */

/* ---- rp_etcd_call.c ------------------------------------------------------ */

/* POST body to member m's path, within timeout; *sent as above. */
rp_etcd_result_t rp_etcd_post(const rp_etcd_t *e, rp_etcd_conn_t *c, int m,
                              const char *path, const char *body,
                              apr_interval_time_t timeout, apr_pool_t *p,
                              json_t **out, const char **why, int *sent);
/* POST to the cluster until `deadline`, the members in turn, each for at
 * most RP_ETCD_TRY. With `once` (a lock: the same lock sent again with
 * the same lease may be granted without a key, if etcd deletes the key
 * when the first request's connection closes), the whole time to one
 * member, and no other once it may have reached one; *sent says whether
 * it may have. */
rp_etcd_result_t rp_etcd_call(rp_etcd_t *e, rp_etcd_conn_t *c,
                              const char *path, const char *body,
                              apr_time_t deadline, int once, apr_pool_t *p,
                              json_t **out, const char **why, int *sent);
/* A handle (its connections kept) of this process, and back; NULL when
 * libcurl cannot make one. */
rp_etcd_conn_t *rp_etcd_conn(rp_etcd_t *e);
void rp_etcd_conn_back(rp_etcd_t *e, rp_etcd_conn_t *c);
void rp_etcd_conn_close(rp_etcd_conn_t *c);

/* ---- rp_etcd_lease.c ----------------------------------------------------- */

void rp_etcd_say(rp_etcd_t *e, int level, const char *msg);
/* The lease a write takes its locks with (granted when there is none);
 * the write counts among its holders until rp_etcd_lease_end. */
rp_etcd_result_t rp_etcd_lease_take(rp_etcd_t *e, rp_etcd_conn_t *c,
                                    apr_time_t deadline, apr_pool_t *p,
                                    rp_etcd_lease_t **lease,
                                    const char **why);
/* Retire l: no lock takes it any more; `key` (base64, or NULL): a key of
 * it to delete later. */
void rp_etcd_lease_retire(rp_etcd_t *e, rp_etcd_lease_t *l, const char *key);
/* A write is done with its lease; `gone`: etcd no longer knows it. */
void rp_etcd_lease_end(rp_etcd_t *e, rp_etcd_lease_t *l, int gone);

#endif /* RP_ETCD_INT_H */
