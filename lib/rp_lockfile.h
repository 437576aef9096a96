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

/* rp_lockfile.h: the lock engine of RequirePreconditionSerialize, apart
 * from httpd (APR and POSIX only; rp_lock.c is the httpd side).
 *
 * A writer locks the resources it acts on by identity (device and inode of
 * folders and files, not the URL) in one lock file, with Linux open file
 * description byte-range locks: one description per writer holds all of
 * its locks, and closing it (or the death of the process) drops them. The
 * lock file is anonymous (one per server) or a named file that several
 * servers on shared storage open together.
 *
 * The invariants, each unit-tested in t/unit/lockfile_test.c:
 *   - locks are taken in one order (ascending offsets), so no two writers
 *     wait for each other in a circle;
 *   - the keys are computed again once all are held, and the locks taken
 *     again when they changed during the wait (a folder replaced);
 *   - waiters for one resource are served first come, first served, on a
 *     queue keyed by what does not change with each write (the name of a
 *     file, the identity of a folder);
 *   - no ticket is handed out that would wrap onto a waiter not yet served;
 *   - a writer that needs a folder exclusively (a collection DELETE) is not
 *     starved by writers inside it: they queue behind it;
 *   - no key is written into a lock file while locks are held in it;
 *   - what the queues need is allocated when the file is opened;
 *   - a writer on the short path (its target's entry and identity only,
 *     not the folders above it) never waits holding a lock, and no writer
 *     that changes folders commits while one that did not see it is on
 *     the short path.
 *
 * lockfile_none.c gives the same interface where there are no open file
 * description locks: every open then fails, saying why.
 */
#ifndef RP_LOCKFILE_H
#define RP_LOCKFILE_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_time.h"

#include <sys/types.h>

#define RP_LOCKFILE_KEY_LEN 16
/* Locks one writer may hold: its targets and all their ancestors. */
#define RP_LOCKFILE_MAX     128
/* Waiters one queue keeps in order (the slots of a bucket). */
#define RP_LOCKFILE_QSLOTS  256

/* An error of the lock file itself, beside the errno values. */
#define RP_LOCKFILE_ECHANGED (-1)   /* replaced or emptied under us */
#define RP_LOCKFILE_EUNSTABLE (-2)  /* the keys kept changing */

/* Descriptions of an anonymous lock file kept for the next writer. */
typedef struct rp_lockfile_spares rp_lockfile_spares_t;

typedef struct {
    const char *path;           /* the named file; NULL: anonymous */
    const char *open_path;      /* what a writer opens */
    int fd;                     /* the opener's description */
    int shared;                 /* keys without what differs per server */
    dev_t dev;                  /* the file a writer must find there */
    ino_t ino;
    unsigned int qslots;        /* RP_LOCKFILE_QSLOTS; fewer in tests */
    rp_lockfile_spares_t *spares; /* anonymous only; NULL: none kept */
    int live;                   /* our record in the header; -1: none */
    unsigned char key[RP_LOCKFILE_KEY_LEN];
} rp_lockfile_t;

/* Who the writers run as, for the checks of a named file. */
typedef struct {
    uid_t uid;
    gid_t gid;
    const char *name;           /* for initgroups() and the messages */
    const char *chroot_dir;     /* NULL or "/": none */
    int check_only;             /* apache2 -t: read and report; create,
                                 * write and allocate nothing */
} rp_lockfile_user_t;

typedef struct {
    apr_off_t offset;
    short type;                 /* F_RDLCK or F_WRLCK */
} rp_lockfile_want_t;

/* The keys of one writer. `queue` is the offset it queues on when it has
 * to wait: the first target's name (its identity, for a folder). */
typedef struct {
    int n;
    int overflow;
    apr_off_t queue;
    int brief;                  /* in: only the target's entry and identity
                                 * (the short path); no folder above it */
    int full;                   /* out: those are not enough (a folder on
                                 * the way is missing): take the long path */
    int folders;                /* out: a target is a folder */
    rp_lockfile_want_t want[RP_LOCKFILE_MAX];
} rp_lockfile_keys_t;

/* What a writer holds, and how it got there. */
typedef struct {
    int fd;                     /* released by rp_lockfile_unlock */
    rp_lockfile_spares_t *spares; /* where fd goes back, or NULL */
    unsigned long generation;   /* of the process that took fd */
    int waited;                 /* 1: it had to wait */
    int retries;                /* keys that changed during the wait */
    int nlocks;
    int brief;                  /* 1: held on the short path */
    int announced;              /* 1: it changes folders (see below) */
    const char *why;            /* on ETIMEDOUT: what it waited for */
} rp_lockfile_held_t;

/* What the caller knows of a writer (rp_lockfile_lock's flags):
 *   BRIEF   it holds its locks only while it commits (its body, if any, is
 *           read): it may take the short path, whose holders every writer
 *           that changes folders waits for, all of them;
 *   FOLDERS it may create, remove or move a folder (MKCOL, DELETE, MOVE,
 *           COPY); a writer whose target is a folder is taken as one. */
#define RP_LOCKFILE_BRIEF   1
#define RP_LOCKFILE_FOLDERS 2

/* Open (or create) the named file: check that its locks exclude a second
 * description, that the writers can open it, allocate what the queues
 * need, read its key or write one when it has none and no lock is held in
 * it. Returns NULL, or why it cannot serve. With user->check_only nothing
 * is created or written (a file that is not there yet is no fault: then
 * lf->fd is -1), so that a configuration test never changes what a
 * running server uses. */
const char *rp_lockfile_open_named(apr_pool_t *p, const char *path,
                                   const rp_lockfile_user_t *user,
                                   rp_lockfile_t **lf);

/* One server's anonymous lock file: nothing on disk. */
const char *rp_lockfile_open_anonymous(apr_pool_t *p, rp_lockfile_t **lf);

void rp_lockfile_close(rp_lockfile_t *lf);

/* Return (in p) a comma-separated list of the running servers recorded in
 * a named file's header that serialize something else than `fingerprint`
 * says, or NULL; with `record`, record this server (`name`) there too,
 * for as long as lf stays open. */
const char *rp_lockfile_register(apr_pool_t *p, rp_lockfile_t *lf,
                                 const char *name, apr_uint64_t fingerprint,
                                 int record);

/* Keys. The first target added sets the queue. */
void rp_lockfile_keys_init(rp_lockfile_keys_t *k);
/* A file-backed resource at an absolute path. Returns 0 or an errno. */
int rp_lockfile_keys_path(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                          const char *path);
/* Anything else: a name (host and URL path), exclusive. */
void rp_lockfile_keys_name(const rp_lockfile_t *lf, rp_lockfile_keys_t *k,
                           apr_pool_t *p, const char *host, const char *uri);

/* Computes the keys of a writer into k (after rp_lockfile_keys_init);
 * returns 0 or an errno. Called again once all are held. */
typedef int rp_lockfile_keys_fn(void *ctx, rp_lockfile_keys_t *k);

/* Take every lock the keys name, waiting until `deadline`. Returns 0 with
 * everything held, ETIMEDOUT, RP_LOCKFILE_ECHANGED, RP_LOCKFILE_EUNSTABLE
 * or an errno. Whatever it returns, rp_lockfile_unlock(held) ends it.
 * flags: RP_LOCKFILE_BRIEF, RP_LOCKFILE_FOLDERS, or 0. */
int rp_lockfile_lock(const rp_lockfile_t *lf, apr_pool_t *p,
                     rp_lockfile_keys_fn *keys, void *ctx, int flags,
                     apr_time_t deadline, rp_lockfile_held_t *held);

/* Hold all of a lock file shared on the description fd (another
 * release's, in whose layout we cannot take its writers' own locks): wait
 * until none of them holds a lock in it exclusively, until `deadline`; they
 * then wait for us. 0, ETIMEDOUT or an errno; closing fd ends it. */
int rp_lockfile_lock_whole(int fd, apr_time_t deadline);

/* Drop everything held (closes the description, or unlocks all of it
 * and keeps it for the next writer); safe to call twice. */
void rp_lockfile_unlock(rp_lockfile_held_t *held);

/* Once per process before the first wait: the timer signal's handler,
 * the signal blocked in this thread (threads made later inherit it), and
 * the fork handlers of the kept descriptions (once per load of the code). */
int rp_lockfile_process_init(void);

/* The queue, as rp_lockfile_lock uses it; apart for the tests. A ticket
 * is drawn (its slot held on fd until fd is closed), then its turn waited
 * for. */
int rp_lockfile_queue_draw(const rp_lockfile_t *lf, int fd,
                           apr_off_t offset, apr_time_t deadline,
                           apr_uint64_t *ticket);
int rp_lockfile_queue_turn(const rp_lockfile_t *lf, int fd,
                           apr_off_t offset, apr_uint64_t ticket,
                           apr_time_t deadline);

/* Is a named file still, by its path, the one opened, holding its key?
 * For the start of a configuration cycle that keeps it (a graceful
 * restart): 0, RP_LOCKFILE_ECHANGED or an errno; 0 for an anonymous one. */
int rp_lockfile_check(const rp_lockfile_t *lf);

/* A new description of the lock file, checked to be the one opened.
 * Returns 0, RP_LOCKFILE_ECHANGED or an errno. */
int rp_lockfile_open_fd(const rp_lockfile_t *lf, int *fd);

#endif /* RP_LOCKFILE_H */
