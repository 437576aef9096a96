#!/usr/bin/env bash
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

# Run a command (apache2) with the AddressSanitizer and UndefinedBehavior-
# Sanitizer runtimes of the compiler that built the module, for a module
# built with `make SANITIZE=1`.
#
#   SANITIZER_LOG_DIR=/some/dir tools/sanitize-env.sh /usr/sbin/apache2 ...
#
# apache2 itself is not instrumented, so the ASan runtime must be the first
# library in the process: it is preloaded (LD_PRELOAD), with the UBSan one.
# Reports go to files SANITIZER_LOG_DIR/sanitizer.PID, not to
# stderr, which httpd sends to its error log or to nowhere: t/run.sh fails
# the suite when one appears.
#
# Leak detection stays on, with tools/lsan.supp: httpd allocates from pools
# that live as long as the process and are reachable from globals at exit
# (no report), while a malloc'd block lost by a module is still reported.
# Set SANITIZE_CC=clang for a module built with clang (its runtime is then
# libclang_rt.asan, which includes UBSan).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cc=${SANITIZE_CC:-gcc}
logdir=${SANITIZER_LOG_DIR:-/tmp}
mkdir -p "$logdir"

case $cc in
    *clang*)
        asan=$("$cc" -print-file-name=libclang_rt.asan-x86_64.so)
        preload=$asan ;;
    *)
        asan=$("$cc" -print-file-name=libasan.so)
        ubsan=$("$cc" -print-file-name=libubsan.so)
        preload="$asan $ubsan" ;;
esac
for lib in $preload; do
    [ -e "$lib" ] || { echo "sanitize-env: no $lib (install libasan/libubsan, or libclang-rt-dev)" >&2; exit 1; }
done

export LD_PRELOAD="$preload${LD_PRELOAD:+ $LD_PRELOAD}"
# detect_odr_violation=0: apache2 and its modules are not instrumented.
# allocator_may_return_null=1: httpd checks for NULL where it can.
export ASAN_OPTIONS="log_path=$logdir/sanitizer:detect_leaks=1:detect_odr_violation=0:allocator_may_return_null=1:disable_coredump=1:handle_abort=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$logdir/sanitizer:print_stacktrace=1:${UBSAN_OPTIONS:-}"
exec "$@"
