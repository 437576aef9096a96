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

/* rp_etcd.c: per-resource locks in etcd (rp_etcd.h): the client of a
 * configuration, and the locks of one writer, taken in one order and
 * released; the calls are rp_etcd_call.c's, the leases rp_etcd_lease.c's.
 * No httpd type here. */

#include "apr_base64.h"
#include "apr_file_io.h"
#include "apr_uri.h"
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
#include "rp_sha256.h"

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

/* ---- unlocking ----------------------------------------------------------- */

/* Delete one key (base64) now; 0 when etcd took it. */
static int rp_etcd_delete(rp_etcd_t *e, rp_etcd_conn_t *c, const char *path,
                          const char *field, const char *key, apr_pool_t *p,
                          const char **why)
{
    json_t *out = NULL;
    int sent;
    rp_etcd_result_t res =
        rp_etcd_call(e, c, path, apr_pstrcat(p, "{\"", field, "\":\"", key,
                                             "\"}", NULL),
                     apr_time_now() + RP_ETCD_CALL_TIMEOUT, 0, p, &out, why,
                     &sent);

    json_decref(out);
    return res == RP_ETCD_OK ? 0 : EIO;
}

/* The key v3lock makes for `name` (base64) under `lease`: the name, "/",
 * the lease in hexadecimal; base64. */
static char *rp_etcd_key_of(apr_pool_t *p, const char *name,
                            const char *lease)
{
    int len = apr_base64_decode_len(name);
    char *plain = apr_palloc(p, (apr_size_t)len + 1), *b64;
    const char *key;

    len = apr_base64_decode(plain, name);
    plain[len] = '\0';
    key = apr_psprintf(p, "%s/%" APR_UINT64_T_HEX_FMT, plain,
                       (apr_uint64_t)apr_atoi64(lease));
    len = (int)strlen(key);
    b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len(len));
    apr_base64_encode(b64, key, len);
    return b64;
}

/* Give up what held took with its lease: unlock each key; a key etcd did
 * not delete, or one that an unsure lock call may have left, retires the
 * lease and is deleted later (the keeper): the same name locked again
 * with the same lease would be the same key, and another gateway could
 * then be let in. `gone`: etcd no longer knows the lease. */
static void rp_etcd_drop(rp_etcd_held_t *held, rp_etcd_conn_t *c,
                         int gone, apr_pool_t *p)
{
    rp_etcd_t *e = held->e;
    int i;

    for (i = held->n - 1; !gone && i >= 0; i--) {
        const char *why = "no libcurl handle";
        const char *key = held->keys[i] ? held->keys[i]
                        : i == held->unsure
                          ? rp_etcd_key_of(p, held->names[i], held->lease->id)
                          : NULL;

        if (key && (!c || rp_etcd_delete(e, c, "/v3/kv/deleterange", "key",
                                         key, p, &why) != 0)) {
            rp_etcd_say(e, 1, apr_psprintf(p, "cannot release a lock now "
                                           "(lease %s is retired, the key "
                                           "deleted later): %s",
                                           held->lease->id, why));
            rp_etcd_lease_retire(e, held->lease, key);
        }
        else if (i == held->unsure) {
            rp_etcd_lease_retire(e, held->lease, NULL);
        }
        held->keys[i] = NULL;
    }
    rp_etcd_lease_end(e, held->lease, gone);
    held->lease = NULL;
    held->unsure = -1;
}

static void rp_etcd_release(rp_etcd_held_t *held)
{
    rp_etcd_t *e = held->e;
    rp_etcd_conn_t *c;
    apr_pool_t *p;

    if (!e || !held->lease || !e->mutex) {
        return;
    }
    apr_pool_create(&p, NULL);
    c = rp_etcd_conn(e);
    rp_etcd_drop(held, c, 0, p);
    if (c) {
        rp_etcd_conn_back(e, c);
    }
    held->e = NULL;
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

/* Lock one name with the lease; the key in *key. Sent once: see
 * rp_etcd_call. */
static rp_etcd_result_t rp_etcd_lock_one(rp_etcd_t *e, rp_etcd_conn_t *c,
                                         const char *name, const char *lease,
                                         apr_time_t deadline, apr_pool_t *p,
                                         char **key, const char **why,
                                         int *sent)
{
    json_t *out = NULL;
    rp_etcd_result_t res;
    const char *k;

    res = rp_etcd_call(e, c, "/v3/lock/lock",
                       apr_pstrcat(p, "{\"name\":\"", name, "\",\"lease\":\"",
                                   lease, "\"}", NULL),
                       deadline, 1, p, &out, why, sent);
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

/* One try at all of held's names with one lease. A lock call that may
 * have reached etcd without a clean answer (no answer, an error a retry
 * might mend, or an answer to a request libcurl may have sent twice)
 * leaves held->unsure: that lock is not trusted. */
static rp_etcd_result_t rp_etcd_try(rp_etcd_t *e, rp_etcd_conn_t *c,
                                    rp_etcd_held_t *held, apr_time_t deadline,
                                    apr_pool_t *p, const char **why)
{
    rp_etcd_result_t res = rp_etcd_lease_take(e, c, deadline, p,
                                              &held->lease, why);
    int i, sent;

    for (i = 0; res == RP_ETCD_OK && i < held->n; i++) {
        res = rp_etcd_lock_one(e, c, held->names[i], held->lease->id,
                               deadline, p, &held->keys[i], why, &sent);
        if (sent == RP_ETCD_TWICE
            || (sent == RP_ETCD_SENT && res != RP_ETCD_OK
                && res != RP_ETCD_ERROR)) {
            held->unsure = i;
            if (res == RP_ETCD_OK) {
                *why = "libcurl may have sent the lock twice (a connection "
                       "broke): not trusted";
                res = RP_ETCD_UNAVAILABLE;
            }
        }
    }
    return res;
}

/* Lock held->names in order. After an unsure lock, or a lease etcd no
 * longer knows, what was taken is given up and taken again with a fresh
 * lease, while the time lasts. */
static rp_etcd_result_t rp_etcd_take_all(rp_etcd_t *e, rp_etcd_conn_t *c,
                                         rp_etcd_held_t *held,
                                         apr_time_t deadline, apr_pool_t *p,
                                         const char **why)
{
    rp_etcd_result_t res = RP_ETCD_OK;
    int tries;

    for (tries = 0; tries < RP_ETCD_TRIES; tries++) {
        int gone;

        res = rp_etcd_try(e, c, held, deadline, p, why);
        if (res == RP_ETCD_OK || !held->lease) {
            return res;
        }
        gone = res == RP_ETCD_ERROR && *why && strstr(*why, "lease not found");
        if (held->unsure < 0 && !gone) {
            return res;             /* a clean refusal: nothing to mend */
        }
        rp_etcd_drop(held, c, gone, p);
        if (res == RP_ETCD_TIMEOUT || apr_time_now() >= deadline) {
            return res;
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
    rp_etcd_conn_t *c;
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
    held->unsure = -1;
    held->e = e;
    apr_pool_cleanup_register(p, held, rp_etcd_cleanup,
                              apr_pool_cleanup_null);
    c = rp_etcd_conn(e);
    if (!c) {
        *why = "cannot make a libcurl handle";
        return EIO;
    }
    res = rp_etcd_take_all(e, c, held, deadline, p, why);
    rp_etcd_conn_back(e, c);
    return res == RP_ETCD_OK ? 0 : res == RP_ETCD_TIMEOUT ? ETIMEDOUT : EIO;
}

const char *rp_etcd_probe(rp_etcd_t *e, apr_pool_t *p,
                          apr_interval_time_t timeout)
{
    rp_etcd_conn_t c;
    const char *all = NULL;
    int m;

    c.warm = 0;
    if ((c.h = curl_easy_init()) == NULL) {
        return "cannot make a libcurl handle";
    }
    for (m = 0; m < e->conf.members->nelts; m++) {
        json_t *out = NULL;
        const char *why;
        int sent;

        if (rp_etcd_post(e, &c, m, "/v3/maintenance/status", "{}", timeout, p,
                         &out, &why, &sent) == RP_ETCD_OK) {
            json_decref(out);
            all = NULL;
            break;
        }
        all = all ? apr_pstrcat(p, all, "; ", why, NULL) : why;
    }
    curl_easy_cleanup(c.h);
    return all;
}
