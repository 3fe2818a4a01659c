setup() { load test_helper/common-setup; _common_setup; load lib/pages; }

teardown() { _common_teardown; }

# A file of N random bytes whose pages are all clean (written back).
clean_file() {
	randfile "$1" "$2"
	sync "$1"
}

# Dirty FILE's page cache: write 5 bytes at each OFFSET through a shared
# mapping, as poke does, and leave the writeback to whoever asks for it.
dirty() {
	python3 - "$@" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0)
for off in sys.argv[2:]:
    m[int(off):int(off) + 5] = b'DIRTY'
m.close()
os.close(fd)
PY
}

# cachestat(2) (Linux 6.5) of FILE [OFF LEN]: "cached dirty writeback",
# in pages.  The page cache's own count of what is not yet written back.
cachestat() {
	python3 - "$@" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class Range(ctypes.Structure):
    _fields_ = [('off', ctypes.c_uint64), ('len', ctypes.c_uint64)]
class Stat(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ('cache', 'dirty', 'writeback', 'evicted', 'recent')]
fd = os.open(sys.argv[1], os.O_RDONLY)
r = Range(*(int(a) for a in sys.argv[2:4])) if len(sys.argv) > 3 else Range(0, 0)
s = Stat()
if libc.syscall(451, fd, ctypes.byref(r), ctypes.byref(s), 0):
    sys.exit(1)
print(s.cache, s.dirty, s.writeback)
PY
}

dirty_pages() { cachestat "$@" | cut -d' ' -f2; }

need_cachestat() {
	: > "$T/.probe"
	cachestat "$T/.probe" > /dev/null 2>&1 || skip "cachestat(2) is not available"
}

# The test is only worth running if the pages are still dirty: a kernel
# flusher may have been faster (dirty_expire_centisecs, memory pressure).
require_dirty() {
	local n
	n=$(dirty_pages "$@")
	[ "$n" -gt 0 ] || skip "the kernel wrote the pages back before the test could"
}

fincore_pages() { fincore -n -o PAGES "$1" | tr -d ' '; }

# strace, with LeakSanitizer (which cannot work under ptrace) turned off
# in case mmtool is a sanitizer build.
trace() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq "$@"
}

@test "flush: writes the file's dirty pages back and is silent" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((1 << 20))
	dirty "$D/f" 0 524288
	require_dirty "$D/f"
	run -0 mmtool flush "$D/f"
	assert_output ""
	assert_equal "$(cachestat "$D/f" | cut -d' ' -f2,3)" "0 0"
}

@test "flush: after poke the bytes are on the device (read back from a loop-mounted image)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount"
	command -v mkfs.ext4 > /dev/null || skip "no mkfs.ext4"
	ondisk_dir
	truncate -s 32M "$D/img"
	mkfs.ext4 -q -F "$D/img" || skip "mkfs.ext4 failed"
	mkdir "$D/mnt"
	# Poke if it is built, else write with python.
	writer=poke
	if mmtool poke --help 2>&1 | grep -q 'not built yet'; then writer=python; fi
	cat > "$D/script" <<'SH'
set -eu
img=$1 mnt=$2 writer=$3
mount -o loop "$img" "$mnt" || exit 77
f=$mnt/f
head -c 65536 /dev/urandom > "$f"
sync "$f"
# Where byte OFFSET of f lies in the image, by FIEMAP (no FIEMAP_FLAG_SYNC).
phys_of() {
	python3 - "$f" "$1" <<'PY'
import fcntl, struct, sys
f = open(sys.argv[1], 'rb')
fd, off = f.fileno(), int(sys.argv[2])
buf = bytearray(struct.pack('=QQIIII', off, 5, 0, 0, 1, 0) + bytes(56))
fcntl.ioctl(fd, 0xC020660B, buf)
lo, phys, ln = struct.unpack_from('=QQQ', buf, 32)
flags = struct.unpack_from('=I', buf, 32 + 40)[0]
assert struct.unpack_from('=I', buf, 20)[0] == 1 and not flags & 0x6, flags
assert lo <= off and off + 5 <= lo + ln, (off, lo, ln)
print(phys + off - lo)
PY
}
at=$(phys_of 8192)
at2=$(phys_of 16384)
ondev() { od -An -c -j "$at" -N 5 "$img" | tr -d ' \n'; }
# Byte 16384: 5,000 bytes, which poke copies in with the kernel.
ondev2() { od -An -c -j "$at2" -N 5 "$img" | tr -d ' \n'; }
if [ "$writer" = poke ]; then
	mmtool poke "$f" 8192 POKED
	mmtool poke -r 1000 "$f" 16384 KCOPY
else
	python3 -c 'import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR); m = mmap.mmap(fd, 0); m[8192:8197] = b"POKED"; m.close()' "$f"
fi
echo "before=$(ondev)"
mmtool flush "$f"
echo "after=$(ondev)"
echo "after2=$(ondev2)"
umount "$mnt"
SH
	run unshare -m sh "$D/script" "$D/img" "$D/mnt" "$writer"
	[ "$status" -ne 77 ] || skip "cannot loop-mount here"
	assert_success
	[ "${lines[0]}" != "before=POKED" ] || skip "the kernel wrote the page back before the test could"
	assert_line --index 1 "after=POKED"
	[ "$writer" = python ] || assert_line --index 2 "after2=KCOPY"
}

@test "flush --range: writes back that range only" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((16 << 20))
	dirty "$D/f" 4096 $((8 << 20))
	require_dirty "$D/f" 0 $((1 << 20))
	require_dirty "$D/f" $((8 << 20)) $((1 << 20))
	run -0 mmtool flush --range 0+1M "$D/f"
	assert_output ""
	assert_equal "$(dirty_pages "$D/f" 0 $((1 << 20)))" 0
	[ "$(dirty_pages "$D/f" $((8 << 20)) $((1 << 20)))" -gt 0 ]
}

@test "flush --range: takes START:END with negative offsets" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((16 << 20))
	dirty "$D/f" 4096 $((15 << 20))
	require_dirty "$D/f"
	run -0 mmtool flush --range -1M: "$D/f"
	assert_equal "$(dirty_pages "$D/f" $((15 << 20)) $((1 << 20)))" 0
	[ "$(dirty_pages "$D/f" 0 $((1 << 20)))" -gt 0 ]
}

@test "flush --range: still writes the range back where io_uring is refused" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((16 << 20))
	dirty "$D/f" 4096 $((8 << 20))
	require_dirty "$D/f" 0 $((1 << 20))
	trace -o /dev/null -e trace=none -e inject=io_uring_setup:error=EPERM true ||
		skip "strace cannot inject errors here"
	run -0 trace -o "$T/trace" -e trace=io_uring_setup,sync_file_range,fsync \
		-e inject=io_uring_setup:error=EPERM mmtool flush --range 0+1M "$D/f"
	assert_equal "$(dirty_pages "$D/f" 0 $((1 << 20)))" 0
	grep -q 'sync_file_range(.*SYNC_FILE_RANGE_WAIT_AFTER' "$T/trace"
	grep -q '^[0-9]* *fsync(' "$T/trace"
}

@test "flush: works on a file it may only read, also with --range" {
	public_dir
	need_cachestat
	clean_file "$D/f" $((16 << 20))
	chmod 644 "$D/f"
	dirty "$D/f" 4096
	require_dirty "$D/f"
	run -0 as_nobody "$MMTOOL" flush --range 0+1M "$D/f"
	assert_equal "$(dirty_pages "$D/f")" 0
	dirty "$D/f" $((8 << 20))
	require_dirty "$D/f"
	run -0 as_nobody "$MMTOOL" flush "$D/f"
	assert_equal "$(dirty_pages "$D/f")" 0
}

@test "flush: a file it may only write is flushed, as sync(1) does" {
	public_dir
	need_cachestat
	clean_file "$D/f" $((1 << 20))
	chown 65534 "$D/f"
	chmod 200 "$D/f"
	dirty "$D/f" 4096
	require_dirty "$D/f"
	run -0 as_nobody "$MMTOOL" flush "$D/f"
	assert_equal "$(dirty_pages "$D/f")" 0
}

@test "flush --async: starts the writeback (msync(MS_ASYNC) would not)" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((4 << 20))
	dirty "$D/f" 0 $((1 << 20)) $((3 << 20))
	require_dirty "$D/f"
	run -0 mmtool flush --async "$D/f"
	assert_output ""
	assert_equal "$(dirty_pages "$D/f")" 0
}

@test "flush --data: uses fdatasync, not fsync" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((1 << 20))
	dirty "$D/f" 4096
	run -0 trace -o "$T/trace" -e trace=fsync,fdatasync mmtool flush --data "$D/f"
	grep -q 'fdatasync(' "$T/trace"
	run grep -c '^[0-9]* *fsync(' "$T/trace"
	assert_output 0
	assert_equal "$(dirty_pages "$D/f")" 0
}

@test "flush --drop: evicts the file's pages (fincore says 0)" {
	ondisk_dir
	clean_file "$D/f" $((2 << 20))
	cat "$D/f" > /dev/null
	[ "$(fincore_pages "$D/f")" -gt 0 ]
	run -0 mmtool flush --drop "$D/f"
	assert_equal "$(fincore_pages "$D/f")" 0
}

@test "flush --drop: dirty pages are written first, then evicted" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((2 << 20))
	cat "$D/f" > /dev/null
	dirty "$D/f" 0 $((1 << 20))
	require_dirty "$D/f"
	run -0 mmtool flush --drop "$D/f"
	assert_equal "$(fincore_pages "$D/f")" 0
}

@test "flush --drop --range: evicts only that range" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((4 << 20))
	cat "$D/f" > /dev/null
	run -0 mmtool flush --drop --range 1M+1M "$D/f"
	assert_equal "$(cachestat "$D/f" $((1 << 20)) $((1 << 20)) | cut -d' ' -f1)" 0
	[ "$(cachestat "$D/f" 0 $((1 << 20)) | cut -d' ' -f1)" -gt 0 ]
	[ "$(cachestat "$D/f" $((2 << 20)) $((2 << 20)) | cut -d' ' -f1)" -gt 0 ]
}

@test "flush: several files are all flushed" {
	ondisk_dir
	need_cachestat
	for n in a b c; do
		clean_file "$D/$n" $((1 << 20))
		dirty "$D/$n" 4096
	done
	require_dirty "$D/a"
	run -0 mmtool flush "$D/a" "$D/b" "$D/c"
	assert_output ""
	assert_equal "$(dirty_pages "$D/a") $(dirty_pages "$D/b") $(dirty_pages "$D/c")" "0 0 0"
}

@test "flush: a failing file is reported, the others are still flushed, exit 2" {
	ondisk_dir
	need_cachestat
	clean_file "$D/a" $((1 << 20))
	clean_file "$D/b" $((1 << 20))
	dirty "$D/a" 4096
	dirty "$D/b" 4096
	require_dirty "$D/b"
	run -2 --separate-stderr mmtool flush "$D/a" "$D/nope" "$D/b"
	assert_equal "$stderr" "mmtool: flush: $D/nope: No such file or directory"
	assert_output ""
	assert_equal "$(dirty_pages "$D/a") $(dirty_pages "$D/b")" "0 0"
}

@test "flush: standard input, when it is a file" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((1 << 20))
	dirty "$D/f" 4096
	require_dirty "$D/f"
	run -0 bash -c 'mmtool flush - < "$1"' _ "$D/f"
	assert_equal "$(dirty_pages "$D/f")" 0
}

@test "flush: a character device or a pipe is an error" {
	run -2 --separate-stderr mmtool flush /dev/null
	assert_equal "$stderr" "mmtool: flush: /dev/null: is a character device: only files, directories and block devices have pages to flush"
	mkfifo "$T/fifo"
	run -2 --separate-stderr timeout 10 mmtool flush "$T/fifo"
	assert_equal "$stderr" "mmtool: flush: $T/fifo: is a pipe: only files, directories and block devices have pages to flush"
}

@test "flush: a directory is synced like a file (as sync DIR)" {
	run -0 trace -o "$T/trace" -e trace=fsync mmtool flush "$T"
	assert_output ""
	grep -q '^[0-9]* *fsync(' "$T/trace"
}

@test "flush --range: a directory is an error" {
	run -2 --separate-stderr mmtool flush --range 0:10 "$T"
	assert_equal "$stderr" "mmtool: flush: $T: is a directory: --range needs a file"
}

@test "flush --range: an end before the start is an error" {
	printf 0123456789 > "$T/f"
	run -2 --separate-stderr mmtool flush --range 8:4 "$T/f"
	assert_equal "$stderr" "mmtool: flush: $T/f: RANGE '8:4' ends before it starts"
}

@test "flush --range: a start before the start of the file is an error" {
	printf 0123456789 > "$T/f"
	run -2 --separate-stderr mmtool flush --range -20: "$T/f"
	assert_equal "$stderr" "mmtool: flush: $T/f: RANGE '-20:' reaches before the start of the file (size 10)"
}

@test "flush --range: a range past the end is cut at the end" {
	printf 0123456789 > "$T/f"
	run -0 mmtool flush --range 4+1G "$T/f"
	run -0 mmtool flush --range 4:100 "$T/f"
	assert_output ""
	# A start at the end is an empty range, as peek's OFFSET at the size.
	run -0 mmtool flush --range 10: "$T/f"
	run -0 mmtool flush --range 10+5 "$T/f"
	run -0 mmtool flush --range -0: "$T/f"
}

@test "flush --range: a start past the end of the file is an error, in every form" {
	printf 0123456789 > "$T/f"
	local r
	for r in 100: 100:200 11:12 11+0 100+5 0x10: 1k+1; do
		run -2 --separate-stderr mmtool flush --range "$r" "$T/f"
		assert_equal "$stderr" "mmtool: flush: $T/f: RANGE '$r' starts past the end of the file (size 10)"
		run -2 --separate-stderr mmtool flush --load --range "$r" "$T/f"
		assert_equal "$stderr" "mmtool: flush: $T/f: RANGE '$r' starts past the end of the file (size 10)"
	done
}

@test "flush --range: junk is an error that quotes it" {
	printf x > "$T/f"
	run -2 --separate-stderr mmtool flush --range 0x1g: "$T/f"
	assert_equal "$stderr" "mmtool: flush: bad RANGE '0x1g:': unknown suffix 'g'"
	run -2 --separate-stderr mmtool flush --range 12 "$T/f"
	assert_equal "$stderr" "mmtool: flush: bad RANGE '12': write START:END or START+LENGTH"
}

@test "flush: a 100 GiB sparse file under ulimit -v 262144" {
	under_sanitizer && skip "ASan cannot run under a small ulimit -v"
	truncate -s 100G "$T/big"
	run -0 bash -c 'ulimit -v 262144 && mmtool flush --drop "$1" && mmtool flush --range 50G: "$1"' _ "$T/big"
}

@test "flush: no FILE is a usage error" {
	run -2 --separate-stderr mmtool flush
	assert_equal "$stderr" "mmtool: flush: missing operands; usage: mmtool flush [OPTIONS] FILE..."
}

@test "flush --help: lists --range, --async, --data and --drop" {
	run -0 mmtool flush --help
	assert_output --partial "--range=RANGE"
	assert_output --partial "--async"
	assert_output --partial "--data"
	assert_output --partial "--drop"
}

@test "flush --load: reads the pages that are not resident; info then counts them all" {
	ondisk_dir
	cold_file "$D/f" $((4 << 20))
	read_pages "$D/f" 0 7 500
	run -0 mmtool flush --load "$D/f"
	assert_output ""
	assert_equal "$(fincore_pages "$D/f")" 1024
	run -0 vmtouch "$D/f"
	assert_line --partial "Resident Pages: 1024/1024"
	run -0 mmtool info --json "$D/f"
	[[ $output == *'"resident_pages":1024,'* ]]
}

@test "flush --load: reads only the pages not resident (strace: no pread of a resident page)" {
	ondisk_dir
	clean_file "$D/f" $((1 << 20))
	mmtool flush --drop "$D/f"
	read_pages "$D/f" $(seq 0 9) $(seq 20 255)
	trace -o "$T/trace" -e trace=pread64,fadvise64 mmtool flush --load "$D/f"
	# The preads after readahead is turned off are the file's (not ld.so's).
	sed -n '/POSIX_FADV_RANDOM/,$p' "$T/trace" | grep 'pread64(' > "$T/reads"
	assert_equal "$(wc -l < "$T/reads")" 1
	grep -q 'pread64([0-9]*, .*, 40960, 40960) = 40960' "$T/reads"
	assert_equal "$(fincore_pages "$D/f")" 256
}

@test "flush --load --range: loads that range only (vmtouch -v -p sees it all resident)" {
	ondisk_dir
	cold_file "$D/f" $((4 << 20))
	run -0 mmtool flush --load --range 1M+512K "$D/f"
	assert_equal "$(fincore_pages "$D/f")" 128
	run -0 vmtouch -v -p 1M-1536K "$D/f"
	assert_line --partial "Resident Pages: 128/128"
}

@test "flush --load --range: whole 2 MiB blocks and the ends around them, nothing past (fincore, vmtouch -v -p)" {
	ondisk_dir
	cold_file "$D/f" $((12 << 20))
	read_pages "$D/f" 700 701 3000
	# [1 MiB, 8 MiB - 32): pages 256 to 2047, the blocks 2-6 MiB among them.
	run -0 mmtool flush --load --range 1M+7340000 "$D/f"
	assert_output ""
	run -0 vmtouch -v -p 1M-8M "$D/f"
	assert_line --partial "Resident Pages: 1792/1792"
	run -0 vmtouch -v -p 8M-12M "$D/f"
	assert_line --partial "Resident Pages: 1/1024"
	assert_equal "$(fincore_pages "$D/f")" 1793
}

@test "flush --load: does not write dirty pages back" {
	ondisk_dir
	need_cachestat
	clean_file "$D/f" $((1 << 20))
	dirty "$D/f" 0
	require_dirty "$D/f"
	run -0 mmtool flush --load "$D/f"
	[ "$(dirty_pages "$D/f")" -gt 0 ]
}

@test "flush --load: with --drop, --async or --data is an error" {
	printf x > "$T/f"
	for o in --drop --async --data; do
		run -2 --separate-stderr mmtool flush --load "$o" "$T/f"
		assert_equal "$stderr" "mmtool: flush: --load does not sync or evict: it takes no --drop, --async or --data"
	done
}

@test "flush --load: a directory is an error" {
	mkdir "$T/d"
	run -2 --separate-stderr mmtool flush --load "$T/d"
	assert_equal "$stderr" "mmtool: flush: $T/d: is a directory: --load needs a file"
}

@test "flush --help: lists --load" {
	run -0 mmtool flush --help
	assert_output --partial "--load"
}
