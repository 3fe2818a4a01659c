/*
 * cache: a file's place in the page cache and on disk.  Residency through
 * mincore(2) over bounded windows, eviction through posix_fadvise(2),
 * durability through fsync(2), fdatasync(2), a ranged fsync and
 * sync_file_range(2), and the file's layout through SEEK_DATA/SEEK_HOLE.
 * Knows nothing of the command line; never prints.  Functions return 0 or a
 * negative errno.
 */
#ifndef MM_CACHE_H
#define MM_CACHE_H

#include <stdint.h>
#include <sys/stat.h>

/* What info reports about where a file's bytes are. */
struct cache_layout {
	uint64_t size;		/* bytes; a block device's from BLKGETSIZE64 */
	uint64_t allocated;	/* bytes allocated on disk: st_blocks * 512 */
	uint64_t extents;	/* runs of data, as SEEK_DATA/SEEK_HOLE see them */
	uint64_t holes;		/* runs of hole between, before and after them */
};

enum cache_open_flags {
	/*
	 * If the file cannot be opened for reading, open it write-only, as
	 * sync(1) does: fsync needs a descriptor, not a particular mode.
	 */
	CACHE_OPEN_WRONLY_FALLBACK = 1,
	/* Refuse a symbolic link (ELOOP): info -r follows none. */
	CACHE_OPEN_NOFOLLOW = 2,
};

/*
 * Open `path` to look at or flush it, never to change it: read-only, any
 * file type (directories included), without blocking on a FIFO that has no
 * writer.  Sets *fd and fills *st.  Returns 0 or -errno.
 */
int cache_open(const char *path, int flags, int *fd, struct stat *st);

/*
 * The size of the file open on fd: st_size for a regular file, the
 * device's size for a block device (stat reports 0), 0 for anything else.
 */
int cache_size(int fd, const struct stat *st, uint64_t *size);

/* Bytes [off, off + len) of a file. */
struct cache_range {
	uint64_t off, len;
};

/*
 * Where a file's bytes are, for info --map: the data runs and the holes
 * (SEEK_DATA/SEEK_HOLE), and the physical extents (FIEMAP) inside each data
 * run: data[i]'s are phys[phys_at[i]] .. phys[phys_at[i + 1] - 1], each
 * .off a byte address on the device.  Free with cache_map_free.
 */
struct cache_map {
	struct cache_range *data, *holes, *phys;
	size_t ndata, nholes, nphys;
	size_t *phys_at;	/* ndata + 1 entries once cache_map_extents ran */
};

/*
 * The layout of the file open on fd (st from fstat).  Holes and extents are
 * counted for regular files only; other types report 0 of each.  With m,
 * also the runs themselves.  fd's file offset is left where it was (it may
 * be a shared standard input).
 */
int cache_layout(int fd, const struct stat *st, struct cache_layout *l,
		 struct cache_map *m);

/*
 * Fill m->phys and m->phys_at from FIEMAP for the data runs m already
 * holds.  Extents whose address the file system does not know yet (delayed
 * allocation), or that have none (inline, encoded), are left out.  A file
 * system without FIEMAP gives no extents: returns 0 with m->nphys 0.
 */
int cache_map_extents(int fd, struct cache_map *m);
void cache_map_free(struct cache_map *m);

/* The page cache's view of a range, in pages, as cachestat(2) counts. */
struct cache_counts {
	uint64_t cached;		/* in the page cache */
	uint64_t dirty;			/* written, not yet written back */
	uint64_t writeback;		/* being written back */
	uint64_t evicted;		/* evicted since the file was opened by anyone */
	uint64_t recently_evicted;	/* of those, evicted recently enough to matter */
};

/*
 * The counts for [off, off + len) of fd through cachestat(2) (Linux 6.5).
 * Returns -ENOSYS where the kernel lacks it, -EPERM where it refuses to
 * show this file's cache (the rule cache_residency_visible mirrors), or
 * another -errno.  len 0 counts nothing.
 */
int cache_stat(int fd, uint64_t off, uint64_t len, struct cache_counts *c);

/*
 * Which pages of [off, off + len) were resident at one moment: the range as
 * pieces, each wholly resident, wholly not, or with a status byte per page.
 * cachestat(2) tells whole pieces apart cheaply (a 4 GiB file half in the
 * cache is a few calls), mincore(2) is asked only about the pieces that are
 * partly resident; without cachestat every piece is a MAP_WINDOW with its
 * mincore bytes.  Mapping reads nothing: taking one does not change the
 * cache.
 */
struct cache_piece {
	uint64_t off, len;	/* page aligned, but the last piece's len */
	uint64_t resident;	/* pages */
	unsigned char *vec;	/* mincore bytes, or NULL: resident is 0 or all */
};

struct cache_snapshot {
	struct cache_piece *piece;
	size_t n, cap;
	uint64_t resident;	/* pages, over all pieces */
	struct cache_counts counts;	/* the whole range's, when have_counts */
	int have_counts;	/* cachestat(2) answered */
};

/*
 * Take a snapshot of [off, off + len) of fd, a regular file or block
 * device whose size is `size` (the range is cut there; off is rounded down
 * to a page).  Returns 0 or -errno; on error s holds nothing.
 */
int cache_snapshot(int fd, uint64_t size, uint64_t off, uint64_t len,
		   struct cache_snapshot *s);
void cache_snapshot_free(struct cache_snapshot *s);

/*
 * Evict from fd's page cache the pages of s's range that are resident now
 * but were not in s: what reading the file since brought in, readahead
 * included.  Pages resident then stay, also if they were read again.
 */
int cache_snapshot_restore(int fd, const struct cache_snapshot *s);

/*
 * Read into the page cache the pages of s's range that were not resident
 * in s, and only those (no readahead past them).  The whole 2 MiB blocks
 * of each run are read through map_load, as one folio each and several at
 * a time (on pool.c's threads); the rest with pread into buf of cap bytes.
 * Returns 0 or -errno.
 */
int cache_snapshot_load(int fd, const struct cache_snapshot *s, void *buf,
			size_t cap);

/*
 * The resident pages of s as byte ranges, appended to *v (of *n, grown
 * with realloc).  The last may run past the end of the file to its page's
 * end.  Returns 0 or -ENOMEM.
 */
int cache_snapshot_ranges(const struct cache_snapshot *s,
			  struct cache_range **v, size_t *n);

/*
 * Whether mincore(2) tells this process the truth about fd's page cache.
 * Since Linux 5.2 it does so only for files the caller owns or could open
 * for writing; for other files it reports only the pages mapped in the
 * caller's own page tables (see the comment in cache.c).
 */
int cache_residency_visible(int fd, const struct stat *st);

/*
 * Count the pages of [0, size) of fd that are in the page cache: one
 * cachestat(2) call where the kernel has it (then *c is filled and
 * *have_counts set), else mincore(2) over MAP_WINDOW mappings at a time (so
 * a 100 GiB file needs no more address space than a small one), touching
 * none of them.  fd must be a regular file or a block device.  *resident is
 * in pages of map_page_size().
 */
int cache_resident(int fd, uint64_t size, uint64_t *resident,
		   struct cache_counts *c, int *have_counts);

enum cache_sync_flags {
	CACHE_SYNC_DATA = 1,	/* fdatasync: leave out metadata not needed to read the data */
	CACHE_SYNC_ASYNC = 2,	/* start writeback and return; not durable */
	CACHE_SYNC_RANGE = 4,	/* only [off, off + len); else the whole file */
};

/*
 * Write fd's dirty pages to stable storage and wait, as fsync(2) does (or
 * as flags say).  A descriptor open read-only is enough.  With
 * CACHE_SYNC_RANGE, len 0 does nothing.
 */
int cache_sync(int fd, uint64_t off, uint64_t len, int flags);

/*
 * Evict the clean, unmapped pages of [off, off + len) of fd from the page
 * cache (len 0: to the end of the file).  Dirty pages and pages that some
 * process has mapped stay; tmpfs never evicts.  Returns 0 or -errno.
 */
int cache_drop(int fd, uint64_t off, uint64_t len);

#endif
