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

# make install / make uninstall into a scratch DESTDIR (run by make lint):
# a fresh install, an unchanged reinstall, a reinstall over a locally
# changed .conf (kept, the new one beside it as .dist), an upgrade of a
# .conf nobody changed (replaced), uninstall refusing while the module is
# enabled, and uninstall removing exactly what install added.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
APXS=${APXS:-$(command -v apxs || echo /usr/bin/apxs)}
libexec=$("$APXS" -q LIBEXECDIR)
scratch=$(mktemp -d /tmp/rp-install-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# A copy of the tree: a case changes conf/ to play an upgrade.
tree=$scratch/tree
mkdir -p "$tree/tools" "$tree/conf" "$tree/.libs"
cp "$top/tools/install.sh" "$tree/tools/"
cp "$top"/conf/require_precondition.{load,conf} "$tree/conf/"
echo "not really a module" > "$tree/.libs/mod_require_precondition.so"
D=$scratch/root
mods=$D/etc/apache2/mods-available
conf=$mods/require_precondition.conf
mkdir -p "$mods" "$D/etc/apache2/mods-enabled"
fails=0 n=0
check() {   # check DESCRIPTION COMMAND...
    n=$((n + 1))
    if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi
}
inst() { DESTDIR=$D "$tree/tools/install.sh" "$1" "$APXS" > "$scratch/out" 2>&1; }
files() { (cd "$D" && find . -type f | sort | tr '\n' ' '); }
said() { grep -q "$1" "$scratch/out"; }

check "install succeeds" inst install
check "install: the module, the .load, the .conf, the list" \
    test "$(files)" = "./etc/apache2/mods-available/require_precondition.conf ./etc/apache2/mods-available/require_precondition.load .$libexec/mod_require_precondition.installed .$libexec/mod_require_precondition.so "
check "the .load names LIBEXECDIR" grep -q "^LoadModule require_precondition_module $libexec/mod_require_precondition.so$" "$mods/require_precondition.load"
check "the .conf is the shipped one" cmp -s "$conf" "$tree/conf/require_precondition.conf"
check "reinstall unchanged" inst install
check "reinstall unchanged: no .dist" test ! -e "$conf.dist"

echo "RequirePreconditionSerializeTimeout 3 # local" >> "$conf"
cp "$conf" "$scratch/local.conf"
echo "# 0.3.0" >> "$tree/conf/require_precondition.conf"
check "install over a local change" inst install
check "the local change is kept" cmp -s "$conf" "$scratch/local.conf"
check "the new .conf is beside it" cmp -s "$conf.dist" "$tree/conf/require_precondition.conf"
check "install says so" said "kept your changed /etc/apache2/mods-available/require_precondition.conf; the new version is .*require_precondition.conf.dist"

check "uninstall while enabled is refused" bash -c "ln -s ../mods-available/require_precondition.load '$D/etc/apache2/mods-enabled/'; ! DESTDIR='$D' '$tree/tools/install.sh' uninstall '$APXS' >'$scratch/out' 2>&1"
check "refusal says how to disable" said "a2dismod require_precondition"
rm "$D/etc/apache2/mods-enabled/require_precondition.load"
check "uninstall" inst uninstall
check "uninstall keeps the locally changed .conf, removes the rest" \
    test "$(files)" = "./etc/apache2/mods-available/require_precondition.conf "
check "uninstall says it kept it" said "kept /etc/apache2/mods-available/require_precondition.conf: changed locally"
rm "$conf"

cp "$top/conf/require_precondition.conf" "$tree/conf/"
check "fresh install" inst install
echo "# 0.3.0" >> "$tree/conf/require_precondition.conf"
check "upgrade: an unchanged .conf" inst install
check "upgrade: an unchanged .conf is replaced, no .dist" \
    bash -c "cmp -s '$conf' '$tree/conf/require_precondition.conf' && test ! -e '$conf.dist'"
check "uninstall" inst uninstall
check "uninstall leaves nothing" test -z "$(files)"
check "uninstall again: nothing to do" inst uninstall

echo "install-test: $((n - fails))/$n passed"
[ $fails = 0 ]
