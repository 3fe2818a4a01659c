setup() { load test_helper/common-setup; _common_setup; }

teardown() { _common_teardown; }

# One key of the JSON object mmtool info --json prints for FILE.
jget() {
	mmtool info --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# Write back and evict FILE's pages, so that none is resident.
evict() {
	python3 - "$1" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
PY
}

fincore_pages() { fincore -n -o PAGES "$1" | tr -d ' '; }

# A small valid PNG (2x2 RGB), built with zlib.
make_png() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
raw = b''.join(b'\0' + bytes([255, 0, 0, 0, 255, 0]) for _ in range(2))
png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 2, 2, 8, 2, 0, 0, 0))
       + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
open(sys.argv[1], 'wb').write(png)
PY
}

# The set of real files the type tests compare with file(1).
make_samples() {
	cp "$(command -v ls)" "$T/elf"
	printf 'some text to compress\n%.0s' {1..50} | gzip -c > "$T/text.gz"
	make_png "$T/image.png"
	printf 'hello, world\nsecond line\n' > "$T/text.txt"
	printf 'caf\xc3\xa9 na\xc3\xafve\n' > "$T/utf8.txt"
	printf '#!/bin/sh\necho hi\n' > "$T/script.sh"
	printf '{"a": [1, 2, 3]}\n' > "$T/data.json"
	: > "$T/empty"
	randfile "$T/random.bin" 5000
	SAMPLES=("$T/elf" "$T/text.gz" "$T/image.png" "$T/text.txt" "$T/utf8.txt"
		"$T/script.sh" "$T/data.json" "$T/empty" "$T/random.bin")
}

# The number of data runs and holes by SEEK_DATA/SEEK_HOLE, and st_blocks.
layout_oracle() {
	python3 - "$1" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
pos = extents = holes = 0
while pos < size:
    try:
        data = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        data = size
    if data > pos:
        holes += 1
    if data >= size:
        break
    pos = os.lseek(fd, data, os.SEEK_HOLE)
    extents += 1
print(size, os.fstat(fd).st_blocks * 512, extents, holes)
PY
}

@test "info -b: equals file -b on an ELF binary, gzip, PNG, text and empty files" {
	make_samples
	for f in "${SAMPLES[@]}"; do
		run -0 mmtool info -b "$f"
		assert_output "$(file -b "$f")"
	done
}

@test "info -b: several files print one line each, in order, as file -b does" {
	make_samples
	run -0 mmtool info -b "${SAMPLES[@]}"
	assert_output "$(file -b "${SAMPLES[@]}")"
}

@test "info --mime: equals file -b --mime-type on the same files" {
	make_samples
	for f in "${SAMPLES[@]}"; do
		run -0 mmtool info --mime "$f"
		assert_output "$(file -b --mime-type "$f")"
	done
	run -0 mmtool info --mime "${SAMPLES[@]}"
	assert_output "$(file -b --mime-type "${SAMPLES[@]}")"
}

@test "info: type, mime and encoding lines agree with file -b, --mime-type, --mime-encoding" {
	make_samples
	for f in "${SAMPLES[@]}"; do
		run -0 mmtool info "$f"
		assert_line "type:           $(file -b "$f")"
		assert_line "mime:           $(file -b --mime-type "$f")"
		assert_line "encoding:       $(file -b --mime-encoding "$f")"
	done
}

@test "info: the human layout is one key per line, in a fixed order" {
	truncate -s 1536K "$T/f"
	run -0 mmtool info "$T/f"
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d: -f1 | tr '\n' ,)" \
		"file,size,allocated,extents,holes,type,mime,encoding,page size,pages,resident pages,"
	assert_line --index 0 "file:           $T/f"
	assert_line --index 1 "size:           1572864 (1.5 MiB)"
	assert_line --index 8 "page size:      $(getconf PAGESIZE)"
	assert_line --index 9 "pages:          $(( (1572864 + $(getconf PAGESIZE) - 1) / $(getconf PAGESIZE) ))"
}

@test "info: sizes in human units round to one decimal and move up a unit" {
	for spec in "1023:1023 B" "1024:1.0 KiB" "1048575:1.0 MiB" "1610612736:1.5 GiB" \
		"107374182400:100.0 GiB"; do
		truncate -s "${spec%%:*}" "$T/f"
		run -0 mmtool info "$T/f"
		assert_line "size:           ${spec%%:*} (${spec#*:})"
	done
}

@test "info: a blank line between files, none after the last" {
	printf a > "$T/a"
	printf b > "$T/b"
	mmtool info "$T/a" "$T/b" > "$T/out"
	assert_equal "$(wc -l < "$T/out")" 23
	assert_equal "$(sed -n 12p "$T/out")" ""
	assert_equal "$(sed -n 13p "$T/out")" "file:           $T/b"
	assert_equal "$(tail -n 1 "$T/out" | cut -d: -f1)" "resident pages"
}

@test "info: a control character in a name is shown as '?' in the human output" {
	f=$T/$'two\nlines'
	printf x > "$f"
	run -0 mmtool info "$f"
	assert_line --index 0 "file:           $T/two?lines"
}

@test "info --json: one object per file with exactly the keys SPEC names, numbers as numbers" {
	make_samples
	mmtool info --json "${SAMPLES[@]}" > "$T/out"
	python3 - "$T/out" "${#SAMPLES[@]}" <<'PY'
import json, sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
assert lines[-1] == b'', 'output must end with a newline'
lines = lines[:-1]
assert len(lines) == int(sys.argv[2]), len(lines)
keys = ['file', 'size', 'allocated', 'extents', 'holes', 'type', 'mime',
        'encoding', 'page_size', 'pages', 'resident_pages']
for line in lines:
    o = json.loads(line)
    assert list(o) == keys, list(o)
    for k in keys:
        want = str if k in ('file', 'type', 'mime', 'encoding') else int
        assert type(o[k]) is want, (k, o[k])
PY
}

@test "info --json: values agree with stat, SEEK_DATA/SEEK_HOLE and file(1)" {
	ondisk_dir
	f=$D/sparse
	truncate -s 1M "$f"
	dd if=/dev/urandom of="$f" bs=4096 count=1 conv=notrunc status=none
	dd if=/dev/urandom of="$f" bs=4096 count=1 seek=128 conv=notrunc status=none
	sync "$f"
	read -r size alloc extents holes <<<"$(layout_oracle "$f")"
	[ "$holes" -gt 0 ] || skip "this file system reports no holes"
	page=$(getconf PAGESIZE)
	run -0 mmtool info --json "$f"
	python3 - "$output" "$f" "$size" "$alloc" "$extents" "$holes" "$page" \
		"$(file -b "$f")" "$(file -b --mime-type "$f")" "$(file -b --mime-encoding "$f")" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
f, size, alloc, ext, holes, page = sys.argv[2], *map(int, sys.argv[3:8])
want = {'file': f, 'size': size, 'allocated': alloc, 'extents': ext, 'holes': holes,
        'type': sys.argv[8], 'mime': sys.argv[9], 'encoding': sys.argv[10],
        'page_size': page, 'pages': (size + page - 1) // page}
for k, v in want.items():
    assert o[k] == v, (k, o[k], v)
PY
	assert_equal "$extents $holes" "2 2"
}

@test "info: a file that starts with a hole counts it" {
	ondisk_dir
	f=$D/lead
	truncate -s 1M "$f"
	dd if=/dev/urandom of="$f" bs=4096 count=1 seek=128 conv=notrunc status=none
	sync "$f"
	read -r size alloc extents holes <<<"$(layout_oracle "$f")"
	[ "$holes" -gt 0 ] || skip "this file system reports no holes"
	assert_equal "$(jget "$f" extents) $(jget "$f" holes)" "$extents $holes"
	assert_equal "$(jget "$f" allocated)" "$alloc"
}

@test "info --json: every file name is escaped and reads back byte for byte" {
	names=('q"uote' 'back\slash' $'new\nline' $'tab\there' $'ctl\x01\x1f\x7fz'
		'caf'$'\xc3\xa9' $'\xf0\x9f\x92\xbe' $'bad\xffbyte' $'half\xc3' $'cr\rx' 'sp ace')
	paths=()
	for n in "${names[@]}"; do
		printf x > "$T/$n"
		paths+=("$T/$n")
	done
	mmtool info --json "${paths[@]}" > "$T/out"
	python3 - "$T/out" "${paths[@]}" <<'PY'
import json, os, sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:-1]
want = [os.fsencode(p) for p in sys.argv[2:]]
assert len(lines) == len(want), (len(lines), len(want))
for line, name in zip(lines, want):
    o = json.loads(line.decode('utf-8'))   # strict: no raw control characters
    got = o['file'].encode('utf-8', 'surrogateescape')
    assert got == name, (got, name)
PY
}

@test "info: resident pages equal fincore's, cold and after cat FILE" {
	ondisk_dir
	f=$D/f
	randfile "$f" $((4 << 20))
	evict "$f"
	cold=$(fincore_pages "$f")
	[ "$cold" -eq 0 ] || skip "the kernel did not evict the file ($cold pages left)"
	assert_equal "$(jget "$f" resident_pages)" "$cold"
	cat "$f" > /dev/null
	warm=$(fincore_pages "$f")
	assert_equal "$(jget "$f" resident_pages)" "$warm"
	assert_equal "$warm" $(( (4 << 20) / $(getconf PAGESIZE) ))
}

@test "info: a partly cached file's resident pages equal fincore's" {
	ondisk_dir
	f=$D/f
	randfile "$f" $((8 << 20))
	evict "$f"
	python3 - "$f" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
for page in (5, 700, 1500):
    os.pread(fd, 4096, page * 4096)
PY
	want=$(fincore_pages "$f")
	[ "$want" -gt 0 ]
	run -0 mmtool info "$f"
	assert_line "resident pages: $want"
}

@test "info: after flush --drop no page is resident" {
	ondisk_dir
	f=$D/f
	randfile "$f" $((2 << 20))
	cat "$f" > /dev/null
	[ "$(jget "$f" resident_pages)" -gt 0 ]
	run -0 mmtool flush --drop "$f"
	assert_equal "$(fincore_pages "$f")" 0
	assert_equal "$(jget "$f" resident_pages)" 0
}

@test "info: a 100 GiB sparse file under ulimit -v 262144" {
	under_sanitizer && skip "ASan cannot run under a small ulimit -v"
	truncate -s 100G "$T/big"
	want=$(fincore_pages "$T/big")
	run -0 bash -c 'ulimit -v 262144 && exec mmtool info --json "$1"' _ "$T/big"
	python3 - "$output" "$want" "$(getconf PAGESIZE)" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
page = int(sys.argv[3])
assert o['size'] == 100 << 30, o
assert (o['extents'], o['holes']) == (0, 1), o
assert o['pages'] == (100 << 30) // page, o
assert o['resident_pages'] == int(sys.argv[2]), o
assert o['type'] == 'data', o
PY
}

@test "info: residency is 'unknown' (null) for a file we neither own nor may write" {
	public_dir
	f=$D/f
	randfile "$f" 10000
	chmod 644 "$f"
	cat "$f" > /dev/null
	run -0 as_nobody "$MMTOOL" info --json "$f"
	assert_equal "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["resident_pages"])' "$output")" None
	run -0 as_nobody "$MMTOOL" info "$f"
	assert_line "resident pages: unknown (Linux shows the page cache only of files you own or may write)"
}

@test "info: residency is counted for a file we may write but do not own" {
	public_dir
	f=$D/f
	randfile "$f" 10000
	chmod 666 "$f"
	cat "$f" > /dev/null
	want=$(fincore_pages "$f")
	run -0 as_nobody "$MMTOOL" info --json "$f"
	assert_equal "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["resident_pages"])' "$output")" "$want"
}

@test "info: residency is 'unknown' for a file that cannot be mapped (/sys)" {
	f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -r "$f" ] || skip "no $f here"
	run -0 mmtool info "$f"
	assert_line "resident pages: unknown (the file cannot be mapped)"
	assert_line "type:           $(file -b "$f")"
}

@test "info: an empty file" {
	: > "$T/empty"
	run -0 mmtool info --json "$T/empty"
	python3 - "$output" "$(file -b --mime-type "$T/empty")" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
want = {'size': 0, 'allocated': 0, 'extents': 0, 'holes': 0, 'type': 'empty',
        'mime': sys.argv[2], 'pages': 0, 'resident_pages': 0}
for k, v in want.items():
    assert o[k] == v, (k, o[k], v)
PY
}

@test "info: a directory is described, not an error" {
	mkdir "$T/dir"
	run -0 mmtool info -b "$T/dir"
	assert_output "$(file -b "$T/dir")"
	assert_equal "$(jget "$T/dir" mime)" "$(file -b --mime-type "$T/dir")"
	assert_equal "$(jget "$T/dir" pages)" 0
}

@test "info: a character device is described" {
	run -0 mmtool info -b /dev/null
	assert_output "$(file -b /dev/null)"
	run -0 mmtool info --json /dev/null
}

@test "info: a FIFO with no writer is described without blocking" {
	mkfifo "$T/fifo"
	run -0 timeout 10 mmtool info -b "$T/fifo"
	assert_output "$(file -b "$T/fifo")"
	run -0 timeout 10 mmtool info --json "$T/fifo"
}

@test "info -: a pipe on standard input is typed as file - types it" {
	run -0 bash -c 'printf "hello\n" | mmtool info -b -'
	assert_output "$(printf 'hello\n' | file -b -)"
	run -0 bash -c 'cat "$1" | mmtool info -b -' _ "$(command -v ls)"
	assert_output "$(cat "$(command -v ls)" | file -b -)"
}

@test "info -: a pipe is read once for type, MIME type and encoding" {
	run -0 bash -c 'printf "hello\n" | mmtool info --json -'
	python3 - "$output" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
assert (o['file'], o['type'], o['mime'], o['encoding']) == ('-', 'ASCII text', 'text/plain', 'us-ascii'), o
PY
}

@test "info -: a regular file on standard input is measured" {
	randfile "$T/f" 12345
	run -0 bash -c 'mmtool info --json - < "$1"' _ "$T/f"
	python3 - "$output" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
assert (o['file'], o['size'], o['extents'], o['holes']) == ('-', 12345, 1, 0), o
PY
}

@test "info -: standard input's offset is left where it was" {
	randfile "$T/f" 100000
	bash -c '{ mmtool info - > /dev/null && cat; } < "$1"' _ "$T/f" > "$T/copy"
	cmp "$T/f" "$T/copy"
}

@test "info: a missing file is reported, the others are still shown, exit 2" {
	printf 'hello\n' > "$T/a"
	printf 'world\n' > "$T/b"
	run -2 --separate-stderr mmtool info -b "$T/a" "$T/nope" "$T/b"
	assert_equal "$stderr" "mmtool: info: $T/nope: No such file or directory"
	assert_output "$(printf 'ASCII text\nASCII text')"
}

@test "info: an unreadable file is a per-file error" {
	public_dir
	printf secret > "$D/f"
	chmod 600 "$D/f"
	run -2 --separate-stderr as_nobody "$MMTOOL" info "$D/f"
	assert_equal "$stderr" "mmtool: info: $D/f: Permission denied"
	assert_output ""
}

@test "info: no FILE is a usage error" {
	run -2 --separate-stderr mmtool info
	assert_equal "$stderr" "mmtool: info: missing operands; usage: mmtool info [OPTIONS] FILE..."
}

@test "info: -b, --mime and --json exclude each other" {
	printf x > "$T/f"
	run -2 --separate-stderr mmtool info -b --mime "$T/f"
	assert_equal "$stderr" "mmtool: info: use only one of -b, --mime and --json"
	run -2 --separate-stderr mmtool info --json --brief "$T/f"
	assert_equal "$stderr" "mmtool: info: use only one of -b, --mime and --json"
	assert_output ""
}

@test "info: an unknown option is a usage error" {
	run -2 --separate-stderr mmtool info --bogus /dev/null
	assert_output ""
	[[ $stderr == "mmtool: info: --bogus: "* ]]
}

@test "info: many files at once say what each says alone (the MIME helper)" {
	make_samples
	mkdir "$T/dir"
	mkfifo "$T/fifo"
	SAMPLES+=("$T/dir" "$T/fifo" /dev/null "$T/elf")
	run -0 timeout 60 mmtool info --json "${SAMPLES[@]}"
	together=$output
	alone=$(for f in "${SAMPLES[@]}"; do timeout 10 mmtool info --json "$f"; done)
	strip='import json, sys
for line in sys.stdin:
    o = json.loads(line)
    del o["resident_pages"]	# info itself reads the files in between
    print(json.dumps(o))'
	assert_equal "$(python3 -c "$strip" <<<"$together")" "$(python3 -c "$strip" <<<"$alone")"
}

@test "info: many files without the helper process (socketpair refused)" {
	make_samples
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o /dev/null -e trace=none \
		-e inject=socketpair:error=EMFILE true || skip "strace cannot inject errors here"
	run -0 env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/trace" \
		-e trace=socketpair,clone,clone3 -e inject=socketpair:error=EMFILE \
		mmtool info -b "${SAMPLES[@]}"
	assert_output "$(file -b "${SAMPLES[@]}")"
	run grep -cE '^[0-9]+ +clone3?\(' "$T/trace"
	assert_output 0
}

@test "info: a magic database that cannot be loaded is a clean error" {
	printf x > "$T/f"
	run -2 --separate-stderr env MAGIC="$T/no-such-db" mmtool info "$T/f" "$T/f"
	assert_output ""
	[[ $stderr == "mmtool: info: cannot load the magic database: "* ]]
	assert_equal "${#stderr_lines[@]}" 1
}

@test "info --help: lists -b/--brief, --mime and --json" {
	run -0 mmtool info --help
	assert_output --partial "-b, --brief"
	assert_output --partial "--mime"
	assert_output --partial "--json"
}

# strace: which files a command opens.  The magic database is
# /usr/share/misc/magic.mgc (and /etc/magic, local additions).  info loads
# libmagic.so itself with dlopen; a gcc build does not even link it (the
# linker's --as-needed drops it), a clang or sanitizer build does.
# LeakSanitizer cannot work under ptrace: a sanitizer build runs without it.
opens() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=open,openat -o "$T/trace" "$@"
}

@test "info: opens the magic database once for several files" {
	make_samples
	opens mmtool info "${SAMPLES[@]}" > /dev/null
	assert_equal "$(grep -cE 'magic\.mgc", O_RDONLY.*\) = [0-9]+$' "$T/trace")" 1
	assert_equal "$(grep -cE 'libmagic\.so.*\) = [0-9]+$' "$T/trace")" 1
}

# A command that is not built yet says so; its test then waits for it.
not_built() { mmtool "$1" --help 2>&1 | grep -q 'not built yet'; }

@test "peek: does not open the magic database" {
	not_built peek && skip "peek is not built yet"
	printf hello > "$T/f"
	opens mmtool peek "$T/f" > /dev/null
	run grep -cE 'magic\.mgc|/etc/magic' "$T/trace"
	assert_output 0
}

@test "poke: does not open the magic database" {
	not_built poke && skip "poke is not built yet"
	printf hello > "$T/f"
	opens mmtool poke "$T/f" 0 J
	assert_equal "$(cat "$T/f")" Jello
	run grep -cE 'magic\.mgc|/etc/magic' "$T/trace"
	assert_output 0
}

@test "grep: does not open the magic database" {
	not_built grep && skip "grep is not built yet"
	printf hello > "$T/f"
	opens mmtool grep ll "$T/f" > /dev/null
	run grep -cE 'magic\.mgc|/etc/magic' "$T/trace"
	assert_output 0
}

@test "flush: does not open the magic database" {
	printf hello > "$T/f"
	opens mmtool flush "$T/f"
	run grep -cE 'magic\.mgc|/etc/magic' "$T/trace"
	assert_output 0
}
