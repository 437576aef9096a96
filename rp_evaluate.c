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

/* rp_evaluate.c: RequirePreconditionEvaluate Backend and Digest (see
 * rp_evaluate.h): a write's precondition judged against what the
 * validator look-up (rp_lookup.c) found, and the 412 that says why. The
 * Digest ETags of reads and forwarded writes are rp_digest.c's.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"

#include "apr_atomic.h"
#include "apr_date.h"
#include "apr_strings.h"

#include "rp_module.h"
#include "rp_policy.h"
#include "rp_refusal_body.h"
#include "rp_digest.h"
#include "rp_evaluate.h"
#include "rp_lookup.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

/* ---- the judgement -------------------------------------------------------- */

/* An entity-tag list with mod_deflate's "-gzip" and mod_brotli's "-br"
 * taken off every tag: the client has the compressed variant's tag of
 * the representation the backend tags without it. */
static const char *rp_unsuffix(apr_pool_t *p, const char *list)
{
    char *out = apr_palloc(p, strlen(list) + 1);
    char *w = out;
    int quoted = 0;

    for (; *list; list++) {
        if (*list == '"' && quoted) {
            if (w - out >= 5 && !strncmp(w - 5, "-gzip", 5)) {
                w -= 5;
            }
            else if (w - out >= 3 && !strncmp(w - 3, "-br", 3)) {
                w -= 3;
            }
        }
        if (*list == '"') {
            quoted = !quoted;
        }
        *w++ = *list;
    }
    *w = '\0';
    return out;
}

/* The client's conditional headers, judged as httpd judges them
 * (ap_meets_conditions) against the ETag the caller put in headers_out and
 * `last_modified`, with mod_deflate's suffixes off the client's tags (the
 * caller's tag has none). Without a date, ap_meets_conditions() would take
 * "now": If-Modified-Since and If-Unmodified-Since are then ignored, as
 * RFC 9110 13.1.3 and 13.1.4 say. The headers are as they were after. */
int rp_meets(request_rec *r, const char *last_modified)
{
    static const char *const tags[] = { "If-Match", "If-None-Match" };
    static const char *const dates[] = { "If-Modified-Since",
                                         "If-Unmodified-Since" };
    apr_time_t t = last_modified ? apr_date_parse_http(last_modified)
                                 : APR_DATE_BAD;
    apr_time_t mtime = r->mtime;
    const char *tag[2], *date[2];
    int i, status;

    for (i = 0; i < 2; i++) {
        tag[i] = apr_table_get(r->headers_in, tags[i]);
        date[i] = apr_table_get(r->headers_in, dates[i]);
        if (tag[i]) {
            apr_table_setn(r->headers_in, tags[i],
                           rp_unsuffix(r->pool, tag[i]));
        }
        if (date[i] && t == APR_DATE_BAD) {
            apr_table_unset(r->headers_in, dates[i]);
        }
    }
    r->mtime = t == APR_DATE_BAD ? 0 : t;
    status = ap_meets_conditions(r);
    r->mtime = mtime;
    for (i = 0; i < 2; i++) {
        if (tag[i]) {
            apr_table_setn(r->headers_in, tags[i], tag[i]);
        }
        if (date[i]) {
            apr_table_setn(r->headers_in, dates[i], date[i]);
        }
    }
    return status;
}

/* A write's precondition against the look-up's validators (an
 * If-Unmodified-Since without a date was refused before). OK or 412. */
static int rp_judge_validators(request_rec *r, const char *etag,
                               const char *last_modified)
{
    int status;

    if (etag) {
        apr_table_setn(r->headers_out, "ETag", rp_unsuffix(r->pool, etag));
    }
    else {
        apr_table_unset(r->headers_out, "ETag");
    }
    status = rp_meets(r, last_modified);
    apr_table_unset(r->headers_out, "ETag");
    return status == HTTP_PRECONDITION_FAILED ? status : OK;
}

/* Is an If-Unmodified-Since (with no If-Match, which would decide) not
 * to be trusted? A Last-Modified has one-second resolution: two changes
 * within one second carry the same date, and httpd compares whole
 * seconds, so a date of this second or the last could hide a change the
 * client has not seen; no date at all proves nothing (ap_meets_conditions
 * would compare with "now" and let the current second pass). */
static int rp_unsure_date(const request_rec *r, const char *last_modified)
{
    apr_time_t lm;

    if (apr_table_get(r->headers_in, "If-Match")
        || !apr_table_get(r->headers_in, "If-Unmodified-Since")) {
        return 0;
    }
    if (!last_modified
        || (lm = apr_date_parse_http(last_modified)) == APR_DATE_BAD) {
        return 1;
    }
    return apr_time_sec(lm) + 1 >= apr_time_sec(apr_time_now());
}

/* The 412's body, when there is more to say than httpd's. */
static void rp_failed_body(request_rec *r, const char *detail)
{
    const char *body;

    if (ap_response_code_string(r,
                                ap_index_of_response(HTTP_PRECONDITION_FAILED))) {
        return;
    }
    if (rp_prefers_json(apr_table_get(r->headers_in, "Accept"))) {
        body = apr_pstrcat(r->pool, "{\"type\":\"about:blank\",\"title\":"
                           "\"Precondition Failed\",\"status\":412,"
                           "\"detail\":\"", rp_json_escape(r->pool, detail),
                           "\"}\n", NULL);
        apr_table_setn(r->notes, RP_NOTE_JSON, "1");
    }
    else {
        body = apr_pstrcat(r->pool, "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD "
                           "HTML 2.0//EN\">\n<html><head>\n<title>412 "
                           "Precondition Failed</title>\n</head><body>\n"
                           "<h1>Precondition Failed</h1>\n<p>",
                           ap_escape_html(r->pool, detail),
                           "</p>\n</body></html>\n", NULL);
    }
    ap_custom_response(r, HTTP_PRECONDITION_FAILED, body);
}

static const char *rp_or_none(const char *v)
{
    return v ? v : "(none)";
}

/* The 412's explanation where the backend gives no validators at all. */
static const char rp_no_validators_detail[] =
    "The backend gives neither an ETag nor a Last-Modified for this "
    "document, so no If-Match with an ETag and no If-Unmodified-Since can "
    "hold, and every such write to it is refused; "
    "RequirePreconditionEvaluate Digest gives strong ETags made from the "
    "document's bytes.";

/* Has this child process said RP00094 yet? Per process, not server-wide
 * state: each child says it once, so that an operator sees it at httpd's
 * default LogLevel without a warning for every refused write (RP00091,
 * at debug, gives every one). */
static apr_uint32_t rp_no_validators_said;

/* Backend: the look-up found the document (2xx) but the backend gave
 * neither ETag nor Last-Modified. If-Match with an ETag and
 * If-Unmodified-Since then fail whatever the client read; only the
 * explanation depends on this, never the judgement. */
static int rp_no_validators(int mode, const rp_lookup_t *lu)
{
    return mode == RP_EVAL_BACKEND && ap_is_HTTP_SUCCESS(lu->status)
        && !lu->etag && !lu->last_modified;
}

/* The operator's side of that 412: the fix is in the configuration. */
static const char *rp_no_validators_refusal(request_rec *r,
                                            const rp_lookup_t *lu)
{
    if (apr_atomic_cas32(&rp_no_validators_said, 1, 0) == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00094)
                      "%s %s: 412: the backend's answer to the validator "
                      "look-up (%s) has neither ETag nor Last-Modified, so "
                      "no conditional write to it can pass; set "
                      "RequirePreconditionEvaluate Digest for this location "
                      "(said once per child process)", r->method, r->uri,
                      lu->method);
    }
    return rp_no_validators_detail;
}

static int rp_refuse(request_rec *r, const rp_lookup_t *lu,
                     const char *detail)
{
    rp_stats_count(RP_STAT_EVAL_FAILED);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00091)
                  "%s %s: 412 for the backend: its %s said %d, ETag %s, "
                  "Last-Modified %s; the request said If-Match %s, "
                  "If-None-Match %s, If-Unmodified-Since %s%s%s",
                  r->method, r->uri, lu->method, lu->status,
                  lu->etag ? lu->etag : "(none)",
                  lu->last_modified ? lu->last_modified : "(none)",
                  rp_or_none(apr_table_get(r->headers_in, "If-Match")),
                  rp_or_none(apr_table_get(r->headers_in, "If-None-Match")),
                  rp_or_none(apr_table_get(r->headers_in,
                                           "If-Unmodified-Since")),
                  detail ? ": " : "", detail ? detail : "");
    if (detail) {
        rp_failed_body(r, detail);
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_PRECONDITION_FAILED;
}

int rp_evaluate_write(request_rec *r, int mode, apr_off_t limit)
{
    const char *im = apr_table_get(r->headers_in, "If-Match");
    rp_lookup_t lu;
    int exists;

    if (!im && !apr_table_get(r->headers_in, "If-None-Match")
        && !apr_table_get(r->headers_in, "If-Unmodified-Since")) {
        return DECLINED;
    }
    rp_stats_count(RP_STAT_LOOKUPS);
    rp_lookup(r, mode, limit, &lu);
    exists = ap_is_HTTP_SUCCESS(lu.status);
    if (!exists && lu.status != HTTP_NOT_FOUND && lu.status != HTTP_GONE) {
        return rp_lookup_failed(r, &lu);
    }
    if (exists && lu.too_large) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00093)
                      "%s %s: 412: the representation is larger than "
                      "RequirePreconditionDigestLimit (%" APR_OFF_T_FMT
                      " bytes), so it has no ETag to judge against; "
                      "nothing forwarded", r->method, r->uri, limit);
        return rp_refuse(r, &lu, apr_psprintf(r->pool,
                         "The document is larger than "
                         "RequirePreconditionDigestLimit (%" APR_OFF_T_FMT
                         " bytes): it has no ETag, so no precondition on it "
                         "can be judged, and the write is refused.", limit));
    }
    if (exists && rp_unsure_date(r, lu.last_modified)) {
        if (rp_no_validators(mode, &lu)) {
            return rp_refuse(r, &lu, rp_no_validators_refusal(r, &lu));
        }
        return rp_refuse(r, &lu, "If-Unmodified-Since tells changes apart "
                         "only a second or more apart, and the document has "
                         "no Last-Modified or changed within the last "
                         "second: send If-Match with its ETag, or try "
                         "again.");
    }
    /* Absent: only If-Match can fail (RFC 9110 13.1.1); there is no date
     * for If-Unmodified-Since, which is then ignored (13.1.4). */
    if (exists ? rp_judge_validators(r, lu.etag, lu.last_modified) != OK
               : im != NULL) {
        /* Said only where the validators decided: If-None-Match: * over
         * an existing document, or a strong ETag that is another one,
         * fails whatever the backend gives. */
        const char *why = exists && im && lu.etag && lu.etag[0] == 'W'
            ? "The backend gives weak ETags (W/...), which never match "
              "If-Match (RFC 9110); RequirePreconditionEvaluate Digest gives "
              "strong ones made from the document's bytes." : NULL;

        if (exists && im && im[0] != '*' && rp_no_validators(mode, &lu)) {
            why = rp_no_validators_refusal(r, &lu);
        }
        return rp_refuse(r, &lu, why);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00092)
                  "%s %s: precondition holds for the backend: its %s said "
                  "%d, ETag %s, Last-Modified %s; forwarded", r->method,
                  r->uri, lu.method, lu.status,
                  lu.etag ? lu.etag : "(none)",
                  lu.last_modified ? lu.last_modified : "(none)");
    if (mode == RP_EVAL_DIGEST) {
        rp_digest_forward(r);
    }
    return DECLINED;
}

void rp_evaluate_register_hooks(apr_pool_t *p)
{
    rp_lookup_register_hooks(p);
    rp_digest_register_hooks(p);
}
