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

/* rp_proxied.c: the start-up warning (RP00095) for a location whose writes
 * RequirePreconditionSerialize orders but mod_proxy forwards with
 * RequirePreconditionEvaluate off. There the backend judges the
 * precondition: one that ignores If-Match refuses nothing, and the lock
 * only makes the lost updates happen one after the other.
 *
 * Read from the configuration tree, as written (after <IfModule>,
 * <IfDefine> and Include): nothing of mod_proxy is used, neither its
 * structures, whose layout this module would have to trust across 2.4.x,
 * nor its symbols, so the module loads and this costs nothing without
 * mod_proxy; and nothing of it runs at request time. What it sees, per
 * server (the main one, each <VirtualHost>): for the path of every
 * <Location> and of every server-level ProxyPass, the settings httpd's
 * location walk would merge for that path (the server's and every
 * <Location> that covers it, in order), and whether mod_proxy serves it
 * (ProxyPass or SetHandler "proxy:..." in such a <Location>, a server-level
 * ProxyPass or ProxyPassMatch covering it, the first one deciding, the
 * per-directory one winning). A <LocationMatch> is judged by itself and
 * the server's settings. RewriteRule [P] and <Directory>, <If> and <Proxy>
 * sections are not seen (docs/backends.md says so).
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "apr_fnmatch.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "rp_module.h"
#include "rp_evaluate.h"
#include "rp_proxied.h"

APLOG_USE_MODULE(require_precondition);

/* A <Location> or <LocationMatch> of one server, in the order of the file. */
typedef struct {
    const ap_directive_t *sec;
    const char *path;           /* NULL for a regular expression */
    ap_regex_t *re;             /* NULL for a path */
} rp_loc_t;

/* What the location walk merges for a path: the two settings that matter
 * here, and whether mod_proxy serves it (-1: nobody said). */
typedef struct {
    int serialize;
    int evaluate;
    int proxied;
} rp_seen_t;

/* One server's view: its own top-level directives (NULL for the main
 * server, whose are the tree's), the main server's, and the <Location>s
 * that apply to it, the main server's first (as httpd merges them). */
typedef struct {
    apr_pool_t *p;
    const ap_directive_t *vhost;
    apr_array_header_t *locs;   /* rp_loc_t */
    apr_hash_t *said;           /* "file:line" of those warned about */
} rp_scope_t;

/* A section's arguments without the closing '>'. */
static const char *rp_sec_args(apr_pool_t *p, const ap_directive_t *d)
{
    const char *end = strrchr(d->args, '>');

    return end ? apr_pstrmemdup(p, d->args, end - d->args) : d->args;
}

static void rp_add_locs(rp_scope_t *sc, const ap_directive_t *first)
{
    const ap_directive_t *d;

    for (d = first; d; d = d->next) {
        const char *args, *word;
        int match = !ap_cstr_casecmp(d->directive, "<LocationMatch");
        rp_loc_t *l;

        if (!match && ap_cstr_casecmp(d->directive, "<Location")) {
            continue;
        }
        args = rp_sec_args(sc->p, d);
        word = ap_getword_conf(sc->p, &args);
        if (!match && !strcmp(word, "~")) {
            match = 1;
            word = ap_getword_conf(sc->p, &args);
        }
        l = apr_array_push(sc->locs);
        l->sec = d;
        l->path = match ? NULL : word;
        /* A pattern httpd took compiles here too; one that does not is
         * never taken for covering anything. */
        l->re = match ? ap_pregcomp(sc->p, word, AP_REG_EXTENDED) : NULL;
    }
}

/* Does a <Location> path, or a ProxyPass path, cover the URL path `u`? As
 * the location walk and mod_proxy's alias_match: a prefix that ends at a
 * '/' of either; a path with wildcards as apr_fnmatch. */
static int rp_covers(const char *path, const char *u)
{
    apr_size_t len = strlen(path);

    if (apr_fnmatch_test(path)) {
        return apr_fnmatch(path, u, APR_FNM_PATHNAME) == APR_SUCCESS;
    }
    return !strncmp(path, u, len)
        && (len == 0 || path[len - 1] == '/' || u[len] == '/'
            || u[len] == '\0');
}

static int rp_loc_covers(const rp_loc_t *l, const char *u)
{
    return l->path ? rp_covers(l->path, u)
                   : l->re != NULL && !ap_regexec(l->re, u, 0, NULL, 0);
}

/* The settings in one section's directives (the last one wins), and
 * whether it proxies: SetHandler "proxy:...", and in a <Location>
 * (`in_loc`) ProxyPass with a URL, 0 for ProxyPass !. A server-level
 * ProxyPass names its path: rp_server_proxies. */
static void rp_apply(apr_pool_t *p, const ap_directive_t *first,
                     int in_loc, rp_seen_t *seen)
{
    const ap_directive_t *d;

    for (d = first; d; d = d->next) {
        const char *args = d->args;
        const char *word = ap_getword_conf(p, &args);

        if (!ap_cstr_casecmp(d->directive, "RequirePreconditionSerialize")) {
            seen->serialize = !ap_cstr_casecmp(word, "On");
        }
        else if (!ap_cstr_casecmp(d->directive,
                                  "RequirePreconditionEvaluate")) {
            int mode;

            if (!rp_parse_evaluate(p, word, &mode)) {
                seen->evaluate = mode;
            }
        }
        else if (in_loc && (!ap_cstr_casecmp(d->directive, "ProxyPass")
                            || !ap_cstr_casecmp(d->directive,
                                                "ProxyPassMatch"))) {
            seen->proxied = strcmp(word, "!") != 0;
        }
        else if (!ap_cstr_casecmp(d->directive, "SetHandler")
                 && !ap_cstr_casecmpn(word, "proxy:", 6)) {
            seen->proxied = 1;
        }
    }
}

/* The first server-level ProxyPass or ProxyPassMatch among `first` and
 * its siblings that covers `u`: 1 when it proxies, 0 for "!", -1 none. */
static int rp_server_proxies(apr_pool_t *p, const ap_directive_t *first,
                             const char *u)
{
    const ap_directive_t *d;

    for (d = first; d; d = d->next) {
        int match = !ap_cstr_casecmp(d->directive, "ProxyPassMatch");
        const char *args = d->args, *path, *url;

        if (!match && ap_cstr_casecmp(d->directive, "ProxyPass")) {
            continue;
        }
        path = ap_getword_conf(p, &args);
        url = ap_getword_conf(p, &args);
        if (match) {
            ap_regex_t *re = ap_pregcomp(p, path, AP_REG_EXTENDED);

            if (!re || ap_regexec(re, u, 0, NULL, 0)) {
                continue;
            }
        }
        else if (!rp_covers(path, u)) {
            continue;
        }
        return strcmp(url, "!") != 0;
    }
    return -1;
}

/* What the location walk of one server merges for the path `u`. */
static void rp_seen_at(const rp_scope_t *sc, const char *u, rp_seen_t *seen)
{
    int i;

    seen->serialize = seen->evaluate = RP_UNSET;
    seen->proxied = -1;
    if (sc->vhost) {
        seen->proxied = rp_server_proxies(sc->p, sc->vhost->first_child, u);
    }
    if (seen->proxied < 0) {
        seen->proxied = rp_server_proxies(sc->p, ap_conftree, u);
    }
    rp_apply(sc->p, ap_conftree, 0, seen);
    if (sc->vhost) {
        rp_apply(sc->p, sc->vhost->first_child, 0, seen);
    }
    for (i = 0; i < sc->locs->nelts; i++) {
        const rp_loc_t *l = &APR_ARRAY_IDX(sc->locs, i, rp_loc_t);

        if (rp_loc_covers(l, u)) {
            rp_apply(sc->p, l->sec->first_child, 1, seen);
        }
    }
}

/* Warn about `d` (a <Location> or a ProxyPass) when what httpd merges
 * there serializes, proxies and does not evaluate; once a directive. */
static void rp_warn_at(rp_scope_t *sc, server_rec *s, const ap_directive_t *d,
                       const rp_seen_t *seen)
{
    const char *name, *at = apr_psprintf(sc->p, "%s:%d", d->filename,
                                         d->line_num);

    if (seen->proxied != 1 || seen->serialize != 1
        || rp_value_evaluate(seen->evaluate) != RP_EVAL_OFF
        || apr_hash_get(sc->said, at, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(sc->said, at, APR_HASH_KEY_STRING, "");
    name = d->directive[0] == '<'
        ? apr_pstrcat(sc->p, d->directive, " ", rp_sec_args(sc->p, d), ">",
                      NULL)
        : apr_pstrcat(sc->p, d->directive, " ", d->args, NULL);
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00095)
                 "%s (%s)%s%s: RequirePreconditionSerialize On orders "
                 "the writes mod_proxy forwards from here, but with "
                 "RequirePreconditionEvaluate Off the backend judges their "
                 "preconditions, and one that ignores If-Match refuses "
                 "none; set RequirePreconditionEvaluate Backend (or Digest) "
                 "here", name, at,
                 sc->vhost && d->parent != sc->vhost ? " in " : "",
                 sc->vhost && d->parent != sc->vhost
                 ? apr_pstrcat(sc->p, sc->vhost->directive, " ",
                               rp_sec_args(sc->p, sc->vhost), ">", NULL)
                 : "");
}

/* Is `path` the path of one of the server's <Location>s? */
static int rp_is_loc(const rp_scope_t *sc, const char *path)
{
    int i;

    for (i = 0; i < sc->locs->nelts; i++) {
        const rp_loc_t *l = &APR_ARRAY_IDX(sc->locs, i, rp_loc_t);

        if (l->path && !strcmp(l->path, path)) {
            return 1;
        }
    }
    return 0;
}

/* One server: every <Location> that applies to it, by its path (a
 * <LocationMatch> by itself), and every server-level ProxyPass path. */
static void rp_check_scope(rp_scope_t *sc, server_rec *s)
{
    const ap_directive_t *lists[2];
    int i, n;

    sc->locs = apr_array_make(sc->p, 8, sizeof(rp_loc_t));
    rp_add_locs(sc, ap_conftree);
    if (sc->vhost) {
        rp_add_locs(sc, sc->vhost->first_child);
    }
    for (i = 0; i < sc->locs->nelts; i++) {
        const rp_loc_t *l = &APR_ARRAY_IDX(sc->locs, i, rp_loc_t);
        rp_seen_t seen;

        if (l->path) {
            rp_seen_at(sc, l->path, &seen);
        }
        else {
            seen.serialize = seen.evaluate = RP_UNSET;
            seen.proxied = -1;
            rp_apply(sc->p, ap_conftree, 0, &seen);
            if (sc->vhost) {
                rp_apply(sc->p, sc->vhost->first_child, 0, &seen);
            }
            rp_apply(sc->p, l->sec->first_child, 1, &seen);
        }
        rp_warn_at(sc, s, l->sec, &seen);
    }
    n = 0;
    lists[n++] = ap_conftree;
    if (sc->vhost) {
        lists[n++] = sc->vhost->first_child;
    }
    for (i = 0; i < n; i++) {
        const ap_directive_t *d;

        for (d = lists[i]; d; d = d->next) {
            const char *args = d->args, *path, *url;
            rp_seen_t seen;

            if (ap_cstr_casecmp(d->directive, "ProxyPass")) {
                continue;
            }
            path = ap_getword_conf(sc->p, &args);
            url = ap_getword_conf(sc->p, &args);
            /* A <Location> of the same path was judged, and is named. */
            if (strcmp(url, "!") != 0 && !rp_is_loc(sc, path)) {
                rp_seen_at(sc, path, &seen);
                rp_warn_at(sc, s, d, &seen);
            }
        }
    }
}

void rp_proxied_check(apr_pool_t *ptemp, server_rec *s)
{
    rp_scope_t sc;
    const ap_directive_t *d;

    sc.p = ptemp;
    sc.said = apr_hash_make(ptemp);
    sc.vhost = NULL;
    rp_check_scope(&sc, s);
    for (d = ap_conftree; d; d = d->next) {
        if (!ap_cstr_casecmp(d->directive, "<VirtualHost")) {
            sc.vhost = d;
            rp_check_scope(&sc, s);
        }
    }
}
