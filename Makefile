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

# mod_require_precondition: build, install, test and demo.
# Targets stay thin; the logic lives in tools/, t/ and demo/.

APXS    ?= $(shell command -v apxs 2>/dev/null || echo /usr/bin/apxs)
HTTPD   ?= /usr/sbin/apache2
PORT    ?= 8428
MPMS    ?= event worker prefork
CFLAGS_EXTRA ?=
SANITIZE ?= 0
FUZZ_SECONDS ?= 60
VALGRIND_MPM ?= event

# The engine: what needs no httpd type (APR, POSIX, zlib, and the lock
# server's client libraries, libcurl and jansson), in lib/; the httpd glue at
# the top. tools/lint.sh fails when a file in lib/ includes an httpd header.
ENGINE  = lib/rp_policy.c lib/rp_preconditions.c lib/rp_syntax.c \
          lib/rp_directive_args.c lib/rp_method_override.c lib/rp_refusal_body.c \
          lib/rp_siphash.c lib/rp_sha256.c lib/rp_form.c lib/rp_etcd.c \
          lib/rp_etcd_call.c lib/rp_etcd_lease.c
# The lock engine, chosen for the platform: LOCK_ofd where the compiler,
# with apxs and the build's flags, finds Linux open file description locks
# (F_OFD_SETLK, Linux 3.15) and memfd_create; LOCK_none elsewhere, which
# refuses RequirePreconditionSerialize On at start-up (tools/lockprobe.sh,
# asked once a build, prints ofd or none). RP_LOCK_NO_OFD=1 forces
# LOCK_none, RP_LOCK_NO_OFD=0 LOCK_ofd.
LOCK_ofd  = lib/rp_lockfile_open.c lib/rp_lockfile_keys.c \
            lib/rp_lockfile_queue.c lib/rp_lockfile_wait.c \
            lib/rp_lockfile_lock.c
LOCK_none = lib/rp_lockfile_none.c
RP_LOCK_NO_OFD ?=
ifeq ($(RP_LOCK_NO_OFD),1)
LOCKFILE = $(LOCK_none)
else ifeq ($(RP_LOCK_NO_OFD),0)
LOCKFILE = $(LOCK_ofd)
else
LOCKFILE = $(eval LOCKFILE := $(LOCK_$(shell tools/lockprobe.sh '$(APXS)' \
               $(BUILD_FLAGS))))$(LOCKFILE)
endif
# Without the lock engine: a prerequisite list the probe need not be asked
# for.
SRC_COMMON = mod_require_precondition.c rp_request.c rp_override.c \
          rp_walk.c rp_stats.c rp_lock.c \
          rp_metrics.c rp_spool.c rp_precheck.c rp_evaluate.c rp_lookup.c rp_digest.c \
          rp_upgrade.c rp_proxied.c rp_lockserver.c $(ENGINE)
SRC     = $(SRC_COMMON) $(LOCKFILE)
HDR     = rp_conf.h mod_require_precondition.h rp_module.h rp_request.h \
          rp_override.h rp_walk.h rp_stats.h rp_lock.h \
          rp_metrics.h rp_spool.h rp_precheck.h rp_evaluate.h rp_lookup.h rp_digest.h \
          rp_upgrade.h rp_proxied.h rp_lockserver.h $(wildcard lib/*.h)
MODULE  = .libs/mod_require_precondition.so
WARN    = -Wc,-Wall -Wc,-Wextra
# The glue includes the engine's headers by name: "rp_policy.h".
INC     = -Ilib
# SANITIZE=1: the module with ASan and UBSan (make test SANITIZE=1 runs the
# suite with their runtime preloaded into apache2, tools/sanitize-env.sh).
ifeq ($(SANITIZE),1)
SAN_FLAGS = -Wc,-fsanitize=address -Wc,-fsanitize=undefined \
            -Wc,-fno-omit-frame-pointer -Wc,-O1 -Wc,-U_FORTIFY_SOURCE \
            -Wl,-fsanitize=address -Wl,-fsanitize=undefined
endif
BUILD_FLAGS = $(INC) $(WARN) $(CFLAGS_EXTRA) $(SAN_FLAGS)

.PHONY: all deps install uninstall test test-clients test-cluster run race \
        clean unit fuzz valgrind lint bench soak deb deb-test peers print-src \
        FORCE

all: $(MODULE)

$(MODULE): $(SRC_COMMON) $(LOCK_ofd) $(LOCK_none) $(HDR) \
          .libs/build-flags
	$(APXS) -c $(BUILD_FLAGS) $(SRC) -lz -lcurl -ljansson

# Rebuilt when the flags or the engine change, e.g. from SANITIZE=1 back to
# a plain build.
.libs/build-flags: FORCE
	$(if $(LOCKFILE),,$(error tools/lockprobe.sh chose no lock engine))
	@mkdir -p .libs; echo '$(BUILD_FLAGS) $(LOCKFILE)' | cmp -s - $@ \
	    || echo '$(BUILD_FLAGS) $(LOCKFILE)' > $@

deps:
	tools/deps.sh

# From source, for those who do not use the package: tools/install.sh.
# DESTDIR= stages into a folder; a locally changed .conf is never replaced.
install: all
	DESTDIR="$(DESTDIR)" tools/install.sh install "$(APXS)"

uninstall:
	DESTDIR="$(DESTDIR)" tools/install.sh uninstall "$(APXS)"

# The Debian package libapache2-mod-require-precondition, checked with
# lintian, into build/deb/: tools/deb.sh (installs its build dependencies).
deb:
	tools/deb.sh

# As root: install that package on this machine's apache2, run the
# autopkgtest smoke test, reinstall, upgrade, purge: tools/deb-test.sh.
deb-test:
	tools/deb-test.sh

# The suite once per MPM; TESTS= picks files, e.g. TESTS=t/dav.t MPMS=event.
test: deps
	$(MAKE) unit
	$(MAKE) all
	@set -e; for m in $(MPMS); do echo "== Apache::Test suite, MPM $$m"; \
	    SANITIZE=$(SANITIZE) MPM=$$m t/run.sh $(TESTS); \
	    if [ -z "$(TESTS)" ] && [ "$(SANITIZE)" != 1 ]; then \
	        echo "== two servers, one lock file, MPM $$m"; \
	        MPM=$$m t/multi/run.sh; \
	        echo "== graceful restarts across releases, MPM $$m"; \
	        MPM=$$m t/upgrade/run.sh; fi; done

# The heavier client recipes (rclone, davix, davfs2 as root with FUSE)
# against a real apache2: clients/run.sh (about 10 s). Not part of make test;
# curl, cadaver, git and litmus are in it (t/clients.t).
test-clients: deps
	tools/deps.sh rclone davix davfs2
	$(MAKE) all SANITIZE=0
	clients/run.sh

# The policy functions alone, against APR, and the per-directory list
# (rp_conf.h, with httpd's headers): t/unit/run.sh (SANITIZE=1 too).
unit:
	APXS="$(APXS)" SANITIZE=$(SANITIZE) t/unit/run.sh

# The suite against one server process (-D ONE_PROCESS) under memcheck.
valgrind: deps
	tools/deps.sh valgrind
	$(MAKE) all SANITIZE=0
	VALGRIND=1 MPM=$(VALGRIND_MPM) t/run.sh $(TESTS)

# gcc and clang -Wall -Wextra -Werror, cppcheck, clang-tidy: tools/lint.sh.
lint:
	tools/lint.sh

# A minute of mixed load per MPM with wrk, RSS and graceful restarts:
# soak/run.sh (SOAK_SECONDS=, SOAK_MPMS=). Not part of make test.
soak: deps
	tools/deps.sh wrk
	$(MAKE) all SANITIZE=0
	soak/run.sh

# libFuzzer on the policy functions: t/fuzz/run.sh (FUZZ_SECONDS in all).
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) t/fuzz/run.sh

run: deps
	$(MAKE) all
	PORT=$(PORT) demo/run.sh

# Serialization across two servers whose shared storage is a one-node
# GlusterFS volume mounted through FUSE: t/multi/gluster.sh (root only).
test-cluster: deps
	$(MAKE) all
	MPMS="$(MPMS)" t/multi/gluster.sh

# httpd's own suite without and with the module, compared: tools/peers.sh.
peers: deps
	$(MAKE) all SANITIZE=0
	tools/peers.sh

# The race harness under every MPM, 100 rounds: t/race.sh.
race: deps
	$(MAKE) all
	MPMS="$(MPMS)" t/race.sh

# Cost against the mod_rewrite and <If> recipes: bench/run.sh (about 5 min).
bench: deps
	tools/deps.sh valgrind wrk gnuplot-nox python3
	$(MAKE) all SANITIZE=0
	bench/run.sh

clean:
	rm -rf .libs *.la *.lo *.slo *.o lib/.libs lib/*.lo lib/*.slo lib/*.o t/logs t/conf/modules.conf \
	    t/unit/build t/fuzz/build build
	-[ -f t/TEST ] && cd t && perl TEST.PL -clean >/dev/null 2>&1 || true

# The module's sources, for tools/lint.sh.
print-src:
	@echo $(SRC)
