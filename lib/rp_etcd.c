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
