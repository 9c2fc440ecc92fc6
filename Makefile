# xtcp — top-level build. `make help` lists the targets.
#
# .bpf.c -> .bpf.o (clang) -> .skel.h (bpftool) -> user objects (gcc).
# Everything lands in build/ (build-san/ with SAN=1). Quiet unless V=1.

# SAN=1: the daemon, library, tools and tests with ASan and UBSan, in a
# build directory of their own so that plain and sanitized objects never mix.
ifeq ($(SAN),1)
BUILD    := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined
else
BUILD    := build
SAN_FLAGS :=
endif
ARCH     := $(shell uname -m)
CC       := gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Evaluated lazily: the packages behind pkg-config may arrive with `deps`.
PKG_CFLAGS = $(shell pkg-config --cflags libbpf libxdp)
PKG_LIBS   = $(shell pkg-config --libs libbpf libxdp)

# -fPIC: the same objects make libxtcp.a and libxtcp.so.
CFLAGS   := -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	    -Iinclude -Iuser -I$(BUILD) $(SAN_FLAGS) -fPIC
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -Iinclude -Ibpf \
	    -I/usr/include/$(ARCH)-linux-gnu

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard include/xtcp/*.h)
SKEL      := $(BUILD)/xtcp.skel.h

# The daemon's library: every user/ source except the programs' mains.
LIB_SRCS  := $(filter-out user/xtcpd/main.c user/ctl/%,$(wildcard user/*/*.c))
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB       := $(BUILD)/libxtcp.a
# libxtcp for outside programs (include/xtcp/xtcp.h): the same objects,
# shared with a soname, and a pkg-config file.
XTCP_VERSION := 0.1.0
SO_MAJOR  := 0
SONAME    := libxtcp.so.$(SO_MAJOR)
SHLIB     := $(BUILD)/libxtcp.so.$(XTCP_VERSION)
SYMMAP    := $(BUILD)/libxtcp.map
PCFILE    := $(BUILD)/xtcp.pc
PUB_HDRS  := $(wildcard include/xtcp/*.h)
USER_HDRS := $(wildcard user/*/*.h) $(wildcard include/xtcp/*.h)

XTCPD     := $(BUILD)/xtcpd
KHTTPD    := $(BUILD)/kernel_httpd
KECHO     := $(BUILD)/kernel_echo
CHOLD     := $(BUILD)/conn_hold
XTCPCTL   := $(BUILD)/xtcpctl
CTL_SRCS  := $(wildcard user/ctl/*.c)
IMPAIR    := $(BUILD)/impair
IMPAIR_SRCS := $(wildcard tools/impair/*.c)
IMPAIR_LIBS = $(shell pkg-config --libs libnftnl libmnl libnetfilter_queue) -lm

# xtcp-bench (tools/xtcp-bench/): its XDP programs, their skeletons, the tool.
XB_DIR      := tools/xtcp-bench
XB_BUILD    := $(BUILD)/tools/xtcp-bench
XB_BPF_OBJS := $(patsubst $(XB_DIR)/%.bpf.c,$(XB_BUILD)/%.bpf.o,$(wildcard $(XB_DIR)/*.bpf.c))
XB_SKELS    := $(XB_BPF_OBJS:.bpf.o=.skel.h)
XB_SRCS     := $(filter-out %.bpf.c,$(wildcard $(XB_DIR)/*.c))
XB_HDRS     := $(wildcard $(XB_DIR)/*.h) $(wildcard include/xtcp/*.h)
XBENCH      := $(BUILD)/xtcp-bench
# Kept: make would delete them as intermediates of the skeletons.
.SECONDARY: $(XB_BPF_OBJS)

# xtcp-inject (tools/xtcp-inject/): forged frames for the attack tests.
XI_SRCS     := $(wildcard tools/xtcp-inject/*.c) user/wire/codec.c
XINJECT     := $(BUILD)/xtcp-inject

TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
BPFT_SRCS := $(wildcard tests/bpf/*.c)
UNIT_BIN  := $(BUILD)/tests/unit
BPFT_BIN  := $(BUILD)/tests/bpf
# libFuzzer targets: tests/fuzz/fuzz_<target>.c, seeds in corpus/<target>/.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -D_GNU_SOURCE -Iinclude -Iuser -Itests
FUZZ_SECONDS ?= 60

.DELETE_ON_ERROR:
.PHONY: all deps check test-unit test-bpf test-integration fuzz fuzz-smoke \
	valgrind memory demo bench soak clean help

all: $(BPF_OBJS) $(SKEL) $(LIB) $(SHLIB) $(XTCPD) $(XTCPCTL) $(KHTTPD) $(KECHO) $(CHOLD) $(IMPAIR) $(XBENCH) $(XINJECT) \
	$(UNIT_BIN) $(BPFT_BIN)

help:
	@echo "make [all]          build everything into $(BUILD)/"
	@echo "make deps           install missing Debian packages (root)"
	@echo "make check          deps, build, unit, bpf and integration tests"
	@echo "make test-unit      Criterion unit tests (no privileges)"
	@echo "make test-bpf       XDP program tests with bpf_prog_test_run (root)"
	@echo "make test-integration  veth testbed: xtcpd against Linux (root)"
	@echo "make fuzz           libFuzzer: frame parser, TCP state machine, XDP program"
	@echo "                    (root), FUZZ_SECONDS=$(FUZZ_SECONDS) each"
	@echo "make valgrind       the unit suite under valgrind memcheck"
	@echo "make check SAN=1    the same checks, built with ASan+UBSan in build-san/"
	@echo "make memory         memory per idle connection at 0, 10 000 and 100 000,"
	@echo "                    xtcpd against Linux (root; under the testbed lock)"
	@echo "make demo           testbed + xtcpd + Linux clients, explained"
	@echo "make install        xtcpd, xtcpctl, the XDP object, man pages, the systemd"
	@echo "                    unit xtcpd@IF and an example config (PREFIX, DESTDIR)"
	@echo "make bench          xtcp-bench's handshake rates, floods, rr and bulk, and"
	@echo "                    goodput on an impaired link, each against the kernel,"
	@echo "                    and HTTP servers: nginx, xtcp-httpd, nginx behind the proxy"
	@echo "make soak           long fault and attack runs under load, minutes (root;"
	@echo "                    SOAK_ROUNDS, SOAK_CRR_S... in tests/soak/soak.sh)"

deps:
	$(Q)tools/deps.sh

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BUILD)/bpf/xtcp.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xtcp_bpf > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The shared library exports the API of xtcp.h and nothing else: the
# version script names every xt_ function the header declares.
$(SYMMAP): include/xtcp/xtcp.h Makefile
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo 'XTCP_$(SO_MAJOR) {'; echo '  global:'; \
	  grep -o '\bxt_[a-z0-9_]*(' $< | tr -d '(' | sort -u | sed 's/.*/    &;/'; \
	  echo '  local: *;'; echo '};'; } > $@

$(SHLIB): $(LIB_OBJS) $(SYMMAP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(SAN_FLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined \
		-Wl,--version-script=$(SYMMAP) $(LIB_OBJS) \
		$(PKG_LIBS) -lpthread -o $@

$(PCFILE): dist/xtcp.pc.in Makefile
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(XTCP_VERSION)|g' $< > $@

$(XTCPD): $(BUILD)/user/xtcpd/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

$(XTCPCTL): $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS)) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

$(KECHO): tools/kernel_echo.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(KHTTPD): tools/kernel_httpd.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(CHOLD): tools/conn_hold.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# The testbed's impairment tool (tools/impair/main.c says how it works).
$(IMPAIR): $(IMPAIR_SRCS) $(wildcard tools/impair/*.h)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(IMPAIR_SRCS) $(IMPAIR_LIBS) -o $@

$(XB_BUILD)/%.bpf.o: $(XB_DIR)/%.bpf.c $(XB_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(XB_DIR) -c $< -o $@

$(XB_BUILD)/%.skel.h: $(XB_BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xb_$*_bpf > $@

$(XBENCH): $(XB_SRCS) $(XB_SKELS) $(XB_HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(XB_DIR) -I$(XB_BUILD) $(PKG_CFLAGS) $(XB_SRCS) \
		$(PKG_LIBS) -lpthread -o $@

$(XINJECT): $(XI_SRCS) $(wildcard tools/xtcp-inject/*.h) $(USER_HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(XI_SRCS) -o $@

$(UNIT_BIN): $(UNIT_SRCS) $(TEST_LIB_SRCS) $(LIB) $(wildcard tests/lib/*.h)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests $(PKG_CFLAGS) $(UNIT_SRCS) $(TEST_LIB_SRCS) \
		$(LIB) $(PKG_LIBS) -lcriterion -o $@

$(BPFT_BIN): $(BPFT_SRCS) $(TEST_LIB_SRCS) $(LIB) $(SKEL) $(wildcard tests/lib/*.h)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests $(PKG_CFLAGS) $(BPFT_SRCS) $(TEST_LIB_SRCS) \
		$(LIB) $(PKG_LIBS) -lcriterion -o $@

# Each target with the sources it needs, built whole by clang (libFuzzer).
FUZZ_TCP_SRCS := tests/fuzz/tcp_check.c $(wildcard user/tcp/*.c) \
	    user/wire/codec.c user/common/log.c
$(BUILD)/fuzz/fuzz_frame: user/wire/codec.c
$(BUILD)/fuzz/fuzz_tcp: $(FUZZ_TCP_SRCS) tests/fuzz/tcp_check.h
# The XDP program through its skeleton, run by the kernel (root).
$(BUILD)/fuzz/fuzz_xdp: user/wire/codec.c $(SKEL)
$(BUILD)/fuzz/fuzz_xdp: FUZZ_CFLAGS += -I$(BUILD) $(PKG_CFLAGS)
$(BUILD)/fuzz/fuzz_xdp: FUZZ_LIBS = $(shell pkg-config --libs libbpf)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/input.h $(USER_HDRS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(filter %.c,$^) $(FUZZ_LIBS) -o $@

$(BUILD)/bpf:
	$(Q)mkdir -p $@

# --- tests ---------------------------------------------------------------

# The environment every test runs in. With SAN=1 a sanitizer's report
# stops the process with abort(), leaks included (LeakSanitizer checks at
# exit): Criterion's forked workers report their test first and die after,
# which Criterion counts as a warning and fails the run for; xtcpd dies of
# SIGABRT instead of exiting 0. Without SAN=1 these variables do nothing.
TEST_ENV := ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    XTCP_SAN_FLAGS="$(SAN_FLAGS)"

# Criterion's own summary line ("Synthesis: ...") is what CI reads.
test-unit: $(UNIT_BIN)
	$(Q)$(TEST_ENV) $(UNIT_BIN) --jobs=2 $(UNIT_ARGS)

test-bpf: $(BPFT_BIN) $(BPF_OBJS)
	$(Q)$(TEST_ENV) $(BPFT_BIN) --jobs=1

# The scripts take their binaries from $(BUILD), the testbed its XDP_PASS
# object too.
test-integration: $(XTCPD) $(XTCPCTL) $(IMPAIR) $(CHOLD) $(KHTTPD) $(XINJECT) $(BPF_OBJS)
	$(Q)$(TEST_ENV) BUILD=$(abspath $(BUILD)) \
		XTCP_PASS_OBJ=$(abspath $(BUILD))/bpf/pass.bpf.o \
		tests/integration/run.sh

# Memory per idle connection, the long variant of test_memory (about a
# minute): like test-integration, run it under the testbed's lock.
MEMORY_COUNTS ?= 0 10000 100000
memory: $(XTCPD) $(XTCPCTL) $(CHOLD) $(KHTTPD) $(BPF_OBJS)
	$(Q)$(TEST_ENV) BUILD=$(abspath $(BUILD)) \
		XTCP_PASS_OBJ=$(abspath $(BUILD))/bpf/pass.bpf.o \
		tools/mem_per_conn.sh --max-per-conn 2048 $(MEMORY_COUNTS)

# Minutes of load, floods, faults and restarts on one testbed, then
# connections, fds and RSS checked against a baseline; not in make check.
soak: $(XTCPD) $(XTCPCTL) $(XBENCH) $(BPF_OBJS)
	$(Q)$(TEST_ENV) BUILD=$(abspath $(BUILD)) \
		XTCP_PASS_OBJ=$(abspath $(BUILD))/bpf/pass.bpf.o \
		tests/soak/soak.sh

# The unit suite under memcheck. Criterion runs each test in a process of
# its own and takes no notice of how that process exits after its test, so
# every process writes its own log and any line in one fails the run.
# UNIT_ARGS="--filter 'suite/*'" runs some of it.
VALGRIND_LOGS := $(BUILD)/valgrind
valgrind: $(UNIT_BIN)
ifeq ($(SAN),1)
	$(error make valgrind: without SAN=1, memcheck and ASan do not mix)
endif
	$(Q)rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	$(Q)valgrind -q --trace-children=yes --error-exitcode=99 \
		--leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect \
		--log-file=$(VALGRIND_LOGS)/%p.log $(UNIT_BIN) --jobs=2 $(UNIT_ARGS)
	$(Q)n=$$(ls $(VALGRIND_LOGS) | wc -l); \
	bad=$$(find $(VALGRIND_LOGS) -name '*.log' -size +0 | sort); \
	if [ -n "$$bad" ]; then cat $$bad; \
		echo "valgrind: errors or leaks in $$(echo $$bad | wc -w) of $$n processes"; \
		exit 1; fi; \
	echo "valgrind: $$n processes, no error, no leak"

# Each target replays its committed seeds (tests/fuzz/corpus/<target>,
# crashes found earlier among them), then fuzzes for FUZZ_SECONDS, keeping
# what it finds in $(BUILD)/corpus/<target> and any crash in $(BUILD)/fuzz/.
fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do t=$$(basename $$f); \
		mkdir -p $(BUILD)/corpus/$$t; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/ \
			$(BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
			>$(BUILD)/fuzz/$$t.log 2>&1 || \
			{ tail -n 60 $(BUILD)/fuzz/$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|new_units_added)' \
			$(BUILD)/fuzz/$$t.log | sed 's/^/           /'; done

# make check's short pass: 10 s a target, about a minute with their build.
fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

# With SAN=1 the fuzz pass is left out: the fuzz targets are built with
# the sanitizers whatever SAN says, and the plain check ran them.
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory test-unit
	$(Q)$(MAKE) --no-print-directory test-bpf
ifneq ($(SAN),1)
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
endif
	$(Q)$(MAKE) --no-print-directory test-integration

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/bench_handshake.sh
	$(Q)tools/bench_datapath.sh
	$(Q)tools/bench_apps.sh

clean:
	$(Q)rm -rf $(BUILD)

# --- install -----------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=staging] [SYSCONFDIR=/etc]
# xtcpd finds the object at ../lib/xtcp/xtcp.bpf.o from where it is.

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
SBINDIR    := $(PREFIX)/sbin
XTCP_LIBDIR := $(PREFIX)/lib/xtcp
MAN8DIR    := $(PREFIX)/share/man/man8
UNITDIR    ?= $(PREFIX)/lib/systemd/system
EXAMPLEDIR := $(PREFIX)/share/doc/xtcp

INCDIR     := $(PREFIX)/include/xtcp
LIBDIR     := $(PREFIX)/lib
PCDIR      := $(LIBDIR)/pkgconfig

.PHONY: install $(PCFILE)
install: $(XTCPD) $(XTCPCTL) $(BUILD)/bpf/xtcp.bpf.o $(LIB) $(SHLIB) $(PCFILE)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR)
	$(Q)install -m 0644 $(PUB_HDRS) $(DESTDIR)$(INCDIR)/
	$(Q)install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libxtcp.a
	$(Q)install -m 0755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	$(Q)ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libxtcp.so
	$(Q)install -m 0644 $(PCFILE) $(DESTDIR)$(PCDIR)/xtcp.pc
	$(Q)install -D -m 0755 $(XTCPD) $(DESTDIR)$(SBINDIR)/xtcpd
	$(Q)install -D -m 0755 $(XTCPCTL) $(DESTDIR)$(SBINDIR)/xtcpctl
	$(Q)install -D -m 0644 $(BUILD)/bpf/xtcp.bpf.o $(DESTDIR)$(XTCP_LIBDIR)/xtcp.bpf.o
	$(Q)install -D -m 0644 docs/man/xtcpd.8 $(DESTDIR)$(MAN8DIR)/xtcpd.8
	$(Q)install -D -m 0644 docs/man/xtcpctl.8 $(DESTDIR)$(MAN8DIR)/xtcpctl.8
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/xtcpd@.service.in > $(DESTDIR)$(UNITDIR)/xtcpd@.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/xtcpd@.service
	$(Q)install -D -m 0644 dist/xtcpd.conf.example $(DESTDIR)$(EXAMPLEDIR)/xtcpd.conf.example
	$(Q)install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/xtcp
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/xtcp/xtcpd.conf.example ] || \
		install -m 0644 dist/xtcpd.conf.example $(DESTDIR)$(SYSCONFDIR)/xtcp/xtcpd.conf.example
