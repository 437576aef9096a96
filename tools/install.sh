#!/usr/bin/env bash
# `make install`: install the module with apxs and, on Debian layouts, the
# mods-available pair so that `a2enmod require_precondition` works.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
APXS=${1:-${APXS:-apxs}}
cd "$top"
"$APXS" -i -n require_precondition mod_require_precondition.la
mods=/etc/apache2/mods-available
if [ -d "$mods" ]; then
    libexec=$("$APXS" -q LIBEXECDIR)
    sed "s|/usr/lib/apache2/modules|$libexec|" conf/require_precondition.load \
        > "$mods/require_precondition.load"
    install -m 644 conf/require_precondition.conf "$mods/require_precondition.conf"
    echo "installed $mods/require_precondition.{load,conf}: a2enmod require_precondition"
fi
