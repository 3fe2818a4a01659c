#!/usr/bin/env bats
# poke against its oracles: python3's mmap module and xxd -r.

setup() {
	load test_helper/common-setup
	_common_setup
}

@test "poke: random writes equal the same writes made with python3 mmap" {
	for s in $(reps "1 4097 1048579" "1 4095 4096 4097 1048579"); do
		randfile "$T/f" "$s"
		cp "$T/f" "$T/g"
		python3 - "$s" > "$T/edits" <<'PY'
import random, sys
s = int(sys.argv[1])
r = random.Random(s)
offs = [0, s - 1, max(0, s // 2)] + [r.randrange(s) for _ in range(12)]
offs += [o for o in (4094, 4095, 4096, 8191, 1048575) if o < s]
for o in offs:
    n = r.randint(1, min(40, s - o))
    print(o, bytes(r.randrange(256) for _ in range(n)).hex())
PY
		while read -r o h; do
			mmtool poke -x "$T/f" "$o" "$h"
		done < "$T/edits"
		python3 - "$T/g" "$T/edits" <<'PY'
import mmap, sys
with open(sys.argv[1], 'r+b') as f, mmap.mmap(f.fileno(), 0) as m:
    for line in open(sys.argv[2]):
        o, h = line.split()
        b = bytes.fromhex(h)
        m[int(o):int(o) + len(b)] = b
PY
		cmp "$T/f" "$T/g"
		[ "$(stat -c %s "$T/f")" -eq "$s" ]
	done
}

@test "poke: the literal DATA is written as given and the size does not change" {
	printf 'hello world\n' > "$T/f"
	run -0 mmtool poke "$T/f" 0 Hello
	assert_output ""
	run -0 cat "$T/f"
	assert_output "Hello world"
	[ "$(stat -c %s "$T/f")" -eq 12 ]
}

@test "poke: several literal DATA arguments are joined by one space, as echo does" {
	printf '................' > "$T/f"
	mmtool poke "$T/f" 1 Hello big world
	run -0 cat "$T/f"
	assert_output ".Hello big world"
}

@test "poke: a negative OFFSET counts back from the end" {
	printf 'abcdefgh' > "$T/f"
	mmtool poke "$T/f" -3 XYZ
	run -0 cat "$T/f"
	assert_output "abcdeXYZ"
}

@test "poke: -e writes C escapes" {
	head -c 16 /dev/zero > "$T/f"
	mmtool poke -e "$T/f" 0 'a\n\t\r\0\\\x41\101\7\xf'
	python3 -c "import sys; assert open(sys.argv[1],'rb').read()[:12] == b'a\n\t\r\0\\\\AA\x07\x0f' + bytes(2), open(sys.argv[1],'rb').read()" "$T/f"
}

@test "poke: -x accepts blanks, colons, dashes and 0x, and joins arguments" {
	head -c 16 /dev/zero > "$T/f"
	mmtool poke -x "$T/f" 0 '41 42:43-44' 0x45 '0x46 0X47' 4849
	run -0 head -c 9 "$T/f"
	assert_output "ABCDEFGHI"
}

@test "poke: -t writes every type in both byte orders as python3 struct packs it" {
	local cases=()
	for spec in u8:B:255 i8:b:-128 u16:H:65535 i16:h:-2 u32:I:4294967295 i32:i:-2147483648 \
		u64:Q:18446744073709551615 i64:q:-9223372036854775808 f32:f:1.5 f64:d:-0.1 f64:d:inf f32:f:-inf; do
		IFS=: read -r t code v <<< "$spec"
		for e in "" le be; do
			head -c 32 /dev/zero > "$T/f.${#cases[@]}"
			mmtool poke -t "$t$e" "$T/f.${#cases[@]}" 4 "$v" 7
			cases+=("$code:$e:$v")
		done
	done
	# One python3 checks every file: it starts slowly on a busy machine.
	python3 - "$T/f" "${cases[@]}" <<'PY'
import struct, sys
path = sys.argv[1]
for i, case in enumerate(sys.argv[2:]):
    code, e, v = case.split(':')
    order = '>' if e == 'be' else '<'
    val = float(v) if code in 'fd' else int(v)
    seven = 7.0 if code in 'fd' else 7
    want = bytes(4) + struct.pack(order + code, val) + struct.pack(order + code, seven)
    want += bytes(32 - len(want))
    got = open(path + '.' + str(i), 'rb').read()
    assert got == want, (case, got.hex(), want.hex())
PY
}

@test "poke: -t takes values separated by blanks and commas" {
	head -c 8 /dev/zero > "$T/f"
	mmtool poke -t u16be "$T/f" 0 "1, 2 3" 0x404
	run -0 mmtool peek -f hex "$T/f"
	assert_output "0001000200030404"
}

@test "poke: -t out of range and not-a-number are errors, file untouched" {
	randfile "$T/f" 16
	before=$(sum "$T/f")
	run -2 --separate-stderr mmtool poke -t u8 "$T/f" 0 1 256
	assert_equal "$stderr" "mmtool: poke: bad DATA: '256' is out of range for the type"
	run -2 --separate-stderr mmtool poke -t i8 "$T/f" 0 -129
	assert_equal "$stderr" "mmtool: poke: bad DATA: '-129' is out of range for the type"
	run -2 --separate-stderr mmtool poke -t u32 "$T/f" 0 -1
	assert_equal "$stderr" "mmtool: poke: bad DATA: '-1' is not a number"
	run -2 --separate-stderr mmtool poke -t f32 "$T/f" 0 1e39
	assert_equal "$stderr" "mmtool: poke: bad DATA: '1e39' is out of range for the type"
	run -2 --separate-stderr mmtool poke -t u16 "$T/f" 0 12ab
	assert_equal "$stderr" "mmtool: poke: bad DATA: '12ab' is not a number"
	run -2 --separate-stderr mmtool poke -t u17 "$T/f" 0 1
	assert_equal "$stderr" "mmtool: poke: unknown type 'u17': use u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 (each with optional le or be)"
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: -i FILE and -i - write a file's bytes" {
	randfile "$T/src" 5000
	randfile "$T/f" 10000
	cp "$T/f" "$T/g"
	mmtool poke -i "$T/src" "$T/f" 4000
	dd if="$T/src" of="$T/g" bs=1 seek=4000 conv=notrunc status=none
	cmp "$T/f" "$T/g"
	randfile "$T/src" 3000
	cat "$T/src" | mmtool poke -i - "$T/f" 1
	dd if="$T/src" of="$T/g" bs=1 seek=1 conv=notrunc status=none
	cmp "$T/f" "$T/g"
}

@test "poke: -r N writes DATA N times in a row" {
	head -c 10 /dev/zero > "$T/f"
	mmtool poke -r 3 "$T/f" 1 ab
	run -0 mmtool peek -f string "$T/f"
	assert_output '\0ababab\0\0\0'
}

@test "poke: -r with a large count is written in many 1 MiB pieces" {
	truncate -s 80M "$T/f"
	mmtool poke -r 20000000 -x "$T/f" 3 'de ad be ef'
	python3 - "$T/f" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
assert d[:3] == bytes(3)
assert d[3:3 + 80000000] == b'\xde\xad\xbe\xef' * 20000000
assert d[80000003:] == bytes(len(d) - 80000003)
PY
}

@test "poke: --expect writes when the bytes match, exits 1 and writes nothing when not" {
	printf 'Hello world' > "$T/f"
	run -0 mmtool poke --expect Hello "$T/f" 0 HELLO
	run -0 cat "$T/f"
	assert_output "HELLO world"
	run -1 --separate-stderr mmtool poke --expect Hello "$T/f" 0 howdy
	assert_equal "$stderr" ""
	run -0 cat "$T/f"
	assert_output "HELLO world"
}

@test "poke: --expect is read the way DATA is read" {
	printf 'AB' > "$T/f"
	run -0 mmtool poke -x --expect 4142 "$T/f" 0 6162
	run -0 mmtool poke -t u16be --expect 0x6162 "$T/f" 0 0x7a7a
	run -0 cat "$T/f"
	assert_output "zz"
	run -1 mmtool poke -e --expect '\x00' "$T/f" 0 q
}

@test "poke: --expect past the end of the file is a mismatch" {
	printf 'AB' > "$T/f"
	run -1 mmtool poke --expect ABC "$T/f" 0 x
	run -0 cat "$T/f"
	assert_output "AB"
}

@test "poke: writing past the end needs --grow; --grow extends with zeros" {
	printf 'abc' > "$T/f"
	run -2 --separate-stderr mmtool poke "$T/f" 5 XY
	assert_equal "$stderr" "mmtool: poke: $T/f: writing up to byte 7 runs past the end of the file (size 3): use --grow to extend the file"
	run -0 cat "$T/f"
	assert_output "abc"
	run -0 mmtool poke --grow "$T/f" 5 XY
	run -0 mmtool peek -f string "$T/f"
	assert_output 'abc\0\0XY'
}

@test "poke: --grow on an empty file" {
	: > "$T/f"
	run -0 mmtool poke --grow "$T/f" 0 Hello
	run -0 cat "$T/f"
	assert_output "Hello"
}

@test "poke: --create makes a new file of exactly the bytes written" {
	run -0 mmtool poke --create "$T/new.bin" 0 Hello
	run -0 cat "$T/new.bin"
	assert_output "Hello"
	[ "$(stat -c %s "$T/new.bin")" -eq 5 ]
}

@test "poke: --create uses mode 0666 less the umask" {
	(umask 027; mmtool poke --create "$T/new" 0 x)
	[ "$(stat -c %a "$T/new")" = 640 ]
}

@test "poke: --create does not truncate an existing file" {
	printf 'abcdef' > "$T/f"
	mmtool poke --create "$T/f" 1 X
	run -0 cat "$T/f"
	assert_output "aXcdef"
}

@test "poke: --create refuses to follow a dangling symbolic link" {
	ln -s "$T/target" "$T/link"
	run -2 --separate-stderr mmtool poke --create "$T/link" 0 x
	assert_equal "$stderr" "mmtool: poke: $T/link: is a dangling symbolic link: not creating the file it names"
	[ ! -e "$T/target" ]
}

@test "poke: a missing file without --create is an error that names --create" {
	run -2 --separate-stderr mmtool poke "$T/nope" 0 x
	assert_equal "$stderr" "mmtool: poke: $T/nope: No such file or directory (use --create to make it)"
	[ ! -e "$T/nope" ]
}

@test "poke: --size extends the file first; it never truncates" {
	printf 'abc' > "$T/f"
	run -0 mmtool poke --size 10 "$T/f" 8 Z
	[ "$(stat -c %s "$T/f")" -eq 10 ]
	run -0 mmtool peek -f string "$T/f"
	assert_output 'abc\0\0\0\0\0Z\0'
	run -2 --separate-stderr mmtool poke --size 5 "$T/f" 0 x
	assert_equal "$stderr" "mmtool: poke: $T/f: --size 5 is smaller than the file (10 bytes): poke never truncates"
	[ "$(stat -c %s "$T/f")" -eq 10 ]
}

@test "poke: --size alone only extends; with --create it makes a file of that size" {
	printf 'abc' > "$T/f"
	run -0 mmtool poke --size 1K "$T/f"
	[ "$(stat -c %s "$T/f")" -eq 1024 ]
	run -0 mmtool poke --create --size 4096 "$T/n"
	[ "$(stat -c %s "$T/n")" -eq 4096 ]
}

@test "poke: a write past --size still needs --grow" {
	printf 'abc' > "$T/f"
	run -2 --separate-stderr mmtool poke --size 4 "$T/f" 3 XY
	assert_equal "$stderr" "mmtool: poke: $T/f: writing up to byte 5 runs past the end of the file (size 4): use --grow to extend the file"
	[ "$(stat -c %s "$T/f")" -eq 3 ]
}

@test "poke: -n prints old and new bytes as xxd lines and writes nothing" {
	printf 'hello world\n' > "$T/f"
	before=$(sum "$T/f")
	run -0 mmtool poke -n "$T/f" 6 WORLD
	assert_line --index 0 "-$(xxd -s 6 -l 5 "$T/f")"
	printf 'WORLD' > "$T/new"
	assert_line --index 1 "+$(xxd -o 6 "$T/new")"
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: -n works on a file it may only read" {
	unpriv_dir
	printf 'hello' > "$U/f"
	chmod 444 "$U/f"
	run -0 as_nobody mmtool poke -n "$U/f" 0 J
	assert_line --index 0 "-00000000: 68                                       h"
}

@test "poke: -v prints the same lines after writing" {
	printf 'hello world\n' > "$T/f"
	cp "$T/f" "$T/g"
	run -0 mmtool poke -n "$T/g" 0 HELLO
	local want=$output
	run -0 mmtool poke -v "$T/f" 0 HELLO
	assert_output "$want"
	run -0 head -c 5 "$T/f"
	assert_output "HELLO"
}

@test "poke: --undo saves a patch that puts the old bytes back, for every DATA form" {
	randfile "$T/orig" 9000
	printf 'abcdefgh' > "$T/in"
	for form in "lit:x:Hello" "esc:-e:a\\nb\\0" "hex:-x:de ad be ef" "typ:-t u32be:1 2 3" "inp:-i $T/in:"; do
		IFS=: read -r name opt data <<< "$form"
		cp "$T/orig" "$T/f"
		if [ "$name" = inp ]; then
			mmtool poke --undo "$T/u" $opt "$T/f" 4090
		elif [ "$name" = lit ]; then
			mmtool poke --undo "$T/u" "$T/f" 4090 "$data"
		else
			mmtool poke --undo "$T/u" $opt "$T/f" 4090 "$data"
		fi
		run ! cmp -s "$T/f" "$T/orig"
		mmtool poke --patch "$T/u" "$T/f"
		cmp "$T/f" "$T/orig"
	done
}

@test "poke: --undo of a --patch with overlapping lines restores the file" {
	randfile "$T/orig" 100
	cp "$T/orig" "$T/f"
	printf '00000000: 4142 4344\n00000002: 5a5a 5a5a\n00000001: 7171\n' > "$T/p"
	mmtool poke --undo "$T/u" --patch "$T/p" "$T/f"
	run -0 mmtool peek -f raw "$T/f" 0 6
	assert_output "AqqZZZ"
	mmtool poke --patch "$T/u" "$T/f"
	cmp "$T/f" "$T/orig"
}

@test "poke: --undo does not undo what --grow added" {
	printf 'abc' > "$T/f"
	mmtool poke --grow --undo "$T/u" "$T/f" 2 XYZ
	mmtool poke --patch "$T/u" "$T/f"
	run -0 mmtool peek -f string "$T/f"
	assert_output 'abcYZ'
}

@test "poke: --patch of an edited peek equals xxd -r of the same patch" {
	randfile "$T/f" 70000
	cp "$T/f" "$T/g"
	mmtool peek "$T/f" 4000 300 > "$T/p"
	sed -i -e '3s/^\(.\{10\}\)..../\1beef/' -e '$s/^\(.\{10\}\)../\1ff/' "$T/p"
	mmtool poke --patch "$T/p" "$T/f"
	xxd -r "$T/p" "$T/g"
	cmp "$T/f" "$T/g"
	[ "$(stat -c %s "$T/f")" -eq 70000 ]
}

@test "poke: --patch reads any xxd layout (-c, -g, -u) and standard input" {
	randfile "$T/f" 5000
	randfile "$T/src" 5000
	cp "$T/f" "$T/g"
	for opts in "-c 16 -g 2" "-c 7 -g 1" "-c 32 -g 4" "-c 12 -g 0" "-u -c 5 -g 3"; do
		xxd $opts -s 100 -l 900 "$T/src" > "$T/p"
		mmtool poke --patch - "$T/f" < "$T/p"
		xxd -r "$T/p" "$T/g"
		cmp "$T/f" "$T/g"
	done
}

@test "poke: --patch past the end needs --grow" {
	printf 'abc' > "$T/f"
	printf '00000002: 4142\n' > "$T/p"
	run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/f"
	assert_equal "$stderr" "mmtool: poke: $T/f: writing up to byte 4 runs past the end of the file (size 3): use --grow to extend the file"
	run -0 mmtool poke --grow --patch "$T/p" "$T/f"
	run -0 cat "$T/f"
	assert_output "abAB"
}

@test "poke: standard xxd lines in any case and text column apply as xxd -r does" {
	randfile "$T/f" 3000
	cp "$T/f" "$T/g"
	python3 - "$T/p" <<'PY'
import random, sys
random.seed(7)
out = []
for i in range(120):
    data = bytes(random.randrange(256) for _ in range(16))
    hexs = data.hex()
    if i % 3 == 1:
        hexs = hexs.upper()
    groups = ' '.join(hexs[j:j + 4] for j in range(0, 32, 4))
    # Text columns of any bytes but a newline, short ones, and CRLF endings.
    col = bytes(random.choice(b'  0123abcdef:xyz\r\t~') for _ in range(16)).decode()
    if i % 7 == 3:
        col = col[:random.randrange(16)]
    end = '\r\n' if i % 5 == 2 else '\n'
    out.append('%08x: %s  %s%s' % (i * 17 + 5, groups, col, end))
open(sys.argv[1], 'w', newline='').write(''.join(out))
PY
	mmtool poke --patch "$T/p" "$T/f"
	xxd -r "$T/p" "$T/g"
	cmp "$T/f" "$T/g"
}

@test "poke: a bad character anywhere in a standard xxd line is found" {
	randfile "$T/f" 100
	before=$(sum "$T/f")
	good='00000010: 4865 6c6c 6f2c 2077 6f72 6c64 210a 0000  Hello, world!...'
	# Every position of the offset, the separators and the hex digits
	# under make check-full; every other one, from a random start, under
	# make check.  One patch each, all tried by one plain bash, which prints
	# for each the exit status and stderr (its newlines as \n).
	local -a patches poss
	local step i
	step=$(reps 2 1)
	for ((pos = step > 1 ? RANDOM % step : 0; pos < 51; pos += step)); do
		bad="${good:0:pos}g${good:pos+1}"
		printf '%s\n%s\n%s\n' "$good" "$bad" "$good" > "$T/p$pos"
		patches+=("$T/p$pos")
		poss+=("$pos")
	done
	run -0 bash -c '
		f=$1
		shift
		for p; do
			err=$(mmtool poke --patch "$p" "$f" 2>&1 >/dev/null)
			status=$?
			printf "%s %s\n" "$status" "${err//$'\''\n'\''/\\n}"
		done' tries "$T/f" "${patches[@]}"
	assert_equal "${#lines[@]}" "${#poss[@]}"
	for i in "${!poss[@]}"; do
		assert_regex "${lines[i]}" "^2 mmtool: poke: $T/p${poss[i]}: line 2: .*; nothing was written\$"
	done
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: one bad line in a 100,000-line patch and nothing is written" {
	randfile "$T/f" 1600000
	before=$(sum "$T/f")
	python3 - "$T/p" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    for i in range(100000):
        line = '%08x: %s  ................\n' % (i * 16, ' '.join(['abcd'] * 8))
        if i == 99999:
            line = line.replace('abcd', 'abgd', 1)
        f.write(line)
PY
	run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/f"
	assert_equal "$stderr" "mmtool: poke: $T/p: line 100000: 'g' is not a hex digit; nothing was written"
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: a large patch read in many pieces: the first bad line is the one named" {
	randfile "$T/f" 1000000
	cp "$T/f" "$T/g"
	randfile "$T/src" 960000
	# 60,000 lines (4 MB): read and parsed 256 KiB at a time.
	xxd "$T/src" > "$T/p"
	mmtool poke --patch "$T/p" "$T/f"
	xxd -r "$T/p" "$T/g"
	cmp "$T/f" "$T/g"
	before=$(sum "$T/f")
	for bad in "100 59000" "59000" "30001" "29999 30000 30001"; do
		cp "$T/p" "$T/q"
		for n in $bad; do
			sed -i "${n}s/^\(.\{20\}\)./\1x/" "$T/q"
		done
		run -2 --separate-stderr mmtool poke --patch "$T/q" "$T/f"
		assert_equal "$stderr" "mmtool: poke: $T/q: line ${bad%% *}: 'x' is not a hex digit; nothing was written"
		[ "$(sum "$T/f")" = "$before" ]
	done
}

@test "poke: a patch line longer than the read buffer, from a file and from a pipe" {
	randfile "$T/src" 3000000
	head -c 3000010 /dev/zero > "$T/f"
	head -c 3000010 /dev/zero > "$T/g"
	# One line of 6 MB of hex digits: longer than any piece read at once.
	{ printf '0000000a: '; xxd -p -c 0 "$T/src"; } > "$T/p"
	mmtool poke --patch "$T/p" "$T/f"
	cmp <(tail -c +11 "$T/f") "$T/src"
	cat "$T/p" | mmtool poke --patch - "$T/g"
	cmp "$T/f" "$T/g"
}

@test "poke: --patch - reads standard input from where it stands" {
	printf 'abcdef' > "$T/f"
	printf '00000000: 5858\n00000002: 5959\n' > "$T/p"
	{ read -r _; mmtool poke --patch - "$T/f"; } < "$T/p"
	run -0 cat "$T/f"
	assert_output "abYYef"
}

@test "poke: bad patch lines are errors that name the line" {
	printf 'abcdef' > "$T/f"
	while IFS='|' read -r line why; do
		printf '00000000: 4141\n%s\n' "$line" > "$T/p"
		run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/f"
		assert_equal "$stderr" "mmtool: poke: $T/p: line 2: $why; nothing was written"
	done <<-'EOF'
	hello|expected 'HEXOFFSET: HEXBYTES'
	00000000 4142|expected 'HEXOFFSET: HEXBYTES'
	00000000: 414|odd number of hex digits
	00000000:|no bytes after the offset
	*|a squeezed '*' line cannot be applied: make the patch without -a
	10000000000000000: 41|offset does not fit in 64 bits
	EOF
	run -0 cat "$T/f"
	assert_output "abcdef"
}

@test "poke: bad hex in the last argument and nothing is written" {
	randfile "$T/f" 100
	before=$(sum "$T/f")
	run -2 --separate-stderr mmtool poke -x "$T/f" 0 4142 4344 45zz
	assert_equal "$stderr" "mmtool: poke: bad DATA: 'z' is not a hex digit in '45zz'"
	run -2 --separate-stderr mmtool poke -x "$T/f" 0 4142 434
	assert_equal "$stderr" "mmtool: poke: bad DATA: odd number of hex digits in '434'"
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: bad escapes are errors" {
	randfile "$T/f" 100
	before=$(sum "$T/f")
	run -2 --separate-stderr mmtool poke -e "$T/f" 0 'a\q'
	assert_equal "$stderr" "mmtool: poke: bad DATA: unknown escape '\\q'"
	run -2 --separate-stderr mmtool poke -e "$T/f" 0 'a\'
	assert_equal "$stderr" "mmtool: poke: bad DATA: a lone '\\' at the end"
	run -2 --separate-stderr mmtool poke -e "$T/f" 0 '\xg'
	assert_equal "$stderr" "mmtool: poke: bad DATA: escape '\\x' needs hex digits"
	run -2 --separate-stderr mmtool poke -e "$T/f" 0 '\777'
	assert_equal "$stderr" "mmtool: poke: bad DATA: escape '\\777' is more than 255"
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: conflicting DATA options are a usage error" {
	randfile "$T/f" 10
	run -2 --separate-stderr mmtool poke -x -e "$T/f" 0 41
	assert_equal "$stderr" "mmtool: poke: choose one of --escapes, --hex, --type and --input"
	run -2 --separate-stderr mmtool poke -x --patch "$T/p" "$T/f"
	assert_equal "$stderr" "mmtool: poke: --patch takes no DATA options, --repeat or --expect"
}

@test "poke: operands that fit none of its forms are a usage error" {
	randfile "$T/f" 10
	local usage="usage: mmtool poke [OPTIONS] FILE OFFSET DATA... | --patch PATCH FILE"
	run -2 --separate-stderr mmtool poke --patch "$T/p" "$T/f" 0
	assert_equal "$stderr" "mmtool: poke: wrong number of operands; $usage"
	run -2 --separate-stderr mmtool poke -i "$T/f" "$T/f" 0 41
	assert_equal "$stderr" "mmtool: poke: wrong number of operands; $usage"
	run -2 --separate-stderr mmtool poke -i "$T/f" "$T/f"
	assert_equal "$stderr" "mmtool: poke: missing operands; $usage"
	run -2 --separate-stderr mmtool poke --size 20 "$T/f" 0
	assert_equal "$stderr" "mmtool: poke: missing operands; $usage"
	run -0 mmtool poke --size 20 "$T/f"
	assert_equal "$(stat -c %s "$T/f")" 20
}

@test "poke: missing operands and empty DATA are errors" {
	randfile "$T/f" 10
	run -2 --separate-stderr mmtool poke "$T/f"
	assert_equal "$stderr" "mmtool: poke: missing operands; usage: mmtool poke [OPTIONS] FILE OFFSET DATA... | --patch PATCH FILE"
	run -2 --separate-stderr mmtool poke "$T/f" 0
	assert_equal "$stderr" "mmtool: poke: missing operands; usage: mmtool poke [OPTIONS] FILE OFFSET DATA... | --patch PATCH FILE"
	run -2 --separate-stderr mmtool poke "$T/f" 0 ""
	assert_equal "$stderr" "mmtool: poke: DATA is empty: nothing to write"
	run -2 --separate-stderr mmtool poke -r 0 "$T/f" 0 a
	assert_equal "$stderr" "mmtool: poke: bad --repeat '0': must be at least 1"
}

@test "poke: a negative OFFSET before the start is an error" {
	printf 'abc' > "$T/f"
	run -2 --separate-stderr mmtool poke "$T/f" -4 x
	assert_equal "$stderr" "mmtool: poke: $T/f: OFFSET '-4' reaches before the start of the file (size 3)"
}

@test "poke: an offset that overflows with the data is an error" {
	printf 'abc' > "$T/f"
	run -2 --separate-stderr mmtool poke --grow "$T/f" 0xffffffffffffffff xy
	assert_equal "$stderr" "mmtool: poke: $T/f: the write at offset 18446744073709551615 runs past the largest file size"
	run -2 --separate-stderr mmtool poke -r 0xffffffffffffffff "$T/f" 0 xy
	assert_equal "$stderr" "mmtool: poke: --repeat 0xffffffffffffffff times 2 bytes does not fit in 64 bits"
}

@test "poke: pipes, directories, devices and standard input are refused" {
	mkfifo "$T/fifo"
	run -2 --separate-stderr timeout 10 mmtool poke "$T/fifo" 0 x
	assert_equal "$stderr" "mmtool: poke: $T/fifo: not a regular file: poke writes in place, only into files and block devices"
	run -2 --separate-stderr mmtool poke "$T" 0 x
	assert_equal "$stderr" "mmtool: poke: $T: is a directory"
	run -2 --separate-stderr mmtool poke /dev/null 0 x
	assert_equal "$stderr" "mmtool: poke: /dev/null: not a regular file: poke writes in place, only into files and block devices"
	run -2 --separate-stderr mmtool poke - 0 x < /dev/null
	assert_equal "$stderr" "mmtool: poke: -: cannot write to standard input: poke writes in place, into a file"
}

@test "poke: a read-only file is refused and left as it was" {
	unpriv_dir
	printf 'abc' > "$U/f"
	chmod 444 "$U/f"
	run -2 --separate-stderr as_nobody mmtool poke "$U/f" 0 x
	assert_equal "$stderr" "mmtool: poke: $U/f: Permission denied"
	run -0 cat "$U/f"
	assert_output "abc"
	chmod 666 "$U/f"
	run -0 as_nobody mmtool poke "$U/f" 0 x
	run -0 cat "$U/f"
	assert_output "xbc"
}

@test "poke: -s reaches stable storage: fdatasync follows the write" {
	command -v strace >/dev/null || skip "strace is not installed"
	printf 'abc' > "$T/f"
	# LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
	run -0 strace -f -e trace=pwrite64,msync,fdatasync -o "$T/trace" mmtool poke -s "$T/f" 0 x
	run -0 grep -o -e 'pwrite64([0-9]*, "x", 1, 0)' -e 'fdatasync' "$T/trace"
	assert_line --index 0 --regexp '^pwrite64\([0-9]+, "x", 1, 0\)$'
	assert_line --index 1 fdatasync
	assert_equal "${#lines[@]}" 2
	run -0 strace -f -e trace=pwrite64,msync,fdatasync -o "$T/trace" mmtool poke "$T/f" 0 y
	run ! grep -e msync -e fdatasync "$T/trace"
}

@test "poke: --lock blocks while flock(1) holds the file" {
	printf 'abc' > "$T/f"
	flock -x "$T/f" sh -c "sleep 1; printf 'held' > '$T/order'" &
	sleep 0.2
	mmtool poke --lock "$T/f" 0 X
	printf 'poked' >> "$T/order"
	wait
	run -0 cat "$T/order"
	assert_output "heldpoked"
}

@test "poke: 2 processes of locked compare-and-swap increments lose none" {
	# 2 x 20 increments; MMTOOL_FULL=1 (make check-full): 2 x 500.
	local n=20
	[ -z "${MMTOOL_FULL:-}" ] || n=500
	head -c 8 /dev/zero > "$T/counter"
	# A worker is a plain bash: its loop pays neither bats's per-command
	# trap nor the fork of the test's larger shell.
	local worker='
		i=0
		while [ $i -lt "$1" ]; do
			old=$(mmtool peek -f u64 "$2")
			if mmtool poke --lock --expect "$old" -t u64 "$2" 0 $((old + 1)); then
				i=$((i + 1))
			fi
		done'
	# Both wait at the gate, so that their increments overlap.
	exec 9> "$T/gate"
	flock -x 9
	(flock -s "$T/gate" true; exec bash -c "$worker" worker "$n" "$T/counter") &
	(flock -s "$T/gate" true; exec bash -c "$worker" worker "$n" "$T/counter") &
	flock -u 9
	wait
	run -0 mmtool peek -f u64 "$T/counter"
	assert_output "$((2 * n))"
}

@test "poke: -t f32/f64: a nonzero value that the type holds only as 0 is an error; subnormals are written as python3 struct packs them" {
	randfile "$T/f" 16
	local before v t
	before=$(sum "$T/f")
	# python3 struct says which values pack to 0 (then mmtool must refuse)
	# and what the others pack to.
	python3 - >"$T/cases" <<'PY'
import re, struct
for t, code in (("f32", "f"), ("f64", "d")):
    for v in ("1e-50", "1e-46", "8e-46", "1e-40", "-1e-45", "1e-300", "1e-320", "1e-330",
              "-1e-400", "0x1p-200", "0x1p-149", "0x1p-1074", "0x1p-1080", "0", "-0", "0e-999"):
        x = float.fromhex(v) if "x" in v else float(v)
        b = struct.pack("<" + code, x)
        # Nonzero as written, whatever a double makes of it.
        written = re.search("[1-9a-f]", re.split("[eEpP]", v.replace("0x", ""))[0])
        zero = struct.unpack("<" + code, b)[0] == 0 and written
        print(t, v, "zero" if zero else b.hex())
PY
	# One plain bash pokes each case into a fresh copy and prints
	# "TYPE VALUE STATUS" and then stderr and whether the copy is unchanged
	# (a refusal), or the bytes written; then all is compared at once.
	local want wants=
	while read -r t v want; do
		if [[ $want == zero ]]; then
			wants+="$t $v 2 mmtool: poke: bad DATA: '$v' is too small for the type: it would be 0; unchanged"$'\n'
		else
			wants+="$t $v 0 $want"$'\n'
		fi
	done <"$T/cases"
	run -0 bash -c '
		while read -r t v want; do
			cp "$1" "$1.g"
			if err=$(mmtool poke -t "$t" "$1.g" 0 "$v" 2>&1 >/dev/null); then
				echo "$t $v 0 $(mmtool peek -f hex "$1.g" 0 $((${#want} / 2)))"
			else
				status=$?
				cmp -s "$1" "$1.g" && err+="; unchanged"
				echo "$t $v $status $err"
			fi
		done' cases "$T/f" <"$T/cases"
	assert_equal "$output" "${wants%$'\n'}"
	[ "$(sum "$T/f")" = "$before" ]
}

@test "poke: -t: an empty item in a comma list is an error, blanks are not" {
	randfile "$T/f" 16
	local before d
	before=$(sum "$T/f")
	for d in "1,,3" ",1" "1," "1 , , 2" "," "1,2,,"; do
		run -2 --separate-stderr mmtool poke -t u8 "$T/f" 0 "$d"
		assert_output ""
		assert_regex "$stderr" "^mmtool: poke: bad DATA: an empty item (before a|after the last) ',' in '"
		assert_equal "$(sum "$T/f")" "$before"
	done
	run -0 mmtool poke -t u8 "$T/f" 0 " 1, 2 ,3	4 "
	run -0 mmtool peek -f hex "$T/f" 0 4
	assert_output "01020304"
}

@test "poke -x: '0x' with no digits says so" {
	printf hello >"$T/f"
	local d
	for d in 0x "0x " "12 0x" "0X"; do
		run -2 --separate-stderr mmtool poke -x "$T/f" 0 "$d"
		assert_equal "$stderr" "mmtool: poke: bad DATA: '0x' with no hex digits after it in '$d'"
	done
	assert_equal "$(cat "$T/f")" hello
}

# A patch of N lines of 1 to 16 bytes at random offsets below SIZE, in
# random order, many overlapping (seed S), as xxd prints lines.
random_patch() {
	python3 - "$@" <<'PY'
import random, sys
size, n, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
# Clusters of lines near a few spots overlap; the rest are spread out.
spots = [r.randrange(size - 64) for _ in range(8)] + [size - 64, (32 << 20) - 8]
spots = [s for s in spots if 0 <= s < size - 64]
for _ in range(n):
    if r.random() < 0.5:
        o = r.choice(spots) + r.randrange(40)
    else:
        o = r.randrange(size - 16)
    b = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
    h = b.hex()
    g = ' '.join(h[i:i + 4] for i in range(0, len(h), 4))
    t = ''.join(chr(c) if 31 < c < 127 else '.' for c in b)
    print(f"{o:08x}: {g:<39}  {t}")
PY
}

# Apply an xxd patch to a file with python3, line after line.
python_apply() {
	python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], 'r+b') as f:
    for line in open(sys.argv[2]):
        off, rest = line.split(':', 1)
        b = bytes.fromhex(rest[1:].split('  ')[0].replace(' ', ''))
        f.seek(int(off, 16))
        f.write(b)
PY
}

@test "poke --patch: lines in random order, overlapping, equal python3 and xxd -r (later lines win)" {
	for size in $(reps "70000000" "4096 70000000 100000000"); do
		truncate -s 0 "$T/f"
		truncate -s "$size" "$T/f"
		randfile "$T/head" 65536
		dd if="$T/head" of="$T/f" conv=notrunc status=none
		cp --sparse=always "$T/f" "$T/g"
		cp --sparse=always "$T/f" "$T/h"
		random_patch "$size" "$(reps 3000 20000)" "$size" > "$T/p"
		mmtool poke --patch "$T/p" "$T/f"
		python_apply "$T/g" "$T/p"
		xxd -r "$T/p" "$T/h"
		cmp "$T/f" "$T/g"
		cmp "$T/f" "$T/h"
	done
}

@test "poke --patch: touching lines over 2 MiB and lines across the 1 MiB writes equal python3 and xxd -r" {
	randfile "$T/f" 4000000
	cp "$T/f" "$T/g"
	cp "$T/f" "$T/h"
	# An edited dump at offset 100 (a write per MiB, edit.c), then lines
	# that overlap it and straddle where its writes meet, in random order.
	head -c 2200000 /dev/urandom | xxd -o 100 > "$T/p"
	for o in 1048670 1048676 2097245 100 2200090 2199990; do
		printf '%08x: 4142 4344 4546 4748 494a 4b4c 4d4e 4f50\n' "$o"
	done | shuf >> "$T/p"
	mmtool poke --patch "$T/p" "$T/f"
	python_apply "$T/g" "$T/p"
	xxd -r "$T/p" "$T/h"
	cmp "$T/f" "$T/g"
	cmp "$T/f" "$T/h"
}

@test "poke --patch: a sorted patch and a reversed one give what python3 gives" {
	randfile "$T/f" 1000000
	cp "$T/f" "$T/g"
	random_patch 1000000 2000 7 | sort > "$T/p"
	tac "$T/p" > "$T/r"
	mmtool poke --patch "$T/p" "$T/f"
	mmtool poke --patch "$T/r" "$T/f"
	python_apply "$T/g" "$T/p"
	python_apply "$T/g" "$T/r"
	cmp "$T/f" "$T/g"
}

@test "poke --patch: -n and --undo of a random-order patch show the bytes the apply overwrites" {
	randfile "$T/f" 3000000
	cp "$T/f" "$T/orig"
	# Lines far apart: each is one edit, shown as one old and one new line.
	python3 - > "$T/p" <<'PY'
import random
r = random.Random(5)
for o in r.sample(range(0, 3000000 - 16, 37), 3000):
    b = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
    h = b.hex()
    print(f"{o:08x}: " + ' '.join(h[i:i + 4] for i in range(0, len(h), 4)))
PY
	mmtool poke -n --patch "$T/p" "$T/f" > "$T/n"
	cmp "$T/f" "$T/orig"
	mmtool poke --undo "$T/u" --patch "$T/p" "$T/f"
	# The old lines of -n, last edit first, are the undo patch.
	run diff <(grep '^-' "$T/n" | cut -c2- | tac) "$T/u"
	assert_success
	# Each old line holds the bytes the file had there (python3 reads them).
	python3 - "$T/orig" "$T/n" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == 6000
for old, new in zip(lines[0::2], lines[1::2]):
    assert old[0] == '-' and new[0] == '+'
    off = int(old[1:9], 16)
    assert int(new[1:9], 16) == off
    b = bytes.fromhex(old[11:50].replace(' ', ''))
    assert data[off:off + len(b)] == b, old
    assert len(b) == len(bytes.fromhex(new[11:50].replace(' ', '')))
PY
	mmtool poke --patch "$T/u" "$T/f"
	cmp "$T/f" "$T/orig"
}

@test "poke --patch: overlapping lines are undone by --undo, oldest bytes last" {
	randfile "$T/f" 200000
	cp "$T/f" "$T/orig"
	random_patch 200000 3000 11 > "$T/p"
	mmtool poke --undo "$T/u" --patch "$T/p" "$T/f"
	mmtool poke --patch "$T/u" "$T/f"
	cmp "$T/f" "$T/orig"
}

@test "poke --patch: a line of 32 bytes (peek -c 32) is written whole, as xxd -r -c 32 writes it" {
	randfile "$T/src" 100
	randfile "$T/f" 100
	cp "$T/f" "$T/g"
	mmtool peek -c 32 "$T/src" > "$T/p"
	mmtool poke --patch "$T/p" "$T/f"
	xxd -r -c 32 "$T/p" "$T/g"
	cmp "$T/f" "$T/src"
	cmp "$T/f" "$T/g"
}

@test "poke --patch: offsets that follow on in decimal at one line only are a patch, not a -d dump" {
	head -c 2000 /dev/zero > "$T/f"
	cp "$T/f" "$T/g"
	printf '00000100: 0102 0304 0506 0708 090a\n00000110: 0b0c\n00000200: 0d0e 0f10 1112\n' > "$T/p"
	mmtool poke --patch "$T/p" "$T/f"
	xxd -r "$T/p" "$T/g"
	cmp "$T/f" "$T/g"
	# A dump made with -d follows on in decimal at every line: refused.
	randfile "$T/src" 100
	mmtool peek -d "$T/src" > "$T/d"
	run -2 --separate-stderr mmtool poke --patch "$T/d" "$T/f"
	assert_equal "$stderr" "mmtool: poke: $T/d: line 2: decimal offsets (peek -d, xxd -d): this dump is not a patch; make it without -d; nothing was written"
	cmp "$T/f" "$T/g"
}
