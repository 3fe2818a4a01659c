#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map.h"

/* read(2) in 256 KiB chunks: large enough to cost few calls, small enough for the cache. */
#define MAP_READ_CHUNK ((size_t)256 << 10)
/*
 * Zeroed bytes after what was read: PCRE2's JIT loads whole vectors near
 * the subject's end, past it (harmless, and defined, as after a mapping).
 */
#define MAP_READ_SLACK 64

size_t map_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * A FIFO the user named is read as cat reads it: wait until a writer has
 * written or come and gone (a reader that finds no writer yet would read
 * end of file at once).  One met by a walk (MAP_OPEN_NOFOLLOW) is not
 * waited for.
 */
static int map_fifo_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
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
		 * it is cleared again below, so reads still block as cat's do
		 * (and map_fifo_wait waits for the writer as cat's open does).
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
	}
	f->fd = fd;
	f->writable = (flags & MAP_OPEN_WRITE) != 0;
	if (fstat(fd, &st) < 0)
		goto fail;
	/* Regular files ignore O_NONBLOCK: two calls saved for each of them. */
	if (path && !S_ISREG(st.st_mode))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (path && S_ISFIFO(st.st_mode) && !(flags & (MAP_OPEN_WRITE | MAP_OPEN_NOFOLLOW)) &&
	    map_fifo_wait(fd) < 0)
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

int map_data_at(const struct map_file *f, uint64_t at, uint64_t *until)
{
	off_t r = at > (uint64_t)INT64_MAX ? -1 : lseek(f->fd, (off_t)at, SEEK_DATA);

	*until = UINT64_MAX;
	if (r < 0)
		return at > (uint64_t)INT64_MAX || errno != ENXIO;	/* ENXIO: no data from at on */
	if ((uint64_t)r > at) {
		*until = (uint64_t)r;
		return 0;
	}
	r = lseek(f->fd, (off_t)at, SEEK_HOLE);
	/* A file cut short meanwhile must not send the caller backwards. */
	if (r > 0 && (uint64_t)r > at)
		*until = (uint64_t)r;
	return 1;
}

int map_is_hole(const struct map_file *f, uint64_t lo, uint64_t hi)
{
	uint64_t until;

	if (!S_ISREG(f->mode) || f->stream || lo >= hi)
		return 0;
	return !map_data_at(f, lo, &until) && until >= hi;
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
		    PROT_READ,
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

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22	/* Linux 5.14; missing from older headers */
#endif

int map_load(int fd, uint64_t off, size_t len)
{
	void *p;
	int rc = 0;

	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EOVERFLOW;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	/*
	 * A fault in a VM_HUGEPAGE mapping reads the whole 2 MiB-aligned
	 * block around it as one folio (do_sync_mmap_readahead() in
	 * mm/filemap.c), and VM_RAND_READ stops it there: no second block,
	 * no readahead past the mapping.  Without transparent huge pages
	 * MADV_HUGEPAGE fails: a fault would then read one page, a wait
	 * per page, and the caller does better with pread.
	 */
	if (madvise(p, len, MADV_HUGEPAGE) < 0 || madvise(p, len, MADV_RANDOM) < 0 ||
	    madvise(p, len, MADV_POPULATE_READ) < 0)
		rc = -errno;
	munmap(p, len);
	return rc;
}

/*
 * The SIGBUS guard.  A SA_SIGINFO handler that checks si_addr
 * against our mapping and siglongjmp()s to a point armed only around the
 * access recovers cleanly, also under ASan and valgrind.
 */
/*
 * Thread-local: SIGBUS is delivered to the thread that faulted, so each
 * worker of grep's pool jumps back to its own guard.
 */
static _Thread_local sigjmp_buf map_jmp;
static _Thread_local volatile sig_atomic_t map_armed;
static _Thread_local const char *volatile map_guard_lo[2];
static _Thread_local volatile size_t map_guard_len[2];

static void map_on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	const char *addr = si->si_addr;

	(void)uctx;
	for (int i = 0; map_armed && i < 2; i++) {
		if (addr >= map_guard_lo[i] &&
		    (size_t)(addr - map_guard_lo[i]) < map_guard_len[i]) {
			map_armed = 0;
			siglongjmp(map_jmp, 1);
		}
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

int map_guard2(const void *lo1, size_t len1, const void *lo2, size_t len2,
	       int (*fn)(void *), void *ctx)
{
	int rc;

	pthread_once(&map_guard_once, map_install_guard);
	if (sigsetjmp(map_jmp, 1))
		return MAP_ETRUNC;
	map_guard_lo[0] = lo1;
	map_guard_len[0] = len1;
	map_guard_lo[1] = lo2;
	map_guard_len[1] = len2;
	map_armed = 1;
	rc = fn(ctx);
	map_armed = 0;
	return rc;
}

int map_guard(const void *lo, size_t len, int (*fn)(void *), void *ctx)
{
	return map_guard2(lo, len, NULL, 0, fn, ctx);
}

/* The mapped walk's call of fn under map_guard. */
struct map_walk_call {
	map_chunk_fn fn;
	void *ctx;
	const unsigned char *p;
	size_t n;
	uint64_t pos;
};

static int map_walk_call(void *arg)
{
	struct map_walk_call *c = arg;

	return c->fn(c->ctx, c->p, c->n, c->pos);
}

static int map_walk_read(struct map_file *f, uint64_t off, uint64_t len,
			 size_t keep, map_chunk_fn fn, void *ctx);

int map_still_holds(const struct map_file *f, uint64_t end)
{
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < end)
		return MAP_ETRUNC;
	return 0;
}

int map_fault_cause(const struct map_file *f, uint64_t end)
{
	return map_still_holds(f, end) == 0 ? MAP_EPAGE : MAP_ETRUNC;
}

static int map_walk_mapped(struct map_file *f, uint64_t off, uint64_t end,
			   size_t keep, map_chunk_fn fn, void *ctx)
{
	struct map_walk_call c = { .fn = fn, .ctx = ctx };
	struct map_view v;
	uint64_t pos = off;
	size_t n;
	int rc = 0;

	while (pos < end) {
		n = end - pos < MAP_WINDOW ? (size_t)(end - pos) : MAP_WINDOW;
		/* One pass of the kernel maps the window, not a fault every 16 pages. */
		rc = map_view_open(f, pos, n, MAP_VIEW_POPULATE, &v);
		/*
		 * No address space left (ulimit -v, many threads each with a
		 * window): the rest is read, on the same grid of chunks.
		 */
		if (rc == -ENOMEM)
			return map_walk_read(f, pos, end - pos, keep, fn, ctx);
		if (rc)
			break;
		madvise(v.base, v.base_len, MADV_SEQUENTIAL);
		c.p = v.p;
		c.n = n;
		c.pos = pos;
		rc = map_guard(v.base, v.base_len, map_walk_call, &c);
		map_view_close(&v);
		if (!rc)
			rc = map_still_holds(f, pos + n);
		else if (rc == MAP_ETRUNC)
			rc = map_fault_cause(f, pos + n);
		if (rc || pos + n >= end)
			break;
		pos += n - keep;
	}
	return rc;
}

static ssize_t map_read_some(int fd, unsigned char *buf, size_t n, int64_t at)
{
	ssize_t r;

	do
		r = at < 0 ? read(fd, buf, n) : pread(fd, buf, n, (off_t)at);
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
		r = map_read_some(fd, buf, off < cap ? (size_t)off : cap, -1);
		if (r <= 0)
			return (int)r;
		off -= (uint64_t)r;
	}
	return 0;
}

/*
 * [off, off + len) in chunks of MAP_READ_CHUNK or more read into one buffer, each
 * starting with the last `keep` bytes of the one before.  A file is read
 * with pread(2), so that several walks can share its descriptor; a stream
 * with read(2), skipped up to `off` first.  A stream that ends early ends
 * the walk, as it ends cat; a file that ends early shrank (MAP_ETRUNC), as
 * when mapped.
 */
/*
 * map_walk_read's buffer, kept by each thread for its next walk: a job of
 * grep -E reads 2.5 MiB at once into fresh pages otherwise, a fault each
 * (2.5 ms a job on a machine whose page tables the hypervisor shadows).
 * A larger one is freed at once; a thread's goes when it ends, the main
 * thread's at exit.
 */
#define MAP_BUF_KEEP ((size_t)4 << 20)

struct map_buf {
	size_t cap;
	unsigned char data[];
};

static pthread_key_t map_buf_key;
static pthread_once_t map_buf_once = PTHREAD_ONCE_INIT;
static int map_buf_ok;

static void map_buf_drop(void)
{
	free(pthread_getspecific(map_buf_key));
	pthread_setspecific(map_buf_key, NULL);
}

static void map_buf_init(void)
{
	map_buf_ok = pthread_key_create(&map_buf_key, free) == 0 &&
		     atexit(map_buf_drop) == 0;
}

/* A buffer of n bytes or more, this thread's kept one if it is that big. */
static struct map_buf *map_buf_take(size_t n)
{
	struct map_buf *b;

	pthread_once(&map_buf_once, map_buf_init);
	b = map_buf_ok ? pthread_getspecific(map_buf_key) : NULL;
	if (b) {
		pthread_setspecific(map_buf_key, NULL);
		if (b->cap >= n)
			return b;
		free(b);
	}
	if (!(b = malloc(sizeof *b + n)))
		return NULL;
	b->cap = n;
	return b;
}

static void map_buf_give(struct map_buf *b)
{
	if (!map_buf_ok || b->cap > MAP_BUF_KEEP || pthread_setspecific(map_buf_key, b))
		free(b);
}

/* The bytes map_walk_read reads at once for a walk of len bytes (a file's). */
static size_t map_walk_chunk(uint64_t len, size_t keep)
{
	size_t chunk = MAP_READ_CHUNK;

	/* At least 16 times what each chunk re-reads, so that costs little. */
	if (keep > chunk / 16)
		chunk = keep < MAP_WINDOW / 16 ? 16 * keep : MAP_WINDOW;
	/* A small file is read whole at once: one read, no second for EOF. */
	return len < chunk ? (size_t)len : chunk;
}

size_t map_walk_memory(uint64_t len, size_t keep)
{
	return keep + map_walk_chunk(len, keep) + MAP_READ_SLACK;
}

static int map_walk_read(struct map_file *f, uint64_t off, uint64_t len,
			 size_t keep, map_chunk_fn fn, void *ctx)
{
	size_t chunk = map_walk_chunk(f->stream ? UINT64_MAX : len, keep), carried = 0, n, k;
	struct map_buf *held = map_buf_take(keep + chunk + MAP_READ_SLACK);
	unsigned char *buf;
	uint64_t pos = off;
	ssize_t r;
	int rc = 0;

	if (!held)
		return -ENOMEM;
	buf = held->data;
	if (f->stream)
		rc = map_skip(f->fd, off, buf, keep + chunk);
	while (!rc && len) {
		n = len < chunk ? (size_t)len : chunk;
		r = map_read_some(f->fd, buf + carried, n,
				  f->stream ? -1 : (int64_t)(pos + carried));
		if (r <= 0) {
			rc = r == 0 && !f->stream ? MAP_ETRUNC : (int)r;
			break;
		}
		len -= (uint64_t)r;
		n = carried + (size_t)r;
		memset(buf + n, 0, MAP_READ_SLACK);
		rc = fn(ctx, buf, n, pos);
		if (rc || !len)
			break;		/* nothing to carry into a next chunk */
		k = keep < n ? keep : n;
		memmove(buf, buf + n - k, k);
		pos += n - k;
		carried = k;
	}
	map_buf_give(held);
	return rc;
}

int map_walk(struct map_file *f, uint64_t off, uint64_t len, size_t keep,
	     map_chunk_fn fn, void *ctx)
{
	uint64_t end;

	if (keep > MAP_WINDOW / 2)
		return -EINVAL;
	if (f->stream)
		return map_walk_read(f, off, len, keep, fn, ctx);
	if (off >= f->size)
		return 0;
	end = len > f->size - off ? f->size : off + len;
	if (!f->mappable || !f->map_scan)
		return map_walk_read(f, off, end - off, keep, fn, ctx);
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
		r = map_read_some(fd, buf + len, cap - len, -1);
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
