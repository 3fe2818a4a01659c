setup() { load test_helper/common-setup; _common_setup; load lib/pages; }

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

# cachestat(2) (Linux 6.5) of FILE: "cached dirty writeback evicted recent".
cachestat() {
	python3 - "$1" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = (ctypes.c_uint64 * 2)(0, 0)
s = (ctypes.c_uint64 * 5)()
fd = os.open(sys.argv[1], os.O_RDONLY)
if libc.syscall(451, fd, r, s, 0):
    sys.exit(1)
print(*s)
PY
}
has_cachestat() { : > "$T/.probe"; cachestat "$T/.probe" > /dev/null 2>&1; }

# NOCS: an LD_PRELOAD library that makes cachestat(2) fail with ENOSYS.
nocachestat() {
	NOCS=$T/nocachestat.so
	cc -shared -fPIC -O2 -o "$NOCS" "$BATS_TEST_DIRNAME/lib/nocachestat.c" -ldl
	if under_sanitizer; then NOCS="$(cc -print-file-name=libasan.so) $NOCS"; fi
}

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

# The set of real files the type tests compare with file(1): made once for
# the file in setup_file, copied into each test's $T by make_samples.
setup_file() {
	local d=$BATS_FILE_TMPDIR/samples
	mkdir "$d"
	cp "$(command -v ls)" "$d/elf"
	printf 'some text to compress\n%.0s' {1..50} | gzip -c > "$d/text.gz"
	make_png "$d/image.png"
	printf 'hello, world\nsecond line\n' > "$d/text.txt"
	printf 'caf\xc3\xa9 na\xc3\xafve\n' > "$d/utf8.txt"
	printf '#!/bin/sh\necho hi\n' > "$d/script.sh"
	printf '{"a": [1, 2, 3]}\n' > "$d/data.json"
	: > "$d/empty"
	head -c 5000 /dev/urandom > "$d/random.bin"
}

make_samples() {
	cp "$BATS_FILE_TMPDIR"/samples/* "$T"/
	SAMPLES=("$T/elf" "$T/text.gz" "$T/image.png" "$T/text.txt" "$T/utf8.txt"
		"$T/script.sh" "$T/data.json" "$T/empty" "$T/random.bin")
	# Written back: cachestat's dirty count must not change between runs.
	sync "${SAMPLES[@]}"
}

# The data runs and holes of FILE by SEEK_DATA/SEEK_HOLE, in file order:
# lines "data START+LENGTH" and "hole START+LENGTH".
runs_oracle() {
	python3 - "$1" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size, pos = os.fstat(fd).st_size, 0
while pos < size:
    try:
        data = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        data = size
    if data > pos:
        print('hole %d+%d' % (pos, data - pos))
    if data >= size:
        break
    pos = os.lseek(fd, data, os.SEEK_HOLE)
    print('data %d+%d' % (data, pos - data))
PY
}

# "size allocated extents holes" of FILE: stat, and the runs counted.
layout_oracle() {
	runs_oracle "$1" > "$T/.runs"
	echo "$(stat -c %s "$1") $(($(stat -c '%b * %B' "$1"))) $(grep -c '^data' "$T/.runs") $(grep -c '^hole' "$T/.runs")"
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
	# file(1) names them all in one call a kind: one line each, in order.
	local -a type mime encoding
	local n
	mapfile -t type < <(file -b "${SAMPLES[@]}")
	mapfile -t mime < <(file -b --mime-type "${SAMPLES[@]}")
	mapfile -t encoding < <(file -b --mime-encoding "${SAMPLES[@]}")
	assert_equal "${#type[@]} ${#mime[@]} ${#encoding[@]}" "9 9 9"
	# (n, not i: an i came back changed from run or assert_line here.)
	for ((n = 0; n < ${#SAMPLES[@]}; n++)); do
		run -0 mmtool info "${SAMPLES[n]}"
		assert_line "type:           ${type[n]}"
		assert_line "mime:           ${mime[n]}"
		assert_line "encoding:       ${encoding[n]}"
	done
}

@test "info: the human layout is one key per line, in a fixed order" {
	truncate -s 1536K "$T/f"
	run -0 mmtool info "$T/f"
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d: -f1 | tr '\n' ,)" \
		"file,size,allocated,extents,holes,type,mime,encoding,page size,pages,resident pages,resident,$(has_cachestat && echo cachestat,)"
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
	n=$(mmtool info "$T/a" | wc -l)
	assert_equal "$(wc -l < "$T/out")" $((2 * n + 1))
	assert_equal "$(sed -n "$((n + 1))p" "$T/out")" ""
	assert_equal "$(sed -n "$((n + 2))p" "$T/out")" "file:           $T/b"
	assert_equal "$(tail -n 1 "$T/out" | cut -d: -f1)" "$(mmtool info "$T/a" | tail -n 1 | cut -d: -f1)"
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
	python3 - "$T/out" "${#SAMPLES[@]}" "$(has_cachestat && echo 1)" <<'PY'
import json, sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
assert lines[-1] == b'', 'output must end with a newline'
lines = lines[:-1]
assert len(lines) == int(sys.argv[2]), len(lines)
keys = ['kind', 'file', 'size', 'allocated', 'extents', 'holes', 'type', 'mime',
        'encoding', 'page_size', 'pages', 'resident_pages', 'resident_bytes',
        'resident_percent']
if sys.argv[3] == '1':
    keys += ['cached', 'dirty', 'writeback', 'evicted', 'recently_evicted']
for line in lines:
    o = json.loads(line)
    assert list(o) == keys, list(o)
    assert o['kind'] == 'info'
    for k in keys:
        want = (str if k in ('kind', 'file', 'type', 'mime', 'encoding') else
                float if k == 'resident_percent' else int)
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
import base64, json, os, sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:-1]
want = [os.fsencode(p) for p in sys.argv[2:]]
assert len(lines) == len(want), (len(lines), len(want))
for line, name in zip(lines, want):
    o = json.loads(line.decode('utf-8'))   # strict: no raw control characters
    assert o['file'] == name.decode('utf-8', 'replace'), (o['file'], name)
    try:
        name.decode('utf-8')
        assert 'file_b64' not in o, o
    except UnicodeDecodeError:
        assert base64.b64decode(o['file_b64']) == name, (o, name)
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

@test "info: without cachestat, residency is 'unknown' for a file that cannot be mapped (/sys)" {
	f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -r "$f" ] || skip "no $f here"
	nocachestat
	run -0 env LD_PRELOAD="$NOCS" mmtool info "$f"
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

@test "info: many files at once say what each says alone, for -j 1, 2 and 7" {
	make_samples
	mkdir "$T/dir"
	mkfifo "$T/fifo"
	SAMPLES+=("$T/dir" "$T/fifo" /dev/null "$T/elf")
	alone=$(for f in "${SAMPLES[@]}"; do timeout 10 mmtool info --json "$f"; done)
	for j in 1 2 7; do
		run -0 timeout 60 mmtool info -j "$j" --json "${SAMPLES[@]}"
		assert_equal "$output" "$alone"
	done
}

@test "info -j: 1, 2 and 7 threads print the same bytes, with -b, --mime and the record" {
	make_samples
	for opt in -b --mime --json --cache --map; do
		mmtool info -j 1 $opt "${SAMPLES[@]}" "${SAMPLES[@]}" > "$T/one"
		for j in 2 7; do
			mmtool info -j "$j" $opt "${SAMPLES[@]}" "${SAMPLES[@]}" > "$T/many"
			cmp "$T/one" "$T/many"
		done
	done
}

@test "info -j: 0 and junk are errors" {
	run -2 --separate-stderr mmtool info -j 0 /dev/null
	assert_equal "$stderr" "mmtool: info: bad N '0': threads must be 1 to 1024"
	run -2 --separate-stderr mmtool info -j x /dev/null
	[[ $stderr == "mmtool: info: bad N 'x'"* ]]
}

@test "info: no helper process is forked, only threads" {
	make_samples
	run -0 env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/trace" \
		-e trace=clone,clone3,fork,vfork "$MMTOOL" info -j 2 "${SAMPLES[@]}"
	run grep -cE 'clone3?\(' "$T/trace"
	[ "$output" -ge 1 ]
	run grep -E '^[0-9]+ +(v?fork|clone3?)\(' "$T/trace"
	refute_output --partial SIGCHLD
}

@test "info: a magic database that cannot be loaded is a clean error" {
	printf x > "$T/f"
	run -2 --separate-stderr env MAGIC="$T/no-such-db" mmtool info "$T/f" "$T/f"
	assert_output ""
	[[ $stderr == "mmtool: info: cannot load the magic database: "* ]]
	assert_equal "${#stderr_lines[@]}" 1
}

@test "info --help: lists every option" {
	run -0 mmtool info --help
	for o in "-b, --brief" --mime --json "-c, --cache" --map --bar "-r, --recursive" "-j, --threads=N"; do
		assert_output --partial -- "$o"
	done
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

@test "info: opens the magic database once per thread, the library once" {
	make_samples
	opens mmtool info -j 1 "${SAMPLES[@]}" > /dev/null
	assert_equal "$(grep -cE 'magic\.mgc", O_RDONLY.*\) = [0-9]+$' "$T/trace")" 1
	assert_equal "$(grep -cE 'libmagic\.so.*\) = [0-9]+$' "$T/trace")" 1
	opens mmtool info -j 2 "${SAMPLES[@]}" > /dev/null
	[ "$(grep -cE 'magic\.mgc", O_RDONLY.*\) = [0-9]+$' "$T/trace")" -le 2 ]
	assert_equal "$(grep -cE 'libmagic\.so.*\) = [0-9]+$' "$T/trace")" 1
}

@test "info --cache: does not load libmagic" {
	printf hello > "$T/f"
	opens mmtool info -c "$T/f" > /dev/null
	run grep -cE 'magic\.mgc|libmagic\.so.*\) = [0-9]+$' "$T/trace"
	assert_output 0
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

# Every line of FILE is a JSON object; print KEY of each (python's repr).
json_keys() {
	python3 - "$@" <<'PY'
import json, sys
for line in open(sys.argv[1], 'rb').read().split(b'\n')[:-1]:
    o = json.loads(line.decode('utf-8'))
    print(*[o.get(k, '-') for k in sys.argv[2:]])
PY
}

@test "info: leaves the page cache as it found it (fincore counts what info said)" {
	ondisk_dir
	f=$D/f
	cold_file "$f" $((8 << 20))
	read_pages "$f" 3 700 1500
	for opt in --json -b --mime; do
		before=$(fincore_pages "$f")
		run -0 mmtool info $opt "$f"
		assert_equal "$(fincore_pages "$f")" "$before"
	done
	mmtool info --json "$f" > "$T/out"
	assert_equal "$(json_keys "$T/out" resident_pages)" "$(fincore_pages "$f")"
	assert_equal "$(fincore_pages "$f")" 3
}

@test "info: without cachestat it leaves the page cache as it found it too" {
	ondisk_dir
	nocachestat
	f=$D/f
	cold_file "$f" $((8 << 20))
	read_pages "$f" 0 9 1000
	env LD_PRELOAD="$NOCS" mmtool info --json "$f" > "$T/out"
	assert_equal "$(json_keys "$T/out" resident_pages cached)" "3 -"
	assert_equal "$(fincore_pages "$f")" 3
}

@test "info: resident bytes and percentage agree with vmtouch" {
	ondisk_dir
	f=$D/f
	randfile "$f" $((4 << 20))
	evict "$f"
	read_pages "$f" 0 1 2 3 100 101
	mmtool info --json "$f" > "$T/out"
	page=$(getconf PAGESIZE)
	assert_equal "$(json_keys "$T/out" resident_pages resident_bytes resident_percent)" \
		"6 $((6 * page)) 0.6"
	run -0 vmtouch "$f"
	assert_line --partial "Resident Pages: 6/1024"
	run -0 mmtool info "$f"
	assert_line "resident:       $((6 * page)) (24.0 KiB), 0.6%"
}

@test "info: cachestat's counts; dirty pages after a poke without -s" {
	has_cachestat || skip "cachestat(2) is not available"
	ondisk_dir
	f=$D/f
	randfile "$f" $((1 << 20))
	sync "$f"
	mmtool poke "$f" 8192 DIRTY
	read -r cached dirty writeback evicted recent <<<"$(cachestat "$f")"
	[ "$dirty" -gt 0 ] || skip "the kernel wrote the page back before the test could"
	mmtool info -c --json "$f" > "$T/out"
	assert_equal "$(json_keys "$T/out" cached dirty)" "$cached $dirty"
	run -0 mmtool info "$f"
	assert_line --regexp "^cachestat:      cached [0-9]+, dirty $dirty, writeback [0-9]+, evicted [0-9]+, recently evicted [0-9]+$"
	grep -q '^Dirty:' /proc/meminfo
}

@test "info -c: only the page-cache fields, equal to fincore's" {
	ondisk_dir
	f=$D/f
	randfile "$f" $((2 << 20))
	evict "$f"
	read_pages "$f" 4 5
	mmtool info -c --json "$f" > "$T/out"
	python3 - "$T/out" "$(has_cachestat && echo 1)" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read())
keys = ['kind', 'file', 'size', 'page_size', 'pages', 'resident_pages',
        'resident_bytes', 'resident_percent']
if sys.argv[2] == '1':
    keys += ['cached', 'dirty', 'writeback', 'evicted', 'recently_evicted']
assert list(o) == keys, list(o)
PY
	assert_equal "$(json_keys "$T/out" resident_pages)" "$(fincore_pages "$f")"
	run -0 mmtool info -c "$f"
	refute_line --partial "type:"
}

@test "info --map: data and hole ranges equal python's SEEK_DATA/SEEK_HOLE" {
	ondisk_dir
	f=$D/f
	truncate -s 1M "$f"
	for at in 0 40 200; do
		dd if=/dev/urandom of="$f" bs=4096 count=2 seek=$at conv=notrunc status=none
	done
	sync "$f"
	runs_oracle "$f" > "$T/want"
	grep -q hole "$T/want" || skip "this file system reports no holes"
	mmtool info --map "$f" > "$T/out"
	assert_equal "$(grep -E '^(data|hole) ' "$T/out")" "$(cat "$T/want")"
	mmtool info --map --json "$f" > "$T/json"
	python3 - "$T/json" "$T/want" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read())
got = sorted([('data', r['offset'], r['length']) for r in o['data_ranges']] +
             [('hole', r['offset'], r['length']) for r in o['hole_ranges']], key=lambda t: t[1])
want = [(l.split()[0], *map(int, l.split()[1].split('+'))) for l in open(sys.argv[2])]
assert got == want, (got, want)
assert (o['extents'], o['holes']) == (len(o['data_ranges']), len(o['hole_ranges']))
PY
}

@test "info --map: resident ranges are the pages read, and fincore's count" {
	ondisk_dir
	f=$D/f
	cold_file "$f" $((4 << 20))
	read_pages "$f" 2 3 4 600
	page=$(getconf PAGESIZE)
	run -0 mmtool info --map "$f"
	assert_equal "$(grep '^resident [0-9]' <<<"$output")" \
		"$(printf 'resident %d+%d\nresident %d+%d' $((2 * page)) $((3 * page)) $((600 * page)) "$page")"
	assert_equal "$(fincore_pages "$f")" 4
	mmtool info -c --map --json "$f" > "$T/json"
	python3 - "$T/json" "$page" <<'PY'
import json, sys
o, page = json.loads(open(sys.argv[1]).read()), int(sys.argv[2])
assert o['resident_ranges'] == [{'offset': 2 * page, 'length': 3 * page},
                                {'offset': 600 * page, 'length': page}], o
assert 'data_ranges' not in o
PY
}

@test "info --map: physical extents equal filefrag -v's on a loop-mounted ext4" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount"
	ondisk_dir
	truncate -s 64M "$D/img"
	mkfs.ext4 -q -F -b 4096 "$D/img" || skip "mkfs.ext4 failed"
	mkdir "$D/mnt"
	cat > "$D/script" <<'SH'
set -eu
mount -o loop "$1" "$2" || exit 77
f=$2/f
truncate -s 8M "$f"
for at in 0 100 101 900 1500; do
	dd if=/dev/urandom of="$f" bs=4096 count=7 seek=$at conv=notrunc status=none
done
sync "$f"
mmtool info --map --json "$f"
filefrag -v -b4096 "$f"
umount "$2"
SH
	run unshare -m sh "$D/script" "$D/img" "$D/mnt"
	[ "$status" -ne 77 ] || skip "cannot loop-mount here"
	assert_success
	python3 - "$output" <<'PY'
import json, re, sys
lines = sys.argv[1].split('\n')
o = json.loads(lines[0])
got = [(p['offset'], p['length']) for d in o['data_ranges'] for p in d['physical']]
want = []
for l in lines[1:]:
    m = re.match(r'\s*\d+:\s*(\d+)\.\.\s*(\d+):\s*(\d+)\.\.\s*(\d+):\s*(\d+):', l)
    if m:
        lo, hi, plo, phi, n = map(int, m.groups())
        want.append((plo * 4096, n * 4096))
# filefrag may join extents that touch on disk; compare the bytes covered.
def cover(rs):
    out = []
    for a, n in sorted(rs):
        if out and out[-1][0] + out[-1][1] == a:
            out[-1] = (out[-1][0], out[-1][1] + n)
        else:
            out.append((a, n))
    return out
assert cover(got) == cover(want), (got, want)
assert len(o['data_ranges']) == 4, o['data_ranges']
PY
}

@test "info --bar: 64 cells, '#' resident, '-' data not resident, '.' hole" {
	ondisk_dir
	f=$D/f
	truncate -s 256K "$f"
	dd if=/dev/urandom of="$f" bs=4096 count=32 conv=notrunc status=none
	sync "$f"
	evict "$f"
	read_pages "$f" 0 1 2 3 4 5 6 7
	[ "$(mmtool info --json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["holes"])')" -eq 1 ] ||
		skip "this file system reports no holes"
	run -0 mmtool info --bar "$f"
	assert_line "bar:            [$(printf '#%.0s' {1..8})$(printf -- '-%.0s' {1..24})$(printf '.%.0s' {1..32})]"
}

@test "info: a socket is described as file(1) describes it, from stat" {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock"
	run -0 mmtool info -b "$T/sock"
	assert_output "$(file -b "$T/sock")"
	mmtool info --json "$T/sock" > "$T/out"
	assert_equal "$(json_keys "$T/out" size mime)" "None $(file -b --mime-type "$T/sock")"
	run -0 mmtool info -c "$T/sock"
	assert_line "size:           unknown (a socket has no size)"
}

@test "info -: a pipe's size is unknown, not 0" {
	run -0 bash -c 'printf "hello\n" | mmtool info -'
	assert_line "size:           unknown (a pipe: its length is known only once read)"
	run -0 bash -c 'printf "hello\n" | mmtool info --json -'
	assert_equal "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["size"])' "$output")" None
}

@test "info -r: every regular file below, in name order, no symbolic links, then a total" {
	mkdir -p "$T/d/a/b" "$T/d/c"
	printf 1 > "$T/d/a/b/x"
	printf 22 > "$T/d/a/y"
	printf 333 > "$T/d/c/z"
	printf 4444 > "$T/d/w"
	ln -s "$T/d/w" "$T/d/link"
	ln -s "$T/d/a" "$T/d/c/dirlink"
	mkfifo "$T/d/fifo"
	mmtool info -r --json "$T/d" > "$T/out"
	assert_equal "$(json_keys "$T/out" kind file)" "$(printf 'info %s\n' "$T/d/a/b/x" "$T/d/a/y" "$T/d/c/z" "$T/d/w")
total -"
	assert_equal "$(tail -n 1 "$T/out" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["files"], o["size"])')" "4 10"
	run -0 mmtool info -r -b "$T/d"
	assert_equal "${#lines[@]}" 4
}

@test "info -r: the total line sums size, allocated and resident as fincore counts" {
	ondisk_dir
	mkdir "$D/t"
	for i in 1 2 3; do randfile "$D/t/f$i" $((i * 100000)); done
	sync "$D/t"/f*
	mmtool info -r -c --json "$D/t" > "$T/out"
	want=$(( $(fincore -n -b -o RES "$D/t"/f* | paste -sd+) ))
	python3 - "$T/out" "$want" "$(du -cb --apparent-size "$D/t"/f* | tail -n 1 | cut -f1)" <<'PY'
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])][-1]
assert o['kind'] == 'total' and o['files'] == 3, o
assert o['size'] == int(sys.argv[3]), o
assert o['resident_bytes'] == int(sys.argv[2]), (o, sys.argv[2])
PY
	run -0 mmtool info -r "$D/t"
	assert_line --regexp "^total:          3 files, size 600000 \(585\.9 KiB\), allocated [0-9]+ \(.*\), resident [0-9]+ \(.*\), [0-9.]+%$"
}

@test "info -r --json: names with newlines, control bytes and invalid UTF-8 all parse" {
	mkdir "$T/d"
	for n in $'new\nline' $'ctl\x01\x7f' $'bad\xff' 'caf'$'\xc3\xa9' $'tab\t'; do
		printf x > "$T/d/$n"
	done
	mmtool info -r --json "$T/d" > "$T/out"
	python3 - "$T/out" "$T/d" <<'PY'
import base64, json, os, sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:-1]
names = sorted(os.listdir(os.fsencode(sys.argv[2])))
objs = [json.loads(l.decode('utf-8')) for l in lines]
assert objs[-1]['kind'] == 'total' and objs[-1]['files'] == 5, objs[-1]
for o, n in zip(objs, names):
    full = os.path.join(os.fsencode(sys.argv[2]), n)
    got = base64.b64decode(o['file_b64']) if 'file_b64' in o else o['file'].encode()
    assert got == full, (got, full)
PY
}

@test "info: -b with --cache, --map or --bar is an error" {
	run -2 --separate-stderr mmtool info -b -c /dev/null
	assert_equal "$stderr" "mmtool: info: -b and --mime print only the type: they take no --cache, --map or --bar"
}
