#!/usr/bin/env bats
# peek against its oracles: xxd, hexdump -C, xxd -p, xxd -i, dd, python3 struct.

setup() {
	load test_helper/common-setup
	_common_setup
}

SIZES="0 1 15 16 17 4095 4096 4097 1048579"
# The sizes whose offset/length pairs the first two tests try under make
# check: the empty file, one byte, both sides of a line and of a page, and
# the megabyte; under make check-full, all of $SIZES.
QUICK_SIZES="0 1 17 4095 4097 1048579"

# Offset/length pairs worth trying on a file of size $1: the edges, page
# crossings, odd lengths.
pairs() {
	local s=$1
	echo "0 $s"
	[ "$s" -gt 0 ] && echo "0 1" && echo "$((s - 1)) 1" && echo "$s 0"
	[ "$s" -gt 17 ] && echo "1 17" && echo "7 $((s - 9))"
	[ "$s" -gt 4097 ] && echo "4090 20" && echo "4095 2" && echo "4096 4097"
	[ "$s" -gt 1048576 ] && echo "1048000 3000" && echo "1000000 70000"
	true
}

# The files of make_files, made once for the file (one python3, not one a
# test) and copied into each test's $T.
setup_file() {
	local d=$BATS_FILE_TMPDIR/files
	mkdir "$d"
	for s in $SIZES; do head -c "$s" /dev/urandom > "$d/r$s"; done
	# Long zero runs, and zero runs broken by one byte, for -a and squeezing.
	python3 - "$d/zeros" <<'PY'
import sys
b = bytearray(70000)
b[100] = 1; b[4096] = 7; b[4200:4240] = b'A' * 40; b[69999] = 9
open(sys.argv[1], 'wb').write(b)
PY
	head -c 4096 /dev/zero > "$d/z4096"
	head -c 48 /dev/zero > "$d/z48"
}

make_files() {
	cp "$BATS_FILE_TMPDIR"/files/* "$T"/
}

# same for many cases at once: each case_next NAME gives the files $O (for
# ours) and $H (for the oracle's) of a new case; same_all compares every
# case with one diff -r and fails naming each case that differs, with the
# first lines of its difference.  (One cmp a case was most of the cost.)
CASES=()
case_next() {
	[ ${#CASES[@]} -gt 0 ] || mkdir "$T/ours.d" "$T/theirs.d"
	CASES+=("$1")
	O=$T/ours.d/${#CASES[@]}
	H=$T/theirs.d/${#CASES[@]}
}

same_all() {
	local line n bad=0
	[ ${#CASES[@]} -gt 0 ] || fail "same_all: no cases"
	while IFS= read -r line; do
		bad=1
		n=${line#Files "$T"/ours.d/}
		n=${n%% *}
		echo "differs: ${CASES[n - 1]:-$line}" >&2
		diff "$T/ours.d/$n" "$T/theirs.d/$n" | head -5 >&2
	done < <(diff -rq "$T/ours.d" "$T/theirs.d" 2>&1)
	[ "$(ls "$T/ours.d" | wc -l)" -eq ${#CASES[@]} ] || bad=1
	return $bad
}

# Compare a command's output with an oracle's, showing the first difference.
same() {
	local name=$1; shift
	if ! cmp -s "$T/ours" "$T/theirs"; then
		echo "differs: $name" >&2
		diff "$T/ours" "$T/theirs" | head -5 >&2
		return 1
	fi
}

@test "peek: xxd format is byte-identical to xxd -s -l at many offsets and lengths" {
	make_files
	for s in $(reps "$QUICK_SIZES" "$SIZES"); do
		while read -r o l; do
			case_next "size $s off $o len $l"
			mmtool peek "$T/r$s" "$o" "$l" > "$O"
			xxd -s "$o" -l "$l" "$T/r$s" > "$H"
		done < <(pairs "$s")
	done
	same_all
}

@test "peek: default prints the whole file as xxd does" {
	make_files
	for s in $SIZES; do
		mmtool peek "$T/r$s" > "$T/ours"
		xxd "$T/r$s" > "$T/theirs"
		same "size $s"
	done
}

@test "peek: -g 0, -g wider than a line, and odd groups match xxd" {
	randfile "$T/f" 100
	for g in 0 3 5 16 40; do
		mmtool peek -g "$g" "$T/f" > "$T/ours"
		xxd -g "$g" "$T/f" > "$T/theirs"
		same "-g $g"
	done
}

@test "peek: -u matches xxd -u" {
	randfile "$T/f" 4097
	mmtool peek -u "$T/f" 5 4000 > "$T/ours"
	xxd -u -s 5 -l 4000 "$T/f" > "$T/theirs"
	same "-u"
}

@test "peek: -a squeezes zero lines exactly as xxd -a" {
	make_files
	for f in zeros z4096 z48 r4097; do
		s=$(stat -c %s "$T/$f")
		while read -r o l; do
			[ "$o" -le "$s" ] || continue
			mmtool peek -a "$T/$f" "$o" "$l" > "$T/ours"
			xxd -a -s "$o" -l "$l" "$T/$f" > "$T/theirs"
			same "-a $f $o $l"
		done <<-EOF
		0 70000
		16 64
		0 32
		0 48
		100 4000
		4097 100
		4000 66000
		EOF
	done
}

@test "peek: canonical is byte-identical to hexdump -C, with and without -v" {
	make_files
	# The megabyte file only under make check-full: a mapped window of a
	# megabyte (below) compares it with hexdump -C under make check.
	for f in $(reps "r0 r17 r4097 zeros z48" "r0 r1 r15 r16 r17 r4095 r4096 r4097 r1048579 zeros z4096 z48"); do
		s=$(stat -c %s "$T/$f")
		while read -r o l; do
			case_next "canonical $f $o $l"
			mmtool peek -f canonical "$T/$f" "$o" "$l" > "$O"
			hexdump -C -s "$o" -n "$l" "$T/$f" > "$H"
			case_next "canonical -v $f $o $l"
			mmtool peek -v -f canonical "$T/$f" "$o" "$l" > "$O"
			hexdump -v -C -s "$o" -n "$l" "$T/$f" > "$H"
		done < <(pairs "$s")
	done
	same_all
}

@test "peek: canonical without LENGTH matches hexdump -C -s, also at the end" {
	make_files
	for o in 0 5 4095 4097; do
		mmtool peek -f canonical "$T/r4097" "$o" > "$T/ours"
		hexdump -C -s "$o" "$T/r4097" > "$T/theirs"
		same "canonical -s $o"
	done
	mmtool peek -f canonical "$T/zeros" > "$T/ours"
	hexdump -C "$T/zeros" > "$T/theirs"
	same "canonical zeros"
}

@test "peek: hex is byte-identical to xxd -p, also with -c" {
	make_files
	for s in $(reps "$QUICK_SIZES" "$SIZES"); do
		while read -r o l; do
			case_next "hex $s $o $l"
			mmtool peek -f hex "$T/r$s" "$o" "$l" > "$O"
			xxd -p -s "$o" -l "$l" "$T/r$s" > "$H"
		done < <(pairs "$s")
	done
	for c in 1 7 16 30 31 256; do
		case_next "hex -c $c"
		mmtool peek -f hex -c "$c" "$T/r4097" > "$O"
		xxd -p -c "$c" "$T/r4097" > "$H"
	done
	same_all
}

@test "peek: c is byte-identical to xxd -i of standard input, also with -c and -u" {
	make_files
	for s in $SIZES; do
		mmtool peek -f c - < "$T/r$s" > "$T/ours"
		xxd -i < "$T/r$s" > "$T/theirs"
		same "c $s"
	done
	mmtool peek -f c -c 5 -u - < "$T/r4097" > "$T/ours"
	xxd -i -c 5 -u < "$T/r4097" > "$T/theirs"
	same "c -c 5 -u"
}

@test "peek: raw and --raw give the bytes, as dd and tail -c do" {
	make_files
	mmtool peek --raw "$T/r1048579" 4095 70000 > "$T/ours"
	dd if="$T/r1048579" bs=1 skip=4095 count=70000 status=none > "$T/theirs"
	same "raw mid"
	mmtool peek -f raw "$T/r1048579" -100 > "$T/ours"
	tail -c 100 "$T/r1048579" > "$T/theirs"
	same "raw tail"
	mmtool peek -f raw "$T/r1048579" > "$T/ours"
	cmp "$T/ours" "$T/r1048579"
}

@test "peek: a negative OFFSET counts back from the end" {
	randfile "$T/f" 4097
	mmtool peek "$T/f" -16 > "$T/ours"
	xxd -s 4081 "$T/f" > "$T/theirs"
	same "-16"
	mmtool peek "$T/f" -4097 3 > "$T/ours"
	xxd -s 0 -l 3 "$T/f" > "$T/theirs"
	same "-4097"
}

@test "peek: a LENGTH past the end is cut at the end" {
	randfile "$T/f" 100
	mmtool peek "$T/f" 90 1000 > "$T/ours"
	xxd -s 90 "$T/f" > "$T/theirs"
	same "clamped"
}

@test "peek: OFFSET equal to the size prints nothing" {
	randfile "$T/f" 100
	run -0 mmtool peek "$T/f" 100
	assert_output ""
}

@test "peek: an empty file prints nothing in every format" {
	: > "$T/e"
	for fmt in xxd bits canonical hex raw u8; do
		run -0 mmtool peek -f "$fmt" "$T/e"
		assert_output ""
	done
	run -0 mmtool peek -f c - < "$T/e"
	assert_output ""
	run -0 mmtool peek -f string "$T/e"
	assert_output ""
}

@test "peek: standard input is read, with an offset, in every format" {
	make_files
	mmtool peek - 5 5000 < "$T/r1048579" > "$T/ours"
	xxd -s 5 -l 5000 "$T/r1048579" > "$T/theirs"
	same "stdin redirected"
	cat "$T/r1048579" | mmtool peek -f canonical - 70000 300000 > "$T/ours"
	hexdump -C -s 70000 -n 300000 "$T/r1048579" > "$T/theirs"
	same "stdin pipe"
	cat "$T/r4097" | mmtool peek -f hex - > "$T/ours"
	xxd -p "$T/r4097" > "$T/theirs"
	same "stdin hex"
}

@test "peek: a file that reports size 0 but has content is read (/proc/self/maps)" {
	run -0 mmtool peek -f raw /proc/self/maps
	assert_line --regexp '^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][ps] [0-9a-f]+ '
	assert_line --regexp ' \[stack\]$'
}

@test "peek: typed formats agree with python3 struct, both byte orders, edge values" {
	python3 - "$T/f" <<'PY'
import struct, sys, math
vals = {
 'B': [0, 1, 127, 128, 255], 'b': [0, 1, -1, 127, -128],
 'H': [0, 1, 65535, 256], 'h': [-32768, 32767, -1, 0],
 'I': [0, 2**32 - 1, 2**31], 'i': [-2**31, 2**31 - 1, -1],
 'Q': [0, 2**64 - 1, 2**63], 'q': [-2**63, 2**63 - 1, -1],
}
out = bytearray()
for code, vs in vals.items():
    for v in vs:
        out += struct.pack('<' + code, v)
# floats: NaN, infinities, subnormals, extremes, ordinary values
for v in [0.0, -0.0, 1.5, -2.25, 0.1, 1e300, 5e-324, 2.2250738585072014e-308,
          1.7976931348623157e308, float('inf'), float('-inf'), float('nan'), 3.4028234663852886e38, 1.401298464324817e-45]:
    out += struct.pack('<d', v)
out += bytes(range(256))
open(sys.argv[1], 'wb').write(out)
PY
	size=$(stat -c %s "$T/f")
	local kinds=()
	for t in u8 i8 u16 i16 u32 i32 u64 i64 f32 f64; do
		for e in "" le be; do
			w=$(( ${t//[a-z]/} / 8 ))
			len=$(( size / w * w ))
			mmtool peek -f "$t$e" "$T/f" 0 "$len" > "$T/ours.$t$e"
			kinds+=("$t:$e")
		done
	done
	# One python3 checks every output: it starts slowly on a busy machine.
	python3 - "$T/f" "$T/ours" "${kinds[@]}" <<'PY'
import struct, sys, math
path, ours = sys.argv[1], sys.argv[2]
whole = open(path, 'rb').read()
for kind in sys.argv[3:]:
    t, e = kind.split(':')
    code = {'u8':'B','i8':'b','u16':'H','i16':'h','u32':'I','i32':'i','u64':'Q','i64':'q','f32':'f','f64':'d'}[t]
    order = '>' if e == 'be' else '<'
    w = struct.calcsize(code)
    n = len(whole) // w * w
    data = whole[:n]
    want = [struct.unpack_from(order + code, data, i)[0] for i in range(0, n, w)]
    got = open(ours + '.' + t + e).read().split('\n')
    assert got[-1] == '', (kind, 'no final newline')
    got = got[:-1]
    assert len(got) == len(want), (kind, len(got), len(want))
    for g, v in zip(got, want):
        if code in 'fd':
            if math.isnan(v):
                assert g in ('nan', '-nan'), (kind, g, v)
                continue
            x = float(g)
            # the text must read back to the very same value
            assert struct.pack(order + code, x) == struct.pack(order + code, v), (kind, g, v)
            assert len(g) <= len(repr(v)) + 4, (kind, g, v)
        else:
            assert int(g) == v, (kind, g, v)
PY
}

@test "peek: a typed LENGTH that is not a whole number of values is an error" {
	randfile "$T/f" 6
	run -2 --separate-stderr mmtool peek -f u32 "$T/f"
	assert_equal "$stderr" "mmtool: peek: $T/f: LENGTH 6 is not a whole number of 4-byte values"
	assert_output ""
}

@test "peek: string escapes read back to the same bytes with poke -e" {
	head -c 3000 /dev/urandom > "$T/f"
	printf '\0001\x00\xffa\\"\n' >> "$T/f"
	out=$(mmtool peek -f string "$T/f")
	[ "$(printf '%s' "$out" | wc -l)" -eq 0 ]
	# After --: the escapes start with - when the first random byte is one.
	mmtool poke --create -e -- "$T/g" 0 "$out"
	cmp "$T/f" "$T/g"
}

@test "peek: string prints printable ASCII as is and C escapes for the rest" {
	printf 'Hi\t"x"\n\0\\\377\a\b\v\f\r' > "$T/f"
	run -0 mmtool peek -f string "$T/f"
	assert_output 'Hi\t"x"\n\0\\\xff\a\b\v\f\r'
}

# One byte of each of hexyl's classes: NUL, printable, white space, other
# ASCII, non-ASCII; and the escape each gets.
color_classes() {
	printf '\0A \001\377' > "$T/f"
	NUL=$'\033[90m' PRINT=$'\033[36m' SPACE=$'\033[32m' OTHER=$'\033[35m' HIGH=$'\033[33m' END=$'\033[0m'
}

# Colour adds escapes only: without them the output is the plain one.
strip_color() { sed 's/\x1b\[[0-9;]*m//g'; }

@test "peek: --color=always gives each class its escape in the xxd format" {
	color_classes
	run -0 mmtool peek --color=always "$T/f"
	assert_output --partial "00000000: ${NUL}00${END}${PRINT}41${END} ${SPACE}20${END}${OTHER}01${END} ${HIGH}ff${END} "
	assert_output --partial "  ${NUL}.${END}${PRINT}A${END}${SPACE} ${END}${OTHER}.${END}${HIGH}.${END}"
	[ "$(grep -o $'\033' <<<"$output" | wc -l)" -eq 20 ]
	assert_equal "$(strip_color <<<"$output")" "$(xxd "$T/f")"
}

@test "peek: --color=always colours bits, canonical, hex, c and string by class" {
	color_classes
	run -0 mmtool peek --color=always -f bits -c 2 "$T/f" 0 2
	assert_output "00000000: ${NUL}00000000${END} ${PRINT}01000001${END}  ${NUL}.${END}${PRINT}A${END}"
	run -0 mmtool peek --color=always -f canonical "$T/f"
	assert_output --partial "00000000  ${NUL}00${END} ${PRINT}41${END} ${SPACE}20${END} ${OTHER}01${END} ${HIGH}ff${END} "
	assert_output --partial " |${NUL}.${END}${PRINT}A${END}${SPACE} ${END}${OTHER}.${END}${HIGH}.${END}|"
	assert_equal "$(strip_color <<<"$output")" "$(hexdump -C "$T/f")"
	run -0 mmtool peek --color=always -f hex "$T/f"
	assert_output "${NUL}00${END}${PRINT}41${END}${SPACE}20${END}${OTHER}01${END}${HIGH}ff${END}"
	run -0 mmtool peek --color=always -f c - < "$T/f"
	assert_output "  ${NUL}0x00${END}, ${PRINT}0x41${END}, ${SPACE}0x20${END}, ${OTHER}0x01${END}, ${HIGH}0xff${END}"
	run -0 mmtool peek --color=always -f string "$T/f"
	assert_output "${NUL}\\0${END}${PRINT}A${END}${SPACE} ${END}${OTHER}\\x01${END}${HIGH}\\xff${END}"
}

@test "peek: -e with --color colours each byte where -e puts it" {
	color_classes
	run -0 mmtool peek --color=always -e "$T/f" 0 4
	assert_output --partial "00000000: ${OTHER}01${END}${SPACE}20${END}${PRINT}41${END}${NUL}00${END} "
	assert_output --partial "  ${NUL}.${END}${PRINT}A${END}${SPACE} ${END}${OTHER}.${END}"
	assert_equal "$(strip_color <<<"$output")" "$(xxd -e -l 4 "$T/f")"
}

@test "peek: piped output has no escapes without --color=always, in every format" {
	color_classes
	for fmt in xxd bits canonical hex c string; do
		for c in "" --color --color=auto --colour --color=never; do
			mmtool peek -f "$fmt" $c "$T/f" > "$T/ours"
			run ! grep -q $'\033' "$T/ours"
		done
	done
}

@test "peek: bare --color takes no value: the next word stays an operand" {
	randfile "$T/f" 40
	mmtool peek --color "$T/f" 4 > "$T/ours"
	xxd -s 4 "$T/f" > "$T/theirs"
	same "--color FILE OFFSET"
}

@test "peek: --color=auto colours a terminal unless NO_COLOR is set or TERM is dumb" {
	command -v script >/dev/null || skip "script(1) is not installed"
	printf 'A' > "$T/f"
	TERM=xterm script -qec "mmtool peek --color=auto $T/f" /dev/null > "$T/tty"
	grep -q $'\033\\[36m' "$T/tty"
	TERM=xterm script -qec "mmtool peek --color $T/f" /dev/null > "$T/tty"
	grep -q $'\033\\[36m' "$T/tty"
	NO_COLOR=1 TERM=xterm script -qec "mmtool peek --color=auto $T/f" /dev/null > "$T/tty"
	run ! grep -q $'\033' "$T/tty"
	TERM=dumb script -qec "mmtool peek --color $T/f" /dev/null > "$T/tty"
	run ! grep -q $'\033' "$T/tty"
	TERM=dumb script -qec "mmtool peek --color=always $T/f" /dev/null > "$T/tty"
	grep -q $'\033\\[36m' "$T/tty"
}

@test "peek: --color with a bad value is a usage error" {
	run -2 --separate-stderr mmtool peek --color=sometimes /etc/hostname
	assert_equal "$stderr" "mmtool: peek: bad --color 'sometimes': use auto, always or never"
}

@test "peek: --lock waits for an exclusive flock(1) holder to let go" {
	randfile "$T/f" 64
	flock -x "$T/f" sh -c "sleep 1; printf 'held' > '$T/order'" &
	sleep 0.2
	# While flock holds it exclusively, a non-waiting shared lock fails...
	run flock -s -n "$T/f" true
	assert_failure
	# ...and peek --lock completes only after the holder lets go.
	mmtool peek --lock "$T/f" > "$T/ours"
	printf 'peeked' >> "$T/order"
	wait
	run -0 cat "$T/order"
	assert_output "heldpeeked"
	xxd "$T/f" > "$T/theirs"
	same "lock"
	run -0 flock -s -n "$T/f" mmtool peek --lock "$T/f" 0 1
}

@test "peek: a mapped window of a megabyte dumps as xxd and hexdump -C do" {
	randfile "$T/f" $((1048576 + 3))
	# Compared as files: bats's run would split megabytes into lines.
	mmtool peek "$T/f" 262000 600000 > "$T/ours"
	xxd -s 262000 -l 600000 "$T/f" > "$T/theirs"
	same "xxd 262000 600000"
	mmtool peek -f hex "$T/f" > "$T/ours"
	xxd -p "$T/f" > "$T/theirs"
	same "hex"
	mmtool peek -f canonical "$T/f" 100 800000 > "$T/ours"
	hexdump -C -s 100 -n 800000 "$T/f" > "$T/theirs"
	same "canonical 100 800000"
}

@test "peek: a peek far into a huge sparse file maps only the pages it needs" {
	under_sanitizer && skip "ASan cannot run under a small ulimit -v"
	truncate -s 1T "$T/sparse" || skip "no 1 TiB sparse files here"
	printf 'XY' | dd of="$T/sparse" bs=1 seek=$((900 * 1024 * 1024 * 1024)) conv=notrunc status=none
	run -0 bash -c "ulimit -v 65536; mmtool peek '$T/sparse' 900G 2"
	assert_output "e100000000: 5859                                     XY"
}

@test "peek: a whole-file peek of a file larger than the window works under ulimit -v" {
	under_sanitizer && skip "ASan cannot run under a small ulimit -v"
	# 100 MiB through 32 MiB windows in 64 MiB of address space.
	truncate -s 100M "$T/big"
	printf 'Z' | dd of="$T/big" bs=1 seek=$((100 * 1024 * 1024 - 1)) conv=notrunc status=none
	run -0 bash -c "ulimit -v 65536; mmtool peek -f hex -c 65536 '$T/big' | tail -c 3"
	assert_output "5a"
	run -0 bash -c "ulimit -v 65536; mmtool peek -f u8 '$T/big' -1"
	assert_output "90"
}

# `mmtool peek ARGS FILE` and `xxd ARGS FILE` print the same bytes: peek
# takes xxd's letters (-b -e -d -o -i -p -s -l -c -g -u -a) as they are.
xxd_same() {
	mmtool peek "$@" > "$T/ours"
	xxd "$@" > "$T/theirs"
	same "$*"
}

# xxd_same as a case of same_all.
xxd_case() {
	case_next "$*"
	mmtool peek "$@" > "$O"
	xxd "$@" > "$H"
}

# Line widths to try: the edges, the default and a random one under make
# check; more edges and defaults and two random ones under make check-full
# (tests/peek_full.bats tries every width there).
sample_cols() {
	reps "1 3 16 17 256 $((RANDOM % 256 + 1))" \
		"1 2 3 6 8 16 17 255 256 $((RANDOM % 256 + 1)) $((RANDOM % 256 + 1))"
}

@test "peek: -b matches xxd -b at the sizes that matter, with -s and -l" {
	for s in 0 1 15 16 17 4095 4097; do
		randfile "$T/r$s" "$s"
		xxd_same -b "$T/r$s"
		xxd_same -b -s $((s / 2)) -l 4000 "$T/r$s"
	done
}

@test "peek: -b matches xxd -b for sampled -c and -g, with -a and -u" {
	randfile "$T/f" 1000
	head -c 300 /dev/zero >> "$T/f"
	for c in $(sample_cols); do
		for g in 0 1 2 3 $((c + 1 > 256 ? 256 : c + 1)) $((RANDOM % c + 1)); do
			xxd_case -b -c "$c" -g "$g" -s 3 -l 1200 "$T/f"
		done
	done
	xxd_case -b -a -u "$T/f"
	same_all
}

@test "peek: -e matches xxd -e at the sizes that matter" {
	for s in 0 1 15 16 17 4095 4097; do
		randfile "$T/r$s" "$s"
		xxd_same -e "$T/r$s"
		xxd_same -e -s $((s / 2)) -l 4001 "$T/r$s"
	done
}

@test "peek: -e matches xxd -e for sampled -c and every group it accepts" {
	randfile "$T/f" 700
	for c in $(sample_cols); do
		for g in 0 1 2 4 8 16 32 64 128 256 $((c + 1)); do
			[ "$g" -le "$c" ] || { [ "$g" -eq $((c + 1)) ] && [ "$g" -le 256 ]; } || continue
			xxd_case -e -c "$c" -g "$g" -s 1 -l 555 "$T/f"
		done
	done
	xxd_case -e -u -a "$T/f"
	same_all
}

@test "peek: -e refuses a group that is not a power of 2, as xxd does" {
	randfile "$T/f" 16
	run -2 --separate-stderr mmtool peek -e -g 3 "$T/f"
	assert_equal "$stderr" "mmtool: peek: bad --group '3': with -e, use a power of 2"
	run ! xxd -e -g 3 "$T/f"
}

@test "peek: -d and -o match xxd -d and -o, also with -b, -e and long offsets" {
	for s in 0 1 17 4097; do
		randfile "$T/r$s" "$s"
		xxd_same -d "$T/r$s"
		xxd_same -o 100 -s $((s / 2)) "$T/r$s"
		xxd_same -d -o 99999990 -b "$T/r$s"
		xxd_same -e -d -o 0xfffffffff "$T/r$s"
	done
	for c in $(sample_cols); do
		xxd_same -d -c "$c" -g 3 "$T/r4097"
	done
}

@test "peek: the xxd format matches xxd at sampled -c and -g, sizes 0 to 4097" {
	for s in $(reps "0 1 16 17 4097" "0 1 15 16 17 4095 4097"); do
		randfile "$T/r$s" "$s"
		for c in $(sample_cols); do
			xxd_case -c "$c" -g $((RANDOM % 9)) "$T/r$s"
		done
	done
	same_all
}

@test "peek: -i FILE prints the declaration and NAME_len as xxd -i FILE" {
	cd "$T"
	for s in 0 1 15 16 17 4095 4097; do
		randfile "r$s" "$s"
		xxd_same -i "r$s"
		xxd_same -i -c 5 -u -s $((s / 3)) -l 100 "r$s"
	done
	mkdir -p sub.d
	randfile "sub.d/9-lives.bin" 30
	xxd_same -i "sub.d/9-lives.bin"
	xxd_same -i "$T/sub.d/9-lives.bin"
}

@test "peek: -n NAME names the array as xxd -n does, also on standard input" {
	randfile "$T/f" 40
	xxd_same -i -n my-table "$T/f"
	xxd_same -i -n 0abc "$T/f"
	mmtool peek -i -n tbl - < "$T/f" > "$T/ours"
	xxd -i -n tbl < "$T/f" > "$T/theirs"
	same "-n on standard input"
}

@test "peek: -f c of standard input without -n is the initializer lines alone" {
	randfile "$T/f" 40
	mmtool peek -f c - < "$T/f" > "$T/ours"
	xxd -i < "$T/f" > "$T/theirs"
	same "stdin"
}

@test "peek: -p, -s and -l are xxd's, and -s takes xxd's '+'" {
	randfile "$T/f" 5000
	xxd_same -p -s 7 -l 3000 "$T/f"
	xxd_same -s +7 -l 30 "$T/f"
	mmtool peek -s -16 "$T/f" > "$T/ours"
	xxd -s 4984 "$T/f" > "$T/theirs"
	same "-s -16"
}

@test "peek: -s with an OFFSET operand, or -l with a LENGTH one, is an error" {
	randfile "$T/f" 50
	run -2 --separate-stderr mmtool peek -s 4 "$T/f" 4
	assert_equal "$stderr" "mmtool: peek: OFFSET given twice: as an operand and as -s"
	run -2 --separate-stderr mmtool peek -l 4 "$T/f" 0 4
	assert_equal "$stderr" "mmtool: peek: LENGTH given twice: as an operand and as -l"
}

@test "peek: two different formats, or -e with another format, are errors" {
	randfile "$T/f" 50
	run -2 --separate-stderr mmtool peek -b -f hex "$T/f"
	assert_equal "$stderr" "mmtool: peek: two formats given ('hex' and 'bits'): choose one"
	run -2 --separate-stderr mmtool peek -e -p "$T/f"
	assert_equal "$stderr" "mmtool: peek: -e goes with the xxd format only"
	run -0 mmtool peek -b -f bits "$T/f"
}

@test "peek: -b and -e past a 32 MiB window match xxd (sparse file)" {
	truncate -s 40M "$T/big"
	printf 'tail!' | dd of="$T/big" bs=1 seek=$((40 * 1048576 - 3)) conv=notrunc status=none
	printf 'mid' | dd of="$T/big" bs=1 seek=$((32 * 1048576 - 1)) conv=notrunc status=none
	xxd_same -b -s $((32 * 1048576 - 70)) "$T/big"
	xxd_same -e -s $((32 * 1048576 - 9)) -l 100 "$T/big"
	xxd_same -d -a -s $((32 * 1048576 - 4000)) "$T/big"
}

@test "peek: --count N prints N values, checked against python3 struct" {
	python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<5q", -1, 2**63 - 1, -2**63, 7, 0))' > "$T/f"
	run -0 mmtool peek -f i64 --count 3 "$T/f" 8
	python3 - "$T/f" "$output" <<'PY'
import struct, sys
want = struct.unpack_from('<3q', open(sys.argv[1], 'rb').read(), 8)
assert [int(x) for x in sys.argv[2].split('\n')] == list(want), sys.argv[2]
PY
}

@test "peek: --count past the end of the file, or with a LENGTH, is an error" {
	randfile "$T/f" 10
	run -2 --separate-stderr mmtool peek -f u32 --count 3 "$T/f"
	assert_equal "$stderr" "mmtool: peek: $T/f: --count 3 needs 12 bytes at offset 0; the file has 10 there"
	run -2 --separate-stderr mmtool peek -f u32 --count 1 "$T/f" 0 4
	assert_equal "$stderr" "mmtool: peek: give a LENGTH or --count, not both"
	run -2 --separate-stderr mmtool peek --count 1 "$T/f"
	assert_equal "$stderr" "mmtool: peek: --count goes with the typed formats only"
}

@test "peek: a record of several types decodes as python3 struct, value per line and in JSON" {
	python3 - "$T/f" <<'PY'
import struct, sys
recs = [(0xdeadbeef, 1, 65535, 1.5), (2**32 - 1, 0, 7, -0.1), (0, 300, 2, 1e300)]
open(sys.argv[1], 'wb').write(b'XY' + b''.join(struct.pack('>I', a) + struct.pack('<HH', b, c) + struct.pack('<d', d) for a, b, c, d in recs))
PY
	mmtool peek -f 'u32be u16 u16le  f64' --count 3 "$T/f" 2 > "$T/lines"
	mmtool peek -f 'u32be u16 u16le  f64' --json "$T/f" 2 > "$T/json"
	python3 - "$T/f" "$T/lines" "$T/json" <<'PY'
import struct, sys, json
data = open(sys.argv[1], 'rb').read()[2:]
want = [struct.unpack_from('>I', data, i)[0:1] + struct.unpack_from('<HHd', data, i + 4) for i in range(0, len(data), 16)]
lines = open(sys.argv[2]).read().split('\n')[:-1]
flat = [x for r in want for x in r]
assert len(lines) == len(flat), lines
for g, v in zip(lines, flat):
    assert (float(g) == v) if isinstance(v, float) else int(g) == v, (g, v)
objs = [json.loads(l) for l in open(sys.argv[3])]
assert [o['kind'] for o in objs] == ['record'] * 3
assert [o['offset'] for o in objs] == [2, 18, 34]
assert [tuple(o['values']) for o in objs] == want, objs
PY
}

@test "peek: --json keeps integers exact past 2^53 and writes NaN and infinities as strings" {
	python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<QqdddfQ", 2**64 - 1, -2**63 + 1, float("nan"), float("inf"), float("-inf"), 0.1, 2**53 + 1))' > "$T/f"
	run -0 mmtool peek -f 'u64 i64 f64 f64 f64 f32 u64' --json "$T/f"
	python3 - "$output" <<'PY'
import json, struct, sys
o = json.loads(sys.argv[1])
v = o['values']
assert v[0] == 2**64 - 1 and v[1] == -2**63 + 1 and v[6] == 2**53 + 1, v
assert v[2:5] == ['nan', 'inf', '-inf'], v
assert struct.pack('<f', v[5]) == struct.pack('<f', 0.1), v
assert o == {'kind': 'record', 'offset': 0, 'values': v}
PY
}

@test "peek: --json without a typed format is an error" {
	randfile "$T/f" 8
	run -2 --separate-stderr mmtool peek --json "$T/f"
	assert_equal "$stderr" "mmtool: peek: --json goes with the typed formats only"
}

@test "peek: a record type list with an unknown type is an error" {
	randfile "$T/f" 8
	run -2 mmtool peek -f 'u32 u24' "$T/f"
	run -2 mmtool peek -f ' ' "$T/f"
}

@test "peek: poke --patch refuses dumps made with -b, -e and -d, naming the line" {
	printf 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' > "$T/src"
	randfile "$T/t" 100
	before=$(sum "$T/t")
	for a in "-b" "-b -c 3 -g 2" "-e" "-e -g 2" "-e -g 8 -c 8"; do
		mmtool peek $a "$T/src" > "$T/p"
		run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/t"
		assert_equal "$stderr" "mmtool: poke: $T/p: line 1: $(case $a in -b*) echo 'binary digits (peek -f bits, xxd -b): this dump is not a patch; make it in the xxd format';; *) echo 'little-endian groups (peek -e, xxd -e): this dump is not a patch; make it without -e';; esac); nothing was written"
	done
	mmtool peek -d "$T/src" > "$T/p"
	run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/t"
	assert_equal "$stderr" "mmtool: poke: $T/p: line 2: decimal offsets (peek -d, xxd -d): this dump is not a patch; make it without -d; nothing was written"
	assert_equal "$(sum "$T/t")" "$before"
}

@test "peek: poke --patch refuses the last, partial line of a -e dump" {
	printf 'ABCDEFGHIJ' > "$T/src"
	randfile "$T/t" 100
	before=$(sum "$T/t")
	mmtool peek -e "$T/src" > "$T/p"
	run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/t"
	assert_equal "$stderr" "mmtool: poke: $T/p: line 1: little-endian groups (peek -e, xxd -e): this dump is not a patch; make it without -e; nothing was written"
	# Two bytes alone sit after a gap, where no patch line has them.
	mmtool peek -e "$T/src" 8 > "$T/p"
	run -2 mmtool poke --patch "$T/p" "$T/t"
	assert_equal "$(sum "$T/t")" "$before"
}

@test "peek: an xxd dump of bytes made of 0 and 1 digits is still a patch" {
	printf '\0\001\020\021\0\0\0\001' > "$T/src"
	for a in "" "-g 4" "-g 8" "-c 8 -g 0"; do
		head -c 16 /dev/zero | tr '\0' 'x' > "$T/t"
		mmtool peek $a "$T/src" 0 8 | sed 's/^00000000/00000004/' > "$T/p"
		mmtool poke --patch "$T/p" "$T/t"
		{ printf xxxx; cat "$T/src"; printf xxxx; } > "$T/want"
		cmp "$T/t" "$T/want"
	done
}
