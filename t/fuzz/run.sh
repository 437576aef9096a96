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

# Build the libFuzzer targets of t/fuzz with Debian's clang and run them.
#
#   t/fuzz/run.sh                  # all targets, FUZZ_SECONDS (60) in all
#   FUZZ_SECONDS=600 t/fuzz/run.sh fuzz_accept
#   FUZZ_REPLAY=1 t/fuzz/run.sh    # only replay seeds and regressions
#
# Each target first replays its seed corpus (t/fuzz/corpus/NAME) and its
# regression cases (t/fuzz/regressions/NAME): any failure there fails at
# once. It then fuzzes for its share of FUZZ_SECONDS, growing a working
# corpus in t/fuzz/build/corpus/NAME (not committed). A crash is copied to
# t/fuzz/regressions/NAME/ to be committed with its fix, and fails the run.
# At the end, a table of executions and coverage, and the line coverage of
# the policy's files (lib/) reached by the corpora (when llvm-cov is there).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$here/build
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_accept fuzz_directives fuzz_precondition fuzz_if_header
                                     fuzz_form)

"$top/tools/deps.sh" clang libclang-rt-dev llvm >/dev/null
ver=$("$CLANG" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
profdata=$(command -v "llvm-profdata-$ver" || command -v llvm-profdata || true)
llvmcov=$(command -v "llvm-cov-$ver" || command -v llvm-cov || true)

mkdir -p "$out"
# shellcheck disable=SC2046
apr=($(apr-1-config --cppflags --includes) $(apu-1-config --includes))
# shellcheck disable=SC2046
libs=($(apu-1-config --link-ld) $(apr-1-config --link-ld) -ldl -lz)
common=(-std=gnu99 -g -O1 -Wall -Wextra -Werror -I"$top/lib" -I"$here" "${apr[@]}")
policy=("$top/lib/rp_policy.c" "$top/lib/rp_preconditions.c"
        "$top/lib/rp_syntax.c" "$top/lib/rp_directive_args.c"
        "$top/lib/rp_method_override.c")
srcs=("${policy[@]}" "$top/lib/rp_refusal_body.c" "$top/lib/rp_siphash.c"
      "$top/lib/rp_form.c" "$here/exact_alloc.c")

dict_of() {
    case $1 in
        fuzz_accept) echo "$here/accept.dict" ;;
        fuzz_directives) echo "$here/directives.dict" ;;
        fuzz_precondition) echo "$here/precondition.dict" ;;
        fuzz_if_header) echo "$here/if_header.dict" ;;
        fuzz_form) echo "$here/form.dict" ;;
    esac
}

per=$(( FUZZ_SECONDS / ${#targets[@]} ))
[ "$per" -ge 1 ] || per=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rows=()
status=0

for t in "${targets[@]}"; do
    bin=$out/$t
    echo "== $t: build"
    "$CLANG" "${common[@]}" -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -fno-omit-frame-pointer \
        -o "$bin" "$here/$t.c" "${srcs[@]}" "${libs[@]}"

    seeds=$here/corpus/$t
    regr=$here/regressions/$t
    mkdir -p "$regr" "$out/corpus/$t" "$out/crashes/$t"
    echo "== $t: replay seeds and regression cases"
    inputs=("$seeds"/*)
    if compgen -G "$regr/*" >/dev/null; then
        inputs+=("$regr"/*)
    fi
    if ! "$bin" -runs=0 "${inputs[@]}" >"$out/$t.replay.log" 2>&1; then
        tail -n 40 "$out/$t.replay.log"
        echo "FAIL: $t: a seed or a regression case fails" >&2
        exit 1
    fi
    [ "${FUZZ_REPLAY:-0}" = 1 ] && { rows+=("$t|replay|${#inputs[@]} inputs|-|-|-"); continue; }

    echo "== $t: fuzz for ${per}s"
    rc=0
    "$bin" -max_total_time="$per" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=1024 -max_len=8192 -dict="$(dict_of "$t")" \
        -artifact_prefix="$out/crashes/$t/" \
        "$out/corpus/$t" "$seeds" >"$out/$t.log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$out/$t.log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    ncorp=$(find "$out/corpus/$t" -type f | wc -l)
    if [ $rc -ne 0 ] || compgen -G "$out/crashes/$t/*" >/dev/null; then
        status=1
        grep -E 'ERROR|invariant|runtime error|SUMMARY' "$out/$t.log" | head -n 20 || true
        for f in "$out/crashes/$t"/*; do
            [ -f "$f" ] || continue
            cp "$f" "$regr/"
            echo "FAIL: $t: crash saved as t/fuzz/regressions/$t/$(basename "$f")" >&2
        done
        rows+=("$t|CRASH|${execs:-?}|${speed:-?}|${cov:-?}|${ft:-?}")
    else
        rows+=("$t|ok|${execs:-?}|${speed:-?}|${cov:-?}|${ft:-?} (corpus $ncorp)")
    fi
done

# Line coverage of the policy reached by the seeds and the grown corpora.
cover=""
if [ "${FUZZ_REPLAY:-0}" != 1 ] && [ -n "$profdata" ] && [ -n "$llvmcov" ]; then
    profs=()
    objs=()
    for t in "${targets[@]}"; do
        cbin=$out/$t.cov
        "$CLANG" "${common[@]}" -fsanitize=fuzzer -fprofile-instr-generate \
            -fcoverage-mapping -o "$cbin" "$here/$t.c" "${srcs[@]}" "${libs[@]}"
        LLVM_PROFILE_FILE="$out/$t.profraw" "$cbin" -runs=0 \
            "$out/corpus/$t" "$here/corpus/$t" >/dev/null 2>&1 || true
        profs+=("$out/$t.profraw")
        objs+=(-object "$cbin")
    done
    "$profdata" merge -sparse "${profs[@]}" -o "$out/policy.profdata"
    cover=$("$llvmcov" report "${objs[@]:1}" -instr-profile="$out/policy.profdata" \
            "${policy[@]}" 2>/dev/null | awk '/^TOTAL/ {print; exit}')
fi

echo
printf '%-18s %-6s %12s %10s %6s %s\n' target result executions 'exec/s' cov ft
for r in "${rows[@]}"; do
    IFS='|' read -r a b c d e f <<<"$r"
    printf '%-18s %-6s %12s %10s %6s %s\n' "$a" "$b" "$c" "$d" "$e" "$f"
done
if [ -n "$cover" ]; then
    echo
    echo "the policy's coverage (regions, functions, lines, branches):"
    echo "$cover" | awk '{printf "  regions %s  functions %s  lines %s  branches %s\n", $4, $7, $10, $13}'
fi
exit $status
