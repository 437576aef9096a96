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
/* A call that is not a lock's wait: the lease, an unlock, a status. */
#define RP_ETCD_CALL_TIMEOUT apr_time_from_sec(2)
/* A member that does not accept the connection within this is passed
 * over for the next. */
#define RP_ETCD_CONNECT_MS  1000L
/* Between two rounds over the members while they elect a leader. */
#define RP_ETCD_PAUSE       apr_time_from_msec(100)

/* A lease of this process. Only the newest takes new locks; one retired
 * (an unlock etcd did not take, a lock call without an answer: a key of
 * it may be left behind) is revoked, which deletes its keys, once no
 * write holds locks with it any more. Guarded by the client's mutex. */
typedef struct {
    char id[32];                 /* the ID, decimal */
    int holders;                 /* writes holding locks with it */
    int retired;                 /* takes no new lock */
    int gone;                    /* etcd no longer knows it */
} rp_etcd_lease_t;

struct rp_etcd {
    rp_etcd_conf_t conf;
    /* A child's, from rp_etcd_child_init on. */
    apr_thread_mutex_t *mutex;   /* guards what follows */
    apr_thread_cond_t *wake;     /* the keeper's sleep; stopping */
    apr_thread_t *keeper;
    int stopping;
    int current;                 /* the member that answered last */
    rp_etcd_lease_t *now;        /* the lease new locks take, or NULL */
    apr_array_header_t *leases;  /* rp_etcd_lease_t * (malloc): all */
    apr_array_header_t *idle;    /* CURL *: connections kept for reuse */
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
    int unsure;                  /* a lock call ended without an answer */
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
    RP_ETCD_OK,          /* a JSON object without "error" */
    RP_ETCD_TIMEOUT,     /* no answer within the time given */
    RP_ETCD_DOWN,        /* no answer: no connection, or it broke */
    RP_ETCD_UNAVAILABLE, /* it answered, but cannot serve now */
    RP_ETCD_ERROR        /* it answered with an error that a retry
                          * does not mend */
} rp_etcd_result_t;

/* ---- rp_etcd_call.c ------------------------------------------------------ */

/* POST body to member m's path, within timeout. */
rp_etcd_result_t rp_etcd_post(const rp_etcd_t *e, CURL *h, int m,
                              const char *path, const char *body,
                              apr_interval_time_t timeout, apr_pool_t *p,
                              json_t **out, const char **why);
/* POST to the cluster until `deadline`, the members in turn. */
rp_etcd_result_t rp_etcd_call(rp_etcd_t *e, CURL *h, const char *path,
                              const char *body, apr_time_t deadline,
                              apr_pool_t *p, json_t **out, const char **why);
/* A handle (its connections kept) of this process, and back. */
CURL *rp_etcd_handle(rp_etcd_t *e);
void rp_etcd_handle_back(rp_etcd_t *e, CURL *h);

/* ---- rp_etcd_lease.c ----------------------------------------------------- */

void rp_etcd_say(rp_etcd_t *e, int level, const char *msg);
/* The lease a write takes its locks with (granted when there is none);
 * the write counts among its holders until rp_etcd_lease_end. */
rp_etcd_result_t rp_etcd_lease_take(rp_etcd_t *e, CURL *h,
                                    apr_time_t deadline, apr_pool_t *p,
                                    rp_etcd_lease_t **lease,
                                    const char **why);
/* A write is done with its lease; `retire`: it may have left a key;
 * `gone`: etcd no longer knows the lease. */
void rp_etcd_lease_end(rp_etcd_t *e, rp_etcd_lease_t *l, int retire,
                       int gone);

#endif /* RP_ETCD_INT_H */
