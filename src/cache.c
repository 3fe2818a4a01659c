#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cache.h"
#include "map.h"
#include "pool.h"

int cache_open(const char *path, int flags, int *fd, struct stat *st)
{
	/*
	 * O_NONBLOCK: opening a FIFO with no writer must not hang.  It stays
	 * set: nothing reads through this descriptor (libmagic opens the
	 * file itself), and fsync, lseek and mmap ignore it.
	 */
	int oflags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK, e;

	if (flags & CACHE_OPEN_NOFOLLOW)
		oflags |= O_NOFOLLOW;

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

/* Append r to *v (of *n), growing it by doubling.  0 or -ENOMEM. */
static int cache_push(struct cache_range **v, size_t *n, struct cache_range r)
{
	struct cache_range *grown;

	/* Capacity is the next power of two at or above n. */
	if ((*n & (*n - 1)) == 0) {
		grown = realloc(*v, (*n ? 2 * *n : 1) * sizeof **v);
		if (!grown)
			return -ENOMEM;
		*v = grown;
	}
	(*v)[(*n)++] = r;
	return 0;
}

/* Count a run (and keep it, with m) as data or as hole. */
static int cache_run(struct cache_layout *l, struct cache_map *m, int data,
		     uint64_t off, uint64_t len)
{
	struct cache_range r = { off, len };

	if (data)
		l->extents++;
	else
		l->holes++;
	if (!m)
		return 0;
	return data ? cache_push(&m->data, &m->ndata, r) :
		      cache_push(&m->holes, &m->nholes, r);
}

/*
 * Walk the data runs with SEEK_DATA/SEEK_HOLE up to `size` (the size seen
 * by fstat, so a file that grows meanwhile cannot keep us going).  A file
 * system without the two seeks gets the generic ones, which call the whole
 * file data: one extent, no holes.
 */
static int cache_count_runs(int fd, uint64_t size, struct cache_layout *l,
			    struct cache_map *m)
{
	uint64_t pos = 0, data, hole;
	off_t r;
	int rc;

	while (pos < size) {
		r = lseek(fd, (off_t)pos, SEEK_DATA);
		if (r < 0 && errno != ENXIO)
			return -errno;
		/* ENXIO: no data from pos on; the rest is one hole. */
		data = r < 0 || (uint64_t)r > size ? size : (uint64_t)r;
		if (data > pos && (rc = cache_run(l, m, 0, pos, data - pos)))
			return rc;
		if (data >= size)
			break;
		r = lseek(fd, (off_t)data, SEEK_HOLE);
		if (r < 0)
			return -errno;
		/* A file cut short meanwhile must not send us backwards. */
		hole = (uint64_t)r <= data || (uint64_t)r > size ? size : (uint64_t)r;
		if ((rc = cache_run(l, m, 1, data, hole - data)))
			return rc;
		pos = hole;
	}
	return 0;
}

int cache_layout(int fd, const struct stat *st, struct cache_layout *l,
		 struct cache_map *m)
{
	off_t where;
	int rc;

	memset(l, 0, sizeof *l);
	if (m)
		memset(m, 0, sizeof *m);
	l->allocated = (uint64_t)st->st_blocks * 512;
	if ((rc = cache_size(fd, st, &l->size)))
		return rc;
	if (!S_ISREG(st->st_mode))
		return 0;
	/* The seeks move the offset that fd shares with whoever gave it to us. */
	where = lseek(fd, 0, SEEK_CUR);
	rc = cache_count_runs(fd, l->size, l, m);
	if (where >= 0)
		lseek(fd, where, SEEK_SET);
	return rc;
}

void cache_map_free(struct cache_map *m)
{
	free(m->data);
	free(m->holes);
	free(m->phys);
	free(m->phys_at);
	memset(m, 0, sizeof *m);
}

/* Extents FIEMAP has no device address for. */
#define CACHE_FIEMAP_NO_ADDRESS (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | \
				 FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_INLINE)
#define CACHE_FIEMAP_BATCH 256

/* One extent FIEMAP gave, with a device address. */
struct cache_extent {
	uint64_t logical, physical, len;
};

/* Every extent of fd with a device address, in file order, into *v. */
static int cache_fiemap(int fd, struct cache_extent **v, size_t *n)
{
	size_t bytes = sizeof(struct fiemap) + CACHE_FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, bytes);
	struct fiemap_extent *e;
	size_t cap = 0;
	int rc = 0, last = 0;

	for (uint64_t pos = 0; fm && !last && !rc; pos = e->fe_logical + e->fe_length) {
		memset(fm, 0, bytes);
		/* No FIEMAP_FLAG_SYNC: it would write dirty pages back. */
		fm->fm_start = pos;
		fm->fm_length = FIEMAP_MAX_OFFSET - pos;
		fm->fm_extent_count = CACHE_FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			/* No FIEMAP on this file system: no addresses to give. */
			rc = errno == EOPNOTSUPP || errno == ENOTTY ? 0 : -errno;
			break;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		for (unsigned i = 0; i < fm->fm_mapped_extents && !rc; i++) {
			e = &fm->fm_extents[i];
			if (e->fe_flags & CACHE_FIEMAP_NO_ADDRESS)
				continue;
			if (*n == cap) {
				struct cache_extent *grown;

				cap = cap ? 2 * cap : CACHE_FIEMAP_BATCH;
				if (!(grown = realloc(*v, cap * sizeof **v))) {
					rc = -ENOMEM;
					break;
				}
				*v = grown;
			}
			(*v)[(*n)++] = (struct cache_extent){ e->fe_logical, e->fe_physical,
							     e->fe_length };
		}
		e = &fm->fm_extents[fm->fm_mapped_extents - 1];
		last = (e->fe_flags & FIEMAP_EXTENT_LAST) != 0;
	}
	free(fm);
	return fm ? rc : -ENOMEM;
}

int cache_map_extents(int fd, struct cache_map *m)
{
	struct cache_extent *ext = NULL;
	size_t next = 0, n = 0;
	int rc;

	m->phys_at = calloc(m->ndata + 1, sizeof *m->phys_at);
	if (!m->phys_at)
		return -ENOMEM;
	if ((rc = cache_fiemap(fd, &ext, &n)))
		goto out;
	/* Both are in file order: walk them together, clipping each extent. */
	for (size_t i = 0; i < m->ndata && !rc; i++) {
		uint64_t lo0 = m->data[i].off, hi0 = lo0 + m->data[i].len;

		m->phys_at[i] = m->nphys;
		while (next < n && ext[next].logical + ext[next].len <= lo0)
			next++;
		for (size_t k = next; k < n && ext[k].logical < hi0 && !rc; k++) {
			uint64_t lo = ext[k].logical > lo0 ? ext[k].logical : lo0;
			uint64_t hi = ext[k].logical + ext[k].len;

			hi = hi < hi0 ? hi : hi0;
			rc = cache_push(&m->phys, &m->nphys, (struct cache_range){
				ext[k].physical + (lo - ext[k].logical), hi - lo });
		}
	}
	m->phys_at[m->ndata] = m->nphys;
out:
	free(ext);
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
	/* Asked once a thread: info -r asks for every file. */
	static _Thread_local uid_t me;
	static _Thread_local int have_me;
	char proc[64];

	if (!have_me)
		me = geteuid(), have_me = 1;

	if (me == 0 || st->st_uid == me)
		return 1;
	/* Through /proc: the file we have open, not whatever the path is now. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return faccessat(AT_FDCWD, proc, W_OK, AT_EACCESS) == 0;
}

/*
 * cachestat(2), Linux 6.5: the system C library of Debian 12 has neither
 * the number nor the structures; the number is the same on every
 * architecture (the unified syscall table).
 */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct cache_cachestat_range {
	uint64_t off, len;
};

int cache_stat(int fd, uint64_t off, uint64_t len, struct cache_counts *c)
{
	struct cache_cachestat_range r = { off, len };

	memset(c, 0, sizeof *c);
	if (len == 0)
		return 0;
	/* struct cachestat is five __u64 in cache_counts' order. */
	return syscall(__NR_cachestat, fd, &r, c, 0) < 0 ? -errno : 0;
}

/* Errors that mean "ask mincore instead". */
static int cache_stat_missing(int rc)
{
	return rc == -ENOSYS || rc == -EOPNOTSUPP || rc == -EPERM || rc == -EINVAL;
}

/*
 * mincore(2) of [off, off + len) (at most MAP_WINDOW, off page aligned)
 * into vec, one byte per page; *resident counts them.
 */
static int cache_mincore(int fd, uint64_t off, size_t len, unsigned char *vec,
			 uint64_t *resident)
{
	struct map_file f = { .fd = fd };
	size_t page = map_page_size(), npages;
	struct map_view v;
	int rc;

	/* Mapping does not read: mincore looks pages up without faulting. */
	if ((rc = map_view_open(&f, off, len, 0, &v)))
		return rc;
	npages = (v.base_len + page - 1) / page;
	rc = mincore(v.base, v.base_len, vec) < 0 ? -errno : 0;
	map_view_close(&v);
	*resident = 0;
	for (size_t i = 0; i < npages && !rc; i++)
		vec[i] &= 1, *resident += vec[i];
	return rc;
}

int cache_resident(int fd, uint64_t size, uint64_t *resident,
		   struct cache_counts *c, int *have_counts)
{
	/* One status byte per page of a window; pages are 4 KiB or larger. */
	static _Thread_local unsigned char vec[MAP_WINDOW / 4096];
	uint64_t pos, got;
	size_t n;
	int rc;

	*resident = 0;
	*have_counts = 0;
	rc = cache_stat(fd, 0, size, c);
	if (rc == 0) {
		*have_counts = 1;
		*resident = c->cached;
		return 0;
	}
	if (!cache_stat_missing(rc))
		return rc;
	for (pos = 0; pos < size; pos += n) {
		n = size - pos < MAP_WINDOW ? (size_t)(size - pos) : MAP_WINDOW;
		if ((rc = cache_mincore(fd, pos, n, vec, &got)))
			return rc;
		*resident += got;
	}
	return 0;
}

/*
 * Below this a partly resident piece is asked with mincore rather than
 * split further: a cachestat call costs about as much as mincore on a
 * thousand pages.
 */
#define CACHE_PIECE_MIN ((uint64_t)4 << 20)

static int cache_add_piece(struct cache_snapshot *s, uint64_t off, uint64_t len,
			   uint64_t resident, unsigned char *vec)
{
	struct cache_piece *grown;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		if (!(grown = realloc(s->piece, s->cap * sizeof *grown)))
			return -ENOMEM;
		s->piece = grown;
	}
	s->piece[s->n++] = (struct cache_piece){ off, len, resident, vec };
	s->resident += resident;
	return 0;
}

/* A piece's pages through mincore, kept byte by byte. */
static int cache_snap_mincore(int fd, struct cache_snapshot *s, uint64_t off,
			      uint64_t len)
{
	size_t page = map_page_size();
	unsigned char *vec = malloc((size_t)(len + page - 1) / page);
	uint64_t resident;
	int rc;

	if (!vec)
		return -ENOMEM;
	if ((rc = cache_mincore(fd, off, (size_t)len, vec, &resident))) {
		free(vec);
		return rc;
	}
	/* All or nothing needs no bytes: a cold 100 GiB file keeps none. */
	if (resident == 0 || resident == (len + page - 1) / page) {
		free(vec);
		vec = NULL;
	}
	if ((rc = cache_add_piece(s, off, len, resident, vec)))
		free(vec);
	return rc;
}

/*
 * Split [off, off + len) until each piece is wholly resident, wholly not,
 * or small enough for mincore.  `known` is the piece's count when the
 * caller already has it (UINT64_MAX: ask).  Depth is at most 64.
 */
static int cache_snap_split(int fd, struct cache_snapshot *s, uint64_t off,
			    uint64_t len, uint64_t known)
{
	size_t page = map_page_size();
	uint64_t pages = (len + page - 1) / page, half;
	struct cache_counts c;
	int rc;

	if (known == UINT64_MAX) {
		if ((rc = cache_stat(fd, off, len, &c)))
			return rc;
		known = c.cached;
	}
	if (known == 0 || known >= pages)
		return cache_add_piece(s, off, len, known ? pages : 0, NULL);
	if (len <= CACHE_PIECE_MIN)
		return cache_snap_mincore(fd, s, off, len);
	half = (pages / 2) * page;
	if ((rc = cache_snap_split(fd, s, off, half, UINT64_MAX)))
		return rc;
	return cache_snap_split(fd, s, off + half, len - half, UINT64_MAX);
}

int cache_snapshot(int fd, uint64_t size, uint64_t off, uint64_t len,
		   struct cache_snapshot *s)
{
	uint64_t start = off & ~(uint64_t)(map_page_size() - 1), n;
	int rc;

	memset(s, 0, sizeof *s);
	if (off >= size)
		return 0;
	len = len > size - off ? size - off : len;
	len += off - start;
	rc = cache_stat(fd, start, len, &s->counts);
	if (rc == 0) {
		s->have_counts = 1;
		rc = cache_snap_split(fd, s, start, len, s->counts.cached);
	} else if (cache_stat_missing(rc)) {
		for (rc = 0, off = start; off < start + len && !rc; off += n) {
			n = start + len - off < MAP_WINDOW ? start + len - off : MAP_WINDOW;
			rc = cache_snap_mincore(fd, s, off, n);
		}
	}
	if (rc)
		cache_snapshot_free(s);
	return rc;
}

void cache_snapshot_free(struct cache_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->piece[i].vec);
	free(s->piece);
	memset(s, 0, sizeof *s);
}

static int cache_pick(const struct cache_piece *p, const unsigned char *now,
		      int want_resident, size_t k)
{
	return (want_resident ? p->vec[k] : !p->vec[k]) && (!now || now[k]);
}

/*
 * Call fn on each run of pages of piece p whose byte in `now` (a mincore
 * vector of p, or NULL for "all resident") is set and in p->vec is clear
 * (or, with want_resident, set).  Runs are byte ranges cut at p's end.
 */
static int cache_piece_runs(const struct cache_piece *p, const unsigned char *now,
			    int want_resident, int (*fn)(void *, uint64_t, uint64_t),
			    void *arg)
{
	size_t page = map_page_size(), npages = (size_t)((p->len + page - 1) / page);
	size_t i = 0, j;
	int rc;

	while (i < npages) {
		if (!cache_pick(p, now, want_resident, i)) {
			i++;
			continue;
		}
		for (j = i + 1; j < npages && cache_pick(p, now, want_resident, j); j++)
			;
		if ((rc = fn(arg, p->off + i * page,
			     (j == npages ? p->len : j * page) - i * page)))
			return rc;
		i = j;
	}
	return 0;
}

static int cache_evict_run(void *fdp, uint64_t off, uint64_t len)
{
	return cache_drop(*(int *)fdp, off, len);
}

/* Evict what came into piece p since the snapshot. */
static int cache_restore_piece(int fd, const struct cache_piece *p)
{
	size_t page = map_page_size(), npages = (size_t)((p->len + page - 1) / page);
	struct cache_counts c;
	unsigned char *now;
	uint64_t resident;
	int rc;

	if (p->resident == npages)
		return 0;
	/* Unchanged (the common case): nothing to do. */
	if (cache_stat(fd, p->off, p->len, &c) == 0 && c.cached == p->resident)
		return 0;
	if (!p->vec)
		return cache_drop(fd, p->off, p->len);
	if (!(now = malloc(npages)))
		return -ENOMEM;
	rc = cache_mincore(fd, p->off, (size_t)p->len, now, &resident);
	if (rc == 0 && resident != p->resident)
		rc = cache_piece_runs(p, now, 0, cache_evict_run, &fd);
	free(now);
	return rc;
}

int cache_snapshot_restore(int fd, const struct cache_snapshot *s)
{
	int rc = 0;

	for (size_t i = 0; i < s->n && !rc; i++)
		rc = cache_restore_piece(fd, &s->piece[i]);
	return rc;
}

/*
 * --load reads what it can as whole 2 MiB blocks through map_load, with
 * this many blocks' reads in flight (a thread each, blocked in a page
 * fault): one read at a time leaves the device idle between reads.  The
 * rest, a run's ends and runs under a block, go through pread.
 */
#define CACHE_LOAD_DEPTH 8
#define CACHE_LOAD_JOB (4 * MAP_LOAD_BLOCK)

struct cache_reader {
	int fd;
	unsigned char *buf;
	size_t cap;
	struct cache_range *jobs;	/* the aligned blocks, for map_load */
	size_t njobs;
};

/* Read [off, off + len) with pread into buf: the kernel caches those pages. */
static int cache_read_range(int fd, unsigned char *buf, size_t cap, uint64_t off,
			    uint64_t len)
{
	ssize_t got;

	/* Queue the run's reads at once; pread then waits for them. */
	posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_WILLNEED);
	while (len) {
		got = pread(fd, buf, len < cap ? (size_t)len : cap, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;	/* cut short meanwhile */
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
}

/*
 * A run of pages to read: its whole aligned blocks become map_load jobs,
 * the pages before and after them are read now.
 */
static int cache_read_run(void *arg, uint64_t off, uint64_t len)
{
	struct cache_reader *r = arg;
	uint64_t lo = (off + MAP_LOAD_BLOCK - 1) & ~(MAP_LOAD_BLOCK - 1);
	uint64_t hi = (off + len) & ~(MAP_LOAD_BLOCK - 1), n;
	int rc;

	if (lo >= hi)
		return cache_read_range(r->fd, r->buf, r->cap, off, len);
	if (lo > off && (rc = cache_read_range(r->fd, r->buf, r->cap, off, lo - off)))
		return rc;
	if (hi < off + len &&
	    (rc = cache_read_range(r->fd, r->buf, r->cap, hi, off + len - hi)))
		return rc;
	for (; lo < hi; lo += n) {
		n = hi - lo < CACHE_LOAD_JOB ? hi - lo : CACHE_LOAD_JOB;
		if ((rc = cache_push(&r->jobs, &r->njobs, (struct cache_range){ lo, n })))
			return rc;
	}
	return 0;
}

/* A pool job: one group of blocks; where map_load cannot, pread. */
static int cache_load_job(void *ctx, size_t job, void *slot)
{
	const struct cache_reader *r = ctx;
	const struct cache_range *b = &r->jobs[job];
	unsigned char *buf;
	int rc;

	(void)slot;
	if (map_load(r->fd, b->off, (size_t)b->len) == 0)
		return 0;
	if (!(buf = malloc(r->cap)))
		return -ENOMEM;
	rc = cache_read_range(r->fd, buf, r->cap, b->off, b->len);
	free(buf);
	return rc;
}

static int cache_load_done(void *ctx, size_t job, void *slot, int run_rc)
{
	(void)ctx, (void)job, (void)slot;
	return run_rc;
}

int cache_snapshot_load(int fd, const struct cache_snapshot *s, void *buf,
			size_t cap)
{
	static const struct pool_ops ops = { .run = cache_load_job, .emit = cache_load_done };
	struct cache_reader r = { fd, buf, cap, NULL, 0 };
	int rc = 0;

	/*
	 * No readahead through this descriptor: it would bring in pages
	 * past the run, outside the range asked for.
	 */
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	for (size_t i = 0; i < s->n && !rc; i++) {
		const struct cache_piece *p = &s->piece[i];

		if (p->vec)
			rc = cache_piece_runs(p, NULL, 0, cache_read_run, &r);
		else if (p->resident == 0)
			rc = cache_read_run(&r, p->off, p->len);
	}
	if (rc == 0 && r.njobs)
		rc = pool_run(r.njobs, CACHE_LOAD_DEPTH, 0, 2 * CACHE_LOAD_DEPTH, &ops, &r);
	free(r.jobs);
	return rc;
}

struct cache_collect {
	struct cache_range **v;
	size_t *n;
};

/* Append a run, joined to the last one where they touch. */
static int cache_collect_run(void *arg, uint64_t off, uint64_t len)
{
	struct cache_collect *c = arg;
	struct cache_range *last = *c->n ? &(*c->v)[*c->n - 1] : NULL;

	if (last && last->off + last->len == off) {
		last->len += len;
		return 0;
	}
	return cache_push(c->v, c->n, (struct cache_range){ off, len });
}

int cache_snapshot_ranges(const struct cache_snapshot *s,
			  struct cache_range **v, size_t *n)
{
	struct cache_collect c = { v, n };
	int rc = 0;

	for (size_t i = 0; i < s->n && !rc; i++) {
		const struct cache_piece *p = &s->piece[i];

		if (p->vec)
			rc = cache_piece_runs(p, NULL, 1, cache_collect_run, &c);
		else if (p->resident)
			rc = cache_collect_run(&c, p->off, p->len);
	}
	return rc;
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
