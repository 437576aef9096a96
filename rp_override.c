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
 * _method field of its form body, which is then read and given back to
 * the handler intact by an input filter. The parsing is the policy's
 * (rp_override_next, rp_param_next); this file reads the request. */

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

#include "rp_policy.h"
#include "mod_require_precondition.h"
#include "rp_override.h"

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

/* A POST's form body is read for its _method when it is at most this long.
 * A longer one, or one of unknown length (chunked), cannot be read before
 * the decision: it is judged as if it named a guarded method. */
#define RP_FORM_MAX RP_DRAIN_MAX

static ap_filter_rec_t *rp_replay_filter_handle;

/* Might the application take its method from this request's body? A POST
 * with a form-encoded body where the rule is on (Rack::MethodOverride,
 * Laravel and Symfony read _method there). */
static int rp_form_candidate(const request_rec *r, const rp_dir_conf *conf)
{
    return r->method_number == M_POST && conf->mode > RP_MODE_OFF && !r->main
        && rp_is_form_type(apr_table_get(r->headers_in, "Content-Type"));
}

/* Read the whole body, as the handler would be given it, into `saved`,
 * whose buckets then live as long as the request. */
static apr_status_t rp_read_body(request_rec *r, apr_bucket_brigade *saved)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    int eos = 0;

    while (!eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);

        if (rv == APR_SUCCESS && APR_BRIGADE_EMPTY(bb)) {
            rv = APR_EGENERAL;  /* a blocking read that gave nothing */
        }
        while (rv == APR_SUCCESS && !APR_BRIGADE_EMPTY(bb)) {
            apr_bucket *e = APR_BRIGADE_FIRST(bb);
            const char *data;
            apr_size_t len;

            eos = eos || APR_BUCKET_IS_EOS(e);
            rv = apr_bucket_setaside(e, r->pool);
            if (rv == APR_ENOTIMPL
                && (rv = apr_bucket_read(e, &data, &len, APR_BLOCK_READ))
                   == APR_SUCCESS) {
                rv = apr_bucket_setaside(e, r->pool);
            }
            APR_BUCKET_REMOVE(e);
            APR_BRIGADE_INSERT_TAIL(saved, e);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    apr_brigade_destroy(bb);
    return APR_SUCCESS;
}

/* For a form POST (rp_form_candidate): the guarded method a _method
 * parameter of its body names, into *method (M_INVALID for none). The
 * body is read, when small enough, and given back to the handler intact
 * by the replay filter. OK, or the error status of a failed read. */
static int rp_form_method(request_rec *r, apr_int64_t methods, int *method)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *saved;
    apr_off_t len = -1;
    apr_size_t n;
    apr_status_t rv;
    char *data;

    *method = M_INVALID;
    if (!cl || apr_table_get(r->headers_in, "Transfer-Encoding")
        || apr_strtoff(&len, cl, NULL, 10) != APR_SUCCESS || len < 0
        || len > RP_FORM_MAX) {
        apr_table_setn(r->notes, RP_NOTE_OVERRIDE, "form body not read");
        *method = M_POST;
        return OK;
    }
    if (len == 0) {
        return OK;
    }
    saved = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if ((rv = rp_read_body(r, saved)) != APR_SUCCESS
        || (rv = apr_brigade_pflatten(saved, &data, &n, r->pool))
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, RPLOGNO(00080)
                      "%s %s: reading the form body for its _method failed",
                      r->method, r->uri);
        return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
    }
    *method = rp_param_method(data, data + n, methods);
    if (*method != M_INVALID) {
        apr_table_setn(r->notes, RP_NOTE_OVERRIDE, "form body _method");
    }
    ap_add_input_filter_handle(rp_replay_filter_handle, saved, r,
                               r->connection);
    return OK;
}

/* Give the handler the body rp_form_method read, as it was read: the
 * filter sits just above HTTP_IN, below any filter the handler adds. */
static apr_status_t rp_replay_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                     ap_input_mode_t mode,
                                     apr_read_type_e block,
                                     apr_off_t readbytes)
{
    apr_bucket_brigade *saved = f->ctx;
    apr_bucket *e, *next, *stop;
    apr_status_t rv;

    if (APR_BRIGADE_EMPTY(saved)) {
        /* The body and its EOS are given: from now on only EOS. */
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    switch (mode) {
    case AP_MODE_GETLINE:
        return apr_brigade_split_line(bb, saved, block, HUGE_STRING_LEN);
    case AP_MODE_EXHAUSTIVE:
        APR_BRIGADE_CONCAT(bb, saved);
        return APR_SUCCESS;
    case AP_MODE_READBYTES:
    case AP_MODE_SPECULATIVE:
        rv = apr_brigade_partition(saved, readbytes, &stop);
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            return rv;
        }
        for (e = APR_BRIGADE_FIRST(saved); e != stop; e = next) {
            next = APR_BUCKET_NEXT(e);
            if (mode == AP_MODE_SPECULATIVE) {
                apr_bucket *copy;

                if ((rv = apr_bucket_copy(e, &copy)) != APR_SUCCESS) {
                    return rv;
                }
                APR_BRIGADE_INSERT_TAIL(bb, copy);
            }
            else {
                APR_BUCKET_REMOVE(e);
                APR_BRIGADE_INSERT_TAIL(bb, e);
            }
        }
        return APR_SUCCESS;
    default:
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
}

int rp_override_judged(request_rec *r, const rp_dir_conf *conf, int *method)
{
    *method = rp_guarded_method(r, rp_methods(conf));
    if (*method == M_INVALID && rp_form_candidate(r, conf)) {
        return rp_form_method(r, rp_methods(conf), method);
    }
    return OK;
}

void rp_override_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Just above HTTP_IN (a filter is inserted after those of its own
     * type), below every request filter: where the body was read. */
    rp_replay_filter_handle =
        ap_register_input_filter("REQUIRE_PRECONDITION_REPLAY",
                                 rp_replay_filter, NULL,
                                 AP_FTYPE_PROTOCOL - 1);
}
