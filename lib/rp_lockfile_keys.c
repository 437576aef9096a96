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

/* rp_lockfile_keys.c: the lock engine's keys: the offsets a keyed hash of
 * a resource's identity gives, the walk of its folders, their order. See
 * rp_lockfile_int.h. */

#include "rp_lockfile_int.h"

/* ---- keys ----------------------------------------------------------------- */

void rp_lockfile_keys_init(rp_lockfile_keys_t *k)
{
    k->n = 0;
    k->overflow = 0;
    k->queue = -1;
    k->brief = 0;
    k->full = 0;
    k->folders = 0;
}

static apr_off_t rp_lf_add(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                           const unsigned char *data, apr_size_t len,
                           short type)
{
    apr_off_t offset = (apr_off_t)RP_LF_BASE
        + (apr_off_t)(rp_siphash(lf->key, data, len) >> 2);

    if (k->n == RP_LOCKFILE_MAX) {
        k->overflow = 1;
        return offset;
    }
    k->want[k->n].offset = offset;
    k->want[k->n].type = type;
    k->n++;
    return offset;
}

/* "F" (name NULL): the object st; "N": the entry `name` in the folder st.
 * The device number only where one server uses the file. */
static apr_off_t rp_lf_add_id(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                              char kind, const struct stat *st,
                              const char *name, apr_size_t namelen,
                              short type)
{
    unsigned char buf[1 + 2 * sizeof(apr_uint64_t) + NAME_MAX];
    apr_uint64_t v;
    apr_size_t n = 0;

    buf[n++] = (unsigned char)kind;
    if (!lf->shared) {
        v = (apr_uint64_t)st->st_dev;
        memcpy(buf + n, &v, sizeof(v));
        n += sizeof(v);
    }
    v = (apr_uint64_t)st->st_ino;
    memcpy(buf + n, &v, sizeof(v));
    n += sizeof(v);
    if (name) {
        /* No longer name exists; a cut one only costs a needless wait. */
        if (namelen > NAME_MAX) {
            namelen = NAME_MAX;
        }
        memcpy(buf + n, name, namelen);
        n += namelen;
    }
    return rp_lf_add(lf, k, buf, n, type);
}

/* The first target sets the queue: the entry's name for a file (stable
 * across writes that rename over it), the identity for a folder (what the
 * writers inside it lock). */
static void rp_lf_set_queue(rp_lockfile_keys_t *k, apr_off_t offset)
{
    if (k->queue < 0) {
        k->queue = offset;
    }
}

/* The target at the end of a walk: its entry, and what it is. A file's
 * inode changes with each write through mod_dav, so it queues on the
 * entry; a folder queues on its identity, which its members' writers
 * share. */
static void rp_lf_add_target(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                             const struct stat *dir, const char *path,
                             const char *name)
{
    apr_off_t entry = rp_lf_add_id(lf, k, 'N', dir, name, strlen(name),
                                   F_WRLCK);
    apr_off_t self;
    struct stat st;

    if (stat(path, &st) != 0) {
        rp_lf_set_queue(k, entry);
        return;
    }
    self = rp_lf_add_id(lf, k, 'F', &st, NULL, 0, F_WRLCK);
    rp_lf_set_queue(k, S_ISDIR(st.st_mode) ? self : entry);
    if (S_ISDIR(st.st_mode)) {
        k->folders = 1;
    }
}

/* The short path's keys: the target's entry and identity, the same keys
 * as the walk's (stat() of the folder follows links as the walk does), and
 * nothing of the folders above it; k->full when the folder is not there. */
static void rp_lf_short_keys(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                             char *buf)
{
    char *slash = strrchr(buf, '/');
    const char *name = slash ? slash + 1 : "";
    struct stat dir;
    int rv;

    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
        k->full = 1;
        return;
    }
    if (slash == buf) {
        rv = stat("/", &dir);
    }
    else {
        *slash = '\0';
        rv = stat(buf, &dir);
        *slash = '/';
    }
    if (rv != 0 || !S_ISDIR(dir.st_mode)) {
        k->full = 1;
        return;
    }
    rp_lf_add_target(lf, k, &dir, buf, name);
}

/* Where a symlinked folder leads: the rest of the path appended to it.
 * Returns 0 or an errno; ENOENT means it leads nowhere. */
static int rp_lf_follow(char *buf, apr_size_t *len, char *slash)
{
    char real[PATH_MAX];
    apr_size_t rlen, rest = *len - (apr_size_t)(slash - buf);

    *slash = '\0';
    if (!realpath(buf, real)) {
        int err = errno;

        *slash = '/';
        return err == ENOTDIR ? ENOENT : err;
    }
    *slash = '/';
    rlen = strlen(real);
    if (rlen + rest >= sizeof(real)) {
        return ENAMETOOLONG;
    }
    memcpy(real + rlen, slash, rest + 1);
    *len = rlen + rest;
    memcpy(buf, real, *len + 1);
    return 0;
}

/* One walk from the root; returns 0, an errno, or -1 to start again at
 * a symlinked folder's target (buf holds it). */
static int rp_lf_walk(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                      char *buf, apr_size_t *len)
{
    struct stat dir, st;
    char *comp = buf + 1, *slash;
    int err;

    if (lstat("/", &dir) != 0) {
        return errno;
    }
    if (*len == 1) {
        rp_lf_set_queue(k, rp_lf_add_id(lf, k, 'F', &dir, NULL, 0, F_WRLCK));
        return 0;
    }
    while ((slash = strchr(comp, '/')) != NULL) {
        if (slash == comp) {
            comp++;             /* "//" */
            continue;
        }
        *slash = '\0';
        err = lstat(buf, &st) != 0 ? errno : 0;
        *slash = '/';
        if (err == 0 && S_ISLNK(st.st_mode)) {
            err = rp_lf_follow(buf, len, slash);
            if (err == 0) {
                return -1;
            }
        }
        if (err == ENOENT || err == ENOTDIR
            || (err == 0 && !S_ISDIR(st.st_mode))) {
            /* The first missing folder (or a file where one should be):
             * whoever makes it and a write under it meet here. */
            rp_lf_set_queue(k, rp_lf_add_id(lf, k, 'N', &dir, comp,
                                            (apr_size_t)(slash - comp),
                                            F_WRLCK));
            return 0;
        }
        if (err != 0) {
            return err;
        }
        rp_lf_add_id(lf, k, 'F', &st, NULL, 0, F_RDLCK);
        dir = st;
        comp = slash + 1;
    }
    rp_lf_add_target(lf, k, &dir, buf, comp);
    return 0;
}

int rp_lockfile_keys_path(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                          const char *path)
{
    char buf[PATH_MAX];
    apr_size_t len = strlen(path);
    int base = k->n, restarts = 0, rv;
    apr_off_t queue = k->queue;

    if (len >= sizeof(buf)) {
        return ENAMETOOLONG;
    }
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/') {
        buf[--len] = '\0';
    }
    if (k->brief) {
        if (len > 1) {
            rp_lf_short_keys(lf, k, buf);
        }
        else {
            k->full = 1;
        }
        return 0;
    }
    while ((rv = rp_lf_walk(lf, k, buf, &len)) == -1) {
        if (++restarts > 40) {
            return ELOOP;
        }
        k->n = base;
        k->queue = queue;
    }
    return rv;
}

void rp_lockfile_keys_name(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                           apr_pool_t *p, const char *host, const char *uri)
{
    apr_size_t hlen = strlen(host), ulen = strlen(uri);
    unsigned char *buf = apr_palloc(p, hlen + ulen + 2);

    buf[0] = 'U';
    memcpy(buf + 1, host, hlen);
    buf[1 + hlen] = '\0';
    memcpy(buf + 2 + hlen, uri, ulen);
    rp_lf_set_queue(k, rp_lf_add(lf, k, buf, hlen + ulen + 2, F_WRLCK));
}

static int rp_lf_cmp(const void *a, const void *b)
{
    const rp_lockfile_want_t *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* One fixed order: ascending offsets, each once, exclusive if either. */
void rp_lf_sort(rp_lockfile_keys_t *k)
{
    int i, n = 0;

    qsort(k->want, (size_t)k->n, sizeof(*k->want), rp_lf_cmp);
    for (i = 0; i < k->n; i++) {
        if (n && k->want[n - 1].offset == k->want[i].offset) {
            if (k->want[i].type == F_WRLCK) {
                k->want[n - 1].type = F_WRLCK;
            }
            continue;
        }
        k->want[n++] = k->want[i];
    }
    k->n = n;
}

int rp_lf_same(const rp_lockfile_keys_t *a, const rp_lockfile_keys_t *b)
{
    int i;

    if (a->n != b->n) {
        return 0;
    }
    for (i = 0; i < a->n; i++) {
        if (a->want[i].offset != b->want[i].offset
            || a->want[i].type != b->want[i].type) {
            return 0;
        }
    }
    return 1;
}
