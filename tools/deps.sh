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

# Install what building, testing and the demo need, when it is missing.
# Debian packages only. Usage: tools/deps.sh [extra-package ...]
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_perl() { perl -M"$1" -e1 >/dev/null 2>&1; }

have_cmd /usr/sbin/apache2 || [ -x /usr/sbin/apache2 ] || need+=(apache2)
have_cmd apxs || need+=(apache2-dev)
have_cmd cc || need+=(gcc)
have_cmd make || need+=(make)
have_cmd curl || need+=(curl)
have_cmd perl || need+=(perl)
# t/backend/app.py, the backend of t/evaluate.t (standard library only).
[ -x /usr/bin/python3 ] || need+=(python3)
# zlib: the module reads a gzip or deflate form's _method (lib/rp_form.c).
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
# The lock server's client (lib/rp_etcd.c): HTTP through libcurl, JSON through
# jansson; etcd itself for t/etcd.t, which starts its own members.
compgen -G '/usr/include/*/curl/curl.h' >/dev/null \
    || [ -e /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
[ -e /usr/include/jansson.h ] || need+=(libjansson-dev)
have_cmd etcd || [ -x /usr/bin/etcd ] || need+=(etcd-server)
have_cmd openssl || need+=(openssl)
# PHP under php-fpm behind a front controller (t/passthrough.t, t/recipes.t).
compgen -G '/usr/sbin/php-fpm*' >/dev/null || need+=(php-fpm)
have_perl Apache::Test || need+=(libapache2-mod-perl2)
have_perl LWP::UserAgent || need+=(libwww-perl)
have_perl HTTP::Daemon || need+=(libhttp-daemon-perl)
have_perl JSON::PP || need+=(libjson-pp-perl)
[ -e /usr/lib/apache2/modules/mod_http2.so ] || need+=(apache2-bin)
have_cmd runuser || need+=(util-linux)
# The clients t/clients.t runs (docs/clients.md).
have_cmd git || need+=(git)
have_cmd cadaver || need+=(cadaver)
have_cmd litmus || need+=(litmus)
# An HTTP/2 client whose flow-control window never opens (t/serialize.t 24).
have_cmd nghttp || need+=(nghttp2-client)
# promtool checks the metrics endpoint's output; t/prometheus.t scrapes it
# with the prometheus server itself, run by the test on a loopback port.
[ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus ] || need+=(prometheus)
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
        || need+=("$p")
done

[ ${#need[@]} -eq 0 ] && exit 0

echo "tools/deps.sh: installing ${need[*]}" >&2
if [ "$(id -u)" = 0 ]; then
    sudo=()
elif have_cmd sudo; then
    sudo=(sudo)
else
    echo "tools/deps.sh: missing packages ${need[*]}; install them as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A machine that has never run apt-get update has no package lists.
"${sudo[@]}" apt-get update -qq || true
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
