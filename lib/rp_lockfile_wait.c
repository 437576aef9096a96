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

/* rp_lockfile_wait.c: the lock engine's descriptors and byte ranges, and
 * the timed wait: a per-thread POSIX timer whose signal interrupts
 * F_OFD_SETLKW at the deadline. See rp_lockfile_int.h. */

#include "rp_lockfile_int.h"

/* ---- descriptors and ranges -------------------------------------------- */

int rp_lf_conflicts(int err)
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

int rp_lf_range(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;

    rp_lf_flock(&fl, type, start, len);
    return fcntl(fd, cmd, &fl);
}

/* Is [start, start + len) locked by another description (type: what we
 * would take)? Returns the conflicting type, or F_UNLCK. */
short rp_lf_holder(int fd, short type, off_t start, off_t len)
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

apr_time_t rp_lf_to_mono(apr_time_t deadline)
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
int rp_lf_take(int fd, short type, off_t start, apr_time_t deadline)
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
int rp_lf_wait_free(int fd, off_t start, apr_time_t deadline)
{
    int rv = rp_lf_take(fd, F_RDLCK, start, deadline);

    if (rv == 0) {
        rp_lf_range(fd, F_OFD_SETLK, F_UNLCK, start, 1);
    }
    return rv;
}
