#!/usr/bin/env bats
# make install / make uninstall into a temporary DESTDIR, where each shell
# and man look; and the version, which is written in one place.

setup() {
	load test_helper/common-setup
	_common_setup
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	# Install the binary under test, and never rebuild it here (-o): the
	# tree may hold other people's unfinished sources.
	BIN=${MMTOOL:-$ROOT/build/release/mmtool}
	DEST=$T/root
}

# make in the repository, whatever the current directory, and without what
# an enclosing make (make check) passes down.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make --no-print-directory -C "$ROOT" -o "$BIN" BIN="$BIN" "$@"
}

# The files and symbolic links under $1, relative to it, sorted.
files_under() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort)
}

installed_local() {
	cat <<-EOF
		usr/local/bin/mmtool
		usr/local/share/bash-completion/completions/mmtool
		usr/local/share/fish/vendor_completions.d/mmtool.fish
		usr/local/share/man/man1/mmtool.1
		usr/local/share/zsh/site-functions/_mmtool
	EOF
}

@test "install: make install puts exactly five files under DESTDIR" {
	cd /
	run mk install DESTDIR="$DEST" PREFIX=/usr/local
	assert_success
	run files_under "$DEST"
	assert_output "$(installed_local)"
}

@test "install: the installed files are the ones in the tree, with their modes" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	local p=$DEST/usr/local
	cmp "$BIN" "$p/bin/mmtool"
	cmp "$ROOT/man/mmtool.1" "$p/share/man/man1/mmtool.1"
	cmp "$ROOT/completions/mmtool.bash" "$p/share/bash-completion/completions/mmtool"
	cmp "$ROOT/completions/_mmtool" "$p/share/zsh/site-functions/_mmtool"
	cmp "$ROOT/completions/mmtool.fish" "$p/share/fish/vendor_completions.d/mmtool.fish"
	assert_equal "$(stat -c %a "$p/bin/mmtool")" 755
	for f in share/man/man1/mmtool.1 share/bash-completion/completions/mmtool \
		share/zsh/site-functions/_mmtool share/fish/vendor_completions.d/mmtool.fish; do
		assert_equal "$(stat -c %a "$p/$f")" 644
	done
}

@test "install: make uninstall removes them all, leaving only directories" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	touch "$DEST/usr/local/bin/other-tool"
	cd /tmp
	run mk uninstall DESTDIR="$DEST" PREFIX=/usr/local
	assert_success
	run files_under "$DEST"
	assert_output "usr/local/bin/other-tool"
}

@test "install: PREFIX and MANPREFIX move the files" {
	mk install DESTDIR="$DEST" PREFIX=/opt/mm MANPREFIX=/usr/share/man
	run files_under "$DEST"
	assert_output "$(printf '%s\n' \
		opt/mm/bin/mmtool \
		opt/mm/share/bash-completion/completions/mmtool \
		opt/mm/share/fish/vendor_completions.d/mmtool.fish \
		opt/mm/share/zsh/site-functions/_mmtool \
		usr/share/man/man1/mmtool.1)"
	mk uninstall DESTDIR="$DEST" PREFIX=/opt/mm MANPREFIX=/usr/share/man
	run files_under "$DEST"
	assert_output ""
}

@test "install: the installed binary runs and prints the version" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	run "$DEST/usr/local/bin/mmtool" --version
	assert_success
	assert_output --regexp '^mmtool [0-9]+\.[0-9]+\.[0-9]+'
}

@test "install: man finds the installed page" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	MANPATH=$DEST/usr/local/share/man run man -w mmtool
	assert_success
	assert_output "$DEST/usr/local/share/man/man1/mmtool.1"
}

@test "install: bash-completion loads the installed file on demand" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	# bash-completion's own loader, searching XDG_DATA_DIRS as it does for
	# /usr/local/share and /usr/share when that is unset.
	run env XDG_DATA_DIRS="$DEST/usr/local/share" bash --norc --noprofile -c '
		. /usr/share/bash-completion/bash_completion
		complete -p mmtool 2>/dev/null && exit 9
		_completion_loader mmtool
		complete -p mmtool'
	assert_success
	assert_output "complete -F _mmtool mmtool"
	run env -u XDG_DATA_DIRS bash --norc --noprofile -c '
		. /usr/share/bash-completion/bash_completion
		declare -f __load_completion'
	assert_output --partial '/usr/local/share:/usr/share'
}

@test "install: zsh's compinit picks up the installed file" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	run zsh -f -c "fpath=('$DEST/usr/local/share/zsh/site-functions' \$fpath)
		autoload -Uz compinit && compinit -u -D && print -r -- \$_comps[mmtool]"
	assert_success
	assert_output "_mmtool"
	# And /usr/local/share/zsh/site-functions is on zsh's default fpath.
	run zsh -f -c 'print -l $fpath'
	assert_line /usr/local/share/zsh/site-functions
}

@test "install: with PREFIX=/usr the zsh completion goes where Debian's zsh looks" {
	mk install DESTDIR="$DEST" PREFIX=/usr
	run files_under "$DEST/usr/share/zsh"
	assert_output "vendor-completions/_mmtool"
	cmp "$ROOT/completions/_mmtool" "$DEST/usr/share/zsh/vendor-completions/_mmtool"
	run zsh -f -c 'print -l $fpath'
	assert_line /usr/share/zsh/vendor-completions
	mk uninstall DESTDIR="$DEST" PREFIX=/usr
	run files_under "$DEST"
	assert_output ""
}

@test "install: ZSHCOMPDIR moves the zsh completion" {
	mk install DESTDIR="$DEST" PREFIX=/usr ZSHCOMPDIR=/opt/zsh/functions
	run files_under "$DEST"
	assert_line opt/zsh/functions/_mmtool
	refute_line --partial share/zsh/
	mk uninstall DESTDIR="$DEST" PREFIX=/usr ZSHCOMPDIR=/opt/zsh/functions
	run files_under "$DEST"
	assert_output ""
}

@test "install: the binary needs popt and PCRE2 as shared libraries, and not libmagic" {
	run -0 readelf -d "$BIN"
	assert_line --regexp '\(NEEDED\) +Shared library: \[libpopt\.so\.0\]$'
	assert_line --regexp '\(NEEDED\) +Shared library: \[libpcre2-8\.so\.0\]$'
	refute_line --partial libmagic
}

@test "install: warnings are errors in make check and check-sanitize, not in a plain make" {
	run -0 mk -s --eval 'show-warn: ; @echo $(WARN)' show-warn
	assert_output --regexp '(^| )-Wall -Wextra( |$)'
	refute_output --partial -Werror
	# The sub-makes, echoed, not run: check builds what it tests with
	# -Werror, and check-sanitize and check-full are make check.
	run -0 mk -n check MAKE=echo
	assert_line --regexp '(^| )WERROR=-Werror( |$)'
	local target
	for target in check-sanitize check-full; do
		run -0 mk -n "$target" MAKE=echo
		assert_line --regexp '^(SANITIZE=1 )?check$'
	done
}

@test "install: fish loads the installed file from XDG_DATA_DIRS" {
	mk install DESTDIR="$DEST" PREFIX=/usr/local
	# fish autoloads completions only for a command it can find.
	PATH=$DEST/usr/local/bin:$PATH XDG_DATA_DIRS=$DEST/usr/local/share \
		run fish -c 'complete -C "mmtool pe"'
	assert_success
	assert_output --regexp $'^peek\t'
}

@test "version: --version and -V print the version written in src/version.h" {
	local v
	v=$(sed -n 's/^#define MM_VERSION "\(.*\)"$/\1/p' "$ROOT/src/version.h")
	[[ -n $v ]]
	run mmtool --version
	assert_success
	assert_output "mmtool $v"
	run mmtool -V
	assert_output "mmtool $v"
}

@test "version: the version is written in no other file" {
	local v
	v=$(sed -n 's/^#define MM_VERSION "\(.*\)"$/\1/p' "$ROOT/src/version.h")
	run grep -rlF --exclude-dir=.git --exclude-dir=build --exclude-dir=tests \
		-e "\"$v\"" -e "mmtool $v" "$ROOT/src" "$ROOT/man" "$ROOT/completions" "$ROOT/Makefile"
	assert_output "$ROOT/src/version.h"
	run grep -rn 'MM_VERSION' "$ROOT/src"
	# Defined once; used by main.c only.
	assert_equal "$(grep -c '#define MM_VERSION' <<<"$output")" 1
}
