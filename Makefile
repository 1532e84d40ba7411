# staffd build. `make` builds build/staffd; `make check` runs every test under
# AddressSanitizer + UndefinedBehaviorSanitizer; `make demo` runs the demo.
# Every daemon/*.c except main.c goes into a static library that the unit tests link.
# `make fuzz FUZZ_SECONDS=N` builds the libFuzzer harnesses (tests/fuzz/) with clang
# into build/fuzz and runs each for N seconds (docs/fuzzing.md).

CC       ?= cc
PKGS     := libpq libuv libcjson libical libh2o libsystemd libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lglpk -lm -lpthread
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wundef -Wpointer-arith -Wcast-qual
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) $(CFLAGS) $(SAN)
LDFLAGS  ?=

BUILD    ?= build
SRCS     := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
OBJS     := $(SRCS:daemon/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/migrations_data.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MIGRATIONS := $(sort $(wildcard migrations/*.sql))

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

.PHONY: all check check-times unit asan valgrind-build demo bench format format-check clean install deps \
        fuzz fuzz-build fuzzers

all: $(BUILD)/staffd

$(BUILD)/obj/%.o: daemon/%.c $(wildcard include/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The migrations are compiled into the binary, so a deployed daemon cannot run
# against a different set of SQL files than the one it was built with.
$(BUILD)/obj/migrations_data.c: $(MIGRATIONS) tools/embed-migrations.sh | $(BUILD)/obj
	sh tools/embed-migrations.sh $(MIGRATIONS) > $@

$(BUILD)/obj/migrations_data.o: $(BUILD)/obj/migrations_data.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libstaffd.a: $(OBJS)
	ar rcs $@ $^

$(BUILD)/staffd: $(BUILD)/obj/main.o $(BUILD)/libstaffd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libstaffd.a $(wildcard include/*.h) | $(BUILD)/tests
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

demo:
	sh tools/demo.sh

bench:
	sh tests/bench/run.sh

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
