#!/bin/sh
# Copyright 2026 The mod_require_precondition authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# The lock engine this platform builds, for the Makefile: "ofd" (LOCK_ofd,
# lib/rp_lockfile*.c) where the compiler finds what it uses beyond POSIX
# (open file description locks, F_OFD_SETLK: Linux 3.15; memfd_create; a
# timer per thread, SIGEV_THREAD_ID and gettid), else "none" (LOCK_none,
# lib/rp_lockfile_none.c), with which RequirePreconditionSerialize On is
# refused at start-up (RP00017).
#
#   tools/lockprobe.sh APXS [apxs flags ...]     # prints ofd or none
#
# A small program compiled by apxs -c with the module's flags, in a scratch
# folder. When it does not build, one without those calls must, or this
# fails: a compiler that builds nothing does not choose the fallback.
# POSIX sh.
set -eu

[ $# -ge 1 ] || { echo "usage: tools/lockprobe.sh APXS [flags ...]" >&2; exit 2; }
apxs=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-lockprobe.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM

cat >"$dir/control.c" <<'EOF'
#include <fcntl.h>

int rp_lockprobe(int fd);
int rp_lockprobe(int fd)
{
    struct flock fl = { 0 };

    return fcntl(fd, F_SETLK, &fl);
}
EOF
cat >"$dir/ofd.c" <<'EOF'
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int rp_lockprobe(int fd);
int rp_lockprobe(int fd)
{
    struct flock fl = { 0 };
    struct sigevent sev = { 0 };

    sev.sigev_notify = SIGEV_THREAD_ID;
    return fcntl(fd, F_OFD_SETLK, &fl) + fcntl(fd, F_OFD_SETLKW, &fl)
           + fcntl(fd, F_OFD_GETLK, &fl) + (int)gettid() + sev.sigev_notify
           + memfd_create("rp_lockprobe", MFD_CLOEXEC);
}
EOF

# apxs may be a command with arguments ("apxs -S CC=clang"): $apxs is
# split on purpose. Run from here, as the build, for relative -I flags;
# what apxs writes goes beside the source, in the scratch folder.
probe()
{
    name=$1
    shift
    # shellcheck disable=SC2086
    $apxs -c -o "$dir/$name.la" "$@" \
        -Wc,-Werror=implicit-function-declaration "$dir/$name.c" \
        >"$dir/$name.log" 2>&1
}

if probe ofd "$@"; then
    echo ofd
elif probe control "$@"; then
    echo "tools/lockprobe.sh: no open file description locks or memfd_create" \
         "here: building lib/rp_lockfile_none.c, which refuses" \
         "RequirePreconditionSerialize On at start-up" >&2
    grep 'error:' "$dir/ofd.log" | head -n 3 >&2 || true
    echo none
else
    echo "tools/lockprobe.sh: $apxs -c cannot build a small program:" >&2
    cat "$dir/control.log" >&2
    exit 1
fi
