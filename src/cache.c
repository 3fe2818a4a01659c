#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cache.h"
#include "map.h"

int cache_open(const char *path, int flags, int *fd, struct stat *st)
{
	/*
	 * O_NONBLOCK: opening a FIFO with no writer must not hang.  It stays
	 * set: nothing reads through this descriptor (libmagic opens the
	 * file itself), and fsync, lseek and mmap ignore it.
	 */
	int oflags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK, e;

	*fd = open(path, O_RDONLY | oflags);
	if (*fd < 0 && errno == EACCES && (flags & CACHE_OPEN_WRONLY_FALLBACK))
		*fd = open(path, O_WRONLY | oflags);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, st) < 0) {
		e = -errno;
		close(*fd);
		*fd = -1;
		return e;
	}
	return 0;
}

int cache_size(int fd, const struct stat *st, uint64_t *size)
{
	*size = 0;
	if (S_ISBLK(st->st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (st->st_size > 0)
		*size = (uint64_t)st->st_size;
	return 0;
}

/*
 * Walk the data runs with SEEK_DATA/SEEK_HOLE up to `size` (the size seen
 * by fstat, so a file that grows meanwhile cannot keep us going).  A file
 * system without the two seeks gets the generic ones, which call the whole
 * file data: one extent, no holes.
 */
static int cache_count_runs(int fd, uint64_t size, struct cache_layout *l)
{
	uint64_t pos = 0, data, hole;
	off_t r;

	while (pos < size) {
		r = lseek(fd, (off_t)pos, SEEK_DATA);
		if (r < 0 && errno != ENXIO)
			return -errno;
		/* ENXIO: no data from pos on; the rest is one hole. */
		data = r < 0 || (uint64_t)r > size ? size : (uint64_t)r;
		if (data > pos)
			l->holes++;
		if (data >= size)
			break;
		r = lseek(fd, (off_t)data, SEEK_HOLE);
		if (r < 0)
			return -errno;
		/* A file cut short meanwhile must not send us backwards. */
		hole = (uint64_t)r <= data || (uint64_t)r > size ? size : (uint64_t)r;
		l->extents++;
		pos = hole;
	}
	return 0;
}

int cache_layout(int fd, const struct stat *st, struct cache_layout *l)
{
	off_t where;
	int rc;

	memset(l, 0, sizeof *l);
	l->allocated = (uint64_t)st->st_blocks * 512;
	if ((rc = cache_size(fd, st, &l->size)))
		return rc;
	if (!S_ISREG(st->st_mode))
		return 0;
	/* The seeks move the offset that fd shares with whoever gave it to us. */
	where = lseek(fd, 0, SEEK_CUR);
	rc = cache_count_runs(fd, l->size, l);
	if (where >= 0)
		lseek(fd, where, SEEK_SET);
	return rc;
}

/*
 * Linux 5.2 (commit 134fca9063ad, "mm/mincore.c: make mincore() more
 * conservative", https://lwn.net/Articles/778437/) closed a side channel:
 * mincore() now looks up the page cache of a file mapping only when the
 * caller owns the file, has CAP_FOWNER, or could open it for writing
 * (can_do_mincore() in mm/mincore.c).  Otherwise it reports just the pages
 * in our own page tables, which for a fresh mapping is none: a wrong 0.
 * We mirror the kernel's test so that we can say "unknown" instead.  Root
 * stands in for CAP_FOWNER.
 */
int cache_residency_visible(int fd, const struct stat *st)
{
	char proc[64];
	uid_t me = geteuid();

	if (me == 0 || st->st_uid == me)
		return 1;
	/* Through /proc: the file we have open, not whatever the path is now. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return faccessat(AT_FDCWD, proc, W_OK, AT_EACCESS) == 0;
}

int cache_resident(int fd, uint64_t size, uint64_t *resident)
{
	/* One status byte per page of a window; pages are 4 KiB or larger. */
	unsigned char vec[MAP_WINDOW / 4096];
	struct map_file f = { .fd = fd };
	struct map_view v;
	size_t page = map_page_size(), n, i, npages;
	uint64_t pos;
	int rc;

	*resident = 0;
	for (pos = 0; pos < size; pos += n) {
		n = size - pos < MAP_WINDOW ? (size_t)(size - pos) : MAP_WINDOW;
		/*
		 * Mapping does not read: mincore looks the pages up in the
		 * page cache without faulting them in.
		 */
		if ((rc = map_view_open(&f, pos, n, 0, &v)))
			return rc;
		npages = (v.base_len + page - 1) / page;
		rc = mincore(v.base, v.base_len, vec) < 0 ? -errno : 0;
		map_view_close(&v);
		if (rc)
			return rc;
		for (i = 0; i < npages; i++)
			*resident += vec[i] & 1;
	}
	return 0;
}

/*
 * fsync of a byte range through io_uring's IORING_OP_FSYNC, which calls
 * vfs_fsync_range(file, off, off + len - 1, datasync): what msync(MS_SYNC)
 * calls for a mapped range.  msync itself is no use here: a MAP_SHARED
 * mapping of a descriptor open read-only is not VM_SHARED (do_mmap() clears
 * the flag), and msync(MS_SYNC) then writes nothing back, while flush must
 * work without write permission.  Returns -ENOSYS (or the setup error) when
 * io_uring is unavailable: disabled by sysctl, seccomp, or an old kernel.
 */
#define CACHE_URING_CHUNK ((uint64_t)1 << 30)	/* sqe->len is 32 bits */

struct cache_uring {
	int fd;
	void *sq, *cq;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

static void cache_uring_close(struct cache_uring *u)
{
	if (u->sqes)
		munmap(u->sqes, u->sqes_len);
	if (u->cq && u->cq != u->sq)
		munmap(u->cq, u->cq_len);
	if (u->sq)
		munmap(u->sq, u->sq_len);
	if (u->fd >= 0)
		close(u->fd);
}

static void *cache_uring_map(int fd, size_t len, off_t what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, what);

	return p == MAP_FAILED ? NULL : p;
}

static int cache_uring_open(struct cache_uring *u)
{
	struct io_uring_params p;
	char *sq, *cq;

	memset(u, 0, sizeof *u);
	memset(&p, 0, sizeof p);
	u->fd = (int)syscall(__NR_io_uring_setup, 1, &p);
	if (u->fd < 0)
		return -errno;
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_len > u->sq_len)
			u->sq_len = u->cq_len;
		u->cq_len = u->sq_len;
	}
	u->sq = cache_uring_map(u->fd, u->sq_len, IORING_OFF_SQ_RING);
	if (u->sq)
		u->cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? u->sq :
			cache_uring_map(u->fd, u->cq_len, IORING_OFF_CQ_RING);
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	if (u->cq)
		u->sqes = cache_uring_map(u->fd, u->sqes_len, IORING_OFF_SQES);
	if (!u->sqes) {
		int e = -errno;

		cache_uring_close(u);
		return e;
	}
	sq = u->sq;
	cq = u->cq;
	u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned *)(sq + p.sq_off.array);
	u->cq_head = (unsigned *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submit one fsync of [off, off + len) and wait for its result. */
static int cache_uring_fsync(struct cache_uring *u, int fd, uint64_t off,
			     unsigned len, int datasync)
{
	struct io_uring_sqe *sqe = &u->sqes[0];
	unsigned tail = *u->sq_tail, head;
	int res, submit = 1;
	long r;

	memset(sqe, 0, sizeof *sqe);
	sqe->opcode = IORING_OP_FSYNC;
	sqe->fd = fd;
	sqe->off = off;
	sqe->len = len;
	sqe->fsync_flags = datasync ? IORING_FSYNC_DATASYNC : 0;
	u->sq_array[tail & *u->sq_mask] = 0;
	/* The kernel reads the entry once it sees the new tail. */
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	for (;;) {
		head = *u->cq_head;
		if (head != __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
			break;
		r = syscall(__NR_io_uring_enter, u->fd, submit, 1,
			    IORING_ENTER_GETEVENTS, NULL, 0);
		if (r < 0 && errno != EINTR)
			return -errno;
		/* Once submitted (r == 1), a retry only waits. */
		if (r > 0)
			submit = 0;
	}
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res < 0 ? res : 0;
}

static int cache_sync_range(int fd, uint64_t off, uint64_t len, int datasync)
{
	struct cache_uring u;
	uint64_t n;
	int rc;

	if ((rc = cache_uring_open(&u)) == 0) {
		for (; len && !rc; off += n, len -= n) {
			n = len < CACHE_URING_CHUNK ? len : CACHE_URING_CHUNK;
			rc = cache_uring_fsync(&u, fd, off, (unsigned)n, datasync);
		}
		cache_uring_close(&u);
		return rc;
	}
	/*
	 * No io_uring.  sync_file_range() writes the range and waits, but
	 * commits no metadata (a new block's address) and flushes no disk
	 * cache, so a whole-file fsync must follow; it finds the range clean,
	 * but also writes any other dirty pages of the file.
	 */
	do
		rc = sync_file_range(fd, (off_t)off, (off_t)len,
				     SYNC_FILE_RANGE_WAIT_BEFORE |
				     SYNC_FILE_RANGE_WRITE |
				     SYNC_FILE_RANGE_WAIT_AFTER);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
}

int cache_sync(int fd, uint64_t off, uint64_t len, int flags)
{
	int rc;

	if ((flags & CACHE_SYNC_RANGE) && len == 0)
		return 0;
	if ((flags & CACHE_SYNC_RANGE) &&
	    (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off))
		return -EOVERFLOW;
	if (flags & CACHE_SYNC_ASYNC) {
		/*
		 * msync(MS_ASYNC) is a no-op on Linux; sync_file_range with
		 * WRITE alone really starts writeback of the dirty pages and
		 * returns without waiting for it (nbytes 0: to the end).
		 */
		if (!(flags & CACHE_SYNC_RANGE))
			off = len = 0;
		do
			rc = sync_file_range(fd, (off_t)off, (off_t)len,
					     SYNC_FILE_RANGE_WRITE);
		while (rc < 0 && errno == EINTR);
		return rc < 0 ? -errno : 0;
	}
	if (flags & CACHE_SYNC_RANGE)
		return cache_sync_range(fd, off, len, flags & CACHE_SYNC_DATA);
	if (flags & CACHE_SYNC_DATA)
		return fdatasync(fd) < 0 ? -errno : 0;
	return fsync(fd) < 0 ? -errno : 0;
}

int cache_drop(int fd, uint64_t off, uint64_t len)
{
	int e;

	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EOVERFLOW;
	/* posix_fadvise returns the error number; it does not set errno. */
	e = posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
	return -e;
}
