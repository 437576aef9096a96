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

/* rp_walk.c: what else a write reaches. Removing or overwriting a
 * collection removes what it holds, which may be guarded where the
 * collection is not: the guarded sections known by their path, then a
 * walk of the collection judged member by member. A link may lead a write
 * from an unguarded folder into a guarded one: the real file's
 * configuration. */

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_request.h"

#include "apr_file_info.h"
#include "apr_strings.h"

#include "rp_policy.h"
#include "rp_module.h"
#include "rp_walk.h"

#include <stdlib.h>             /* realpath */

APLOG_USE_MODULE(require_precondition);

/* The sections that turn the rule on at a fixed URL prefix (<Location>)
 * or folder (<Directory>), per virtual host: removing or overwriting a
 * collection that holds one removes what it guards, whatever the
 * collection's own configuration says. Regex and wildcard sections are
 * not known by their path and are left out (see README). */
typedef struct {
    const server_rec *s;
    const char *path;
    apr_size_t len;
    int is_dir;
    const rp_dir_conf *conf;
} rp_section_t;

/* Kept in the server-wide record: guarded_sections, with their count
 * (sections_guarded) and dir_guarded, which the pass-through reads. */
void rp_collect_sections(apr_pool_t *p, server_rec *main_server)
{
    rp_srv_conf_t *srv = rp_srv_conf(main_server);
    server_rec *s;

    srv->guarded_sections = apr_array_make(p, 4, sizeof(rp_section_t));
    srv->dir_guarded = 0;
    for (s = main_server; s; s = s->next) {
        core_server_config *sconf = ap_get_core_module_config(s->module_config);
        apr_array_header_t *lists[2];
        int l, i;

        lists[0] = sconf->sec_url;
        lists[1] = sconf->sec_dir;
        for (l = 0; l < 2; l++) {
            ap_conf_vector_t **v = (ap_conf_vector_t **)lists[l]->elts;

            for (i = 0; i < lists[l]->nelts; i++) {
                core_dir_config *cd = ap_get_core_module_config(v[i]);
                const rp_dir_conf *c =
                    ap_get_module_config(v[i], &require_precondition_module);
                rp_section_t *sec;

                if (!c || RP_VALUE(c, mode) <= RP_MODE_OFF || !cd->d
                    || cd->r || cd->d_is_fnmatch || cd->condition) {
                    continue;
                }
                sec = apr_array_push(srv->guarded_sections);
                sec->s = s;
                sec->path = cd->d;
                sec->len = strlen(cd->d);
                sec->is_dir = l == 1;
                srv->dir_guarded = srv->dir_guarded || sec->is_dir;
                sec->conf = c;
            }
        }
    }
    srv->sections_guarded = srv->guarded_sections->nelts;
}

/* Is `path` (a URL path or a folder) strictly inside the collection
 * `coll`? */
static int rp_inside(const char *path, apr_size_t len, const char *coll)
{
    apr_size_t clen = strlen(coll);

    while (clen && coll[clen - 1] == '/') {
        clen--;
    }
    while (len && path[len - 1] == '/') {
        len--;
    }
    return len > clen + 1 && !strncmp(path, coll, clen) && path[clen] == '/';
}

/* The walk of a removed or overwritten collection reads at most this many
 * entries, this deep; past that it cannot say that nothing inside is
 * guarded, and the collection is judged as if something were. */
#define RP_WALK_MAX   10000
#define RP_WALK_DEPTH 64

/* What a walk past its bounds is judged under: the rule on, defaults. */
static const rp_dir_conf *rp_walk_unknown(apr_pool_t *p)
{
    rp_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    rp_conf_unset(c);
    c->mode = RP_MODE_ON;
    return c;
}

typedef struct {
    request_rec *r;
    int method;
    int seen;
    const char *member;
    const rp_dir_conf *report;      /* a ReportOnly member: the walk goes
                                     * on, since one under On decides */
    const char *report_member;
} rp_walk_t;

typedef struct {
    const char *path;
    int depth;
} rp_walk_entry_t;

/* Does httpd's configuration for the file `path` (its <Directory>,
 * .htaccess, <Files>, their regex forms) guard its removal? */
static const rp_dir_conf *rp_member_conf(rp_walk_t *wk, const char *path)
{
    request_rec *sub = ap_sub_req_lookup_file(path, wk->r, NULL);
    const rp_dir_conf *c = ap_get_module_config(sub->per_dir_config,
                                                &require_precondition_module);

    if (RP_VALUE(c, mode) <= RP_MODE_OFF
        || !(RP_VALUE(c, methods)
             & (RP_BIT(M_DELETE) | RP_BIT(wk->method)))) {
        c = NULL;
    }
    else {
        /* A merged configuration lives in the sub-request's pool. */
        c = apr_pmemdup(wk->r->pool, c, sizeof(*c));
    }
    ap_destroy_sub_req(sub);
    return c;
}

/* One folder of the walk: its entries are judged, its sub-folders queued
 * (not through links: mod_dav_fs removes a link, not what it points to).
 * The first member under On, or NULL. */
static const rp_dir_conf *rp_walk_one(rp_walk_t *wk, const char *dir,
                                      int depth, apr_array_header_t *queue,
                                      apr_pool_t *p)
{
    const rp_dir_conf *found = NULL;
    apr_finfo_t fi;
    apr_dir_t *d;
    apr_status_t rv;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return NULL;            /* mod_dav cannot remove it either */
    }
    while (!found && ((rv = apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE,
                                         d)) == APR_SUCCESS
                      || rv == APR_INCOMPLETE)) {
        const char *path;

        if (fi.name[0] == '.' && (!fi.name[1]
                                  || (fi.name[1] == '.' && !fi.name[2]))) {
            continue;
        }
        path = apr_pstrcat(p, dir, "/", fi.name, NULL);
        if (++wk->seen > RP_WALK_MAX
            || (fi.filetype == APR_DIR && depth >= RP_WALK_DEPTH)) {
            wk->member = apr_pstrcat(wk->r->pool, path,
                                     " (past the walk's bounds)", NULL);
            found = rp_walk_unknown(wk->r->pool);
        }
        else if ((found = rp_member_conf(wk, path)) != NULL
                 && RP_VALUE(found, mode) == RP_MODE_REPORT_ONLY) {
            if (!wk->report) {
                wk->report = found;
                wk->report_member = apr_pstrdup(wk->r->pool, path);
            }
            found = NULL;
        }
        else if (found) {
            wk->member = apr_pstrdup(wk->r->pool, path);
        }
        if (!found && fi.filetype == APR_DIR) {
            rp_walk_entry_t *e = apr_array_push(queue);

            e->path = path;
            e->depth = depth + 1;
        }
    }
    apr_dir_close(d);
    return found;
}

/* The first member of `dir`, at any depth, that is guarded under On. */
static const rp_dir_conf *rp_walk_dir(rp_walk_t *wk, const char *dir,
                                      apr_pool_t *p)
{
    apr_array_header_t *queue = apr_array_make(p, 8, sizeof(rp_walk_entry_t));
    const rp_dir_conf *found = NULL;
    int next = 0;
    rp_walk_entry_t *first = apr_array_push(queue);

    first->path = dir;
    first->depth = 0;
    while (!found && next < queue->nelts) {
        rp_walk_entry_t e = ((rp_walk_entry_t *)queue->elts)[next++];

        found = rp_walk_one(wk, e.path, e.depth, queue, p);
    }
    return found;
}

/* For a write that removes or overwrites the collection `t`: what guards
 * something inside it, or NULL. First the <Location> and <Directory>
 * sections known by their path; then, since <Files>, .htaccess and regex
 * sections are only known file by file, a walk of what would be removed,
 * judged member by member as httpd would judge a request for it. The
 * member found is noted for the log lines. */
const rp_dir_conf *rp_guarded_inside(request_rec *r,
                                            const request_rec *t)
{
    const apr_array_header_t *guarded =
        rp_srv_conf(r->server)->guarded_sections;
    const rp_section_t *sec;
    rp_walk_t wk;
    apr_pool_t *p;
    const rp_dir_conf *found;
    apr_size_t n;
    int i;

    if (!rp_is_dav(t) || t->finfo.filetype != APR_DIR
        || (t->path_info && *t->path_info)) {
        return NULL;
    }
    sec = guarded ? (const rp_section_t *)guarded->elts : NULL;
    for (i = 0; sec && i < guarded->nelts; i++) {
        if (sec[i].s == t->server
            && rp_inside(sec[i].path, sec[i].len,
                         sec[i].is_dir ? t->filename : t->uri)) {
            return sec[i].conf;
        }
    }
    wk.r = r;
    wk.method = r->method_number;
    wk.seen = 0;
    wk.member = NULL;
    wk.report = NULL;
    apr_pool_create(&p, r->pool);
    n = strlen(t->filename);
    found = rp_walk_dir(&wk, n > 1 && t->filename[n - 1] == '/'
                        ? apr_pstrmemdup(p, t->filename, n - 1) : t->filename,
                        p);
    apr_pool_destroy(p);
    if (!found && wk.report) {
        found = wk.report;
        wk.member = wk.report_member;
    }
    if (found) {
        apr_table_setn(r->notes, RP_NOTE_MEMBER,
                       apr_pstrcat(r->pool, "guarded member ", wk.member,
                                   NULL));
    }
    return found;
}

/* How strict a configuration is for `method`: On, ReportOnly, neither. */
static int rp_strictness(const rp_dir_conf *c, int method)
{
    if (RP_VALUE(c, mode) <= RP_MODE_OFF
        || !(RP_VALUE(c, methods) & RP_BIT(method))) {
        return 0;
    }
    return RP_VALUE(c, mode) == RP_MODE_ON ? 2 : 1;
}

/* httpd matches <Directory> against the path it walked, before links are
 * resolved: a link can lead a write from an unguarded folder into a
 * guarded one. The configuration of the file really written (for a new
 * file, the real folder's), looked up as httpd would serve it, when that
 * is stricter than `conf`; else NULL. */
const rp_dir_conf *rp_real_conf(request_rec *r,
                                       const rp_dir_conf *conf, int method)
{
    const char *path = r->filename, *leaf = NULL, *full;
    const rp_dir_conf *c = NULL;
    apr_size_t n;
    char *real;

    if (!rp_srv_conf(r->server)->dir_guarded || !path || path[0] != '/'
        || (r->path_info && *r->path_info)) {
        return NULL;            /* not a file, or nothing is written */
    }
    if (r->finfo.filetype == APR_NOFILE) {
        const char *slash = strrchr(path, '/');

        leaf = slash + 1;
        path = apr_pstrmemdup(r->pool, path, (apr_size_t)(slash - path) + 1);
    }
    if ((real = realpath(path, NULL)) == NULL) {
        return NULL;
    }
    full = leaf ? apr_pstrcat(r->pool, real, "/", leaf, NULL)
                : apr_pstrdup(r->pool, real);
    free(real);
    n = strlen(r->filename);
    while (n > 1 && r->filename[n - 1] == '/') {
        n--;
    }
    if (strlen(full) != n || strncmp(full, r->filename, n) != 0) {
        request_rec *sub = ap_sub_req_lookup_file(full, r, NULL);
        const rp_dir_conf *sc = ap_get_module_config(
            sub->per_dir_config, &require_precondition_module);

        if (rp_strictness(sc, method) > rp_strictness(conf, method)) {
            /* A merged configuration lives in the sub-request's pool. */
            c = apr_pmemdup(r->pool, sc, sizeof(*sc));
            apr_table_setn(r->notes, RP_NOTE_MEMBER,
                           apr_pstrcat(r->pool, "real file ", full, NULL));
        }
        ap_destroy_sub_req(sub);
    }
    return c;
}
