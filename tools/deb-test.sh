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
#   6. an upgrade under load: the previous release's package (built from
#      the commit CHANGES names for it) serializes a mod_dav location while
#      clients run the read-modify-write counter; this package installed
#      over it reloads apache2, or (where invoke-rc.d cannot, as in a
#      container) says that the old module still runs, and the reload it
#      asks for is done by hand: same parent, no request failed, every
#      acknowledged increment kept, no child killed by a signal, this
#      release serves; then the previous package again, and purged
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
site=/etc/apache2/conf-available/zz-rp-deb-upgrade.conf
store=/var/tmp/rp-deb-upgrade
cleanup() {
    local rc=$?
    trap - EXIT
    if [ -e "$site" ]; then
        a2disconf -q zz-rp-deb-upgrade >/dev/null 2>&1 || true
        rm -f "$site"
        apache2ctl stop >/dev/null 2>&1 || true
    fi
    if [ -n "${dav_ours:-}" ]; then
        a2dismod -q -f dav_fs dav >/dev/null 2>&1 || true
    fi
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=300 \
        $pkg >/dev/null 2>&1 || true
    rm -rf "$scratch" "$store"
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

say "an upgrade under load from the previous release's package"
prev=$(sed -n 's/^  Release commit \([0-9a-f]*\) .*/\1/p' "$top/CHANGES" | head -1)
git -C "$top" cat-file -e "$prev^{commit}" 2>/dev/null \
    || fail "the previous release's commit ${prev:-?} is not in this checkout"
mkdir "$scratch/prev"
git -C "$top" archive "$prev" | tar -C "$scratch/prev" -xf -
DEB_OUT="$scratch/prev-deb" "$scratch/prev/tools/deb.sh" >"$scratch/prev.log" 2>&1 \
    || { tail -n 30 "$scratch/prev.log" >&2; fail "building $prev's package"; }
prev_deb=$(ls "$scratch"/prev-deb/${pkg}_*.deb)
apt_get install "$prev_deb"
a2query -q -m dav_fs || dav_ours=1
a2enmod -q require_precondition dav dav_fs
mkdir -p "$store/dav"
echo 0 > "$store/dav/counter.txt"
chown -R www-data: "$store"
printf '%s\n' '# deb-test: a serialized mod_dav store for the upgrade under load.' \
    'ServerTokens Full' "<Directory $store/dav>" '    Require all granted' \
    '</Directory>' "Alias /rp-deb-upgrade/ $store/dav/" \
    '<Location /rp-deb-upgrade/>' '    Dav On' '    FileETag Digest' \
    '    RequirePrecondition On' '    RequirePreconditionSerialize On' \
    '</Location>' > "$site"
a2enconf -q zz-rp-deb-upgrade
apache2ctl stop >/dev/null 2>&1 || true
sleep 1
apache2ctl start
sleep 1
log_from=$(wc -l < /var/log/apache2/error.log)
pid=$(cat /run/apache2/apache2.pid)
# The counter (t/lib/RPTest/Counter.pm) until $1 exists: acknowledged
# increments, failed requests, Server headers seen, one line each.
counter() {
    perl -I"$top/t/lib" -MRPTest::Counter -e '
        my ($acks, $bad, $servers) = counter_until(hp => "127.0.0.1:80",
            host => "localhost", uri => "/rp-deb-upgrade/counter.txt",
            clients => 6, stop => $ARGV[0]);
        print "$acks\n@$bad\n", join("|", @$servers), "\n";' "$1"
}
counter "$scratch/stop" > "$scratch/counter.out" &
load=$!
sleep 2
apt_get install "$scratch/$(basename "$deb")" || fail "the upgrade"
new_version=$(dpkg-deb -f "$deb" Version)
running() {
    curl -sI http://127.0.0.1/rp-deb-upgrade/counter.txt \
        | grep -qi "^Server:.*mod_require_precondition/$1"
}
# Where invoke-rc.d may not reload (a container without init, its
# policy-rc.d), the package must say that the old module still runs, and
# the admin then reloads as it tells: the same graceful restart, by hand.
sleep 1
if ! running "${new_version%-*}"; then
    grep -q 'still runs release .* from memory' "$scratch/apt.log" \
        || fail "the upgrade neither reloaded apache2 nor said so: $(cat "$scratch/apt.log")"
    say "the package said the old module still runs; reloading as it says"
    apache2ctl graceful
fi
sleep 2
touch "$scratch/stop"
wait $load
acks=$(sed -n 1p "$scratch/counter.out")
bad=$(sed -n 2p "$scratch/counter.out")
final=$(cat "$store/dav/counter.txt")
say "under load: $acks increments acknowledged, $final in the file"
[ "${acks:-0}" -gt 0 ] && [ "$final" = "$acks" ] \
    || fail "the upgrade lost updates: $acks acknowledged, $final in the file"
[ -z "$bad" ] || fail "requests failed during the upgrade: $(echo "$bad" | cut -c1-200)"
[ "$(cat /run/apache2/apache2.pid)" = "$pid" ] \
    || fail "the upgrade restarted apache2 instead of reloading it"
running "${new_version%-*}" || fail "apache2 does not run ${new_version%-*} after the upgrade"
if tail -n +"$((log_from + 1))" /var/log/apache2/error.log | grep -q 'exit signal'; then
    fail "a child died of a signal: $(grep 'exit signal' /var/log/apache2/error.log | tail -1)"
fi
say "upgraded by a reload: same parent, nothing failed or lost, ${new_version%-*} serves"

say "the previous release's package again (a downgrade: its postinst restarts)"
apt_get install --allow-downgrades "$prev_deb"
sleep 2
prev_version=$(dpkg-deb -f "$prev_deb" Version)
if ! running "${prev_version%-*}"; then
    # Its restart, where invoke-rc.d could not (a container).
    apache2ctl stop
    sleep 2
    apache2ctl start
    sleep 1
fi
running "${prev_version%-*}" || fail "apache2 does not run ${prev_version%-*} after the downgrade"
say "PASS"
