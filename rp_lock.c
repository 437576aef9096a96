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

/* rp_lock.c: the httpd side of RequirePreconditionSerialize (rp_lock.h):
 * the directive and the start-up checks of the lock file, a request's
 * resources as keys for the lock engine (rp_lockfile.c), the target looked
 * at again once they are held, and the 503, notes, counters and log lines
 * of a request that could not take them.
 *
 * A file-backed target (mod_dav serves it, r->filename is a path) is keyed
 * by the identities on its path; anything else (proxy, CGI, FastCGI, front
 * controllers) by the URL the client named: the first request of an
 * internal redirect chain, its path before any translation, for one
 * virtual host (for all of them with a lock file that servers share).
 */

#include <stddef.h>   /* offsetof, before APR: APR_BRIGADE_SENTINEL */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "unixd.h"
#include "util_filter.h"

#include "apr_strings.h"

#include <string.h>
#include <unistd.h>

#include "rp_module.h"
#include "rp_policy.h"
#include "rp_siphash.h"
#include "rp_spool.h"
#include "rp_lock.h"
#include "rp_lockfile.h"
#include "rp_lockserver.h"
#include "rp_stats.h"
#include "rp_upgrade.h"

APLOG_USE_MODULE(require_precondition);

/* Registered once a load by rp_lock_register_hooks, as httpd's own
 * modules keep theirs: no configuration's state. What a configuration
 * says and opens is in the server-wide record (rp_srv_conf_t). */
static ap_filter_rec_t *rp_lock_end_handle;
static ap_filter_rec_t *rp_lock_body_handle;

const char *rp_lock_set_file(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dconf;
    if (err) {
        return err;
    }
    if (!*arg || arg[0] != '/') {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockFile: '%s' "
                            "is not an absolute path", arg);
    }
    if (arg[strlen(arg) - 1] == '/') {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockFile: '%s' "
                            "names a directory, not a file", arg);
    }
    rp_srv_conf(cmd->server)->lock_path = arg;
    return NULL;
}

/* Every RequirePreconditionSerialize adds its section to the fingerprint
 * that servers sharing a lock file compare (a sum: order does not count,
 * nor which virtual host's record it is added to first). */
void rp_lock_note_serialize(cmd_parms *cmd, int on)
{
    static const unsigned char zero[16];
    rp_srv_conf_t *sc = rp_srv_conf(cmd->server);
    const char *w = cmd->path ? cmd->path : "(server)";
    apr_uint64_t h = rp_siphash(zero, w, strlen(w));

    if (on) {
        sc->serialize_used = 1;
    }
    sc->fingerprint += on ? h : ~h;
}

/* ---- start-up ---------------------------------------------------------- */

static const char *rp_lock_chroot(void)
{
    const char *c = ap_unixd_config.chroot_dir;

    return c && *c && strcmp(c, "/") != 0 ? c : NULL;
}

/* Open what this configuration names; logs why not. DECLINED: there is
 * no anonymous file, but nothing takes a lock (no Serialize On, no
 * Evaluate), so the rest of the module starts without it, as where the
 * platform has no locks for it (rp_lockfile_none.c). */
static int rp_lock_open(apr_pool_t *pool, server_rec *s, rp_lockfile_t **lf)
{
    const rp_srv_conf_t *sc = rp_srv_conf(s);
    rp_lockfile_user_t user;
    const char *why;

    if (!sc->lock_path) {
        why = rp_lockfile_open_anonymous(pool, lf);
        if (why && !sc->serialize_used) {
            rp_lockfile_close(*lf);
            *lf = NULL;
            return DECLINED;
        }
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00017)
                         "RequirePreconditionSerialize: %s", why);
        }
        return why ? HTTP_INTERNAL_SERVER_ERROR : OK;
    }
    user.uid = ap_unixd_config.user_id;
    user.gid = ap_unixd_config.group_id;
    user.name = ap_unixd_config.user_name;
    user.chroot_dir = rp_lock_chroot();
    user.check_only = ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST;
    why = rp_lockfile_open_named(pool, sc->lock_path, &user, lf);
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00016)
                     "RequirePreconditionLockFile %s: %s", sc->lock_path,
                     why);
        rp_lockfile_close(*lf);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* Servers that share the file but serialize other sections lose the
 * updates one serializes and the other does not: say so. apache2 -t
 * compares without recording itself. */
static void rp_lock_compare(apr_pool_t *p, server_rec *s, rp_lockfile_t *lf)
{
    char host[256];
    const char *name, *others;

    if (!lf->path || lf->fd < 0) {
        return;
    }
    if (gethostname(host, sizeof(host)) != 0) {
        apr_cpystrn(host, "?", sizeof(host));
    }
    host[sizeof(host) - 1] = '\0';
    name = apr_psprintf(p, "%s:%s", host, ap_server_root);
    others = rp_lockfile_register(p, lf, name, rp_srv_conf(s)->fingerprint,
                                  ap_state_query(AP_SQ_RUN_MODE)
                                  == AP_SQ_RM_NORMAL);
    if (others) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00030)
                     "RequirePreconditionLockFile %s: the servers %s share "
                     "it but set RequirePreconditionSerialize in other "
                     "sections than this one (%s): a write that one of them "
                     "serializes and another does not can be lost; give them "
                     "the same configuration", lf->path, others, name);
    }
}

/* A graceful restart (or -k restart) keeps the file the server started
 * with: when it was removed, replaced or emptied since, every serialized
 * write answers 503 until the servers that use it are stopped and started;
 * say so now, not only in each write's 503. */
static void rp_lock_recheck(server_rec *s, const rp_lockfile_t *lf)
{
    int rv = rp_lockfile_check(lf);

    if (rv != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv > 0 ? rv : 0, s,
                     RPLOGNO(00031) "RequirePreconditionLockFile %s: %s: "
                     "every serialized write answers 503 until every server "
                     "that uses it is stopped and started again (a restart "
                     "keeps the file the server started with)", lf->path,
                     rv == RP_LOCKFILE_ECHANGED
                     ? "no longer the file the server started with, or "
                       "emptied or rewritten"
                     : "cannot open it by its path");
    }
}

/* The lock file, for every configuration cycle: it lives in the process
 * pool, so a graceful restart keeps it (a lock taken before one still
 * excludes writers after it). */
static int rp_lock_start(apr_pool_t *pconf, server_rec *s)
{
    rp_srv_conf_t *sc = rp_srv_conf(s);
    const char *path = sc->lock_path;
    apr_pool_t *process_pool = s->process->pool;
    const char *base = rp_state_key(pconf, "lock", sizeof(rp_lockfile_t));
    const char *current_key = apr_pstrcat(pconf, base, ":current", NULL);
    const char *userdata_key = apr_pstrcat(pconf, base, ":file:",
                                           path ? path : "", NULL);
    rp_lockfile_t *lf = NULL;

    if (!path && sc->serialize_used && rp_lock_chroot()) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00015)
                     "RequirePreconditionSerialize On cannot work with "
                     "ChrootDir %s and the anonymous lock file: each write "
                     "opens it through /proc/self/fd, which is not there "
                     "after the chroot; set RequirePreconditionLockFile to a "
                     "file inside %s", rp_lock_chroot(), rp_lock_chroot());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* Writers of the running generation hold their locks in the file it
     * started with: a graceful restart onto another file would let the
     * next generation's writers past them. Keep it until a full restart. */
    apr_pool_userdata_get((void **)&lf, current_key, process_pool);
    if (lf && (lf->path ? !path || strcmp(lf->path, path) != 0
                        : path != NULL)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00025)
                     "RequirePreconditionLockFile changed from %s to %s: "
                     "writers still hold their locks in the first, so it "
                     "stays in use until the server is stopped and started",
                     lf->path ? lf->path : "(none: the anonymous file)",
                     path ? path : "(none: the anonymous file)");
        rp_lock_recheck(s, lf);
        sc->lockfile = lf;
        rp_upgrade_start(s, lf->path ? -1 : lf->fd);
        return OK;
    }
    lf = NULL;
    apr_pool_userdata_get((void **)&lf, userdata_key, process_pool);
    if (!lf) {
        int status = rp_lock_open(process_pool, s, &lf);

        if (status == DECLINED) {
            /* A request that would lock anyway gets 503. */
            sc->lockfile = NULL;
            return OK;
        }
        if (status != OK) {
            return status;
        }
        /* No cleanup: the process pool outlives this module's code (it is
         * unloaded with pconf); the descriptor goes with the process. */
        apr_pool_userdata_set(lf, userdata_key, apr_pool_cleanup_null,
                              process_pool);
        apr_pool_userdata_set(lf, current_key, apr_pool_cleanup_null,
                              process_pool);
    }
    else {
        rp_lock_recheck(s, lf);
    }
    rp_lock_compare(pconf, s, lf);
    sc->lockfile = lf;
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_NORMAL) {
        rp_upgrade_start(s, lf->path ? -1 : lf->fd);
    }
    return OK;
}

/* apache2 -t checks the lock file here. A start opens it in post_config
 * instead: httpd runs the check_config hooks in the process that
 * apache2 -k stop, restart or graceful starts, before it signals the
 * server, and those must work whatever the file holds. */
int rp_lock_check_config(apr_pool_t *pconf, server_rec *s)
{
    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_CONFIG_TEST) {
        return OK;
    }
    return rp_lock_start(pconf, s);
}

int rp_lock_post_config(apr_pool_t *pconf, server_rec *s)
{
    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_NORMAL) {
        return OK;
    }
    return rp_lock_start(pconf, s);
}

/* The wake-up signal of timed waits, blocked in every thread but the one
 * that waits (the worker threads inherit the mask). */
void rp_lock_child_init(apr_pool_t *p, server_rec *s)
{
    int rv = rp_lockfile_process_init();

    (void)p;
    if (rv != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, RPLOGNO(00018)
                     "RequirePreconditionSerialize: cannot install the "
                     "signal handler for timed lock waits");
    }
}

/* ---- a request's keys ---------------------------------------------------- */

typedef struct {
    request_rec *r;
    request_rec *dest;
    const rp_srv_conf_t *sc;
} rp_lock_ctx_t;

/* The URL the client named: the first request of an internal redirect
 * chain, its path as normalised before any translation (a RewriteRule
 * [PT] or an Alias changes r->uri to the script's). */
static const char *rp_lock_client_uri(const request_rec *r)
{
    while (r->prev) {
        r = r->prev;
    }
    return r->parsed_uri.path ? r->parsed_uri.path : r->uri;
}

/* A file mod_dav serves: keyed by the identities on its path, in the
 * lock file alone (it lives on the file's storage). */
static int rp_lock_by_path(const request_rec *r)
{
    return rp_is_dav(r) && r->filename && r->filename[0] == '/';
}

/* The keys of what r (the request or its destination sub-request)
 * addresses. Returns 0, or an errno value. */
static int rp_lock_keys_of(const rp_srv_conf_t *sc, rp_lockfile_keys_t *k,
                           request_rec *r, apr_pool_t *pool)
{
    const char *host;

    if (rp_lock_by_path(r)) {
        return rp_lockfile_keys_path(sc->lockfile, k,
                                     (r->path_info && *r->path_info)
                                     ? apr_pstrcat(pool, r->filename,
                                                   r->path_info, NULL)
                                     : r->filename);
    }
    /* Without the host where the lock file is shared, or the lock server
     * names the URL path alone: every writer that etcd takes as one must
     * be one here too, since a process's writers share their lease (and
     * so their etcd key) and only this lock tells them apart. */
    host = sc->lockfile->shared || rp_lockserver_used(sc) ? ""
        : (r->server->server_hostname ? r->server->server_hostname : "");
    rp_lockfile_keys_name(sc->lockfile, k, pool, host, rp_lock_client_uri(r));
    return 0;
}

static int rp_lock_keys(void *data, rp_lockfile_keys_t *k)
{
    rp_lock_ctx_t *ctx = data;
    int err = rp_lock_keys_of(ctx->sc, k, ctx->r, ctx->r->pool);

    if (err == 0 && ctx->dest) {
        err = rp_lock_keys_of(ctx->sc, k, ctx->dest, ctx->r->pool);
    }
    return err;
}

/* ---- after the locks ----------------------------------------------------- */

/* httpd mapped and stat()ed the target before the locks were ours, and
 * mod_dav and the core judge the precondition and make ETags from that
 * look. Look again, and when the path had not existed up to its end (the
 * name left in path_info) but does now, map it to the file. */
static void rp_lock_reexamine(request_rec *r)
{
    apr_status_t rv;

    if (!r->filename || r->filename[0] != '/') {
        return;
    }
    if (r->finfo.filetype == APR_NOFILE && r->path_info && *r->path_info
        && strcmp(r->path_info, "/") != 0) {
        apr_finfo_t fi;
        const char *full = apr_pstrcat(r->pool, r->filename, r->path_info,
                                       NULL);

        rv = apr_stat(&fi, full, APR_FINFO_MIN, r->pool);
        if (rv == APR_SUCCESS || rv == APR_INCOMPLETE) {
            r->filename = apr_pstrdup(r->pool, full);
            r->path_info = "";
            r->finfo = fi;
        }
        else {
            r->finfo.filetype = APR_NOFILE;
        }
    }
    else {
        rv = apr_stat(&r->finfo, r->filename, APR_FINFO_MIN, r->pool);
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            r->finfo.filetype = APR_NOFILE;
        }
    }
    /* If-Unmodified-Since is judged against r->mtime, which the module set
     * from the look before the wait: set it from this one (not
     * ap_update_mtime, which only ever moves it forward). */
    if (rp_is_dav(r)) {
        r->mtime = r->finfo.filetype == APR_REG ? r->finfo.mtime : 0;
    }
}

static apr_status_t rp_lock_release(void *data)
{
    rp_lockfile_unlock(data);
    return APR_SUCCESS;
}

/* ---- the end of the commit ----------------------------------------------- */

/* The locks end with the commit, when the handler has answered: not when
 * the request's pool goes, after the client has read the response (a
 * client that pipelines and never reads, or keeps its HTTP/2 window shut,
 * would hold them until httpd's Timeout). The handler has answered when
 * the end of its response (EOS, the brigade's last bucket, as httpd marks
 * it) passes a protocol filter, which an internal redirect (ErrorDocument,
 * Action) keeps; for mod_dav, which answers only once it has acted, when
 * its first bytes do (a 207 of a large collection is written as it goes).
 * Not before the request's body is read to its end: a body that fails
 * (a bad chunk, LimitRequestBody) makes httpd answer while the handler
 * still runs (a proxy still sending to its backend); then, as when no end
 * comes, the pool's cleanup ends them. */
typedef struct {
    apr_pool_t *locks;          /* the locks' cleanups; NULL once ended */
    int body_read;              /* the body is read to its end, or none */
    int at_first;               /* mod_dav: its first bytes are the end */
} rp_lock_end_t;

static apr_status_t rp_lock_end_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    rp_lock_end_t *end = f->ctx;

    if (end->locks && end->body_read && !APR_BRIGADE_EMPTY(bb)
        && (end->at_first || APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb)))) {
        apr_pool_destroy(end->locks);
        end->locks = NULL;
        ap_remove_output_filter(f);
    }
    return ap_pass_brigade(f->next, bb);
}

/* Notes the end of the request's body as the handler (or httpd's discard
 * of what it left) reads it. */
static apr_status_t rp_lock_body_filter(ap_filter_t *f,
                                        apr_bucket_brigade *bb,
                                        ap_input_mode_t mode,
                                        apr_read_type_e block,
                                        apr_off_t readbytes)
{
    rp_lock_end_t *end = f->ctx;
    apr_status_t rv = ap_get_brigade(f->next, bb, mode, block, readbytes);

    if (rv == APR_SUCCESS && mode != AP_MODE_SPECULATIVE
        && !APR_BRIGADE_EMPTY(bb) && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb))) {
        end->body_read = 1;
        ap_remove_input_filter(f);
    }
    return rv;
}

/* The pool r's locks are held in, ended by the filters above; `brief`:
 * r's body, if it has one, is read already. */
static apr_pool_t *rp_lock_end_at_commit(request_rec *r, int brief)
{
    rp_lock_end_t *end = apr_pcalloc(r->pool, sizeof(*end));

    apr_pool_create(&end->locks, r->pool);
    apr_pool_tag(end->locks, "require_precondition_locks");
    end->body_read = brief;
    end->at_first = rp_is_dav(r);
    ap_add_output_filter_handle(rp_lock_end_handle, end, r, r->connection);
    if (!brief) {
        /* First of the protocol filters, above HTTP_IN: where the body's
         * end is an EOS, not the connection's bytes. */
        rp_spool_put_first(r, ap_add_input_filter_handle(rp_lock_body_handle,
                                                         end, r,
                                                         r->connection));
    }
    return end->locks;
}

/* The 503 of a failed lock operation: fail closed, never unlocked. */
static int rp_lock_fail(request_rec *r, int err, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, err > 0 ? err : 0, r, RPLOGNO(00019)
                  "%s %s: 503: cannot serialize: %s", r->method, r->uri,
                  what);
    apr_table_setn(r->err_headers_out, "Retry-After", "1");
    return HTTP_SERVICE_UNAVAILABLE;
}

static int rp_lock_timed_out(request_rec *r, const rp_lockfile_held_t *held,
                             apr_interval_time_t timeout, apr_time_t start)
{
    apr_time_t secs = apr_time_sec(timeout + APR_USEC_PER_SEC - 1);

    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00020)
                  "%s %s: 503: %s for longer than %" APR_TIME_T_FMT " ms",
                  r->method, r->uri,
                  held->why ? held->why : "another write to this resource "
                                          "held it",
                  apr_time_as_msec(timeout));
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_TIME_T_FMT, secs));
    apr_table_setn(r->notes, RP_NOTE_LOCK_WAIT,
                   apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                apr_time_now() - start));
    rp_stats_count(RP_STAT_TIMEOUT);
    return HTTP_SERVICE_UNAVAILABLE;
}

static int rp_lock_failed(request_rec *r, const rp_lockfile_t *lf, int err)
{
    switch (err) {
    case RP_LOCKFILE_ECHANGED:
        return rp_lock_fail(r, 0, apr_pstrcat(r->pool, lf->path,
                                              " is not the file the server "
                                              "started with, or no longer "
                                              "holds its key (emptied or "
                                              "rewritten?)", NULL));
    case RP_LOCKFILE_EUNSTABLE:
        return rp_lock_fail(r, 0, "the resource's path kept changing while "
                            "it waited");
    case ENAMETOOLONG:
        return rp_lock_fail(r, err, "the path is too deep or too long");
    default:
        return rp_lock_fail(r, err, "locking");
    }
}

static void rp_lock_taken(request_rec *r, const rp_lockfile_held_t *held,
                          apr_time_t start, int with_dest)
{
    apr_interval_time_t took = apr_time_now() - start;

    apr_table_setn(r->notes, RP_NOTE_LOCK_WAIT,
                   apr_psprintf(r->pool, "%" APR_TIME_T_FMT, took));
    rp_stats_count(RP_STAT_SERIALIZED);
    rp_stats_wait(held->waited ? took : 0);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00021)
                  "%s %s: serialized: lock taken after %" APR_TIME_T_FMT
                  " ms (%" APR_TIME_T_FMT " us, %d locks%s%s%s%s)",
                  r->method, r->uri, apr_time_as_msec(took), took,
                  held->nlocks, held->brief ? ", short path" : "",
                  held->waited ? ", waited" : "",
                  held->retries ? ", keys changed during the wait" : "",
                  with_dest ? ", with the destination" : "");
}

/* What the engine may know of r: it changes folders (what mod_dav does
 * with MKCOL, DELETE, MOVE and COPY), or it writes a file and holds its
 * locks only while it commits. */
static int rp_lock_flags(const request_rec *r, int brief)
{
    switch (r->method_number) {
    case M_MKCOL:
    case M_DELETE:
    case M_MOVE:
    case M_COPY:
        return RP_LOCKFILE_FOLDERS;
    default:
        return brief && rp_is_dav(r) && r->filename && r->filename[0] == '/'
               ? RP_LOCKFILE_BRIEF : 0;
    }
}

/* With a lock server, what r addresses by URL is locked there too, after
 * the lock file: the other gateways' writers are excluded there, this
 * server's in the lock file. */
static int rp_lock_elsewhere(const rp_srv_conf_t *sc, request_rec *r,
                             request_rec *dest, apr_pool_t *locks,
                             apr_time_t deadline)
{
    const char *names[2];
    int n = 0;

    if (!rp_lockserver_used(sc)) {
        return DECLINED;
    }
    if (!rp_lock_by_path(r)) {
        names[n++] = rp_lock_client_uri(r);
    }
    if (dest && !rp_lock_by_path(dest)) {
        names[n++] = rp_lock_client_uri(dest);
    }
    return n ? rp_lockserver_lock(sc, r, locks, names, n, deadline)
             : DECLINED;
}

int rp_lock_request(request_rec *r, request_rec *dest,
                    apr_interval_time_t timeout, int brief)
{
    const rp_srv_conf_t *sc = rp_srv_conf(r->server);
    rp_lock_ctx_t ctx;
    rp_lockfile_held_t *held;
    const request_rec *prev;
    apr_pool_t *locks;
    apr_time_t start;
    int err;

    /* A request redirected from one that holds its locks takes none. */
    for (prev = r->prev; prev; prev = prev->prev) {
        if (ap_get_module_config(prev->request_config,
                                 &require_precondition_module)) {
            return DECLINED;
        }
    }
    if (!sc->lockfile) {
        return rp_lock_fail(r, 0, "no lock file (see the start-up log)");
    }
    ctx.r = r;
    ctx.dest = dest;
    ctx.sc = sc;
    held = apr_pcalloc(r->pool, sizeof(*held));
    held->fd = -1;
    locks = rp_lock_end_at_commit(r, brief);
    apr_pool_cleanup_register(locks, held, rp_lock_release,
                              apr_pool_cleanup_null);
    start = apr_time_now();
    err = rp_upgrade_wait(sc->upgrade, locks, start + timeout);
    if (err != 0) {
        held->why = "the writes of the processes that another release "
                    "started before the graceful restart held the lock file";
    }
    else {
        err = rp_lockfile_lock(sc->lockfile, r->pool, rp_lock_keys, &ctx,
                               rp_lock_flags(r, brief), start + timeout,
                               held);
    }
    if (err == ETIMEDOUT) {
        return rp_lock_timed_out(r, held, timeout, start);
    }
    if (err != 0) {
        return rp_lock_failed(r, sc->lockfile, err);
    }
    err = rp_lock_elsewhere(sc, r, dest, locks, start + timeout);
    if (err != DECLINED) {
        return err;
    }
    ap_set_module_config(r->request_config, &require_precondition_module,
                         held);
    rp_lock_reexamine(r);
    rp_lock_taken(r, held, start, dest != NULL);
    return DECLINED;
}

void rp_lock_register_hooks(apr_pool_t *p)
{
    (void)p;
    rp_lock_end_handle =
        ap_register_output_filter("REQUIRE_PRECONDITION_UNLOCK",
                                  rp_lock_end_filter, NULL, AP_FTYPE_PROTOCOL);
    rp_lock_body_handle =
        ap_register_input_filter("REQUIRE_PRECONDITION_BODY_END",
                                 rp_lock_body_filter, NULL, AP_FTYPE_PROTOCOL);
}
