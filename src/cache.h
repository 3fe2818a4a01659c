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

/*
 * The layout of the file open on fd (st from fstat).  Holes and extents are
 * counted for regular files only; other types report 0 of each.  fd's file
 * offset is left where it was (it may be a shared standard input).
 */
int cache_layout(int fd, const struct stat *st, struct cache_layout *l);

/*
 * Whether mincore(2) tells this process the truth about fd's page cache.
 * Since Linux 5.2 it does so only for files the caller owns or could open
 * for writing; for other files it reports only the pages mapped in the
 * caller's own page tables (see the comment in cache.c).
 */
int cache_residency_visible(int fd, const struct stat *st);

/*
 * Count the pages of [0, size) of fd that are in the page cache, mapping
 * at most MAP_WINDOW at a time (so a 100 GiB file needs no more address
 * space than a small one) and touching none of them.  fd must be a regular
 * file or a block device.  *resident is in pages of map_page_size().
 */
int cache_resident(int fd, uint64_t size, uint64_t *resident);

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
