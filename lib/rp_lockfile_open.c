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

/* rp_lockfile_open.c: the lock engine's file: spare descriptions of the
 * anonymous file, opening (anonymous or named) and verifying the header and
 * its key, and the servers that share a file. See rp_lockfile_int.h. */

#include "rp_lockfile_int.h"

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
void rp_lf_fork_handlers(void)
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

int rp_lf_spare_take(rp_lockfile_spares_t *sp, unsigned long *gen)
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
int rp_lf_spare_put(rp_lockfile_spares_t *sp, int fd,
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

/* The first bytes of a lock file of this version ("RPLOCK" and another
 * digit: of another version). */
const unsigned char rp_lf_magic[RP_LF_MAGIC_LEN] = {
    'R', 'P', 'L', 'O', 'C', 'K', '5', '\n'
};

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
