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

/* A new lease from etcd, without the mutex (a grant may take seconds). */
static rp_etcd_result_t rp_etcd_grant(rp_etcd_t *e, rp_etcd_conn_t *c,
                                      apr_time_t deadline, apr_pool_t *p,
                                      rp_etcd_lease_t **lp, const char **why)
{
    rp_etcd_lease_t *l = NULL;
    json_t *out = NULL;
    const char *id;
    char body[64];
    rp_etcd_result_t res;
    int sent;

    apr_snprintf(body, sizeof(body), "{\"TTL\":%d}", e->conf.lease);
    res = rp_etcd_call(e, c, "/v3/lease/grant", body, deadline, 0, p, &out,
                       why, &sent);
    id = res == RP_ETCD_OK ? json_string_value(json_object_get(out, "ID"))
                           : NULL;
    if (id && strlen(id) < sizeof(l->id)) {
        l = calloc(1, sizeof(*l));
    }
    if (l) {
        apr_cpystrn(l->id, id, sizeof(l->id));
    }
    else if (res == RP_ETCD_OK) {
        *why = "etcd granted a lease without an ID";
        res = RP_ETCD_ERROR;
    }
    json_decref(out);
    *lp = l;
    return res;
}

rp_etcd_result_t rp_etcd_lease_take(rp_etcd_t *e, rp_etcd_conn_t *c,
                                    apr_time_t deadline, apr_pool_t *p,
                                    rp_etcd_lease_t **lease,
                                    const char **why)
{
    rp_etcd_lease_t *mine = NULL;
    rp_etcd_result_t res = RP_ETCD_OK;

    apr_thread_mutex_lock(e->mutex);
    while (!e->now && res == RP_ETCD_OK) {
        apr_thread_mutex_unlock(e->mutex);
        res = rp_etcd_grant(e, c, deadline, p, &mine, why);
        apr_thread_mutex_lock(e->mutex);
        if (mine) {
            /* Another thread's grant may have come first: then this one
             * goes, retired, the keeper revokes it. */
            mine->next = e->leases;
            e->leases = mine;
            if (e->now) {
                mine->retired = 1;
            }
            else {
                e->now = mine;
            }
        }
    }
    *lease = res == RP_ETCD_OK ? e->now : NULL;
    if (*lease) {
        (*lease)->holders++;
    }
    apr_thread_mutex_unlock(e->mutex);
    return res;
}

void rp_etcd_lease_retire(rp_etcd_t *e, rp_etcd_lease_t *l, const char *key)
{
    rp_etcd_orphan_t *o = key ? malloc(sizeof(*o) + strlen(key)) : NULL;

    apr_thread_mutex_lock(e->mutex);
    l->retired = 1;
    if (e->now == l) {
        e->now = NULL;
    }
    if (o) {
        memcpy(o->key, key, strlen(key) + 1);
        o->next = l->orphans;
        l->orphans = o;
    }
    apr_thread_mutex_unlock(e->mutex);
}

void rp_etcd_lease_end(rp_etcd_t *e, rp_etcd_lease_t *l, int gone)
{
    apr_thread_mutex_lock(e->mutex);
    l->holders--;
    if (gone) {
        l->gone = l->retired = 1;
        if (e->now == l) {
            e->now = NULL;
        }
    }
    apr_thread_mutex_unlock(e->mutex);
}

/* Renew one lease; NULL, or why not. A lease etcd no longer knows is gone,
 * and so are the locks of the writes that hold it. */
static const char *rp_etcd_renew(rp_etcd_t *e, rp_etcd_conn_t *c,
                                 rp_etcd_lease_t *l, apr_pool_t *p,
                                 int *lost)
{
    const char *why = NULL;
    json_t *out = NULL, *result;
    int sent;

    *lost = 0;
    if (rp_etcd_call(e, c, "/v3/lease/keepalive",
                     apr_pstrcat(p, "{\"ID\":\"", l->id, "\"}", NULL),
                     apr_time_now() + RP_ETCD_CALL_TIMEOUT, 0, p, &out, &why,
                     &sent) != RP_ETCD_OK) {
        return apr_psprintf(p, "cannot renew lease %s: %s", l->id, why);
    }
    result = json_object_get(out, "result");
    if (!json_string_value(json_object_get(result ? result : out, "TTL"))) {
        apr_thread_mutex_lock(e->mutex);
        l->gone = l->retired = 1;
        if (e->now == l) {
            e->now = NULL;
        }
        *lost = l->holders > 0;
        apr_thread_mutex_unlock(e->mutex);
        why = apr_psprintf(p, "lease %s had expired when it was renewed "
                           "(etcd out of reach for longer than its TTL)",
                           l->id);
    }
    json_decref(out);
    return why;
}

/* Revoke one lease: its keys go now. 0 when etcd has it no more. */
static int rp_etcd_revoke(rp_etcd_t *e, rp_etcd_conn_t *c,
                          rp_etcd_lease_t *l, apr_interval_time_t timeout,
                          apr_pool_t *p)
{
    const char *why;
    json_t *out = NULL;
    int sent;
    rp_etcd_result_t res =
        rp_etcd_call(e, c, "/v3/lease/revoke",
                     apr_pstrcat(p, "{\"ID\":\"", l->id, "\"}", NULL),
                     apr_time_now() + timeout, 0, p, &out, &why, &sent);

    json_decref(out);
    return res == RP_ETCD_OK || (res == RP_ETCD_ERROR
                                 && strstr(why, "lease not found")) ? 0 : EIO;
}

/* Delete a retired lease's orphans, one by one; 0 when all went. */
static int rp_etcd_delete_orphans(rp_etcd_t *e, rp_etcd_conn_t *c,
                                  rp_etcd_lease_t *l, apr_pool_t *p)
{
    for (;;) {
        rp_etcd_orphan_t *o;
        json_t *out = NULL;
        const char *why;
        int sent, rv;

        apr_thread_mutex_lock(e->mutex);
        o = l->orphans;
        l->orphans = o ? o->next : NULL;
        apr_thread_mutex_unlock(e->mutex);
        if (!o) {
            return 0;
        }
        rv = rp_etcd_call(e, c, "/v3/kv/deleterange",
                          apr_pstrcat(p, "{\"key\":\"", o->key, "\"}", NULL),
                          apr_time_now() + RP_ETCD_CALL_TIMEOUT, 0, p, &out,
                          &why, &sent) == RP_ETCD_OK ? 0 : EIO;
        json_decref(out);
        if (rv != 0) {
            apr_thread_mutex_lock(e->mutex);
            o->next = l->orphans;
            l->orphans = o;
            apr_thread_mutex_unlock(e->mutex);
            return rv;
        }
        free(o);
    }
}

/* Frees l and its orphans; with the mutex, l out of the list. */
static void rp_etcd_lease_free(rp_etcd_lease_t *l)
{
    while (l->orphans) {
        rp_etcd_orphan_t *o = l->orphans;

        l->orphans = o->next;
        free(o);
    }
    free(l);
}

/* One lease's round: a retired one nobody holds is revoked, a retired
 * one still held loses its orphans, one in use is renewed. 0, or 1 when
 * something failed (the keeper comes back sooner). */
static int rp_etcd_tend_one(rp_etcd_t *e, rp_etcd_conn_t *c,
                            rp_etcd_lease_t *l, apr_pool_t *p)
{
    int retired, holders, gone, in_use, lost, failed = 0;
    const char *why = NULL;

    apr_thread_mutex_lock(e->mutex);
    retired = l->retired;
    holders = l->holders;
    gone = l->gone;
    in_use = holders > 0 || e->now == l;
    apr_thread_mutex_unlock(e->mutex);
    if (gone) {
        return 0;
    }
    if (retired && !holders) {
        if (rp_etcd_revoke(e, c, l, RP_ETCD_CALL_TIMEOUT, p) == 0) {
            apr_thread_mutex_lock(e->mutex);
            l->gone = 1;
            apr_thread_mutex_unlock(e->mutex);
            return 0;
        }
        return 1;
    }
    if (retired) {
        failed = rp_etcd_delete_orphans(e, c, l, p) != 0;
    }
    if (in_use && (why = rp_etcd_renew(e, c, l, p, &lost)) != NULL) {
        rp_etcd_say(e, lost ? 0 : 1, lost
                    ? apr_pstrcat(p, why, ": the locks that writes held "
                                  "with it were no longer theirs", NULL)
                    : why);
        failed = 1;
    }
    return failed;
}

/* A round over all the leases; forgets those etcd has no more. */
static int rp_etcd_tend(rp_etcd_t *e, rp_etcd_conn_t *c, apr_pool_t *p)
{
    rp_etcd_lease_t **at, *l;
    int failed = 0;

    apr_thread_mutex_lock(e->mutex);
    at = &e->leases;
    while ((l = *at) != NULL) {
        apr_thread_mutex_unlock(e->mutex);
        failed |= rp_etcd_tend_one(e, c, l, p);
        apr_pool_clear(p);
        apr_thread_mutex_lock(e->mutex);
        if (l->gone && l->holders == 0) {
            /* Only the keeper unlinks; writers only add at the head, so
             * *at still points at l unless l is the head and grew. */
            while (*at != l) {
                at = &(*at)->next;
            }
            *at = l->next;
            if (e->now == l) {
                e->now = NULL;
            }
            rp_etcd_lease_free(l);
            continue;
        }
        at = &l->next;
    }
    apr_thread_mutex_unlock(e->mutex);
    return failed;
}

/* ---- the process --------------------------------------------------------- */

/* Every third of the TTL (every second while something fails): renew the
 * leases, delete the orphans, revoke the retired leases. */
static void *APR_THREAD_FUNC rp_etcd_keeper(apr_thread_t *t, void *data)
{
    rp_etcd_t *e = data;
    apr_interval_time_t every = apr_time_from_sec(e->conf.lease) / 3;
    apr_interval_time_t wait = every;
    rp_etcd_conn_t *c = NULL;
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    apr_thread_mutex_lock(e->mutex);
    while (!e->stopping) {
        apr_thread_cond_timedwait(e->wake, e->mutex, wait);
        if (e->stopping) {
            break;
        }
        apr_thread_mutex_unlock(e->mutex);
        if (!c && (c = rp_etcd_conn(e)) == NULL) {
            rp_etcd_say(e, 0, "cannot make a libcurl handle to renew the "
                        "leases: the locks of this process's writes may "
                        "end before the writes");
        }
        wait = c && !rp_etcd_tend(e, c, p) ? every
             : every < apr_time_from_sec(1) ? every : apr_time_from_sec(1);
        apr_thread_mutex_lock(e->mutex);
    }
    apr_thread_mutex_unlock(e->mutex);
    if (c) {
        rp_etcd_conn_close(c);
    }
    apr_pool_destroy(p);
    /* A return, not apr_thread_exit: pthread_exit's unwinding is what
     * AddressSanitizer trips over; the thread's pool goes with pchild. */
    (void)t;
    return NULL;
}

/* The child's end: stop the keeper, hand the leases back (their locks go
 * at once, not a TTL later), close the connections. prefork runs this
 * from a signal handler, maybe while this very thread holds the mutex:
 * then it leaves all to the process's end and the leases' TTL. */
static apr_status_t rp_etcd_child_exit(void *data)
{
    rp_etcd_t *e = data;
    rp_etcd_lease_t *l;
    rp_etcd_conn_t *c;
    apr_status_t rv;
    apr_pool_t *p;
    int tries = 0;

    /* The keeper holds it for moments only; this thread, for ever. */
    while (apr_thread_mutex_trylock(e->mutex) != APR_SUCCESS) {
        if (++tries > 20) {
            return APR_SUCCESS;
        }
        apr_sleep(apr_time_from_msec(10));
    }
    e->stopping = 1;
    apr_thread_cond_signal(e->wake);
    apr_thread_mutex_unlock(e->mutex);
    if (e->keeper) {
        apr_thread_join(&rv, e->keeper);
    }
    apr_pool_create(&p, NULL);
    c = rp_etcd_conn(e);
    while ((l = e->leases) != NULL) {
        e->leases = l->next;
        if (c && !l->gone) {
            rp_etcd_revoke(e, c, l, apr_time_from_sec(1), p);
        }
        rp_etcd_lease_free(l);
    }
    e->now = NULL;
    if (c) {
        rp_etcd_conn_close(c);
    }
    while (e->nidle) {
        rp_etcd_conn_close(e->idle[--e->nidle]);
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
    e->leases = e->now = NULL;
    e->nidle = 0;
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
