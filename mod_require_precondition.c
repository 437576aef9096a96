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

/* mod_require_precondition: answer 428 Precondition Required (RFC 6585 §3)
 * to a write that does not carry a usable precondition, so that two clients
 * editing the same document cannot silently overwrite each other.
 *
 *   <Location /docs/>
 *       Dav On
 *       RequirePrecondition On
 *   </Location>
 *
 * A precondition that is present but fails is httpd's business: core's
 * ap_meets_conditions() and mod_dav answer 412. This module never does.
 *
 * The decision is taken in the fixups hook: after authentication and
 * authorization (an anonymous write gets 401 first), after mod_dav has
 * claimed the request (only then does the WebDAV If header count), and
 * before the handler reads a byte of the body.
 *
 * RequirePreconditionSerialize On also makes the precondition check and the
 * write atomic: the same hook locks the resources the request writes (by
 * identity: device and inode, not URL) until the request's pool goes,
 * after the response is complete. The lock engine is rp_lock.c; with
 * RequirePreconditionLockFile its lock file is shared by several servers.
 *
 * This file is the module record: the directives, the per-directory
 * configuration and its merge, the start-up hooks and the hooks' list.
 * The request's way is rp_request.c; docs/architecture.md maps the rest.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"

#include "rp_policy.h"
#include "rp_module.h"
#include "rp_evaluate.h"
#include "rp_lock.h"
#include "rp_lockserver.h"
#include "rp_metrics.h"
#include "rp_override.h"
#include "rp_proxied.h"
#include "rp_request.h"
#include "rp_spool.h"
#include "rp_stats.h"
#include "rp_walk.h"

APLOG_USE_MODULE(require_precondition);

/* The server-wide record's defaults (rp_module.h): the one place they are
 * written. */
static const rp_srv_conf_t rp_srv_defaults = {
    .lock_server = {
        .prefix = RP_ETCD_PREFIX_DEFAULT,
        .lease = RP_ETCD_LEASE_DEFAULT,
    },
};

static void *rp_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    rp_srv_conf_t *sc = apr_palloc(p, sizeof(*sc));

    (void)s;
    *sc = rp_srv_defaults;
    return sc;
}

/* A virtual host's own record only ever holds the notes of its sections'
 * RequirePreconditionSerialize (the rest is server config only): they are
 * added into the main server's record, which every virtual host then
 * shares. httpd merges each virtual host once a configuration cycle,
 * after the directives and before check_config. */
static void *rp_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    rp_srv_conf_t *base = basev;
    const rp_srv_conf_t *add = addv;

    (void)p;
    base->serialize_used |= add->serialize_used;
    base->fingerprint += add->fingerprint;
    return base;
}

/* Create, merge and "sets nothing" are made from the list of fields,
 * RP_DIR_FIELDS (rp_conf.h). */
static void *rp_create_dir_conf(apr_pool_t *p, char *dir)
{
    rp_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    rp_conf_unset(conf);
    return conf;
}

/* Sections that set nothing of this module (most of a server's <Directory>,
 * <Location> and <Files>) lose their empty record once the configuration
 * is read: httpd then keeps what it merged so far without calling
 * rp_merge_dir_conf, which each request would otherwise pay for every
 * section it matches (the GET pass-through budget). The servers' own
 * records stay, so that every request has one; <If> sections and
 * .htaccess files keep theirs and are merged as before. */
static void rp_prune_one(ap_conf_vector_t *v)
{
    rp_dir_conf *c = ap_get_module_config(v, &require_precondition_module);

    if (c && rp_conf_is_empty(c)) {
        ap_set_module_config(v, &require_precondition_module, NULL);
    }
}

/* A list of sections, and the <Files> sections inside each (one level:
 * <Files> holds no other section). */
static void rp_prune_list(apr_array_header_t *list)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)list->elts;
    int i, j;

    for (i = 0; i < list->nelts; i++) {
        core_dir_config *cd = ap_get_core_module_config(v[i]);

        rp_prune_one(v[i]);
        if (cd && cd->sec_file) {
            ap_conf_vector_t **f = (ap_conf_vector_t **)cd->sec_file->elts;

            for (j = 0; j < cd->sec_file->nelts; j++) {
                rp_prune_one(f[j]);
            }
        }
    }
}

static void rp_prune_sections(server_rec *main_server)
{
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        core_server_config *sconf =
            ap_get_core_module_config(s->module_config);
        core_dir_config *dflt = ap_get_core_module_config(s->lookup_defaults);

        rp_prune_list(sconf->sec_url);
        rp_prune_list(sconf->sec_dir);
        if (dflt && dflt->sec_file) {
            rp_prune_list(dflt->sec_file);
        }
    }
}

static void *rp_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    rp_dir_conf *base = basev, *add = addv;
    rp_dir_conf *conf;

    /* httpd merges per request for every section that matches, whether it
     * uses this module or not: when one side sets nothing, the other is
     * the answer, with no allocation. Merged configs are never written. */
    if (rp_conf_is_empty(add)) {
        return base;
    }
    if (rp_conf_is_empty(base)) {
        return add;
    }
    conf = apr_palloc(p, sizeof(*conf));
    rp_conf_merge(conf, base, add);
    return conf;
}

/* A directive of one argument whose parser (rp_policy.c) gives the
 * field's value: rp_set_<field>. */
#define RP_SETTER(field, parse)                                             \
    static const char *rp_set_##field(cmd_parms *cmd, void *dconf,          \
                                      const char *arg)                      \
    {                                                                       \
        return parse(cmd->pool, arg, &((rp_dir_conf *)dconf)->field);       \
    }

RP_SETTER(mode, rp_parse_mode)
RP_SETTER(serialize_timeout, rp_parse_timeout)
RP_SETTER(spool_limit, rp_parse_spool_limit)
RP_SETTER(digest_limit, rp_parse_digest_limit)

/* An .htaccess file is read at request time, by many threads at once:
 * what it serializes must not reach the process-wide notes of the start-up
 * checks and the fingerprint (rp_lock.c), which saw the configuration
 * whole; the lock file is opened at every start, so it serializes anyway. */
static int rp_in_htaccess(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
}

static const char *rp_set_serialize(cmd_parms *cmd, void *dconf, int on)
{
    rp_dir_conf *conf = dconf;

    conf->serialize = on ? 1 : 0;
    if (!rp_in_htaccess(cmd)) {
        rp_lock_note_serialize(cmd, on);
    }
    return NULL;
}

static const char *rp_set_accept_star(cmd_parms *cmd, void *dconf, int on)
{
    rp_dir_conf *conf = dconf;

    (void)cmd;
    conf->accept_star = on;
    return NULL;
}

/* Evaluate implies serialization: the look-up and the write hold the
 * resource's lock together. */
static const char *rp_set_evaluate(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    rp_dir_conf *conf = dconf;
    const char *err = rp_parse_evaluate(cmd->pool, arg, &conf->evaluate);

    if (!err && conf->evaluate != RP_EVAL_OFF && !rp_in_htaccess(cmd)) {
        rp_lock_note_serialize(cmd, 1);
    }
    return err;
}

static const char *rp_set_methods(cmd_parms *cmd, void *dconf, int argc,
                                  char *const argv[])
{
    rp_dir_conf *conf = dconf;
    apr_int64_t methods = 0;
    int i;

    if (argc == 0) {
        return "RequirePreconditionMethods: at least one method is needed";
    }
    for (i = 0; i < argc; i++) {
        int m;

        if (!rp_is_token(argv[i])) {
            return apr_psprintf(cmd->pool, "RequirePreconditionMethods: "
                                "'%s' is not a method (an RFC 9110 token)",
                                argv[i]);
        }
        m = ap_method_number_of(argv[i]);
        if (m == M_INVALID) {
            /* Methods are case-sensitive: 'put' would be a new method that
             * no client sends, leaving PUT unguarded. */
            char *upper = apr_pstrdup(cmd->temp_pool, argv[i]);

            ap_str_toupper(upper);
            if (strcmp(upper, argv[i]) != 0
                && ap_method_number_of(upper) != M_INVALID) {
                return apr_psprintf(cmd->pool, "RequirePreconditionMethods: "
                                    "'%s' is not a method: methods are "
                                    "case-sensitive; did you mean %s?",
                                    argv[i], upper);
            }
        }
        if (m == M_INVALID) {
            /* As <Limit> does: give the extension method a number now, so
             * that requests for it carry one and the test is a bit test. */
            if (cmd->pool == cmd->temp_pool) {
                return apr_psprintf(cmd->pool, "RequirePreconditionMethods: "
                                    "'%s' is not a method httpd knows, and a "
                                    "new one cannot be registered from "
                                    ".htaccess; list it in the server "
                                    "configuration first", argv[i]);
            }
            m = ap_method_register(cmd->pool,
                                   apr_pstrdup(cmd->pool, argv[i]));
            if (m == M_INVALID || m >= METHODS) {
                return apr_psprintf(cmd->pool, "RequirePreconditionMethods: "
                                    "cannot register method '%s': too many "
                                    "extension methods", argv[i]);
            }
        }
        methods |= RP_BIT(m);
    }
    conf->methods = methods;
    return NULL;
}

static const char *rp_set_headers(cmd_parms *cmd, void *dconf, int argc,
                                  char *const argv[])
{
    rp_dir_conf *conf = dconf;
    unsigned int headers = 0;
    int i;

    if (argc == 0) {
        return "RequirePreconditionHeaders: at least one header is needed";
    }
    for (i = 0; i < argc; i++) {
        unsigned int bit;
        const char *err = rp_parse_header_name(cmd->pool, argv[i], &bit);

        if (err) {
            return err;
        }
        headers |= bit;
    }
    conf->headers = headers;
    return NULL;
}

const char *rp_state_key(apr_pool_t *p, const char *what, apr_size_t layout)
{
    return apr_psprintf(p, "require_precondition/"
                        MOD_REQUIRE_PRECONDITION_VERSION "/%s/%lu", what,
                        (unsigned long)layout);
}

int rp_has_body(const request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t len;

    if (apr_table_get(r->headers_in, "Transfer-Encoding")) {
        return 1;
    }
    /* As HTTP_IN reads it: "000" is no body; what is not a number is
     * HTTP_IN's to refuse. */
    return cl && (apr_strtoff(&len, cl, NULL, 10) != APR_SUCCESS || len != 0);
}

/* Is the spool folder worth checking at start-up? Where writes are
 * serialized, and where the admin named one (forms are spooled too). */
static int rp_spool_used(const server_rec *s)
{
    const rp_srv_conf_t *sc = rp_srv_conf(s);

    return sc->serialize_used || sc->spool_dir != NULL;
}

/* The rule that holds where the directive `d` sits, as its section and
 * the ones around it set it in the configuration file: *mode (RP_MODE_*)
 * and the guarded methods, the innermost setting winning. */
static apr_int64_t rp_rule_at(apr_pool_t *p, const ap_directive_t *d,
                              int *mode)
{
    const ap_directive_t *sec, *c;
    apr_int64_t methods = 0;

    *mode = RP_MODE_UNSET;
    for (sec = d->parent; ; sec = sec->parent) {
        for (c = sec ? sec->first_child : ap_conftree; c; c = c->next) {
            const char *args = c->args;

            if (*mode == RP_MODE_UNSET
                && !ap_cstr_casecmp(c->directive, "RequirePrecondition")
                && rp_parse_mode(p, args, mode) != NULL) {
                *mode = RP_MODE_UNSET;
            }
            if (!methods && !ap_cstr_casecmp(c->directive,
                                             "RequirePreconditionMethods")) {
                while (*args) {
                    int m = ap_method_number_of(ap_getword_conf(p, &args));

                    methods |= m != M_INVALID ? RP_BIT(m) : 0;
                }
            }
        }
        if (!sec) {
            break;
        }
    }
    return rp_value_methods(methods);
}

/* mod_actions' `Script PUT /cgi-bin/put.cgi` in a guarded section hands
 * the guarded writes there to a script whose own URL is judged under its
 * own configuration, where the rule may be off: the script then writes
 * the guarded files unconditionally. apache2 -t says so. */
static void rp_warn_scripts(apr_pool_t *p, server_rec *s)
{
    const ap_directive_t *d = ap_conftree;

    while (d) {
        if (!ap_cstr_casecmp(d->directive, "Script") && d->parent) {
            const char *args = d->args;
            const char *name = ap_getword_conf(p, &args);
            const char *script = ap_getword_conf(p, &args);
            int m = ap_method_number_of(name), mode;
            apr_int64_t methods = rp_rule_at(p, d, &mode);

            if (mode > RP_MODE_OFF && m != M_INVALID
                && (methods & RP_BIT(m))) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00082)
                             "Script %s %s in %s %s (%s:%d): the script "
                             "writes what RequirePrecondition guards here, "
                             "but is judged under the configuration of its "
                             "own URL %s: guard that URL too", name, script,
                             d->parent->directive, d->parent->args,
                             d->filename, d->line_num, script);
            }
        }
        if (d->first_child) {
            d = d->first_child;
            continue;
        }
        while (d && !d->next) {
            d = d->parent;
        }
        d = d ? d->next : NULL;
    }
}

/* Runs for apache2 -t too: a lock file that cannot serve stops it. */
static int rp_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    int status;

    (void)plog;
    rp_warn_scripts(ptemp, s);
    /* apache2 -t says it here; a start in post_config, in the log. */
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) {
        rp_proxied_check(ptemp, s);
    }
    status = rp_lock_check_config(pconf, s);
    if (status == OK && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) {
        status = rp_lockserver_post_config(pconf, s);
    }
    /* apache2 -t checks the spool folder here; a start does in
     * post_config, after -k stop, restart or graceful have been handled. */
    if (status == OK && rp_spool_used(s)
        && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) {
        status = rp_spool_check_config(pconf, s);
    }
    return status;
}

/* After the lock file and the spool folder: the guarded sections, the
 * 428 bodies, the counters, and the version in the server's (mod_info's
 * "Server Version", and the Server header under ServerTokens Full). */
static int rp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    int status;

    (void)plog;
    if ((status = rp_lock_post_config(pconf, s)) != OK
        || (status = rp_lockserver_post_config(pconf, s)) != OK) {
        return status;
    }
    if (rp_spool_used(s) && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_NORMAL
        && (status = rp_spool_check_config(pconf, s)) != OK) {
        return status;
    }
    /* Not on the first of the two passes of a start: once a start. */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        rp_proxied_check(ptemp, s);
    }
    rp_collect_sections(pconf, s);
    rp_prune_sections(s);
    rp_request_post_config(pconf, s);
    if (rp_stats_init(s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_add_version_component(pconf, "mod_require_precondition/"
                             MOD_REQUIRE_PRECONDITION_VERSION);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, RPLOGNO(00013)
                 "mod_require_precondition/" MOD_REQUIRE_PRECONDITION_VERSION
                 " loaded, built against httpd " AP_SERVER_BASEREVISION);
    return OK;
}

static void rp_child_init(apr_pool_t *p, server_rec *s)
{
    rp_lock_child_init(p, s);
    rp_lockserver_child_init(p, s);
}

static void rp_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_config(rp_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(rp_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(rp_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    rp_stats_register_hooks(p);
    rp_metrics_register_hooks(p);
    rp_spool_register_hooks(p);
    rp_lock_register_hooks(p);
    rp_evaluate_register_hooks(p);
    rp_request_register_hooks(p);
    rp_override_register_hooks(p);
}

static const command_rec rp_cmds[] = {
    AP_INIT_TAKE1("RequirePrecondition", rp_set_mode, NULL, OR_FILEINFO,
                  "On, Off (default) or ReportOnly: whether writes here "
                  "must carry a precondition"),
    AP_INIT_TAKE_ARGV("RequirePreconditionMethods", rp_set_methods, NULL,
                      OR_FILEINFO,
                      "the methods that must be conditional "
                      "(default PUT PATCH DELETE)"),
    AP_INIT_TAKE_ARGV("RequirePreconditionHeaders", rp_set_headers, NULL,
                      OR_FILEINFO,
                      "the headers that count as a precondition (default "
                      "If-Match If-None-Match If-Unmodified-Since If)"),
    AP_INIT_FLAG("RequirePreconditionAcceptIfMatchStar", rp_set_accept_star,
                 NULL, OR_FILEINFO,
                 "On or Off (default): whether If-Match: * counts as a "
                 "precondition, as a client's deliberate choice to "
                 "overwrite whatever is there"),
    AP_INIT_FLAG("RequirePreconditionSerialize", rp_set_serialize, NULL,
                 OR_FILEINFO,
                 "On or Off (default): whether guarded writes to one "
                 "resource run one at a time, precondition check and "
                 "write together"),
    AP_INIT_TAKE1("RequirePreconditionSerializeTimeout",
                  rp_set_serialize_timeout, NULL, OR_FILEINFO,
                  "seconds a write waits for the resource before a 503 "
                  "(default 10)"),
    AP_INIT_TAKE1("RequirePreconditionLockFile", rp_lock_set_file, NULL,
                  RSRC_CONF,
                  "an absolute path: the lock file serialization uses, which "
                  "several servers on shared storage may share (default: an "
                  "anonymous one per server)"),
    AP_INIT_TAKE_ARGV("RequirePreconditionLockServer", rp_lockserver_set,
                      NULL, RSRC_CONF,
                      "etcd URL [URL ...] [prefix=/PATH]: the cluster in "
                      "which the writes to proxied resources of every "
                      "gateway naming it lock (default: none; the lock "
                      "file alone)"),
    AP_INIT_TAKE3("RequirePreconditionLockServerTLS", rp_lockserver_set_tls,
                  NULL, RSRC_CONF,
                  "the client certificate, its key and the CA file for the "
                  "https:// members of RequirePreconditionLockServer (default: none)"),
    AP_INIT_TAKE1("RequirePreconditionLockLease", rp_lockserver_set_lease,
                  NULL, RSRC_CONF,
                  "seconds: how long the lock server keeps a gateway's locks "
                  "after it stops renewing them (default 10)"),
    AP_INIT_TAKE1("RequirePreconditionSpoolLimit", rp_set_spool_limit, NULL,
                  OR_FILEINFO,
                  "bytes: a serialized write's body up to this size is read "
                  "before its lock is taken; 0 turns that off (default "
                  "16777216)"),
    AP_INIT_TAKE1("RequirePreconditionSpoolDir", rp_spool_set_dir, NULL,
                  RSRC_CONF,
                  "the folder of the temporary files that hold bodies over "
                  "64 KiB before their lock (default: the system's "
                  "temporary folder)"),
    AP_INIT_TAKE1("RequirePreconditionEvaluate", rp_set_evaluate, NULL,
                  OR_FILEINFO,
                  "Off (default), Backend or Digest: whether httpd judges a "
                  "write's precondition itself, against the backend's "
                  "validators or a digest of its answer, with the "
                  "resource's lock held"),
    AP_INIT_TAKE1("RequirePreconditionDigestLimit", rp_set_digest_limit,
                  NULL, OR_FILEINFO,
                  "bytes: the largest representation that "
                  "RequirePreconditionEvaluate Digest hashes; a larger one "
                  "gets no ETag and conditional writes to it are refused "
                  "(default 1048576)"),
    { NULL, { NULL }, NULL, 0, RAW_ARGS, NULL }
};

module AP_MODULE_DECLARE_DATA require_precondition_module = {
    STANDARD20_MODULE_STUFF,
    rp_create_dir_conf,
    rp_merge_dir_conf,
    rp_create_srv_conf,
    rp_merge_srv_conf,
    rp_cmds,
    rp_register_hooks,
    AP_MODULE_FLAG_NONE
};
