# mod_require_precondition: build, install, test and demo.
# Targets stay thin; the logic lives in tools/, t/ and demo/.

APXS    ?= $(shell command -v apxs 2>/dev/null || echo /usr/bin/apxs)
HTTPD   ?= /usr/sbin/apache2
PORT    ?= 8428
MPMS    ?= event worker prefork
CFLAGS_EXTRA ?=
SANITIZE ?= 0
FUZZ_SECONDS ?= 60

SRC     = mod_require_precondition.c precondition_policy.c
HDR     = precondition_policy.h
MODULE  = .libs/mod_require_precondition.so
WARN    = -Wc,-Wall -Wc,-Wextra

.PHONY: all deps install test run clean unit fuzz

all: $(MODULE)

$(MODULE): $(SRC) $(HDR)
	$(APXS) -c $(WARN) $(CFLAGS_EXTRA) $(SRC)

deps:
	tools/deps.sh

install: all
	tools/install.sh "$(APXS)"

# The suite once per MPM; TESTS= picks files, e.g. TESTS=t/dav.t MPMS=event.
test: deps
	$(MAKE) unit
	$(MAKE) all
	@set -e; for m in $(MPMS); do echo "== Apache::Test suite, MPM $$m"; \
	    MPM=$$m t/run.sh $(TESTS); done

# The policy functions alone, against APR: t/unit/run.sh (SANITIZE=1 too).
unit:
	SANITIZE=$(SANITIZE) t/unit/run.sh

# libFuzzer on the policy functions: t/fuzz/run.sh (FUZZ_SECONDS in all).
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) t/fuzz/run.sh

run: deps
	$(MAKE) all
	PORT=$(PORT) demo/run.sh

clean:
	rm -rf .libs *.la *.lo *.slo *.o t/logs t/conf/modules.conf
	-[ -f t/TEST ] && cd t && perl TEST.PL -clean >/dev/null 2>&1 || true
