# mmtool: look inside a file, patch it in place, find bytes in it.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANPREFIX  ?= $(PREFIX)/share/man
DATAROOT   ?= $(PREFIX)/share
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS        = popt libmagic libpcre2-8

CFLAGS     ?= -O2 -g
WARN        = -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2
CPPFLAGS   += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
# popt and PCRE2 are linked statically: loading two more shared libraries
# costs more at start-up than peek's whole run on 16 bytes (bench/RESULTS.md).
# libmagic is opened with dlopen() by info alone (src/magic.c).
STATIC_PKGS = popt libpcre2-8
LDLIBS     += -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs --static $(STATIC_PKGS)) \
              -Wl,-Bdynamic -ldl -lpthread
PKGCFLAGS   = $(shell $(PKG_CONFIG) --cflags $(PKGS))

ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
BUILD      ?= build/sanitize
else
BUILD      ?= build/release
endif

SRCS       := $(wildcard src/*.c)
OBJS       := $(SRCS:src/%.c=$(BUILD)/%.o)
BIN        := $(BUILD)/mmtool

DEPS_APT    = build-essential pkg-config clang libpopt-dev libmagic-dev libpcre2-dev \
              bats bats-assert bats-support xxd bsdextrautils util-linux file python3 \
              strace mandoc groff-base zsh fish bash-completion ripgrep hyperfine \
              valgrind gzip manpages-dev man-db vmtouch e2fsprogs

.PHONY: all deps check check-sanitize bench valgrind fuzz install uninstall clean

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

# Every bats test; the last line counts what passed and failed.
check: $(BIN)
	MMTOOL=$(abspath $(BIN)) tests/run

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
	    $(DESTDIR)$(DATAROOT)/zsh/site-functions \
	    $(DESTDIR)$(DATAROOT)/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/mmtool
	install -m 644 man/mmtool.1 $(DESTDIR)$(MANPREFIX)/man1/mmtool.1
	install -m 644 completions/mmtool.bash $(DESTDIR)$(DATAROOT)/bash-completion/completions/mmtool
	install -m 644 completions/_mmtool $(DESTDIR)$(DATAROOT)/zsh/site-functions/_mmtool
	install -m 644 completions/mmtool.fish $(DESTDIR)$(DATAROOT)/fish/vendor_completions.d/mmtool.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mmtool $(DESTDIR)$(MANPREFIX)/man1/mmtool.1 \
	    $(DESTDIR)$(DATAROOT)/bash-completion/completions/mmtool \
	    $(DESTDIR)$(DATAROOT)/zsh/site-functions/_mmtool \
	    $(DESTDIR)$(DATAROOT)/fish/vendor_completions.d/mmtool.fish

clean:
	rm -rf build mmtool
