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
rp_etcd_result_t rp_etcd_post(const rp_etcd_t *e, CURL *h, int m,
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
rp_etcd_result_t rp_etcd_call(rp_etcd_t *e, CURL *h, const char *path,
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

CURL *rp_etcd_handle(rp_etcd_t *e)
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
void rp_etcd_handle_back(rp_etcd_t *e, CURL *h)
{
    apr_thread_mutex_lock(e->mutex);
    APR_ARRAY_PUSH(e->idle, CURL *) = h;
    apr_thread_mutex_unlock(e->mutex);
}
