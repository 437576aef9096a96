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

/* rp_lockfile_queue.c: the lock engine's queues: the tickets a writer
 * draws on a conflict and the turn it waits for, first come, first served.
 * See rp_lockfile_int.h. */

#include "rp_lockfile_int.h"

/* ---- queues --------------------------------------------------------------- *
 *
 * The kernel wakes every waiter of a released lock and gives it to whoever
 * asks first, often a newcomer. So a waiter draws a ticket t from its
 * queue's counter (under the counter's lock), locks slot t, which it keeps
 * until it is done, and waits for slot t - 1, held by the waiter before
 * it. Slots are reused modulo qslots: a ticket is handed out only when its
 * slot and the next one are free, i.e. when the waiter that ticket's slot
 * would make wait (t + 1 - qslots) has been served; a newcomer that finds
 * the queue full waits for room, holding nothing. A queue that two
 * resources share by hash is not joined behind the other's waiters. A
 * writer queues holding no lock and at most once, so its waits for slots
 * cannot close a circle with the waits for locks. */

static apr_uint64_t rp_lf_bucket(apr_off_t offset)
{
    return ((apr_uint64_t)offset * 0x9E3779B97F4A7C15ULL) % RP_LF_BUCKETS;
}

static off_t rp_lf_counter_at(apr_off_t offset)
{
    return RP_LF_TICKETS + (off_t)(rp_lf_bucket(offset) * RP_LF_TSIZE);
}

off_t rp_lf_slot_at(const rp_lockfile_t *lf, apr_off_t offset,
                    apr_uint64_t t)
{
    return RP_LF_SLOTS + (off_t)(rp_lf_bucket(offset) * RP_LOCKFILE_QSLOTS)
        + (off_t)(t % lf->qslots);
}

static int rp_lf_read_counter(int fd, apr_off_t offset, apr_uint64_t *t,
                              apr_uint64_t *owner)
{
    unsigned char buf[RP_LF_TSIZE];
    ssize_t got = pread(fd, buf, sizeof(buf), rp_lf_counter_at(offset));

    *t = *owner = 0;
    if (got < 0) {
        return errno;
    }
    if (got == (ssize_t)sizeof(buf)) {
        memcpy(t, buf, sizeof(*t));
        memcpy(owner, buf + 8, sizeof(*owner));
    }
    return 0;
}

/* The last ticket of offset's queue whose waiter is not done: 0 when the
 * queue is empty (or another resource's). A read without the counter's
 * lock: a wrong answer only costs order. */
apr_uint64_t rp_lf_queue_tail(const rp_lockfile_t *lf, int fd,
                              apr_off_t offset)
{
    apr_uint64_t t, owner;

    if (rp_lf_read_counter(fd, offset, &t, &owner) != 0 || t == 0
        || owner != (apr_uint64_t)offset) {
        return 0;
    }
    return rp_lf_holder(fd, F_RDLCK, rp_lf_slot_at(lf, offset, t - 1), 1)
           != F_UNLCK ? t : 0;
}

/* Under the counter's lock: may ticket t be handed out? 0, or the slot to
 * wait for before trying again. */
static off_t rp_lf_queue_full(const rp_lockfile_t *lf, int fd,
                              apr_off_t offset, apr_uint64_t t)
{
    off_t mine = rp_lf_slot_at(lf, offset, t);
    off_t next = rp_lf_slot_at(lf, offset, t + 1);

    if (rp_lf_holder(fd, F_WRLCK, mine, 1) != F_UNLCK) {
        return mine;
    }
    if (rp_lf_holder(fd, F_WRLCK, next, 1) != F_UNLCK) {
        return next;
    }
    return 0;
}

/* Draw one ticket under the counter's lock; *room: the slot to wait for
 * when the queue is full. */
static int rp_lf_draw_once(const rp_lockfile_t *lf, int fd, apr_off_t offset,
                           apr_uint64_t *ticket, off_t *room)
{
    off_t counter = rp_lf_counter_at(offset);
    unsigned char buf[RP_LF_TSIZE];
    apr_uint64_t t, owner, next, mine = (apr_uint64_t)offset;
    int rv;

    if ((rv = rp_lf_read_counter(fd, offset, &t, &owner)) != 0) {
        return rv;
    }
    /* Behind waiters for another resource that shares the queue by hash
     * we would wait for their writes: start the queue anew for ours once
     * theirs is empty, else do not queue. */
    if (owner != mine && t > 0
        && rp_lf_holder(fd, F_RDLCK, rp_lf_slot_at(lf, offset, t - 1), 1)
           != F_UNLCK) {
        *ticket = 0;
        return 0;
    }
    if ((*room = rp_lf_queue_full(lf, fd, offset, t)) != 0) {
        return 0;
    }
    if (rp_lf_range(fd, F_OFD_SETLK, F_WRLCK, rp_lf_slot_at(lf, offset, t),
                    1) != 0) {
        return errno;
    }
    next = t + 1;
    memcpy(buf, &next, sizeof(next));
    memcpy(buf + 8, &mine, sizeof(mine));
    if (pwrite(fd, buf, sizeof(buf), counter) != (ssize_t)sizeof(buf)) {
        rv = errno;
        rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, rp_lf_slot_at(lf, offset, t), 1);
        return rv;
    }
    *ticket = next;             /* 1-based: 0 means "not queued" */
    return 0;
}

int rp_lf_queue_draw(const rp_lockfile_t *lf, int fd,
                     apr_off_t offset, apr_time_t deadline,
                     apr_uint64_t *ticket)
{
    off_t counter = rp_lf_counter_at(offset);

    *ticket = 0;
    /* Before the ticket shows: a newcomer that finds this byte free may
     * pass, since it came first. Held until the description is released. */
    if (rp_lf_range(fd, F_OFD_SETLK, F_RDLCK, RP_LF_WAITING, 1) != 0) {
        return errno;
    }
    for (;;) {
        off_t room = 0;
        int rv;

        if ((rv = rp_lf_take(fd, F_WRLCK, counter, deadline)) != 0) {
            return rv;
        }
        rv = rp_lf_draw_once(lf, fd, offset, ticket, &room);
        rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, counter, 1);
        if (rv != 0 || room == 0) {
            return rv;
        }
        /* Full: wait for room, holding nothing, and draw again. */
        if ((rv = rp_lf_wait_free(fd, room, deadline)) != 0) {
            return rv;
        }
    }
}

int rp_lf_queue_turn(const rp_lockfile_t *lf, int fd,
                     apr_off_t offset, apr_uint64_t ticket,
                     apr_time_t deadline)
{
    if (ticket < 2) {
        return 0;               /* not queued, or first */
    }
    return rp_lf_wait_free(fd, rp_lf_slot_at(lf, offset, ticket - 2),
                           deadline);
}

int rp_lockfile_queue_draw(const rp_lockfile_t *lf, int fd, apr_off_t offset,
                           apr_time_t deadline, apr_uint64_t *ticket)
{
    return rp_lf_queue_draw(lf, fd, offset, rp_lf_to_mono(deadline), ticket);
}

int rp_lockfile_queue_turn(const rp_lockfile_t *lf, int fd, apr_off_t offset,
                           apr_uint64_t ticket, apr_time_t deadline)
{
    return rp_lf_queue_turn(lf, fd, offset, ticket, rp_lf_to_mono(deadline));
}
