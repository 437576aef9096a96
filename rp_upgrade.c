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

/* rp_upgrade.c: a graceful restart from another release (rp_upgrade.h).
 *
 * Each release keeps its anonymous lock file in the parent's process pool
 * under a key of its own (rp_state_key), so a release never reads another
 * one's state. The price is that the two generations a graceful restart
 * leaves running side by side lock in two files: the old generation's
 * writes in flight would not exclude the new one's. So the parent looks
 * among its descriptors for the other lock files (every release names its
 * memfd "require_precondition", and the descriptors are inherited by the
 * children), and while a process of another generation is alive, each
 * writer of this one holds those files whole, shared: an old writer holds
 * at least one lock of its own exclusively while it checks and writes, so
 * each waits for the other, while the new writers do not wait for each
 * other. The files are looked for at every start, not only at the first
 * of this release: a second graceful restart may come while the other
 * release's processes still finish their writes. Once a child sees no
 * process of another generation, it stops looking. */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_mpm.h"
#include "scoreboard.h"

#include "apr_strings.h"

#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_module.h"
#include "rp_lockfile.h"
#include "rp_upgrade.h"

APLOG_USE_MODULE(require_precondition);

/* The release the last generation ran; a C string, whatever the release. */
#define RP_UPGRADE_RELEASE_KEY "require_precondition/release"
/* More than a parent could have: one per release it has run. */
#define RP_UPGRADE_MAX 8

/* What this configuration cycle found, in its server-wide record. */
struct rp_upgrade_t {
    int fds[RP_UPGRADE_MAX];
    int n;
    /* This child saw no older generation's process left: it stops
     * looking (each child its own copy of the record). */
    volatile int done;
};

/* Is descriptor `fd` (its name in /proc/self/fd) an anonymous lock file? */
static int rp_upgrade_is_lockfile(const char *fd)
{
    static const char name[] = "/memfd:require_precondition ";
    char link[64], path[64];
    ssize_t n;

    apr_snprintf(path, sizeof(path), "/proc/self/fd/%s", fd);
    n = readlink(path, link, sizeof(link) - 1);
    if (n < 0) {
        return 0;
    }
    link[n] = '\0';
    return !strncmp(link, name, sizeof(name) - 1);
}

/* The other releases' anonymous lock files among our descriptors. */
static void rp_upgrade_find(rp_upgrade_t *u, int own_fd)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL && u->n < RP_UPGRADE_MAX) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);

        if (end == e->d_name || *end || fd == own_fd || fd == dirfd(d)
            || !rp_upgrade_is_lockfile(e->d_name)) {
            continue;
        }
        u->fds[u->n++] = (int)fd;
    }
    closedir(d);
}

void rp_upgrade_start(server_rec *s, int own_fd)
{
    apr_pool_t *pp = s->process->pool;
    rp_upgrade_t *u = apr_pcalloc(s->process->pconf, sizeof(*u));
    const char *last = NULL;

    rp_srv_conf(s)->upgrade = u;
    if (own_fd >= 0) {
        rp_upgrade_find(u, own_fd);
    }
    apr_pool_userdata_get((void **)&last, RP_UPGRADE_RELEASE_KEY, pp);
    if (last && !strcmp(last, MOD_REQUIRE_PRECONDITION_VERSION)) {
        return;
    }
    if (u->n > 0) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, RPLOGNO(00083)
                     "RequirePreconditionSerialize: a graceful restart from "
                     "another release: until the processes it started are "
                     "gone, serialized writes also wait for theirs");
    }
    /* A copy in the process pool: a string of this module's would go when
     * the next restart unloads it. */
    apr_pool_userdata_set(apr_pstrdup(pp, MOD_REQUIRE_PRECONDITION_VERSION),
                          RP_UPGRADE_RELEASE_KEY, apr_pool_cleanup_null, pp);
}

/* Is a process of another generation than this child's alive? */
static int rp_upgrade_old_alive(void)
{
    ap_generation_t mine;
    int i, limit;

    if (ap_mpm_query(AP_MPMQ_GENERATION, &mine) != APR_SUCCESS
        || ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &limit) != APR_SUCCESS) {
        return 1;               /* cannot tell: keep waiting for them */
    }
    for (i = 0; i < limit; i++) {
        process_score *ps = ap_get_scoreboard_process(i);

        /* A slot past a lowered MaxRequestWorkers may keep the pid of a
         * child that has gone (prefork, worker): ask the kernel too. */
        if (ps && ps->pid > 0 && ps->generation != mine
            && (kill(ps->pid, 0) == 0 || errno == EPERM)) {
            return 1;
        }
    }
    return 0;
}

static apr_status_t rp_upgrade_close(void *data)
{
    close(*(int *)data);
    return APR_SUCCESS;
}

int rp_upgrade_wait(rp_upgrade_t *u, apr_pool_t *locks, apr_time_t deadline)
{
    int i;

    if (!u || u->n == 0 || u->done) {
        return 0;
    }
    if (!rp_upgrade_old_alive()) {
        u->done = 1;
        return 0;
    }
    for (i = 0; i < u->n; i++) {
        char path[64];
        int *fd = apr_palloc(locks, sizeof(*fd));
        int err;

        /* A description of its own: the old writers' locks are on theirs. */
        apr_snprintf(path, sizeof(path), "/proc/self/fd/%d",
                     u->fds[i]);
        *fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (*fd < 0) {
            return errno;
        }
        apr_pool_cleanup_register(locks, fd, rp_upgrade_close,
                                  apr_pool_cleanup_null);
        if ((err = rp_lockfile_lock_whole(*fd, deadline)) != 0) {
            return err;
        }
    }
    return 0;
}
