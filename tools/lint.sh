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

# Static checks of every C file of the project (make lint, and CI):
#
#   0. the engine (lib/) includes no httpd header: httpd.h, http_*.h,
#      ap_*.h, util_*.h, mod_*.h (first on a file that does, which must fail);
#   1. gcc and clang both build the module with apxs -Wall -Wextra -Werror,
#      also against headers without open file description locks, where
#      tools/lockprobe.sh must choose lib/rp_lockfile_none.c, and compile
#      the test programs (t/unit, t/fuzz, tools) the same way;
#   2. cppcheck (warning, style, performance, portability), with the
#      suppressions of tools/cppcheck.supp;
#   3. clang-tidy, with the checks below, every warning an error;
#   4. make install / make uninstall in a scratch DESTDIR (install-test.sh);
#   5. a unique RPLOGNO() tag on every log message (tools/lognos.sh);
#   6. the licence header on every source file (tools/license.sh);
#   7. the docs against the code: log tags, levels and messages, every
#      directive and its default, the counter tables (rp_counters.h),
#      links (tools/doccheck.sh).
#
# Builds happen in a scratch folder: the tree's .libs is left alone.
# Prints one line a step and the findings; fails when there is one.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
APXS=${APXS:-$(command -v apxs || echo /usr/bin/apxs)}
"$top/tools/deps.sh" gcc clang clang-tidy cppcheck >/dev/null

cd "$top"
# shellcheck disable=SC2207
module=($(make -s --no-print-directory -C "$top" print-src RP_LOCK_NO_OFD=0))
others=(t/unit/*.c t/fuzz/*.c tools/*.c)
# shellcheck disable=SC2207
apr=($(apr-1-config --cppflags --includes) $(apu-1-config --includes))
httpd_inc=$("$APXS" -q INCLUDEDIR)
scratch=$(mktemp -d /tmp/rp-lint.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fail=0
step() { printf '%-34s %s\n' "$1" "$2"; }
# A C library without open file description locks, and one without
# memfd_create (MFD_CLOEXEC): glibc's headers, with those names taken out.
mkdir -p "$scratch/no-ofd" "$scratch/no-memfd/sys"
printf '%s\n' '#include_next <fcntl.h>' '#undef F_OFD_GETLK' \
    '#undef F_OFD_SETLK' '#undef F_OFD_SETLKW' > "$scratch/no-ofd/fcntl.h"
printf '%s\n' '#include_next <sys/mman.h>' '#undef MFD_CLOEXEC' \
    > "$scratch/no-memfd/sys/mman.h"

# 0. The layers: no file of the engine includes an httpd header. The check
#    is tried first on a file that does, which it must refuse.
httpd_includes() {
    grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](httpd|http_[^">]*|ap_[^">]*|util_[^">]*|mod_[^">]*)\.h[">]' "$@"
}
printf '%s\n' '#include "apr.h"' '# include <http_log.h>' > "$scratch/bad-engine.c"
if ! httpd_includes "$scratch/bad-engine.c" >/dev/null; then
    step "engine without httpd headers" "FAIL: the check passes a bad file"; fail=1
elif httpd_includes lib/*.c lib/*.h >"$scratch/layers.log"; then
    step "engine without httpd headers" FAIL; fail=1
    sed 's/^/lib: an httpd header in the engine: /' "$scratch/layers.log"
else
    step "engine without httpd headers" ok
fi

# 1. Compilers. A test program's flags: what t/unit/run.sh and
#    t/fuzz/run.sh use, without the fuzzer runtime (gcc has none).
for cc in gcc clang; do
    rm -rf "$scratch/build"; mkdir -p "$scratch/build"
    cp --parents ./*.c ./*.h lib/*.c lib/*.h "$scratch/build/"
    if (cd "$scratch/build" && "$APXS" -S CC="$cc" -c -Ilib -Wc,-Wall \
            -Wc,-Wextra -Wc,-Werror "${module[@]}") >"$scratch/$cc.log" 2>&1; then
        step "$cc: module (apxs)" ok
    else
        step "$cc: module (apxs)" FAIL; fail=1
        grep -E 'error|warning' "$scratch/$cc.log" || tail -n 20 "$scratch/$cc.log"
    fi
    # The build's choice of engine (tools/lockprobe.sh): ofd (LOCK_ofd)
    # here, none (LOCK_none) where either call is missing.
    got=""
    for inc in "" "$scratch/no-ofd" "$scratch/no-memfd"; do
        got+=" $(tools/lockprobe.sh "$APXS -S CC=$cc" -Wc,-Wall \
                 ${inc:+-I"$inc"} 2>/dev/null || echo FAIL)"
    done
    want=" ofd none none"
    if [ "$got" = "$want" ]; then
        step "$cc: lock engine detection" ok
    else
        step "$cc: lock engine detection" FAIL; fail=1
        echo "lockprobe.sh with glibc, without OFD, without memfd:$got"
    fi
    # Where the platform has no open file description locks the module
    # still builds (only RequirePreconditionSerialize On is refused): the
    # same build, the engine chosen by the probe, against those headers.
    no=1
    [ "$(tools/lockprobe.sh "$APXS -S CC=$cc" -I"$scratch/no-ofd" \
        2>/dev/null)" = none ] || no=0
    # shellcheck disable=SC2207
    noofd=($(make -s --no-print-directory -C "$top" print-src RP_LOCK_NO_OFD=$no))
    if (cd "$scratch/build" && "$APXS" -S CC="$cc" -c -Ilib -Wc,-Wall -Wc,-Wextra \
            -Wc,-Werror -I"$scratch/no-ofd" "${noofd[@]}") \
            >"$scratch/$cc-noofd.log" 2>&1; then
        step "$cc: module without OFD locks" ok
    else
        step "$cc: module without OFD locks" FAIL; fail=1
        grep -E 'error|warning' "$scratch/$cc-noofd.log" \
            || tail -n 20 "$scratch/$cc-noofd.log"
    fi
    bad=0
    for f in "${others[@]}"; do
        # httpd's headers for t/unit/conf_test.c (rp_conf.h: M_PUT...).
        if ! "$cc" -std=gnu99 -O2 -Wall -Wextra -Werror -I. -Ilib -It/fuzz "${apr[@]}" \
                -I"$httpd_inc" -c -o "$scratch/out.o" "$f" \
                2>"$scratch/$cc.err"; then
            bad=1; cat "$scratch/$cc.err"
        fi
    done
    if [ $bad = 0 ]; then step "$cc: test programs (${#others[@]} files)" ok
    else step "$cc: test programs" FAIL; fail=1; fi
done

# 2. cppcheck. It is not given glibc's headers (it cannot parse them), so
#    the macros the code tests for are defined as glibc does.
if cppcheck --enable=warning,style,performance,portability --std=c99 \
        --inline-suppr --quiet --error-exitcode=1 --library=posix \
        --suppressions-list="$top/tools/cppcheck.supp" \
        --template='{file}:{line}: {severity}: {id}: {message}' \
        -D__linux__ -DLINUX -D_GNU_SOURCE -D_REENTRANT -D__x86_64__ \
        -DAF_UNIX=1 -DF_OFD_SETLK=37 -DF_OFD_SETLKW=38 -DSIGEV_THREAD_ID=4 \
        -I. -Ilib -It/fuzz -I"$httpd_inc" "${apr[@]}" \
        "${module[@]}" "${others[@]}" >"$scratch/cppcheck.log" 2>&1; then
    step cppcheck ok
else
    step cppcheck FAIL; fail=1
    cat "$scratch/cppcheck.log"
fi

# 3. clang-tidy. Left out, each for its reason:
#    bugprone-easily-swappable-parameters: the (pool, argument, result)
#      signatures of APR style and the hook signatures httpd fixes;
#    bugprone-reserved-identifier, cert-dcl37-c, cert-dcl51-cpp: httpd's
#      and APR's macros expand to such names, not this code.
checks='-*,clang-analyzer-*,bugprone-*,cert-*,misc-*,performance-*,portability-*'
checks+=',-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier'
checks+=',-cert-dcl37-c,-cert-dcl51-cpp'
if clang-tidy --quiet -checks="$checks" -warnings-as-errors='*' \
        "${module[@]}" "${others[@]}" -- -std=gnu99 -I. -Ilib -It/fuzz \
        -I"$httpd_inc" "${apr[@]}" >"$scratch/tidy.log" 2>"$scratch/tidy.err"; then
    step clang-tidy ok
else
    step clang-tidy FAIL; fail=1
    grep -E -A3 'warning:|error:' "$scratch/tidy.log" || cat "$scratch/tidy.err"
fi

# 4. make install / make uninstall into a scratch DESTDIR.
if "$top/tools/install-test.sh" >"$scratch/install.log" 2>&1; then
    step "make install/uninstall" ok
else
    step "make install/uninstall" FAIL; fail=1
    grep -v '^ok ' "$scratch/install.log"
fi

# 5. Log tags (tools/lognos.sh): first on two files it must refuse, a
#    number used twice and a call without a tag, then on the module.
printf '%s\n' 'void f(request_rec *r) {' \
    '    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00001) "a");' \
    '    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00001) "b");' \
    '}' > "$scratch/dup.c"
printf '%s\n' 'void f(request_rec *r) {' \
    '    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s", ")");' '}' > "$scratch/untagged.c"
if FILES="$scratch/dup.c" tools/lognos.sh --check >/dev/null 2>&1 \
        || FILES="$scratch/untagged.c" tools/lognos.sh --check >/dev/null 2>&1; then
    step "log tags (RPLOGNO)" "FAIL: lognos.sh --check passes bad files"; fail=1
elif tools/lognos.sh --check 2>"$scratch/lognos.log"; then
    step "log tags (RPLOGNO)" ok
else
    step "log tags (RPLOGNO)" FAIL; fail=1
    cat "$scratch/lognos.log"
fi

# 6. The Apache License header on every source file (tools/license.sh).
if tools/license.sh --check 2>"$scratch/license.log"; then
    step "licence headers" ok
else
    step "licence headers" FAIL; fail=1
    cat "$scratch/license.log"
fi

# 7. README.md, docs/ and bench/RESULTS.md against the code.
if tools/doccheck.sh >"$scratch/doccheck.log" 2>&1; then
    step "docs against the code" ok
else
    step "docs against the code" FAIL; fail=1
    grep -v '^doccheck: note:' "$scratch/doccheck.log"
fi
grep '^doccheck: note:' "$scratch/doccheck.log" || true

[ $fail = 0 ] && echo "lint: no finding" || echo "lint: findings above"
exit $fail
