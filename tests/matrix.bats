#!/usr/bin/env bats
# Every command against every bad input: exit 2, exactly one line on
# stderr in the SPEC format ("mmtool: CMD: ..."), nothing on stdout that
# pretends to be a result, and the target file byte-for-byte as it was.

setup() {
	load test_helper/common-setup
	_common_setup
	F=$T/target
	randfile "$F" 5000
	cp "$F" "$T/target.orig"
	E=$T/empty
	: > "$E"
	D=$T/dir
	mkdir "$D"
	M=$T/missing
	P=$T/bad.patch
	printf '00000000: 4142\n00000010: 41zz\n' > "$P"
	BIG=99999999999999999999
}

# bad CMD ARGS...: the command must fail cleanly and leave $F and $E alone
# ($F as setup made it, kept in $T/target.orig; $E an empty regular file).
bad() {
	local cmd=$1
	run -2 --separate-stderr mmtool "$@"
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "mmtool $*: ${#stderr_lines[@]} lines on stderr:" >&2
		printf '%s\n' "${stderr_lines[@]}" >&2
		return 1
	fi
	[[ "$stderr" == "mmtool: $cmd: "* ]] || { echo "mmtool $*: not in the SPEC format: $stderr" >&2; return 1; }
	cmp -s "$F" "$T/target.orig" || { echo "mmtool $*: changed $F" >&2; return 1; }
	[[ -f $E && ! -s $E ]] || { echo "mmtool $*: changed $E" >&2; return 1; }
}

@test "matrix: a missing file" {
	bad peek "$M"
	bad poke "$M" 0 x
	bad grep x "$M"
	bad flush "$M"
	bad info "$M"
	[ ! -e "$M" ]
}

@test "matrix: a directory where a file is wanted" {
	bad peek "$D"
	bad poke "$D" 0 x
	bad grep x "$D"
	bad poke --patch "$D" "$F"
	bad poke -i "$D" "$F" 0
}

@test "matrix: no permission" {
	unpriv_dir
	randfile "$U/f" 100
	chmod 000 "$U/f"
	local before
	before=$(sum "$U/f")
	for c in "peek $U/f" "poke $U/f 0 x" "grep x $U/f" "flush $U/f"; do
		run -2 --separate-stderr as_nobody mmtool $c
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "mmtool: ${c%% *}: $U/f: Permission denied"* ]]
	done
	chmod 444 "$U/f"
	run -2 --separate-stderr as_nobody mmtool poke "$U/f" 0 x
	assert_equal "$stderr" "mmtool: poke: $U/f: Permission denied"
	[ "$(sum "$U/f")" = "$before" ]
}

@test "matrix: an empty file" {
	bad poke "$E" 0 x
	bad poke "$E" -1 x
	bad peek "$E" 1
}

@test "matrix: an offset past the end" {
	bad peek "$F" 5001
	bad poke "$F" 5000 x
	bad poke "$F" 4999 xy
	bad peek "$F" 0x10000000000
}

@test "matrix: a negative offset before the start" {
	bad peek "$F" -5001
	bad poke "$F" -5001 x
	bad grep --range -5001: x "$F"
	bad flush --range -5001: "$F"
}

@test "matrix: an overflowing number" {
	bad peek "$F" $BIG
	bad peek "$F" 0 $BIG
	bad poke "$F" $BIG x
	bad poke -r $BIG "$F" 0 x
	bad poke --size $BIG "$F"
	bad grep -m $BIG x "$F"
	bad grep -C $BIG x "$F"
	bad grep --range 0:$BIG x "$F"
	bad flush --range 0:$BIG "$F"
	bad peek -c $BIG "$F"
}

@test "matrix: junk after a number" {
	bad peek "$F" 12q
	bad peek "$F" 0 1.5
	bad poke "$F" 12q x
	bad poke -r 2x "$F" 0 x
	bad grep -m 5x x "$F"
	bad grep -C 1z x "$F"
	bad grep --range 1q: x "$F"
	bad flush --range 1q: "$F"
	bad peek -g 2g "$F"
}

@test "matrix: bad hex" {
	bad poke -x "$F" 0 zz
	bad poke -x --expect 4g "$F" 0 41
	bad grep -x zz "$F"
	bad grep -x '41 g?' "$F"
}

@test "matrix: an odd number of hex digits" {
	bad poke -x "$F" 0 414
	bad poke -x "$F" 0 41 4
	bad grep -x 414 "$F"
}

@test "matrix: an unknown format, type or radix" {
	bad peek -f u24 "$F"
	bad peek -f xxdd "$F"
	bad poke -t u24 "$F" 0 1
	bad poke -t f16 "$F" 0 1
	bad grep --radix q x "$F"
	bad peek --color=pink "$F"
}

@test "matrix: a bad range" {
	bad grep --range 10:5 x "$F"
	bad flush --range 10:5 "$F"
	bad grep --range abc x "$F"
	bad flush --range abc "$F"
	bad flush --range 5+-1 "$F"
}

@test "matrix: a bad patch line" {
	bad poke --patch "$P" "$F"
	printf 'garbage\n' | bad poke --patch - "$F"
}

@test "matrix: a bad regex" {
	bad grep -E '(' "$F"
	bad grep -E '[a-' "$F"
	bad grep -E 'a{2,1}' "$F"
}

@test "matrix: an empty pattern" {
	bad grep '' "$F"
	bad grep -x '' "$F"
	bad grep -e '' "$F"
}

@test "matrix: unknown options and missing operands" {
	for c in peek poke grep flush info cmp replace; do
		bad "$c" --no-such-option "$F"
		bad "$c"
	done
}
