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

# `make deb`: build the Debian package libapache2-mod-require-precondition
# from debian/ and check it with lintian, source and binary; the .deb, the
# source package (.dsc, .orig.tar.gz, .debian.tar.xz), .changes and
# .buildinfo land in build/deb/. Installs the build dependencies when they are
# missing (tools/deps.sh). The build runs in a scratch copy of the tree, so
# that dpkg-buildpackage's output and debian/ build files stay out of it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$top/build/deb}

"$top/tools/deps.sh" build-essential debhelper apache2-dev dpkg-dev fakeroot lintian

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
upstream=${version%-*}
scratch=$(mktemp -d /tmp/rp-deb.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
src=$scratch/libapache2-mod-require-precondition-$upstream
mkdir "$src"
# Build output is left out at every level (lib/ has its own .libs).
tar -C "$top" --exclude=./.git --exclude=./build --exclude=.libs \
    --exclude='*.lo' --exclude='*.slo' --exclude='*.la' --exclude='*.o' \
    --exclude=./t/logs --exclude=./t/unit/build --exclude=./t/fuzz/build \
    --exclude='./bench/results' --exclude='./soak/results' -cf - . \
    | tar -C "$src" -xf -
# The upstream tarball of the source package: the tree without debian/.
tar -C "$scratch" --exclude="${src##*/}/debian" -czf \
    "$scratch/libapache2-mod-require-precondition_$upstream.orig.tar.gz" "${src##*/}"
(cd "$src" && dpkg-buildpackage -us -uc) > "$scratch/build.log" 2>&1 || {
    tail -n 40 "$scratch/build.log" >&2
    echo "tools/deb.sh: dpkg-buildpackage failed" >&2
    exit 1
}
mkdir -p "$out"
rm -f "$out"/libapache2-mod-require-precondition*
cp "$scratch"/libapache2-mod-require-precondition*_"$version"[._]* \
   "$scratch"/libapache2-mod-require-precondition_"$upstream".orig.tar.gz "$out"/
changes=$(ls "$out"/*.changes)
echo "== lintian $(basename "$changes")"
lintian --fail-on error,warning --display-info "$changes"
echo "tools/deb.sh: built $(cd "$out" && ls *.deb | tr "\n" " ")in ${out#$top/}/"
