#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "map.h"

/* FACTS.md: read(2) in 256 KiB chunks is the fastest way through a stream. */
#define MAP_STREAM_CHUNK ((size_t)256 << 10)
/* What a walk copies out of a window at a time: it stays in the cache. */
#define MAP_PIECE ((size_t)256 << 10)

size_t map_page_size(void)
{
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

int map_open(struct map_file *f, const char *path, int fd, int flags)
{
	struct stat st;
	int oflags;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	if (path) {
		/*
		 * O_NONBLOCK so that opening a FIFO with no writer cannot hang;
		 * it is cleared again below, so reads still block as cat's do.
		 */
		oflags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
		oflags |= (flags & MAP_OPEN_WRITE) ? O_RDWR : O_RDONLY;
		if (flags & MAP_OPEN_CREATE)
			oflags |= O_CREAT;
		if (flags & MAP_OPEN_NOFOLLOW)
			oflags |= O_NOFOLLOW;
		if (flags & MAP_OPEN_EXCL)
			oflags |= O_EXCL;
		fd = open(path, oflags, 0666);
		if (fd < 0)
			return -errno;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	f->fd = fd;
	f->writable = (flags & MAP_OPEN_WRITE) != 0;
	if (fstat(fd, &st) < 0)
		goto fail;
	f->mode = st.st_mode;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && path) {
		/*
		 * A regular file of size 0 may still have content (/proc files
		 * report 0 and refuse mmap with ENODEV): one that yields a byte
		 * is read as a stream; one that does not is really empty.
		 */
		char probe;

		f->size = (uint64_t)st.st_size;
		f->mappable = 1;
		f->stream = st.st_size == 0 && pread(fd, &probe, 1, 0) == 1;
	} else if (S_ISBLK(st.st_mode) && path) {
		/* A block device maps, but stat reports size 0 for it. */
		if (ioctl(fd, BLKGETSIZE64, &f->size) < 0)
			goto fail;
		f->mappable = 1;
	} else {
		f->stream = 1;
	}
	return 0;
fail:
	flags = -errno;
	if (path)
		close(fd);
	f->fd = -1;
	return flags;
}

int map_refresh(struct map_file *f)
{
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode))
		f->size = (uint64_t)st.st_size;
	return 0;
}

int map_grow(struct map_file *f, uint64_t size)
{
	if (size <= f->size)
		return 0;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (ftruncate(f->fd, (off_t)size) < 0)
		return -errno;
	f->size = size;
	f->stream = 0;
	return 0;
}

void map_close(struct map_file *f)
{
	if (f->fd > 2)
		close(f->fd);
	f->fd = -1;
}

int map_view_open(struct map_file *f, uint64_t off, size_t len, int flags,
		  struct map_view *v)
{
	size_t page = map_page_size();
	uint64_t start = off & ~(uint64_t)(page - 1);
	size_t delta = (size_t)(off - start);
	void *base;

	memset(v, 0, sizeof *v);
	if (len == 0)
		return -EINVAL;
	/* mmap's offset is an off_t; the span must not wrap either. */
	if (start > (uint64_t)INT64_MAX || len > SIZE_MAX - delta ||
	    off + len < off || off + len > (uint64_t)INT64_MAX)
		return -EOVERFLOW;
	base = mmap(NULL, len + delta,
		    (flags & MAP_VIEW_WRITE) ? PROT_READ | PROT_WRITE : PROT_READ,
		    MAP_SHARED | ((flags & MAP_VIEW_POPULATE) ? MAP_POPULATE : 0),
		    f->fd, (off_t)start);
	if (base == MAP_FAILED)
		return -errno;
	v->base = base;
	v->base_len = len + delta;
	v->p = (unsigned char *)base + delta;
	v->len = len;
	v->off = off;
	return 0;
}

void map_view_close(struct map_view *v)
{
	if (v->base)
		munmap(v->base, v->base_len);
	v->base = NULL;
}

int map_view_sync(struct map_view *v)
{
	return msync(v->base, v->base_len, MS_SYNC) < 0 ? -errno : 0;
}

/*
 * The SIGBUS guard.  FACTS.md: a SA_SIGINFO handler that checks si_addr
 * against our mapping and siglongjmp()s to a point armed only around the
 * access recovers cleanly, also under ASan and valgrind.
 */
/*
 * Thread-local: SIGBUS is delivered to the thread that faulted, so each
 * thread (grep splits a file in two) jumps back to its own guard.
 */
static _Thread_local sigjmp_buf map_jmp;
static _Thread_local volatile sig_atomic_t map_armed;
static _Thread_local const char *volatile map_guard_lo;
static _Thread_local volatile size_t map_guard_len;

static void map_on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	const char *addr = si->si_addr;

	(void)uctx;
	if (map_armed && addr >= map_guard_lo &&
	    (size_t)(addr - map_guard_lo) < map_guard_len) {
		map_armed = 0;
		siglongjmp(map_jmp, 1);
	}
	/* Not a fault in our mapping: die of it as if we had no handler. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static pthread_once_t map_guard_once = PTHREAD_ONCE_INIT;

static void map_install_guard(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = map_on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

int map_guard(const void *lo, size_t len, int (*fn)(void *), void *ctx)
{
	int rc;

	pthread_once(&map_guard_once, map_install_guard);
	if (sigsetjmp(map_jmp, 1))
		return MAP_ETRUNC;
	map_guard_lo = lo;
	map_guard_len = len;
	map_armed = 1;
	rc = fn(ctx);
	map_armed = 0;
	return rc;
}

struct map_walk_call {
	map_chunk_fn fn;
	void *ctx;
	const unsigned char *p;
	size_t n;
	uint64_t pos;
	size_t keep;
	unsigned char *buf;	/* the copy: keep + piece bytes, or NULL */
	size_t piece;
	int mode;		/* MAP_WALK_AUTO, _COPY or _PLACE */
	int may_copy;		/* a window may be copied out into buf */
};

/*
 * How windows are read: as map_reads_in_place() finds, or (a test hook,
 * MMTOOL_WALK=copy or MMTOOL_WALK=place in the environment) always one way.
 */
enum { MAP_WALK_AUTO, MAP_WALK_COPY, MAP_WALK_PLACE };

static int map_walk_mode(void)
{
	const char *e = getenv("MMTOOL_WALK");

	return !e ? MAP_WALK_AUTO : !strcmp(e, "copy") ? MAP_WALK_COPY
		: !strcmp(e, "place") ? MAP_WALK_PLACE : MAP_WALK_AUTO;
}

/*
 * Copy n bytes of our own mapping at src into dst with the kernel
 * (process_vm_readv(2) on ourselves): 1 if all came, 0 if not (a kernel or
 * seccomp filter without it, or pages the file no longer has).
 */
static int map_copy_out(unsigned char *dst, const unsigned char *src, size_t n)
{
	static int broken;	/* shared by grep's two threads */
	struct iovec to = { dst, n }, from = { (void *)(uintptr_t)src, n };
	ssize_t r;

	if (__atomic_load_n(&broken, __ATOMIC_RELAXED))
		return 0;
	r = process_vm_readv(getpid(), &to, 1, &from, 1, 0);
	if (r < 0 && errno != EFAULT)
		__atomic_store_n(&broken, 1, __ATOMIC_RELAXED);
	return r == (ssize_t)n;
}

/*
 * Whether the window reads fast in place.  On our VMs the first user-mode
 * touch of a page of a fresh mapping costs about 0.4 us, and every 8th
 * about 16 us (the hypervisor fills its page tables 8 entries at a time),
 * even when the window is populated; unless the page cache holds the file
 * in 2 MiB folios, which are mapped whole (a file written in one piece):
 * then one touch costs that and the next 511 cost nothing.  So: touch 64
 * pages in a row and count the slow touches, 8 or 1.  Counted, not summed,
 * because another thread's mmap or munmap can stall one touch.  In the
 * middle of the window, since its ends need not fall on a 2 MiB boundary
 * and cannot be mapped whole.  A wrong guess costs speed, never bytes.
 */
#define MAP_PROBE_PAGES 64
#define MAP_PROBE_MIN (4 * MAP_PROBE_PAGES * map_page_size())
static int map_reads_in_place(const unsigned char *p, size_t n)
{
	size_t page = map_page_size();
	int slow = 0;

	if (n < MAP_PROBE_MIN)
		return 1;
	p = (const unsigned char *)(((uintptr_t)p + n / 2) & ~(uintptr_t)(page - 1));
	for (size_t i = 0; i < MAP_PROBE_PAGES; i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		(void)*(const volatile unsigned char *)(p + i * page);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		slow += (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) > 4000;
	}
	return slow <= 3;
}

/*
 * One window, read in place, or else in pieces copied out of the mapping
 * by the kernel into a buffer that stays in the cache, each piece starting
 * `keep` bytes before the last one ended.  The kernel's copy does not pay
 * the first-touch cost: grep -c of a 256 MiB file written in 64 KiB pieces
 * took 129 ms read in place and 60 ms copied out (bench/RESULTS.md).
 * Where a copy falls short, the rest of the window is read in place, so a
 * file truncated under us still ends in SIGBUS and MAP_ETRUNC.
 */
static int map_walk_call(void *arg)
{
	struct map_walk_call *c = arg;
	size_t at = 0, n;
	int rc;

	if (c->mode == MAP_WALK_PLACE ||
	    (c->mode == MAP_WALK_AUTO && map_reads_in_place(c->p, c->n)))
		return c->fn(c->ctx, c->p, c->n, c->pos);
	/*
	 * The buffer when a window first needs it: a walk read in place
	 * allocates nothing (grep's worker walks once a window).  No jump can
	 * come out of malloc: it does not touch the mapping.
	 */
	if (!c->buf && c->may_copy)
		c->buf = map_alloc_huge(c->keep + c->piece);
	while (c->buf) {
		n = c->n - at < c->keep + c->piece ? c->n - at : c->keep + c->piece;
		if (!map_copy_out(c->buf, c->p + at, n))
			break;
		if ((rc = c->fn(c->ctx, c->buf, n, c->pos + at)) || at + n == c->n)
			return rc;
		at += n - c->keep;
	}
	return c->fn(c->ctx, c->p + at, c->n - at, c->pos + at);
}

static int map_walk_mapped(struct map_file *f, uint64_t off, uint64_t end,
			   size_t keep, map_chunk_fn fn, void *ctx)
{
	struct map_view v;
	struct map_walk_call c = { .fn = fn, .ctx = ctx, .keep = keep,
				   .mode = map_walk_mode() };
	uint64_t pos = off;
	size_t n;
	int rc = 0;

	c.piece = MAP_PIECE;
	/*
	 * A walk that needs a long overlap (grep -E: 256 KiB) stays in place,
	 * so that its chunks end where the windows do, every MAP_WINDOW bytes,
	 * whatever the page cache holds: how long a match may be across a
	 * seam must not depend on how the file was written (mmtool(1)).
	 */
	if (keep > MAP_PIECE / 16)
		c.mode = MAP_WALK_PLACE;
	/* No buffer where no window can need one: a short peek starts fast. */
	c.may_copy = c.mode == MAP_WALK_COPY ||
		     (c.mode == MAP_WALK_AUTO && end - off >= MAP_PROBE_MIN);
	while (pos < end) {
		n = end - pos < MAP_WINDOW ? (size_t)(end - pos) : MAP_WINDOW;
		/*
		 * MAP_POPULATE: the kernel maps the whole window in one pass
		 * instead of taking a fault every 16 pages (bench/RESULTS.md).
		 */
		rc = map_view_open(f, pos, n, MAP_VIEW_POPULATE, &v);
		if (rc)
			break;
		madvise(v.base, v.base_len, MADV_SEQUENTIAL);
		c.p = v.p;
		c.n = n;
		c.pos = pos;
		rc = map_guard(v.base, v.base_len, map_walk_call, &c);
		map_view_close(&v);
		if (rc || pos + n >= end)
			break;
		pos += n - keep;
	}
	free(c.buf);
	return rc;
}

static ssize_t map_read_some(int fd, unsigned char *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static int map_skip(int fd, uint64_t off, unsigned char *buf, size_t cap)
{
	ssize_t r;

	if (off == 0)
		return 0;
	/* Seek where the descriptor allows it, as xxd and dd do. */
	if (off <= (uint64_t)INT64_MAX && lseek(fd, (off_t)off, SEEK_CUR) >= 0)
		return 0;
	while (off) {
		r = map_read_some(fd, buf, off < cap ? (size_t)off : cap);
		if (r <= 0)
			return (int)r;
		off -= (uint64_t)r;
	}
	return 0;
}

static int map_walk_stream(struct map_file *f, uint64_t off, uint64_t len,
			   size_t keep, map_chunk_fn fn, void *ctx)
{
	unsigned char *buf = malloc(keep + MAP_STREAM_CHUNK);
	uint64_t pos = off;
	size_t carried = 0, n, k;
	ssize_t r;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	rc = map_skip(f->fd, off, buf, keep + MAP_STREAM_CHUNK);
	while (!rc && len) {
		n = len < MAP_STREAM_CHUNK ? (size_t)len : MAP_STREAM_CHUNK;
		r = map_read_some(f->fd, buf + carried, n);
		if (r <= 0) {
			rc = (int)r;
			break;
		}
		len -= (uint64_t)r;
		n = carried + (size_t)r;
		rc = fn(ctx, buf, n, pos);
		k = keep < n ? keep : n;
		memmove(buf, buf + n - k, k);
		pos += n - k;
		carried = k;
	}
	free(buf);
	return rc;
}

int map_walk(struct map_file *f, uint64_t off, uint64_t len, size_t keep,
	     map_chunk_fn fn, void *ctx)
{
	uint64_t end;

	if (keep > MAP_WINDOW / 2)
		return -EINVAL;
	if (f->stream || !f->mappable)
		return map_walk_stream(f, off, len, keep, fn, ctx);
	if (off >= f->size)
		return 0;
	end = len > f->size - off ? f->size : off + len;
	return map_walk_mapped(f, off, end, keep, fn, ctx);
}

int map_send(struct map_file *f, uint64_t off, uint64_t len, int out_fd)
{
	off_t pos = (off_t)off;
	ssize_t r;

	while (len) {
		r = sendfile(out_fd, f->fd, &pos, len > (1U << 30) ? 1U << 30 : (size_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return MAP_ETRUNC;
		len -= (uint64_t)r;
	}
	return 0;
}

void *map_alloc_huge(size_t n)
{
	const size_t huge = (size_t)2 << 20;
	void *p;

	if (n < huge / 8)
		return malloc(n);
	if (n > SIZE_MAX - huge)
		return NULL;
	n = (n + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, n))
		return NULL;
	madvise(p, n, MADV_HUGEPAGE);
	return p;
}

int map_slurp(int fd, uint64_t limit, unsigned char **out, size_t *n)
{
	unsigned char *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	struct stat st;
	ssize_t r;

	/* A regular file says its size: one buffer, no regrowth. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < limit && (uint64_t)st.st_size < SIZE_MAX - 65536) {
		cap = (size_t)st.st_size + 65536;
		buf = map_alloc_huge(cap);
		if (!buf)
			return -ENOMEM;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		r = map_read_some(fd, buf + len, cap - len);
		if (r < 0) {
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > limit) {
			free(buf);
			return -EFBIG;
		}
	}
	*out = buf;
	*n = len;
	return 0;
}
