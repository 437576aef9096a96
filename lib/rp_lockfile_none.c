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

/* rp_lockfile_none.c: the lock engine's interface (rp_lockfile.h) where
 * there are no open file description locks (F_OFD_SETLK, Linux 3.15 and
 * later) or no memfd_create. Every lock file fails to open, saying why, so
 * the start-up checks refuse RequirePreconditionSerialize On; the rest of
 * the module works. Built instead of rp_lockfile.c where
 * tools/lockprobe.sh finds them missing (make RP_LOCK_NO_OFD=1 forces it). */

#include "apr_strings.h"

#include <errno.h>

#include "rp_lockfile.h"

#define RP_LF_NONE_WHY "this platform has no open file description locks " \
    "(F_OFD_SETLK, Linux 3.15 and later), which serialization needs"

static const char *rp_lf_none(apr_pool_t *p, rp_lockfile_t **lf)
{
    *lf = apr_pcalloc(p, sizeof(**lf));
    (*lf)->fd = -1;
    (*lf)->live = -1;
    return RP_LF_NONE_WHY;
}

const char *rp_lockfile_open_named(apr_pool_t *p, const char *path,
                                   const rp_lockfile_user_t *user,
                                   rp_lockfile_t **lf)
{
    (void)path;
    (void)user;
    return rp_lf_none(p, lf);
}

const char *rp_lockfile_open_anonymous(apr_pool_t *p, rp_lockfile_t **lf)
{
    return rp_lf_none(p, lf);
}

void rp_lockfile_close(rp_lockfile_t *lf)
{
    (void)lf;
}

const char *rp_lockfile_register(apr_pool_t *p, rp_lockfile_t *lf,
                                 const char *name, apr_uint64_t fingerprint,
                                 int record)
{
    (void)p;
    (void)lf;
    (void)name;
    (void)fingerprint;
    (void)record;
    return NULL;
}

void rp_lockfile_keys_init(rp_lockfile_keys_t *k)
{
    k->n = 0;
    k->overflow = 0;
    k->queue = -1;
}

int rp_lockfile_keys_path(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                          const char *path)
{
    (void)lf;
    (void)k;
    (void)path;
    return ENOTSUP;
}

void rp_lockfile_keys_name(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                           apr_pool_t *p, const char *host, const char *uri)
{
    (void)lf;
    (void)p;
    (void)host;
    (void)uri;
    k->overflow = 1;
}

int rp_lockfile_lock(const rp_lockfile_t *lf, apr_pool_t *p,
                     rp_lockfile_keys_fn *keys, void *ctx, int flags,
                     apr_time_t deadline, rp_lockfile_held_t *held)
{
    (void)lf;
    (void)p;
    (void)keys;
    (void)ctx;
    (void)flags;
    (void)deadline;
    held->fd = -1;
    held->why = RP_LF_NONE_WHY;
    return ENOTSUP;
}

void rp_lockfile_unlock(rp_lockfile_held_t *held)
{
    held->fd = -1;
}

int rp_lockfile_lock_whole(int fd, apr_time_t deadline)
{
    (void)fd;
    (void)deadline;
    return ENOSYS;
}

int rp_lockfile_process_init(void)
{
    return 0;
}

int rp_lockfile_queue_draw(const rp_lockfile_t *lf, int fd,
                           apr_off_t offset, apr_time_t deadline,
                           apr_uint64_t *ticket)
{
    (void)lf;
    (void)fd;
    (void)offset;
    (void)deadline;
    *ticket = 0;
    return ENOTSUP;
}

int rp_lockfile_queue_turn(const rp_lockfile_t *lf, int fd,
                           apr_off_t offset, apr_uint64_t ticket,
                           apr_time_t deadline)
{
    (void)lf;
    (void)fd;
    (void)offset;
    (void)ticket;
    (void)deadline;
    return ENOTSUP;
}

int rp_lockfile_check(const rp_lockfile_t *lf)
{
    (void)lf;
    return 0;
}

int rp_lockfile_open_fd(const rp_lockfile_t *lf, int *fd)
{
    (void)lf;
    *fd = -1;
    return ENOTSUP;
}
