# mmtool: look inside a file, patch it in place, find bytes in it.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANPREFIX  ?= $(PREFIX)/share/man
DATAROOT   ?= $(PREFIX)/share
# Debian's zsh reads packaged completions from vendor-completions, and a
# local install's from site-functions; both are on its default fpath.
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(DATAROOT)/zsh/vendor-completions,$(DATAROOT)/zsh/site-functions)
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS        = popt libmagic libpcre2-8

CFLAGS     ?= -O2 -g
# Warnings are always on; they are errors only where we build to check
# (make check, make check-sanitize, .ci/run), never in a packager's build.
WERROR     ?=
WARN        = -Wall -Wextra -Wshadow -Wvla -Wformat=2 $(WERROR)
CPPFLAGS   += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
# libmagic is not linked: info alone opens it with dlopen() (src/magic.c).
LINK_PKGS   = popt libpcre2-8
LDLIBS     += $(shell $(PKG_CONFIG) --libs $(LINK_PKGS)) -ldl -lpthread
PKGCFLAGS   = $(shell $(PKG_CONFIG) --cflags $(PKGS))

ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
BUILD      ?= build/sanitize
CHECK_BUILD = build/check-sanitize
else
BUILD      ?= build/release
CHECK_BUILD = build/check
endif

SRCS       := $(wildcard src/*.c)
OBJS       := $(SRCS:src/%.c=$(BUILD)/%.o)
BIN        := $(BUILD)/mmtool

DEPS_APT    = build-essential pkg-config clang libpopt-dev libmagic-dev libpcre2-dev \
              bats bats-assert bats-support xxd bsdextrautils util-linux file python3 \
              strace mandoc groff-base zsh fish bash-completion ripgrep hyperfine \
              valgrind gzip manpages-dev man-db bbe parallel vmtouch e2fsprogs

.PHONY: all deps check check-full check-sanitize bench valgrind fuzz install uninstall clean

all: mmtool

mmtool: $(BIN)
	ln -sf $(BIN) $@

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) Makefile
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) $(PKGCFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEPS_APT)

# Every bats test, against a build of its own in which warnings are
# errors, compiled one job per CPU; the last line counts what passed and
# failed.
check:
	$(MAKE) -j$$(nproc) BUILD=$(CHECK_BUILD) WERROR=-Werror $(CHECK_BUILD)/mmtool
	MMTOOL=$(abspath $(CHECK_BUILD)/mmtool) tests/run

# The same suite with the exhaustive versions of the sampled tests (every
# -c/-g pair, hundreds of concurrent increments) and tests/*_full.bats;
# tests/run and tests/*.bats read MMTOOL_FULL, mmtool does not.
check-full:
	MMTOOL_FULL=1 $(MAKE) check

# ASan and UBSan stop at the first report; any report fails the suite.
check-sanitize:
	ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(MAKE) SANITIZE=1 check

bench: $(BIN)
	MMTOOL=$(abspath $(BIN)) bench/run

valgrind: $(BIN)
	MMTOOL=$(abspath $(BIN)) tests/valgrind.sh

fuzz:
	tests/fuzz/run $(FUZZ_SECONDS)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(DATAROOT)/bash-completion/completions \
	    $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(DATAROOT)/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/mmtool
	install -m 644 man/mmtool.1 $(DESTDIR)$(MANPREFIX)/man1/mmtool.1
	install -m 644 completions/mmtool.bash $(DESTDIR)$(DATAROOT)/bash-completion/completions/mmtool
	install -m 644 completions/_mmtool $(DESTDIR)$(ZSHCOMPDIR)/_mmtool
	install -m 644 completions/mmtool.fish $(DESTDIR)$(DATAROOT)/fish/vendor_completions.d/mmtool.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mmtool $(DESTDIR)$(MANPREFIX)/man1/mmtool.1 \
	    $(DESTDIR)$(DATAROOT)/bash-completion/completions/mmtool \
	    $(DESTDIR)$(ZSHCOMPDIR)/_mmtool \
	    $(DESTDIR)$(DATAROOT)/fish/vendor_completions.d/mmtool.fish

clean:
	rm -rf build mmtool
