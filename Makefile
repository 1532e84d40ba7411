# SPDX-License-Identifier: ISC
# staffd build. `make` builds build/staffd; `make check` installs what is
# missing (tools/deps.sh) and runs every test under AddressSanitizer +
# UndefinedBehaviorSanitizer; `make demo` runs the demo; `make lint` checks
# the architecture (tools/lint.py); `make tsan` runs the threaded engine tests
# under ThreadSanitizer. Every daemon/*.c except main.c goes into a static
# library that the unit tests link. Headers are tracked per object (-MMD).
# `make fuzz FUZZ_SECONDS=N` builds the libFuzzer harnesses (tests/fuzz/) with clang
# into build/fuzz and runs each for N seconds (docs/fuzzing.md).

CC       ?= cc
PKGS     := libpq libuv libcjson libical libh2o libsystemd libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lglpk -lm -lpthread
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wundef -Wpointer-arith -Wcast-qual
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) $(CFLAGS) $(SAN) -MMD -MP
LDFLAGS  ?=

BUILD    ?= build
SRCS     := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
OBJS     := $(SRCS:daemon/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/migrations_data.o \
            $(BUILD)/obj/console_files.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
CONSOLE_FILES := $(sort $(wildcard console/templates/*.html console/static/*))

ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Fuzzing: the library is built by clang with coverage for libFuzzer but without
# its main(); each harness links it with -fsanitize=fuzzer,address,undefined.
FUZZ_CC      := clang
FUZZ_LIB_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzzers/%)
FUZZ_SECONDS ?= 60

.PHONY: all check check-times chaos unit asan tsan lint demo bench bench-sites format format-check clean install \
        deps fuzz fuzz-build fuzzers

all: $(BUILD)/staffd

# A missing library is named by pkg-config itself, before any compiler error.
$(BUILD)/pkg.ok: | $(BUILD)/obj
	@pkg-config --exists --print-errors $(PKGS) || \
	    { echo "missing build dependencies: run 'make deps' (tools/deps.sh)" >&2; exit 1; }
	@touch $@

$(BUILD)/obj/%.o: daemon/%.c | $(BUILD)/obj $(BUILD)/pkg.ok
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The migrations are compiled into the binary, so a deployed daemon cannot run
# against a different set of SQL files than the one it was built with.
$(BUILD)/obj/migrations_data.c: $(MIGRATIONS) tools/embed-migrations.sh | $(BUILD)/obj
	sh tools/embed-migrations.sh $(MIGRATIONS) > $@

$(BUILD)/obj/migrations_data.o: $(BUILD)/obj/migrations_data.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The console's templates and stylesheet, likewise: pages and binary never disagree.
$(BUILD)/obj/console_files.c: $(CONSOLE_FILES) tools/embed-files.sh | $(BUILD)/obj
	sh tools/embed-files.sh console_files console $(CONSOLE_FILES) > $@

$(BUILD)/obj/console_files.o: $(BUILD)/obj/console_files.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<


# From scratch: `ar rcs` alone keeps the member of a source that was removed
# or renamed, and the linker may take a stale definition from it.
$(BUILD)/libstaffd.a: $(OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/staffd: $(BUILD)/obj/main.o $(BUILD)/libstaffd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libstaffd.a | $(BUILD)/tests $(BUILD)/pkg.ok
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libstaffd.a $(PKG_LIBS) -lcmocka

$(BUILD)/fuzzers/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/libstaffd.a $(wildcard include/*.h) | $(BUILD)/fuzzers
	$(CC) $(filter-out $(SAN),$(ALL_CFLAGS)) $(FUZZ_SAN) -Itests/fuzz $(LDFLAGS) -o $@ $< \
	    $(BUILD)/libstaffd.a $(PKG_LIBS)

$(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzzers:
	mkdir -p $@

unit: $(UNIT_BIN)

fuzzers: $(FUZZ_BIN)

fuzz-build:
	$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) SAN="$(FUZZ_LIB_SAN)" fuzzers

# Every harness for FUZZ_SECONDS seconds, one after the other (tests/fuzz/campaign.sh;
# new inputs go to build/fuzz/corpus/, crashes to build/fuzz/crashes/).
fuzz: fuzz-build
	sh tests/fuzz/campaign.sh -b build/fuzz $(FUZZ_SECONDS)

# The test suite proper: sanitizer build in build/asan, plain build in build/plain
# (for the valgrind run, which cannot share a process with ASan).
check:
	sh tools/deps.sh
	$(MAKE) --no-print-directory BUILD=build/asan SAN="$(ASAN_FLAGS)" all unit
	$(MAKE) --no-print-directory BUILD=build/plain all
	$(MAKE) --no-print-directory fuzz-build
	sh tests/run.sh build/asan build/plain build/fuzz

# The integration tests as of seven instants over a day, a week boundary and a
# DST change (about 25 minutes): no test may depend on when it runs.
check-times:
	$(MAKE) --no-print-directory BUILD=build/asan SAN="$(ASAN_FLAGS)" all unit
	$(MAKE) --no-print-directory BUILD=build/plain all
	sh tests/run_at_times.sh

asan:
	$(MAKE) --no-print-directory BUILD=build/asan SAN="$(ASAN_FLAGS)" all unit

# The engine's threads share their best rosters (atomics, a mutex): the engine
# and LP tests under ThreadSanitizer.
TSAN_TESTS := test_engine test_colgen test_roster
tsan:
	$(MAKE) --no-print-directory BUILD=build/tsan SAN="-fsanitize=thread -fno-omit-frame-pointer" \
	    CFLAGS="-O2 -g" $(TSAN_TESTS:%=build/tsan/tests/%)
	@for t in $(TSAN_TESTS); do echo "== $$t (ThreadSanitizer)"; \
	    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/tests/$$t || exit 1; done

lint:
	python3 tools/lint.py --self-test
	python3 tools/lint.py

# The chaos run alone (docs/chaos.md): CHAOS_SECONDS (default 300) of PostgreSQL
# stopped and killed, the daemon killed mid-publish, SIGHUP and hostile rows,
# on a cluster of its own; CHAOS_SEED=N repeats a run's steps. make check runs
# 30 seconds of it (tests/integration/test_chaos.py).
chaos:
	$(MAKE) --no-print-directory BUILD=build/asan SAN="$(ASAN_FLAGS)" all
	sh tools/chaos.sh build/asan

demo:
	sh tools/demo.sh

bench:
	sh tests/bench/run.sh

# Sites and several daemons (tests/bench/sites.py, about 30 minutes): failover
# after kill -9, a lost session and SIGSTOP of a leader (20 trials each) with the
# invariants checked after every trial, and throughput with 1, 2 and 3 daemons.
# SITES_BENCH_ARGS passes options (--seed N, --trials N, --only failover, ...).
bench-sites:
	$(MAKE) --no-print-directory BUILD=build/plain all
	/usr/bin/python3 tests/bench/sites.py $(SITES_BENCH_ARGS)

deps:
	sh tools/deps.sh

FORMAT_FILES := daemon/*.c include/*.h tests/unit/*.c tests/unit/*.h tests/bench/*.c tests/bench/*.h \
                tests/fuzz/*.c tests/fuzz/*.h

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

PREFIX ?= /usr/local
install: $(BUILD)/staffd
	install -D -m 0755 $(BUILD)/staffd $(DESTDIR)$(PREFIX)/bin/staffd
	install -D -m 0644 systemd/staffd.service $(DESTDIR)/etc/systemd/system/staffd.service
	install -D -m 0644 systemd/staffd.conf.example $(DESTDIR)/etc/staffd/staffd.conf

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)
