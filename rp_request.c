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

/* rp_request.c: a request's way through the module. The fixup is a short
 * list of decisions (pass through, Digest's read, judge, serialize); a
 * refusal is the 428 with its body (HTML or problem+json), and the body
 * of a refused write is spared. COPY and MOVE are judged at their
 * Destination too, looked up as mod_dav looks it up. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

/* Before APR's headers: with offsetof, APR_OFFSETOF (in the brigade
 * macros) is no null pointer arithmetic. */
#include <stddef.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"
#include "util_filter.h"

#include "apr_strings.h"
#include "apr_uri.h"

#include "rp_policy.h"
#include "rp_module.h"
#include "rp_refusal_body.h"
#include "rp_evaluate.h"
#include "rp_lock.h"
#include "rp_override.h"
#include "rp_request.h"
#include "rp_spool.h"
#include "rp_stats.h"
#include "rp_walk.h"

APLOG_USE_MODULE(require_precondition);

/* Registered once a load by rp_request_register_hooks, as httpd's own
 * modules keep theirs: no configuration's state. The 428 bodies, made
 * once a configuration cycle, are in the server-wide record. */
static ap_filter_rec_t *rp_json_type_filter_handle;

/* What a write says about the resource `target` (a request or the
 * destination sub-request of a COPY or MOVE), for the policy. */
static void rp_describe(rp_write_t *w, const request_rec *r,
                        const request_rec *target, const rp_dir_conf *conf,
                        int destination)
{
    w->if_match = apr_table_get(r->headers_in, "If-Match");
    w->if_none_match = apr_table_get(r->headers_in, "If-None-Match");
    w->if_unmodified_since = apr_table_get(r->headers_in,
                                           "If-Unmodified-Since");
    w->if_header = apr_table_get(r->headers_in, "If");
    w->overwrite = apr_table_get(r->headers_in, "Overwrite");
    w->target = target->uri;
    w->request_time = r->request_time;
    w->accepted = RP_VALUE(conf, headers);
    w->dav = rp_is_dav(target);
    w->destination = destination;
    w->accept_star = RP_VALUE(conf, accept_star);
    /* The resource itself, not the deepest existing folder of a path
     * whose rest is in path_info. */
    w->collection = w->dav && target->finfo.filetype == APR_DIR
                    && !(target->path_info && *target->path_info);
    w->properties = w->dav && !destination
                    && r->method_number == M_PROPPATCH;
}

/* What the request does, for rp_refusal_status. A method override is the
 * application's business, not mod_dav's. */
static int rp_op(const request_rec *r, int method)
{
    if (method != r->method_number) {
        return RP_OP_OTHER;
    }
    switch (method) {
    case M_PUT:
        return RP_OP_PUT;
    case M_DELETE:
        return RP_OP_DELETE;
    case M_MKCOL:
        return RP_OP_MKCOL;
    case M_PROPPATCH:
        return RP_OP_PROPPATCH;
    case M_COPY:
    case M_MOVE:
        return RP_OP_COPY_MOVE;
    case M_PATCH:
        return RP_OP_UNKNOWN;
    default:
        /* A method registered at configuration time; mod_dav registers
         * and serves BIND and SEARCH itself. */
        return method > M_INVALID && strcmp(r->method, "BIND") != 0
               && strcmp(r->method, "SEARCH") != 0 ? RP_OP_UNKNOWN
                                                   : RP_OP_OTHER;
    }
}

/* The request URI's resource as the directory walk left it: a path_info
 * is what is past the last folder that exists (or past a file). */
static int rp_state(const request_rec *r)
{
    int more = r->path_info && *r->path_info;

    if (r->finfo.filetype == APR_NOFILE) {
        return more ? RP_RES_NO_PARENT : RP_RES_ABSENT;
    }
    return more ? RP_RES_UNKNOWN : RP_RES_EXISTS;
}

/* On an HTTP/2 stream httpd does not drain the body after the response
 * (each stream is a connection that is not kept alive), so mod_http2
 * resets the stream, and clients that are still sending (curl) report a
 * framing error instead of the 428. Read a small body that is already
 * on its way, and throw it away. */
static void rp_drain_stream(request_rec *r)
{
    char buf[HUGE_STRING_LEN];
    apr_off_t total = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_ERROR) != OK
        || !ap_should_client_block(r)) {
        return;
    }
    while (total <= RP_DRAIN_MAX
           && (n = ap_get_client_block(r, buf, sizeof(buf))) > 0) {
        total += n;
    }
}

/* A body the client may still be sending is not worth reading: with
 * Expect: 100-continue it has not been sent yet, and a large or chunked one
 * would cost more to drain than a new connection. Close instead. */
static void rp_spare_body(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    int chunked = apr_table_get(r->headers_in, "Transfer-Encoding") != NULL;
    apr_off_t len = 0;

    if (cl && (apr_strtoff(&len, cl, NULL, 10) != APR_SUCCESS || len < 0)) {
        len = RP_DRAIN_MAX + 1;
    }
    if (chunked || len > RP_DRAIN_MAX || (r->expecting_100 && len > 0)) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    else if (len > 0 && r->connection->master) {
        rp_drain_stream(r);
    }
}

/* Give the 428 a body that says how to resubmit, unless the admin chose
 * one with ErrorDocument. */
static void rp_set_body(request_rec *r, unsigned int counted)
{
    const rp_srv_conf_t *sc = rp_srv_conf(r->server);

    if (ap_response_code_string(r,
                                ap_index_of_response(HTTP_PRECONDITION_REQUIRED))) {
        return;
    }
    if (rp_prefers_json(apr_table_get(r->headers_in, "Accept"))) {
        ap_custom_response(r, HTTP_PRECONDITION_REQUIRED,
                           sc->json_bodies[counted]);
        apr_table_setn(r->notes, RP_NOTE_JSON, "1");
    }
    else {
        ap_custom_response(r, HTTP_PRECONDITION_REQUIRED,
                           sc->html_bodies[counted]);
    }
}

/* Judge one write of the request: the request URI's own, or the one a
 * COPY or MOVE makes at its Destination (`dest`, the sub-request that maps
 * it, judged under its own configuration `conf`). DECLINED to let the
 * request go on, or the 428. */
static int rp_require(request_rec *r, const rp_dir_conf *conf,
                      const request_rec *dest, int method)
{
    rp_write_t w;
    unsigned int counted, reason;
    int status;
    const char *why;
    const char *where = dest ? apr_pstrcat(r->pool, " (destination ",
                                           dest->uri, ")", NULL) : "";
    const char *override = apr_table_get(r->notes, RP_NOTE_OVERRIDE);
    const char *member = apr_table_get(r->notes, RP_NOTE_MEMBER);

    if (member) {
        /* Said once: the next write judged is another resource. */
        where = apr_pstrcat(r->pool, where, " (", member, ")", NULL);
        apr_table_unset(r->notes, RP_NOTE_MEMBER);
    }
    rp_stats_count(RP_STAT_JUDGED);
    rp_describe(&w, r, dest ? dest : r, conf, dest != NULL);
    w.op = rp_op(r, method);
    w.state = rp_state(r);
    counted = rp_counted_set(&w);
    reason = rp_judge(&w);
    if (!reason && (status = rp_refusal_status(&w, &why))
                   != HTTP_PRECONDITION_REQUIRED) {
        /* Not a write that would succeed but for its precondition: the
         * client needs the answer it would get anyway. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00081)
                      "%s %s%s: no usable precondition, but %s: %d, not "
                      "428%s", r->method, r->uri, where, why, status,
                      RP_VALUE(conf, mode) == RP_MODE_REPORT_ONLY
                      ? " (left to the handler) [ReportOnly]" : "");
        if (RP_VALUE(conf, mode) == RP_MODE_REPORT_ONLY) {
            return DECLINED;
        }
        rp_spare_body(r);
        return status;
    }
    if (reason) {
        rp_stats_count(rp_stats_kind(reason)); /* kind */
        apr_table_setn(r->notes, RP_NOTE_COUNTED, rp_reason_name(reason));
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00001)
                      "%s %s%s: let through: %s counts as a precondition",
                      r->method, r->uri, where, rp_reason_name(reason));
        return DECLINED;
    }

    apr_table_setn(r->subprocess_env, "PRECONDITION_MISSING", "1");
    apr_table_setn(r->notes, RP_NOTE_MISSING, "1");
    override = override ? apr_pstrcat(r->pool, " [method override: ",
                                      override, "]", NULL)
             : method != r->method_number ? " [method override]" : "";

    if (RP_VALUE(conf, mode) == RP_MODE_REPORT_ONLY) {
        rp_stats_count(RP_STAT_REPORT_ONLY);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00002)
                      "%s %s%s from %s would be refused with 428: no usable "
                      "precondition (accepted: %s)%s [ReportOnly]",
                      r->method, r->uri, where, r->useragent_ip,
                      rp_srv_conf(r->server)->header_lists[counted],
                      override);
        return DECLINED;
    }

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00003)
                  "%s %s%s: refused with 428: no usable precondition "
                  "(accepted: %s)%s", r->method, r->uri, where,
                  rp_srv_conf(r->server)->header_lists[counted], override);
    rp_stats_count(RP_STAT_REFUSED);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    rp_set_body(r, counted);
    rp_spare_body(r);
    return HTTP_PRECONDITION_REQUIRED;
}

/* The sub-request that maps the Destination of a COPY or MOVE, looked up
 * exactly as mod_dav looks it up (dav_lookup_uri): the Destination header,
 * or Netscape's New-uri; an absolute URI of this request's scheme, without
 * query or fragment; its path, relative ones too, in this virtual host,
 * with the request's own method, so that the destination's <Limit> and
 * authorization apply as they will for mod_dav. NULL when mod_dav would
 * refuse the request for its Destination, so that nothing is written.
 * Where another handler serves the request, any path in the header is
 * looked up, since what the backend accepts is not known. */
static request_rec *rp_destination_lookup(request_rec *r)
{
    const char *value = apr_table_get(r->headers_in, "Destination");
    apr_uri_t uri;
    request_rec *sub;

    if (!value) {
        const char *host = apr_table_get(r->headers_in, "Host");
        const char *path = apr_table_get(r->headers_in, "New-uri");

        if (host && path) {
            value = apr_pstrcat(r->pool, "http://", host, path, NULL);
        }
    }
    if (!value || apr_uri_parse(r->pool, value, &uri) != APR_SUCCESS) {
        return NULL;
    }
    if (rp_is_dav(r)) {
        const char *scheme = r->parsed_uri.scheme ? r->parsed_uri.scheme
                                                  : ap_http_scheme(r);

        if (!uri.scheme || uri.query || uri.fragment
            || ap_cstr_casecmp(uri.scheme, scheme) != 0) {
            return NULL;
        }
    }
    else if (!uri.path) {
        return NULL;
    }
    sub = ap_sub_req_method_uri(r->method,
                                apr_uri_unparse(r->pool, &uri,
                                                APR_URI_UNP_OMITSITEPART),
                                r, NULL);
    if (sub->status != HTTP_OK) {
        ap_destroy_sub_req(sub);
        return NULL;
    }
    return sub;
}

/* COPY and MOVE write their Destination, and MOVE removes its source:
 * each is judged under its own location's configuration, the destination
 * as a PUT there, the source of a MOVE as a DELETE. A COPY's source is
 * judged only where COPY itself is listed. */
static int rp_require_copy_move(request_rec *r, const rp_dir_conf *conf)
{
    apr_int64_t source_methods = RP_VALUE(conf, methods);
    request_rec *dest;
    int status = DECLINED;

    if (RP_VALUE(conf, mode) > RP_MODE_OFF
        && ((source_methods & RP_BIT(r->method_number))
            || (r->method_number == M_MOVE
                && (source_methods & RP_BIT(M_DELETE))))) {
        status = rp_require(r, conf, NULL, r->method_number);
        if (status != DECLINED) {
            return status;
        }
    }
    else if (r->method_number == M_MOVE) {
        const rp_dir_conf *inner = rp_guarded_inside(r, r);

        if (inner && (status = rp_require(r, inner, NULL, M_MOVE))
                     != DECLINED) {
            return status;
        }
    }
    dest = rp_destination_lookup(r);
    if (dest) {
        const rp_dir_conf *dconf =
            ap_get_module_config(dest->per_dir_config,
                                 &require_precondition_module);

        const rp_dir_conf *inner;

        if (RP_VALUE(dconf, mode) > RP_MODE_OFF
            && (RP_VALUE(dconf, methods) & (RP_BIT(M_PUT)
                                            | RP_BIT(r->method_number)))) {
            status = rp_require(r, dconf, dest, r->method_number);
        }
        else if ((inner = rp_guarded_inside(r, dest)) != NULL) {
            status = rp_require(r, inner, dest, r->method_number);
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, RPLOGNO(00004)
                          "%s %s: destination %s not guarded", r->method,
                          r->uri, dest->uri);
        }
    }
    return status;
}

/* RequirePreconditionSerialize: hold what the request writes (for COPY
 * and MOVE, the Destination too) until the handler's response ends, or
 * answer 503 when it stays taken longer than the timeout or cannot be
 * locked (rp_lock.c). */

/* Did a request that r was redirected from leave serialization to it? */
static int rp_deferred(const request_rec *r)
{
    for (r = r->prev; r; r = r->prev) {
        if (apr_table_get(r->notes, RP_NOTE_DEFERRED)) {
            return 1;
        }
    }
    return 0;
}

static int rp_serialize(request_rec *r, const rp_dir_conf *conf)
{
    apr_interval_time_t timeout = RP_VALUE(conf, serialize_timeout);
    request_rec *dest = NULL;
    int status, rest, spooled;

    /* mod_rewrite in a directory context redirects internally: the
     * request it redirects to knows what is written; it locks for both. */
    if (r->handler && !strcmp(r->handler, "redirect-handler")) {
        apr_table_setn(r->notes, RP_NOTE_DEFERRED, "1");
        return DECLINED;
    }
    /* The body first, then the locks: a slow upload holds nothing. */
    status = rp_spool_request(r, RP_VALUE(conf, spool_limit), &rest);
    if (status != OK && status != DECLINED) {
        /* A 412 before the upload has read nothing of the body. */
        if (status == HTTP_PRECONDITION_FAILED) {
            rp_spare_body(r);
        }
        return status;
    }
    spooled = status == OK && !rest;
    if (r->method_number == M_COPY || r->method_number == M_MOVE) {
        dest = rp_destination_lookup(r);
    }
    status = rp_lock_request(r, dest, timeout, spooled || !rp_has_body(r));
    if (status == DECLINED && RP_VALUE(conf, evaluate) > RP_EVAL_OFF) {
        status = rp_evaluate_write(r, RP_VALUE(conf, evaluate),
                                   RP_VALUE(conf, digest_limit));
    }
    if (status != DECLINED && !spooled) {
        rp_spare_body(r);
    }
    return status;
}

/* A request other than a GET, where the rule is off: does it reach
 * nothing guarded elsewhere? Not a DELETE where guarded sections or
 * serialization exist (it may remove a collection that holds one), nor
 * any write where a <Directory> is guarded (a link may lead into it). */
static APR_INLINE int rp_reaches_nothing(const request_rec *r,
                                         const rp_srv_conf_t *sc)
{
    return (r->method_number != M_DELETE
            || (!sc->sections_guarded && !sc->serialize_used
                && r->finfo.filetype != APR_DIR))
        && !sc->dir_guarded;
}

/* Nothing to do: both unset or off, a few comparisons and nothing else
 * (the GET pass-through budget: a GET never reads the server-wide
 * record). A COPY or MOVE goes on: what it overwrites may be guarded
 * elsewhere; so does a write that reaches something guarded
 * (rp_reaches_nothing), and a request that one redirected here left its
 * lock to. */
static APR_INLINE int rp_passes_through(const request_rec *r,
                                        const rp_dir_conf *conf,
                                        int copy_move)
{
    /* RP_VALUE is inline, and each of these fields is unset below its
     * default: the compiler makes each test the one comparison of the
     * raw field it was (gcc -O2: test, jg). */
    return RP_VALUE(conf, mode) <= RP_MODE_OFF
        && RP_VALUE(conf, serialize) <= 0
        && RP_VALUE(conf, evaluate) <= RP_EVAL_OFF && !copy_move
        && (r->method_number == M_GET
            || rp_reaches_nothing(r, rp_srv_conf(r->server)))
        && (!r->prev || !rp_deferred(r));
}

/* Digest gives every read its ETag, and that is all a read gets. */
static int rp_digest_read(request_rec *r, const rp_dir_conf *conf)
{
    if (RP_VALUE(conf, evaluate) == RP_EVAL_DIGEST
        && r->method_number == M_GET && !r->main) {
        rp_evaluate_read(r, RP_VALUE(conf, digest_limit));
        return 1;
    }
    return 0;
}

/* Subrequests write nothing; an ErrorDocument redirect after a refusal
 * must not be refused again. */
static int rp_not_judged(const request_rec *r)
{
    return r->main || (r->prev && ap_is_HTTP_ERROR(r->prev->status));
}

/* Judge every write of the request, each under the configuration that
 * guards it: DECLINED, or the refusal. */
static int rp_judge_request(request_rec *r, const rp_dir_conf *conf,
                            int method, int copy_move)
{
    const rp_dir_conf *real, *judge;

    /* mod_dav does not give httpd the file's modification time, so that
     * If-Unmodified-Since would be compared with "now": give it. */
    if (rp_is_dav(r) && r->finfo.filetype == APR_REG) {
        ap_update_mtime(r, r->finfo.mtime);
    }
    if (copy_move) {
        return rp_require_copy_move(r, conf);
    }
    real = rp_real_conf(r, conf, method);
    judge = real ? real
          : RP_VALUE(conf, mode) > RP_MODE_OFF ? conf
          : method == M_DELETE ? rp_guarded_inside(r, r) : NULL;
    return judge ? rp_require(r, judge, NULL, method) : DECLINED;
}

/* Does the write hold its resource's lock? Where it is serialized or
 * evaluated, or a request redirected here left its lock to it; and a
 * DELETE, COPY or MOVE served by mod_dav where serialization is off may
 * still remove or overwrite what is serialized elsewhere (a collection
 * holding a serialized folder, a destination in one, the same file
 * through another URL): where serialization is used at all, it is locked
 * too. */
static int rp_serializes(const request_rec *r, const rp_dir_conf *conf,
                         int method, int copy_move)
{
    /* A form whose _method was not all read is only reported under
     * ReportOnly: nothing may delay or refuse it. */
    if (method == M_POST && RP_VALUE(conf, mode) == RP_MODE_REPORT_ONLY
        && apr_table_get(r->notes, RP_NOTE_FORM_UNREAD)) {
        return 0;
    }
    return RP_VALUE(conf, serialize)
        || RP_VALUE(conf, evaluate) > RP_EVAL_OFF
        || (r->prev && rp_deferred(r))
        || (rp_srv_conf(r->server)->serialize_used && rp_is_dav(r)
            && (copy_move || method == M_DELETE));
}

int rp_fixups(request_rec *r)
{
    const rp_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                   &require_precondition_module);
    int copy_move = r->method_number == M_COPY || r->method_number == M_MOVE;
    int method, status;

    if (rp_passes_through(r, conf, copy_move)) {
        return DECLINED;
    }
    if (rp_digest_read(r, conf)) {
        return DECLINED;
    }
    /* The method first: for a read it is a bit test and the end. */
    if ((status = rp_judged_method(r, conf, &method)) != OK) {
        return status;
    }
    if (method == M_INVALID && !copy_move) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      RPLOGNO(00010) "%s %s: let through: method not guarded",
                      r->method, r->uri);
        return DECLINED;
    }
    if (rp_not_judged(r)) {
        return DECLINED;
    }
    if ((status = rp_judge_request(r, conf, method, copy_move)) != DECLINED) {
        return status;
    }
    return rp_serializes(r, conf, method, copy_move) ? rp_serialize(r, conf)
                                                     : DECLINED;
}

void rp_request_report_late(request_rec *r, int method)
{
    const rp_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                   &require_precondition_module);

    rp_judge_request(r, conf, method, 0);
}

/* ap_send_error_response() labels every canned body text/html; the
 * problem+json body needs its own type. */
void rp_insert_error_filter(request_rec *r)
{
    if ((r->status == HTTP_PRECONDITION_REQUIRED
         || r->status == HTTP_PRECONDITION_FAILED)
        && apr_table_get(r->notes, RP_NOTE_JSON)) {
        ap_add_output_filter_handle(rp_json_type_filter_handle, NULL, r,
                                    r->connection);
    }
}

static apr_status_t rp_json_type_filter(ap_filter_t *f,
                                        apr_bucket_brigade *bb)
{
    ap_set_content_type(f->r, "application/problem+json");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void rp_request_post_config(apr_pool_t *pconf, server_rec *s)
{
    rp_srv_conf_t *sc = rp_srv_conf(s);
    const apr_size_t n = RP_COUNTED_MAX + 1;
    unsigned int counted;

    sc->html_bodies = apr_palloc(pconf, n * sizeof(*sc->html_bodies));
    sc->json_bodies = apr_palloc(pconf, n * sizeof(*sc->json_bodies));
    sc->header_lists = apr_palloc(pconf, n * sizeof(*sc->header_lists));
    for (counted = 0; counted <= RP_COUNTED_MAX; counted++) {
        sc->html_bodies[counted] = rp_body_html(pconf, counted);
        sc->json_bodies[counted] = rp_body_json(pconf, counted);
        sc->header_lists[counted] = rp_accepted_list(pconf, counted);
    }
}

void rp_request_register_hooks(apr_pool_t *p)
{
    /* mod_dav claims the request in its own fixup; see it before us. */
    static const char *const after_dav[] = { "mod_dav.c", NULL };

    (void)p;
    ap_hook_fixups(rp_fixups, after_dav, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(rp_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    rp_json_type_filter_handle =
        ap_register_output_filter("REQUIRE_PRECONDITION_JSON",
                                  rp_json_type_filter, NULL,
                                  AP_FTYPE_CONTENT_SET);
}
