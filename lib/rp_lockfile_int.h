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

/* rp_lockfile_int.h: private to the lock engine's files in lib/
 * (rp_lockfile_*.c): the file's layout and what the sections share. The
 * glue includes rp_lockfile.h.
 *
 * The lock engine (rp_lockfile.h), with Linux open file description
 * locks (rp_lockfile_none.c where there are none). No httpd type here:
 * t/unit/lockfile_test.c drives it with real descriptors, threads and
 * processes.
 *
 * What is locked. Each resource is a set of one-byte locks at offsets that
 * a keyed hash (SipHash-2-4) of its identity gives:
 *   - a file-backed target: "N" (its folder's identity, its name),
 *     exclusive: the directory entry a write replaces (mod_dav_fs renames
 *     a temporary file over the name, so the file's own inode changes at
 *     every write); and "F" (its own identity) when it exists, exclusive:
 *     a hard link, a symlink or a bind mount reaches the same inode;
 *   - every folder above it as "F" (its identity), shared: a DELETE, MOVE
 *     or COPY of a collection takes its "F" exclusive, whatever path (a
 *     symlink, a bind mount) it came by, so it and a write inside exclude
 *     each other while writes in one folder share the locks above them;
 *   - when a folder on the way does not exist, "N" of the first missing
 *     one, exclusive: a create under it and its creation collide;
 *   - anything else: "U" (host, URL path), exclusive.
 * With a named (shared) file the keys leave out the device number, which
 * differs between the servers of a cluster.
 *
 * How. The locks are taken in ascending offset order, first without
 * waiting; on a conflict the writer lets go of everything, waits in a
 * queue (first come, first served), then takes them in order, waiting for
 * each in F_OFD_SETLKW, bounded by a per-thread POSIX timer whose signal
 * has a handler that does nothing (no SA_RESTART) and is unblocked only
 * during the wait. Once all are held the keys are computed again: when a
 * folder was replaced during the wait they differ, and the locks are
 * taken again for the new ones.
 *
 * The file: [0, HEADER) the header (magic, key, the servers that use it)
 * and its lock; TICKETS + 16 * bucket the queues' counters (ticket, the
 * resource that last joined: the only data besides the header, allocated
 * when the file is opened); SLOTS + 256 * bucket + ticket % qslots the
 * queues' slots; BASE + hash the resources' locks.
 */

#ifndef RP_LOCKFILE_INT_H
#define RP_LOCKFILE_INT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "apr_strings.h"
#include "apr_general.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#include "rp_siphash.h"
#include "rp_lockfile.h"

#define RP_LF_HEADER    4096
#define RP_LF_BUCKETS   65536
#define RP_LF_TSIZE     16
#define RP_LF_TICKETS   ((off_t)RP_LF_HEADER)
#define RP_LF_DATA_END  (RP_LF_TICKETS + (off_t)RP_LF_BUCKETS * RP_LF_TSIZE)
#define RP_LF_SLOTS     ((off_t)1 << 32)
#define RP_LF_BASE      ((off_t)1 << 40)
#define RP_LF_LAST      (RP_LF_BASE + ((off_t)1 << 62) - 1)
#define RP_LF_MAGIC_LEN 8
/* The servers recorded in the header: fingerprint and name. */
#define RP_LF_SERVERS_AT 64
#define RP_LF_SERVER_LEN 64
#define RP_LF_SERVERS   ((RP_LF_HEADER - RP_LF_SERVERS_AT) / RP_LF_SERVER_LEN)
/* A byte per record, locked shared by its server while it runs. */
#define RP_LF_LIVE      (RP_LF_SLOTS - RP_LF_SERVERS)
/* A byte every queued writer locks shared until it is done: when nobody
 * holds it, no queue has a waiter, and a writer reads no queue counter. */
#define RP_LF_WAITING   (RP_LF_LIVE - 1)
/* A byte every writer that changes folders locks shared until it is done:
 * while anyone holds it, no writer takes the short path. */
#define RP_LF_FOLDERS   (RP_LF_WAITING - 1)
/* A byte every writer on the short path locks shared until it is done; a
 * writer that changes folders waits until it can lock it exclusively (all
 * of them are done), then lets go of it. */
#define RP_LF_SHORT     (RP_LF_FOLDERS - 1)
/* Released descriptions of an anonymous file a process keeps. */
#define RP_LF_SPARES    64
#define RP_LF_REFIRE    10      /* ms between signals after the deadline */
#define RP_LF_RETRIES   8       /* key changes before giving up */
#define RP_LF_SIGNAL    (SIGRTMIN + 3)

/* The first bytes of a lock file of this version (rp_lockfile_open.c). */
extern const unsigned char rp_lf_magic[RP_LF_MAGIC_LEN];

/* The released descriptions of the anonymous file a process keeps. */
struct rp_lockfile_spares {
    unsigned long generation;
    int n;
    int fd[RP_LF_SPARES];
};

/* rp_lockfile_wait.c: descriptors, ranges, the timed wait. */
int rp_lf_conflicts(int err);
int rp_lf_range(int fd, int cmd, short type, off_t start, off_t len);
short rp_lf_holder(int fd, short type, off_t start, off_t len);
apr_time_t rp_lf_to_mono(apr_time_t deadline);
int rp_lf_take(int fd, short type, off_t start, apr_time_t deadline);
int rp_lf_wait_free(int fd, off_t start, apr_time_t deadline);

/* rp_lockfile_open.c: spare descriptions. */
void rp_lf_fork_handlers(void);
int rp_lf_spare_take(rp_lockfile_spares_t *sp, unsigned long *gen);
int rp_lf_spare_put(rp_lockfile_spares_t *sp, int fd,
                    unsigned long gen);

/* rp_lockfile_keys.c: the keys' order. */
void rp_lf_sort(rp_lockfile_keys_t *k);
int rp_lf_same(const rp_lockfile_keys_t *a, const rp_lockfile_keys_t *b);

/* rp_lockfile_queue.c: the queues. */
off_t rp_lf_slot_at(const rp_lockfile_t *lf, apr_off_t offset,
                    apr_uint64_t t);
apr_uint64_t rp_lf_queue_tail(const rp_lockfile_t *lf, int fd,
                              apr_off_t offset);
int rp_lf_queue_draw(const rp_lockfile_t *lf, int fd,
                     apr_off_t offset, apr_time_t deadline,
                     apr_uint64_t *ticket);
int rp_lf_queue_turn(const rp_lockfile_t *lf, int fd,
                     apr_off_t offset, apr_uint64_t ticket,
                     apr_time_t deadline);

#endif /* RP_LOCKFILE_INT_H */
