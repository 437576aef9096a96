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

# Serialization across servers (RequirePreconditionLockFile): two separate
# httpd servers, each with its own ServerRoot, configuration, port,
# ServerName and MPM, over one DocumentRoot and one lock file. The checks
# themselves are in t/multi/cluster.pl; this starts and stops the servers.
#
#   MPM=event t/multi/run.sh      # server A runs MPM, server B the next one
#   RP_MULTI_DOCROOT=/mnt/shared t/multi/run.sh   # shared storage elsewhere
#                                 # (make test-cluster)
#
# As root it runs itself as the test account, as t/run.sh does.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/lib.sh"
MPM=${MPM:-event}
export HTTPD APXS MPM

if [ "$(id -u)" = 0 ]; then
    if [ -n "${RP_MULTI_DOCROOT:-}" ]; then
        chown "$(rp_test_user):" "$RP_MULTI_DOCROOT"
    fi
    rp_as_test_user t/multi/run.sh MPM HTTPD APXS RP_MULTI_DOCROOT \
        RP_MULTI_LOCKDIR RP_MULTI_DEBUG RP_MULTI_DOCROOT_B -- "$@"
fi

exec perl "$top/t/multi/cluster.pl" "$top"
