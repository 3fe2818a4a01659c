#!/usr/bin/env bats
# grep against its oracles: python3 bytes.find in a loop, python3 re over
# bytes, xxd -s -l for -C, python3 json for --json.

setup() {
	load test_helper/common-setup
	_common_setup
}

# Offsets of the bytes HEX in FILE: bytes.find in a loop, each search
# starting after the last match (or one byte on, with a third argument).
py_find() {
	python3 - "$@" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
pat = bytes.fromhex(sys.argv[2])
step = 1 if len(sys.argv) > 3 else len(pat)
i = data.find(pat)
while i >= 0:
    print(i)
    i = data.find(pat, i + step)
PY
}

# Offsets of the non-empty matches of the bytes regex RE in FILE
# (re.finditer); FLAGS may hold i (ignore case), o (overlapping: every start).
py_re() {
	python3 - "$@" <<'PY'
import os, re, sys
data = open(sys.argv[1], 'rb').read()
fl = sys.argv[3] if len(sys.argv) > 3 else ''
rx = os.fsencode(sys.argv[2])
if 'o' in fl:
    rx = b'(?=(' + rx + b'))'
r = re.compile(rx, re.I if 'i' in fl else 0)
for m in r.finditer(data):
    if m.end() > m.start() or ('o' in fl and m.group(1)):
        print(m.start())
PY
}

# py_re for several REGEX FLAGS pairs over one reading of FILE (a large
# file is read once, not once a pair): the i-th pair's offsets go to
# $T/re.i.
py_re_pairs() {
	python3 - "$T" "$@" <<'PY'
import os, re, sys
out, data = sys.argv[1], open(sys.argv[2], 'rb').read()
args = sys.argv[3:]
for i in range(0, len(args), 2):
    rx, fl = os.fsencode(args[i]), args[i + 1]
    if 'o' in fl:
        rx = b'(?=(' + rx + b'))'
    r = re.compile(rx, re.I if 'i' in fl else 0)
    with open(os.path.join(out, 're.%d' % (i // 2)), 'w') as f:
        for m in r.finditer(data):
            if m.end() > m.start() or ('o' in fl and m.group(1)):
                f.write('%d\n' % m.start())
PY
}

# Write the bytes HEX into FILE at each OFFSET.
plant() {
	python3 - "$@" <<'PY'
import sys
f = open(sys.argv[1], 'r+b')
pat = bytes.fromhex(sys.argv[2])
for o in sys.argv[3:]:
    f.seek(int(o))
    f.write(pat)
PY
}

# A random file of SIZE bytes with HEX planted at 0, the last possible
# offset, across the first 4 KiB page boundaries, and at a few odd places.
planted() {
	local f=$1 size=$2 hex=$3 len=$((${#3} / 2))
	randfile "$f" "$size"
	plant "$f" "$hex" 0 $((4096 - 1)) $((8192 - len + 1)) $((12288 - 2)) \
		777 $((size / 2 + 3)) $((size - len))
}

NEEDLE=4e4545444c45		# "NEEDLE"

@test "grep: literal offsets equal python's bytes.find, at 0, the last byte and across pages" {
	planted "$T/f" 100000 "$NEEDLE"
	run -0 mmtool grep NEEDLE "$T/f"
	assert_output "$(py_find "$T/f" "$NEEDLE")"
	assert_line --index 0 0
	assert_line 4095
	assert_line 8187
	assert_line 12286
	assert_line $((100000 - 6))
}

@test "grep: a one-byte pattern and a pattern as long as the file" {
	printf 'xyzzy' > "$T/f"
	run -0 mmtool grep z "$T/f"
	assert_output "$(printf '2\n3')"
	run -0 mmtool grep xyzzy "$T/f"
	assert_output 0
	run -1 mmtool grep xyzzyx "$T/f"
	assert_output ""
}

# The search core with a byte kernel forced (tests/lib/search_kernels.c).
search_kernels() {
	local src=$BATS_TEST_DIRNAME/../src
	cc -O2 -D_GNU_SOURCE -I"$src" -o "$T/sk" "$BATS_TEST_DIRNAME/lib/search_kernels.c" \
		"$src/search.c" "$src/grep_simd.c" "$src/num.c" $(pkg-config --cflags --libs libpcre2-8)
}

@test "grep: every literal kernel (avx2, sse2, scalar) agrees with python" {
	search_kernels
	planted "$T/f" 300000 "$NEEDLE"
	plant "$T/f" 6e45654444 1000 2000
	want=$(py_find "$T/f" "$NEEDLE")
	want_i=$(py_re "$T/f" NEEDLE i)
	want_n=$(py_re "$T/f" "NEEDLE|EDL|$(printf '\xff\xfe')")
	for k in avx2 sse2 scalar; do
		[ "$k" = scalar ] || grep -qw "$k" /proc/cpuinfo || continue
		run -0 "$T/sk" "$k" "$T/f" NEEDLE
		assert_line --index 0 "$k"
		assert_equal "$(tail -n +2 <<<"$output")" "$want"
		run -0 "$T/sk" "$k" -i "$T/f" nEeDlE
		assert_equal "$(tail -n +2 <<<"$output")" "$want_i"
		run -0 "$T/sk" "$k" "$T/f" NEEDLE EDL "$(printf '\xff\xfe')"
		assert_equal "$(tail -n +2 <<<"$output")" "$want_n"
	done
	run -0 mmtool grep NEEDLE "$T/f"
	assert_output "$want"
}

@test "grep: matches do not overlap unless --overlap" {
	printf 'aaaaXaaa' > "$T/f"
	run -0 mmtool grep aa "$T/f"
	assert_output "$(py_find "$T/f" 6161)"
	assert_output "$(printf '0\n2\n5')"
	run -0 mmtool grep --overlap aa "$T/f"
	assert_output "$(py_find "$T/f" 6161 overlap)"
	assert_output "$(printf '0\n1\n2\n5\n6')"
}

@test "grep: several -e patterns in one pass: file order, the longest at one offset" {
	planted "$T/f" 50000 "$NEEDLE"
	plant "$T/f" 4e4545 1000 2000
	run -0 mmtool grep -e NEE -e NEEDLE -e DLE "$T/f"
	# Python's alternation takes the first that matches: longest first.
	assert_output "$(py_re "$T/f" 'NEEDLE|NEE|DLE')"
	assert_line 1000
	assert_line 777
	run -0 mmtool grep --overlap -e NEE -e DLE "$T/f"
	assert_output "$(py_re "$T/f" 'NEE|DLE' o)"
}

@test "grep: -i folds ASCII case and nothing else" {
	printf 'Needle needle NEEDLE \xc9 \xe9' > "$T/f"
	run -0 mmtool grep -i needle "$T/f"
	assert_output "$(printf '0\n7\n14')"
	run -0 mmtool grep -i "$(printf '\xe9')" "$T/f"
	assert_output 23
}

@test "grep -x: hex bytes with ?? and ? wildcards agree with a python regex" {
	planted "$T/f" 200000 "$NEEDLE"
	plant "$T/f" 4e4f4544ff45 5000
	run -0 mmtool grep -x '4e ?? 45 44 ?? 45' "$T/f"
	assert_output "$(py_re "$T/f" 'N[\x00-\xff]ED[\x00-\xff]E')"
	assert_line 5000
	run -0 mmtool grep -x '4e4?4544?c45' "$T/f"
	assert_output "$(py_re "$T/f" 'N[\x40-\x4f]ED[\x0c\x1c\x2c\x3c\x4c\x5c\x6c\x7c\x8c\x9c\xac\xbc\xcc\xdc\xec\xfc]E')"
	run -0 mmtool grep -x '0x4e:45-45 44:4c 45' "$T/f"
	assert_output "$(py_find "$T/f" "$NEEDLE")"
}

@test "grep -x: a bad hex pattern is an error" {
	printf 'abc' > "$T/f"
	run -2 --separate-stderr mmtool grep -x '4e 4' "$T/f"
	assert_equal "$stderr" "mmtool: grep: odd number of hex digits in '4e 4'"
	run -2 --separate-stderr mmtool grep -x '4g' "$T/f"
	assert_equal "$stderr" "mmtool: grep: 'g' is not a hex digit or '?' in '4g'"
	run -2 --separate-stderr mmtool grep -x '' "$T/f"
	assert_equal "$stderr" "mmtool: grep: empty PATTERN: give at least one byte"
}

@test "grep -E: PCRE2 over bytes agrees with python's re" {
	planted "$T/f" 100000 "$NEEDLE"
	plant "$T/f" ff0102034e4545 5000
	plant "$T/f" 9a39 6000
	local res=('NEE[A-Z]LE' '\xff[\x00-\x0f]{2,3}' 'E+D' '(?<=N)EE' 'D(?=LE)' '[\x80-\x9f]\d') n
	py_re_each "$T/f" "${res[@]}"
	for n in "${!res[@]}"; do
		run -0 mmtool grep -E "${res[n]}" "$T/f"
		assert_output "$(<"$T/re.$n")"
	done
	run -0 mmtool grep -E -i 'needle' "$T/f"
	assert_output "$(py_re "$T/f" needle i)"
	run -0 mmtool grep -E --overlap 'E+' "$T/f"
	assert_output "$(py_re "$T/f" 'E+' o)"
}

@test "grep -E: a pattern that backtracks without end is a clean error" {
	{ head -c 40 /dev/zero | tr '\0' a; printf 'b'; } > "$T/f"
	run -2 --separate-stderr timeout 60 mmtool grep -E '(a+)+$' "$T/f"
	assert_equal "$stderr" "mmtool: grep: $T/f: pattern too complex: the regex ran out of backtracking steps at offset 0 (a search may take 16 million plus 8 a byte): simplify the pattern"
	assert_output ""
}

@test "grep -E: a bad regex is an error that says where" {
	run -2 --separate-stderr mmtool grep -E 'a(b' /dev/null
	assert_equal "$stderr" "mmtool: grep: bad regex 'a(b': missing closing parenthesis at offset 3"
}

@test "grep: through a pipe, a match across two reads is found once, at its offset" {
	planted "$T/f" 1100000 "$NEEDLE"
	# The reads are 256 KiB; straddle each seam.
	plant "$T/f" "$NEEDLE" 262141 524284 786430 1048573
	want=$(py_find "$T/f" "$NEEDLE")
	run -0 bash -c "cat '$T/f' | mmtool grep NEEDLE"
	assert_output "$want"
	assert_line 262141
	assert_line 1048573
	run -0 bash -c "cat '$T/f' | mmtool grep -E 'NEE.LE'"
	assert_output "$want"
	run -0 bash -c "cat '$T/f' | mmtool grep -x '4e 45 ?? 44 4c 45'"
	assert_output "$(py_re "$T/f" 'NE[\x00-\xff]DLE')"
}

@test "grep: standard input as - and with no FILE" {
	printf 'xxNEEDLE' > "$T/f"
	run -0 bash -c "mmtool grep NEEDLE < '$T/f'"
	assert_output 2
	run -0 bash -c "mmtool grep -H NEEDLE - < '$T/f'"
	assert_output "(standard input):2"
	run -1 bash -c "printf '' | mmtool grep NEEDLE"
	assert_output ""
}

# A sparse file of 100 MiB, larger than the 32 MiB window, with NEEDLE
# straddling every seam: those of a mapped walk (each 32 MiB window keeps
# the last 5 bytes of the one before for a literal, 256 KiB for a regex),
# and of the 12.5 MiB steps, which cross the 16 MiB ranges that grep's
# pool searches apart.  16 matches.
window_file() {
	local f=$1 W=$((32 << 20)) K=$((256 << 10)) S=$(((100 << 20) / 8)) k offs=()
	truncate -s $((100 << 20)) "$f"
	for k in 1 2 3 4 5 6 7; do
		offs+=($((k * S - 2)))
	done
	plant "$f" "$NEEDLE" 0 4093 $((W - 3)) $((2 * W - 5 - 3)) $((3 * W - 10 - 1)) \
		$((2 * W - K - 2)) $((3 * W - 2 * K - 4)) $((S + 4096 - 1)) \
		$(((100 << 20) - 6)) "${offs[@]}"
}

@test "grep: read or mapped, each match once across the seams of the 256 KiB reads" {
	planted "$T/f" 2000000 "$NEEDLE"
	plant "$T/f" "$NEEDLE" $(for k in 1 2 3 4 5 6 7; do echo $((262144 * k - 3)); done)
	want=$(py_find "$T/f" "$NEEDLE")
	want_re=$(py_re "$T/f" 'NE.DLE')
	for mode in --mmap --no-mmap; do
		run -0 mmtool grep $mode NEEDLE "$T/f"
		assert_output "$want"
		run -0 mmtool grep $mode -x 4e45??444c45 "$T/f"
		assert_output "$want"
		run -0 mmtool grep $mode -E 'NE.DLE' "$T/f"
		assert_output "$want_re"
		mmtool grep $mode -C 40 NEEDLE "$T/f" > "$T/ctx$mode"
	done
	cmp "$T/ctx--mmap" "$T/ctx--no-mmap"
	# A regex match longer than a read, inside one range, is found whole.
	head -c 2000000 /dev/zero > "$T/z"
	plant "$T/z" 5354415254 100000
	plant "$T/z" 454e44 1500000
	run -0 mmtool grep --no-mmap -E '(?s)START.*?END' "$T/z"
	assert_output 100000
}

@test "grep: across the window seams of a file larger than the window, each match once" {
	window_file "$T/big"
	want=$(py_find "$T/big" "$NEEDLE")
	[ "$(wc -l <<<"$want")" -eq 16 ]
	local opts=(-j1 -j7 "-j2 --mmap")
	[ -z "${MMTOOL_FULL:-}" ] || opts=(-j1 -j2 -j7 "-j2 --mmap" "-j7 --mmap")
	for opt in "${opts[@]}"; do
		run -0 mmtool grep $opt NEEDLE "$T/big"
		assert_output "$want"
		run -0 mmtool grep $opt -E 'NEED+LE' "$T/big"
		assert_output "$want"
		run -0 mmtool grep $opt -x '4e 45 ?? 44 4? 45' "$T/big"
		assert_output "$want"
		run -0 mmtool grep $opt -c NEEDLE "$T/big"
		assert_output 16
	done
}

@test "grep: a large file written in one piece gives the same offsets for any -j, read or mapped" {
	# One write: where the kernel can, the page cache holds it in 2 MiB folios.
	python3 - "$T/one" <<'PY'
import os, random, sys
r = random.Random(7)
b = bytearray(r.randbytes(40 << 20))
W = 32 << 20
for o in [0, 4093, W - 3, W - 2, (20 << 20) - 1, (40 << 20) - 6] + \
         [r.randrange(len(b) - 6) for _ in range(50)]:
    b[o:o + 6] = b'NEEDLE'
open(sys.argv[1], 'wb').write(b)
PY
	want=$(py_find "$T/one" "$NEEDLE")
	local opts=(-j1 "-j2 --mmap")
	[ -z "${MMTOOL_FULL:-}" ] || opts=(-j1 -j2 "-j2 --mmap")
	for opt in "${opts[@]}"; do
		run -0 mmtool grep $opt NEEDLE "$T/one"
		assert_output "$want"
		run -0 mmtool grep $opt -x '4e45??444c45' "$T/one"
		assert_output "$want"
		run -0 mmtool grep $opt -E 'NEE.LE' "$T/one"
		assert_output "$want"
		run -0 mmtool grep $opt -e NEEDLE -e NEEDLE "$T/one"
		assert_output "$want"
		run -0 mmtool grep $opt --range 1M:-1M -c NEEDLE "$T/one"
		assert_output "$(awk '$1 >= 1048576 && $1 + 6 <= 40 * 1048576 - 1048576' <<<"$want" | wc -l)"
	done
}

@test "grep: runs that straddle the 16 MiB ranges pair up as in one scan, for any -j" {
	# Runs of a whose pairing depends on where the scan before them ended.
	python3 - "$T/f" <<'PY'
import sys
M = 16 << 20
f = open(sys.argv[1], 'wb')
f.truncate(3 * M + 1000)
for at, n in [(0, 7), (M - 9, 20), (M - 1, 2), (2 * M - 200, 400), (3 * M - 3, 11), (3 * M + 989, 11)]:
    f.seek(at)
    f.write(b'a' * n)
PY
	for pat in $(reps aa "aa aaa"); do
		py_re_pairs "$T/f" "$pat" "" "$pat" o "${pat}+" ""
		want=$(<"$T/re.0")
		want_o=$(<"$T/re.1")
		want_e=$(<"$T/re.2")
		for j in $(reps "2 7" "1 2 7"); do
			run -0 mmtool grep -j $j "$pat" "$T/f"
			assert_output "$want"
			run -0 mmtool grep -j $j --overlap "$pat" "$T/f"
			assert_output "$want_o"
			run -0 mmtool grep -j $j -E "${pat}+" "$T/f"
			assert_output "$want_e"
			run -0 mmtool grep -j $j -m 5 "$pat" "$T/f"
			assert_output "$(head -5 <<<"$want")"
		done
	done
	run -0 mmtool grep -j 2 -m 3 -c a "$T/f"
	assert_output 3
	run -0 mmtool grep -j 2 -l a "$T/f"
	assert_output "$T/f"
}

@test "grep --mmap: a file truncated while mapped: one error line, exit 2" {
	cc -shared -fPIC -O2 -o "$T/trunc.so" "$BATS_TEST_DIRNAME/lib/trunc.c" -ldl
	local pre="$T/trunc.so"
	# ASan must come first in LD_PRELOAD (FACTS.md).
	under_sanitizer && pre="$(gcc -print-file-name=libasan.so) $pre"
	for i in 1 2 3 4 5; do
		for re in '' -E; do
			randfile "$T/victim" 3000000
			run -2 --separate-stderr env TRUNC_MATCH=victim LD_PRELOAD="$pre" \
				mmtool grep --mmap -j2 $re NEEDLE "$T/victim"
			assert_equal "$stderr" "mmtool: grep: $T/victim: file changed under us: it shrank (truncated by another process?)"
			assert_output ""
		done
	done
}

@test "grep: the default, --mmap and --no-mmap print the same for a file that either way may reach" {
	# 20 MiB, more than one 16 MiB range: read by default, mapped with
	# --mmap, named or found by -r.
	randfile "$T/f" $((20 << 20))
	plant "$T/f" "$NEEDLE" 0 $(((2 << 20) + 5)) $(((16 << 20) - 3)) $(((20 << 20) - 6))
	mkdir "$T/d"
	cp "$T/f" "$T/d/f"
	for args in "NEEDLE $T/f" "-c NEEDLE $T/f" "-x 4e45??444c45 $T/f" \
		"-E NE.DLE $T/f" "-o --json NEEDLE $T/f" "-C 20 NEEDLE $T/f" \
		"--range 1M+2M NEEDLE $T/f" "-r -c NEEDLE $T/d" "-j1 NEEDLE $T/f"; do
		mmtool grep $args > "$T/default"
		mmtool grep --mmap $args > "$T/mapped"
		mmtool grep --no-mmap $args > "$T/read"
		cmp "$T/default" "$T/mapped"
		cmp "$T/default" "$T/read"
	done
	run -0 mmtool grep NEEDLE "$T/f"
	assert_output "$(py_find "$T/f" "$NEEDLE")"
}

@test "grep: every file is read unless --mmap maps it (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	[ -z "${MMTOOL_WRAP:-}" ] || skip "strace would trace the wrapper"
	randfile "$T/big" $((16 << 20))
	randfile "$T/small" $(((16 << 20) - 1))
	mkdir "$T/d"
	cp "$T/big" "$T/d/big"
	reads() {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -qq -e trace=pread64 -o "$T/trace" mmtool grep -j1 "$@" > /dev/null
		grep -cE '^[0-9]+ +pread64\(.*\) = [0-9]{5,}$' "$T/trace" || true
	}
	[ "$(reads NEEDLE "$T/big")" -gt 0 ]
	[ "$(reads NEEDLE "$T/small")" -gt 0 ]
	[ "$(reads -r NEEDLE "$T/d")" -gt 0 ]
	[ "$(reads --no-mmap NEEDLE "$T/big")" -gt 0 ]
	[ "$(reads --mmap NEEDLE "$T/big")" -eq 0 ]
	[ "$(reads --mmap --range 0+1M NEEDLE "$T/big")" -eq 0 ]
	[ "$(reads --mmap -r NEEDLE "$T/d")" -eq 0 ]
	[ "$(reads --mmap NEEDLE "$T/small")" -eq 0 ]
}

@test "grep: a 4 GiB file is searched window by window under ulimit -v 262144" {
	under_sanitizer && skip "ASan cannot run under a small ulimit -v"
	[ -z "${MMTOOL_WRAP:-}" ] || skip "valgrind cannot run under a small ulimit -v"
	truncate -s 4G "$T/huge" || skip "no sparse files here"
	offs="0 33554429 67108859 2147483646 2181038076 4294967290"
	plant "$T/huge" "$NEEDLE" $offs
	# Mapped: 16 threads' windows do not all fit, and those that do not are
	# read.  Under make check only from 2047 MiB on (a match across 2^31,
	# and the end), half the scan; the whole file under make check-full.
	if [ -n "${MMTOOL_FULL:-}" ]; then
		run -0 bash -c "ulimit -v 262144 && mmtool grep --mmap -j16 NEEDLE '$T/huge'"
		assert_output "$(tr ' ' '\n' <<<"$offs")"
	else
		run -0 bash -c "ulimit -v 262144 && mmtool grep --mmap -j16 --range 2047M: NEEDLE '$T/huge'"
		assert_output "$(tr ' ' '\n' <<<"2147483646 2181038076 4294967290")"
	fi
	# Read: the whole file under make check-full; under make check only its
	# last megabyte, where offsets are past 2^31 and near 2^32.
	if [ -n "${MMTOOL_FULL:-}" ]; then
		run -0 bash -c "ulimit -v 262144 && mmtool grep --no-mmap -j2 NEEDLE '$T/huge'"
		assert_output "$(tr ' ' '\n' <<<"$offs")"
	else
		run -0 bash -c "ulimit -v 262144 && mmtool grep --no-mmap -j2 --range 4293918720: NEEDLE '$T/huge'"
		assert_output 4294967290
	fi
}

@test "grep: a regex match longer than the seam overlap is an error, not a wrong answer" {
	run -2 --separate-stderr bash -c "head -c 600000 /dev/zero | tr '\\0' a | mmtool grep -E 'a+'"
	assert_equal "$stderr" "mmtool: grep: -: a regex match at offset 0 is longer than the 256 KiB that can span two chunks of input"
	# Within one chunk any length is fine.
	head -c 600000 /dev/zero | tr '\0' a > "$T/f"
	run -0 mmtool grep -E 'a+' "$T/f"
	assert_output 0
}

@test "grep: FILE:OFFSET with several files; -H and --no-filename force either" {
	printf 'NEEDLE' > "$T/a"
	printf 'xNEEDLE' > "$T/b"
	run -0 mmtool grep NEEDLE "$T/a" "$T/b"
	assert_output "$(printf '%s\n%s' "$T/a:0" "$T/b:1")"
	run -0 mmtool grep --no-filename NEEDLE "$T/a" "$T/b"
	assert_output "$(printf '0\n1')"
	run -0 mmtool grep -H NEEDLE "$T/b"
	assert_output "$T/b:1"
}

@test "grep -c: the number of matches per file, FILE:N with several" {
	planted "$T/a" 100000 "$NEEDLE"
	printf 'nothing' > "$T/b"
	run -0 mmtool grep -c NEEDLE "$T/a"
	assert_output "$(py_find "$T/a" "$NEEDLE" | wc -l)"
	run -0 mmtool grep -c NEEDLE "$T/a" "$T/b"
	assert_line --index 0 "$T/a:$(py_find "$T/a" "$NEEDLE" | wc -l)"
	assert_line --index 1 "$T/b:0"
	run -1 mmtool grep -c NEEDLE "$T/b"
	assert_output 0
}

@test "grep -l: the names of the files with a match, once each" {
	printf 'NEEDLE NEEDLE' > "$T/a"
	printf 'nothing' > "$T/b"
	printf 'xNEEDLE' > "$T/c"
	run -0 mmtool grep -l NEEDLE "$T/a" "$T/b" "$T/c"
	assert_output "$(printf '%s\n%s' "$T/a" "$T/c")"
}

@test "grep -q: no output; exit 0 on a match, 1 without" {
	printf 'NEEDLE' > "$T/a"
	run -0 mmtool grep -q NEEDLE "$T/a"
	assert_output ""
	run -1 mmtool grep -q HAYSTACK "$T/a"
	assert_output ""
}

@test "grep -m: at most N matches a file" {
	printf 'aXaXaXaX' > "$T/a"
	cp "$T/a" "$T/b"
	run -0 mmtool grep -m 2 a "$T/a" "$T/b"
	assert_output "$(printf '%s\n' "$T/a:0" "$T/a:2" "$T/b:0" "$T/b:2" | head -c -1)"
	run -0 mmtool grep -c -m 3 a "$T/a"
	assert_output 3
	run -1 mmtool grep -m 0 a "$T/a"
	assert_output ""
}

@test "grep --range: only matches wholly inside it" {
	printf 'NEEDLE....NEEDLE....NEEDLE' > "$T/f"
	run -0 mmtool grep --range 1: NEEDLE "$T/f"
	assert_output "$(printf '10\n20')"
	run -0 mmtool grep --range 0:16 NEEDLE "$T/f"
	assert_output "$(printf '0\n10')"
	run -0 mmtool grep --range 0:15 NEEDLE "$T/f"
	assert_output 0
	run -0 mmtool grep --range 10+6 NEEDLE "$T/f"
	assert_output 10
	run -0 mmtool grep --range -6: NEEDLE "$T/f"
	assert_output 20
	run -0 mmtool grep --range 0x0:-10 NEEDLE "$T/f"
	assert_output "$(printf '0\n10')"
	run -0 bash -c "mmtool grep --range 5:100 NEEDLE < '$T/f'"
	assert_output "$(printf '10\n20')"
}

@test "grep --range: a bad or backwards range is an error" {
	printf 'NEEDLE' > "$T/f"
	run -2 --separate-stderr mmtool grep --range 9:5 NEEDLE "$T/f"
	assert_equal "$stderr" "mmtool: grep: bad RANGE '9:5': range ends before it starts"
	run -2 --separate-stderr mmtool grep --range -100: NEEDLE "$T/f"
	assert_equal "$stderr" "mmtool: grep: $T/f: bad RANGE '-100:': offset reaches before the start of the file (size 6)"
	run -2 --separate-stderr mmtool grep --range 5 NEEDLE "$T/f"
	assert_equal "$stderr" "mmtool: grep: bad RANGE '5': write START:END or START+LENGTH"
	run -2 --separate-stderr bash -c "mmtool grep --range -3: NEEDLE < '$T/f'"
	assert_equal "$stderr" "mmtool: grep: -: a negative RANGE needs a file with a known size"
}

@test "grep --radix: x and o print offsets that OFFSET arguments read back" {
	planted "$T/f" 70000 "$NEEDLE"
	run -0 mmtool grep --radix x NEEDLE "$T/f"
	assert_output "$(py_find "$T/f" "$NEEDLE" | while read -r o; do printf '0x%x\n' "$o"; done)"
	for o in $output; do
		run -0 mmtool peek -f raw "$T/f" "$o" 6
		assert_output NEEDLE
	done
	run -0 mmtool grep --radix o NEEDLE "$T/f"
	assert_output "$(py_find "$T/f" "$NEEDLE" | while read -r o; do printf '0o%o\n' "$o"; done)"
	run -0 mmtool peek -f raw "$T/f" "${lines[1]}" 6
	assert_output NEEDLE
	run -2 --separate-stderr mmtool grep --radix b NEEDLE "$T/f"
	assert_equal "$stderr" "mmtool: grep: bad --radix 'b': use d, x or o"
}

@test "grep -C: N bytes either side, byte-identical to xxd -s -l, cut at the ends" {
	planted "$T/f" 20000 "$NEEDLE"
	want=$(py_find "$T/f" "$NEEDLE" | while read -r o; do
		s=$((o > 40 ? o - 40 : 0))
		e=$((o + 46 < 20000 ? o + 46 : 20000))
		[ "$s" -eq 0 ] || echo --
		echo "$o"
		xxd -s "$s" -l $((e - s)) "$T/f"
	done)
	run -0 mmtool grep -C 40 NEEDLE "$T/f"
	assert_output "$want"
	run -0 bash -c "cat '$T/f' | mmtool grep -C 40 NEEDLE"
	assert_output "$want"
	run -0 mmtool grep -C 0 NEEDLE "$T/f"
	assert_line --index 1 "$(xxd -s 0 -l 6 "$T/f")"
}

@test "grep -C: the context of a match at a window seam is whole" {
	window_file "$T/big"
	run -0 mmtool grep -C 100 NEEDLE "$T/big"
	want=$(py_find "$T/big" "$NEEDLE" | while read -r o; do
		s=$((o > 100 ? o - 100 : 0))
		e=$((o + 106 < (100 << 20) ? o + 106 : (100 << 20)))
		[ "$e" -gt "$s" ] || return 1
		[ "$s" -eq 0 ] || echo --
		echo "$o"
		xxd -s "$s" -l $((e - s)) "$T/big"
	done)
	assert_output "$want"
}

@test "grep -0: every record ends with NUL" {
	printf 'NEEDLE NEEDLE' > "$T/a"
	mmtool grep -0 NEEDLE "$T/a" > "$T/out"
	printf '0\0007\000' | cmp - "$T/out"
	mmtool grep -0 -l NEEDLE "$T/a" "$T/a" > "$T/out"
	printf '%s\0%s\0' "$T/a" "$T/a" | cmp - "$T/out"
	mmtool grep -0 -c NEEDLE "$T/a" > "$T/out"
	printf '2\000' | cmp - "$T/out"
}

@test "grep --json: one object a match that python parses, for any file name" {
	mkdir "$T/d"
	python3 - "$T/d" <<'PY'
import os, sys
for n in [b'plain', b'q"uo\\te', b'ctl\x01\x1f\x7f\ttab\nnl', b'bad\xff\xfe', b'cut\xe2\x82', b'ok\xc3\xa9\xf0\x9f\x98\x80']:
    open(os.path.join(sys.argv[1].encode(), n), 'wb').write(b'..NEEDLE\xff')
PY
	cd "$T/d"
	mmtool grep --json -E 'NEEDLE.' -- * > "$T/out"
	python3 - "$T/out" <<'PY'
import json, os, sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
assert lines[-1] == b''
names = sorted(os.listdir(b'.'))
assert len(lines) - 2 == len(names) == 6, lines
for line, name in zip(lines, names):
    o = json.loads(line)
    assert set(o) - {'file_b64'} == {'kind', 'file', 'offset', 'length', 'hex'}, o
    assert o['file'] == name.decode('utf-8', 'replace'), (o, name)
    assert (o['offset'], o['length'], o['hex']) == (2, 7, '4e4545444c45ff'), o
PY
}

@test "grep -r: directories in name order, symbolic links not followed" {
	mkdir -p "$T/d/b/c" "$T/d/a" "$T/other"
	printf 'NEEDLE' > "$T/d/b/c/f"
	printf 'xNEEDLE' > "$T/d/a/f"
	printf 'no' > "$T/d/z"
	printf 'NEEDLE' > "$T/other/g"
	ln -s "$T/other/g" "$T/d/link"
	ln -s "$T/other" "$T/d/dirlink"
	mkfifo "$T/d/fifo"
	run -0 timeout 20 mmtool grep -r NEEDLE "$T/d"
	assert_output "$(printf '%s\n%s' "$T/d/a/f:1" "$T/d/b/c/f:0")"
	run -0 timeout 20 mmtool grep -rc NEEDLE "$T/d"
	assert_output "$(printf '%s\n' "$T/d/a/f:1" "$T/d/b/c/f:1" "$T/d/z:0" | head -c -1)"
	# A link named on the command line is followed, as GNU grep does.
	run -0 mmtool grep -r NEEDLE "$T/d/link"
	assert_output 0
}

@test "grep: a directory without -r is an error" {
	run -2 --separate-stderr mmtool grep NEEDLE "$T"
	assert_equal "$stderr" "mmtool: grep: $T: is a directory"
}

@test "grep --lock: waits for an exclusive flock, shares with a shared one" {
	printf 'NEEDLE' > "$T/f"
	run -0 flock -s "$T/f" mmtool grep --lock NEEDLE "$T/f"
	assert_output 0
	# While another holds it exclusively, grep --lock cannot proceed.
	run -124 flock -x "$T/f" timeout 1 mmtool grep --lock NEEDLE "$T/f"
	run -0 flock -x "$T/f" timeout 10 mmtool grep NEEDLE "$T/f"
}

@test "grep: exit 0 on a match, 1 on none, 2 on an error" {
	printf 'NEEDLE' > "$T/f"
	run -0 mmtool grep NEEDLE "$T/f"
	run -1 mmtool grep HAYSTACK "$T/f"
	run -2 --separate-stderr mmtool grep NEEDLE "$T/missing"
	assert_equal "$stderr" "mmtool: grep: $T/missing: No such file or directory"
	: > "$T/empty"
	run -1 mmtool grep NEEDLE "$T/empty"
}

@test "grep: with some files missing, each is reported, the rest searched, exit 2" {
	printf 'NEEDLE' > "$T/a"
	printf 'xNEEDLE' > "$T/b"
	run -2 --separate-stderr mmtool grep NEEDLE "$T/a" "$T/m1" "$T/b" "$T/m2"
	assert_output "$(printf '%s\n%s' "$T/a:0" "$T/b:1")"
	assert_equal "$stderr" "$(printf '%s\n%s' "mmtool: grep: $T/m1: No such file or directory" "mmtool: grep: $T/m2: No such file or directory")"
	run -2 --separate-stderr mmtool grep HAYSTACK "$T/a" "$T/m1"
	assert_output ""
}

@test "grep: usage errors exit 2 with one line" {
	run -2 --separate-stderr mmtool grep
	assert_equal "$stderr" "mmtool: grep: missing PATTERN; usage: mmtool grep [OPTIONS] PATTERN [FILE...]"
	run -2 --separate-stderr mmtool grep -x -E 41 /dev/null
	assert_equal "$stderr" "mmtool: grep: -x and -E cannot be combined: choose one pattern kind"
	run -2 --separate-stderr mmtool grep -m 1x a /dev/null
	assert_equal "$stderr" "mmtool: grep: bad --max-count '1x': unknown suffix 'x'"
	run -2 --separate-stderr mmtool grep -C 2M a /dev/null
	assert_equal "$stderr" "mmtool: grep: bad --context '2M': use 0 to 1048576"
	run -2 --separate-stderr mmtool grep '' /dev/null
	assert_equal "$stderr" "mmtool: grep: empty PATTERN: give at least one byte"
	run -2 --separate-stderr mmtool grep --frob a /dev/null
	assert_equal "$stderr" "mmtool: grep: --frob: unknown option (see 'mmtool grep --help')"
}

@test "grep: a pattern that starts with - is given with -e or after --" {
	printf 'x-16y' > "$T/f"
	run -0 mmtool grep -e -16 "$T/f"
	assert_output 1
	run -0 mmtool grep -- -16 "$T/f"
	assert_output 1
}

@test "grep: the long options do what the short ones do" {
	printf 'NEEDLE needle NEEDLE' > "$T/a"
	printf 'NEEDLE' > "$T/b"
	run -0 mmtool grep -i -c -H -m 2 needle "$T/a"
	want=$output
	run -0 mmtool grep --ignore-case --count --with-filename --max-count 2 needle "$T/a"
	assert_output "$want"
	run -0 mmtool grep --files-with-matches --null --regexp NEEDLE "$T/a" "$T/b"
	assert_output "$(mmtool grep -l -0 -e NEEDLE "$T/a" "$T/b")"
	run -0 mmtool grep --hex --context 2 4e45 "$T/b"
	assert_output "$(mmtool grep -x -C 2 4e45 "$T/b")"
	run -0 mmtool grep --regex --overlap --radix x 'E+' "$T/b"
	assert_output "$(mmtool grep -E --overlap --radix x 'E+' "$T/b")"
	run -0 mmtool grep --quiet --recursive NEEDLE "$T"
	assert_output ""
}

@test "grep --help: lists every option" {
	run -0 mmtool grep --help
	for o in --regexp --hex --regex --ignore-case --overlap --with-filename \
		--no-filename --count --files-with-matches --quiet --max-count \
		--range --radix --context --null --json --recursive --lock \
		--threads --mmap --no-mmap; do
		assert_output --partial -- "$o"
	done
}

@test "grep: memory stays bounded for any -j: -j 1024 -E over 64 MiB holds no more than 12 jobs' buffers" {
	under_sanitizer && skip "ASan's own memory would be measured"
	truncate -s 64M "$T/f"
	printf 'Xq7#Zk' | dd of="$T/f" bs=1 seek=40000000 conv=notrunc status=none
	# Peak resident memory of the child, by python3's getrusage: 32 jobs
	# of 2.5 MiB at once would be 80 MiB; 12 at a time are 30.
	run -0 python3 -c '
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True).stdout
print(out.decode().strip(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
' mmtool grep -j 1024 -E 'Xq.#Z[a-z]' "$T/f"
	read -r off mib <<<"$output"
	assert_equal "$off" 40000000
	[ "$mib" -lt 48 ]
}

@test "grep: holes of a sparse file are not read when no match can hold a zero byte; results equal python's" {
	local mib=$((1 << 20))
	truncate -s $((128 * mib)) "$T/f"
	# Data in three places: one ends right before a 16 MiB range's edge and
	# a hole, one starts at the next, one lies alone far out.  python3
	# prints where NEEDLE lies, then NEEDLE and a zero byte.
	python3 - "$T/f" > "$T/want" <<'PY'
import sys
f = open(sys.argv[1], 'r+b')
mib = 1 << 20
for off in (40 * mib + 3, 48 * mib - 6, 48 * mib, 120 * mib):
    f.seek(off)
    f.write(b'NEEDLE')
f.close()
data = open(sys.argv[1], 'rb').read()
for pat in (b'NEEDLE', b'NEEDLE\0'):
    at = data.find(pat)
    while at >= 0:
        print(at)
        at = data.find(pat, at + len(pat))
    print('-')
PY
	for j in 1 3; do
		run -0 mmtool grep -j "$j" NEEDLE "$T/f"
		assert_output "$(sed -n '1,/^-$/p' "$T/want" | sed '$d')"
	done
	# A pattern with a zero byte matches into a hole: holes are read then.
	run -0 mmtool grep -x 4e4545444c4500 "$T/f"
	assert_output "$(sed '1,/^-$/d' "$T/want" | sed '$d')"
	# Where the file system reports holes, they are not brought into the
	# page cache (reading a hole caches pages of zeros): the three 16 MiB
	# ranges with data in them are read, with readahead past them (about
	# 60 MiB of the 128).
	command -v fincore >/dev/null || skip "fincore is not installed"
	python3 -c 'import os, sys; os.lseek(os.open(sys.argv[1], os.O_RDONLY), 0, os.SEEK_HOLE) < os.path.getsize(sys.argv[1]) or sys.exit(1)' "$T/f" ||
		skip "this file system does not report holes"
	mmtool flush --drop "$T/f"
	mmtool grep -c NEEDLE "$T/f"
	run -0 fincore -b -n -o RES "$T/f"
	[ "$output" -lt $((96 * mib)) ]
}
