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

/* rp_etcd_lease.c: a process's leases (rp_etcd_int.h): granted when a
 * write needs one, renewed by a thread of the process's own every third
 * of the TTL, retired and revoked once nobody holds locks with them, and
 * handed back when the process ends. */

#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rp_etcd.h"
#include "rp_etcd_int.h"

/* ---- the leases ---------------------------------------------------------- */

void rp_etcd_say(rp_etcd_t *e, int level, const char *msg)
{
    if (e->log) {
        e->log(e->baton, level, msg);
    }
}

/* A new lease from etcd, as the one new locks take. With the mutex. */
static rp_etcd_result_t rp_etcd_grant(rp_etcd_t *e, CURL *h,
                                      apr_time_t deadline, apr_pool_t *p,
                                      const char **why)
{
    rp_etcd_lease_t *l;
    json_t *out = NULL;
    const char *id;
    char body[64];
    rp_etcd_result_t res;

    apr_snprintf(body, sizeof(body), "{\"TTL\":%d}", e->conf.lease);
    res = rp_etcd_call(e, h, "/v3/lease/grant", body, deadline, p, &out, why);
    id = res == RP_ETCD_OK ? json_string_value(json_object_get(out, "ID"))
                           : NULL;
    l = id && strlen(id) < sizeof(l->id) ? calloc(1, sizeof(*l)) : NULL;
    if (l) {
        apr_cpystrn(l->id, id, sizeof(l->id));
        APR_ARRAY_PUSH(e->leases, rp_etcd_lease_t *) = l;
        e->now = l;
    }
    else if (res == RP_ETCD_OK) {
        *why = "etcd granted a lease without an ID";
        res = RP_ETCD_ERROR;
    }
    json_decref(out);
    return res;
}

/* The lease a write takes its locks with, granted when there is none;
 * the write counts among its holders until rp_etcd_lease_end. */
rp_etcd_result_t rp_etcd_lease_take(rp_etcd_t *e, CURL *h,
                                           apr_time_t deadline, apr_pool_t *p,
                                           rp_etcd_lease_t **lease,
                                           const char **why)
{
    rp_etcd_result_t res = RP_ETCD_OK;

    apr_thread_mutex_lock(e->mutex);
    if (!e->now) {
        res = rp_etcd_grant(e, h, deadline, p, why);
    }
    *lease = res == RP_ETCD_OK ? e->now : NULL;
    if (*lease) {
        (*lease)->holders++;
    }
    apr_thread_mutex_unlock(e->mutex);
    return res;
}

/* A write is done with its lease; `retire`: it may have left a key. */
void rp_etcd_lease_end(rp_etcd_t *e, rp_etcd_lease_t *l, int retire,
                              int gone)
{
    apr_thread_mutex_lock(e->mutex);
    l->holders--;
    l->retired |= retire || gone;
    l->gone |= gone;
    if (l->retired && e->now == l) {
        e->now = NULL;
    }
    apr_thread_mutex_unlock(e->mutex);
}

/* Renew one lease; NULL, or why not. Sets l->gone when etcd no longer
 * knows it. Without the mutex (l stays: only the keeper frees). */
static const char *rp_etcd_renew(rp_etcd_t *e, CURL *h, rp_etcd_lease_t *l,
                                 apr_pool_t *p)
{
    const char *why = NULL;
    json_t *out = NULL;

    if (rp_etcd_call(e, h, "/v3/lease/keepalive",
                     apr_pstrcat(p, "{\"ID\":\"", l->id, "\"}", NULL),
                     apr_time_now() + RP_ETCD_CALL_TIMEOUT, p, &out, &why)
        != RP_ETCD_OK) {
        why = apr_psprintf(p, "cannot renew lease %s: %s", l->id, why);
    }
    else if (!json_string_value(json_object_get(json_object_get(out,
                                                                "result"),
                                                "TTL"))) {
        apr_thread_mutex_lock(e->mutex);
        l->gone = l->retired = 1;
        if (e->now == l) {
            e->now = NULL;
        }
        apr_thread_mutex_unlock(e->mutex);
        why = apr_psprintf(p, "lease %s had expired when it was renewed "
                           "(etcd out of reach for longer than its TTL)",
                           l->id);
    }
    json_decref(out);
    return why;
}

/* Revoke one lease: its keys go now. 0 when etcd has it no more. */
static int rp_etcd_revoke(rp_etcd_t *e, CURL *h, rp_etcd_lease_t *l,
                          apr_interval_time_t timeout, apr_pool_t *p)
{
    const char *why;
    json_t *out = NULL;
    rp_etcd_result_t res =
        rp_etcd_call(e, h, "/v3/lease/revoke",
                     apr_pstrcat(p, "{\"ID\":\"", l->id, "\"}", NULL),
                     apr_time_now() + timeout, p, &out, &why);

    json_decref(out);
    return res == RP_ETCD_OK || (res == RP_ETCD_ERROR
                                 && strstr(why, "lease not found")) ? 0 : EIO;
}

/* One round of the keeper: renew the leases in use, revoke the retired
 * ones that nobody holds, forget those etcd has no more. */
static void rp_etcd_tend(rp_etcd_t *e, CURL *h, apr_pool_t *p)
{
    int i;

    apr_thread_mutex_lock(e->mutex);
    for (i = 0; i < e->leases->nelts; i++) {
        rp_etcd_lease_t *l = APR_ARRAY_IDX(e->leases, i, rp_etcd_lease_t *);
        int idle = l->retired && l->holders == 0;
        const char *why;

        apr_thread_mutex_unlock(e->mutex);
        why = l->gone || idle ? NULL : rp_etcd_renew(e, h, l, p);
        if (why && l->gone && l->holders) {
            rp_etcd_say(e, 0, apr_pstrcat(p, why, ": the locks that writes "
                                          "held with it were no longer "
                                          "theirs", NULL));
        }
        else if (why) {
            rp_etcd_say(e, 1, why);
        }
        if (idle && !l->gone && rp_etcd_revoke(e, h, l, RP_ETCD_CALL_TIMEOUT,
                                               p) == 0) {
            l->gone = 1;
        }
        apr_thread_mutex_lock(e->mutex);
        if (l->gone && l->holders == 0) {
            /* Swap in the last: the loop looks at slot i again. */
            APR_ARRAY_IDX(e->leases, i, rp_etcd_lease_t *) =
                APR_ARRAY_IDX(e->leases, e->leases->nelts - 1,
                              rp_etcd_lease_t *);
            e->leases->nelts--;
            if (e->now == l) {
                e->now = NULL;
            }
            free(l);
            i--;
        }
    }
    apr_thread_mutex_unlock(e->mutex);
}

/* ---- the process --------------------------------------------------------- */

/* Every third of the TTL: renew the leases, revoke the retired ones. */
static void *APR_THREAD_FUNC rp_etcd_keeper(apr_thread_t *t, void *data)
{
    rp_etcd_t *e = data;
    apr_interval_time_t every = apr_time_from_sec(e->conf.lease) / 3;
    CURL *h = curl_easy_init();
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    apr_thread_mutex_lock(e->mutex);
    while (!e->stopping) {
        apr_thread_cond_timedwait(e->wake, e->mutex, every);
        if (e->stopping || !h) {
            continue;
        }
        apr_thread_mutex_unlock(e->mutex);
        rp_etcd_tend(e, h, p);
        apr_pool_clear(p);
        apr_thread_mutex_lock(e->mutex);
    }
    apr_thread_mutex_unlock(e->mutex);
    if (h) {
        curl_easy_cleanup(h);
    }
    apr_pool_destroy(p);
    /* A return, not apr_thread_exit: pthread_exit's unwinding is what
     * AddressSanitizer trips over; the thread's pool goes with pchild. */
    (void)t;
    return NULL;
}

/* The child's end: stop the keeper, hand the leases back (their locks go
 * at once, not a TTL later), close the connections. */
static apr_status_t rp_etcd_child_exit(void *data)
{
    rp_etcd_t *e = data;
    apr_status_t rv;
    apr_pool_t *p;
    CURL *h;

    apr_thread_mutex_lock(e->mutex);
    e->stopping = 1;
    apr_thread_cond_signal(e->wake);
    apr_thread_mutex_unlock(e->mutex);
    if (e->keeper) {
        apr_thread_join(&rv, e->keeper);
    }
    apr_pool_create(&p, NULL);
    h = rp_etcd_handle(e);
    while (e->leases->nelts) {
        rp_etcd_lease_t *l = *(rp_etcd_lease_t **)apr_array_pop(e->leases);

        if (h && !l->gone) {
            rp_etcd_revoke(e, h, l, apr_time_from_sec(1), p);
        }
        free(l);
    }
    e->now = NULL;
    if (h) {
        curl_easy_cleanup(h);
    }
    while (e->idle->nelts) {
        curl_easy_cleanup(*(CURL **)apr_array_pop(e->idle));
    }
    apr_pool_destroy(p);
    e->mutex = NULL;
    return APR_SUCCESS;
}

int rp_etcd_child_init(rp_etcd_t *e, apr_pool_t *pchild,
                       rp_etcd_log_fn *log, void *baton)
{
    apr_status_t rv;

    e->log = log;
    e->baton = baton;
    e->idle = apr_array_make(pchild, 8, sizeof(CURL *));
    e->leases = apr_array_make(pchild, 4, sizeof(rp_etcd_lease_t *));
    rv = apr_thread_mutex_create(&e->mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&e->wake, pchild);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&e->keeper, NULL, rp_etcd_keeper, e, pchild);
    }
    if (rv != APR_SUCCESS) {
        e->mutex = NULL;
        return rv;
    }
    /* Before pchild's subpools go: the keeper's own pool is one. */
    apr_pool_pre_cleanup_register(pchild, e, rp_etcd_child_exit);
    return APR_SUCCESS;
}
