#!/usr/bin/env bats
# peek against its oracles: xxd, hexdump -C, xxd -p, xxd -i, dd, python3 struct.

setup() {
	load test_helper/common-setup
	_common_setup
}

SIZES="0 1 15 16 17 4095 4096 4097 1048579"

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

make_files() {
	for s in $SIZES; do randfile "$T/r$s" "$s"; done
	# Long zero runs, and zero runs broken by one byte, for -a and squeezing.
	python3 - "$T/zeros" <<'PY'
import sys
b = bytearray(70000)
b[100] = 1; b[4096] = 7; b[4200:4240] = b'A' * 40; b[69999] = 9
open(sys.argv[1], 'wb').write(b)
PY
	head -c 4096 /dev/zero > "$T/z4096"
	head -c 48 /dev/zero > "$T/z48"
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
	for s in $SIZES; do
		while read -r o l; do
			mmtool peek "$T/r$s" "$o" "$l" > "$T/ours"
			xxd -s "$o" -l "$l" "$T/r$s" > "$T/theirs"
			same "size $s off $o len $l"
		done < <(pairs "$s")
	done
}

@test "peek: default prints the whole file as xxd does" {
	make_files
	for s in $SIZES; do
		mmtool peek "$T/r$s" > "$T/ours"
		xxd "$T/r$s" > "$T/theirs"
		same "size $s"
	done
}

@test "peek: -c 1 to 256 with -g 1, 2, 4 and 8 match xxd" {
	randfile "$T/f" 1000
	for c in $(seq 1 256); do
		for g in 1 2 4 8; do
			mmtool peek -c "$c" -g "$g" "$T/f" 3 600 > "$T/ours"
			xxd -c "$c" -g "$g" -s 3 -l 600 "$T/f" > "$T/theirs"
			same "-c $c -g $g"
		done
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
	for f in r0 r1 r15 r16 r17 r4095 r4096 r4097 r1048579 zeros z4096 z48; do
		s=$(stat -c %s "$T/$f")
		while read -r o l; do
			mmtool peek -f canonical "$T/$f" "$o" "$l" > "$T/ours"
			hexdump -C -s "$o" -n "$l" "$T/$f" > "$T/theirs"
			same "canonical $f $o $l"
			mmtool peek -v -f canonical "$T/$f" "$o" "$l" > "$T/ours"
			hexdump -v -C -s "$o" -n "$l" "$T/$f" > "$T/theirs"
			same "canonical -v $f $o $l"
		done < <(pairs "$s")
	done
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
	for s in $SIZES; do
		while read -r o l; do
			mmtool peek -f hex "$T/r$s" "$o" "$l" > "$T/ours"
			xxd -p -s "$o" -l "$l" "$T/r$s" > "$T/theirs"
			same "hex $s $o $l"
		done < <(pairs "$s")
	done
	for c in 1 7 16 30 31 256; do
		mmtool peek -f hex -c "$c" "$T/r4097" > "$T/ours"
		xxd -p -c "$c" "$T/r4097" > "$T/theirs"
		same "hex -c $c"
	done
}

@test "peek: c is byte-identical to xxd -i of standard input, also with -c and -u" {
	make_files
	for s in $SIZES; do
		mmtool peek -f c "$T/r$s" > "$T/ours"
		xxd -i < "$T/r$s" > "$T/theirs"
		same "c $s"
	done
	mmtool peek -f c -c 5 -u "$T/r4097" > "$T/ours"
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
	for fmt in xxd canonical hex raw c u8; do
		run -0 mmtool peek -f "$fmt" "$T/e"
		assert_output ""
	done
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
	assert_output --partial "["
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
	for t in u8 i8 u16 i16 u32 i32 u64 i64 f32 f64; do
		for e in "" le be; do
			w=$(( ${t//[a-z]/} / 8 ))
			len=$(( size / w * w ))
			mmtool peek -f "$t$e" "$T/f" 0 "$len" > "$T/ours"
			python3 - "$T/f" "$T/ours" "$t" "$e" "$len" <<'PY'
import struct, sys, math
path, ours, t, e, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
data = open(path, 'rb').read()[:n]
code = {'u8':'B','i8':'b','u16':'H','i16':'h','u32':'I','i32':'i','u64':'Q','i64':'q','f32':'f','f64':'d'}[t]
order = '>' if e == 'be' else '<'
w = struct.calcsize(code)
want = [struct.unpack_from(order + code, data, i)[0] for i in range(0, n, w)]
got = open(ours).read().split('\n')
assert got[-1] == '', 'no final newline'
got = got[:-1]
assert len(got) == len(want), (len(got), len(want))
for g, v in zip(got, want):
    if code in 'fd':
        if math.isnan(v):
            assert g in ('nan', '-nan'), (g, v)
            continue
        x = float(g)
        # the text must read back to the very same value
        assert struct.pack(order + code, x) == struct.pack(order + code, v), (g, v)
        assert len(g) <= len(repr(v)) + 4, (g, v)
    else:
        assert int(g) == v, (g, v)
PY
		done
	done
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
	mmtool poke --create -e "$T/g" 0 "$out"
	cmp "$T/f" "$T/g"
}

@test "peek: string prints printable ASCII as is and C escapes for the rest" {
	printf 'Hi\t"x"\n\0\\\377\a\b\v\f\r' > "$T/f"
	run -0 mmtool peek -f string "$T/f"
	assert_output 'Hi\t"x"\n\0\\\xff\a\b\v\f\r'
}

@test "peek: --color=always colours bytes, never and auto on a pipe do not" {
	printf 'A\0\377\n\001' > "$T/f"
	run -0 mmtool peek --color=always "$T/f"
	assert_output --partial $'\033[1;32m41\033[0m'
	assert_output --partial $'\033[1;34mff\033[0m'
	assert_output --partial $'\033[1;33m0a\033[0m'
	assert_output --partial $'\033[1;31m01\033[0m'
	mmtool peek --color=auto "$T/f" > "$T/ours"
	xxd "$T/f" > "$T/theirs"
	same "auto on a pipe"
	mmtool peek --color=never "$T/f" > "$T/ours"
	same "never"
}

@test "peek: --color=auto colours a terminal unless NO_COLOR is set" {
	command -v script >/dev/null || skip "script(1) is not installed"
	printf 'A' > "$T/f"
	script -qec "mmtool peek --color=auto $T/f" /dev/null > "$T/tty"
	grep -q $'\033\\[1;32m' "$T/tty"
	NO_COLOR=1 script -qec "mmtool peek --color=auto $T/f" /dev/null > "$T/tty"
	! grep -q $'\033' "$T/tty"
}

@test "peek: --color with a bad value is a usage error" {
	run -2 --separate-stderr mmtool peek --color=sometimes /etc/hostname
	assert_equal "$stderr" "mmtool: peek: bad --color 'sometimes': use auto, always or never"
}

@test "peek: --lock waits for an exclusive flock(1) holder to let go" {
	randfile "$T/f" 64
	flock -x "$T/f" sleep 1 &
	sleep 0.2
	# While flock holds it exclusively, a non-waiting shared lock fails...
	run flock -s -n "$T/f" true
	assert_failure
	# ...and peek --lock completes only after the holder exits.
	mmtool peek --lock "$T/f" > "$T/ours"
	wait
	xxd "$T/f" > "$T/theirs"
	same "lock"
	run -0 flock -s -n "$T/f" mmtool peek --lock "$T/f" 0 1
}

@test "peek: a mapped window of a megabyte dumps as xxd and hexdump -C do" {
	randfile "$T/f" $((1048576 + 3))
	run -0 mmtool peek "$T/f" 262000 600000
	assert_output "$(xxd -s 262000 -l 600000 "$T/f")"
	run -0 mmtool peek -f hex "$T/f"
	assert_output "$(xxd -p "$T/f")"
	run -0 mmtool peek -f canonical "$T/f" 100 800000
	assert_output "$(hexdump -C -s 100 -n 800000 "$T/f")"
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
