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

# The number mmtool read from TEXT: the offset peek -d -o prints for a
# one-byte file, without its leading zeros.
mm_value() {
	local out
	out=$(mmtool peek -d -o "$1" "$T/one") || return 1
	out=${out%%:*}
	out=${out##+(0)}
	echo "${out:-0}"
}

# "TEXT VALUE" for each TEXT, VALUE as mm_value gives it ("TEXT failed"
# where peek fails), from one plain bash: no test-shell fork per number.
mm_values() {
	bash -c '
		shopt -s extglob
		f=$1
		shift
		for t; do
			if ! out=$(mmtool peek -d -o "$t" "$f"); then
				echo "$t failed"
				continue
			fi
			out=${out%%:*}
			out=${out##+(0)}
			echo "$t ${out:-0}"
		done' mm_values "$T/one" "$@"
}

@test "cli: numbers: dd's and head's suffixes give the sizes dd and head give" {
	shopt -s extglob
	printf 'A' >"$T/one"
	local sizes wants
	# dd makes a sparse file of the size it read from seek= (bs=1): its own
	# parser is the oracle, up to the file system's largest file.  One
	# file per text, measured by one stat.
	mkdir "$T/dd"
	local ns
	ns=$(reps "1 7 1000" "0 1 3 7 1000")
	bash -c '
		for n in $2; do
			for s in "" c w b k K KiB kiB kB KB M MiB MB G GiB GB T TB; do
				dd if=/dev/null of="$1/$n$s" bs=1 seek="$n$s" count=0 status=none 2>/dev/null ||
					rm -f "$1/$n$s"
			done
		done' dd "$T/dd" "$ns"
	sizes=$(cd "$T/dd" && stat -c '%n %s' -- *)
	# 12 of the 18 suffixes a number at least, on average (a T or TB may
	# be past the file system's largest file).
	[ "$(wc -l <<<"$sizes")" -ge $(($(wc -w <<<"$ns") * 12)) ]
	local -a texts
	mapfile -t texts < <(cut -d' ' -f1 <<<"$sizes")
	assert_equal "$(mm_values "${texts[@]}")" "$sizes"
	# head -c reads N bytes: a second oracle for the small ones.
	texts=(1k 3b 2KB 1kB 2KiB 1M)
	wants=$(bash -c 'for t; do echo "$t $(head -c "$t" /dev/zero | wc -c)"; done' head "${texts[@]}")
	assert_equal "$(mm_values "${texts[@]}")" "$wants"
	# Past any file system's largest file: python's integers, all in one call.
	texts=(1P 3PiB 2PB 1E 15E 1EiB 18EB 0Z 0Q)
	wants=$(python3 -c '
import re, sys
for t in sys.argv[1:]:
    m = re.fullmatch(r"(\d+)([KMGTPEZYRQ])(iB|B)?", t)
    print(t, int(m[1]) * (1000 if m[3] == "B" else 1024) ** ("KMGTPEZYRQ".index(m[2]) + 1))' \
		"${texts[@]}")
	[ "$(wc -l <<<"$wants")" -eq 9 ]
	assert_equal "$(mm_values "${texts[@]}")" "$wants"
	assert_equal "$(mm_value 18446744073709551614c)" 18446744073709551614
}

@test "cli: numbers: in a 0x number b, c and E are hex digits, never suffixes" {
	shopt -s extglob
	printf 'A' >"$T/one"
	local wants
	local -a texts=(0x1b 0x1c 0x1E 0xb 0xc 0xE 0XBCE 0xcafebabe 0x1bc 0x2w 0x1k 0x10K 0x3KB 0x1MiB)
	wants=$(python3 -c '
import re, sys
for t in sys.argv[1:]:
    m = re.fullmatch(r"0[xX]([0-9a-fA-F]+)(.*)", t)
    mult = {"": 1, "w": 2, "k": 1024, "K": 1024, "KB": 1000, "MiB": 1 << 20}[m[2]]
    print(t, int(m[1], 16) * mult)' \
		"${texts[@]}")
	[ "$(wc -l <<<"$wants")" -eq 14 ]
	assert_equal "$(mm_values "${texts[@]}")" "$wants"
	# The same letters after decimal digits are dd's suffixes.
	assert_equal "$(mm_value 1b)" 512
	assert_equal "$(mm_value 1c)" 1
	assert_equal "$(mm_value 1E)" 1152921504606846976
}

@test "cli: numbers: every number argument takes the suffixes and names an unknown one" {
	head -c 3000 /dev/urandom | base64 -w0 | head -c 3000 >"$T/f"
	run -0 mmtool peek -f raw "$T/f" 1k 2b
	assert_output "$(tail -c +1025 "$T/f" | head -c 1024)"
	run -0 mmtool peek -f raw -s 2w -l 3c "$T/f"
	assert_output "$(tail -c +5 "$T/f" | head -c 3)"
	run -0 mmtool cmp -n 1k -i 1KB "$T/f" "$T/f"
	run -0 mmtool flush --range 1k+1KB "$T/f"
	cp "$T/f" "$T/g"
	run -0 mmtool poke -r 2w "$T/g" 1k x
	run -0 mmtool peek -f raw "$T/g" 1024 2
	assert_output xx
	run -0 mmtool poke --size 4k "$T/g" 0 x
	assert_equal "$(stat -c %s "$T/g")" 4096
	local cmd what suf before
	before=$(sum "$T/g")
	while IFS='|' read -r cmd what suf; do
		run -2 --separate-stderr mmtool $cmd
		assert_equal "$stderr" "mmtool: ${cmd%% *}: bad $what: unknown suffix '$suf'"
		assert_output ""
	done <<-EOF
	peek -c 1q $T/f|--cols '1q'|q
	peek $T/f 0 1q|LENGTH '1q'|q
	peek $T/f 1x|OFFSET '1x'|x
	peek $T/f -1x|OFFSET '-1x'|x
	cmp -n 2x $T/f $T/f|--bytes '2x'|x
	cmp -i 1:2y $T/f $T/f|SKIP2 '2y'|y
	cmp --range 1:2y $T/f $T/f|RANGE '1:2y'|y
	flush --range 1k:2kk $T/f|RANGE '1k:2kk'|kk
	replace --range 3q+1 a b $T/g|RANGE '3q+1'|q
	replace -m 1h a b $T/g|--max-count '1h'|h
	poke -r 4z $T/g 0 x|--repeat '4z'|z
	poke --size 1Mb $T/g 0 x|--size '1Mb'|Mb
	info -j 1v $T/f|N '1v'|v
	EOF
	assert_equal "$(sum "$T/g")" "$before"
}

@test "cli: numbers: junk, overflow and empty numbers are errors that quote the text" {
	randfile "$T/f" 100
	while IFS='|' read -r text why; do
		run -2 --separate-stderr mmtool peek "$T/f" "$text"
		assert_equal "$stderr" "mmtool: peek: bad OFFSET '$text': $why"
		assert_output ""
	done <<-EOF
	12q|unknown suffix 'q'
	0x|no digits after '0x'
	0o8|no digits after '0o'
	1.5K|unknown suffix '.5K'
	K|not a number
	1Kib|unknown suffix 'Kib'
	1kb|unknown suffix 'kb'
	1m|unknown suffix 'm'
	1e3|unknown suffix 'e3'
	2bB|unknown suffix 'bB'
	 5|not a number
	5 |unknown suffix ' '
	0b2|unknown suffix 'b2'
	18446744073709551616|number does not fit in 64 bits
	0x10000000000000000|number does not fit in 64 bits
	20000000T|number does not fit in 64 bits
	16E|number does not fit in 64 bits
	19EB|number does not fit in 64 bits
	1Z|number does not fit in 64 bits
	1QB|number does not fit in 64 bits
	36028797018963968k|number does not fit in 64 bits
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

@test "peek, grep and cmp wait for a FIFO's writer as cat does" {
	mkfifo "$T/fifo"
	# No writer: both still wait when timeout stops them.
	run -124 timeout 0.3 cat "$T/fifo"
	run -124 timeout 0.3 mmtool peek "$T/fifo"
	# A writer that comes after the reader: its bytes are read, not an
	# empty FIFO.
	(sleep 0.2; printf 'xxhello' > "$T/fifo") &
	run -0 timeout 10 mmtool peek -f raw "$T/fifo"
	wait
	assert_output "xxhello"
	(sleep 0.2; printf 'xxhello' > "$T/fifo") &
	run -0 timeout 10 mmtool grep hello "$T/fifo"
	wait
	assert_output "2"
	printf 'xxhello' > "$T/same"
	(sleep 0.2; printf 'xxhello' > "$T/fifo") &
	run -0 timeout 10 mmtool cmp "$T/fifo" "$T/same"
	wait
	# A writer that comes and goes without writing: empty, as for cat.
	(sleep 0.2; : > "$T/fifo") &
	run -0 timeout 10 mmtool peek "$T/fifo"
	wait
	assert_output ""
}

@test "peek: a FIFO with a writer is read like a pipe" {
	mkfifo "$T/fifo"
	printf 'hello' > "$T/fifo" &
	run -0 timeout 10 mmtool peek -f raw "$T/fifo"
	wait
	assert_output "hello"
}

@test "cli: -h and -? are --help in every command but grep, and in mmtool itself" {
	local c
	run -0 mmtool --help
	want=$output
	run -0 mmtool -h
	assert_output "$want"
	for c in peek poke flush info cmp replace; do
		run -0 mmtool "$c" --help
		want=$output
		assert_line --regexp '^  -h, --help +'
		run -0 mmtool "$c" -h
		assert_output "$want"
		run -0 mmtool "$c" '-?'
		assert_output "$want"
		run -0 mmtool help "$c"
		assert_output "$want"
		# An output error is reported as for any output.
		run -2 --separate-stderr bash -c 'mmtool "$1" -h >/dev/full' _ "$c"
		assert_equal "$stderr" "mmtool: $c: standard output: No space left on device"
	done
	# grep's -h is --no-filename (GNU grep); its help stays -? and --help.
	run -0 mmtool grep '-?'
	refute_line --regexp '^  -h, --help +'
}
