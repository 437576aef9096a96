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

/* rp_lock.c: the lock engine of RequirePreconditionSerialize (rp_lock.h).
 *
 * What is locked. A request locks every resource it writes, each as a set
 * of one-byte locks at offsets that a keyed hash (SipHash-2-4) of the
 * resource's identity gives:
 *
 *   - a file-backed target (mod_dav serves it, r->filename is a path):
 *     "N" (the identity of its folder, its name), exclusive: the directory
 *     entry a write replaces (mod_dav_fs writes a temporary file and renames
 *     it over the name, so the file's own inode changes at every write);
 *     and "F" (the file's own identity) when it exists, exclusive: a hard
 *     link or a symlink to it reaches the same inode;
 *   - every folder above it, as "N" (its parent, its name), shared: a
 *     DELETE, MOVE or COPY of a collection takes that one exclusive, so it
 *     and a write inside the collection exclude each other, while writes in
 *     two different collections share the locks of their common ancestors;
 *   - when a folder on the way does not exist, "N" of the first missing one,
 *     exclusive: a create under it and the creation of the folder collide;
 *   - anything else (proxy, CGI, FastCGI, front controllers): "U" (server
 *     name, r->uri), exclusive: the URL the client named, not the script.
 *
 * Identities are (device, inode) pairs found by walking the path with
 * lstat(), resolving a symlinked folder with realpath(), so symlinks,
 * Aliases, virtual hosts and ports do not split a resource. With
 * RequirePreconditionLockFile the keys leave out the device number and the
 * server name (they differ between servers of one cluster) and the hash key
 * is the one stored in the file's header by the first server that used it.
 *
 * How. One open file description per request holds all of its locks;
 * closing it in the request pool's cleanup (or the death of the process)
 * drops them. They are taken in ascending offset order, each once
 * (exclusive where the request needs either), so two requests can never
 * wait for each other in a circle. A lock that is taken already is waited
 * for in F_OFD_SETLKW, where the kernel wakes the waiters as soon as it is
 * released; a per-thread POSIX timer interrupts the wait at the deadline
 * (its signal has a handler that does nothing, installed without
 * SA_RESTART, and is unblocked only during the wait; the timer fires again
 * every 10 ms after the deadline so that a lost signal cannot hang a wait).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "unixd.h"

#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#if !defined(RP_LOCK_NO_OFD) && defined(__linux__) && defined(F_OFD_SETLKW) \
    && defined(SIGEV_THREAD_ID)
#define RP_HAVE_OFD 1
#include <pthread.h>
#include <sys/mman.h>
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif
#else
#define RP_HAVE_OFD 0
#endif

#include "mod_require_precondition.h"
#include "precondition_policy.h"
#include "rp_lock.h"
#include "rp_stats.h"

APLOG_USE_MODULE(require_precondition);

/* The lock file:
 *   [0, RP_LOCK_HEADER)           the header (magic, hash key) and its lock;
 *   RP_LOCK_TICKETS + 16 * bucket the queues' ticket counters and the
 *                                 resource that last joined each (data,
 *                                 the only bytes ever written besides
 *                                 the header) and their locks;
 *   RP_LOCK_SLOTS + ...           the queues' slots (locks only);
 *   RP_LOCK_BASE + hash           the resources' locks (locks only). */
#define RP_LOCK_HEADER  4096
#define RP_LOCK_BUCKETS 65536   /* queues; resources share them by hash */
#define RP_LOCK_TSIZE   16      /* a queue's counter: ticket, resource */
#define RP_LOCK_QSLOTS  256     /* waiters one queue keeps in order */
#define RP_LOCK_TICKETS ((off_t)RP_LOCK_HEADER)
#define RP_LOCK_SLOTS   ((off_t)1 << 32)
#define RP_LOCK_BASE    ((off_t)1 << 40)
#define RP_LOCK_LAST    (RP_LOCK_BASE + ((off_t)1 << 62) - 1)
#define RP_LOCK_MAGIC   "RPLOCK2\n"
#define RP_LOCK_MAGIC_LEN 8
#define RP_LOCK_KEY_LEN 16
/* Locks one request may hold: its targets and all their ancestors. */
#define RP_LOCK_MAX     128
#define RP_LOCK_REFIRE  10      /* ms between signals after the deadline */
#define RP_LOCK_CURRENT_KEY "require_precondition_lock:current"

static const char *rp_lock_path;        /* this configuration's directive */
static int rp_lock_used;                /* Serialize On seen in it */

const char *rp_lock_set_file(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dconf;
    if (err) {
        return err;
    }
    if (!*arg || arg[0] != '/') {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockFile: '%s' "
                            "is not an absolute path", arg);
    }
    if (arg[strlen(arg) - 1] == '/') {
        return apr_psprintf(cmd->pool, "RequirePreconditionLockFile: '%s' "
                            "names a directory, not a file", arg);
    }
    rp_lock_path = arg;
    return NULL;
}

void rp_lock_note_used(void)
{
    rp_lock_used = 1;
}

int rp_lock_in_use(void)
{
    return rp_lock_used;
}

void rp_lock_pre_config(void)
{
    rp_lock_path = NULL;
    rp_lock_used = 0;
}

#if RP_HAVE_OFD

#define RP_LOCK_SIGNAL (SIGRTMIN + 3)

typedef struct {
    const char *path;           /* RequirePreconditionLockFile; NULL: none */
    const char *open_path;      /* what a child opens for each request */
    int fd;                     /* the parent's description */
    int shared;                 /* keys without what differs per server */
    dev_t dev;                  /* the file a child must find at open_path */
    ino_t ino;
    unsigned char key[RP_LOCK_KEY_LEN];
} rp_lockfile_t;

static const rp_lockfile_t *rp_lockfile;

/* A held set: the description whose closing drops them all. */
typedef struct {
    int fd;
} rp_lock_held_t;

typedef struct {
    apr_off_t offset;
    short type;                 /* F_RDLCK or F_WRLCK */
} rp_lock_want_t;

typedef struct {
    int n;
    int overflow;
    rp_lock_want_t want[RP_LOCK_MAX];
} rp_lock_list_t;

/* ---- start-up ---------------------------------------------------------- */

static int rp_lock_conflicts(int err)
{
    return err == EAGAIN || err == EACCES;
}

static int rp_lock_range(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, cmd, &fl);
}

/* May the children (User, Group) read and write the file? */
static const char *rp_lock_child_access(apr_pool_t *p, const struct stat *st)
{
    uid_t uid = ap_unixd_config.user_id;
    gid_t gid = ap_unixd_config.group_id;

    if (geteuid() != 0 || uid == 0) {
        return NULL;            /* the children run as we do */
    }
    if ((st->st_uid == uid && (st->st_mode & 0600) == 0600)
        || (st->st_gid == gid && (st->st_mode & 0060) == 0060)
        || (st->st_mode & 0006) == 0006) {
        return NULL;
    }
    return apr_psprintf(p, "the server's User %s cannot read and write it "
                        "(owner %ld, group %ld, mode %04o)",
                        ap_unixd_config.user_name, (long)st->st_uid,
                        (long)st->st_gid, (unsigned)(st->st_mode & 07777));
}

/* Can the children (User, Group) open the file by its path? The mode of
 * the file is not enough: a folder on the way may be closed to them. A
 * forked process takes their identity and tries. */
static const char *rp_lock_child_open(apr_pool_t *p, const char *path)
{
    uid_t uid = ap_unixd_config.user_id;
    gid_t gid = ap_unixd_config.group_id;
    pid_t pid;
    int status;

    if (geteuid() != 0 || uid == 0) {
        return NULL;
    }
    pid = fork();
    if (pid < 0) {
        return NULL;            /* cannot tell; requests fail closed */
    }
    if (pid == 0) {
        int fd;

        if (setgid(gid) != 0
            || initgroups(ap_unixd_config.user_name, gid) != 0
            || setuid(uid) != 0) {
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
                        ap_unixd_config.user_name,
                        WIFEXITED(status) && WEXITSTATUS(status) != 255
                        ? strerror(WEXITSTATUS(status))
                        : "cannot take its identity to try");
}

/* Open (or create) the named lock file, check that its byte-range locks
 * exclude a second description, and read (or write, once) its hash key.
 * Returns NULL, or why it cannot serve. */
static const char *rp_lock_open_named(apr_pool_t *p, rp_lockfile_t *lf)
{
    const char *chroot_dir = ap_unixd_config.chroot_dir;
    const char *why = NULL;
    struct stat st;
    int fd2 = -1;

    /* The children open it after the chroot, if there is one. */
    lf->open_path = lf->path;
    if (chroot_dir && *chroot_dir && strcmp(chroot_dir, "/") != 0) {
        apr_size_t n = strlen(chroot_dir);

        while (n > 1 && chroot_dir[n - 1] == '/') {
            n--;
        }
        if (strncmp(lf->path, chroot_dir, n) != 0 || lf->path[n] != '/') {
            return apr_psprintf(p, "it is not inside ChrootDir %s, where "
                                "the children have to open it", chroot_dir);
        }
        lf->open_path = lf->path + n;
    }

    lf->fd = open(lf->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
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
    /* Created by root just now: hand it to the children's account. */
    if (geteuid() == 0 && st.st_uid == 0 && st.st_size == 0
        && ap_unixd_config.user_id != 0) {
        if (fchown(lf->fd, ap_unixd_config.user_id,
                   ap_unixd_config.group_id) != 0
            || fstat(lf->fd, &st) != 0) {
            return apr_psprintf(p, "cannot give it to User %s: %s",
                                ap_unixd_config.user_name, strerror(errno));
        }
    }
    if ((why = rp_lock_child_access(p, &st)) != NULL) {
        return why;
    }
    /* Without a chroot the children open the same path (with one, the
     * file is inside it and the checks above are what can be told). */
    if (lf->open_path == lf->path
        && (why = rp_lock_child_open(p, lf->path)) != NULL) {
        return why;
    }
    lf->dev = st.st_dev;
    lf->ino = st.st_ino;

    /* The header's lock: one server at a time reads or writes the key. */
    if (rp_lock_range(lf->fd, F_OFD_SETLKW, F_WRLCK, 0, RP_LOCK_HEADER)
        != 0) {
        return apr_psprintf(p, "byte-range locks do not work on it: %s",
                            strerror(errno));
    }
    /* A second description must be kept out. */
    fd2 = open(lf->path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd2 < 0) {
        why = apr_psprintf(p, "cannot open it a second time: %s",
                           strerror(errno));
    }
    else if (rp_lock_range(fd2, F_OFD_SETLK, F_WRLCK, 0, 1) == 0) {
        why = "its byte-range locks do not exclude a second open file "
              "description (the filesystem does not honour them)";
    }
    else if (!rp_lock_conflicts(errno)) {
        why = apr_psprintf(p, "byte-range locks do not work on it: %s",
                           strerror(errno));
    }
    /* ... and the offsets the resources use must be lockable. */
    else if (rp_lock_range(fd2, F_OFD_SETLK, F_WRLCK,
                           RP_LOCK_LAST, 1)
             != 0
             || rp_lock_range(fd2, F_OFD_SETLK, F_UNLCK,
                              RP_LOCK_LAST, 1)
             != 0) {
        why = apr_psprintf(p, "it cannot lock the offsets serialization "
                           "uses: %s", strerror(errno));
    }
    if (fd2 >= 0) {
        close(fd2);
    }
    if (!why) {
        unsigned char header[RP_LOCK_MAGIC_LEN + RP_LOCK_KEY_LEN];
        ssize_t got = pread(lf->fd, header, sizeof(header), 0);

        if (got == (ssize_t)sizeof(header)
            && !memcmp(header, RP_LOCK_MAGIC, RP_LOCK_MAGIC_LEN)) {
            memcpy(lf->key, header + RP_LOCK_MAGIC_LEN, RP_LOCK_KEY_LEN);
        }
        else if (got < 0) {
            why = apr_psprintf(p, "cannot read it: %s", strerror(errno));
        }
        else if (got > 0 && (got >= RP_LOCK_MAGIC_LEN
                             ? memcmp(header, RP_LOCK_MAGIC,
                                      RP_LOCK_MAGIC_LEN) != 0
                             : memcmp(header, RP_LOCK_MAGIC,
                                      (size_t)got) != 0)) {
            /* Someone's data: never write over it. */
            why = "it is not empty and not a lock file of this module";
        }
        else {
            /* First user (or one that died half-way through the header):
             * make the key that every server will share. */
            memcpy(header, RP_LOCK_MAGIC, RP_LOCK_MAGIC_LEN);
            if (apr_generate_random_bytes(lf->key, RP_LOCK_KEY_LEN)
                != APR_SUCCESS) {
                why = "cannot make a random key";
            }
            else {
                memcpy(header + RP_LOCK_MAGIC_LEN, lf->key, RP_LOCK_KEY_LEN);
                if (pwrite(lf->fd, header, sizeof(header), 0)
                    != (ssize_t)sizeof(header) || fsync(lf->fd) != 0) {
                    why = apr_psprintf(p, "cannot write its header: %s",
                                       strerror(errno));
                }
            }
        }
    }
    rp_lock_range(lf->fd, F_OFD_SETLK, F_UNLCK, 0, RP_LOCK_HEADER);
    if (why) {
        return why;
    }

    return NULL;
}

/* The anonymous lock file of one server: nothing on disk to leak. */
static const char *rp_lock_open_anonymous(apr_pool_t *p, rp_lockfile_t *lf)
{
    struct stat st;

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
    if (apr_generate_random_bytes(lf->key, RP_LOCK_KEY_LEN) != APR_SUCCESS) {
        return "cannot make a random key";
    }
    lf->open_path = apr_psprintf(p, "/proc/self/fd/%d", lf->fd);
    return NULL;
}

static void rp_lock_close_file(rp_lockfile_t *lf)
{
    if (lf->fd >= 0) {
        close(lf->fd);
        lf->fd = -1;
    }
}

/* Runs in the parent for every configuration cycle, and for apache2 -t:
 * the lock file lives in the process pool, so a graceful restart keeps it
 * (a lock taken before one still excludes writers after it). */
int rp_lock_check_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    const char *chroot_dir = ap_unixd_config.chroot_dir;
    const char *userdata_key = apr_pstrcat(pconf, "require_precondition_lock:",
                                           rp_lock_path ? rp_lock_path : "",
                                           NULL);
    rp_lockfile_t *lf = NULL;
    const char *why;

    if (!rp_lock_path && rp_lock_used && chroot_dir && *chroot_dir
        && strcmp(chroot_dir, "/") != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00015)
                     "RequirePreconditionSerialize On cannot work with "
                     "ChrootDir %s and the anonymous lock file: each write "
                     "opens it through /proc/self/fd, which is not there "
                     "after the chroot; set RequirePreconditionLockFile to a "
                     "file inside %s", chroot_dir, chroot_dir);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* Writers of the running generation hold their locks in the file it
     * started with: a graceful restart onto another file would let the
     * next generation's writers past them. Keep it until a full restart. */
    apr_pool_userdata_get((void **)&lf, RP_LOCK_CURRENT_KEY, process_pool);
    if (lf && (lf->path ? !rp_lock_path
                          || strcmp(lf->path, rp_lock_path) != 0
                        : rp_lock_path != NULL)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, RPLOGNO(00025)
                     "RequirePreconditionLockFile changed from %s to %s: "
                     "writers still hold their locks in the first, so it "
                     "stays in use until the server is stopped and started",
                     lf->path ? lf->path : "(none: the anonymous file)",
                     rp_lock_path ? rp_lock_path
                                  : "(none: the anonymous file)");
        rp_lockfile = lf;
        return OK;
    }
    lf = NULL;
    apr_pool_userdata_get((void **)&lf, userdata_key, process_pool);
    if (lf) {
        rp_lockfile = lf;
        return OK;
    }
    lf = apr_pcalloc(process_pool, sizeof(*lf));
    lf->fd = -1;
    if (rp_lock_path) {
        lf->path = apr_pstrdup(process_pool, rp_lock_path);
        lf->shared = 1;
        why = rp_lock_open_named(process_pool, lf);
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00016)
                         "RequirePreconditionLockFile %s: %s", lf->path, why);
            rp_lock_close_file(lf);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    else {
        why = rp_lock_open_anonymous(process_pool, lf);
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00017)
                         "RequirePreconditionSerialize: %s", why);
            rp_lock_close_file(lf);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    /* No cleanup: the process pool outlives this module's code (it is
     * unloaded with pconf), and the descriptor goes with the process. */
    apr_pool_userdata_set(lf, userdata_key, apr_pool_cleanup_null,
                          process_pool);
    apr_pool_userdata_set(lf, RP_LOCK_CURRENT_KEY, apr_pool_cleanup_null,
                          process_pool);
    rp_lockfile = lf;
    return OK;
}

static void rp_lock_nothing(int sig)
{
    (void)sig;
}

/* The wake-up signal: a handler that does nothing, no SA_RESTART, and
 * blocked in every thread (the worker threads inherit this mask) except
 * while one waits for a lock. */
void rp_lock_child_init(apr_pool_t *p, server_rec *s)
{
    struct sigaction sa;
    sigset_t set;

    (void)p;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rp_lock_nothing;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    if (sigaction(RP_LOCK_SIGNAL, &sa, NULL) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, errno, s, RPLOGNO(00018)
                     "RequirePreconditionSerialize: cannot install the "
                     "signal handler for timed lock waits");
    }
    sigemptyset(&set);
    sigaddset(&set, RP_LOCK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* ---- the keys ---------------------------------------------------------- */

static void rp_lock_add(rp_lock_list_t *l, const unsigned char *data,
                        apr_size_t len, short type)
{
    if (l->n == RP_LOCK_MAX) {
        l->overflow = 1;
        return;
    }
    l->want[l->n].offset = (apr_off_t)RP_LOCK_BASE
        + (apr_off_t)(rp_siphash(rp_lockfile->key, data, len) >> 2);
    l->want[l->n].type = type;
    l->n++;
}

/* "F" (kind 'F', name NULL): the object st; "N": the entry `name` in the
 * folder st. The device number only where one server uses the file. */
static void rp_lock_add_id(rp_lock_list_t *l, char kind,
                           const struct stat *st, const char *name,
                           apr_size_t namelen, short type)
{
    unsigned char buf[1 + 2 * sizeof(apr_uint64_t) + NAME_MAX];
    apr_uint64_t v;
    apr_size_t n = 0;

    buf[n++] = (unsigned char)kind;
    if (!rp_lockfile->shared) {
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
    rp_lock_add(l, buf, n, type);
}

/* The locks of the file-backed resource at the absolute path `path`.
 * Returns 0, or an errno value. */
static int rp_lock_file_keys(rp_lock_list_t *l, const char *path)
{
    char buf[PATH_MAX], real[PATH_MAX];
    struct stat dir, st;
    apr_size_t len = strlen(path);
    int restarts = 0, base = l->n;

    if (len >= sizeof(buf)) {
        return ENAMETOOLONG;
    }
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/') {
        buf[--len] = '\0';
    }

restart:
    if (lstat("/", &dir) != 0) {
        return errno;
    }
    if (len == 1) {
        rp_lock_add_id(l, 'F', &dir, NULL, 0, F_WRLCK);
        return 0;
    }
    {
        char *comp = buf + 1;

        for (;;) {
            char *slash = strchr(comp, '/');

            if (!slash) {
                break;          /* comp is the target's name */
            }
            if (slash == comp) {
                comp++;         /* "//" */
                continue;
            }
            *slash = '\0';
            if (lstat(buf, &st) != 0) {
                int err = errno;

                *slash = '/';
                if (err == ENOENT || err == ENOTDIR) {
                    /* The first missing folder: whoever makes it and a
                     * write under it meet here. */
                    rp_lock_add_id(l, 'N', &dir, comp,
                                   (apr_size_t)(slash - comp), F_WRLCK);
                    return 0;
                }
                return err;
            }
            if (S_ISLNK(st.st_mode)) {
                /* A symlinked folder: go on from where it leads. */
                apr_size_t rlen;

                if (++restarts > 40 || !realpath(buf, real)) {
                    int err = restarts > 40 ? ELOOP : errno;

                    *slash = '/';
                    if (err == ENOENT || err == ENOTDIR) {
                        rp_lock_add_id(l, 'N', &dir, comp,
                                       (apr_size_t)(slash - comp), F_WRLCK);
                        return 0;
                    }
                    return err;
                }
                *slash = '/';
                rlen = strlen(real);
                if (rlen + (len - (apr_size_t)(slash - buf)) >= sizeof(real)) {
                    return ENAMETOOLONG;
                }
                memcpy(real + rlen, slash, len - (apr_size_t)(slash - buf) + 1);
                len = strlen(real);
                memcpy(buf, real, len + 1);
                l->n = base;
                goto restart;
            }
            *slash = '/';
            if (!S_ISDIR(st.st_mode)) {
                /* A file where a folder should be: nothing can be written
                 * below it, but whoever replaces it collides here. */
                rp_lock_add_id(l, 'N', &dir, comp,
                               (apr_size_t)(slash - comp), F_WRLCK);
                return 0;
            }
            rp_lock_add_id(l, 'N', &dir, comp, (apr_size_t)(slash - comp),
                           F_RDLCK);
            dir = st;
            comp = slash + 1;
        }
        rp_lock_add_id(l, 'N', &dir, comp, strlen(comp), F_WRLCK);
        if (stat(buf, &st) == 0) {
            rp_lock_add_id(l, 'F', &st, NULL, 0, F_WRLCK);
        }
    }
    return 0;
}

/* The locks of what r (the request or its destination sub-request)
 * addresses. Returns 0, or an errno value. */
static int rp_lock_keys(rp_lock_list_t *l, request_rec *r, request_rec *top)
{
    int dav = r->handler && !strcmp(r->handler, "dav-handler");

    if (dav && r->filename && r->filename[0] == '/') {
        const char *path = (r->path_info && *r->path_info)
            ? apr_pstrcat(top->pool, r->filename, r->path_info, NULL)
            : r->filename;

        return rp_lock_file_keys(l, path);
    }
    else {
        /* The URL, for one virtual host (for all of them with a lock file
         * that several servers share). */
        const char *host = rp_lockfile->shared ? ""
            : (r->server->server_hostname ? r->server->server_hostname : "");
        const request_rec *first = r;
        const char *uri;
        apr_size_t hlen, ulen;
        unsigned char *buf;

        /* The URL the client named: the first request of an internal
         * redirect chain, and its path as normalised before any
         * translation (a RewriteRule [PT] or an Alias changes r->uri to
         * the script's; r->parsed_uri.path keeps the client's). */
        while (first->prev) {
            first = first->prev;
        }
        uri = first->parsed_uri.path ? first->parsed_uri.path : first->uri;
        hlen = strlen(host);
        ulen = strlen(uri);
        buf = apr_palloc(top->pool, hlen + ulen + 2);
        buf[0] = 'U';
        memcpy(buf + 1, host, hlen);
        buf[1 + hlen] = '\0';
        memcpy(buf + 2 + hlen, uri, ulen);
        rp_lock_add(l, buf, hlen + ulen + 2, F_WRLCK);
        return 0;
    }
}

static int rp_lock_cmp(const void *a, const void *b)
{
    const rp_lock_want_t *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* One fixed order: ascending offsets, each once, exclusive if either. */
static void rp_lock_sort(rp_lock_list_t *l)
{
    int i, n = 0;

    qsort(l->want, (size_t)l->n, sizeof(*l->want), rp_lock_cmp);
    for (i = 0; i < l->n; i++) {
        if (n && l->want[n - 1].offset == l->want[i].offset) {
            if (l->want[i].type == F_WRLCK) {
                l->want[n - 1].type = F_WRLCK;
            }
            continue;
        }
        l->want[n++] = l->want[i];
    }
    l->n = n;
}

/* ---- taking them ------------------------------------------------------- */

static apr_status_t rp_lock_release(void *data)
{
    rp_lock_held_t *held = data;

    /* Closing the description drops all of its locks. */
    close(held->fd);
    return APR_SUCCESS;
}

/* Wait in the kernel's queue for one lock until the deadline. Returns 0,
 * ETIMEDOUT, or the errno of a failure. */
static int rp_lock_wait(int fd, struct flock *fl, apr_time_t deadline)
{
    struct sigevent sev;
    struct itimerspec its;
    sigset_t set, old;
    timer_t timer;
    apr_interval_time_t left = deadline - apr_time_now();
    int rv;

    if (left <= 0) {
        return ETIMEDOUT;
    }
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = RP_LOCK_SIGNAL;
    sev.sigev_notify_thread_id = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
        return errno;
    }
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)apr_time_sec(left);
    its.it_value.tv_nsec = (long)apr_time_usec(left) * 1000;
    its.it_interval.tv_nsec = RP_LOCK_REFIRE * 1000000L;
    if (timer_settime(timer, 0, &its, NULL) != 0) {
        rv = errno;
        timer_delete(timer);
        return rv;
    }
    sigemptyset(&set);
    sigaddset(&set, RP_LOCK_SIGNAL);
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
        if (apr_time_now() >= deadline) {
            rv = ETIMEDOUT;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    timer_delete(timer);
    return rv;
}

/* Queue for the exclusive lock at `offset`, first come first served: the
 * kernel wakes every waiter of a released lock and gives it to whoever
 * asks first (often a newcomer). A waiter draws a ticket t from its
 * queue's counter (under the counter's lock), locks slot t of the queue,
 * which it keeps until its request ends, and waits for slot t-1, held by
 * the waiter before it: a release wakes one waiter, in ticket order. Then
 * it asks for its locks, which still give the exclusion (a waiter that gave
 * up, or a queue that two resources share by hash, only costs order, never
 * safety). A request queues holding no lock and at most once, so waiting
 * for a slot cannot close a circle with the waits for locks. */
static apr_uint64_t rp_lock_bucket(apr_off_t offset)
{
    return ((apr_uint64_t)offset * 0x9E3779B97F4A7C15ULL) % RP_LOCK_BUCKETS;
}

/* Are there waiters for `offset` in its queue? Then a newcomer must join
 * them rather than take the lock in the instant between a release and the
 * next waiter's wake-up. The last ticket's slot tells, if the last to join
 * waits for this resource: waiters for another one that shares the queue
 * by hash are not ours to wait for (a read without the counter's lock: a
 * wrong answer only costs order). */
static int rp_lock_queue_busy(int fd, apr_off_t offset)
{
    apr_uint64_t bucket = rp_lock_bucket(offset), t, owner;
    unsigned char buf[RP_LOCK_TSIZE];
    struct flock fl;

    if (pread(fd, buf, sizeof(buf),
              RP_LOCK_TICKETS + (off_t)(bucket * RP_LOCK_TSIZE))
        != (ssize_t)sizeof(buf)) {
        return 0;
    }
    memcpy(&t, buf, sizeof(t));
    memcpy(&owner, buf + 8, sizeof(owner));
    if (owner != (apr_uint64_t)offset) {
        return 0;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = RP_LOCK_SLOTS + (off_t)(bucket * RP_LOCK_QSLOTS)
        + (off_t)((t + RP_LOCK_QSLOTS - 1) % RP_LOCK_QSLOTS);
    fl.l_len = 1;
    return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/* Is the slot of the last ticket before t held: is someone waiting? */
static int rp_lock_slot_held(int fd, off_t slots, apr_uint64_t t)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = slots + (off_t)((t + RP_LOCK_QSLOTS - 1) % RP_LOCK_QSLOTS);
    fl.l_len = 1;
    return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

static int rp_lock_queue(int fd, apr_off_t offset, apr_time_t deadline)
{
    apr_uint64_t bucket = rp_lock_bucket(offset);
    off_t counter = RP_LOCK_TICKETS + (off_t)(bucket * RP_LOCK_TSIZE);
    off_t slots = RP_LOCK_SLOTS + (off_t)(bucket * RP_LOCK_QSLOTS);
    struct flock fl;
    apr_uint64_t t = 0, owner = 0;
    unsigned char buf[RP_LOCK_TSIZE];
    ssize_t got;
    int rv, queued = 0;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = counter;
    fl.l_len = RP_LOCK_TSIZE;
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        if (!rp_lock_conflicts(errno)) {
            return errno;
        }
        if ((rv = rp_lock_wait(fd, &fl, deadline)) != 0) {
            return rv;
        }
    }
    got = pread(fd, buf, sizeof(buf), counter);
    if (got == (ssize_t)sizeof(buf)) {
        memcpy(&t, buf, sizeof(t));
        memcpy(&owner, buf + 8, sizeof(owner));
    }
    else if (got < 0) {
        rv = errno;
        rp_lock_range(fd, F_OFD_SETLK, F_UNLCK, counter, RP_LOCK_TSIZE);
        return rv;
    }
    /* Our slot; taken already only when the queue has wrapped around,
     * and then we simply do not queue. Nor do we behind waiters for
     * another resource that shares the queue by hash: we would wait for
     * their writes, not for ours. */
    if ((owner == (apr_uint64_t)offset
         || !rp_lock_slot_held(fd, slots, t))
        && rp_lock_range(fd, F_OFD_SETLK, F_WRLCK,
                         slots + (off_t)(t % RP_LOCK_QSLOTS), 1) == 0) {
        apr_uint64_t next = t + 1, mine = (apr_uint64_t)offset;

        memcpy(buf, &next, sizeof(next));
        memcpy(buf + 8, &mine, sizeof(mine));
        if (pwrite(fd, buf, sizeof(buf), counter) != (ssize_t)sizeof(buf)) {
            rv = errno;
            rp_lock_range(fd, F_OFD_SETLK, F_UNLCK, counter, RP_LOCK_TSIZE);
            return rv;
        }
        queued = 1;
    }
    rp_lock_range(fd, F_OFD_SETLK, F_UNLCK, counter, RP_LOCK_TSIZE);

    if (queued) {
        /* The waiter before us: its slot is free when it is done. */
        fl.l_type = F_RDLCK;
        fl.l_start = slots
            + (off_t)((t + RP_LOCK_QSLOTS - 1) % RP_LOCK_QSLOTS);
        fl.l_len = 1;
        if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
            if (!rp_lock_conflicts(errno)) {
                return errno;
            }
            if ((rv = rp_lock_wait(fd, &fl, deadline)) != 0) {
                return rv;
            }
        }
        rp_lock_range(fd, F_OFD_SETLK, F_UNLCK, fl.l_start, 1);
    }
    return 0;
}

/* After the locks: httpd mapped and stat()ed the target before they were
 * ours, and mod_dav and the core judge the precondition and make ETags
 * from that look. Look again, and when the path had not existed up to its
 * end (the name left in path_info) but does now, map it to the file. */
static void rp_lock_reexamine(request_rec *r)
{
    apr_status_t rv;

    if (!r->filename || r->filename[0] != '/') {
        return;
    }
    if (r->finfo.filetype == APR_NOFILE && r->path_info && *r->path_info
        && strcmp(r->path_info, "/") != 0) {
        apr_finfo_t fi;
        const char *full = apr_pstrcat(r->pool, r->filename, r->path_info,
                                       NULL);

        rv = apr_stat(&fi, full, APR_FINFO_MIN, r->pool);
        if (rv == APR_SUCCESS || rv == APR_INCOMPLETE) {
            r->filename = apr_pstrdup(r->pool, full);
            r->path_info = "";
            r->finfo = fi;
            goto mtime;
        }
    }
    rv = apr_stat(&r->finfo, r->filename, APR_FINFO_MIN, r->pool);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        r->finfo.filetype = APR_NOFILE;
    }
mtime:
    /* If-Unmodified-Since is judged against r->mtime, which the module set
     * from the look before the wait: set it from this one (not
     * ap_update_mtime, which only ever moves it forward). */
    if (r->handler && !strcmp(r->handler, "dav-handler")) {
        r->mtime = r->finfo.filetype == APR_REG ? r->finfo.mtime : 0;
    }
}

/* The 503 of a failed lock operation: fail closed, never unlocked. */
static int rp_lock_fail(request_rec *r, int err, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, err, r, RPLOGNO(00019)
                  "%s %s: 503: cannot serialize: %s", r->method, r->uri,
                  what);
    apr_table_setn(r->err_headers_out, "Retry-After", "1");
    return HTTP_SERVICE_UNAVAILABLE;
}

int rp_lock_request(request_rec *r, request_rec *dest,
                    apr_interval_time_t timeout)
{
    apr_time_t start, deadline;
    rp_lock_list_t *l;
    rp_lock_held_t *held;
    const request_rec *prev;
    struct stat st;
    int i, pass, err, waited = 0;

    /* A request redirected from one that holds its locks takes none. */
    for (prev = r->prev; prev; prev = prev->prev) {
        if (ap_get_module_config(prev->request_config,
                                 &require_precondition_module)) {
            return DECLINED;
        }
    }
    if (!rp_lockfile) {
        return rp_lock_fail(r, 0, "no lock file (see the start-up log)");
    }
    start = apr_time_now();
    deadline = start + timeout;

    l = apr_palloc(r->pool, sizeof(*l));
    l->n = 0;
    l->overflow = 0;
    if ((err = rp_lock_keys(l, r, r)) != 0
        || (dest && (err = rp_lock_keys(l, dest, r)) != 0)) {
        return rp_lock_fail(r, err, "looking up the resource's identity");
    }
    if (l->overflow) {
        return rp_lock_fail(r, 0, "the path is too deep");
    }
    rp_lock_sort(l);

    held = apr_palloc(r->pool, sizeof(*held));
    held->fd = open(rp_lockfile->open_path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (held->fd < 0) {
        return rp_lock_fail(r, errno, apr_pstrcat(r->pool, "opening ",
                                                  rp_lockfile->open_path,
                                                  NULL));
    }
    apr_pool_cleanup_register(r->pool, held, rp_lock_release,
                              apr_pool_cleanup_null);
    /* A lock file replaced under us would be a lock of its own, and one
     * emptied in place would get a new key from the next server to start:
     * its writers would take other bytes for the same resources. */
    if (rp_lockfile->shared) {
        unsigned char header[RP_LOCK_MAGIC_LEN + RP_LOCK_KEY_LEN];

        if (fstat(held->fd, &st) != 0 || st.st_ino != rp_lockfile->ino
            || st.st_dev != rp_lockfile->dev) {
            return rp_lock_fail(r, 0, apr_pstrcat(r->pool, rp_lockfile->path,
                                                  " is not the file the "
                                                  "server started with",
                                                  NULL));
        }
        if (pread(held->fd, header, sizeof(header), 0)
                != (ssize_t)sizeof(header)
            || memcmp(header, RP_LOCK_MAGIC, RP_LOCK_MAGIC_LEN) != 0
            || memcmp(header + RP_LOCK_MAGIC_LEN, rp_lockfile->key,
                      RP_LOCK_KEY_LEN) != 0) {
            return rp_lock_fail(r, 0, apr_pstrcat(r->pool, rp_lockfile->path,
                                                  " no longer holds the key "
                                                  "the server started with "
                                                  "(emptied or rewritten?)",
                                                  NULL));
        }
    }

    /* First without waiting. On a conflict, let go of what was taken and,
     * for an exclusive lock, queue; then take them all in order, waiting
     * for each in turn. */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < l->n; i++) {
            struct flock fl;

            memset(&fl, 0, sizeof(fl));
            fl.l_type = l->want[i].type;
            fl.l_whence = SEEK_SET;
            fl.l_start = (off_t)l->want[i].offset;
            fl.l_len = 1;
            if (pass == 0 && fl.l_type == F_WRLCK
                && rp_lock_queue_busy(held->fd, fl.l_start)) {
                err = EAGAIN;   /* behind those already waiting */
            }
            else if (fcntl(held->fd, F_OFD_SETLK, &fl) == 0) {
                continue;
            }
            else {
                err = errno;
            }
            if (!rp_lock_conflicts(err) && err != EINTR) {
                return rp_lock_fail(r, err, "locking");
            }
            waited = 1;
            if (pass == 0) {
                int j;

                for (j = 0; j < i; j++) {
                    rp_lock_range(held->fd, F_OFD_SETLK, F_UNLCK,
                                  (off_t)l->want[j].offset, 1);
                }
                err = fl.l_type == F_WRLCK
                    ? rp_lock_queue(held->fd, l->want[i].offset, deadline) : 0;
            }
            else {
                err = rp_lock_wait(held->fd, &fl, deadline);
            }
            if (err == ETIMEDOUT) {
                apr_time_t secs = apr_time_sec(timeout + APR_USEC_PER_SEC - 1);

                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, RPLOGNO(00020)
                              "%s %s: 503: another write to this resource "
                              "held it for longer than %" APR_TIME_T_FMT
                              " ms", r->method, r->uri,
                              apr_time_as_msec(timeout));
                apr_table_setn(r->err_headers_out, "Retry-After",
                               apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                            secs));
                apr_table_setn(r->notes, "precondition-lock-wait",
                               apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                            apr_time_now() - start));
                rp_stats_count(RP_STAT_TIMEOUT);
                return HTTP_SERVICE_UNAVAILABLE;
            }
            if (err != 0) {
                return rp_lock_fail(r, err, "waiting for a lock");
            }
            if (pass == 0) {
                break;
            }
        }
        if (pass == 0 && i == l->n) {
            break;              /* all taken at the first try */
        }
    }
    ap_set_module_config(r->request_config, &require_precondition_module,
                         held);
    rp_lock_reexamine(r);
    {
        apr_interval_time_t took = apr_time_now() - start;

        apr_table_setn(r->notes, "precondition-lock-wait",
                       apr_psprintf(r->pool, "%" APR_TIME_T_FMT, took));
        rp_stats_count(RP_STAT_SERIALIZED);
        rp_stats_wait(waited ? took : 0);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, RPLOGNO(00021)
                      "%s %s: serialized: lock taken after %" APR_TIME_T_FMT
                      " ms (%" APR_TIME_T_FMT " us, %d locks%s%s)",
                      r->method, r->uri, apr_time_as_msec(took), took, l->n,
                      waited ? ", waited" : "",
                      dest ? ", with the destination" : "");
    }
    return DECLINED;
}

#else /* !RP_HAVE_OFD */

/* No open file description locks: everything but serialization works. */
#define RP_LOCK_NO_OFD_WHY "this platform has no open file description " \
    "locks (F_OFD_SETLK, Linux 3.15 and later), which serialization needs"

int rp_lock_check_config(apr_pool_t *pconf, server_rec *s)
{
    (void)pconf;
    if (rp_lock_used) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     RPLOGNO(00022) "RequirePreconditionSerialize On: %s",
                     RP_LOCK_NO_OFD_WHY);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (rp_lock_path) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, RPLOGNO(00023)
                     "RequirePreconditionLockFile %s: %s", rp_lock_path,
                     RP_LOCK_NO_OFD_WHY);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void rp_lock_child_init(apr_pool_t *p, server_rec *s)
{
    (void)p;
    (void)s;
}

int rp_lock_request(request_rec *r, request_rec *dest,
                    apr_interval_time_t timeout)
{
    (void)dest;
    (void)timeout;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00024)
                  "%s %s: 503: cannot "
                  "serialize: %s", r->method, r->uri, RP_LOCK_NO_OFD_WHY);
    apr_table_setn(r->err_headers_out, "Retry-After", "1");
    return HTTP_SERVICE_UNAVAILABLE;
}

#endif /* RP_HAVE_OFD */
