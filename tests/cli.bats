#!/usr/bin/env bats
# The front end: commands, help, version, usage errors, and the number syntax.

setup() {
	load test_helper/common-setup
	_common_setup
}

@test "cli: --help lists every command and exits 0" {
	run -0 mmtool --help
	for c in peek poke grep flush info cmp replace; do
		assert_output --partial "  $c "
	done
}

@test "cli: help with no command is --help" {
	run -0 mmtool --help
	local want=$output
	run -0 mmtool help
	assert_output "$want"
}

@test "cli: 'help CMD' prints the same as 'CMD --help'" {
	for c in peek poke grep flush info cmp replace; do
		run -0 mmtool "$c" --help
		local want=$output
		run -0 mmtool help "$c"
		assert_output "$want"
		assert_output --partial "mmtool $c"
	done
}

@test "cli: every command has --usage" {
	for c in peek poke grep flush info cmp replace; do
		run -0 mmtool "$c" --usage
		assert_output --partial "Usage: mmtool $c"
	done
}

@test "cli: --version prints the version from src/version.h" {
	want=$(sed -n 's/^#define MM_VERSION "\(.*\)"/\1/p' "$BATS_TEST_DIRNAME/../src/version.h")
	run -0 mmtool --version
	assert_output "mmtool $want"
	run -0 mmtool -V
	assert_output "mmtool $want"
}

@test "cli: no command is a usage error" {
	run -2 --separate-stderr mmtool
	assert_equal "$output" ""
	[[ "$stderr" == *"Usage: mmtool"* ]]
}

@test "cli: an unknown command is a usage error that lists the commands" {
	run -2 --separate-stderr mmtool frob
	assert_equal "$stderr" "mmtool: unknown command 'frob' (commands: peek, poke, grep, flush, info, cmp, replace; see 'mmtool --help')"
	run -2 --separate-stderr mmtool help frob
	assert_equal "$stderr" "mmtool: unknown command 'frob' (commands: peek, poke, grep, flush, info, cmp, replace; see 'mmtool --help')"
}

@test "cli: an unknown option is a usage error" {
	run -2 --separate-stderr mmtool --frob
	assert_equal "$stderr" "mmtool: --frob: unknown option (see 'mmtool --help')"
	for c in peek poke grep flush info cmp replace; do
		run -2 --separate-stderr mmtool "$c" --frob /etc/hostname
		assert_equal "$stderr" "mmtool: $c: --frob: unknown option (see 'mmtool $c --help')"
	done
}

@test "cli: numbers: every base and suffix gives the value in the table" {
	truncate -s 2T "$T/sparse" || skip "no sparse files here"
	while read -r text value; do
		run -0 --separate-stderr mmtool peek -c 1 "$T/sparse" "$text" 1
		printf -v want '%08x: 00  .' "$value"
		assert_equal "$output" "$want" || { echo "for '$text'"; return 1; }
	done <<-EOF
	4096 4096
	0x1000 4096
	0X1000 4096
	0xfF 255
	0o10000 4096
	0b1000000000000 4096
	010 10
	0 0
	4K 4096
	4KiB 4096
	1M 1048576
	1MiB 1048576
	1G 1073741824
	1GiB 1073741824
	1T 1099511627776
	1TiB 1099511627776
	1kB 1000
	3MB 3000000
	1GB 1000000000
	1TB 1000000000000
	0x10K 16384
	EOF
}

@test "cli: numbers: junk, overflow and empty numbers are errors that quote the text" {
	randfile "$T/f" 100
	while IFS='|' read -r text why; do
		run -2 --separate-stderr mmtool peek "$T/f" "$text"
		assert_equal "$stderr" "mmtool: peek: bad OFFSET '$text': $why"
		assert_output ""
	done <<-EOF
	12q|not a number
	0x|not a number
	1.5K|not a number
	K|not a number
	1k|not a number
	1Kib|not a number
	 5|not a number
	5 |not a number
	0b2|not a number
	0o8|not a number
	18446744073709551616|number does not fit in 64 bits
	0x10000000000000000|number does not fit in 64 bits
	20000000T|number does not fit in 64 bits
	|empty number
	EOF
}

@test "cli: numbers: a LENGTH may not be negative" {
	randfile "$T/f" 100
	run -2 --separate-stderr mmtool peek "$T/f" 0 -5
	assert_equal "$stderr" "mmtool: peek: bad LENGTH '-5': number may not be negative"
}

@test "cli: numbers: 2^64-1 parses, and is past the end" {
	randfile "$T/f" 100
	run -2 --separate-stderr mmtool peek "$T/f" 18446744073709551615
	assert_equal "$stderr" "mmtool: peek: $T/f: OFFSET 18446744073709551615 is past the end of the file (size 100)"
}

@test "cli: a negative OFFSET before the start is an error" {
	randfile "$T/f" 100
	run -2 --separate-stderr mmtool peek "$T/f" -101
	assert_equal "$stderr" "mmtool: peek: $T/f: OFFSET '-101' reaches before the start of the file (size 100)"
}

@test "cli: '--' ends the options" {
	printf 'abc' > "$T/-f"
	cd "$T"
	run -0 mmtool peek -f raw -- -f
	assert_output "abc"
}

@test "peek: bad input: missing file" {
	run -2 --separate-stderr mmtool peek "$T/nope"
	assert_equal "$stderr" "mmtool: peek: $T/nope: No such file or directory"
	assert_output ""
}

@test "peek: bad input: a directory" {
	run -2 --separate-stderr mmtool peek "$T"
	assert_equal "$stderr" "mmtool: peek: $T: is a directory"
}

@test "peek: bad input: a file without read permission" {
	unpriv_dir
	randfile "$U/f" 10
	chmod 000 "$U/f"
	run -2 --separate-stderr as_nobody mmtool peek "$U/f"
	assert_equal "$stderr" "mmtool: peek: $U/f: Permission denied"
	chmod 644 "$U/f"
	run -0 as_nobody mmtool peek "$U/f"
}

@test "peek: bad input: OFFSET past the end" {
	randfile "$T/f" 10
	run -2 --separate-stderr mmtool peek "$T/f" 11
	assert_equal "$stderr" "mmtool: peek: $T/f: OFFSET 11 is past the end of the file (size 10)"
}

@test "peek: bad input: -c 0 and -c 257" {
	randfile "$T/f" 10
	run -2 --separate-stderr mmtool peek -c 0 "$T/f"
	assert_equal "$stderr" "mmtool: peek: bad --cols '0': use 1 to 256"
	run -2 --separate-stderr mmtool peek -c 257 "$T/f"
	assert_equal "$stderr" "mmtool: peek: bad --cols '257': use 1 to 256"
}

@test "peek: bad input: an unknown format" {
	randfile "$T/f" 10
	run -2 --separate-stderr mmtool peek -f u24 "$T/f"
	assert_equal "$stderr" "mmtool: peek: unknown format 'u24': use xxd, bits, canonical, hex, raw, c, string, or types separated by spaces: u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 (each with optional le or be)"
}

@test "peek: bad input: a negative OFFSET on standard input" {
	run -2 --separate-stderr mmtool peek - -5 < /etc/hostname
	assert_equal "$stderr" "mmtool: peek: -: a negative OFFSET needs a file with a known size"
}

@test "peek: bad input: too many operands" {
	run -2 --separate-stderr mmtool peek /etc/hostname 0 1 2
	assert_equal "$stderr" "mmtool: peek: too many operands; usage: mmtool peek [OPTIONS] FILE [OFFSET [LENGTH]]"
}

@test "peek: a FIFO with no writer reads as empty instead of hanging" {
	mkfifo "$T/fifo"
	run -0 timeout 10 mmtool peek "$T/fifo"
	assert_output ""
}

@test "peek: a FIFO with a writer is read like a pipe" {
	mkfifo "$T/fifo"
	printf 'hello' > "$T/fifo" &
	run -0 timeout 10 mmtool peek -f raw "$T/fifo"
	wait
	assert_output "hello"
}
