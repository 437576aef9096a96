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

# Build and run the unit tests of the policy functions (t/unit/*.c against
# lib/rp_policy.c, linked with APR and apr-util only), and of the per-directory
# configuration made from its list (rp_conf.h: httpd's headers, no server).
#
#   t/unit/run.sh              # with cc (CC= to choose)
#   SANITIZE=1 t/unit/run.sh   # with AddressSanitizer and UBSan
#
# Every pool allocation is an exact malloc (t/fuzz/exact_alloc.c), so that
# a sanitizer or valgrind sees an overrun inside what would be a pool block.
# The last line is "N passed, M failed".
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/t/unit/build
CC=${CC:-cc}
mkdir -p "$out"

# The policy's files (lib/): what counts, the header values, the syntax
# they share, the directives' arguments, the method a POST names.
policy=("$top/lib/rp_policy.c" "$top/lib/rp_preconditions.c"
        "$top/lib/rp_syntax.c" "$top/lib/rp_directive_args.c"
        "$top/lib/rp_method_override.c")
flags=(-std=gnu99 -g -O1 -Wall -Wextra -Werror -I"$top" -I"$top/lib" -I"$top/t/fuzz")
env=()
if [ "${SANITIZE:-0}" = 1 ]; then
    flags+=(-fsanitize=address,undefined -fno-omit-frame-pointer
            -fno-sanitize-recover=undefined)
    env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
         UBSAN_OPTIONS=print_stacktrace=1)
fi
# shellcheck disable=SC2046
"$CC" "${flags[@]}" $(apr-1-config --cppflags --includes) \
    $(apu-1-config --includes) \
    -o "$out/policy_test" "$top/t/unit/policy_test.c" \
    "${policy[@]}" "$top/lib/rp_refusal_body.c" "$top/lib/rp_siphash.c" \
    "$top/lib/rp_form.c" "$top/t/fuzz/exact_alloc.c" \
    $(apu-1-config --link-ld) $(apr-1-config --link-ld) -ldl -lz

# The lock engine with real descriptors, threads and processes.
"$CC" "${flags[@]}" -pthread $(apr-1-config --cppflags --includes) \
    -o "$out/lockfile_test" "$top/t/unit/lockfile_test.c" \
    "$top"/lib/rp_lockfile_{open,keys,queue,wait,lock}.c "$top/lib/rp_siphash.c" \
    $(apu-1-config --link-ld) $(apr-1-config --link-ld) -ldl -lrt

# The per-directory configuration's list: layout, create, merge, defaults.
"$CC" "${flags[@]}" $(apr-1-config --cppflags --includes) \
    -I"$("${APXS:-apxs}" -q INCLUDEDIR)" \
    -o "$out/conf_test" "$top/t/unit/conf_test.c"

# The lock server's client, against a real etcd member it starts.
# shellcheck disable=SC2046
"$CC" "${flags[@]}" -pthread $(apr-1-config --cppflags --includes) \
    $(apu-1-config --includes) \
    -o "$out/etcd_test" "$top/t/unit/etcd_test.c" "$top/lib/rp_etcd.c" \
    "$top/lib/rp_etcd_call.c" "$top/lib/rp_etcd_lease.c" \
    "$top/lib/rp_sha256.c" "${policy[@]}" "$top/lib/rp_refusal_body.c" \
    "$top/lib/rp_siphash.c" "$top/lib/rp_form.c" \
    $(apu-1-config --link-ld) $(apr-1-config --link-ld) -lcurl -ljansson \
    -ldl -lz

# The Digest ETags' hash against FIPS 180-4's vectors.
"$CC" "${flags[@]}" -o "$out/sha256_test" "$top/t/unit/sha256_test.c" \
    "$top/lib/rp_sha256.c"

rc=0
timeout 600 env "${env[@]}" "$out/policy_test" || rc=1
timeout 600 env "${env[@]}" "$out/sha256_test" || rc=1
timeout 600 env "${env[@]}" "$out/conf_test" || rc=1
timeout 600 env "${env[@]}" "$out/lockfile_test" || rc=1
timeout 600 env "${env[@]}" "$out/etcd_test" || rc=1
exit $rc
