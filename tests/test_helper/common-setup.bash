# Loaded by every test file: bats-support and bats-assert from Debian, and
# an `mmtool` on PATH (tests/run puts the build, or a wrapper, there).
_common_setup() {
	bats_require_minimum_version 1.5.0
	# tests/run exports them once for all tests.
	if ! declare -F assert_output >/dev/null; then
		load '/usr/lib/bats/bats-support/load'
		load '/usr/lib/bats/bats-assert/load'
	fi
	if ! command -v mmtool >/dev/null; then
		PATH="$BATS_TEST_DIRNAME/../build/release:$PATH"
	fi
	T=$BATS_TEST_TMPDIR
}

# sha256 of a file (as "HASH  -"), to show that a failed command left it
# untouched: one process, no cut.
sum() { sha256sum < "$1"; }

# A file of N random bytes (reproducible per name within one test).
randfile() { head -c "$2" /dev/urandom > "$1"; }

# True when running under ASan (it cannot work with a small ulimit -v).
under_sanitizer() { nm -D "$MMTOOL" 2>/dev/null | grep -q __asan_init || nm "$MMTOOL" 2>/dev/null | grep -q __asan_init; }

# A fresh folder (in $U) that the unprivileged user 65534 can reach, for
# permission tests run through `as_nobody` (root ignores permissions).
unpriv_dir() {
	local root=${MMTOOL_UNPRIV_ROOT:-/tmp}
	U=$(mktemp -d "$root/t.XXXXXX")
	chmod 755 "$U"
}
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# D: a directory on a disk file system.  Dirty pages and eviction mean
# nothing on tmpfs (FACTS.md), so if $T is on tmpfs, use /var/tmp.
# Files that use it call _common_teardown from their teardown().
ondisk_dir() {
	if [ "$(stat -f -c %T "$T")" != tmpfs ]; then
		D=$T
		return
	fi
	D=$(mktemp -d /var/tmp/mmtool-test.XXXXXX)
	[ "$(stat -f -c %T "$D")" != tmpfs ] || skip "no disk file system for the test files"
}

# A directory the unprivileged user 65534 can reach (for setpriv tests).
public_dir() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch users"
	D=$(mktemp -d /var/tmp/mmtool-test.XXXXXX)
	chmod 755 "$D"
	[ "$(stat -f -c %T "$D")" != tmpfs ] || skip "no disk file system for the test files"
}

# The regular files below $1 in the order of src/walk.c: depth first, names
# in sorted order, no symbolic link followed, a directory that cannot be
# listed left out; one a line.  Further arguments run python (as_nobody).
py_walk() {
	local dir=$1
	shift
	"$@" python3 - "$dir" <<'PY'
import os, stat, sys
def walk(d):
    try:
        names = sorted(os.listdir(d))
    except PermissionError:
        return
    for name in names:
        p = os.path.join(d, name)
        st = os.lstat(p)
        if stat.S_ISDIR(st.st_mode):
            yield from walk(p)
        elif stat.S_ISREG(st.st_mode):
            yield p
for p in walk(sys.argv[1]):
    print(p)
PY
}

_common_teardown() {
	if [ -n "${D:-}" ] && [ "$D" != "$T" ]; then rm -rf "$D"; fi
}

# How many times to repeat a check: QUICK under make check, FULL under
# make check-full (MMTOOL_FULL=1), where the rare interleavings get time.
reps() { if [ -n "${MMTOOL_FULL:-}" ]; then echo "$2"; else echo "$1"; fi; }

# cmp for large sparse files: exit 0 when A and B are the same size and
# byte for byte equal, else a message and exit 1.  Only the data extents
# of either file (SEEK_DATA, SEEK_HOLE) are read: where both have holes
# both read as zeros.  A file system without them reports all data.
cmp_sparse() {
	python3 - "$1" "$2" <<'PY'
import os, sys
def extents(fd, size):
    o = 0
    while o < size:
        try:
            a = os.lseek(fd, o, os.SEEK_DATA)
        except OSError:
            return
        b = os.lseek(fd, a, os.SEEK_HOLE)
        yield a, b
        o = b
fds = [os.open(p, os.O_RDONLY) for p in sys.argv[1:3]]
sizes = [os.fstat(fd).st_size for fd in fds]
if sizes[0] != sizes[1]:
    sys.exit('cmp_sparse: sizes differ: %d against %d' % tuple(sizes))
spans = sorted(s for fd in fds for s in extents(fd, sizes[0]))
if not spans and sizes[0]:
    sys.exit('cmp_sparse: no data in either file')
for a, b in spans:
    for o in range(a, b, 1 << 20):
        x, y = (os.pread(fd, min(1 << 20, b - o), o) for fd in fds)
        if x != y:
            i = next(i for i in range(len(x)) if x[i] != y[i])
            sys.exit('cmp_sparse: %s %s differ: byte %d' % (*sys.argv[1:3], o + i + 1))
PY
}

# Offsets of the non-empty matches of each bytes regex RE in FILE, one
# python3 for all: the i-th RE's go to $T/re.i.
py_re_each() {
	python3 - "$T" "$@" <<'PY'
import os, re, sys
out, data = sys.argv[1], open(sys.argv[2], 'rb').read()
for i, rx in enumerate(sys.argv[3:]):
    with open(os.path.join(out, 're.%d' % i), 'w') as f:
        for m in re.finditer(os.fsencode(rx), data):
            if m.end() > m.start():
                f.write('%d\n' % m.start())
PY
}
