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

/* rp_lockfile.c: the lock engine (rp_lockfile.h), with Linux open file
 * description locks. No httpd type here: t/unit/lockfile_test.c drives it
 * with real descriptors, threads and processes.
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

/* The first bytes of a lock file of this version ("RPLOCK" and another
 * digit: of another version). */
static const unsigned char rp_lf_magic[RP_LF_MAGIC_LEN] = {
    'R', 'P', 'L', 'O', 'C', 'K', '5', '\n'
};

/* ---- descriptors and ranges -------------------------------------------- */

static int rp_lf_conflicts(int err)
{
    return err == EAGAIN || err == EACCES;
}

static void rp_lf_flock(struct flock *fl, short type, off_t start, off_t len)
{
    memset(fl, 0, sizeof(*fl));
    fl->l_type = type;
    fl->l_whence = SEEK_SET;
    fl->l_start = start;
    fl->l_len = len;
}

static int rp_lf_range(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;

    rp_lf_flock(&fl, type, start, len);
    return fcntl(fd, cmd, &fl);
}

/* Is [start, start + len) locked by another description (type: what we
 * would take)? Returns the conflicting type, or F_UNLCK. */
static short rp_lf_holder(int fd, short type, off_t start, off_t len)
{
    struct flock fl;

    rp_lf_flock(&fl, type, start, len);
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) {
        return F_UNLCK;
    }
    return fl.l_type;
}

/* ---- the timed wait ------------------------------------------------------ */

static void rp_lf_nothing(int sig)
{
    (void)sig;
}

static void rp_lf_fork_handlers(void);

int rp_lockfile_process_init(void)
{
    struct sigaction sa;
    sigset_t set;

    rp_lf_fork_handlers();
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rp_lf_nothing;
    sigemptyset(&sa.sa_mask);
    if (sigaction(RP_LF_SIGNAL, &sa, NULL) != 0) {
        return errno;
    }
    sigemptyset(&set);
    sigaddset(&set, RP_LF_SIGNAL);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* The deadlines inside the engine are on the monotonic clock (in
 * microseconds): a wall clock set back while a writer waits (NTP, a
 * resumed virtual machine) must not stretch its wait by as much. The
 * public functions take a wall-clock deadline and convert it once. */
static apr_time_t rp_lf_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (apr_time_t)ts.tv_sec * APR_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static apr_time_t rp_lf_to_mono(apr_time_t deadline)
{
    return rp_lf_mono() + (deadline - apr_time_now());
}

/* Wait in the kernel's queue for one lock until the (monotonic) deadline.
 * Returns 0, ETIMEDOUT, or the errno of a failure. */
static int rp_lf_wait(int fd, struct flock *fl, apr_time_t deadline)
{
    struct sigevent sev;
    struct itimerspec its;
    sigset_t set, old;
    timer_t timer;
    apr_interval_time_t left = deadline - rp_lf_mono();
    int rv;

    if (left <= 0) {
        return ETIMEDOUT;
    }
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = RP_LF_SIGNAL;
    sev.sigev_notify_thread_id = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
        return errno;
    }
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)apr_time_sec(left);
    its.it_value.tv_nsec = (long)apr_time_usec(left) * 1000;
    its.it_interval.tv_nsec = RP_LF_REFIRE * 1000000L;
    if (timer_settime(timer, 0, &its, NULL) != 0) {
        rv = errno;
        timer_delete(timer);
        return rv;
    }
    sigemptyset(&set);
    sigaddset(&set, RP_LF_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, &old);
    for (;;) {
        if (fcntl(fd, F_OFD_SETLKW, fl) == 0) {
            rv = 0;
            break;
        }
        rv = errno;
        if (rv != EINTR) {
            break;
        }
        if (rp_lf_mono() >= deadline) {
            rv = ETIMEDOUT;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    timer_delete(timer);
    return rv;
}

/* Take one lock, waiting up to the deadline. */
static int rp_lf_take(int fd, short type, off_t start, apr_time_t deadline)
{
    struct flock fl;

    rp_lf_flock(&fl, type, start, 1);
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
        return 0;
    }
    if (!rp_lf_conflicts(errno)) {
        return errno;
    }
    return rp_lf_wait(fd, &fl, deadline);
}

int rp_lockfile_lock_whole(int fd, apr_time_t deadline)
{
    struct flock fl;

    rp_lf_flock(&fl, F_RDLCK, 0, 0);
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
        return 0;
    }
    if (!rp_lf_conflicts(errno)) {
        return errno;
    }
    return rp_lf_wait(fd, &fl, rp_lf_to_mono(deadline));
}

/* Wait until nobody holds the byte (for a queue's slot), holding nothing. */
static int rp_lf_wait_free(int fd, off_t start, apr_time_t deadline)
{
    int rv = rp_lf_take(fd, F_RDLCK, start, deadline);

    if (rv == 0) {
        rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, start, 1);
    }
    return rv;
}

/* ---- spare descriptions ------------------------------------------------- *
 *
 * Every writer needs a description of its own (the locks of one never
 * conflict with each other). Opening one costs a lookup through /proc and
 * a stat; the anonymous file cannot be replaced, so a released
 * description of it is kept, all its locks dropped, for the next writer
 * of the process instead. A forked child must not use its parent's (one
 * owner in two processes): a fork starts a new generation in the child,
 * in which the spares of the old one are closed, and a description taken
 * before the fork is closed, never unlocked, by the child. */

struct rp_lockfile_spares {
    unsigned long generation;
    int n;
    int fd[RP_LF_SPARES];
};

static pthread_mutex_t rp_lf_spare_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned long rp_lf_generation;
static pthread_once_t rp_lf_fork_once = PTHREAD_ONCE_INIT;

static void rp_lf_fork_prepare(void)
{
    pthread_mutex_lock(&rp_lf_spare_mutex);
}

static void rp_lf_fork_parent(void)
{
    pthread_mutex_unlock(&rp_lf_spare_mutex);
}

static void rp_lf_fork_child(void)
{
    rp_lf_generation++;
    pthread_mutex_unlock(&rp_lf_spare_mutex);
}

static void rp_lf_fork_register(void)
{
    (void)pthread_atfork(rp_lf_fork_prepare, rp_lf_fork_parent,
                         rp_lf_fork_child);
}

/* Once per load of this code: a graceful restart unloads the module (glibc
 * drops the handlers it registered) and loads it anew, with this once
 * reset, but keeps the lock file open, so the open alone would not
 * register them again; every child's start does. */
static void rp_lf_fork_handlers(void)
{
    pthread_once(&rp_lf_fork_once, rp_lf_fork_register);
}

/* Under the mutex: close every kept description. */
static void rp_lf_spares_drop(rp_lockfile_spares_t *sp)
{
    while (sp->n > 0) {
        close(sp->fd[--sp->n]);
    }
}

/* Under the mutex: drop the spares of an older generation (the parent's). */
static void rp_lf_spares_renew(rp_lockfile_spares_t *sp)
{
    if (sp->generation != rp_lf_generation) {
        rp_lf_spares_drop(sp);
        sp->generation = rp_lf_generation;
    }
}

static int rp_lf_spare_take(rp_lockfile_spares_t *sp, unsigned long *gen)
{
    int fd = -1;

    pthread_mutex_lock(&rp_lf_spare_mutex);
    rp_lf_spares_renew(sp);
    if (sp->n > 0) {
        fd = sp->fd[--sp->n];
    }
    *gen = rp_lf_generation;
    pthread_mutex_unlock(&rp_lf_spare_mutex);
    return fd;
}

/* Keep fd, taken in generation gen, for the next writer: 1, or 0 when
 * the caller must close it. */
static int rp_lf_spare_put(rp_lockfile_spares_t *sp, int fd,
                           unsigned long gen)
{
    int kept = 0;

    pthread_mutex_lock(&rp_lf_spare_mutex);
    if (gen == rp_lf_generation) {
        rp_lf_spares_renew(sp);
        /* Every lock of the description goes, kept or closed: a close
         * alone drops nothing while a forked child still has the
         * description (it inherited it as a spare). */
        if (rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, 0, 0) == 0
            && sp->n < RP_LF_SPARES) {
            sp->fd[sp->n++] = fd;
            kept = 1;
        }
    }
    pthread_mutex_unlock(&rp_lf_spare_mutex);
    return kept;
}

static void rp_lf_spares_close(rp_lockfile_spares_t *sp)
{
    pthread_mutex_lock(&rp_lf_spare_mutex);
    rp_lf_spares_drop(sp);
    pthread_mutex_unlock(&rp_lf_spare_mutex);
}

/* ---- opening ------------------------------------------------------------- */

int rp_lockfile_open_fd(const rp_lockfile_t *lf, int *fd)
{
    struct stat st;

    *fd = open(lf->open_path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0) {
        return errno;
    }
    if (fstat(*fd, &st) != 0 || st.st_ino != lf->ino || st.st_dev != lf->dev) {
        close(*fd);
        *fd = -1;
        return RP_LOCKFILE_ECHANGED;
    }
    return 0;
}

/* The queues' counters are the only data written at request time: a full
 * filesystem then would refuse writers, so they are allocated now. */
static const char *rp_lf_allocate(apr_pool_t *p, int fd)
{
    int rv = posix_fallocate(fd, 0, RP_LF_DATA_END);

    if (rv != 0) {
        return apr_psprintf(p, "cannot allocate the %ld bytes its queues "
                            "need: %s", (long)RP_LF_DATA_END, strerror(rv));
    }
    return NULL;
}

const char *rp_lockfile_open_anonymous(apr_pool_t *p, rp_lockfile_t **out)
{
    rp_lockfile_t *lf = apr_pcalloc(p, sizeof(*lf));
    struct stat st;
    const char *why;

    lf->qslots = RP_LOCKFILE_QSLOTS;
    lf->live = -1;
    *out = lf;
    lf->fd = memfd_create("require_precondition", MFD_CLOEXEC);
    if (lf->fd < 0) {
        return apr_psprintf(p, "cannot create the anonymous lock file: %s",
                            strerror(errno));
    }
    if (fstat(lf->fd, &st) != 0) {
        return apr_psprintf(p, "cannot stat the anonymous lock file: %s",
                            strerror(errno));
    }
    lf->dev = st.st_dev;
    lf->ino = st.st_ino;
    if ((why = rp_lf_allocate(p, lf->fd)) != NULL) {
        return why;
    }
    if (apr_generate_random_bytes(lf->key, RP_LOCKFILE_KEY_LEN)
        != APR_SUCCESS) {
        return "cannot make a random key";
    }
    lf->open_path = apr_psprintf(p, "/proc/self/fd/%d", lf->fd);
    rp_lf_fork_handlers();
    lf->spares = apr_pcalloc(p, sizeof(*lf->spares));
    lf->spares->generation = rp_lf_generation;
    return NULL;
}

void rp_lockfile_close(rp_lockfile_t *lf)
{
    if (lf && lf->spares) {
        rp_lf_spares_close(lf->spares);
    }
    if (lf && lf->fd >= 0) {
        close(lf->fd);
        lf->fd = -1;
    }
}

/* May the writers (user) read and write the file? */
static const char *rp_lf_user_access(apr_pool_t *p, const struct stat *st,
                                     const rp_lockfile_user_t *u)
{
    if (geteuid() != 0 || u->uid == 0) {
        return NULL;            /* the writers run as we do */
    }
    if ((st->st_uid == u->uid && (st->st_mode & 0600) == 0600)
        || (st->st_gid == u->gid && (st->st_mode & 0060) == 0060)
        || (st->st_mode & 0006) == 0006) {
        return NULL;
    }
    return apr_psprintf(p, "the server's User %s cannot read and write it "
                        "(owner %ld, group %ld, mode %04o)", u->name,
                        (long)st->st_uid, (long)st->st_gid,
                        (unsigned)(st->st_mode & 07777));
}

/* Can the writers open the file by its path? A folder on the way may be
 * closed to them: a forked process takes their identity and tries. */
static const char *rp_lf_user_open(apr_pool_t *p, const char *path,
                                   const rp_lockfile_user_t *u)
{
    pid_t pid;
    int status = 0;

    if (geteuid() != 0 || u->uid == 0) {
        return NULL;
    }
    pid = fork();
    if (pid < 0) {
        return NULL;            /* cannot tell; writers fail closed */
    }
    if (pid == 0) {
        int fd;

        if (setgid(u->gid) != 0 || initgroups(u->name, u->gid) != 0
            || setuid(u->uid) != 0) {
            _exit(255);
        }
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        _exit(fd < 0 ? (errno & 0xff) : 0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return NULL;
    }
    return apr_psprintf(p, "the server's User %s cannot open it: %s",
                        u->name, WIFEXITED(status) && WEXITSTATUS(status) != 255
                        ? strerror(WEXITSTATUS(status))
                        : "cannot take its identity to try");
}

/* Where the writers open it: inside the chroot, if there is one. */
static const char *rp_lf_open_path(apr_pool_t *p, rp_lockfile_t *lf,
                                   const char *chroot_dir)
{
    apr_size_t n;

    lf->open_path = lf->path;
    if (!chroot_dir || !*chroot_dir || strcmp(chroot_dir, "/") == 0) {
        return NULL;
    }
    n = strlen(chroot_dir);
    while (n > 1 && chroot_dir[n - 1] == '/') {
        n--;
    }
    if (strncmp(lf->path, chroot_dir, n) != 0 || lf->path[n] != '/') {
        return apr_psprintf(p, "it is not inside ChrootDir %s, where the "
                            "children have to open it", chroot_dir);
    }
    lf->open_path = lf->path + n;
    return NULL;
}

/* Open it, hand a new file to the writers, check that they can use it. */
static const char *rp_lf_open_file(apr_pool_t *p, rp_lockfile_t *lf,
                                   const rp_lockfile_user_t *u)
{
    struct stat st;
    const char *why;

    lf->fd = open(lf->path, O_RDWR | O_CLOEXEC | O_NOCTTY
                            | (u->check_only ? 0 : O_CREAT), 0600);
    if (lf->fd < 0 && u->check_only && errno == ENOENT) {
        /* A start creates it: can it, in that folder? */
        char *dir = apr_pstrdup(p, lf->path);

        *strrchr(dir, '/') = '\0';
        if (access(*dir ? dir : "/", W_OK | X_OK) == 0) {
            return NULL;
        }
        return apr_psprintf(p, "cannot create it: %s", strerror(errno));
    }
    if (lf->fd < 0) {
        return apr_psprintf(p, "cannot open or create it: %s",
                            strerror(errno));
    }
    if (fstat(lf->fd, &st) != 0) {
        return apr_psprintf(p, "cannot stat it: %s", strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return "it is not a regular file";
    }
    if (geteuid() == 0 && st.st_uid == 0 && st.st_size == 0 && u->uid != 0
        && !u->check_only) {
        if (fchown(lf->fd, u->uid, u->gid) != 0 || fstat(lf->fd, &st) != 0) {
            return apr_psprintf(p, "cannot give it to User %s: %s", u->name,
                                strerror(errno));
        }
    }
    if ((why = rp_lf_user_access(p, &st, u)) != NULL) {
        return why;
    }
    if (lf->open_path == lf->path
        && (why = rp_lf_user_open(p, lf->path, u)) != NULL) {
        return why;
    }
    lf->dev = st.st_dev;
    lf->ino = st.st_ino;
    return NULL;
}

/* Do its locks exclude a second description, at every offset used? */
static const char *rp_lf_check_locks(apr_pool_t *p, const rp_lockfile_t *lf)
{
    const char *why = NULL;
    int fd2 = open(lf->path, O_RDWR | O_CLOEXEC | O_NOCTTY);

    if (fd2 < 0) {
        return apr_psprintf(p, "cannot open it a second time: %s",
                            strerror(errno));
    }
    if (rp_lf_range(fd2, F_OFD_SETLK, F_WRLCK, 0, 1) == 0) {
        why = "its byte-range locks do not exclude a second open file "
              "description (the filesystem does not honour them)";
    }
    else if (!rp_lf_conflicts(errno)) {
        why = apr_psprintf(p, "byte-range locks do not work on it: %s",
                           strerror(errno));
    }
    else if (rp_lf_range(fd2, F_OFD_SETLK, F_WRLCK, RP_LF_LAST, 1) != 0
             || rp_lf_range(fd2, F_OFD_SETLK, F_UNLCK, RP_LF_LAST, 1) != 0) {
        why = apr_psprintf(p, "it cannot lock the offsets serialization "
                           "uses: %s", strerror(errno));
    }
    close(fd2);
    return why;
}

/* What the header holds: 1 this version's key, 0 nothing (an empty or
 * zeroed file, a header cut short, an older version's), -1 someone
 * else's data. */
static int rp_lf_header_kind(const unsigned char *h, ssize_t got)
{
    ssize_t i;

    if (got == (ssize_t)(RP_LF_MAGIC_LEN + RP_LOCKFILE_KEY_LEN)
        && !memcmp(h, rp_lf_magic, RP_LF_MAGIC_LEN)) {
        return 1;
    }
    if (got >= RP_LF_MAGIC_LEN - 2 && !memcmp(h, rp_lf_magic, 6)) {
        return 0;               /* "RPLOCK": this module's, of any version */
    }
    for (i = 0; i < got; i++) {
        if (h[i] != '\0' && (i >= RP_LF_MAGIC_LEN || h[i] != rp_lf_magic[i])) {
            return -1;
        }
    }
    return 0;
}

/* Read the key, or write one where there is none. A file emptied under
 * running servers still holds their locks: a new key would send the next
 * writers to other bytes than theirs, so then refuse. Under the header's
 * lock, which the caller holds. */
static const char *rp_lf_read_key(apr_pool_t *p, rp_lockfile_t *lf,
                                  int check_only)
{
    unsigned char header[RP_LF_MAGIC_LEN + RP_LOCKFILE_KEY_LEN];
    ssize_t got = pread(lf->fd, header, sizeof(header), 0);
    int kind;

    if (got < 0) {
        return apr_psprintf(p, "cannot read it: %s", strerror(errno));
    }
    if ((kind = rp_lf_header_kind(header, got)) == 1) {
        memcpy(lf->key, header + RP_LF_MAGIC_LEN, RP_LOCKFILE_KEY_LEN);
        return NULL;
    }
    if (kind < 0) {
        return "it is not empty and not a lock file of this module";
    }
    if (rp_lf_holder(lf->fd, F_WRLCK, RP_LF_HEADER,
                     RP_LF_LAST - RP_LF_HEADER + 1) != F_UNLCK) {
        return "it holds no key of this version but locks are held in it "
               "(emptied or rewritten while servers use it, or used by an "
               "older version): stop every server that uses it, then start "
               "them again";
    }
    if (check_only && got >= 6 && !memcmp(header, rp_lf_magic, 6)) {
        /* Another release's format: its servers hold locks in it only
         * while they write, so that none is held now proves nothing, and a
         * reload would then write a new key under them. */
        return "it holds another release's lock-file format, in which "
               "running servers of that release may be writing: stop every "
               "server that uses it (or remove the file while none runs), "
               "then start them";
    }
    if (check_only) {
        return NULL;            /* a start writes the key */
    }
    memcpy(header, rp_lf_magic, RP_LF_MAGIC_LEN);
    if (apr_generate_random_bytes(lf->key, RP_LOCKFILE_KEY_LEN)
        != APR_SUCCESS) {
        return "cannot make a random key";
    }
    memcpy(header + RP_LF_MAGIC_LEN, lf->key, RP_LOCKFILE_KEY_LEN);
    if (pwrite(lf->fd, header, sizeof(header), 0) != (ssize_t)sizeof(header)
        || fsync(lf->fd) != 0) {
        return apr_psprintf(p, "cannot write its header: %s",
                            strerror(errno));
    }
    return NULL;
}

const char *rp_lockfile_open_named(apr_pool_t *p, const char *path,
                                   const rp_lockfile_user_t *user,
                                   rp_lockfile_t **out)
{
    rp_lockfile_t *lf = apr_pcalloc(p, sizeof(*lf));
    const char *why;

    *out = lf;
    lf->fd = -1;
    lf->qslots = RP_LOCKFILE_QSLOTS;
    lf->live = -1;
    lf->shared = 1;
    lf->path = apr_pstrdup(p, path);
    if ((why = rp_lf_open_path(p, lf, user->chroot_dir)) != NULL
        || (why = rp_lf_open_file(p, lf, user)) != NULL) {
        return why;
    }
    if (lf->fd < 0) {
        return NULL;            /* check only: not there yet */
    }
    /* The header's lock: one server at a time reads or writes the key. */
    if (rp_lf_range(lf->fd, F_OFD_SETLKW, F_WRLCK, 0, RP_LF_HEADER) != 0) {
        return apr_psprintf(p, "byte-range locks do not work on it: %s",
                            strerror(errno));
    }
    if ((why = rp_lf_check_locks(p, lf)) == NULL
        && (why = rp_lf_read_key(p, lf, user->check_only)) == NULL
        && !user->check_only) {
        why = rp_lf_allocate(p, lf->fd);
    }
    rp_lf_range(lf->fd, F_OFD_SETLK, F_UNLCK, 0, RP_LF_HEADER);
    return why;
}

/* ---- the servers that share a file --------------------------------------- */

/* Record i of the header, when a running server holds its liveness byte
 * (a record whose server has gone is free). */
static int rp_lf_server_read(int fd, int i, unsigned char *rec)
{
    off_t at = RP_LF_SERVERS_AT + (off_t)i * RP_LF_SERVER_LEN;

    if (pread(fd, rec, RP_LF_SERVER_LEN, at) != RP_LF_SERVER_LEN
        || rec[8] == '\0') {
        return 0;
    }
    rec[RP_LF_SERVER_LEN - 1] = '\0';
    return rp_lf_holder(fd, F_WRLCK, RP_LF_LIVE + i, 1) != F_UNLCK;
}

const char *rp_lockfile_register(apr_pool_t *p, rp_lockfile_t *lf,
                                 const char *name, apr_uint64_t fingerprint,
                                 int record)
{
    unsigned char rec[RP_LF_SERVER_LEN], mine[RP_LF_SERVER_LEN];
    const char *others = NULL;
    int i, at = -1;

    if (!lf->path || lf->fd < 0) {
        return NULL;
    }
    memset(mine, 0, sizeof(mine));
    memcpy(mine, &fingerprint, sizeof(fingerprint));
    apr_cpystrn((char *)mine + 8, name, RP_LF_SERVER_LEN - 8);
    if (rp_lf_range(lf->fd, F_OFD_SETLKW, F_WRLCK, 0, RP_LF_HEADER) != 0) {
        return NULL;
    }
    for (i = 0; i < RP_LF_SERVERS; i++) {
        apr_uint64_t fp;

        if (!rp_lf_server_read(lf->fd, i, rec)) {
            if (at < 0) {
                at = i;         /* free, or its server has gone */
            }
            continue;
        }
        memcpy(&fp, rec, sizeof(fp));
        if (fp != fingerprint) {
            others = others ? apr_pstrcat(p, others, ", ", rec + 8, NULL)
                            : apr_pstrdup(p, (char *)rec + 8);
        }
    }
    /* Ours is held by our own description, which GETLK does not see. */
    if (record && at >= 0
        && pwrite(lf->fd, mine, sizeof(mine),
                  RP_LF_SERVERS_AT + (off_t)at * RP_LF_SERVER_LEN)
           == (ssize_t)sizeof(mine)) {
        if (lf->live >= 0) {
            rp_lf_range(lf->fd, F_OFD_SETLK, F_UNLCK, RP_LF_LIVE + lf->live,
                        1);
        }
        lf->live = at;
        rp_lf_range(lf->fd, F_OFD_SETLK, F_RDLCK, RP_LF_LIVE + at, 1);
        fsync(lf->fd);
    }
    rp_lf_range(lf->fd, F_OFD_SETLK, F_UNLCK, 0, RP_LF_HEADER);
    return others;
}

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
static void rp_lf_sort(rp_lockfile_keys_t *k)
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

static int rp_lf_same(const rp_lockfile_keys_t *a, const rp_lockfile_keys_t *b)
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

static off_t rp_lf_slot_at(const rp_lockfile_t *lf, apr_off_t offset,
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
static apr_uint64_t rp_lf_queue_tail(const rp_lockfile_t *lf, int fd,
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

static int rp_lf_queue_draw(const rp_lockfile_t *lf, int fd,
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

static int rp_lf_queue_turn(const rp_lockfile_t *lf, int fd,
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
