#!/usr/bin/env bats
# Faults triggered for real: files truncated while mapped (SIGBUS), full
# disks, read-only mounts, special files.

setup_file() {
	cc -shared -fPIC -O2 -o "$BATS_FILE_TMPDIR/trunc.so" \
		"$BATS_TEST_DIRNAME/lib/trunc.c" -ldl
	cc -shared -fPIC -O2 -o "$BATS_FILE_TMPDIR/novm.so" \
		"$BATS_TEST_DIRNAME/lib/novm.c"
}

setup() {
	load test_helper/common-setup
	_common_setup
	PRELOAD="$BATS_FILE_TMPDIR/trunc.so"
	NOVM="$BATS_FILE_TMPDIR/novm.so"
	# ASan must come first in LD_PRELOAD (FACTS.md).
	if under_sanitizer; then
		PRELOAD="$(gcc -print-file-name=libasan.so) $PRELOAD"
		NOVM="$(gcc -print-file-name=libasan.so) $NOVM"
	fi
}

# Run mmtool with the truncating mmap wrapper aimed at files named *victim*.
truncating() {
	TRUNC_MATCH=victim LD_PRELOAD="$PRELOAD" "$@"
}

@test "faults: peek of a file truncated while mapped: one error line, exit 2, many times in a row" {
	for i in $(seq "$(reps 10 100)"); do
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool peek "$T/victim"
		assert_equal "$stderr" "mmtool: peek: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
}

@test "faults: peek --raw of a truncated file is a clean error, not a signal" {
	randfile "$T/victim" 300000
	run -2 --separate-stderr truncating mmtool peek --raw "$T/victim"
	assert_equal "$stderr" "mmtool: peek: $T/victim: file changed under us: it shrank (truncated by another process?)"
}

@test "faults: every peek format survives truncation" {
	for fmt in xxd canonical hex c string u32; do
		randfile "$T/victim" 65536
		run -2 --separate-stderr truncating mmtool peek -f "$fmt" "$T/victim"
		assert_equal "$stderr" "mmtool: peek: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
}

@test "faults: poke into a file truncated while mapped: one error line, exit 2" {
	for i in $(seq "$(reps 10 100)"); do
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool poke "$T/victim" 50000 hello
		assert_equal "$stderr" "mmtool: poke: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
	# Spans of a page or more are copied by the kernel first: the same end.
	for i in $(seq "$(reps 4 20)"); do
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool poke -r 16000 "$T/victim" 10000 hello
		assert_equal "$stderr" "mmtool: poke: $T/victim: file changed under us: it shrank (truncated by another process?)"
		randfile "$T/victim" 100000
		head -c 80000 /dev/urandom | xxd > "$T/p"
		run -2 --separate-stderr truncating mmtool poke --patch "$T/p" "$T/victim"
		assert_equal "$stderr" "mmtool: poke: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
}

@test "faults: where process_vm_readv and _writev are refused, walks and pokes work in place" {
	randfile "$T/f" 2000000
	cp "$T/f" "$T/g"
	head -c 300000 /dev/urandom | xxd > "$T/p"
	run -0 env LD_PRELOAD="$NOVM" mmtool peek -f hex "$T/f"
	assert_output "$(xxd -p "$T/f")"
	run -0 env LD_PRELOAD="$NOVM" mmtool grep -c -x "$(xxd -p -s 1234567 -l 6 "$T/f")" "$T/f"
	[ "$output" -ge 1 ]
	# A span of pages (the kernel copy's) and a patch, written by memcpy.
	LD_PRELOAD="$NOVM" mmtool poke -r 2000 "$T/f" 100 hello
	LD_PRELOAD="$NOVM" mmtool poke --patch "$T/p" "$T/f"
	python3 - "$T/g" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0)
m[100:100 + 10000] = b'hello' * 2000
m.close()
PY
	xxd -r "$T/p" "$T/g"
	cmp "$T/f" "$T/g"
}

@test "faults: grep --mmap of a file truncated while mapped: one error line, exit 2" {
	for i in $(seq "$(reps 4 20)"); do
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool grep --mmap needle "$T/victim"
		assert_equal "$stderr" "mmtool: grep: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
}

@test "faults: grep --mmap on two threads and peek end the same way when the file shrinks" {
	for i in $(seq "$(reps 4 20)"); do
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool grep --mmap -j2 needle "$T/victim"
		assert_equal "$stderr" "mmtool: grep: $T/victim: file changed under us: it shrank (truncated by another process?)"
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool peek -f hex "$T/victim"
		assert_equal "$stderr" "mmtool: peek: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
}

@test "faults: cmp of a file truncated while mapped: one error line naming it, exit 2" {
	for i in $(seq "$(reps 4 20)"); do
		randfile "$T/victim" 100000
		cp "$T/victim" "$T/other"
		run -2 --separate-stderr truncating mmtool cmp --mmap "$T/victim" "$T/other"
		assert_equal "$stderr" "mmtool: cmp: $T/victim: file changed under us: it shrank (truncated by another process?)"
		assert_output ""
		randfile "$T/victim" 100000
		run -2 --separate-stderr truncating mmtool cmp --mmap -j2 -c "$T/other" "$T/victim"
		assert_equal "$stderr" "mmtool: cmp: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
	# Cut inside a page: the rest of the page reads as zeros, with no SIGBUS.
	randfile "$T/victim" 100000
	cp "$T/victim" "$T/other"
	TRUNC_SIZE=99000 run -2 --separate-stderr truncating mmtool cmp --mmap "$T/victim" "$T/other"
	assert_equal "$stderr" "mmtool: cmp: $T/victim: file changed under us: it shrank (truncated by another process?)"
	# Read by default, on every thread: a read that ends early is the same error.
	randfile "$T/other" $((20 << 20))
	for j in 1 2; do
		cp "$T/other" "$T/victim"
		run -2 --separate-stderr truncating mmtool cmp -s -j$j "$T/victim" "$T/other"
		assert_equal "$stderr" "mmtool: cmp: $T/victim: file changed under us: it shrank (truncated by another process?)"
	done
}

@test "faults: grep of a file cut inside a page while mapped: one error line, exit 2" {
	# The rest of the page reads as zeros, with no SIGBUS: grep must see the cut.
	randfile "$T/victim" 100000
	TRUNC_SIZE=99000 run -2 --separate-stderr truncating mmtool grep --mmap -c needle "$T/victim"
	assert_equal "$stderr" "mmtool: grep: $T/victim: file changed under us: it shrank (truncated by another process?)"
	# Read by default: a read that ends early is the same error.
	randfile "$T/victim" $((20 << 20))
	TRUNC_SIZE=$(((20 << 20) - 100)) run -2 --separate-stderr truncating mmtool grep -c -j1 needle "$T/victim"
	assert_equal "$stderr" "mmtool: grep: $T/victim: file changed under us: it shrank (truncated by another process?)"
}

# A small file system of its own: tmpfs in a private mount namespace.
full_disk() {
	command -v unshare >/dev/null || skip "unshare is not installed"
	mkdir -p "$T/mnt"
	unshare -m true 2>/dev/null || skip "this machine forbids mount namespaces"
}

# Run a shell script with a small file system of type $1 (tmpfs, ext2 or
# ext4, the last two loop-mounted from an image) on $T/mnt, private to it
# (the mount vanishes with the namespace); its output is in $output.
on_small_fs() {
	local mnt
	full_disk
	case $1 in
	tmpfs) mnt="mount -t tmpfs -o size=1m tmpfs '$T/mnt'" ;;
	*)
		command -v "mkfs.$1" >/dev/null || skip "mkfs.$1 is not installed"
		rm -f "$T/fs.img"
		truncate -s 4M "$T/fs.img"
		"mkfs.$1" -q -m 0 "$T/fs.img" || skip "mkfs.$1 failed"
		mnt="mount -o loop '$T/fs.img' '$T/mnt'" ;;
	esac
	run unshare -m sh -c "$mnt || exit 77
		$2"
	[ "$status" -ne 77 ] || skip "cannot mount $1 here"
	assert_success
}

on_small_tmpfs() { on_small_fs tmpfs "$1"; }

# The same script on tmpfs, ext2 (which has no fallocate(2)) and ext4.
on_each_small_fs() {
	for fs in tmpfs ext2 ext4; do
		on_small_fs "$fs" "$1"
		echo "$fs: $output"
		"${2:-true}"
	done
}

# The shell command that fills $T/mnt to the last block.
# Fill the file system: head in big writes, then dd in 1 KiB ones (the
# block size of the images), so that not even one block is left.
fill() {
	echo "head -c 8000000 /dev/zero > '$T/mnt/fill' 2>/dev/null
		dd if=/dev/zero bs=1k status=none >> '$T/mnt/fill' 2>/dev/null"
}

@test "faults: full disk: poke --grow fails cleanly and the file is as it was" {
	on_small_tmpfs "
		head -c 4096 /dev/urandom > '$T/mnt/f'
		head -c 2000000 /dev/zero > '$T/mnt/fill' 2>/dev/null
		before=\$(sha256sum < '$T/mnt/f')
		mmtool poke --grow '$T/mnt/f' 100000 hello 2> '$T/err'; echo \"rc=\$?\"
		[ \"\$(sha256sum < '$T/mnt/f')\" = \"\$before\" ] && echo same
		stat -c %s '$T/mnt/f'"
	assert_line "rc=2"
	assert_line "same"
	assert_line "4096"
	run cat "$T/err"
	assert_output "mmtool: poke: $T/mnt/f: cannot reserve space for the write: No space left on device; nothing was written"
}

@test "faults: full disk: poke --size fails cleanly and the file is as it was" {
	on_small_tmpfs "
		head -c 4096 /dev/urandom > '$T/mnt/f'
		head -c 2000000 /dev/zero > '$T/mnt/fill' 2>/dev/null
		before=\$(sha256sum < '$T/mnt/f')
		mmtool poke --size 3M '$T/mnt/f' 2900000 hello 2> '$T/err'; echo \"rc=\$?\"
		[ \"\$(sha256sum < '$T/mnt/f')\" = \"\$before\" ] && echo same
		stat -c %s '$T/mnt/f'"
	assert_line "rc=2"
	assert_line "same"
	assert_line "4096"
}

@test "faults: full disk: poke into a hole of a sparse file fails cleanly, no SIGBUS" {
	on_small_tmpfs "
		truncate -s 16M '$T/mnt/sparse'
		head -c 2000000 /dev/zero > '$T/mnt/fill' 2>/dev/null
		before=\$(sha256sum < '$T/mnt/sparse')
		mmtool poke -r 100000 '$T/mnt/sparse' 10M 0123456789 2> '$T/err'; echo \"rc=\$?\"
		[ \"\$(sha256sum < '$T/mnt/sparse')\" = \"\$before\" ] && echo same"
	assert_line "rc=2"
	assert_line "same"
	run cat "$T/err"
	assert_output "mmtool: poke: $T/mnt/sparse: cannot reserve space for the write: No space left on device; nothing was written"
}

@test "faults: full tmpfs: a mapped hole that cannot be read is not called a truncation, and replace writes nothing" {
	# tmpfs allocates a page to read a hole through a mapping: when it is
	# full, that read is a SIGBUS with the file whole.  replace's search
	# reads (no page needed); its reservation then finds the disk full.
	on_small_tmpfs "
		truncate -s 4M '$T/mnt/a' '$T/mnt/b'
		printf x | dd of='$T/mnt/b' bs=1 seek=2M conv=notrunc status=none
		$(fill)
		mmtool grep --mmap -c -x 41 '$T/mnt/a' 2> '$T/err.grep'; echo \"grep rc=\$?\"
		mmtool cmp --mmap '$T/mnt/a' '$T/mnt/b' 2> '$T/err.cmp'; echo \"cmp rc=\$?\"
		mmtool replace -x 00000000 41414141 '$T/mnt/a' 2> '$T/err.replace'; echo \"replace rc=\$?\"
		mmtool grep --no-mmap -c -x 41 '$T/mnt/a'
		stat -c %s '$T/mnt/a'"
	assert_line "grep rc=2"
	assert_line "cmp rc=2"
	assert_line "replace rc=2"
	assert_line "0"
	assert_line "4194304"
	local why="a mapped page could not be read, though the file did not shrink (an I/O error, or a full tmpfs, which needs a page to read a hole)"
	run cat "$T/err.grep"
	assert_output "mmtool: grep: $T/mnt/a: $why"
	run cat "$T/err.cmp"
	assert_output "mmtool: cmp: $T/mnt/a or $T/mnt/b: $why; --no-mmap reads them"
	run cat "$T/err.replace"
	assert_output "mmtool: replace: $T/mnt/a: cannot reserve space for the write: No space left on device; nothing was written"
}

@test "faults: full disk with 1 KiB blocks: a write into a hole is a clean error, one over written blocks works" {
	# pwrite(2) needs blocks only for the bytes it writes: NEEDLE's block
	# is allocated, the block at 5244000 (1 KiB blocks) is a hole.
	for fs in ext2 ext4; do
		on_small_fs "$fs" "
			truncate -s 10M '$T/mnt/sp'
			printf NEEDLE | dd of='$T/mnt/sp' bs=1 seek=5M conv=notrunc status=none
			$(fill)
			before=\$(sha256sum < '$T/mnt/sp')
			mmtool poke '$T/mnt/sp' 5244000 X 2> '$T/err.poke'; echo \"poke rc=\$?\"
			[ \"\$(sha256sum < '$T/mnt/sp')\" = \"\$before\" ] && echo same
			mmtool replace NEEDLE XXXXXX '$T/mnt/sp' 2> '$T/err.replace'; echo \"replace rc=\$?\"
			mmtool grep -c XXXXXX '$T/mnt/sp'; mmtool grep -c NEEDLE '$T/mnt/sp' || :"
		echo "$fs: $output"
		assert_line "poke rc=2"
		assert_line "same"
		assert_line "replace rc=0"
		assert_line --index 3 "1"
		assert_line --index 4 "0"
		run cat "$T/err.poke"
		assert_output "mmtool: poke: $T/mnt/sp: cannot reserve space for the write: No space left on device; nothing was written"
		run cat "$T/err.replace"
		assert_output ""
	done
}

@test "faults: a read-only mount: peek and grep work, poke fails cleanly" {
	on_small_tmpfs "
		printf 'hello needle' > '$T/mnt/f'
		mount -o remount,ro '$T/mnt'
		mmtool peek -f raw '$T/mnt/f'; echo
		mmtool grep needle '$T/mnt/f'
		mmtool poke '$T/mnt/f' 0 x 2> '$T/err'; echo \"rc=\$?\"
		cat '$T/mnt/f'"
	assert_line --index 0 "hello needle"
	assert_line --index 1 "6"
	assert_line --index 2 "rc=2"
	assert_line --index 3 "hello needle"
	run cat "$T/err"
	assert_output "mmtool: poke: $T/mnt/f: Read-only file system"
}

@test "faults: special files get an answer or one error line, never a hang" {
	run -0 timeout 10 mmtool peek /dev/null
	assert_output ""
	run -0 timeout 10 mmtool peek /dev/zero 0 16
	assert_output "00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................"
	run -0 timeout 10 mmtool peek -f raw /proc/self/maps
	assert_output --partial "mmtool"
	run -2 --separate-stderr timeout 10 mmtool peek "$T"
	assert_equal "$stderr" "mmtool: peek: $T: is a directory"
	ln -s "$T/nothing" "$T/dangling"
	run -2 --separate-stderr timeout 10 mmtool peek "$T/dangling"
	assert_equal "$stderr" "mmtool: peek: $T/dangling: No such file or directory"
	run -2 --separate-stderr timeout 10 mmtool poke "$T/dangling" 0 x
	assert_equal "$stderr" "mmtool: poke: $T/dangling: No such file or directory (use --create to make it)"
}

@test "faults: a block device, if there is one, is peeked by its real size" {
	dev=
	for d in $(lsblk -dnpo NAME 2>/dev/null); do
		size=$(blockdev --getsize64 "$d" 2>/dev/null) || continue
		[ "$size" -ge 4096 ] || continue
		dd if="$d" of=/dev/null bs=512 count=1 status=none 2>/dev/null || continue
		dev=$d
		break
	done
	[ -n "$dev" ] || skip "no readable block device with a size"
	run -0 timeout 10 mmtool peek "$dev" -16
	printf -v want '%08x:' $((size - 16))
	assert_output --partial "$want"
}

check_same_and_rc2() {
	assert_line "rc=2"
	assert_line "same"
	refute_line --partial "rc=1"
}

hole_checks() {
	check_same_and_rc2
	assert_line "16777216"
	assert_line "mmtool: poke: $T/mnt/sparse: cannot reserve space for the write: No space left on device; nothing was written"
}

@test "faults: full disk on tmpfs, ext2 and ext4: a write into holes is a clean error, file unchanged" {
	on_each_small_fs "
		truncate -s 16M '$T/mnt/sparse'
		$(fill)
		before=\$(sha256sum < '$T/mnt/sparse')
		mmtool poke -r 100000 '$T/mnt/sparse' 10M 0123456789 2> '$T/err'; echo \"rc=\$?\"
		[ \"\$(sha256sum < '$T/mnt/sparse')\" = \"\$before\" ] && echo same
		stat -c %s '$T/mnt/sparse'
		cat '$T/err'" hole_checks
}

grow_checks() {
	check_same_and_rc2
	assert_line "4096"
	assert_line "3"
	refute_line "rc=0"
}

@test "faults: full disk on tmpfs, ext2 and ext4: --grow and --size leave the file as it was, size included" {
	on_each_small_fs "
		head -c 4096 /dev/urandom > '$T/mnt/f'
		$(fill)
		before=\$(sha256sum < '$T/mnt/f')
		mmtool poke --grow '$T/mnt/f' 100000 hello 2> '$T/err'; echo \"rc=\$?\"
		mmtool poke --size 3M '$T/mnt/f' 2900000 hello 2>> '$T/err'; echo \"rc=\$?\"
		mmtool poke --grow -r 1000 '$T/mnt/f' 4090 0123456789abcdef0123456789 2>> '$T/err'; echo \"rc=\$?\"
		[ \"\$(sha256sum < '$T/mnt/f')\" = \"\$before\" ] && echo same
		stat -c %s '$T/mnt/f'
		wc -l < '$T/err'" grow_checks
}

create_checks() {
	assert_line "rc=2"
	assert_line "gone"
	refute_line --partial ".new"
}

@test "faults: full disk on tmpfs, ext2 and ext4: --create leaves no file behind" {
	on_each_small_fs "
		$(fill)
		mmtool poke --create '$T/mnt/new' 100000 hello 2> '$T/err'; echo \"rc=\$?\"
		[ -e '$T/mnt/new' ] || echo gone
		ls -a '$T/mnt'" create_checks
}

undo_checks() {
	check_same_and_rc2
	assert_line "an older undo file"
	refute_line --regexp '^\.u\.'
	assert_line "mmtool: poke: $T/mnt/u: cannot write the undo file: No space left on device; nothing was written"
}

@test "faults: full disk on tmpfs, ext2 and ext4: a failed --undo leaves the older undo file whole" {
	on_each_small_fs "
		head -c 100000 /dev/urandom > '$T/mnt/f'
		echo 'an older undo file' > '$T/mnt/u'
		$(fill)
		before=\$(sha256sum < '$T/mnt/f')
		mmtool poke --undo '$T/mnt/u' -r 10000 '$T/mnt/f' 0 0123456789 2> '$T/err'; echo \"rc=\$?\"
		[ \"\$(sha256sum < '$T/mnt/f')\" = \"\$before\" ] && echo same
		head -c 100 '$T/mnt/u'
		ls -a '$T/mnt'
		cat '$T/err'" undo_checks
}
