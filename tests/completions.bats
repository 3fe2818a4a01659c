#!/usr/bin/env bats
# The completions of bash (alone and under bash-completion), zsh and fish,
# each driven for real: bash through `complete -p` and the function with
# COMP_WORDS/COMP_CWORD, zsh on a pseudo-terminal (zpty), fish through
# `complete -C`.  Which options exist is checked in docs.bats.

setup() {
	load test_helper/common-setup
	_common_setup
	load test_helper/complete
	# A directory of its own: bats keeps its files in $T.
	mkdir "$T/w"
	cd "$T/w"
}

TYPES=$(for t in u8 i8 u16 i16 u32 i32 u64 i64 f32 f64; do
	printf '%s\n' "$t" "${t}le" "${t}be"; done | LC_ALL=C sort)
FORMATS=$(printf '%s\n' xxd bits canonical hex raw c string "$TYPES" | LC_ALL=C sort)

# What SHELL offers for each LINE, in the same shape: one a line, sorted,
# without the "/" fish puts after a directory, the "\" zsh puts before a
# blank, or the "--opt=" fish repeats before a value; each line's list
# is written to $T/offers.SHELL.N (N from 0).
offers_each() {
	local shell=$1
	shift
	{
		case $shell in
		bash) complete_bash_many alone "$@" ;;
		bash-completion) complete_bash_many bash-completion "$@" ;;
		zsh) complete_zsh_many "" "$@" | sed 's/\\\(.\)/\1/g' ;;
		fish) complete_fish_many "$@" ;;
		esac
		# A driver cut short leaves the rest of the lines without an end.
		printf '%s\n' "$OFFERS_END"
	} | split_offers "$shell" "$@"
}

# The body of offers_each, in one awk: stdin cut at each $OFFERS_END line,
# the i-th piece (for the i-th of LINES) cleaned and sorted into
# $T/offers.SHELL.i.  A line ending in "--opt=...", for fish, drops the
# "--opt=" fish repeats before each value.
split_offers() {
	local shell=$1
	shift
	LC_ALL=C awk -v end="$OFFERS_END" -v out="$T/offers.$shell." -v shell="$shell" '
		BEGIN {
			for (i = 1; i < ARGC; i++)
				line[i - 1] = ARGV[i]
			nlines = ARGC - 1
			ARGC = 1
			i = 0
			n = 0
		}
		function flush(   pre, w, k, j, t, f) {
			pre = ""
			w = line[i]
			sub(/.* /, "", w)
			if (shell == "fish" && w ~ /^--.*=/)
				pre = substr(w, 1, index(w, "="))
			for (k = 1; k <= n; k++) {
				if (pre != "" && substr(a[k], 1, length(pre)) == pre)
					a[k] = substr(a[k], length(pre) + 1)
				sub(/\/$/, "", a[k])
			}
			for (k = 2; k <= n; k++)
				for (j = k; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			f = out i
			printf "" > f
			for (k = 1; k <= n; k++)
				if (a[k] != "" && (k == 1 || a[k] != a[k - 1]))
					print a[k] > f
			close(f)
			n = 0
		}
		$0 != end { a[++n] = $0; next }
		i < nlines { flush(); i++ }
	' "$@"
}

# What SHELL offers for LINE, as offers_each gives it.
offers() {
	offers_each "$2" "$1"
	cat "$T/offers.$2.0"
}

# expect_offers LINE WORD...: every shell is to offer exactly these words
# after LINE (none: nothing at all).  check_offers asks each shell once
# for every line expected since the last check, the four shells at once,
# and fails with every difference.  assert_offers does both for one line.
OFFER_LINES=() OFFER_WANTS=()
expect_offers() {
	OFFER_LINES+=("$1")
	shift
	OFFER_WANTS+=("$(printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort -u)")
}

check_offers() {
	local shell i got want bad=
	for shell in bash bash-completion zsh fish; do
		offers_each $shell "${OFFER_LINES[@]}" &
	done
	wait
	for shell in bash bash-completion zsh fish; do
		for i in "${!OFFER_LINES[@]}"; do
			got="(no answer)"
			[[ ! -e $T/offers.$shell.$i ]] || IFS= read -r -d '' got <"$T/offers.$shell.$i" || true
			got=${got%$'\n'}
			want=${OFFER_WANTS[i]}
			[[ $got == "$want" ]] ||
				bad+=$'\n'"$shell offers for '${OFFER_LINES[i]}': ${got//$'\n'/ } (want: ${want//$'\n'/ })"
		done
	done
	OFFER_LINES=() OFFER_WANTS=()
	[[ -z $bad ]] || fail "${bad#$'\n'}"
}

assert_offers() {
	expect_offers "$@"
	check_offers
}

@test "completions: bash registers its function for mmtool" {
	run bash --norc --noprofile -c ". '$COMPLETIONS/mmtool.bash' && complete -p mmtool"
	assert_success
	assert_output "complete -F _mmtool mmtool"
}

@test "completions: bash needs nothing from bash-completion" {
	run --separate-stderr bash --norc --noprofile -c "
		. '$COMPLETIONS/mmtool.bash'
		declare -F _init_completion _filedir _get_comp_words_by_ref && exit 9
		touch f.bin
		COMP_WORDS=(mmtool peek -f u32b); COMP_CWORD=3
		_mmtool mmtool u32b -f; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(mmtool peek ''); COMP_CWORD=2
		_mmtool mmtool '' peek; echo \"\${COMPREPLY[*]}\""
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${lines[0]}" "u32be"
	assert_equal "${lines[1]}" "f.bin"
}

@test "completions: the three files parse in their shells" {
	bash -n "$COMPLETIONS/mmtool.bash"
	zsh -n "$COMPLETIONS/_mmtool"
	fish -n "$COMPLETIONS/mmtool.fish"
	head -n 1 "$COMPLETIONS/_mmtool" | grep -qx '#compdef mmtool'
}

@test "completions: fish completes 'mmtool peek --fo' to --format" {
	# fish with its usual configuration; our directory first on its path,
	# and a stand-in mmtool on PATH (fish completes only known commands).
	mkdir bin
	ln -s /bin/true bin/mmtool
	PATH=$PWD/bin:$PATH run fish -c \
		"set -p fish_complete_path '$COMPLETIONS'; complete -C 'mmtool peek --fo'"
	assert_success
	assert_output --regexp $'^--format\t'
}

@test "completions: a long option completes from its prefix in every shell" {
	expect_offers "mmtool peek --fo" --format
	expect_offers "mmtool grep --ignore-c" --ignore-case
	check_offers
}

@test "completions: the global options, before a command" {
	assert_offers "mmtool --" --help --version
}

@test "completions: peek --format offers every format and every type" {
	expect_offers "mmtool peek --format " "$FORMATS"
	expect_offers "mmtool peek -f u3" u32 u32le u32be
	check_offers
}

# The commands mmtool --help lists, and help, one a line, sorted as zsh
# lists them.
commands_in_help() {
	{ mmtool --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }'
	  echo help; } | LC_ALL=C sort
}

@test "completions: zsh offers every format and command when a format zstyle is set" {
	local style
	for style in "zstyle ':completion:*' format '%d'" \
		"zstyle ':completion:*:descriptions' format '%B%d%b'" \
		"zstyle ':completion:*' group-name ''; zstyle ':completion:*' format '-- %d --'"; do
		run --separate-stderr complete_zsh "mmtool peek -f " "$style"
		assert_success
		assert_equal "$stderr" ""
		assert_output "$FORMATS"
		run --separate-stderr complete_zsh "mmtool " "$style"
		assert_success
		assert_equal "$stderr" ""
		assert_output "$(commands_in_help)"
	done
}

@test "completions: a value after '=' is completed" {
	expect_offers "mmtool peek --format=u6" u64 u64le u64be
	expect_offers "mmtool peek --color=" auto always never
	expect_offers "mmtool peek --color=al" always
	check_offers
}

@test "completions: bash keeps the '--opt=' when '=' is not a word break" {
	run bash --norc --noprofile -c "
		. '$COMPLETIONS/mmtool.bash'
		COMP_WORDBREAKS=\${COMP_WORDBREAKS//=}
		COMP_WORDS=(mmtool peek --color=al); COMP_CWORD=2
		COMP_LINE='mmtool peek --color=al'; COMP_POINT=\${#COMP_LINE}
		_mmtool mmtool --color=al peek; echo \"\${COMPREPLY[*]}\""
	assert_success
	assert_output "--color=always"
}

@test "completions: poke --type offers every type" {
	expect_offers "mmtool poke --type " "$TYPES"
	expect_offers "mmtool poke -t f" f32 f32le f32be f64 f64le f64be
	check_offers
}

@test "completions: grep --radix offers d, x and o" {
	assert_offers "mmtool grep --radix " d x o
}

@test "completions: peek --color takes its value only after '='" {
	touch a.bin
	expect_offers "mmtool peek --color=" auto always never
	expect_offers "mmtool peek --color " a.bin
	check_offers
}

@test "completions: every --format value offered is one peek accepts" {
	printf '0123456789abcdef' >f.bin
	for v in $(offers "mmtool peek --format " bash); do
		run mmtool peek -f "$v" f.bin 0 8
		assert_success
	done
}

@test "completions: every --color value offered is one peek accepts" {
	printf 'abc' >f.bin
	for v in $(offers "mmtool peek --color=" bash); do
		run mmtool peek --color="$v" f.bin
		assert_success
	done
}

@test "completions: every --type value offered is one poke accepts" {
	head -c 8 /dev/zero >f.bin
	for v in $(offers "mmtool poke --type " bash); do
		run mmtool poke -t "$v" f.bin 0 1
		assert_success
	done
}

@test "completions: every --radix value offered is one grep accepts" {
	printf 'xxAxx' >f.bin
	for v in $(offers "mmtool grep --radix " bash); do
		run mmtool grep --radix "$v" A f.bin
		assert_success
	done
}

@test "completions: peek offers file names for FILE, nothing for OFFSET and LENGTH" {
	touch a.bin b.bin
	mkdir sub
	expect_offers "mmtool peek " a.bin b.bin sub
	expect_offers "mmtool peek a.bin "
	expect_offers "mmtool peek a.bin 0 "
	expect_offers "mmtool peek -f xxd -c 8 " a.bin b.bin sub
	expect_offers "mmtool peek -uc 8 a" a.bin
	check_offers
}

@test "completions: a negative OFFSET is an operand, not an option" {
	touch a.bin
	expect_offers "mmtool peek a.bin -16 "
	expect_offers "mmtool poke a.bin -16 "
	check_offers
}

@test "completions: a value with no fixed set offers nothing" {
	touch a.bin
	expect_offers "mmtool peek --cols "
	expect_offers "mmtool poke --expect "
	expect_offers "mmtool grep -m "
	expect_offers "mmtool flush --range "
	check_offers
}

@test "completions: poke offers file names for FILE, --input, --undo and --patch" {
	touch a.bin
	expect_offers "mmtool poke " a.bin
	expect_offers "mmtool poke a.bin 0 "
	expect_offers "mmtool poke -i " a.bin
	expect_offers "mmtool poke --input=" a.bin
	expect_offers "mmtool poke --undo " a.bin
	expect_offers "mmtool poke --patch=" a.bin
	expect_offers "mmtool poke --patch p.xxd " a.bin
	check_offers
}

@test "completions: grep offers nothing for PATTERN, then file names" {
	touch a.bin
	expect_offers "mmtool grep "
	expect_offers "mmtool grep -x dead " a.bin
	expect_offers "mmtool grep -c PK " a.bin
	expect_offers "mmtool grep --range 0:16 PK " a.bin
	check_offers
}

@test "completions: grep -e takes the PATTERN, so every operand is a file" {
	touch a.bin
	expect_offers "mmtool grep -e PK " a.bin
	expect_offers "mmtool grep --regexp=PK " a.bin
	expect_offers "mmtool grep -ce PK " a.bin
	check_offers
}

@test "completions: flush and info offer file names for every operand" {
	touch a.bin b.bin
	expect_offers "mmtool flush " a.bin b.bin
	expect_offers "mmtool flush a.bin --data " a.bin b.bin
	expect_offers "mmtool info a.bin " a.bin b.bin
	expect_offers "mmtool info --json a" a.bin
	check_offers
}

@test "completions: cmp offers files for both operands, replace after PATTERN and REPLACEMENT" {
	touch a.bin b.bin
	expect_offers "mmtool cmp " a.bin b.bin
	expect_offers "mmtool cmp a.bin " a.bin b.bin
	expect_offers "mmtool cmp --radix " d x o
	expect_offers "mmtool replace old "
	expect_offers "mmtool replace old new " a.bin b.bin
	expect_offers "mmtool replace --pad 0 old new a" a.bin
	check_offers
}

@test "completions: help offers the commands" {
	expect_offers "mmtool help " peek poke grep flush info cmp replace
	expect_offers "mmtool help p" peek poke
	expect_offers "mmtool help peek "
	check_offers
}

@test "completions: after --, a word that starts with - is an operand" {
	touch ./-x.bin
	assert_offers "mmtool info -- -" -x.bin
}
