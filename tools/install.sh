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

# `make install` / `make uninstall`: the module built from source, for
# those who do not use the Debian package (make deb).
#
#   tools/install.sh install   [APXS]   # DESTDIR= to stage into a folder
#   tools/install.sh uninstall [APXS]
#
# install puts mod_require_precondition.so in apxs's LIBEXECDIR and, on a
# Debian layout (/etc/apache2/mods-available), the .load/.conf pair that
# `a2enmod require_precondition` enables. It never replaces a file that was
# changed locally: as dpkg does with a conffile, the new version goes beside
# it as NAME.dist and it says so. A file it installed itself and nobody
# changed since is replaced. What it installed is listed, with checksums, in
# LIBEXECDIR/mod_require_precondition.installed; uninstall removes those
# files that are unchanged, keeps (and names) those changed locally, and
# refuses while the module is enabled.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
action=${1:-}
APXS=${2:-${APXS:-$(command -v apxs || echo /usr/bin/apxs)}}
D=${DESTDIR:-}
D=${D%/}
say() { echo "install.sh: $*"; }

libexec=$("$APXS" -q LIBEXECDIR)
so_dst=$D$libexec/mod_require_precondition.so
manifest=$D$libexec/mod_require_precondition.installed
mods=""
if [ -d /etc/apache2/mods-available ] || [ -d "$D/etc/apache2/mods-available" ]; then
    mods=$D/etc/apache2/mods-available
fi

sum() { sha256sum "$1" | awk '{ print $1 }'; }
# recorded PATH: the checksum install recorded for PATH, or nothing.
# Paths are recorded without DESTDIR.
recorded() { [ -f "$manifest" ] && awk -v p="${1#$D}" '$2 == p { print $1 }' "$manifest" || true; }
record() {
    local tmp
    tmp=$(mktemp "$manifest.XXXXXX")
    { [ ! -f "$manifest" ] || awk -v p="${1#$D}" '$2 != p' "$manifest"
      echo "$(sum "$1") ${1#$D}"; } > "$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$manifest"
}

# put SOURCE DEST: install SOURCE as DEST unless DEST was changed locally.
put() {
    local src=$1 dst=$2 was
    if [ -e "$dst" ] && ! cmp -s "$src" "$dst"; then
        was=$(recorded "$dst")
        if [ -z "$was" ] || [ "$was" != "$(sum "$dst")" ]; then
            install -m 644 "$src" "$dst.dist"
            record "$dst.dist"
            say "kept your changed ${dst#$D}; the new version is ${dst#$D}.dist (compare, merge, remove it)"
            return
        fi
    fi
    install -m 644 "$src" "$dst"
    record "$dst"
    say "installed ${dst#$D}"
}

# The package owns these files when it is installed: apt removes them.
if [ -z "$D" ] && command -v dpkg >/dev/null \
        && dpkg -S "$so_dst" >/dev/null 2>&1; then
    echo "install.sh: $so_dst belongs to a Debian package" \
         "($(dpkg -S "$so_dst" | cut -d: -f1)); use apt, not make $action" >&2
    exit 1
fi

case $action in
install)
    so=$top/.libs/mod_require_precondition.so
    [ -f "$so" ] || { echo "install.sh: build first (make)" >&2; exit 1; }
    mkdir -p "$D$libexec"
    install -m 644 "$so" "$so_dst"
    record "$so_dst"
    say "installed ${so_dst#$D}"
    if [ -n "$mods" ]; then
        mkdir -p "$mods"
        tmp=$(mktemp)
        trap 'rm -f "$tmp"' EXIT
        sed "s|/usr/lib/apache2/modules|$libexec|" "$top/conf/require_precondition.load" > "$tmp"
        put "$tmp" "$mods/require_precondition.load"
        put "$top/conf/require_precondition.conf" "$mods/require_precondition.conf"
        say "enable it with: a2enmod require_precondition && systemctl reload apache2"
    else
        say "load it with: LoadModule require_precondition_module $libexec/mod_require_precondition.so"
    fi
    ;;
uninstall)
    [ -f "$manifest" ] || { say "nothing to uninstall (no ${manifest#$D})"; exit 0; }
    if [ -n "$mods" ] && [ -e "${mods%/mods-available}/mods-enabled/require_precondition.load" ]; then
        echo "install.sh: the module is enabled; first remove its directives or wrap them in" \
             "<IfModule mod_require_precondition.c>, then a2dismod require_precondition," \
             "then reload apache2 (docs/install.md, To disable the module)" >&2
        exit 1
    fi
    while read -r want path; do
        path=$D$path
        if [ ! -e "$path" ]; then
            continue
        elif [ "$(sum "$path")" = "$want" ]; then
            rm -f "$path"
            say "removed ${path#$D}"
        else
            say "kept ${path#$D}: changed locally since install"
        fi
    done < "$manifest"
    rm -f "$manifest"
    ;;
*)
    echo "usage: tools/install.sh install|uninstall [APXS]" >&2
    exit 2
    ;;
esac
