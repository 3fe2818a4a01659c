#!/usr/bin/env bats
# replace against its oracles: python3's bytes.replace and re.sub (same
# length), a python3 model of conda's prefix relocation for --cstring, and
# poke --patch for --undo.

setup() {
	load test_helper/common-setup
	_common_setup
}

# A file of random bytes with NEEDLE planted at the given offsets.
plant() {
	python3 - "$@" <<'PY'
import random, sys
path, size, needle = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
r = random.Random(size)
b = bytearray(r.randbytes(size))
for o in sys.argv[4:]:
    o = int(o)
    b[o:o + len(needle)] = needle
open(path, 'wb').write(b)
PY
}

@test "replace: a literal equals python's bytes.replace, across window seams" {
	local w=$((32 << 20))
	plant "$T/f" $((w + 100000)) /opt/old/path/v1.2 0 4000 $((w - 30)) $((w - 9)) $((w + 99982))
	python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(b.replace(b"/opt/old/path/v1.2", b"/srv/new/path/v9.9"))' "$T/f" "$T/want"
	local n
	n=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(b"/opt/old/path/v1.2"))' "$T/f")
	run mmtool replace -c /opt/old/path/v1.2 /srv/new/path/v9.9 "$T/f"
	assert_success
	assert_output "$n"
	[ "$n" -ge 5 ]
	cmp "$T/f" "$T/want"
}

@test "replace: -c counts the replacements, FILE:N with several files" {
	printf 'aXbXcX' > "$T/a"
	printf 'XX' > "$T/b"
	printf 'none' > "$T/c"
	run mmtool replace -c X Y "$T/a"
	assert_success
	assert_output 3
	run mmtool replace -c Y Z "$T/a" "$T/b" "$T/c"
	assert_success
	assert_output "$T/a:3
$T/b:0
$T/c:0"
	assert_equal "$(cat "$T/a")" aZbZcZ
}

@test "replace: -E equals python's re.sub for same-length matches, -i folds case" {
	python3 -c 'import random; r = random.Random(5); open("'"$T/f"'", "wb").write(b"".join(r.choice([b"id=1234;", b"ID=9876;", b"junk", b"\x00\xff"]) for _ in range(200000)))'
	python3 -c 'import re, sys; b = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(re.sub(rb"(?i)id=[0-9]{4}", b"id=XXXX", b))' "$T/f" "$T/want"
	run mmtool replace -E -i 'id=[0-9]{4}' id=XXXX "$T/f"
	assert_success
	cmp "$T/f" "$T/want"
}

@test "replace: -x with ?? wildcards, and ?? in the replacement keeps the byte" {
	printf '\x01\x02\xaa\x03 \x01\x02\xbb\x03' > "$T/f"
	run mmtool replace -x '01 02 ?? 03' 'ff ?? ?? fe' "$T/f"
	assert_success
	assert_equal "$(xxd -p "$T/f")" "ff02aafe20ff02bbfe"
}

@test "replace: -e reads C escapes in both" {
	printf 'a\0b\nc a\0b' > "$T/f"
	run mmtool replace -e 'a\0b' 'x\ty' "$T/f"
	assert_success
	assert_equal "$(xxd -p "$T/f")" "$(printf 'x\ty\nc x\ty' | xxd -p)"
}

@test "replace: a length mismatch is an error before anything is written" {
	printf 'abc abcd abc' > "$T/f"
	local before
	before=$(sum "$T/f")
	run -2 --separate-stderr mmtool replace -E 'abcd?' XYZ "$T/f"
	assert_equal "$stderr" "mmtool: replace: $T/f: the match at offset 4 is 4 bytes and REPLACEMENT 3: use --pad BYTE or --cstring for a shorter one; nothing was written"
	assert_equal "$(sum "$T/f")" "$before"
	run -2 --separate-stderr mmtool replace abc ABCD "$T/f"
	assert_equal "$(sum "$T/f")" "$before"
}

@test "replace: --pad fills a shorter replacement up to the match's length" {
	printf 'name=longvalue;name=longvalue;' > "$T/f"
	run mmtool replace --pad ' ' longvalue short "$T/f"
	assert_success
	assert_equal "$(cat "$T/f")" "name=short    ;name=short    ;"
	run mmtool replace --pad 0x2e 'short ' ab "$T/f"
	assert_success
	assert_equal "$(cat "$T/f")" "name=ab....   ;name=ab....   ;"
	run mmtool replace --pad '\0' ab X "$T/f"
	assert_equal "$(xxd -p "$T/f")" "$(printf 'name=X\0....   ;name=X\0....   ;' | xxd -p)"
}

@test "replace: --cstring equals a python model of conda's prefix relocation" {
	python3 - "$T/f" <<'PY'
import random, sys
r = random.Random(11)
parts = []
for i in range(3000):
    k = r.randrange(5)
    if k == 0: parts.append(b"/opt/old/lib/libx.so\0")             # continues after the match
    elif k == 1: parts.append(b"prefix=/opt/old\0")                # ends at the match
    elif k == 2: parts.append(b"/opt/old/bin:/opt/old/sbin:/x\0")  # several in one string
    elif k == 3: parts.append(bytes(r.randrange(1, 256) for _ in range(r.randrange(40))) + b"\0")
    else: parts.append(b"/opt/old" + bytes([r.randrange(1, 256)]) + b"/opt/old\0")
open(sys.argv[1], "wb").write(b"".join(parts) + b"/opt/old/tail-without-nul")
PY
	python3 - "$T/f" "$T/want" <<'PY'
import sys
# conda (conda/core/portability.py, binary_replace): each NUL-terminated
# string holding the prefix has every occurrence replaced and is padded with
# NULs to its old length.
data = open(sys.argv[1], "rb").read()
old, new = b"/opt/old", b"/new"
out, i = bytearray(), 0
while True:
    j = data.find(old, i)
    if j < 0:
        out += data[i:]
        break
    z = data.find(b"\0", j)
    z = len(data) if z < 0 else z
    s = data[j:z]
    t = s.replace(old, new)
    out += data[i:j] + t + b"\0" * (len(s) - len(t))
    i = z
open(sys.argv[2], "wb").write(out)
PY
	run mmtool replace --cstring /opt/old /new "$T/f"
	assert_success
	cmp "$T/f" "$T/want"
}

@test "replace: -n prints poke -n's diff, with FILE: headers for several files, and writes nothing" {
	printf 'hello world' > "$T/a"
	printf 'world' > "$T/b"
	local before
	before=$(sum "$T/a")
	run mmtool replace -n world WORLD "$T/a"
	assert_success
	assert_output "$(printf 'world' | xxd -o 6 | sed 's/^/-/'; printf 'WORLD' | xxd -o 6 | sed 's/^/+/')"
	assert_equal "$(sum "$T/a")" "$before"
	run mmtool replace -n world WORLD "$T/a" "$T/b"
	assert_success
	assert_line --index 0 "$T/a:"
	assert_line --index 3 "$T/b:"
	assert_line --index 4 "$(printf 'world' | xxd | sed 's/^/-/')"
}

@test "replace: --undo restores the file byte for byte" {
	plant "$T/f" 3000000 SECRET-KEY 0 100 2999990 1500000
	cp "$T/f" "$T/orig"
	run mmtool replace --undo "$T/undo" SECRET-KEY xxxxxxxxxx "$T/f"
	assert_success
	run cmp -s "$T/f" "$T/orig"
	assert_failure
	mmtool poke --patch "$T/undo" "$T/f"
	cmp "$T/f" "$T/orig"
	run -2 --separate-stderr mmtool replace --undo "$T/f" SECRET-KEY xxxxxxxxxx "$T/f"
	assert_equal "$stderr" "mmtool: replace: $T/f: the undo file is $T/f itself under another name; nothing was written"
	cmp "$T/f" "$T/orig"
	run -2 --separate-stderr mmtool replace --undo "$T/u" a b "$T/f" "$T/orig"
	assert_equal "$stderr" "mmtool: replace: --undo takes one FILE only (2 given)"
}

@test "replace: --expect-count refuses a file with another count, exit 1, untouched" {
	printf 'a.a.a.' > "$T/f"
	run --separate-stderr mmtool replace --expect-count 2 a b "$T/f"
	assert_failure 1
	assert_equal "$stderr" "mmtool: replace: $T/f: 3 matches, not the 2 expected; nothing was written"
	assert_equal "$(cat "$T/f")" a.a.a.
	run mmtool replace --expect-count 3 a b "$T/f"
	assert_success
	assert_equal "$(cat "$T/f")" b.b.b.
}

@test "replace: -m N replaces the first N, --range only matches inside it" {
	printf 'aaaaaaaa' > "$T/f"
	run mmtool replace -m 3 a b "$T/f"
	assert_success
	assert_equal "$(cat "$T/f")" bbbaaaaa
	run mmtool replace --range 4:7 a c "$T/f"
	assert_equal "$(cat "$T/f")" bbbaccca
}

@test "replace: no match exits 1 and leaves the file" {
	printf 'abc' > "$T/f"
	run mmtool replace zz yy "$T/f"
	assert_failure 1
	assert_equal "$(cat "$T/f")" abc
}

@test "replace: -r replaces in every file below a directory, -j 1 and 2 alike" {
	mkdir -p "$T/d/sub" "$T/e/sub"
	for i in 1 2 3; do printf 'x OLD y OLD' > "$T/d/f$i"; printf 'OLD' > "$T/d/sub/g$i"; done
	ln -s "$T/outside" "$T/d/link"
	printf 'OLD' > "$T/outside"
	cp -r "$T/d/." "$T/e"
	run mmtool replace -r -c -j 1 OLD NEW "$T/d"
	assert_success
	local one=$output
	run mmtool replace -r -c -j 2 OLD NEW "$T/e"
	assert_equal "${output//$T\/e/X}" "${one//$T\/d/X}"
	assert_equal "$(cat "$T/d/sub/g2")" NEW
	assert_equal "$(cat "$T/outside")" OLD
}

# 64 MiB past 4 GiB: offsets that do not fit 32 bits, over two MAP_WINDOWs
# (src/map.h), without reading a gigabyte of holes.
@test "replace: a sparse file past 4 GiB: matches far out, found and written" {
	local size=$(((4 << 30) + (64 << 20)))
	truncate -s "$size" "$T/big"
	printf 'MARKER' | dd of="$T/big" bs=1 seek=$((size - 6)) conv=notrunc status=none 2>/dev/null
	printf 'MARKER' | dd of="$T/big" bs=1 seek=$(((4 << 30) + 7)) conv=notrunc status=none 2>/dev/null
	run mmtool replace -c --range 4G: MARKER marker "$T/big"
	assert_success
	assert_output 2
	assert_equal "$(mmtool peek -f raw "$T/big" -6)" marker
	assert_equal "$(mmtool peek -f raw "$T/big" $(((4 << 30) + 7)) 6)" marker
	[ "$(stat -c %s "$T/big")" -eq "$size" ]
}

@test "replace: the holes of a sparse file are not read; -m and a zero byte in the pattern still count" {
	local mib=$((1 << 20))
	truncate -s $((96 * mib)) "$T/f"
	# NEEDLE in the data, one ending where a hole begins, as python3 sees them.
	python3 - "$T/f" <<'PY'
import sys
f = open(sys.argv[1], 'r+b')
for off in (3, 40 << 20, (48 << 20) - 6, 90 << 20):
    f.seek(off)
    f.write(b'NEEDLE')
PY
	cp --sparse=always "$T/f" "$T/g"
	run -0 mmtool replace -c NEEDLE needle "$T/f"
	assert_output 4
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[1], "wb").write(d.replace(b"NEEDLE", b"needle"))' "$T/g"
	cmp "$T/f" "$T/g"
	run -0 mmtool replace -c -m 2 needle NEEDLE "$T/f"
	assert_output 2
	run -0 mmtool grep needle "$T/f"
	assert_output "$(printf '%s\n' $((48 * mib - 6)) $((90 * mib)))"
	# A zero byte in the pattern: a match may run into a hole (both
	# needles are followed by zeros, one by a hole's).
	run -0 mmtool replace -c -x 6e6565646c6500 4e4545444c4500 "$T/f"
	assert_output 2
	command -v fincore >/dev/null || skip "fincore is not installed"
	python3 -c 'import os, sys; os.lseek(os.open(sys.argv[1], os.O_RDONLY), 0, os.SEEK_HOLE) < os.path.getsize(sys.argv[1]) or sys.exit(1)' "$T/f" ||
		skip "this file system does not report holes"
	mmtool flush --drop "$T/f"
	run -1 mmtool replace -n ABSENT absent "$T/f"
	run -0 fincore -b -n -o RES "$T/f"
	[ "$output" -lt $((16 * mib)) ]
}

@test "replace: errors are one line and exit 2" {
	printf 'abc' > "$T/f"
	run -2 --separate-stderr mmtool replace a b
	assert_equal "$stderr" "mmtool: replace: missing operands; usage: mmtool replace [OPTIONS] PATTERN REPLACEMENT FILE..."
	run -2 --separate-stderr mmtool replace a b "$T/missing"
	assert_equal "$stderr" "mmtool: replace: $T/missing: No such file or directory"
	run -2 --separate-stderr mmtool replace --pad 300 a b "$T/f"
	assert_equal "$stderr" "mmtool: replace: bad --pad '300': a byte is 0 to 255"
	run -2 --separate-stderr mmtool replace --pad x --cstring a b "$T/f"
	assert_equal "$stderr" "mmtool: replace: choose one of --pad and --cstring"
	run -2 --separate-stderr mmtool replace -x 'zz' '00' "$T/f"
	run -2 --separate-stderr mmtool replace a b - < "$T/f"
	assert_equal "$stderr" "mmtool: replace: -: cannot replace in standard input: replace writes in place"
	assert_equal "$(cat "$T/f")" abc
}

@test "replace --range: a start past the end of the one FILE is an error; among several, a miss" {
	printf hello >"$T/a"
	printf hello >"$T/b"
	local before r
	before=$(sum "$T/a")
	for r in 100:200 6: 6+1 1k+1; do
		run -2 --separate-stderr mmtool replace --range "$r" l L "$T/a"
		assert_equal "$stderr" "mmtool: replace: $T/a: bad RANGE '$r': starts past the end of the file (size 5)"
		assert_equal "$(sum "$T/a")" "$before"
	done
	run -1 mmtool replace --range 5: l L "$T/a"
	assert_equal "$(sum "$T/a")" "$before"
	# As grep: files among several that the range misses are searched as empty.
	printf 'hello world' >"$T/c"
	run -0 --separate-stderr mmtool replace --range 9: l L "$T/a" "$T/c"
	assert_equal "$stderr" ""
	assert_equal "$(cat "$T/a")" hello
	assert_equal "$(cat "$T/c")" "hello worLd"
}
