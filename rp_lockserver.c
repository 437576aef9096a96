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

/* rp_lockserver.c: the httpd side of RequirePreconditionLockServer
 * (rp_lockserver.h): its directives, the checks of what they say together,
 * the client of each configuration and its thread in each child, and the
 * 503, counters and log lines of a write that could not take its lock
 * there. The client itself is rp_etcd.c. */

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"

#include "apr_lib.h"
#include "apr_strings.h"

#include <errno.h>
#include <string.h>

#include "rp_module.h"
#include "rp_etcd.h"
#include "rp_lockserver.h"
#include "rp_policy.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

/* This configuration's directives and its client are in the server-wide
 * record (rp_srv_conf_t): lock_server, lease_set, etcd. */

int rp_lockserver_used(const rp_srv_conf_t *sc)
{
    return sc->etcd != NULL;
}

/* ---- directives ---------------------------------------------------------- */

/* prefix=/PATH: where this application's locks live in the cluster. */
static const char *rp_ls_prefix(cmd_parms *cmd, const char *arg)
{
    const char *v = arg + sizeof("prefix=") - 1;
    const char *c;

    for (c = v; *c; c++) {
        if (apr_iscntrl(*c) || apr_isspace(*c)) {
            break;
        }
    }
    if (v[0] != '/' || *c || strlen(v) < 2 || v[strlen(v) - 1] == '/') {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockServer: '%s' "
                            "is not a prefix: it starts with '/', does not "
                            "end with one, and has no space", arg);
    }
    rp_srv_conf(cmd->server)->lock_server.prefix = v;
    return NULL;
}

const char *rp_lockserver_set(cmd_parms *cmd, void *dconf, int argc,
                              char *const argv[])
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_array_header_t *members;
    int i;

    (void)dconf;
    if (err) {
        return err;
    }
    if (argc < 1 || ap_cstr_casecmp(argv[0], "etcd") != 0) {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockServer: '%s' "
                            "is not a lock server this module speaks: "
                            "etcd URL [URL ...] [prefix=/PATH]",
                            argc ? argv[0] : "");
    }
    members = apr_array_make(cmd->pool, argc, sizeof(const char *));
    for (i = 1; i < argc; i++) {
        const char *why;

        if (!strncmp(argv[i], "prefix=", sizeof("prefix=") - 1)) {
            if ((err = rp_ls_prefix(cmd, argv[i])) != NULL) {
                return err;
            }
            continue;
        }
        if ((why = rp_etcd_check_url(cmd->temp_pool, argv[i])) != NULL) {
            return apr_psprintf(cmd->pool, "RequirePreconditionLockServer: "
                                "'%s' %s", argv[i], why);
        }
        APR_ARRAY_PUSH(members, const char *) = argv[i];
    }
    if (!members->nelts) {
        return "RequirePreconditionLockServer: etcd needs the client URL of "
               "at least one member (e.g. http://10.0.0.1:2379)";
    }
    rp_srv_conf(cmd->server)->lock_server.members = members;
    return NULL;
}

static const char *rp_ls_file(cmd_parms *cmd, const char *what,
                              const char *arg, const char **to)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (!path || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool)
                 != APR_SUCCESS || fi.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockServerTLS: "
                            "the %s '%s' is not a file", what, arg);
    }
    *to = path;
    return NULL;
}

const char *rp_lockserver_set_tls(cmd_parms *cmd, void *dconf,
                                  const char *cert, const char *key,
                                  const char *ca)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    rp_etcd_conf_t *conf = &rp_srv_conf(cmd->server)->lock_server;

    (void)dconf;
    if (!err) {
        err = rp_ls_file(cmd, "certificate", cert, &conf->cert);
    }
    if (!err) {
        err = rp_ls_file(cmd, "key", key, &conf->key);
    }
    if (!err) {
        err = rp_ls_file(cmd, "CA file", ca, &conf->ca);
    }
    return err;
}

const char *rp_lockserver_set_lease(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    rp_srv_conf_t *sc = rp_srv_conf(cmd->server);

    (void)dconf;
    if (!err) {
        err = rp_parse_lease(cmd->pool, arg, RP_ETCD_LEASE_MIN,
                             RP_ETCD_LEASE_MAX, &sc->lock_server.lease);
    }
    sc->lease_set = !err;
    return err;
}

/* ---- start-up ------------------------------------------------------------ */

/* What the directives say together; NULL, or why it cannot work. */
static const char *rp_ls_conflict(const rp_srv_conf_t *sc)
{
    const rp_etcd_conf_t *conf = &sc->lock_server;
    int i, https = 0;

    if (!conf->members) {
        return conf->cert ? "RequirePreconditionLockServerTLS is set, "
                            "but no RequirePreconditionLockServer"
             : sc->lease_set ? "RequirePreconditionLockLease is set, but "
                                 "no RequirePreconditionLockServer"
             : NULL;
    }
    for (i = 0; i < conf->members->nelts; i++) {
        https += !strncasecmp(APR_ARRAY_IDX(conf->members, i, const char *),
                              "https:", 6);
    }
    if (https && https != conf->members->nelts) {
        return "RequirePreconditionLockServer mixes http:// and https:// "
               "members: one cluster speaks one of them";
    }
    if (conf->cert && !https) {
        return "RequirePreconditionLockServerTLS is set, but the members of "
               "RequirePreconditionLockServer are http://: use their "
               "https:// URLs";
    }
    return NULL;
}

/* The lease thread's messages (rp_etcd.c): a lease lost while writes held
 * locks with it is an error; the rest are warnings. */
static void rp_ls_log(void *baton, int level, const char *msg)
{
    server_rec *s = baton;

    if (level == 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, RPLOGNO(00096)
                     "RequirePreconditionLockServer: %s", msg);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00102)
                     "RequirePreconditionLockServer: %s", msg);
    }
}

int rp_lockserver_post_config(apr_pool_t *pconf, server_rec *s)
{
    rp_srv_conf_t *sc = rp_srv_conf(s);
    const char *why = rp_ls_conflict(sc);

    if (!why && sc->lock_server.members) {
        why = rp_etcd_create(pconf, &sc->lock_server, &sc->etcd);
    }
    if (!why && sc->etcd && rp_etcd_global_init() != 0) {
        why = "libcurl did not start";
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00097) "%s", why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* Once a start (not on the first of its two passes), not for -t. */
    if (sc->etcd && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_NORMAL
        && ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG
        && (why = rp_etcd_probe(sc->etcd, pconf,
                                apr_time_from_sec(1))) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00098)
                     "RequirePreconditionLockServer: no member answers (%s): "
                     "serialized writes to proxied resources get 503 until "
                     "one does", why);
    }
    return OK;
}

void rp_lockserver_child_init(apr_pool_t *pchild, server_rec *s)
{
    rp_etcd_t *etcd = rp_srv_conf(s)->etcd;
    apr_status_t rv;

    if (!etcd) {
        return;
    }
    rv = rp_etcd_child_init(etcd, pchild, rp_ls_log, s);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, RPLOGNO(00099)
                     "RequirePreconditionLockServer: cannot start the thread "
                     "that keeps the lease: serialized writes to proxied "
                     "resources get 503 in this process");
    }
}

/* ---- a request ----------------------------------------------------------- */

int rp_lockserver_lock(const rp_srv_conf_t *sc, request_rec *r,
                       apr_pool_t *locks, const char *const *names, int n,
                       apr_time_t deadline)
{
    apr_time_t start = apr_time_now();
    rp_etcd_held_t *held;
    const char *why;
    int err = rp_etcd_lock(sc->etcd, locks, names, n, deadline, &held, &why);

    if (err == 0) {
        rp_stats_count(RP_STAT_LOCK_SERVER_TAKEN);
        return DECLINED;
    }
    if (err == ETIMEDOUT) {
        rp_stats_count(RP_STAT_LOCK_SERVER_TIMEOUT);
        rp_stats_count(RP_STAT_TIMEOUT);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00100)
                      "%s %s: 503: the lock server did not grant it within "
                      "%" APR_TIME_T_FMT " ms: a write through another "
                      "gateway held it, or the member asked did not answer "
                      "(%s)", r->method, r->uri,
                      apr_time_as_msec(apr_time_now() - start),
                      why ? why : "no more said");
        apr_table_setn(r->err_headers_out, "Retry-After", "1");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rp_stats_count(RP_STAT_LOCK_SERVER_FAILED);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00101)
                  "%s %s: 503: cannot lock it in the lock server, nothing "
                  "forwarded: %s", r->method, r->uri, why);
    apr_table_setn(r->err_headers_out, "Retry-After", "1");
    return HTTP_SERVICE_UNAVAILABLE;
}
