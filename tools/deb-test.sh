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

# `make deb-test` (as root): the package built by `make deb`, installed on
# this machine's stock apache2 and taken through an admin's life cycle:
#   1. apt-get install ./build/deb/...deb; a2enmod require_precondition
#   2. the README's quick start, as extracted from README.md, on the
#      stopped server (tools/quickstart.sh, which stops and cleans after)
#   3. debian/tests/smoke, the autopkgtest: 428, 201, 412, 204 with curl on
#      a guarded mod_dav location, a2dismod, a clean apache2ctl -t
#   4. a local edit of mods-available/require_precondition.conf survives a
#      reinstall and an upgrade (the package repacked with a higher
#      version), with no conffile prompt; a2dismod by the admin stays so
#   5. apt-get purge: nothing of the package is left in /etc/apache2 or in
#      the module folder
# The package is purged at the end whatever happens, and apache2 stopped if
# this script started it (the smoke test does).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$top/build/deb}
pkg=libapache2-mod-require-precondition
conf=/etc/apache2/mods-available/require_precondition.conf
say() { echo "deb-test: $*"; }
fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs the package"
deb=$(ls "$out"/${pkg}_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no package in ${out#$top/}/: make deb first"
"$top/tools/deps.sh" apache2 curl
if dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q 'ok installed'; then
    fail "$pkg is installed already; this test purges it, so it will not run here"
fi

scratch=$(mktemp -d /tmp/rp-deb-test.XXXXXX)
chmod 755 "$scratch"
cleanup() {
    local rc=$?
    trap - EXIT
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=300 \
        $pkg >/dev/null 2>&1 || true
    rm -rf "$scratch"
    exit $rc
}
trap cleanup EXIT
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o DPkg::Lock::Timeout=300 "$@" \
        </dev/null >"$scratch/apt.log" 2>&1 || { cat "$scratch/apt.log" >&2; return 1; }
}

say "apt-get install ./${deb#$top/}"
cp "$deb" "$scratch/"
apt_get install "$scratch/$(basename "$deb")"
a2enmod require_precondition
a2query -m require_precondition

say "the README's quick start (tools/quickstart.sh)"
"$top/tools/quickstart.sh"

say "debian/tests/smoke"
"$top/debian/tests/smoke"

say "a local edit of $conf survives a reinstall and an upgrade"
echo "# local edit by deb-test" >> "$conf"
apt_get install --reinstall "$scratch/$(basename "$deb")"
grep -q '^# local edit by deb-test$' "$conf" || fail "the reinstall overwrote $conf"
# The same package with a higher version: an upgrade with nothing else new.
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -R "$deb" "$scratch/up"
sed -i "s/^Version: .*/Version: $version+upgrade1/" "$scratch/up/DEBIAN/control"
dpkg-deb -b --root-owner-group "$scratch/up" "$scratch/up.deb" >/dev/null
a2dismod -q require_precondition
apt_get install "$scratch/up.deb"
[ "$(dpkg-query -W -f='${Version}' $pkg)" = "$version+upgrade1" ] || fail "no upgrade"
grep -q '^# local edit by deb-test$' "$conf" || fail "the upgrade overwrote $conf"
[ ! -e "$conf.dpkg-dist" ] && [ ! -e "$conf.dpkg-new" ] || fail "dpkg left a second $conf"
if a2query -q -m require_precondition; then
    fail "the upgrade enabled the module the admin had disabled"
fi
say "reinstall and upgrade kept the edit; a2dismod stayed"

say "apt-get purge $pkg"
apt_get purge $pkg
left=$(ls -d /etc/apache2/mods-*/require_precondition.* \
          /usr/lib/apache2/modules/mod_require_precondition.so 2>/dev/null || true)
[ -z "$left" ] || fail "purge left $left"
apache2ctl -t 2>&1 | grep -q 'Syntax OK' || fail "apache2ctl -t after the purge"
say "PASS"
