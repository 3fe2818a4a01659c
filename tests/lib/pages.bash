# Page-cache helpers for tests/info.bats and tests/flush.bats (loaded with
# `load lib/pages`).

# Read the given pages (4 KiB each) of FILE into the page cache, and no
# others: readahead is off for the descriptor.
read_pages() {
	python3 - "$@" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
for page in sys.argv[2:]:
    os.pread(fd, 4096, int(page) * 4096)
PY
}

# FILE of SIZE random bytes, written back and evicted: no page resident
# (the test is skipped where the kernel keeps some).
cold_file() {
	head -c "$2" /dev/urandom > "$1"
	python3 - "$1" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
PY
	[ "$(fincore -n -o PAGES "$1" | tr -d ' ')" -eq 0 ] ||
		skip "the kernel did not evict the file"
}
