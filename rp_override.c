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

/* rp_override.c: the method a request is judged as. A POST may name
 * another method for the application behind httpd: in an
 * X-HTTP-Method-Override style header, a _method query parameter, or a
 * _method field of its form body, which is then read into the spool
 * (rp_spool.c), which gives it back to the handler, and to any request it
 * is redirected to, byte for byte. The parsing is the engine's
 * (rp_override_next, rp_param_next, rp_form.c); this file reads the
 * request. */

/* Before APR's headers: with offsetof, APR_OFFSETOF (in the brigade
 * macros) is no null pointer arithmetic. */
#include <stddef.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "apr_strings.h"

#include "rp_form.h"
#include "rp_policy.h"
#include "rp_module.h"
#include "rp_evaluate.h"
#include "rp_override.h"
#include "rp_request.h"
#include "rp_spool.h"

APLOG_USE_MODULE(require_precondition);

/* The guarded method an override header value names, if any. */
typedef struct {
    apr_int64_t methods;
    int method;
} rp_override_ctx;

/* The method `name` if it is a guarded one, or M_INVALID. */
static int rp_named_method(const char *name, apr_int64_t methods)
{
    int m = ap_method_number_of(name);

    return m != M_INVALID && (methods & RP_BIT(m)) ? m : M_INVALID;
}

static int rp_override_header(void *data, const char *key, const char *value)
{
    rp_override_ctx *ctx = data;
    char name[RP_METHOD_MAX];

    (void)key;
    while (rp_override_next(&value, name, sizeof(name))) {
        if ((ctx->method = rp_named_method(name, ctx->methods))
            != M_INVALID) {
            return 0;
        }
    }
    return 1;
}

/* The first guarded method named by a `_method` parameter of the
 * form-encoded data [s, end), or M_INVALID. */
static int rp_param_method(const char *s, const char *end,
                           apr_int64_t methods)
{
    char name[RP_METHOD_MAX];

    while (rp_param_next(&s, end, name, sizeof(name))) {
        int m = rp_named_method(name, methods);

        if (m != M_INVALID) {
            return m;
        }
    }
    return M_INVALID;
}

/* The method a request is to be judged as: its own; for one httpd does not
 * know that differs from a guarded method only in case ("put"), that
 * method, since the application a proxy forwards it to may upper-case it;
 * for a POST, a guarded method that an X-HTTP-Method-Override style header
 * or a _method query parameter names, since the application behind httpd
 * may act as that method. Frameworks differ in which of several values
 * they take (Express the first, PHP the last): any guarded one counts. */
static int rp_guarded_method(request_rec *r, apr_int64_t methods)
{
    /* The note names the header: "header " and the name. */
    static const char *const headers[] = {
        "header X-HTTP-Method-Override", "header X-HTTP-Method",
        "header X-Method-Override"
    };
    rp_override_ctx ctx;
    apr_size_t i;
    int m;

    if (methods & RP_BIT(r->method_number)) {
        return r->method_number;
    }
    if (r->method_number == M_INVALID) {
        char name[RP_METHOD_MAX];

        return rp_override_method(r->method, name, sizeof(name))
               ? rp_named_method(name, methods) : M_INVALID;
    }
    if (r->method_number != M_POST) {
        return M_INVALID;
    }
    ctx.methods = methods;
    ctx.method = M_INVALID;
    for (i = 0; i < sizeof(headers) / sizeof(*headers); i++) {
        apr_table_do(rp_override_header, &ctx, r->headers_in, headers[i] + 7,
                     NULL);
        if (ctx.method != M_INVALID) {
            apr_table_setn(r->notes, RP_NOTE_OVERRIDE, headers[i]);
            return ctx.method;
        }
    }
    if (r->args && (m = rp_param_method(r->args, r->args + strlen(r->args),
                                        methods)) != M_INVALID) {
        apr_table_setn(r->notes, RP_NOTE_OVERRIDE, "query _method");
        return m;
    }
    return M_INVALID;
}

/* Might the application take its method from this request's body? A POST
 * with a form-encoded body, or with no Content-Type (Rack reads that as a
 * form), where the rule is on (Rack::MethodOverride, Laravel and Symfony
 * read _method there); not a sub-request, nor an ErrorDocument's
 * redirect, which are not judged. */
static int rp_form_candidate(const request_rec *r, const rp_dir_conf *conf)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");

    return r->method_number == M_POST && RP_VALUE(conf, mode) > RP_MODE_OFF
        && !r->main
        && !(r->prev && ap_is_HTTP_ERROR(r->prev->status))
        && (!type || rp_is_form_type(type));
}

/* A gzip or deflate form is judged by at most this much of it decoded:
 * a small coded body can decode to gigabytes. Past it, it is not read. */
#define RP_FORM_DECODED_MAX ((apr_off_t)1024 * 1024)

/* What a form body's _method parameters name, kept with its spool, so
 * that a request this one is redirected to is judged by the same. */
typedef struct {
    apr_int64_t named;          /* the known methods they name */
    const char *unread;         /* why some of it was not read, or NULL */
} rp_form_t;

static void rp_form_found(void *ctx, const char *name)
{
    rp_form_t *form = ctx;
    int m = ap_method_number_of(name);

    if (m != M_INVALID) {
        form->named |= RP_BIT(m);
    }
}

static int rp_form_feed(void *ctx, const char *data, apr_size_t len)
{
    return rp_form_scan_feed(ctx, data, len);
}

/* How much of a form is read: as much as the spool takes for a write
 * (RequirePreconditionSpoolLimit), 64 KiB in memory where it is off. */
static apr_off_t rp_form_limit(const rp_dir_conf *conf)
{
    apr_off_t limit = RP_VALUE(conf, spool_limit);

    return limit == 0 ? RP_SPOOL_MEMORY : limit;
}

/* Read the form body into a spool, which gives it back to the handler
 * byte for byte, and see what its _method parameters name after its
 * content coding. OK with *out, or the status of a failed read. */
static int rp_form_read(request_rec *r, const rp_dir_conf *conf,
                        rp_form_t **out)
{
    rp_form_t *form = apr_pcalloc(r->pool, sizeof(*form));
    apr_off_t limit = rp_form_limit(conf);
    rp_form_scan *scan;
    rp_spool_t *s;
    int status;

    *out = form;
    status = rp_spool_body(r, limit, &s);
    if (status == DECLINED) {
        form->unread = "form body over RequirePreconditionSpoolLimit";
        return OK;
    }
    if (status != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, RPLOGNO(00080)
                      "%s %s: reading the form body for its _method failed: "
                      "%d", r->method, r->uri, status);
        return status;
    }
    rp_spool_set_data(s, form);
    scan = rp_form_scan_create(r->pool,
                               apr_table_get(r->headers_in,
                                             "Content-Encoding"),
                               RP_FORM_DECODED_MAX, rp_form_found, form);
    if (!scan) {
        form->unread = "form body in a content coding not read";
    }
    else if (rp_spool_each(s, rp_form_feed, scan) != APR_SUCCESS
             || rp_form_scan_end(scan) != 0) {
        form->unread = "form body not decoded";
    }
    else if (!rp_spool_complete(s)) {
        form->unread = "form body over RequirePreconditionSpoolLimit";
    }
    return OK;
}

/* ---- ReportOnly: the form watched as the handler reads it -------------- */

/* What a watched form's filter knows: the request it was sent to, whose
 * rule reports it (a request it is redirected to reads it on). */
typedef struct {
    request_rec *r;
    rp_form_scan *scan;
    rp_form_t form;
    int done;
} rp_watch_t;

/* Registered once a load by rp_override_register_hooks, as httpd's own
 * modules keep theirs: no configuration's state. */
static ap_filter_rec_t *rp_watch_filter_handle;

/* The body has ended: report the guarded method the form named, or that
 * it could not be decoded; nothing when it names none. */
static void rp_watch_end(rp_watch_t *w)
{
    apr_int64_t guarded;
    const rp_dir_conf *conf = ap_get_module_config(w->r->per_dir_config,
                                                   &require_precondition_module);
    int m;

    w->done = 1;
    if (rp_form_scan_end(w->scan) != 0) {
        apr_table_setn(w->r->notes, RP_NOTE_OVERRIDE, "form body not decoded");
        rp_request_report_late(w->r, M_POST);
        return;
    }
    guarded = w->form.named & RP_VALUE(conf, methods);
    for (m = 0; guarded && m < 64; m++) {
        if (guarded & RP_BIT(m)) {
            apr_table_setn(w->r->notes, RP_NOTE_OVERRIDE,
                           "form body _method, as the handler read it");
            rp_request_report_late(w->r, m);
            return;
        }
    }
}

/* Hand on what HTTP_IN gives, unchanged, and read the form in it. */
static apr_status_t rp_watch_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                    ap_input_mode_t mode,
                                    apr_read_type_e block,
                                    apr_off_t readbytes)
{
    rp_watch_t *w = f->ctx;
    apr_status_t rv = ap_get_brigade(f->next, bb, mode, block, readbytes);
    apr_bucket *b;

    if (rv != APR_SUCCESS || w->done || mode == AP_MODE_SPECULATIVE) {
        return rv;
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb) && !w->done;
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        if (APR_BUCKET_IS_EOS(b)) {
            rp_watch_end(w);
        }
        else if (!APR_BUCKET_IS_METADATA(b)) {
            if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ)
                != APR_SUCCESS) {
                w->done = 1;    /* the handler sees the failure itself */
            }
            else {
                rp_form_scan_feed(w->scan, data, len);
            }
        }
    }
    return rv;
}

/* Watch r's form, unless a request it was redirected from watches it. */
static void rp_watch(request_rec *r)
{
    rp_watch_t *w;
    ap_filter_t *f;

    for (f = r->proto_input_filters; f; f = f->next) {
        if (f->frec == rp_watch_filter_handle) {
            return;
        }
    }
    w = apr_pcalloc(r->pool, sizeof(*w));
    w->r = r;
    w->scan = rp_form_scan_create(r->pool,
                                  apr_table_get(r->headers_in,
                                                "Content-Encoding"),
                                  RP_FORM_DECODED_MAX, rp_form_found,
                                  &w->form);
    if (!w->scan) {
        apr_table_setn(r->notes, RP_NOTE_OVERRIDE,
                       "form body in a content coding not read");
        rp_request_report_late(r, M_POST);
        return;
    }
    f = ap_add_input_filter_handle(rp_watch_filter_handle, w, r,
                                   r->connection);
    rp_spool_put_first(r, f);
}

/* Under ReportOnly a form is read ahead only where it would be serialized
 * or evaluated as a write, which it can be only with a precondition. */
static int rp_form_watched(const request_rec *r, const rp_dir_conf *conf)
{
    return RP_VALUE(conf, mode) == RP_MODE_REPORT_ONLY
        && !((RP_VALUE(conf, serialize)
              || RP_VALUE(conf, evaluate) > RP_EVAL_OFF)
             && (apr_table_get(r->headers_in, "If-Match")
                 || apr_table_get(r->headers_in, "If-None-Match")
                 || apr_table_get(r->headers_in, "If-Unmodified-Since")
                 || apr_table_get(r->headers_in, "If")));
}

/* A form that may name a guarded method in what was not read is judged
 * as a write (RP_NOTE_FORM_UNREAD says so), `why` in the log lines. */
static int rp_form_unread(request_rec *r, const char *why, int *method)
{
    apr_table_setn(r->notes, RP_NOTE_OVERRIDE, why);
    apr_table_setn(r->notes, RP_NOTE_FORM_UNREAD, "1");
    *method = M_POST;
    return OK;
}

/* For a form POST (rp_form_candidate): the guarded method a _method
 * parameter of its body names, into *method; M_POST, judged as a write,
 * when none does but not all of it could be read; else M_INVALID. OK, or
 * the error status of a failed read. */
static int rp_form_method(request_rec *r, const rp_dir_conf *conf,
                          int *method)
{
    rp_spool_t *s = rp_spool_find(r);
    rp_form_t *form = s ? rp_spool_data(s) : NULL;
    apr_int64_t guarded;
    int m;

    *method = M_INVALID;
    if (!form) {
        int status;

        if (s) {
            /* Read by a request this one was redirected from, as another
             * method's body: not a form it judged. */
            return rp_form_unread(r, "form body read before", method);
        }
        if (!rp_has_body(r)) {
            return OK;
        }
        if (rp_form_watched(r, conf)) {
            rp_watch(r);
            return OK;
        }
        if ((status = rp_form_read(r, conf, &form)) != OK) {
            return status;
        }
    }
    guarded = form->named & RP_VALUE(conf, methods);
    for (m = 0; guarded && m < 64; m++) {
        if (guarded & RP_BIT(m)) {
            apr_table_setn(r->notes, RP_NOTE_OVERRIDE, "form body _method");
            *method = m;
            return OK;
        }
    }
    return form->unread ? rp_form_unread(r, form->unread, method) : OK;
}

void rp_override_register_hooks(apr_pool_t *p)
{
    (void)p;
    rp_watch_filter_handle =
        ap_register_input_filter("REQUIRE_PRECONDITION_WATCH",
                                 rp_watch_filter, NULL, AP_FTYPE_PROTOCOL);
}

int rp_override_judged(request_rec *r, const rp_dir_conf *conf, int *method)
{
    *method = rp_guarded_method(r, RP_VALUE(conf, methods));
    if (*method == M_INVALID && rp_form_candidate(r, conf)) {
        return rp_form_method(r, conf, method);
    }
    return OK;
}


