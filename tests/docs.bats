#!/usr/bin/env bats
# The man page: it lints clean, has what a user looks for, and lists exactly
# the options each command's --help lists, as do the three completion files
# (one source of truth: the popt tables behind --help).

setup() {
	load test_helper/common-setup
	_common_setup
	load test_helper/complete
	MAN=$BATS_TEST_DIRNAME/../man/mmtool.1
	cd "$T"
}

# The options every command gets from popt's POPT_AUTOHELP.
COMMON_OPTS=$'--help\n--usage\n-?'

# Every completion one_source needs, from one process per shell for the
# whole file (a zsh on a pseudo-terminal costs seconds to start): what bash,
# zsh and fish offer after "mmtool CMD -" and bash after "mmtool CMD --",
# for each CMD ("global" for none), and after "mmtool ", one file each in
# $BATS_FILE_TMPDIR/driven, named SHELL.CMD.- or SHELL.commands.
setup_file() {
	load test_helper/complete
	local d=$BATS_FILE_TMPDIR/driven k w lines=() dashes=() names=()
	# An empty folder: "mmtool " is to offer the commands and no file.
	mkdir -p "$d/cwd"
	for k in global peek poke grep flush info cmp replace; do
		w="mmtool "
		[[ $k == global ]] || w+="$k "
		lines+=("$w-")
		dashes+=("$w--")
		names+=("$k.-")
	done
	(
		cd "$d/cwd" || exit
		complete_bash_many alone "${lines[@]}" "${dashes[@]}" "mmtool " |
			split_offers "$d/bash." "${names[@]}" "${names[@]/%-/--}" commands
		complete_zsh_many "" "${lines[@]}" "mmtool " |
			split_offers "$d/zsh." "${names[@]}" commands
		complete_fish_many "${lines[@]}" "mmtool " |
			split_offers "$d/fish." "${names[@]}" commands
	)
}

# Split a *_many driver's output on stdin at each $OFFERS_END line into the
# files PREFIX+NAME, one for each NAME in order (empty when nothing came).
split_offers() {
	local prefix=$1
	shift
	awk -v end="$OFFERS_END" -v prefix="$prefix" '
		BEGIN {
			for (i = 2; i < ARGC; i++) {
				name[i - 1] = prefix ARGV[i]
				printf "" > name[i - 1]
			}
			ARGC = 1
			i = 1
		}
		$0 == end { i++; next }
		i in name { print > name[i] }
	' - "$@"
}

# What SHELL offered for the file's key KEY (as setup_file names them),
# sorted as complete_SHELL sorts (zsh's without repeats), in the variable
# named $3.
driven() {
	local -n into=$3
	local unique=
	[[ $1 != zsh ]] || unique=-u
	into=$(LC_ALL=C sort $unique "$BATS_FILE_TMPDIR/driven/$1.$2")
}

# Fail, listing the differences, unless the sets $2 and $3 (one item a
# line; empty lines and repeats do not count) are equal; $1 names them:
# "peek: man page".  One awk, no subshell.
same_set() {
	WANT=$2 GOT=$3 LC_ALL=C awk -v what="$1" '
		function add(text, set,   n, a, i) {
			n = split(text, a, "\n")
			for (i = 1; i <= n; i++)
				if (a[i] != "")
					set[a[i]] = 1
		}
		# The members of x that are not in y, sorted, each after a blank.
		function only(x, y,   k, n, a, i, j, t, out) {
			n = 0
			for (k in x)
				if (!(k in y))
					a[++n] = k
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			for (i = 1; i <= n; i++)
				out = out " " a[i]
			return out
		}
		BEGIN {
			add(ENVIRON["WANT"], want)
			add(ENVIRON["GOT"], got)
			missing = only(want, got)
			extra = only(got, want)
			if (missing == "" && extra == "")
				exit 0
			print what ": missing:" missing "; not in --help:" extra
			exit 1
		}'
}

union() { printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort -u; }

# Compare the options of command $1 ("" for the global ones) in --help, the
# man page (its option list and its SYNOPSIS) and the completions of bash,
# zsh and fish (from setup_file).  Lists are joined with newlines, not
# sorted: same_set compares them as sets.
one_source() {
	local cmd=$1 key=${1:-global} opts want got syn bad=0 zq=$'\n-\\?\n'
	local -a longs

	if [[ -n $cmd ]]; then
		run mmtool "$cmd" --help
	else
		run mmtool --help
	fi
	assert_success
	opts=$(help_opts <<<"$output")
	[[ -n $opts ]] || fail "no options found in 'mmtool $cmd --help'"

	if [[ -n $cmd ]]; then
		# -h is --help in every command but grep (the man page says it once).
		want=$opts
		[[ $cmd == grep ]] || want+=$'\n-?'
		got=$(man_opts "$cmd")$'\n'$COMMON_OPTS
		[[ $cmd == grep ]] || got+=$'\n-h'
	else
		# The global options, then those every command has.
		got=$(man_opts "")
		want=$opts$'\n'$COMMON_OPTS
	fi
	same_set "${cmd:-global}: man page" "$want" "$got" || bad=1
	syn=$'\n'$(help_synopsis_opts <<<"$output")$'\n'
	[[ $cmd == @(|grep) ]] || syn=${syn//$'\n-h\n'/$'\n'}
	same_set "${cmd:-global}: man page SYNOPSIS" "$syn" "$(synopsis_opts "$cmd")" || bad=1
	[[ -n $cmd ]] || want=$opts

	# bash leaves out "-?": it is a glob character on a command line.
	driven bash "$key.-" got
	[[ -n $cmd ]] && got+=$'\n-?'
	same_set "${cmd:-global}: bash" "$want" "$got" || bad=1
	driven zsh "$key.-" got
	got=$'\n'$got$'\n'
	got=${got//"$zq"/$'\n-?\n'}
	same_set "${cmd:-global}: zsh" "$want" "$got" || bad=1
	driven fish "$key.-" got
	same_set "${cmd:-global}: fish" "$want" "$got" || bad=1

	# And the long options alone, which is how most people type them.
	mapfile -t longs <<<"$want"
	driven bash "$key.--" got
	same_set "${cmd:-global}: bash --" "$(printf '%s\n' "${longs[@]/#-[^-]*/}")" "$got" || bad=1
	return $bad
}

@test "docs: mandoc -T lint finds nothing in the man page" {
	run mandoc -T lint "$MAN"
	# mandoc notes that a page it found on disk is missing from a
	# mandoc.db that Debian does not build; that is about this machine,
	# not about our page.
	local lint
	lint=$(grep -v -e '^mandoc: outdated mandoc.db lacks .* entry, run makewhatis ' <<<"$output" || true)
	assert_equal "$lint" ""
	assert_success
}

@test "docs: groff -man -ww -z warns about nothing" {
	run --separate-stderr groff -man -ww -z "$MAN"
	assert_success
	assert_equal "$stderr" ""
	assert_output ""
}

@test "docs: man renders the page without warnings" {
	MANWIDTH=80 run --separate-stderr man -l "$MAN"
	assert_success
	assert_equal "$stderr" ""
	assert_line --partial "mmtool peek [-abdeipuv]"
}

@test "docs: the man page header names the page and its section, 1" {
	run -0 grep -x '\.Dt [A-Z]* [0-9]' "$MAN"
	assert_output ".Dt MMTOOL 1"
	run -0 bash -c "MANWIDTH=80 man -l '$MAN' 2>/dev/null | head -n 1"
	assert_output --regexp '^MMTOOL\(1\) +.*General Commands Manual +MMTOOL\(1\)$'
}

@test "docs: every quotation in the man page closes before the next one opens" {
	run -0 bash -c "mandoc -T ascii -O width=300 '$MAN' | col -bx"
	refute_output --regexp "\`[^']*\`"
	assert_output --partial "(\`inf', \`-nan', \`0x1p-3')"
}

@test "docs: the man page has every section a user looks for" {
	local s
	for s in NAME SYNOPSIS DESCRIPTION "NUMBERS AND RANGES" ENVIRONMENT \
		"EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx ".Sh $s" "$MAN" || fail "no section $s"
	done
}

@test "docs: the man page documents every command, in SYNOPSIS and DESCRIPTION" {
	local cmds c
	run mmtool --help
	assert_success
	cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' <<<"$output")
	assert_equal "$(wc -w <<<"$cmds")" 7
	for c in $cmds; do
		sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$MAN" | grep -qx ".Cm $c" ||
			fail "$c is not in SYNOPSIS"
		sed -n '/^\.Sh DESCRIPTION/,/^\.Sh /p' "$MAN" | grep -qx ".Ss $c" ||
			fail "$c has no subsection in DESCRIPTION"
	done
}

@test "docs: EXAMPLES has at least two examples for each command" {
	local c n
	for c in peek poke grep flush info cmp replace; do
		n=$(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN" |
			sed -n "/^\.Ss $c\$/,/^\.S[sh] /p" | grep -c "mmtool $c ")
		((n >= 2)) || fail "EXAMPLES shows $c $n times"
	done
	# A pipeline into another tool, and the CI use: poke --expect, then check.
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN" | grep -q 'mmtool peek .* | sha256sum'
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN" | grep -q 'mmtool poke --expect'
}

@test "docs: SEE ALSO names xxd, hexdump, dd, grep, flock, sync, file and mmap" {
	local see x
	see=$(sed -n '/^\.Sh SEE ALSO/,/^\.Sh /p' "$MAN")
	for x in "xxd 1" "hexdump 1" "dd 1" "grep 1" "flock 1" "sync 1" "file 1" "mmap 2"; do
		grep -q "^\.Xr $x" <<<"$see" || fail "SEE ALSO lacks $x"
	done
}

@test "docs: the man page states the exit statuses, NO_COLOR and the number syntax" {
	local text
	text=$(mandoc -T ascii -O width=300 "$MAN" | col -bx)
	grep -q '^ *NO_COLOR ' <<<"$text"
	for x in 0x 0o 0b KiB MiB GiB TiB kB MB GB TB "010.? is ten"; do
		grep -qE -- "$x" <<<"$text" || fail "no '$x' in the man page"
	done
	sed -n '/^EXIT STATUS/,/^EXAMPLES/p' <<<"$text" | grep -qE '^ +1 +A well-formed'
	sed -n '/^EXIT STATUS/,/^EXAMPLES/p' <<<"$text" | grep -qE '^ +2 +An error'
}

@test "docs: every long option the man page mentions exists in some --help" {
	local all= c mentioned
	run mmtool --help
	assert_success
	all=$(help_opts <<<"$output")
	for c in peek poke grep flush info cmp replace; do
		run mmtool "$c" --help
		assert_success
		all=$(union "$all" "$(help_opts <<<"$output")")
	done
	mentioned=$(mandoc -T ascii -O width=300 "$MAN" | col -bx |
		grep -oE -- '(^|[^a-z0-9-])--[a-z0-9][a-z0-9-]*' | sed 's/^[^-]*//' | LC_ALL=C sort -u)
	run comm -13 <(printf '%s\n' "$all") <(printf '%s\n' "$mentioned")
	assert_output ""
}

@test "one source of truth: the global options" {
	one_source ""
}

@test "one source of truth: peek" {
	one_source peek
}

@test "one source of truth: poke" {
	one_source poke
}

@test "one source of truth: grep" {
	one_source grep
}

@test "one source of truth: flush" {
	one_source flush
}

@test "one source of truth: info" {
	one_source info
}

@test "one source of truth: cmp" {
	one_source cmp
}

@test "one source of truth: replace" {
	one_source replace
}

@test "one source of truth: the commands" {
	local cmds
	run mmtool --help
	assert_success
	cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' <<<"$output" | LC_ALL=C sort)
	cmds=$(union "$cmds" help)
	local got shell
	for shell in bash zsh fish; do
		driven $shell commands got
		assert_equal "$got" "$cmds"
	done
}
