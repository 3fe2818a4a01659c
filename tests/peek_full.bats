#!/usr/bin/env bats
# The whole -c/-g grid of every xxd layout against xxd itself.  Slow (tens
# of thousands of runs), so tests/run leaves *_full.bats out unless named;
# `make check-full` runs them.  tests/peek.bats samples the same grid.

setup() {
	load test_helper/common-setup
	_common_setup
	randfile "$T/f" 1000
	head -c 100 /dev/zero >> "$T/f"
}

# Every -c from 1 to 256 with each group in $2..., for xxd's flags $1.
grid() {
	local flags=$1 c g bad=
	shift
	for c in $(seq 1 256); do
		for g in "$@"; do
			[ "$g" = c ] && g=$c
			[ "$g" = c+1 ] && { [ "$c" -lt 256 ] || continue; g=$((c + 1)); }
			mmtool peek $flags -c "$c" -g "$g" -s 3 -l 1050 "$T/f" > "$T/ours"
			xxd $flags -c "$c" -g "$g" -s 3 -l 1050 "$T/f" > "$T/theirs"
			cmp -s "$T/ours" "$T/theirs" || bad+=" -c $c -g $g"
		done
	done
	[ -z "$bad" ] || fail "differs from xxd $flags:$bad"
}

@test "peek full: the xxd format, every -c with -g 0 to 9, c and c+1" {
	grid "" 0 1 2 3 4 5 6 7 8 9 c c+1
}

@test "peek full: -b, every -c with -g 0 to 4, c and c+1" {
	grid "-b" 0 1 2 3 4 c c+1
}

@test "peek full: -e, every -c with every group xxd accepts" {
	local c g bad=
	for c in $(seq 1 256); do
		for g in 0 1 2 4 8 16 32 64 128 256 $((c + 1)); do
			[ "$g" -le 256 ] || continue
			[ "$g" -le "$c" ] || [ "$g" -eq $((c + 1)) ] || [ "$g" -eq 0 ] || continue
			mmtool peek -e -c "$c" -g "$g" -s 1 -l 1050 "$T/f" > "$T/ours"
			xxd -e -c "$c" -g "$g" -s 1 -l 1050 "$T/f" > "$T/theirs"
			cmp -s "$T/ours" "$T/theirs" || bad+=" -c $c -g $g"
		done
	done
	[ -z "$bad" ] || fail "differs from xxd -e:$bad"
}

@test "peek full: -d, -o and -a with every -c" {
	grid "-d -o 99999990 -a" 0 2 c
}
