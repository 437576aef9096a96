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

/* rp_etcd_call.c: the calls to etcd's members (rp_etcd_int.h): HTTP/1.1
 * POSTs of JSON to their gateway through libcurl, the answer judged, the
 * next member when one cannot serve, and the handles whose connections a
 * process keeps for its next calls. */

#include "apr_atomic.h"
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

/* An error answer that a member without a leader, or in an election, or
 * behind on the log gives: another member, or the same one a moment
 * later, may serve. gRPC's Unavailable (14), DeadlineExceeded (4), and
 * Unknown (2) with a message of that kind. */
static int rp_etcd_transient(json_int_t code, const char *message)
{
    return code == 14 || code == 4
        || (message && (strstr(message, "leader")
                        || strstr(message, "timed out")
                        || strstr(message, "deadline exceeded")
                        || strstr(message, "unavailable")
                        || strstr(message, "too many requests")));
}

/* An error's message and code, as etcd 3.4's gateway writes them
 * ({"error": "...", "code": N}, or {"error": {"grpc_code": N, "message":
 * "..."}} on a stream) and as later ones do ({"code": N, "message":
 * "..."}). 0 when j holds no error. */
static int rp_etcd_error_of(json_t *j, const char **message, json_int_t *code)
{
    json_t *err = json_object_get(j, "error");

    if (json_is_object(err)) {
        *message = json_string_value(json_object_get(err, "message"));
        *code = json_integer_value(json_object_get(err, "grpc_code"));
        return 1;
    }
    *message = err ? json_string_value(err)
                   : json_string_value(json_object_get(j, "message"));
    *code = json_integer_value(json_object_get(j, "code"));
    return err || (*message && json_object_get(j, "code"));
}

/* The answer as a JSON object, or why it is not one. */
static rp_etcd_result_t rp_etcd_judge(apr_pool_t *p, long status,
                                      rp_etcd_answer_t *a, json_t **out,
                                      const char **why)
{
    json_t *j = a->data ? json_loadb(a->data, a->len, 0, NULL) : NULL;
    const char *m = NULL;
    json_int_t code = 0;
    int err = json_is_object(j) && rp_etcd_error_of(j, &m, &code);

    if (json_is_object(j) && !err && status == 200) {
        *out = j;
        return RP_ETCD_OK;
    }
    if (err) {
        /* m is j's: copied before j goes. */
        int transient = rp_etcd_transient(code, m) || status >= 500;

        *why = apr_psprintf(p, "%s (code %" APR_INT64_T_FMT ")",
                            m ? m : "error", (apr_int64_t)code);
        json_decref(j);
        return transient ? RP_ETCD_UNAVAILABLE : RP_ETCD_ERROR;
    }
    json_decref(j);
    *why = apr_psprintf(p, "HTTP %ld and no etcd answer%s", status,
                        a->too_long ? " (too long)" : "");
    return status >= 500 || status == 429 ? RP_ETCD_UNAVAILABLE
                                          : RP_ETCD_ERROR;
}

/* Did libcurl's failure happen before anything was sent? Only on a new
 * connection: on one made before, libcurl may have sent the request,
 * seen the connection broken, and failed to make a new one. */
static int rp_etcd_unsent(CURL *h, CURLcode rc, int fresh)
{
    curl_off_t pre = 0;

    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return fresh;
    case CURLE_OPERATION_TIMEDOUT:
        /* Timed out before the transfer began: while connecting. */
        curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
        return fresh && pre == 0;
    default:
        return 0;
    }
}

rp_etcd_result_t rp_etcd_post(const rp_etcd_t *e, rp_etcd_conn_t *c, int m,
                              const char *path, const char *body,
                              apr_interval_time_t timeout, apr_pool_t *p,
                              json_t **out, const char **why, int *sent)
{
    const char *member = APR_ARRAY_IDX(e->conf.members, m, const char *);
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/json");
    rp_etcd_answer_t a = { NULL, 0, 0 };
    long ms = (long)apr_time_as_msec(timeout), status = 0, connects = 0;
    int fresh = !(c->warm & (1u << m));
    rp_etcd_result_t res;
    CURLcode rc;

    rp_etcd_options(e, c->h, apr_pstrcat(p, member, path, NULL), body,
                    ms > 0 ? ms : 1, headers, &a);
    rc = curl_easy_perform(c->h);
    curl_slist_free_all(headers);
    curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &connects);
    *sent = rc != CURLE_OK && rp_etcd_unsent(c->h, rc, fresh)
            ? RP_ETCD_NOT_SENT
            : !fresh && connects > 0 ? RP_ETCD_TWICE : RP_ETCD_SENT;
    if (rc == CURLE_OPERATION_TIMEDOUT && *sent != RP_ETCD_NOT_SENT) {
        *why = apr_psprintf(p, "%s: no answer within %ld ms", member, ms);
        res = RP_ETCD_TIMEOUT;
    }
    else if (rc != CURLE_OK) {
        *why = apr_psprintf(p, "%s: %s", member, curl_easy_strerror(rc));
        res = RP_ETCD_DOWN;
    }
    else {
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
        res = rp_etcd_judge(p, status, &a, out, why);
        if (res != RP_ETCD_OK) {
            *why = apr_psprintf(p, "%s: %s", member, *why);
        }
    }
    /* A connection to m is kept only after an answer on it. */
    c->warm = rc == CURLE_OK ? c->warm | (1u << m) : c->warm & ~(1u << m);
    free(a.data);
    return res;
}

/* Ask another member first next time, unless another thread did. */
static void rp_etcd_pass_over(rp_etcd_t *e, int m)
{
    apr_uint32_t n = (apr_uint32_t)e->conf.members->nelts;

    apr_atomic_cas32(&e->current, ((apr_uint32_t)m + 1) % n, (apr_uint32_t)m);
}

rp_etcd_result_t rp_etcd_call(rp_etcd_t *e, rp_etcd_conn_t *c,
                              const char *path, const char *body,
                              apr_time_t deadline, int once, apr_pool_t *p,
                              json_t **out, const char **why, int *sent)
{
    int n = e->conf.members->nelts;

    *why = "the time ran out before etcd was asked";
    *sent = RP_ETCD_NOT_SENT;
    for (;;) {
        int first = (int)apr_atomic_read32(&e->current) % n, i, silent = 0;

        for (i = 0; i < n; i++) {
            int m = (first + i) % n, s;
            apr_interval_time_t left = deadline - apr_time_now();
            rp_etcd_result_t res;

            if (left <= 0) {
                return RP_ETCD_TIMEOUT;
            }
            res = rp_etcd_post(e, c, m, path, body,
                               once || left < RP_ETCD_TRY ? left
                                                          : RP_ETCD_TRY,
                               p, out, why, &s);
            *sent = s > *sent ? s : *sent;
            if (res == RP_ETCD_OK) {
                *why = NULL;
                return res;
            }
            rp_etcd_pass_over(e, m);
            if (res == RP_ETCD_ERROR
                || (once && s != RP_ETCD_NOT_SENT)) {
                return res;
            }
            silent += res == RP_ETCD_DOWN || res == RP_ETCD_TIMEOUT;
        }
        if (silent == n) {
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

rp_etcd_conn_t *rp_etcd_conn(rp_etcd_t *e)
{
    rp_etcd_conn_t *c = NULL;

    apr_thread_mutex_lock(e->mutex);
    if (e->nidle) {
        c = e->idle[--e->nidle];
    }
    apr_thread_mutex_unlock(e->mutex);
    if (!c && (c = calloc(1, sizeof(*c))) != NULL
        && (c->h = curl_easy_init()) == NULL) {
        free(c);
        c = NULL;
    }
    return c;
}

/* Kept with its connections for the next call of this process. */
void rp_etcd_conn_back(rp_etcd_t *e, rp_etcd_conn_t *c)
{
    apr_thread_mutex_lock(e->mutex);
    if (e->nidle < RP_ETCD_IDLE_MAX) {
        e->idle[e->nidle++] = c;
        c = NULL;
    }
    apr_thread_mutex_unlock(e->mutex);
    if (c) {
        rp_etcd_conn_close(c);
    }
}

void rp_etcd_conn_close(rp_etcd_conn_t *c)
{
    curl_easy_cleanup(c->h);
    free(c);
}
