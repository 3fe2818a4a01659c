#!/usr/bin/env bats
# poke never loses data: the undo file can never be the target or follow a
# link, closed descriptors and output errors are reported, signals and
# file size limits leave the file whole, --create leaves nothing behind.

setup() {
	load test_helper/common-setup
	_common_setup
	randfile "$T/f" 5000
	before=$(sum "$T/f")
}

untouched() { [ "$(sum "$T/f")" = "$before" ]; }

# strace, with LeakSanitizer off: it cannot work under ptrace.
traced() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

@test "safety: --undo naming the target itself is refused and the target is untouched" {
	run -2 --separate-stderr mmtool poke --undo "$T/f" "$T/f" 0 X
	assert_equal "$stderr" "mmtool: poke: $T/f: the undo file is $T/f itself under another name; nothing was written"
	untouched
}

@test "safety: --undo through a hard link to the target is refused" {
	ln "$T/f" "$T/hard"
	run -2 --separate-stderr mmtool poke --undo "$T/hard" "$T/f" 0 X
	assert_equal "$stderr" "mmtool: poke: $T/hard: the undo file is $T/f itself under another name; nothing was written"
	untouched
}

@test "safety: --undo through a symbolic link to the target is refused" {
	ln -s "$T/f" "$T/sym"
	run -2 --separate-stderr mmtool poke --undo "$T/sym" "$T/f" 0 X
	assert_equal "$stderr" "mmtool: poke: $T/sym: the undo file is $T/f itself under another name; nothing was written"
	untouched
}

@test "safety: --undo through /proc/self/fd/N of the target is refused" {
	run -2 --separate-stderr mmtool poke --undo /proc/self/fd/7 "$T/f" 0 X 7<"$T/f"
	assert_equal "$stderr" "mmtool: poke: /proc/self/fd/7: the undo file is $T/f itself under another name; nothing was written"
	untouched
}

@test "safety: --undo naming the patch being read is refused" {
	printf '00000000: 4142\n' > "$T/p"
	cp "$T/p" "$T/p.orig"
	run -2 --separate-stderr mmtool poke --undo "$T/p" --patch "$T/p" "$T/f"
	assert_equal "$stderr" "mmtool: poke: $T/p: the undo file is the patch being read; nothing was written"
	untouched
	cmp "$T/p" "$T/p.orig"
}

@test "safety: --undo naming a symbolic link, dangling or not, is refused and nothing is written through it" {
	ln -s "$T/elsewhere" "$T/dangling"
	run -2 --separate-stderr mmtool poke --undo "$T/dangling" "$T/f" 0 X
	assert_equal "$stderr" "mmtool: poke: $T/dangling: the undo file is a symbolic link: give the path of a regular file; nothing was written"
	[ ! -e "$T/elsewhere" ]
	printf 'precious' > "$T/other"
	ln -s "$T/other" "$T/link"
	run -2 mmtool poke --undo "$T/link" "$T/f" 0 X
	run -0 cat "$T/other"
	assert_output "precious"
	untouched
}

@test "safety: --undo naming a FIFO is an error at once, never a wait" {
	mkfifo "$T/fifo"
	run -2 --separate-stderr timeout 10 mmtool poke --undo "$T/fifo" "$T/f" 0 X
	assert_equal "$stderr" "mmtool: poke: $T/fifo: the undo file exists and is not a regular file; nothing was written"
	untouched
}

@test "safety: the undo file is no more readable than the target" {
	chmod 600 "$T/f"
	(umask 0; mmtool poke --undo "$T/u" "$T/f" 0 X)
	[ "$(stat -c %a "$T/u")" = 600 ]
	chmod 640 "$T/f"
	(umask 0; mmtool poke --undo "$T/u2" "$T/f" 0 Y)
	[ "$(stat -c %a "$T/u2")" = 640 ]
}

@test "safety: --undo replaces an older undo file whole and leaves no temporary file" {
	echo old > "$T/u"
	mmtool poke --undo "$T/u" "$T/f" 10 XYZ
	run -0 ls -A "$T"
	assert_output "$(printf 'f\nu')"
	mmtool poke --patch "$T/u" "$T/f"
	untouched
}

@test "safety: poke with standard error closed does not write its error into the target" {
	run -2 bash -c "mmtool poke '$T/f' 5000 X 2>&-"
	untouched
	run -2 bash -c "mmtool poke -x '$T/f' 0 0x1 2>&-"
	untouched
}

@test "safety: poke -v with standard output closed fails as cat does, and the listing is not written into the target" {
	cp "$T/f" "$T/want"
	printf 'X' | dd of="$T/want" conv=notrunc status=none
	run -2 --separate-stderr bash -c "mmtool poke -v '$T/f' 0 X >&-"
	assert_equal "$stderr" "mmtool: poke: standard output: Bad file descriptor"
	cmp "$T/f" "$T/want"
}

@test "safety: poke -i - with standard input closed is an error and the target is untouched" {
	run -2 --separate-stderr bash -c "mmtool poke -i - '$T/f' 0 <&-"
	assert_equal "$stderr" "mmtool: poke: -: reading the input: Bad file descriptor"
	untouched
}

@test "safety: every command and --help and --version report a full standard output, exit 2" {
	for args in "--help" "--version" "help" "peek --help" "poke --help" "help grep" "info --help" "flush --help" "peek $T/f"; do
		run -2 --separate-stderr bash -c "mmtool $args >/dev/full"
		case $args in
		--help|--version|help) assert_equal "$stderr" "mmtool: standard output: No space left on device" ;;
		help\ grep) assert_equal "$stderr" "mmtool: grep: standard output: No space left on device" ;;
		*) assert_equal "$stderr" "mmtool: ${args%% *}: standard output: No space left on device" ;;
		esac
	done
}

@test "safety: a command that prints, started with standard output closed, fails as cat does" {
	run -2 --separate-stderr bash -c "mmtool --version >&-"
	assert_equal "$stderr" "mmtool: standard output: Bad file descriptor"
	run -2 --separate-stderr bash -c "mmtool peek '$T/f' >&-"
	assert_equal "$stderr" "mmtool: peek: standard output: Bad file descriptor"
}

@test "safety: poke -v and -n to a full standard output exit 2 and blame standard output" {
	run -2 --separate-stderr bash -c "mmtool poke -n '$T/f' 0 X >/dev/full"
	assert_equal "$stderr" "mmtool: poke: standard output: No space left on device"
	untouched
	run -2 --separate-stderr bash -c "mmtool poke -v '$T/f' 0 X >/dev/full"
	assert_equal "$stderr" "mmtool: poke: standard output: No space left on device"
}

@test "safety: under ulimit -f, --grow, --size, --create, --undo and writes past the limit are one error line and the file is as it was" {
	head -c 20000 /dev/urandom > "$T/big"
	cp "$T/big" "$T/big.orig"
	# pwrite(2) refuses bytes past the limit inside the file too: checked first.
	run -2 --separate-stderr bash -c "ulimit -f 8; mmtool poke '$T/big' 8190 hello"
	assert_equal "$stderr" "mmtool: poke: $T/big: writing up to byte 8195 passes the file size limit (ulimit -f: 8192 bytes); nothing was written"
	xxd -s 9000 -l 4 -p "$T/big" > "$T/pat"
	run -2 --separate-stderr bash -c "ulimit -f 8; mmtool replace -x \$(cat '$T/pat') 41414141 '$T/big'"
	assert_equal "$stderr" "mmtool: replace: $T/big: writing up to byte 9004 passes the file size limit (ulimit -f: 8192 bytes); nothing was written"
	cmp "$T/big" "$T/big.orig"
	run -0 bash -c "ulimit -f 8; mmtool poke '$T/big' 8187 hello"
	run -2 --separate-stderr bash -c "ulimit -f 8; mmtool poke --grow '$T/f' 10000 x"
	assert_equal "$stderr" "mmtool: poke: $T/f: growing the file to 10001 bytes passes the file size limit (ulimit -f: 8192 bytes); nothing was written"
	run -2 --separate-stderr bash -c "ulimit -f 8; mmtool poke --size 1M '$T/f'"
	assert_equal "$stderr" "mmtool: poke: $T/f: growing the file to 1048576 bytes passes the file size limit (ulimit -f: 8192 bytes); nothing was written"
	untouched
	[ "$(stat -c %s "$T/f")" -eq 5000 ]
	run -2 --separate-stderr bash -c "ulimit -f 8; mmtool poke --create '$T/new' 9000 x"
	[ ! -e "$T/new" ]
	echo old > "$T/u"
	run -2 --separate-stderr bash -c "ulimit -f 8; mmtool poke --undo '$T/u' -r 1000 '$T/f' 0 abcd"
	assert_equal "$stderr" "mmtool: poke: $T/u: cannot write the undo file: File too large; nothing was written"
	run -0 cat "$T/u"
	assert_output "old"
	untouched
}

@test "safety: under ulimit -f, replace --undo, standard output and a spooled pipe are one error line, never SIGXFSZ" {
	# 50 matches in the first 1,000 bytes: an undo patch of some 3 KiB,
	# past a 1 KiB limit that the edits themselves keep within.
	python3 -c "import sys; open(sys.argv[1], 'wb').write(b'NEEDLE' + bytes(range(19)) * 50)" "$T/f"
	sed -i 's/\x00\x01\x02\x03\x04\x05/NEEDLE/g' "$T/f"
	before=$(sum "$T/f")
	echo old > "$T/u"
	run -2 --separate-stderr bash -c "ulimit -f 1; mmtool replace --undo '$T/u' NEEDLE XXXXXX '$T/f'"
	assert_equal "$stderr" "mmtool: replace: $T/u: cannot write the undo file: File too large; nothing was written"
	run -0 cat "$T/u"
	assert_output "old"
	untouched
	run -2 --separate-stderr bash -c "ulimit -f 1; mmtool peek '$T/f' > '$T/out'"
	assert_equal "$stderr" "mmtool: peek: standard output: File too large"
	head -c 2000 /dev/zero > "$T/z"
	run -2 --separate-stderr bash -c "ulimit -f 1; head -c 3000 /dev/zero | mmtool cmp - '$T/z'"
	assert_equal "$stderr" "mmtool: cmp: -: temporary file: File too large"
}

@test "safety: only src/wfile.c opens a file to write it, and only src/wfile.c asks map_open to" {
	local src=$BATS_TEST_DIRNAME/../src
	# Allowed elsewhere: main.c's /dev/null on a closed descriptor 0, and
	# cache.c's write-only open for flush, which only fsyncs through it.
	run -1 grep -nE 'O_(CREAT|TMPFILE|RDWR|TRUNC|APPEND)|MAP_OPEN_(WRITE|CREATE)' \
		$(ls "$src"/*.c | grep -vE '/(wfile|map)\.c$')
	run -1 grep -nE 'O_WRONLY' $(ls "$src"/*.c | grep -vE '/(wfile|main|cache)\.c$')
}

@test "safety: under ulimit -v, a large --patch is applied whole or not at all, never a crash" {
	under_sanitizer && skip "ASan cannot run under a small ulimit -v"
	head -c 64M /dev/urandom > "$T/big"
	python3 - "$T/p" <<'PY'
import random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for _ in range(300000):
        f.write("%08x: 41414141\n" % r.randrange(0, (64 << 20) - 4))
PY
	cp "$T/big" "$T/old"
	cp "$T/big" "$T/want"
	mmtool poke --patch "$T/p" "$T/want"
	local v low=(36000 44000 52000)
	# Under make check, one of the low limits (any may fail part way) and
	# the one with room; under make check-full, all of them.
	for v in $(reps "${low[RANDOM % 3]} 90000" "${low[*]} 90000"); do
		cp "$T/old" "$T/big"
		run bash -c "ulimit -v $v; mmtool poke --patch '$T/p' '$T/big'"
		echo "ulimit -v $v: $status $output"
		if [ "$status" -eq 0 ]; then
			cmp "$T/big" "$T/want"
		else
			assert_equal "$status" 2
			assert_equal "${#lines[@]}" 1
			assert_output --partial "Cannot allocate memory"
			cmp "$T/big" "$T/old"
		fi
	done
	# Room for the patch, if not for 32 MiB windows: applied.
	assert_equal "$status" 0
}

@test "safety: --size past the largest file size is refused before any write, and says so" {
	# Past 2^63-1 no file system can hold it: ftruncate is never reached.
	run -2 --separate-stderr mmtool poke --size 9223372036854775808 "$T/f" 0 X
	assert_equal "$stderr" "mmtool: poke: $T/f: cannot extend the file to 9223372036854775808 bytes: File too large; nothing was written"
	untouched
	[ "$(stat -c %s "$T/f")" -eq 5000 ]
}

@test "safety: --create leaves no file after an --expect mismatch or a bad OFFSET" {
	run -1 mmtool poke --create --expect zz "$T/new" 0 x
	[ ! -e "$T/new" ]
	run -2 mmtool poke --create "$T/new" -5 x
	[ ! -e "$T/new" ]
}

@test "safety: --create opens the new file once, O_EXCL|O_NOFOLLOW, and never again by name" {
	command -v strace >/dev/null || skip "strace is not installed"
	run -0 traced -f -e trace=open,openat -o "$T/trace" mmtool poke --create "$T/new" 0 hello
	# The first try opens an existing file (ENOENT), then it is created.
	run -0 grep "\"$T/new\"" "$T/trace"
	assert_line --index 0 --partial "ENOENT"
	assert_line --index 1 --partial "O_EXCL"
	assert_line --index 1 --partial "O_NOFOLLOW"
	[ "${#lines[@]}" -eq 2 ]
}

@test "safety: SIGINT, SIGTERM and SIGHUP mid-patch are held until the last edit is written" {
	command -v strace >/dev/null || skip "strace is not installed"
	# Six edits far apart, one pwrite(2) each (edit.h): the signal comes
	# as the second is written.
	for i in 0 1 2 3 4 5; do printf '%08x: 4142434445\n' $((i * 33554432 + 12345)); done > "$T/p"
	truncate -s 200M "$T/big"
	cp --sparse=always "$T/big" "$T/want"
	xxd -r "$T/p" "$T/want"
	for sig in INT:130 TERM:143 HUP:129; do
		truncate -s 0 "$T/big"
		truncate -s 200M "$T/big"
		run --separate-stderr traced -qq -o /dev/null -e trace=pwrite64 \
			-e inject=pwrite64:signal=${sig%:*}:when=2 mmtool poke --patch "$T/p" "$T/big"
		assert_equal "$status" "${sig#*:}"
		assert_equal "$stderr" "mmtool: poke: $T/big: SIG${sig%:*}: the edits were all written first"
		cmp_sparse "$T/big" "$T/want"
	done
}

@test "safety: a signal before the first byte is written stops poke with nothing written and no created file" {
	command -v strace >/dev/null || skip "strace is not installed"
	run --separate-stderr traced -qq -o /dev/null -e trace=fallocate \
		-e inject=fallocate:signal=TERM:when=1 mmtool poke "$T/f" 0 XYZ
	assert_equal "$status" 143
	assert_equal "$stderr" "mmtool: poke: $T/f: SIGTERM: nothing was written"
	untouched
	run --separate-stderr traced -qq -o /dev/null -e trace=fallocate \
		-e inject=fallocate:signal=INT:when=1 mmtool poke --create "$T/new" 0 XYZ
	assert_equal "$status" 130
	[ ! -e "$T/new" ]
}

@test "safety: -x with an empty 0x names the real problem" {
	run -2 --separate-stderr mmtool poke -x "$T/f" 0 0x
	assert_equal "$stderr" "mmtool: poke: bad DATA: '0x' with no hex digits after it in '0x'"
	untouched
}

@test "safety: -x -i FILE reads FILE as hex text, any whitespace, and round-trips peek -f hex" {
	randfile "$T/src" 3000
	: > "$T/g"
	mmtool poke --grow -x -i <(mmtool peek -f hex "$T/src") "$T/g" 0
	cmp "$T/g" "$T/src"
	randfile "$T/h" 3000
	mmtool peek -f hex "$T/src" | mmtool poke -x -i - "$T/h" 0
	cmp "$T/h" "$T/src"
	printf ' 41 42\n\t43\r\n44 ' > "$T/hex"
	mmtool poke -x -i "$T/hex" "$T/f" 0
	run -0 mmtool peek -f raw "$T/f" 0 4
	assert_output "ABCD"
}

@test "safety: an empty -i input writes nothing and succeeds" {
	: > "$T/empty"
	run -0 mmtool poke -i "$T/empty" "$T/f" 0
	run -0 mmtool poke -x -i - "$T/f" 0 < /dev/null
	untouched
}

@test "safety: replace --undo goes through the same checks: the target by another name or a link is refused" {
	printf 'one KEY two KEY' > "$T/f"
	before=$(sum "$T/f")
	ln "$T/f" "$T/hard"
	run -2 --separate-stderr mmtool replace --undo "$T/hard" KEY XYZ "$T/f"
	assert_equal "$stderr" "mmtool: replace: $T/hard: the undo file is $T/f itself under another name; nothing was written"
	untouched
	ln -s "$T/elsewhere" "$T/dangling"
	run -2 --separate-stderr mmtool replace --undo "$T/dangling" KEY XYZ "$T/f"
	assert_equal "$stderr" "mmtool: replace: $T/dangling: the undo file is a symbolic link: give the path of a regular file; nothing was written"
	[ ! -e "$T/elsewhere" ]
	untouched
	# A good one is no more readable than the target.
	chmod 600 "$T/f"
	run -0 mmtool replace --undo "$T/u" KEY XYZ "$T/f"
	assert_equal "$(stat -c %a "$T/u")" 600
}

@test "safety: a signal before replace writes leaves the file whole; one during is held until the file is fully replaced" {
	command -v strace >/dev/null || skip "strace is not installed"
	printf 'one KEY two KEY' > "$T/f"
	before=$(sum "$T/f")
	run --separate-stderr traced -qq -o /dev/null -e trace=fallocate \
		-e inject=fallocate:signal=TERM:when=1 mmtool replace KEY XYZ "$T/f"
	assert_equal "$status" 143
	assert_equal "$stderr" "mmtool: replace: $T/f: SIGTERM: nothing was written"
	untouched
	# Matches 32 MiB apart, one pwrite(2) each: the signal comes as the
	# second is written.
	truncate -s 200M "$T/big"
	for i in 0 1 2 3 4 5; do printf 'KEY' | dd of="$T/big" bs=1 seek=$((i * 33554432 + 12345)) conv=notrunc status=none; done
	cp --sparse=always "$T/big" "$T/want"
	for i in 0 1 2 3 4 5; do printf 'XYZ' | dd of="$T/want" bs=1 seek=$((i * 33554432 + 12345)) conv=notrunc status=none; done
	run --separate-stderr traced -qq -o /dev/null -e trace=pwrite64 \
		-e inject=pwrite64:signal=INT:when=2 mmtool replace KEY XYZ "$T/big"
	assert_equal "$status" 130
	assert_equal "$stderr" "mmtool: replace: $T/big: SIGINT: the edits were all written first"
	cmp_sparse "$T/big" "$T/want"
}
