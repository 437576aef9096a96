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

/* rp_spool.c: read a serialized write's body before its locks. See
 * rp_spool.h.
 *
 * The body is read in fixups through the request's own input filters, so
 * HTTP_IN still dechunks, sends 100 Continue on the first read, enforces
 * LimitRequestBody, and mod_reqtimeout still bounds the read. Once HTTP_IN
 * has seen the end, the spool filter (a protocol filter put first in the
 * request's protocol chain, so that r->input_filters ==
 * r->proto_input_filters still holds where it held and mod_proxy_http
 * streams as it would) hands the bytes to the handler. The request's
 * framing headers stay as the client sent them: what the handler is given
 * is what HTTP_IN gave, byte for byte, and a filter above (DEFLATE) or a
 * CGI's CONTENT_LENGTH sees what it would see without the module. Being a
 * protocol filter, it outlives internal redirects (mod_actions, a
 * per-directory rewrite, ErrorDocument): the request redirected to reads
 * the rest of the body from it, as it would have read it from HTTP_IN.
 *
 * The temporary file is unlinked at once: whatever ends the request
 * (success, 412, abort, a killed child), closing the descriptor frees it.
 */

/* First: with offsetof known, APR's ring macros (the brigades) use it
 * instead of subtracting from a null pointer. */
#include <stddef.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "unixd.h"

#include "apr_file_io.h"
#include "apr_strings.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rp_module.h"
#include "rp_precheck.h"
#include "rp_spool.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

/* Bytes asked of HTTP_IN per read while spooling. */
#define RP_SPOOL_READ ((apr_off_t)64 * 1024)
/* The spool file's buffer, for writing and for reading back. */
#define RP_SPOOL_BUFFER ((apr_size_t)64 * 1024)

struct rp_spool_t {
    request_rec *r;
    apr_bucket_brigade *bb;     /* what the handler has still to read */
    apr_file_t *file;           /* NULL while the body fits in memory */
    apr_off_t total;            /* bytes spooled */
    int complete;               /* HTTP_IN gave its EOS */
    void *data;                 /* what a reader of the body kept with it */
};

/* Registered once a load by rp_spool_register_hooks, as httpd's own
 * modules keep theirs: no configuration's state. The folder,
 * RequirePreconditionSpoolDir, is the server-wide record's spool_dir. */
static ap_filter_rec_t *rp_spool_filter_handle;

const char *rp_spool_set_dir(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *path;

    (void)dconf;
    if (err) {
        return err;
    }
    path = ap_server_root_relative(cmd->pool, arg);
    if (!*arg || !path) {
        return apr_psprintf(cmd->pool, "RequirePreconditionSpoolDir: '%s' "
                            "is not a valid path", arg);
    }
    rp_srv_conf(cmd->server)->spool_dir = path;
    return NULL;
}

/* Can we make (and remove) a file in `dir`? NULL, or why not. */
static const char *rp_spool_try(apr_pool_t *p, const char *dir)
{
    char *tmpl = apr_pstrcat(p, dir, "/rp-spool-check.XXXXXX", NULL);
    int fd = mkstemp(tmpl);

    if (fd < 0) {
        return strerror(errno);
    }
    close(fd);
    unlink(tmpl);
    return NULL;
}

/* The same as the children (User, Group) would, in a forked process that
 * takes their identity: a folder on the way may be closed to them. */
static const char *rp_spool_try_as_child(apr_pool_t *p, const char *dir)
{
    uid_t uid = ap_unixd_config.user_id;
    gid_t gid = ap_unixd_config.group_id;
    pid_t pid;
    int status;

    if (geteuid() != 0 || uid == 0) {
        return rp_spool_try(p, dir);    /* the children run as we do */
    }
    pid = fork();
    if (pid < 0) {
        return apr_psprintf(p, "cannot fork to try: %s", strerror(errno));
    }
    if (pid == 0) {
        char *tmpl = apr_pstrcat(p, dir, "/rp-spool-check.XXXXXX", NULL);
        int fd;

        if (setgid(gid) != 0
            || initgroups(ap_unixd_config.user_name, gid) != 0
            || setuid(uid) != 0) {
            _exit(255);
        }
        fd = mkstemp(tmpl);
        if (fd < 0) {
            _exit(errno & 0xff);
        }
        unlink(tmpl);
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return NULL;
    }
    return apr_psprintf(p, "the server's User %s cannot create files in it: "
                        "%s", ap_unixd_config.user_name,
                        WIFEXITED(status) && WEXITSTATUS(status) != 255
                        ? strerror(WEXITSTATUS(status))
                        : "cannot take its identity to try");
}

int rp_spool_check_config(apr_pool_t *pconf, server_rec *s)
{
    rp_srv_conf_t *sc = rp_srv_conf(s);
    const char *dir = sc->spool_dir;
    const char *why;
    apr_finfo_t fi;
    apr_status_t rv;

    if (!dir) {
        rv = apr_temp_dir_get(&dir, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, RPLOGNO(00060)
                         "RequirePreconditionSpoolDir: no system temporary "
                         "folder found; name one");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        sc->spool_dir = dir;
    }
    rv = apr_stat(&fi, dir, APR_FINFO_TYPE, pconf);
    if (rv != APR_SUCCESS || fi.filetype != APR_DIR) {
        why = rv != APR_SUCCESS ? "it cannot be found" : "not a folder";
    }
    else {
        why = rp_spool_try_as_child(pconf, dir);
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00061)
                     "RequirePreconditionSpoolDir %s cannot hold the bodies "
                     "of serialized writes: %s", dir, why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* ---- The spool -------------------------------------------------------- */

static int rp_spool_fail(request_rec *r, apr_status_t rv, const char *what)
{
    /* APR_STATUS_IS_ENOSPC is only ENOSPC on Unix; a quota is the same. */
    int status = rv == APR_ENOSPC || rv == EDQUOT
                 ? HTTP_INSUFFICIENT_STORAGE : HTTP_INTERNAL_SERVER_ERROR;
    const char *dir = rp_srv_conf(r->server)->spool_dir;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, RPLOGNO(00062)
                  "%s %s: %d: cannot spool the body (%s in %s); nothing "
                  "written", r->method, r->uri, status, what,
                  dir ? dir : "no folder");
    r->connection->keepalive = AP_CONN_CLOSE;
    return status;
}

/* The body outgrew memory: move it into an unlinked temporary file. */
static int rp_spool_to_file(rp_spool_t *s)
{
    request_rec *r = s->r;
    const char *dir = rp_srv_conf(r->server)->spool_dir;
    char *tmpl;
    apr_bucket *b;
    apr_status_t rv;

    /* Serialization is not used, and a form's body is read for its
     * _method: the system's temporary folder (APR finds it once). */
    if (!dir && (rv = apr_temp_dir_get(&dir, r->pool)) != APR_SUCCESS) {
        return rp_spool_fail(r, rv, "no spool folder");
    }
    tmpl = apr_pstrcat(r->pool, dir, "/rp-spool.XXXXXX", NULL);
    rv = apr_file_mktemp(&s->file, tmpl, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                         | APR_FOPEN_BINARY | APR_FOPEN_BUFFERED, r->pool);
    if (rv != APR_SUCCESS) {
        s->file = NULL;
        return rp_spool_fail(r, rv, "creating a temporary file");
    }
    apr_file_remove(tmpl, r->pool);
    /* One system call per 64 KiB each way, not per bucket: mod_dav reads
     * its body 2 KiB at a time. */
    apr_file_buffer_set(s->file, apr_palloc(r->pool, RP_SPOOL_BUFFER),
                        RP_SPOOL_BUFFER);
    for (b = APR_BRIGADE_FIRST(s->bb); b != APR_BRIGADE_SENTINEL(s->bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
        if (rv == APR_SUCCESS) {
            rv = apr_file_write_full(s->file, data, len, NULL);
        }
        if (rv != APR_SUCCESS) {
            return rp_spool_fail(r, rv, "writing");
        }
    }
    apr_brigade_cleanup(s->bb);
    return OK;
}

static int rp_spool_write(rp_spool_t *s, const char *data, apr_size_t len)
{
    apr_status_t rv;

    if (!s->file && s->total + (apr_off_t)len > RP_SPOOL_MEMORY) {
        int status = rp_spool_to_file(s);

        if (status != OK) {
            return status;
        }
    }
    rv = s->file ? apr_file_write_full(s->file, data, len, NULL)
                 : apr_brigade_write(s->bb, NULL, NULL, data, len);
    if (rv != APR_SUCCESS) {
        return rp_spool_fail(s->r, rv, "writing");
    }
    s->total += (apr_off_t)len;
    return OK;
}

/* Read the body through HTTP_IN until its EOS, or (chunked) until more
 * than `limit` bytes are in. OK, or the status to answer with. */
static int rp_spool_read(rp_spool_t *s, apr_off_t limit)
{
    request_rec *r = s->r;
    apr_bucket_brigade *in = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);

    while (!s->complete && s->total <= limit) {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, in,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         RP_SPOOL_READ);

        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, RPLOGNO(00063)
                          "%s %s: reading the body into the spool failed "
                          "after %" APR_OFF_T_FMT " bytes; nothing written",
                          r->method, r->uri, s->total);
            /* Part of the body is gone: this connection cannot go on. */
            r->connection->keepalive = AP_CONN_CLOSE;
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (b = APR_BRIGADE_FIRST(in); b != APR_BRIGADE_SENTINEL(in);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;
            int status;

            if (APR_BUCKET_IS_EOS(b)) {
                s->complete = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            }
            if (len && (status = rp_spool_write(s, data, len)) != OK) {
                return status;
            }
        }
        apr_brigade_cleanup(in);
    }
    apr_brigade_destroy(in);
    return OK;
}

void rp_spool_put_first(request_rec *r, ap_filter_t *f)
{
    ap_filter_t **pp;

    for (pp = &r->input_filters; *pp && *pp != f; pp = &(*pp)->next) {
    }
    if (!*pp || f == r->proto_input_filters) {
        return;
    }
    *pp = f->next;
    for (pp = &r->input_filters; *pp && *pp != r->proto_input_filters;
         pp = &(*pp)->next) {
    }
    f->next = r->proto_input_filters;
    *pp = f;
    r->proto_input_filters = f;
}

static void rp_spool_install(rp_spool_t *s)
{
    request_rec *r = s->r;
    ap_filter_t *f;

    if (s->file && s->total > 0) {
        apr_bucket *b;

        apr_brigade_insert_file(s->bb, s->file, 0, s->total, r->pool);
        /* Read through the buffer: mapping each small piece a handler
         * asks for would cost two system calls a piece. */
        for (b = APR_BRIGADE_FIRST(s->bb); b != APR_BRIGADE_SENTINEL(s->bb);
             b = APR_BUCKET_NEXT(b)) {
            apr_bucket_file_enable_mmap(b, 0);
        }
    }
    f = ap_add_input_filter_handle(rp_spool_filter_handle, s, r,
                                   r->connection);
    rp_spool_put_first(r, f);
}

/* Has r a body of at most `limit` bytes, or a chunked one? 1 to spool;
 * *len is then its Content-Length, or -1 for a chunked one. */
static int rp_spool_wanted(request_rec *r, apr_off_t limit, apr_off_t *len_out)
{
    const char *te = apr_table_get(r->headers_in, "Transfer-Encoding");
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t len;
    char *end;

    *len_out = -1;
    if (limit <= 0) {
        return 0;
    }
    if (te) {
        /* HTTP_IN answers any other coding itself. */
        return ap_is_chunked(r->pool, te);
    }
    if (!cl || apr_strtoff(&len, cl, &end, 10) != APR_SUCCESS || *end
        || len <= 0) {
        return 0;
    }
    *len_out = len;
    if (len > limit) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00064)
                      "%s %s: not spooled: Content-Length %" APR_OFF_T_FMT
                      " is over RequirePreconditionSpoolLimit %"
                      APR_OFF_T_FMT "; locked before the upload",
                      r->method, r->uri, len, limit);
        return 0;
    }
    return 1;
}

rp_spool_t *rp_spool_find(const request_rec *r)
{
    ap_filter_t *f;

    for (f = r->proto_input_filters; f; f = f->next) {
        if (f->frec == rp_spool_filter_handle) {
            return f->ctx;
        }
    }
    return NULL;
}

int rp_spool_body(request_rec *r, apr_off_t limit, rp_spool_t **out)
{
    rp_spool_t *s;
    apr_off_t len;
    apr_status_t rv;
    int status;

    *out = NULL;
    if (!rp_spool_wanted(r, limit, &len)) {
        return DECLINED;
    }
    s = apr_pcalloc(r->pool, sizeof(*s));
    s->r = r;
    s->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if ((status = rp_spool_read(s, limit)) != OK) {
        return status;
    }
    /* A full disk may show only now, when the buffer is written. */
    if (s->file && (rv = apr_file_flush(s->file)) != APR_SUCCESS) {
        return rp_spool_fail(r, rv, "writing");
    }
    rp_spool_install(s);
    rp_stats_count(RP_STAT_SPOOLED);
    rp_stats_add(RP_STAT_SPOOLED_BYTES, (apr_uint64_t)s->total);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00066)
                  "%s %s: spooled %" APR_OFF_T_FMT " bytes (%s)%s",
                  r->method, r->uri, s->total,
                  s->file ? "file" : "memory",
                  s->complete ? "" : ", over RequirePreconditionSpoolLimit: "
                  "the rest streams from the client");
    *out = s;
    return OK;
}

int rp_spool_request(request_rec *r, apr_off_t limit, int *rest)
{
    rp_spool_t *s = rp_spool_find(r);
    apr_off_t len;
    int status;

    /* Read already: for its form's _method, or by a request that this
     * one was redirected from. */
    if (s) {
        *rest = !s->complete;
        return OK;
    }
    *rest = 0;
    if (!rp_spool_wanted(r, limit, &len)) {
        return DECLINED;
    }
    if (rp_precheck_upload_ahead(r, len) && rp_precheck(r) != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00065)
                      "%s %s: 412 before the upload: the precondition "
                      "fails already", r->method, r->uri);
        return HTTP_PRECONDITION_FAILED;
    }
    if ((status = rp_spool_body(r, limit, &s)) == OK && s) {
        *rest = !s->complete;
    }
    return status;
}

int rp_spool_complete(const rp_spool_t *s)
{
    return s->complete;
}

void *rp_spool_data(const rp_spool_t *s)
{
    return s->data;
}

void rp_spool_set_data(rp_spool_t *s, void *data)
{
    s->data = data;
}

apr_status_t rp_spool_each(rp_spool_t *s, rp_spool_each_fn *fn, void *ctx)
{
    apr_bucket *b;
    apr_status_t rv;

    if (s->file) {
        /* The file bucket seeks before each read of its own. */
        char *buf = apr_palloc(s->r->pool, RP_SPOOL_BUFFER);
        apr_off_t at = 0;

        if ((rv = apr_file_seek(s->file, APR_SET, &at)) != APR_SUCCESS) {
            return rv;
        }
        while (at < s->total) {
            apr_size_t n = s->total - at < (apr_off_t)RP_SPOOL_BUFFER
                           ? (apr_size_t)(s->total - at) : RP_SPOOL_BUFFER;

            if ((rv = apr_file_read_full(s->file, buf, n, &n)) != APR_SUCCESS) {
                return rv;
            }
            if (fn(ctx, buf, n) != 0) {
                return APR_SUCCESS;
            }
            at += (apr_off_t)n;
        }
        return APR_SUCCESS;
    }
    for (b = APR_BRIGADE_FIRST(s->bb); b != APR_BRIGADE_SENTINEL(s->bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        if ((rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ))
            != APR_SUCCESS) {
            return rv;
        }
        if (len && fn(ctx, data, len) != 0) {
            break;
        }
    }
    return APR_SUCCESS;
}

/* ---- The handler's side: the spooled bytes, then EOS ------------------ */

static apr_status_t rp_spool_in(ap_filter_t *f, apr_bucket_brigade *bb,
                                ap_input_mode_t mode, apr_read_type_e block,
                                apr_off_t readbytes)
{
    rp_spool_t *s = f->ctx;
    apr_bucket *b, *after;
    apr_status_t rv;

    if (APR_BRIGADE_EMPTY(s->bb)) {
        if (!s->complete) {
            /* A chunked body over the limit: the rest from HTTP_IN. */
            return ap_get_brigade(f->next, bb, mode, block, readbytes);
        }
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    switch (mode) {
    case AP_MODE_READBYTES:
        rv = apr_brigade_partition(s->bb, readbytes, &after);
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            return rv;
        }
        while ((b = APR_BRIGADE_FIRST(s->bb)) != after) {
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(bb, b);
        }
        break;
    case AP_MODE_SPECULATIVE:
        rv = apr_brigade_partition(s->bb, readbytes, &after);
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            return rv;
        }
        for (b = APR_BRIGADE_FIRST(s->bb); b != after;
             b = APR_BUCKET_NEXT(b)) {
            apr_bucket *copy;

            if ((rv = apr_bucket_copy(b, &copy)) != APR_SUCCESS) {
                return rv;
            }
            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }
        return APR_SUCCESS;
    case AP_MODE_GETLINE:
        return apr_brigade_split_line(bb, s->bb, block, HUGE_STRING_LEN);
    case AP_MODE_EXHAUSTIVE:
        APR_BRIGADE_CONCAT(bb, s->bb);
        break;
    default:
        return APR_ENOTIMPL;
    }
    if (APR_BRIGADE_EMPTY(s->bb) && s->complete) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
    }
    return APR_SUCCESS;
}

void rp_spool_register_hooks(apr_pool_t *p)
{
    (void)p;
    rp_spool_filter_handle =
        ap_register_input_filter("REQUIRE_PRECONDITION_SPOOL", rp_spool_in,
                                 NULL, AP_FTYPE_PROTOCOL);
}
