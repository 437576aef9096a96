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

/* rp_lockfile_lock.c: the lock engine's taking and releasing of a
 * writer's locks: in order, the queue on a conflict, the short path and
 * the writers that change folders. See rp_lockfile_int.h. */

#include "rp_lockfile_int.h"

/* ---- taking the locks ---------------------------------------------------- */

static void rp_lf_drop(int fd, const rp_lockfile_keys_t *k, int upto)
{
    int j;

    for (j = 0; j < upto; j++) {
        rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, (off_t)k->want[j].offset, 1);
    }
}

/* Without waiting. Returns k->n when all are held, else the index of the
 * first conflict (nothing held then): a lock held by another, or waiters
 * queued for it (a shared lock behind a queued exclusive one). */
static int rp_lf_try_all(const rp_lockfile_t *lf, int fd,
                         const rp_lockfile_keys_t *k, int *err)
{
    /* Nobody queued anywhere (the common case): no counter to read. */
    int queued = rp_lf_holder(fd, F_WRLCK, RP_LF_WAITING, 1) != F_UNLCK;
    int i;

    *err = 0;
    for (i = 0; i < k->n; i++) {
        const rp_lockfile_want_t *w = &k->want[i];

        if (queued && (w->type == F_RDLCK || w->offset == k->queue)
            && rp_lf_queue_tail(lf, fd, w->offset)) {
            break;
        }
        if (rp_lf_range(fd, F_OFD_SETLK, w->type, (off_t)w->offset, 1) != 0) {
            if (!rp_lf_conflicts(errno) && errno != EINTR) {
                *err = errno;
            }
            break;
        }
    }
    if (i < k->n) {
        rp_lf_drop(fd, k, i);
    }
    return i;
}

/* In order, waiting for each. */
static int rp_lf_take_all(int fd, const rp_lockfile_keys_t *k,
                          apr_time_t deadline, rp_lockfile_held_t *held)
{
    int i;

    for (i = 0; i < k->n; i++) {
        int rv = rp_lf_take(fd, k->want[i].type, (off_t)k->want[i].offset,
                            deadline);
        if (rv != 0) {
            if (rv == ETIMEDOUT) {
                held->why = k->want[i].type == F_RDLCK
                    ? "a write of a folder above it held it"
                    : rp_lf_holder(fd, F_WRLCK, (off_t)k->want[i].offset, 1)
                      == F_RDLCK ? "writes inside this collection held it"
                                 : "another write to this resource held it";
            }
            rp_lf_drop(fd, k, i);
            return rv;
        }
    }
    return 0;
}

/* After a conflict at k->want[at]: wait in line. A shared lock waits
 * behind the exclusive waiters queued for it; an exclusive one queues on
 * the writer's queue. */
static int rp_lf_wait_in_line(const rp_lockfile_t *lf, int fd,
                              const rp_lockfile_keys_t *k, int at,
                              apr_time_t deadline, rp_lockfile_held_t *held)
{
    const rp_lockfile_want_t *w = &k->want[at];
    apr_uint64_t t = 0;
    int rv;

    if (w->type == F_RDLCK) {
        t = rp_lf_queue_tail(lf, fd, w->offset);
        rv = t ? rp_lf_wait_free(fd, rp_lf_slot_at(lf, w->offset, t - 1),
                                 deadline) : 0;
        if (rv == ETIMEDOUT) {
            held->why = "a collection operation queued above it waited";
        }
        return rv;
    }
    rv = rp_lf_queue_draw(lf, fd, k->queue, deadline, &t);
    if (rv == 0) {
        rv = rp_lf_queue_turn(lf, fd, k->queue, t, deadline);
    }
    if (rv == ETIMEDOUT) {
        held->why = "earlier writes to this resource queued before it held it";
    }
    return rv;
}

/* Is the file still the one opened, with the key read then? */
static int rp_lf_verify(const rp_lockfile_t *lf, int fd)
{
    unsigned char header[RP_LF_MAGIC_LEN + RP_LOCKFILE_KEY_LEN];

    if (!lf->shared) {
        return 0;
    }
    if (pread(fd, header, sizeof(header), 0) != (ssize_t)sizeof(header)
        || memcmp(header, rp_lf_magic, RP_LF_MAGIC_LEN) != 0
        || memcmp(header + RP_LF_MAGIC_LEN, lf->key, RP_LOCKFILE_KEY_LEN)
           != 0) {
        return RP_LOCKFILE_ECHANGED;
    }
    return 0;
}

int rp_lockfile_check(const rp_lockfile_t *lf)
{
    struct stat st;
    int fd, rv;

    if (!lf->path) {
        return 0;
    }
    /* By lf->path: the caller is the parent, outside any ChrootDir. */
    fd = open(lf->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return errno;
    }
    rv = fstat(fd, &st) != 0 ? errno
        : st.st_ino != lf->ino || st.st_dev != lf->dev ? RP_LOCKFILE_ECHANGED
        : rp_lf_verify(lf, fd);
    close(fd);
    return rv;
}

static int rp_lf_compute(rp_lockfile_keys_fn *keys, void *ctx, int brief,
                         rp_lockfile_keys_t *k)
{
    int rv;

    rp_lockfile_keys_init(k);
    k->brief = brief;
    if ((rv = keys(ctx, k)) != 0) {
        return rv;
    }
    if (k->overflow) {
        return ENAMETOOLONG;
    }
    rp_lf_sort(k);
    return 0;
}

/* ---- the short path and the writers that change folders ------------------ *
 *
 * Most writes replace one file in a folder that stays where it is. Such a
 * writer, when its body is read (it holds its locks only while it
 * commits), may lock only its target's entry and identity, without a walk
 * of the folders above it and without their shared locks, if it holds the
 * SHORT byte shared and no writer that changes folders has announced
 * itself on the FOLDERS byte. It never waits there: on any conflict it
 * lets go of everything and takes the long path. A writer that changes
 * folders announces itself, then waits until the SHORT byte is free: from
 * then on no writer is on the short path that could miss it, and the
 * folders above every later writer are locked as before. */

/* 1: the writer that changes folders holds FOLDERS, and every writer on
 * the short path that could have missed it is done. */
static int rp_lf_announce(int fd, apr_time_t deadline,
                          rp_lockfile_held_t *held)
{
    int rv;

    if (held->announced) {
        return 0;
    }
    if (rp_lf_range(fd, F_OFD_SETLK, F_RDLCK, RP_LF_FOLDERS, 1) != 0) {
        return errno;           /* never locked exclusively: no conflict */
    }
    held->announced = 1;
    rv = rp_lf_take(fd, F_WRLCK, RP_LF_SHORT, deadline);
    if (rv == 0) {
        rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, RP_LF_SHORT, 1);
    }
    else if (rv == ETIMEDOUT) {
        held->why = "writes already under way elsewhere on the server did "
                    "not end (a collection operation waits for them)";
    }
    return rv;
}

static void rp_lf_short_drop(int fd, const rp_lockfile_keys_t *k, int upto)
{
    rp_lf_drop(fd, k, upto);
    rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, RP_LF_SHORT, 1);
}

/* The short path: 0 with everything held, 1 to take the long path
 * (nothing held), or an error. */
static int rp_lf_short(const rp_lockfile_t *lf, int fd, apr_pool_t *p,
                       rp_lockfile_keys_fn *keys, void *ctx,
                       rp_lockfile_keys_t *k, rp_lockfile_held_t *held)
{
    rp_lockfile_keys_t *now;
    int queued = 0, i;

    if (rp_lf_range(fd, F_OFD_SETLK, F_RDLCK, RP_LF_SHORT, 1) != 0) {
        return rp_lf_conflicts(errno) ? 1 : errno;
    }
    /* After SHORT: a writer that announces itself later waits for us. */
    if (rp_lf_holder(fd, F_WRLCK, RP_LF_FOLDERS, 2) != F_UNLCK) {
        if (rp_lf_holder(fd, F_WRLCK, RP_LF_FOLDERS, 1) != F_UNLCK) {
            rp_lf_short_drop(fd, k, 0);
            return 1;
        }
        queued = 1;             /* WAITING: a queue has waiters */
    }
    if (rp_lf_compute(keys, ctx, 1, k) != 0 || k->full || k->folders) {
        rp_lf_short_drop(fd, k, 0);
        return 1;               /* the long path says why, if it fails */
    }
    for (i = 0; i < k->n; i++) {
        const rp_lockfile_want_t *w = &k->want[i];

        if ((queued && w->offset == k->queue
             && rp_lf_queue_tail(lf, fd, w->offset))
            || rp_lf_range(fd, F_OFD_SETLK, w->type, (off_t)w->offset, 1)
               != 0) {
            rp_lf_short_drop(fd, k, i);
            return 1;
        }
    }
    /* Held: is the target still the one looked at? (A write that renamed
     * a new file over it since gave it another identity.) */
    now = apr_palloc(p, sizeof(*now));
    if (rp_lf_compute(keys, ctx, 1, now) != 0 || now->full || now->folders
        || !rp_lf_same(now, k)) {
        rp_lf_short_drop(fd, k, k->n);
        return 1;
    }
    held->brief = 1;
    held->nlocks = k->n;
    return rp_lf_verify(lf, fd);
}

/* Everything held for keys *k: compute them again; when a folder on the
 * way was replaced during the wait they differ: take the new ones. */
static int rp_lf_settle(const rp_lockfile_t *lf, int fd, apr_pool_t *p,
                        rp_lockfile_keys_fn *keys, void *ctx,
                        rp_lockfile_keys_t *k, apr_time_t deadline,
                        rp_lockfile_held_t *held)
{
    rp_lockfile_keys_t *now = apr_palloc(p, sizeof(*now)), *swap;

    for (;;) {
        int rv = rp_lf_compute(keys, ctx, 0, now);

        if (rv != 0) {
            return rv;
        }
        /* A file replaced by a folder while it waited (a writer outside
         * the engine): announce before going on. */
        if (now->folders && (rv = rp_lf_announce(fd, deadline, held)) != 0) {
            return rv;
        }
        if (rp_lf_same(now, k)) {
            held->nlocks = k->n;
            return rp_lf_verify(lf, fd);
        }
        if (++held->retries > RP_LF_RETRIES) {
            return RP_LOCKFILE_EUNSTABLE;
        }
        rp_lf_drop(fd, k, k->n);
        swap = k;
        k = now;
        now = swap;
        if ((rv = rp_lf_take_all(fd, k, deadline, held)) != 0) {
            return rv;
        }
    }
}

/* A description for one writer: a spare, or a new one. */
static int rp_lf_description(const rp_lockfile_t *lf,
                             rp_lockfile_held_t *held)
{
    held->fd = -1;
    if (lf->spares) {
        held->spares = lf->spares;
        held->fd = rp_lf_spare_take(lf->spares, &held->generation);
        if (held->fd >= 0) {
            return 0;
        }
    }
    return rp_lockfile_open_fd(lf, &held->fd);
}

int rp_lockfile_lock(const rp_lockfile_t *lf, apr_pool_t *p,
                     rp_lockfile_keys_fn *keys, void *ctx, int flags,
                     apr_time_t deadline, rp_lockfile_held_t *held)
{
    rp_lockfile_keys_t *k = apr_palloc(p, sizeof(*k));
    int rv, at;

    memset(held, 0, sizeof(*held));
    deadline = rp_lf_to_mono(deadline);
    if ((rv = rp_lf_description(lf, held)) != 0
        || (rv = rp_lf_verify(lf, held->fd)) != 0) {
        return rv;
    }
    if ((flags & (RP_LOCKFILE_BRIEF | RP_LOCKFILE_FOLDERS))
        == RP_LOCKFILE_BRIEF
        && (rv = rp_lf_short(lf, held->fd, p, keys, ctx, k, held)) != 1) {
        return rv;
    }
    if ((rv = rp_lf_compute(keys, ctx, 0, k)) != 0) {
        return rv;
    }
    if (((flags & RP_LOCKFILE_FOLDERS) || k->folders)
        && (rv = rp_lf_announce(held->fd, deadline, held)) != 0) {
        return rv;
    }
    at = rp_lf_try_all(lf, held->fd, k, &rv);
    if (rv != 0) {
        return rv;
    }
    if (at < k->n) {
        held->waited = 1;
        if ((rv = rp_lf_wait_in_line(lf, held->fd, k, at, deadline, held))
                != 0
            || (rv = rp_lf_take_all(held->fd, k, deadline, held)) != 0) {
            return rv;
        }
    }
    return rp_lf_settle(lf, held->fd, p, keys, ctx, k, deadline, held);
}

void rp_lockfile_unlock(rp_lockfile_held_t *held)
{
    if (held->fd >= 0) {
        if (!held->spares
            || !rp_lf_spare_put(held->spares, held->fd, held->generation)) {
            close(held->fd);    /* drops every lock of the description */
        }
        held->fd = -1;
    }
}
