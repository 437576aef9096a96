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

/* The lock engine (rp_lockfile.c) alone, with real descriptors, threads
 * and processes on a real filesystem: t/unit/run.sh builds and runs it
 * (make unit). Each test names the invariant of rp_lockfile.h it holds;
 * the review cases of issue 17 are marked with their number. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "rp_lockfile.h"

#include "apr_general.h"
#include "apr_file_io.h"
#include "apr_strings.h"

#include <ftw.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int passed, failed;

/* The wall clock as APR reads it (apr_time_now() calls gettimeofday, which
 * this definition interposes), set back or forth by a test. */
static volatile long long wall_skew_us;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct timespec ts;
    long long us;

    (void)tz;
    clock_gettime(CLOCK_REALTIME, &ts);
    us = (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000 + wall_skew_us;
    tv->tv_sec = (time_t)(us / 1000000LL);
    tv->tv_usec = (suseconds_t)(us % 1000000LL);
    return 0;
}
static char top[256];           /* the scratch folder */
static char saved_top[240];

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    }
    else {
        failed++;
        printf("FAIL: %s\n", what);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static const char *at(apr_pool_t *p, const char *rel)
{
    return apr_pstrcat(p, top, "/", rel, NULL);
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd >= 0) {
        if (write(fd, "x", 1) != 1) {
            perror(path);
        }
        close(fd);
    }
}

/* What mod_dav_fs does on PUT: a new file renamed over the name, so the
 * name keeps its place and the inode changes. */
static void rename_over(apr_pool_t *p, const char *path)
{
    const char *tmp = apr_pstrcat(p, path, ".tmp", NULL);

    touch(tmp);
    if (rename(tmp, path) != 0) {
        perror(path);
    }
}

/* ---- locking one or two paths ------------------------------------------- */

typedef struct {
    const rp_lockfile_t *lf;
    const char *path[2];
} paths_t;

/* How the writers of a run lock: RP_LOCKFILE_BRIEF (a mod_dav PUT with its
 * body read: the short path where it can) or 0 (the long path always). */
static int lock_flags = RP_LOCKFILE_BRIEF;

static int keys_in(void *data, rp_lockfile_keys_t *k)
{
    paths_t *ps = data;
    int i;

    for (i = 0; i < 2 && ps->path[i]; i++) {
        int rv = rp_lockfile_keys_path(ps->lf, k, ps->path[i]);

        if (rv != 0) {
            return rv;
        }
    }
    return 0;
}

static int lock(const rp_lockfile_t *lf, apr_pool_t *p, const char *path,
                const char *also, int ms, rp_lockfile_held_t *held)
{
    paths_t *ps = apr_pcalloc(p, sizeof(*ps));

    ps->lf = lf;
    ps->path[0] = path;
    ps->path[1] = also;
    return rp_lockfile_lock(lf, p, keys_in, ps, lock_flags,
                            apr_time_now() + apr_time_from_msec(ms), held);
}

/* Can a second writer take `path` within a few milliseconds? */
static int free_now(const rp_lockfile_t *lf, apr_pool_t *p, const char *path)
{
    rp_lockfile_held_t h;
    int rv = lock(lf, p, path, NULL, 30, &h);

    rp_lockfile_unlock(&h);
    return rv == 0;
}

/* ---- a writer in a thread ------------------------------------------------ */

typedef struct {
    const rp_lockfile_t *lf;
    const char *path;
    int ms;                     /* deadline */
    int hold_ms;
    int write;                  /* rename over the file while held */
    int rv;
    int order;
    int retries;
    volatile int *stop;         /* loop until set */
    int rounds;
} writer_t;

static void writer_init(writer_t *w, const rp_lockfile_t *lf,
                        const char *path, int ms, int hold_ms)
{
    memset(w, 0, sizeof(*w));
    w->lf = lf;
    w->path = path;
    w->ms = ms;
    w->hold_ms = hold_ms;
}

static int next_order;
static pthread_mutex_t order_mutex = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *data)
{
    writer_t *w = data;
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    do {
        rp_lockfile_held_t h;
        paths_t ps = { w->lf, { w->path, NULL } };

        w->rv = rp_lockfile_lock(w->lf, p, keys_in, &ps, lock_flags,
                                 apr_time_now() + apr_time_from_msec(w->ms),
                                 &h);
        if (w->rv == 0) {
            pthread_mutex_lock(&order_mutex);
            w->order = next_order++;
            pthread_mutex_unlock(&order_mutex);
            w->retries = h.retries;
            if (w->write) {
                rename_over(p, w->path);
            }
            if (w->hold_ms) {
                sleep_ms(w->hold_ms);
            }
        }
        rp_lockfile_unlock(&h);
        w->rounds++;
        apr_pool_clear(p);
    } while (w->stop && !*w->stop && w->rv == 0);
    apr_pool_destroy(p);
    return NULL;
}

/* ---- the tests ----------------------------------------------------------- */

/* One resource whatever path reaches it; two resources never wait. */
static void test_identity(apr_pool_t *p, const rp_lockfile_t *lf)
{
    /* While a.txt is being written: who waits, who does not. */
    static const struct {
        const char *path;
        int free;
        const char *what;
    } rows[] = {
        { "id/real/a.txt", 0, "identity: a second writer of a.txt waits" },
        { "id/hard.txt", 0, "identity: a hard link to a.txt waits" },
        { "id/link/a.txt", 0,
          "identity: a.txt through a symlinked folder waits" },
        { "id//real/a.txt/", 0,
          "identity: a.txt with // and a trailing slash waits" },
        { "id/real/b.txt", 1,
          "identity: b.txt in the same folder does not wait" },
        { "id/real", 0,
          "identity: the folder holding a.txt waits (collection DELETE)" },
        /* 17.3: a collection DELETE through a symlink to the folder. */
        { "id/link", 0,
          "17.3: the folder through a symlink waits for a write inside" },
        { "id/link/", 0, "17.3: ... with a trailing slash too" },
    };
    rp_lockfile_held_t h;
    apr_size_t i;

    mkdir(at(p, "id"), 0755);
    mkdir(at(p, "id/real"), 0755);
    touch(at(p, "id/real/a.txt"));
    touch(at(p, "id/real/b.txt"));
    if (link(at(p, "id/real/a.txt"), at(p, "id/hard.txt")) != 0
        || symlink("real", at(p, "id/link")) != 0) {
        perror("link");
    }
    check(lock(lf, p, at(p, "id/real/a.txt"), NULL, 100, &h) == 0,
          "identity: the first writer takes a.txt");
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        check(free_now(lf, p, at(p, rows[i].path)) == rows[i].free,
              rows[i].what);
    }
    rp_lockfile_unlock(&h);
    check(free_now(lf, p, at(p, "id/link")),
          "identity: the folder is free once the write is done");
    check(lock(lf, p, at(p, "id/link"), NULL, 100, &h) == 0,
          "17.3: a collection operation through the symlink holds it");
    check(!free_now(lf, p, at(p, "id/real/b.txt")),
          "17.3: ... and a write inside the real folder waits for it");
    rp_lockfile_unlock(&h);
    check(lock(lf, p, at(p, "id/real/missing/c.txt"), NULL, 100, &h) == 0,
          "identity: a create under a missing folder");
    check(!free_now(lf, p, at(p, "id/real/missing")),
          "identity: ... and making that folder collide");
    rp_lockfile_unlock(&h);
}

/* 17.1: the folder is replaced while a writer waits: after the wait its
 * keys are computed again and the new ones taken. */
static void test_stale_keys(apr_pool_t *p, const rp_lockfile_t *lf)
{
    rp_lockfile_held_t h;
    writer_t w;
    pthread_t t;

    mkdir(at(p, "st"), 0755);
    mkdir(at(p, "st/d"), 0755);
    mkdir(at(p, "st/x"), 0755);
    touch(at(p, "st/d/a.txt"));
    if (link(at(p, "st/d/a.txt"), at(p, "st/x/b.txt")) != 0) {
        perror("link");
    }
    check(lock(lf, p, at(p, "st/x/b.txt"), NULL, 100, &h) == 0,
          "17.1: a slow write holds x/b.txt (a hard link of d/a.txt)");
    writer_init(&w, lf, at(p, "st/d/a.txt"), 3000, 300);
    pthread_create(&t, NULL, writer, &w);
    sleep_ms(100);
    /* MOVE d/ -> old/, MKCOL d/ */
    if (rename(at(p, "st/d"), at(p, "st/old")) != 0
        || mkdir(at(p, "st/d"), 0755) != 0) {
        perror("rename");
    }
    rp_lockfile_unlock(&h);
    sleep_ms(100);
    check(!free_now(lf, p, at(p, "st/d/a.txt")),
          "17.1: a second creator of the new d/a.txt waits for the first");
    pthread_join(t, NULL);
    check(w.rv == 0 && w.retries >= 1,
          "17.1: the waiter took the new folder's keys after its wait");
}

/* 17.2: no ticket wraps onto a waiter not yet served. */
static void test_queue_wrap(apr_pool_t *p, rp_lockfile_t *lf)
{
    apr_off_t q = ((apr_off_t)1 << 40) + 12345;
    apr_uint64_t t[6];
    int fd[6], i, rv;
    apr_time_t soon;

    (void)p;
    lf->qslots = 4;
    for (i = 0; i < 6; i++) {
        rp_lockfile_open_fd(lf, &fd[i]);
    }
    soon = apr_time_now() + apr_time_from_msec(50);
    for (i = 0; i < 3; i++) {
        rv = rp_lockfile_queue_draw(lf, fd[i], q, soon, &t[i]);
        check(rv == 0 && t[i] == (apr_uint64_t)i + 1,
              "17.2: three waiters draw tickets 1, 2, 3");
    }
    check(rp_lockfile_queue_draw(lf, fd[3], q,
                                 apr_time_now() + apr_time_from_msec(50),
                                 &t[3]) == ETIMEDOUT,
          "17.2: a fourth finds the queue full and waits for room");
    close(fd[0]);               /* the head is served and done */
    /* Waiter 2 is descheduled: it has not yet seen that its turn came. */
    rv = rp_lockfile_queue_draw(lf, fd[3], q,
                                apr_time_now() + apr_time_from_msec(50),
                                &t[3]);
    check(rv == 0 && t[3] == 4, "17.2: then a newcomer draws ticket 4");
    rv = rp_lockfile_queue_draw(lf, fd[4], q,
                                apr_time_now() + apr_time_from_msec(50),
                                &t[4]);
    check(rv == ETIMEDOUT,
          "17.2: ticket 5 would take the slot waiter 2 waits on: refused");
    check(rp_lockfile_queue_turn(lf, fd[1], q, t[1],
                                 apr_time_now() + apr_time_from_msec(50))
          == 0, "17.2: waiter 2 is not stalled behind a newcomer");
    check(rp_lockfile_queue_turn(lf, fd[2], q, t[2],
                                 apr_time_now() + apr_time_from_msec(50))
          == ETIMEDOUT, "17.2: waiter 3 waits for waiter 2");
    /* Waiter 2's process is killed: its slot goes with its description. */
    close(fd[1]);
    fd[1] = -1;
    check(rp_lockfile_queue_turn(lf, fd[2], q, t[2],
                                 apr_time_now() + apr_time_from_msec(50))
          == 0, "a waiter killed in the queue holds up nobody behind it");
    for (i = 2; i < 6; i++) {
        close(fd[i]);
    }
    lf->qslots = RP_LOCKFILE_QSLOTS;
}

/* 17.7: waiters are served in the order they came, though each write
 * changes the file's inode: those that come while earlier ones are being
 * served see another inode than those before them. */
static void test_fifo(apr_pool_t *p, const rp_lockfile_t *lf)
{
    enum { N = 8 };
    writer_t w[N];
    pthread_t t[N];
    rp_lockfile_held_t h;
    int i, in_order = 1;

    mkdir(at(p, "fifo"), 0755);
    touch(at(p, "fifo/hot.txt"));
    check(lock(lf, p, at(p, "fifo/hot.txt"), NULL, 100, &h) == 0,
          "17.7: a writer holds hot.txt");
    next_order = 0;
    for (i = 0; i < N; i++) {
        writer_init(&w[i], lf, at(p, "fifo/hot.txt"), 5000, 40);
        w[i].write = 1;
        pthread_create(&t[i], NULL, writer, &w[i]);
        if (i == N / 2 - 1) {
            sleep_ms(20);
            rename_over(p, at(p, "fifo/hot.txt"));
            rp_lockfile_unlock(&h);
        }
        sleep_ms(i < N / 2 ? 20 : 50);
    }
    for (i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        if (w[i].rv != 0 || w[i].order != i) {
            in_order = 0;
            printf("  writer %d: rv %d, served %d\n", i, w[i].rv, w[i].order);
        }
    }
    check(in_order, "17.7: eight waiters served first come, first served");
}

/* 17.5: a collection operation is not starved by writes inside it. */
static void test_not_starved(apr_pool_t *p, const rp_lockfile_t *lf)
{
    enum { N = 6 };
    writer_t w[N];
    pthread_t t[N];
    rp_lockfile_held_t h;
    volatile int stop = 0;
    int i, rv;
    apr_time_t start;

    mkdir(at(p, "big"), 0755);
    for (i = 0; i < N; i++) {
        const char *f = at(p, apr_psprintf(p, "big/f%d.txt", i));

        touch(f);
        writer_init(&w[i], lf, f, 5000, 3);
        w[i].stop = &stop;
        pthread_create(&t[i], NULL, writer, &w[i]);
    }
    sleep_ms(50);
    start = apr_time_now();
    rv = lock(lf, p, at(p, "big"), NULL, 2000, &h);
    check(rv == 0, "17.5: DELETE of the collection gets its lock while "
          "writers inside keep writing");
    check(apr_time_now() - start < apr_time_from_msec(1000),
          "17.5: ... within a second");
    rp_lockfile_unlock(&h);
    stop = 1;
    for (i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        check(w[i].rv == 0 && w[i].rounds > 1,
              "17.5: the writers inside went on after it");
    }
}

/* ---- the short path ------------------------------------------------------ */

static int lock_with(const rp_lockfile_t *lf, apr_pool_t *p, const char *path,
                     int flags, int ms, rp_lockfile_held_t *held)
{
    int saved = lock_flags, rv;

    lock_flags = flags;
    rv = lock(lf, p, path, NULL, ms, held);
    lock_flags = saved;
    return rv;
}

/* A keys function that renames a new file over the target the first time
 * it is called: another write between the short path's two looks. */
typedef struct {
    paths_t ps;
    apr_pool_t *p;
    int calls;
} racing_t;

static int keys_racing(void *data, rp_lockfile_keys_t *k)
{
    racing_t *rc = data;

    if (rc->calls++ == 0) {
        int rv = keys_in(&rc->ps, k);

        rename_over(rc->p, rc->ps.path[0]);
        return rv;
    }
    return keys_in(&rc->ps, k);
}

typedef struct {
    const rp_lockfile_t *lf;
    const char *path;
    int rv;
    apr_interval_time_t took;
} folder_op_t;

static void *folder_op(void *data)
{
    folder_op_t *op = data;
    apr_pool_t *p;
    rp_lockfile_held_t h;
    apr_time_t start = apr_time_now();

    apr_pool_create(&p, NULL);
    op->rv = lock_with(op->lf, p, op->path, RP_LOCKFILE_FOLDERS, 3000, &h);
    op->took = apr_time_now() - start;
    rp_lockfile_unlock(&h);
    apr_pool_destroy(p);
    return NULL;
}

/* A write whose body is read locks only its target's entry and identity,
 * and every writer that changes folders waits until it is done. */
static void test_short_path(apr_pool_t *p, const rp_lockfile_t *lf)
{
    rp_lockfile_held_t h, h2;
    folder_op_t op;
    racing_t rc;
    pthread_t t;
    pid_t pid;
    int status, rv;

    mkdir(at(p, "sp"), 0755);
    mkdir(at(p, "sp/a"), 0755);
    mkdir(at(p, "sp/b"), 0755);
    touch(at(p, "sp/a/x.txt"));
    touch(at(p, "sp/b/y.txt"));
    if (link(at(p, "sp/a/x.txt"), at(p, "sp/hard.txt")) != 0
        || symlink("a", at(p, "sp/link")) != 0
        || symlink("a/x.txt", at(p, "sp/xlink.txt")) != 0) {
        perror("link");
    }

    check(lock(lf, p, at(p, "sp/a/x.txt"), NULL, 100, &h) == 0 && h.brief
          && h.nlocks == 2,
          "short: a write of a file holds its entry and identity only");
    check(!free_now(lf, p, at(p, "sp/a/x.txt")),
          "short: a second short-path writer of it waits");
    lock_flags = 0;
    check(!free_now(lf, p, at(p, "sp/a/x.txt")),
          "short: a long-path writer of it waits");
    lock_flags = RP_LOCKFILE_BRIEF;
    check(free_now(lf, p, at(p, "sp/b/y.txt")),
          "short: a write of another file does not wait");
    rv = lock_with(lf, p, at(p, "sp/b"), 0, 100, &h2);
    check(rv == ETIMEDOUT && h2.why && strstr(h2.why, "under way"),
          "short: an operation on another folder waits for it, and says so");
    rp_lockfile_unlock(&h2);
    op.lf = lf;
    op.path = at(p, "sp/b");
    pthread_create(&t, NULL, folder_op, &op);
    sleep_ms(150);
    rp_lockfile_unlock(&h);
    pthread_join(t, NULL);
    check(op.rv == 0 && op.took >= apr_time_from_msec(120),
          "short: ... and goes on once it is done");

    /* Another process that changes folders waits for it too. */
    check(lock(lf, p, at(p, "sp/a/x.txt"), NULL, 100, &h) == 0 && h.brief,
          "short: a write of a file on the short path, again");
    pid = fork();
    if (pid == 0) {
        rp_lockfile_held_t hc;

        _exit(lock_with(lf, p, at(p, "sp/b"), RP_LOCKFILE_FOLDERS, 100, &hc)
              == ETIMEDOUT ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "short: a MKCOL-like writer in another process waits for it");
    rp_lockfile_unlock(&h);

    /* Held by long-path writers, reached by short-path ones. */
    lock_flags = 0;
    check(lock(lf, p, at(p, "sp/a/x.txt"), NULL, 100, &h) == 0 && !h.brief,
          "short: a long-path writer holds x.txt");
    lock_flags = RP_LOCKFILE_BRIEF;
    check(!free_now(lf, p, at(p, "sp/hard.txt")),
          "short: a short-path writer of a hard link to it waits");
    check(!free_now(lf, p, at(p, "sp/link/x.txt")),
          "short: ... of it through a symlinked folder waits");
    check(!free_now(lf, p, at(p, "sp/xlink.txt")),
          "short: ... of a symlink to it waits");
    rp_lockfile_unlock(&h);

    /* While a writer that changes folders holds or waits, nobody takes
     * the short path. */
    check(lock_with(lf, p, at(p, "sp/b"), 0, 100, &h) == 0 && h.announced,
          "short: an operation on a folder announces itself");
    check(lock(lf, p, at(p, "sp/a/x.txt"), NULL, 100, &h2) == 0 && !h2.brief,
          "short: ... a write elsewhere then takes the long path");
    rp_lockfile_unlock(&h2);
    check(!free_now(lf, p, at(p, "sp/b/y.txt")),
          "short: ... and a write inside that folder waits for it");
    rp_lockfile_unlock(&h);
    check(lock_with(lf, p, at(p, "sp/a/new"), RP_LOCKFILE_FOLDERS, 100, &h)
          == 0 && h.announced && !h.brief,
          "short: a MKCOL of a new name announces itself");
    check(lock(lf, p, at(p, "sp/b/y.txt"), NULL, 100, &h2) == 0 && !h2.brief,
          "short: ... and a write elsewhere takes the long path");
    rp_lockfile_unlock(&h2);
    rp_lockfile_unlock(&h);
    check(lock(lf, p, at(p, "sp/b/y.txt"), NULL, 100, &h) == 0 && h.brief,
          "short: once it is done, the short path again");
    rp_lockfile_unlock(&h);

    /* A folder above a missing one, and a write renamed over the target
     * between the two looks: the long path. */
    check(lock(lf, p, at(p, "sp/none/z.txt"), NULL, 100, &h) == 0 && !h.brief,
          "short: a file under a missing folder takes the long path");
    rp_lockfile_unlock(&h);
    rc.ps.lf = lf;
    rc.ps.path[0] = at(p, "sp/a/x.txt");
    rc.ps.path[1] = NULL;
    rc.p = p;
    rc.calls = 0;
    rv = rp_lockfile_lock(lf, p, keys_racing, &rc, RP_LOCKFILE_BRIEF,
                          apr_time_now() + apr_time_from_msec(100), &h);
    check(rv == 0 && !h.brief && rc.calls >= 3,
          "short: a target replaced between its two looks: the long path");
    rp_lockfile_unlock(&h);
}

/* A writer killed with SIGKILL drops its locks with its process. */
static void test_kill(apr_pool_t *p, const rp_lockfile_t *lf)
{
    int fds[2];
    pid_t pid;
    char c;

    touch(at(p, "kill.txt"));
    if (pipe(fds) != 0) {
        perror("pipe");
        return;
    }
    pid = fork();
    if (pid == 0) {
        rp_lockfile_held_t h;

        close(fds[0]);
        if (lock(lf, p, at(p, "kill.txt"), NULL, 1000, &h) == 0) {
            (void)!write(fds[1], "y", 1);
        }
        pause();
        _exit(0);
    }
    close(fds[1]);
    check(read(fds[0], &c, 1) == 1, "kill: a writer process holds it");
    check(!free_now(lf, p, at(p, "kill.txt")), "kill: others wait");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    check(free_now(lf, p, at(p, "kill.txt")),
          "kill: its locks went with it");
}

/* A description released is kept for the next writer of the process:
 * without any lock of its last writer, and never shared with a child. */
static void test_spares(apr_pool_t *p, const rp_lockfile_t *lf)
{
    rp_lockfile_held_t h, h2;
    int fds[2], fds2[2];
    pid_t pid;
    char c;

    touch(at(p, "spare-a.txt"));
    touch(at(p, "spare-b.txt"));
    lock(lf, p, at(p, "spare-a.txt"), NULL, 100, &h);
    rp_lockfile_unlock(&h);
    check(lock(lf, p, at(p, "spare-b.txt"), NULL, 100, &h) == 0,
          "spares: the next writer takes a kept description");
    check(free_now(lf, p, at(p, "spare-a.txt")),
          "spares: it holds nothing of the writer before");
    check(!free_now(lf, p, at(p, "spare-b.txt")),
          "spares: ... and excludes the others as a new one would");
    rp_lockfile_unlock(&h);

    /* A child draws none of the parent's kept descriptions. */
    if (pipe(fds) != 0 || pipe(fds2) != 0) {
        perror("pipe");
        return;
    }
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        close(fds2[1]);
        if (lock(lf, p, at(p, "spare-b.txt"), NULL, 1000, &h) == 0) {
            (void)!write(fds[1], "y", 1);
        }
        (void)!read(fds2[0], &c, 1);
        _exit(0);
    }
    close(fds[1]);
    close(fds2[0]);
    check(read(fds[0], &c, 1) == 1, "spares: a child process holds b");
    check(!free_now(lf, p, at(p, "spare-b.txt")),
          "spares: the parent's writers wait for the child's");
    (void)!write(fds2[1], "x", 1);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds2[1]);

    /* A child that releases what it inherited drops none of the parent's
     * locks (it closes its copy). */
    lock(lf, p, at(p, "spare-a.txt"), NULL, 100, &h);
    pid = fork();
    if (pid == 0) {
        rp_lockfile_unlock(&h);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    check(!free_now(lf, p, at(p, "spare-a.txt")),
          "spares: a child's release of an inherited description keeps "
          "the parent's locks");
    check(lock(lf, p, at(p, "spare-b.txt"), NULL, 100, &h2) == 0,
          "spares: the parent goes on");
    rp_lockfile_unlock(&h2);
    rp_lockfile_unlock(&h);
    check(free_now(lf, p, at(p, "spare-a.txt")), "spares: then a is free");
}

/* A full stack of kept descriptions, a child that inherited them alive:
 * a writer that took one of them and is released when the stack is full
 * again (its description closed, not kept) leaves nothing locked. */
static void test_spares_full(apr_pool_t *p, const rp_lockfile_t *lf)
{
    enum { M = 70 };            /* more than a process keeps */
    static rp_lockfile_held_t hs[M];
    rp_lockfile_held_t w;
    int i, fds[2];
    pid_t pid;
    char c;

    mkdir(at(p, "full"), 0755);
    touch(at(p, "full/x"));
    for (i = 0; i < M; i++) {
        touch(at(p, apr_psprintf(p, "full/%d", i)));
        lock(lf, p, at(p, apr_psprintf(p, "full/%d", i)), NULL, 100, &hs[i]);
    }
    for (i = 0; i < M; i++) {
        rp_lockfile_unlock(&hs[i]);
    }
    if (pipe(fds) != 0) {
        perror("pipe");
        return;
    }
    pid = fork();
    if (pid == 0) {             /* holds the inherited spares, never execs */
        close(fds[1]);
        (void)!read(fds[0], &c, 1);
        _exit(0);
    }
    close(fds[0]);
    check(lock(lf, p, at(p, "full/x"), NULL, 100, &w) == 0,
          "spares, full: a writer takes a description the child has too");
    for (i = 0; i < M; i++) {
        lock(lf, p, at(p, apr_psprintf(p, "full/%d", i)), NULL, 100, &hs[i]);
    }
    for (i = 0; i < M; i++) {
        rp_lockfile_unlock(&hs[i]);
    }
    rp_lockfile_unlock(&w);
    check(free_now(lf, p, at(p, "full/x")),
          "spares, full: released with the stack full, it holds nothing");
    (void)!write(fds[1], "x", 1);
    waitpid(pid, NULL, 0);
    close(fds[1]);
}

static int count_fds(void)
{
    int fd, n = 0;

    for (fd = 0; fd < 1024; fd++) {
        n += fcntl(fd, F_GETFD) != -1;
    }
    return n;
}

static int count_timers(void)
{
    FILE *f = fopen("/proc/self/timers", "r");
    char line[256];
    int n = 0;

    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        n += !strncmp(line, "ID:", 3);
    }
    (void)fclose(f);
    return n;
}

/* Descriptors and timers come back, whatever the outcome. */
static void test_resources(apr_pool_t *p, const rp_lockfile_t *lf)
{
    rp_lockfile_held_t h;
    int fds, timers, i;

    /* Two descriptions at most are in use at once below: have both kept
     * before counting (rp_lockfile_close closes the kept ones). */
    touch(at(p, "res.txt"));
    lock(lf, p, at(p, "res.txt"), NULL, 100, &h);
    free_now(lf, p, at(p, "res0/x"));
    rp_lockfile_unlock(&h);
    fds = count_fds();
    timers = count_timers();
    lock(lf, p, at(p, "res.txt"), NULL, 100, &h);
    for (i = 0; i < 50; i++) {
        free_now(lf, p, at(p, "res.txt"));
        free_now(lf, p, at(p, apr_psprintf(p, "res%d/x", i)));
    }
    rp_lockfile_unlock(&h);
    rp_lockfile_unlock(&h);
    check(count_fds() == fds,
          "resources: no descriptor left after 100 locks and timeouts");
    check(count_timers() == timers, "resources: no timer left");
}

static rp_lockfile_user_t me(void)
{
    rp_lockfile_user_t u;

    u.uid = geteuid();
    u.gid = getegid();
    u.name = "me";
    u.chroot_dir = NULL;
    u.check_only = 0;
    return u;
}

/* The whole content of `path`, or NULL when it is not there. */
static char *content(apr_pool_t *p, const char *path, apr_size_t *len)
{
    char *data = NULL;
    apr_file_t *f;
    apr_finfo_t fi;

    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, p) != APR_SUCCESS) {
        return NULL;
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) == APR_SUCCESS) {
        *len = (apr_size_t)fi.size;
        data = apr_pcalloc(p, *len + 1);
        apr_file_read_full(f, data, *len, NULL);
    }
    apr_file_close(f);
    return data;
}

/* 28.2: apache2 -t (check_only) creates, writes and allocates nothing. */
static void test_check_only(apr_pool_t *p)
{
    rp_lockfile_user_t u = me();
    rp_lockfile_t *a, *b;
    rp_lockfile_held_t h;
    const char *path = at(p, "checked.lock");
    const char *why;
    char *before, *after;
    apr_size_t n0 = 0, n1 = 0;

    unlink(path);
    u.check_only = 1;
    why = rp_lockfile_open_named(p, path, &u, &a);
    check(why == NULL && a->fd < 0 && access(path, F_OK) != 0,
          "28.2: a check of a file not there yet passes and creates none");
    rp_lockfile_close(a);
    close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
    check(rp_lockfile_open_named(p, path, &u, &a) == NULL,
          "28.2: a check of an empty file passes");
    rp_lockfile_close(a);
    before = content(p, path, &n0);
    check(before && n0 == 0,
          "28.2: and writes no key in it, allocates nothing");
    /* An older version's header: a start writes a new key, a check not. */
    {
        int fd = open(path, O_WRONLY | O_TRUNC);

        check(fd >= 0 && write(fd, "RPLOCK\x01\x02oldkey", 14) == 14,
              "28.2: an older version's header");
        close(fd);
    }
    before = content(p, path, &n0);
    why = rp_lockfile_open_named(p, path, &u, &a);
    check(why && strstr(why, "another release's lock-file format"),
          "28.2: a check of an older version's file refuses, lock or not");
    rp_lockfile_close(a);
    after = content(p, path, &n1);
    check(after && n0 == n1 && !memcmp(before, after, n0),
          "28.2: and leaves its header as it was");
    /* A running server's file: checked, unchanged. */
    unlink(path);
    u.check_only = 0;
    check(rp_lockfile_open_named(p, path, &u, &b) == NULL,
          "28.2: a server starts on a new file");
    touch(at(p, "c.txt"));
    check(lock(b, p, at(p, "c.txt"), NULL, 100, &h) == 0,
          "28.2: and holds a write");
    before = content(p, path, &n0);
    u.check_only = 1;
    check(rp_lockfile_open_named(p, path, &u, &a) == NULL,
          "28.2: a check of the file in use passes");
    rp_lockfile_close(a);
    after = content(p, path, &n1);
    check(after && n0 == n1 && !memcmp(before, after, n0),
          "28.2: and changes no byte of it");
    rp_lockfile_unlock(&h);
    rp_lockfile_close(b);
    unlink(path);
}

/* 17.4: no key is written while locks are held in the file. */
static void test_emptied(apr_pool_t *p)
{
    rp_lockfile_user_t u = me();
    rp_lockfile_t *a, *b, *c;
    rp_lockfile_held_t h, h2;
    const char *path = at(p, "shared.lock");
    const char *why;

    touch(at(p, "e.txt"));
    unlink(path);
    check(rp_lockfile_open_named(p, path, &u, &a) == NULL,
          "17.4: server A opens a new lock file");
    check(lock(a, p, at(p, "e.txt"), NULL, 100, &h) == 0,
          "17.4: A holds a write");
    if (truncate(path, 0) != 0) {
        perror("truncate");
    }
    why = rp_lockfile_open_named(p, path, &u, &b);
    check(why && strstr(why, "locks are held"),
          "17.4: B refuses to start on the emptied file while A holds locks");
    rp_lockfile_close(b);
    check(lock(a, p, at(p, "other.txt"), NULL, 100, &h2)
          == RP_LOCKFILE_ECHANGED,
          "17.4: A refuses new writes on the emptied file");
    rp_lockfile_unlock(&h2);
    rp_lockfile_unlock(&h);
    check(rp_lockfile_open_named(p, path, &u, &c) == NULL,
          "17.4: once no lock is held a server writes a new key");
    check(lock(a, p, at(p, "e.txt"), NULL, 100, &h) == RP_LOCKFILE_ECHANGED,
          "17.4: and A, with the old key, still refuses");
    rp_lockfile_unlock(&h);
    rp_lockfile_close(a);
    rp_lockfile_close(c);
    touch(path);
    why = rp_lockfile_open_named(p, path, &u, &a);
    check(why && strstr(why, "not a lock file"),
          "lock file: someone's data is never written over");
    rp_lockfile_close(a);
    unlink(path);
}

/* review3: a restart keeps the file the server started with; the start of
 * that configuration cycle tells whether it is still there, by its path,
 * with its key (else every write answers 503, and it should say so). */
static void test_recheck(apr_pool_t *p)
{
    rp_lockfile_user_t u = me();
    rp_lockfile_t *a, *b;
    const char *path = at(p, "recheck.lock");
    int fd;

    unlink(path);
    check(rp_lockfile_open_named(p, path, &u, &a) == NULL
          && rp_lockfile_check(a) == 0,
          "review3: a lock file as opened passes the restart's check");
    if (truncate(path, 0) != 0) {
        perror("truncate");
    }
    check(rp_lockfile_check(a) == RP_LOCKFILE_ECHANGED,
          "review3: an emptied lock file fails the restart's check");
    unlink(path);
    check(rp_lockfile_check(a) == ENOENT,
          "review3: a removed lock file fails the restart's check");
    fd = open(path, O_RDWR | O_CREAT, 0600);
    if (fd >= 0) {
        close(fd);
    }
    check(rp_lockfile_open_named(p, path, &u, &b) == NULL
          && rp_lockfile_check(b) == 0
          && rp_lockfile_check(a) == RP_LOCKFILE_ECHANGED,
          "review3: a lock file replaced (a new one, keyed) fails the "
          "restart's check of the server that opened the old one");
    rp_lockfile_close(a);
    rp_lockfile_close(b);
    unlink(path);
}

/* 17.6: what the queues need is allocated at start-up, and a filesystem
 * that cannot give it refuses the start. */
static void test_allocate(apr_pool_t *p)
{
    rp_lockfile_user_t u = me();
    rp_lockfile_t *lf;
    const char *path = at(p, "alloc.lock");
    struct stat st;
    pid_t pid;
    int status = 0;

    unlink(path);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = { 65536, 65536 };
        const char *why;

        (void)signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &rl);
        why = rp_lockfile_open_named(p, path, &u, &lf);
        _exit(why && strstr(why, "allocate") ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "17.6: a file that cannot hold the queues refuses the start");
    unlink(path);
    check(rp_lockfile_open_named(p, path, &u, &lf) == NULL
          && stat(path, &st) == 0 && st.st_size >= (off_t)4096 + (off_t)65536 * 16
          && st.st_blocks * 512 >= (blkcnt_t)65536 * 16,
          "17.6: the queues are allocated when the file is opened");
    rp_lockfile_close(lf);
    unlink(path);
}

/* review3: a wait is bounded by its timeout on the monotonic clock: the
 * wall clock set back during it (NTP, a resumed virtual machine) does not
 * stretch it by as much. */
static void test_clock_set_back(apr_pool_t *p, const rp_lockfile_t *lf)
{
    rp_lockfile_held_t h;
    writer_t w;
    pthread_t th;
    const char *path = at(p, "clock.txt");

    touch(path);
    check(lock(lf, p, path, NULL, 100, &h) == 0,
          "review3: a holder for the clock test");
    memset(&w, 0, sizeof(w));
    w.lf = lf;
    w.path = path;
    w.ms = 300;
    pthread_create(&th, NULL, writer, &w);
    sleep_ms(100);
    wall_skew_us = -60LL * 1000000LL;
    sleep_ms(1500);
    rp_lockfile_unlock(&h);
    pthread_join(th, NULL);
    wall_skew_us = 0;
    check(w.rv == ETIMEDOUT,
          "review3: a waiter gives up after its 300 ms although the wall "
          "clock was set back a minute during the wait");
}

/* 17.9: servers sharing a file but serializing other sections are told. */
static void test_fingerprint(apr_pool_t *p)
{
    rp_lockfile_user_t u = me();
    rp_lockfile_t *a, *b;
    const char *path = at(p, "fp.lock"), *others;

    unlink(path);
    rp_lockfile_open_named(p, path, &u, &a);
    rp_lockfile_open_named(p, path, &u, &b);
    check(rp_lockfile_register(p, a, "host:/srv/a", 1, 1) == NULL,
          "17.9: the first server finds nobody to differ from");
    check(rp_lockfile_register(p, b, "host:/srv/b", 1, 1) == NULL,
          "17.9: a second with the same configuration neither");
    others = rp_lockfile_register(p, b, "host:/srv/b", 2, 1);
    check(others && !strcmp(others, "host:/srv/a"),
          "17.9: one that serializes other sections hears of the first");
    others = rp_lockfile_register(p, a, "host:/srv/a", 1, 0);
    check(others && !strcmp(others, "host:/srv/b"),
          "17.9: ... and the first of it");
    rp_lockfile_close(b);
    check(rp_lockfile_register(p, a, "host:/srv/a", 1, 0) == NULL,
          "17.9: a server that stopped is forgotten");
    rp_lockfile_close(a);
    unlink(path);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    apr_pool_t *p;
    rp_lockfile_t *lf;
    const char *why;

    apr_initialize();
    apr_pool_create(&p, NULL);
    if (rp_lockfile_process_init() != 0) {
        printf("FAIL: the timer signal\n");
        return 1;
    }
    (void)snprintf(top, sizeof(top), "%s/rp-lockfile.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        return 1;
    }
    why = rp_lockfile_open_anonymous(p, &lf);
    check(why == NULL, why ? why : "the anonymous lock file");

    test_identity(p, lf);
    test_stale_keys(p, lf);
    test_queue_wrap(p, lf);
    test_fifo(p, lf);
    test_not_starved(p, lf);
    /* The same with every writer on the long path, in a folder of its
     * own. */
    lock_flags = 0;
    apr_cpystrn(saved_top, top, sizeof(saved_top));
    (void)snprintf(top, sizeof(top), "%s/long", saved_top);
    mkdir(top, 0755);
    test_identity(p, lf);
    test_stale_keys(p, lf);
    test_fifo(p, lf);
    test_not_starved(p, lf);
    apr_cpystrn(top, saved_top, sizeof(top));
    lock_flags = RP_LOCKFILE_BRIEF;
    test_short_path(p, lf);
    test_kill(p, lf);
    test_spares(p, lf);
    test_spares_full(p, lf);
    test_resources(p, lf);
    test_emptied(p);
    test_check_only(p);
    test_recheck(p);
    test_clock_set_back(p, lf);
    test_allocate(p);
    test_fingerprint(p);

    rp_lockfile_close(lf);
    if (nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        printf("could not remove %s\n", top);
    }
    apr_pool_destroy(p);
    apr_terminate();
    printf("lockfile: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
