#!/usr/bin/env bats
# grep over many files and large ones, on any number of threads: the
# worker pool must give the output of one scan, for every -j, with python
# (os.scandir, bytes.count and bytes.find) as the oracle.

# The trees are built once for the file and only read by the tests.
setup_file() {
	make_tree "$BATS_FILE_TMPDIR/t"
	make_tree "$BATS_FILE_TMPDIR/t8" 8
}

setup() {
	load test_helper/common-setup
	_common_setup
	TREE=$BATS_FILE_TMPDIR/t
	TREE8=$BATS_FILE_TMPDIR/t8
}

# A tree of about 2,000 files under $1 (50 in each of ${2:-40} folders): sizes from 0 bytes to 300 KiB and
# one sparse 40 MiB file, NEEDLE planted here and there (also across the
# 16 MiB ranges of the large file), links to files and directories, and a
# symbolic link loop.
make_tree() {
	python3 - "$1" "${2:-40}" <<'PY'
import os, random, sys
root = sys.argv[1]
r = random.Random(13)
for d in range(int(sys.argv[2])):
    sub = os.path.join(root, 'd%02d' % d, 'e%d' % (d % 3))
    os.makedirs(sub)
    for i in range(50):
        size = r.choice([0, 1, 5, 100, 4096, 20000, 70000, 300000])
        b = bytearray(r.randbytes(size))
        for _ in range(r.randrange(4)):
            if size > 6:
                o = r.randrange(size - 5)
                b[o:o + 6] = b'NEEDLE'
        if size >= 12 and i % 7 == 0:
            b[0:12] = b'NEEDLENEEDLE'
        name = ('f%03d' % i) + ('.bin' if i % 2 else '')
        open(os.path.join(sub if i % 4 else os.path.dirname(sub), name), 'wb').write(b)
M = 16 << 20
with open(os.path.join(root, 'd07', 'large'), 'wb') as f:
    f.truncate(40 << 20)
    for o in [0, M - 3, M + 4, 2 * M - 6, 2 * M, 30000000, (40 << 20) - 6]:
        f.seek(o)
        f.write(b'NEEDLE')
os.symlink('.', os.path.join(root, 'd01', 'loop'))
os.symlink('../d02', os.path.join(root, 'd03', 'up'))
os.symlink(os.path.join(root, 'd07', 'large'), os.path.join(root, 'd04', 'link'))
PY
}

# What grep -r -c prints for the tree under $1: regular files in name
# order, links not followed; files that cannot be read are left out.
py_counts() {
	py_walk "$1" | python3 -c '
import sys
for p in sys.stdin.read().splitlines():
    try:
        print("%s:%d" % (p, open(p, "rb").read().count(b"NEEDLE")))
    except PermissionError:
        pass'
}

@test "grep -r: counts equal python's on a tree of 2,000 files, on 1, 2 and 7 threads" {
	want=$(py_counts "$TREE")
	[ "$(wc -l <<<"$want")" -ge 2000 ]
	for j in 1 2 7; do
		run -0 timeout 60 mmtool grep -r -c -j "$j" NEEDLE "$TREE"
		assert_output "$want"
	done
	run -0 mmtool grep -r -c --mmap NEEDLE "$TREE"
	assert_output "$want"
}

@test "grep -r: offsets equal python's bytes.find in every file" {
	mmtool grep -r NEEDLE "$TREE" > "$T/ours"
	python3 - "$TREE" "$T/ours" <<'PY'
import os, stat, sys
want = []
def walk(d):
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        st = os.lstat(p)
        if stat.S_ISDIR(st.st_mode):
            walk(p)
        elif stat.S_ISREG(st.st_mode):
            b = open(p, 'rb').read()
            i = b.find(b'NEEDLE')
            while i >= 0:
                want.append('%s:%d' % (p, i))
                i = b.find(b'NEEDLE', i + 6)
walk(sys.argv[1])
got = open(sys.argv[2]).read().split('\n')[:-1]
assert got == want, (len(got), len(want))
PY
}

@test "grep -r: every output is byte-identical for -j 1 and 7 (and 2 under check-full)" {
	local all=("" "-c" "-l" "--json" "-C 8" "-m 2" "--overlap -x 45??" \
		"--range 3:70000" "-E NEED+LE -0") opts
	# Six of the nine under make check, all of them under make check-full.
	[ -n "${MMTOOL_FULL:-}" ] || all=("" "-l" "--json" "-C 8" "-m 2" "-E NEED+LE -0")
	for opts in "${all[@]}"; do
		for j in $(reps "1 7" "1 2 7"); do
			run mmtool grep -r -j "$j" $opts NEEDLE "$TREE8"
			printf -v out '%s\nstatus %s\n' "$output" "$status"
			[ "$j" != 1 ] || first=$out
			[[ $out == "$first" ]] || fail "grep -r $opts: -j $j differs from -j 1"
		done
	done
}

@test "grep: matches across the range seams of a large file, for any -j and option" {
	f=$TREE8/d07/large
	run -0 mmtool grep -j1 NEEDLE "$f"
	want=$output
	assert_output "$(python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
i = b.find(b"NEEDLE")
while i >= 0:
    print(i)
    i = b.find(b"NEEDLE", i + 6)' "$f")"
	assert_line 16777213
	for opts in "-j2 NEEDLE" "-j7 NEEDLE" "-j7 --mmap NEEDLE" "-j2 --overlap NEEDLE" \
		"-j2 -E NEEDL[E]" "-j7 -x 4e45??444c45"; do
		run -0 mmtool grep $opts "$f"
		assert_output "$want"
	done
	run -0 mmtool grep -j7 -m 3 NEEDLE "$f"
	assert_output "$(head -3 <<<"$want")"
	run -0 mmtool grep -j7 --range 16777214:33554432 NEEDLE "$f"
	assert_output "$(printf '16777220\n30000000\n33554426')"
	for j in 1 2 7; do
		mmtool grep -j "$j" -C 20 NEEDLE "$f" > "$T/ctx.$j"
	done
	cmp "$T/ctx.1" "$T/ctx.2"
	cmp "$T/ctx.1" "$T/ctx.7"
}

@test "grep -r: a file nobody may read is one error line; the rest are searched, exit 2" {
	unpriv_dir
	make_tree "$U/t" 8
	chmod 000 "$U/t/d05/e2/f003.bin"
	chmod -R a+rX "$U/t"
	chmod 000 "$U/t/d05/e2/f003.bin"
	want=$(py_counts "$U/t" | grep -v 'd05/e2/f003.bin')
	run -2 --separate-stderr as_nobody mmtool grep -r -c -j2 NEEDLE "$U/t"
	assert_output "$want"
	assert_equal "$stderr" "mmtool: grep: $U/t/d05/e2/f003.bin: Permission denied"
	run -2 --separate-stderr as_nobody mmtool grep -r -c -j1 NEEDLE "$U/t"
	assert_output "$want"
}

@test "grep -r: symbolic links and a link loop are not followed" {
	mkdir -p "$T/d/a"
	printf 'NEEDLE' > "$T/d/a/f"
	ln -s .. "$T/d/a/loop"
	ln -s "$T/d/a/f" "$T/d/link"
	run -0 timeout 20 mmtool grep -r -j2 NEEDLE "$T/d"
	assert_output "$T/d/a/f:0"
}

@test "grep: -j must be a number from 1" {
	run -2 --separate-stderr mmtool grep -j 0 a /dev/null
	assert_equal "$stderr" "mmtool: grep: bad --threads '0': use 1 to 1024"
	run -2 --separate-stderr mmtool grep --threads x a /dev/null
	assert_equal "$stderr" "mmtool: grep: bad --threads 'x': not a number"
}

@test "grep: a 1 GiB file on 7 threads stays under 64 MiB of memory" {
	truncate -s 1G "$T/big" || skip "no sparse files here"
	printf 'NEEDLE' | dd of="$T/big" bs=1 seek=$((600 << 20)) conv=notrunc status=none
	# Read: the peak resident size is then the program's own memory.
	# Mapped (the default for a named file this large): that, and at most
	# a 32 MiB window per thread.
	for mode in --no-mmap ""; do
		run -0 python3 - "$T/big" $mode <<'PY'
import resource, subprocess, sys
out = subprocess.run(['mmtool', 'grep', '-j7'] + sys.argv[2:] + ['NEEDLE', sys.argv[1]],
                     capture_output=True, check=True).stdout
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(out.decode().strip())
assert peak < (64 + (7 * 32 if len(sys.argv) == 2 else 0)) * 1024, peak
PY
		assert_output "$((600 << 20))"
	done
}
