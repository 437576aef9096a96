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

/* rp_etcd.c: per-resource locks in etcd (rp_etcd.h): the HTTP/1.1 calls
 * to its JSON gateway through libcurl, the process's lease and the thread
 * that keeps it, and the locks of one writer. No httpd type here. */

#include "apr_base64.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"
#include "apr_uri.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rp_etcd.h"
#include "rp_sha256.h"

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

/* ---- configuration ------------------------------------------------------- */

const char *rp_etcd_check_url(apr_pool_t *p, const char *url)
{
    apr_uri_t uri;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.scheme
        || !uri.hostname || !*uri.hostname) {
        return "is not a URL (http://host:port or https://host:port)";
    }
    if (strcmp(uri.scheme, "http") != 0 && strcmp(uri.scheme, "https") != 0) {
        return "is not an http:// or https:// URL";
    }
    if (!uri.port_str || !*uri.port_str) {
        return "has no port (etcd's client port, e.g. :2379)";
    }
    if ((uri.path && *uri.path && strcmp(uri.path, "/") != 0) || uri.query
        || uri.fragment || uri.user) {
        return "must be scheme, host and port only";
    }
    return NULL;
}

int rp_etcd_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : EIO;
}

/* A whole PEM file, in p, for libcurl's *_BLOB options. */
static const char *rp_etcd_slurp(apr_pool_t *p, const char *path,
                                 struct curl_blob *blob)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got;
    apr_status_t rv;
    void *data;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    }
    if (rv == APR_SUCCESS && (fi.size <= 0 || fi.size > (apr_off_t)1024 * 1024)) {
        return apr_psprintf(p, "%s is empty or too large for a PEM file",
                            path);
    }
    if (rv == APR_SUCCESS) {
        data = apr_palloc(p, (apr_size_t)fi.size);
        rv = apr_file_read_full(f, data, (apr_size_t)fi.size, &got);
        blob->data = data;
        blob->len = got;
        blob->flags = CURL_BLOB_NOCOPY;
    }
    if (rv != APR_SUCCESS) {
        char buf[120];

        return apr_psprintf(p, "cannot read %s: %s", path,
                            apr_strerror(rv, buf, sizeof(buf)));
    }
    apr_file_close(f);
    return NULL;
}

const char *rp_etcd_create(apr_pool_t *p, const rp_etcd_conf_t *conf,
                           rp_etcd_t **ep)
{
    rp_etcd_t *e = apr_pcalloc(p, sizeof(*e));
    const char *why = NULL;
    int i;

    e->conf = *conf;
    e->conf.members = apr_array_make(p, conf->members->nelts,
                                     sizeof(const char *));
    /* Without the trailing slash: paths are appended. */
    for (i = 0; i < conf->members->nelts; i++) {
        char *m = apr_pstrdup(p, APR_ARRAY_IDX(conf->members, i,
                                               const char *));
        apr_size_t len = strlen(m);

        if (len && m[len - 1] == '/') {
            m[len - 1] = '\0';
        }
        APR_ARRAY_PUSH(e->conf.members, const char *) = m;
    }
    if (conf->cert) {
        why = rp_etcd_slurp(p, conf->cert, &e->cert);
        why = why ? why : rp_etcd_slurp(p, conf->key, &e->key);
        why = why ? why : rp_etcd_slurp(p, conf->ca, &e->ca);
        e->tls = 1;
    }
    *ep = e;
    return why;
}

/* ---- one call ------------------------------------------------------------ */

static size_t rp_etcd_take(char *ptr, size_t size, size_t nmemb, void *data)
{
    rp_etcd_answer_t *a = data;
    size_t n = size * nmemb;
    char *more;

    if (a->len + n > RP_ETCD_MAX_ANSWER) {
        a->too_long = 1;
        return 0;
    }
    more = realloc(a->data, a->len + n + 1);
    if (!more) {
        return 0;
    }
    a->data = more;
    memcpy(a->data + a->len, ptr, n);
    a->len += n;
    a->data[a->len] = '\0';
    return n;
}

static void rp_etcd_options(const rp_etcd_t *e, CURL *h, const char *url,
                            const char *body, long timeout_ms,
                            struct curl_slist *headers, rp_etcd_answer_t *a)
{
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rp_etcd_take);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    /* Threads: no SIGALRM for the timeouts. */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout_ms < RP_ETCD_CONNECT_MS ? timeout_ms
                                                     : RP_ETCD_CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    if (e->tls) {
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &e->cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &e->key);
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &e->ca);
    }
}

/* The outcome of one call to one member. */
typedef enum {
    RP_ETCD_OK,          /* a JSON object without "error" */
    RP_ETCD_TIMEOUT,     /* no answer within the time given */
    RP_ETCD_DOWN,        /* no answer: no connection, or it broke */
    RP_ETCD_UNAVAILABLE, /* it answered, but cannot serve now */
    RP_ETCD_ERROR        /* it answered with an error that a retry
                          * does not mend */
} rp_etcd_result_t;

/* An error answer that a member without a leader, or in an election, or
 * behind on the log gives: another member, or the same one a moment
 * later, may serve. gRPC's Unavailable (14) and DeadlineExceeded (4). */
static int rp_etcd_transient(json_int_t code, const char *message)
{
    return code == 14 || code == 4
        || (message && (strstr(message, "leader") || strstr(message,
                                                            "timed out")
                        || strstr(message, "unavailable")));
}

/* The answer as a JSON object, or why it is not one. */
static rp_etcd_result_t rp_etcd_judge(apr_pool_t *p, long status,
                                      rp_etcd_answer_t *a, json_t **out,
                                      const char **why)
{
    json_t *j = a->data ? json_loadb(a->data, a->len, 0, NULL) : NULL;
    json_t *err = j ? json_object_get(j, "error") : NULL;

    if (json_is_object(j) && !err && status == 200) {
        *out = j;
        return RP_ETCD_OK;
    }
    if (err) {
        const char *m = json_string_value(err);
        json_int_t code = json_integer_value(json_object_get(j, "code"));
        int transient = rp_etcd_transient(code, m);

        *why = apr_psprintf(p, "%s (code %" APR_INT64_T_FMT ")",
                            m ? m : "error", (apr_int64_t)code);
        json_decref(j);
        return transient ? RP_ETCD_UNAVAILABLE : RP_ETCD_ERROR;
    }
    *why = apr_psprintf(p, "HTTP %ld and no etcd answer%s", status,
                        a->too_long ? " (too long)" : "");
    json_decref(j);
    return status >= 500 ? RP_ETCD_UNAVAILABLE : RP_ETCD_ERROR;
}

/* POST body to member m's path, within timeout. */
static rp_etcd_result_t rp_etcd_post(const rp_etcd_t *e, CURL *h, int m,
                                     const char *path, const char *body,
                                     apr_interval_time_t timeout,
                                     apr_pool_t *p, json_t **out,
                                     const char **why)
{
    const char *member = APR_ARRAY_IDX(e->conf.members, m, const char *);
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/json");
    rp_etcd_answer_t a = { NULL, 0, 0 };
    long ms = (long)apr_time_as_msec(timeout), status = 0;
    rp_etcd_result_t res;
    CURLcode rc;

    rp_etcd_options(e, h, apr_pstrcat(p, member, path, NULL), body,
                    ms > 0 ? ms : 1, headers, &a);
    rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        *why = apr_psprintf(p, "%s: no answer within %ld ms", member, ms);
        res = RP_ETCD_TIMEOUT;
    }
    else if (rc != CURLE_OK) {
        *why = apr_psprintf(p, "%s: %s", member, curl_easy_strerror(rc));
        /* No answer at all: refused, reset, TLS refused. When no member
         * gives one in a round, there is no point waiting for a leader. */
        res = RP_ETCD_DOWN;
    }
    else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        res = rp_etcd_judge(p, status, &a, out, why);
        if (res != RP_ETCD_OK) {
            *why = apr_psprintf(p, "%s: %s", member, *why);
        }
    }
    free(a.data);
    return res;
}

/* POST to the cluster: the member that answered last first, then the
 * others, round after round until `deadline` while they elect a leader.
 * Only the time running out (a lock's wait), a round in which no member
 * answered at all (all down, TLS refused), or an error a retry cannot
 * mend end it early. */
static rp_etcd_result_t rp_etcd_call(rp_etcd_t *e, CURL *h, const char *path,
                                     const char *body, apr_time_t deadline,
                                     apr_pool_t *p, json_t **out,
                                     const char **why)
{
    int n = e->conf.members->nelts;

    *why = "the time ran out before etcd was asked";
    for (;;) {
        int first = e->current, i, down = 0;

        for (i = 0; i < n; i++) {
            int m = (first + i) % n;
            apr_time_t left = deadline - apr_time_now();
            rp_etcd_result_t res;

            if (left <= 0) {
                return RP_ETCD_TIMEOUT;
            }
            res = rp_etcd_post(e, h, m, path, body, left, p, out, why);
            if (res == RP_ETCD_OK) {
                e->current = m;
                *why = NULL;
                return res;
            }
            if (res == RP_ETCD_TIMEOUT || res == RP_ETCD_ERROR) {
                return res;
            }
            down += res == RP_ETCD_DOWN;
        }
        if (down == n) {
            *why = apr_psprintf(p, "no member could be reached (last: %s)",
                                *why);
            return RP_ETCD_DOWN;
        }
        if (deadline - apr_time_now() <= RP_ETCD_PAUSE) {
            return RP_ETCD_UNAVAILABLE;
        }
        apr_sleep(RP_ETCD_PAUSE);
    }
}

/* ---- connections --------------------------------------------------------- */

static CURL *rp_etcd_handle(rp_etcd_t *e)
{
    CURL *h = NULL;

    apr_thread_mutex_lock(e->mutex);
    if (e->idle->nelts) {
        h = *(CURL **)apr_array_pop(e->idle);
    }
    apr_thread_mutex_unlock(e->mutex);
    return h ? h : curl_easy_init();
}

/* Kept with its connection for the next call of this process. */
static void rp_etcd_handle_back(rp_etcd_t *e, CURL *h)
{
    apr_thread_mutex_lock(e->mutex);
    APR_ARRAY_PUSH(e->idle, CURL *) = h;
    apr_thread_mutex_unlock(e->mutex);
}

/* ---- the leases ---------------------------------------------------------- */

static void rp_etcd_say(rp_etcd_t *e, int level, const char *msg)
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
static rp_etcd_result_t rp_etcd_lease_take(rp_etcd_t *e, CURL *h,
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
static void rp_etcd_lease_end(rp_etcd_t *e, rp_etcd_lease_t *l, int retire,
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

/* ---- unlocking ----------------------------------------------------------- */

/* Delete one lock key (base64); 0 when etcd took it. */
static int rp_etcd_unlock_key(rp_etcd_t *e, CURL *h, const char *key,
                              apr_pool_t *p, const char **why)
{
    json_t *out = NULL;
    rp_etcd_result_t res = rp_etcd_call(e, h, "/v3/lock/unlock",
                                        apr_pstrcat(p, "{\"key\":\"", key,
                                                    "\"}", NULL),
                                        apr_time_now() + RP_ETCD_CALL_TIMEOUT,
                                        p, &out, why);

    json_decref(out);
    return res == RP_ETCD_OK ? 0 : EIO;
}

/* Unlock what held took. A key etcd did not delete, or a lock call that
 * got no answer (etcd may have granted it all the same), retires the
 * lease, whose revocation deletes what is left: the same name locked
 * again with the same lease would be the same key. */
static void rp_etcd_release(rp_etcd_held_t *held)
{
    rp_etcd_t *e = held->e;
    int retire = held->unsure, i;
    apr_pool_t *p;
    CURL *h;

    if (!e || !held->lease || !e->mutex) {
        return;
    }
    held->e = NULL;
    apr_pool_create(&p, NULL);
    h = rp_etcd_handle(e);
    for (i = held->n - 1; i >= 0; i--) {
        const char *why;

        if (held->keys[i]
            && (!h || rp_etcd_unlock_key(e, h, held->keys[i], p, &why))) {
            rp_etcd_say(e, 1, apr_psprintf(p, "cannot release a lock (lease "
                                           "%s is revoked once its other "
                                           "writes end): %s", held->lease->id,
                                           h ? why : "no libcurl handle"));
            retire = 1;
        }
    }
    if (h) {
        rp_etcd_handle_back(e, h);
    }
    rp_etcd_lease_end(e, held->lease, retire, 0);
    apr_pool_destroy(p);
}

void rp_etcd_unlock(rp_etcd_held_t *held)
{
    rp_etcd_release(held);
}

static apr_status_t rp_etcd_cleanup(void *data)
{
    rp_etcd_release(data);
    return APR_SUCCESS;
}

/* ---- locking ------------------------------------------------------------- */

/* The name of a resource in etcd: base64 of the prefix, "/", and the
 * SHA-256 of the resource in hexadecimal (the same on every gateway). */
static char *rp_etcd_name(const rp_etcd_t *e, apr_pool_t *p,
                          const char *resource)
{
    unsigned char d[RP_SHA256_LEN];
    char hex[2 * RP_SHA256_LEN + 1], *b64;
    const char *name;
    rp_sha256_t s;
    int i, len;

    rp_sha256_init(&s);
    rp_sha256_update(&s, resource, strlen(resource));
    rp_sha256_final(&s, d);
    for (i = 0; i < RP_SHA256_LEN; i++) {
        apr_snprintf(hex + 2 * (apr_size_t)i, 3, "%02x", d[i]);
    }
    name = apr_pstrcat(p, e->conf.prefix, "/", hex, NULL);
    len = (int)strlen(name);
    b64 = apr_palloc(p, apr_base64_encode_len(len));
    apr_base64_encode(b64, name, len);
    return b64;
}

static int rp_etcd_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lock one name with the lease; the key in *key. */
static rp_etcd_result_t rp_etcd_lock_one(rp_etcd_t *e, CURL *h,
                                         const char *name, const char *lease,
                                         apr_time_t deadline, apr_pool_t *p,
                                         char **key, const char **why)
{
    json_t *out = NULL;
    rp_etcd_result_t res;
    const char *k;

    res = rp_etcd_call(e, h, "/v3/lock/lock",
                       apr_pstrcat(p, "{\"name\":\"", name, "\",\"lease\":\"",
                                   lease, "\"}", NULL),
                       deadline, p, &out, why);
    k = res == RP_ETCD_OK ? json_string_value(json_object_get(out, "key"))
                          : NULL;
    if (res == RP_ETCD_OK && !k) {
        *why = "etcd answered a lock without its key";
        res = RP_ETCD_ERROR;
    }
    *key = k ? apr_pstrdup(p, k) : NULL;
    json_decref(out);
    return res;
}

/* Lock held->names in order; a lease that etcd no longer knows is replaced
 * once, and what was taken with it taken again. */
static rp_etcd_result_t rp_etcd_take_all(rp_etcd_t *e, CURL *h,
                                         rp_etcd_held_t *held,
                                         apr_time_t deadline, apr_pool_t *p,
                                         const char **why)
{
    rp_etcd_result_t res = RP_ETCD_OK;
    int i, tries;

    for (tries = 0; tries < 2; tries++) {
        res = rp_etcd_lease_take(e, h, deadline, p, &held->lease, why);
        for (i = 0; res == RP_ETCD_OK && i < held->n; i++) {
            res = rp_etcd_lock_one(e, h, held->names[i], held->lease->id,
                                   deadline, p, &held->keys[i], why);
            held->unsure |= res == RP_ETCD_TIMEOUT
                            || res == RP_ETCD_UNAVAILABLE;
        }
        if (res != RP_ETCD_ERROR || !held->lease
            || !strstr(*why, "lease not found")) {
            return res;
        }
        rp_etcd_lease_end(e, held->lease, 1, 1);
        held->lease = NULL;
        for (i = 0; i < held->n; i++) {
            held->keys[i] = NULL;
        }
    }
    return res;
}

int rp_etcd_lock(rp_etcd_t *e, apr_pool_t *p, const char *const *names,
                 int n, apr_time_t deadline, rp_etcd_held_t **heldp,
                 const char **why)
{
    rp_etcd_held_t *held = apr_pcalloc(p, sizeof(*held));
    rp_etcd_result_t res;
    CURL *h;
    int i, j;

    *heldp = held;
    *why = NULL;
    if (!e->mutex) {
        *why = "the lock server's client did not start in this process";
        return EIO;
    }
    held->names = apr_pcalloc(p, (apr_size_t)n * sizeof(char *));
    held->keys = apr_pcalloc(p, (apr_size_t)n * sizeof(char *));
    for (i = 0; i < n; i++) {
        held->names[i] = rp_etcd_name(e, p, names[i]);
    }
    /* One order on every gateway, each name once. */
    qsort(held->names, n, sizeof(char *), rp_etcd_name_cmp);
    for (i = 0, j = 0; i < n; i++) {
        if (j == 0 || strcmp(held->names[j - 1], held->names[i]) != 0) {
            held->names[j++] = held->names[i];
        }
    }
    held->n = j;
    held->e = e;
    apr_pool_cleanup_register(p, held, rp_etcd_cleanup,
                              apr_pool_cleanup_null);
    h = rp_etcd_handle(e);
    if (!h) {
        *why = "cannot make a libcurl handle";
        return EIO;
    }
    res = rp_etcd_take_all(e, h, held, deadline, p, why);
    rp_etcd_handle_back(e, h);
    return res == RP_ETCD_OK ? 0 : res == RP_ETCD_TIMEOUT ? ETIMEDOUT : EIO;
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

const char *rp_etcd_probe(rp_etcd_t *e, apr_pool_t *p,
                          apr_interval_time_t timeout)
{
    CURL *h = curl_easy_init();
    const char *all = NULL;
    int m;

    if (!h) {
        return "cannot make a libcurl handle";
    }
    for (m = 0; m < e->conf.members->nelts; m++) {
        json_t *out = NULL;
        const char *why;

        if (rp_etcd_post(e, h, m, "/v3/maintenance/status", "{}", timeout, p,
                         &out, &why) == RP_ETCD_OK) {
            json_decref(out);
            all = NULL;
            break;
        }
        all = all ? apr_pstrcat(p, all, "; ", why, NULL) : why;
    }
    curl_easy_cleanup(h);
    return all;
}
