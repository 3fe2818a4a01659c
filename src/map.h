/*
 * map: open a file and reach its bytes to read them: through pread(2), or
 * through bounded mmap windows on request (edit.c writes them).  Knows
 * nothing of the command line; never prints.  Functions return 0 or a
 * negative errno, with MAP_ETRUNC for a file that shrank under us (a
 * mapped page that vanished, SIGBUS, or a read that ended early).
 */
#ifndef MM_MAP_H
#define MM_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The file shrank under us: a mapped access raised SIGBUS (see map_guard), or a read ended early. */
#define MAP_ETRUNC (-10001)
/*
 * An access raised SIGBUS though the file still holds the page: the kernel
 * could not provide it (a full tmpfs allocates a page to read a hole; an
 * I/O error).  read(2) of the same bytes may work.
 */
#define MAP_EPAGE (-10003)

/*
 * The largest span a walk maps at once: one of these per worker of grep's
 * pool.  Under `ulimit -v 200000` 64 MiB windows map and 256 MiB ones do
 * not; two of these plus the program fit in 256 MiB of address space.
 */
#define MAP_WINDOW ((size_t)32 << 20)

enum map_open_flags {
	MAP_OPEN_WRITE = 1,	/* read/write, for poke */
	MAP_OPEN_CREATE = 2,	/* create a missing file (with MAP_OPEN_WRITE) */
	MAP_OPEN_NOFOLLOW = 4,	/* refuse a symbolic link (grep -r's walk) */
	MAP_OPEN_EXCL = 8,	/* with MAP_OPEN_CREATE: fail if it exists (wfile.c) */
};

struct map_file {
	int fd;
	uint64_t size;		/* bytes; 0 for a stream */
	mode_t mode;		/* st_mode */
	int mappable;		/* mmap works: a regular file with a size, or a block device */
	int stream;		/* read(2) only: pipe, terminal, /proc file, char device */
	int writable;
	int map_scan;		/* set by the caller (--mmap): map_walk maps windows */
};

/* A mapped span [off, off + len) of a file; p points at byte `off`. */
struct map_view {
	unsigned char *p;
	size_t len;
	uint64_t off;
	void *base;		/* what mmap returned (page aligned) */
	size_t base_len;
};

/*
 * Open `path` (or adopt descriptor `fd` when path is NULL) and classify it.
 * A directory is -EISDIR.  Returns 0 or -errno.
 */
int map_open(struct map_file *f, const char *path, int fd, int flags);
void map_close(struct map_file *f);

/*
 * Whether byte `at` of f is data (1) or in a hole (0), by SEEK_DATA and
 * SEEK_HOLE, and in *until where that ends: at the next hole or the next
 * data (UINT64_MAX: not before the end of the file).  Where the file
 * system or the file cannot say (a device), everything is data.  Moves
 * f's file offset.
 */
int map_data_at(const struct map_file *f, uint64_t at, uint64_t *until);

/* 1 if [lo, hi) of the regular file f is all hole, else 0 (map_data_at). */
int map_is_hole(const struct map_file *f, uint64_t lo, uint64_t hi);

/* Read the size again (after taking a lock, say). */
int map_refresh(struct map_file *f);

/* Extend a regular file to `size` bytes (never shrinks it). */
int map_grow(struct map_file *f, uint64_t size);

/* The system page size, cached. */
size_t map_page_size(void);

enum map_view_flags {
	MAP_VIEW_POPULATE = 2,	/* fault every page in now (one walk, not 8,192 faults) */
};

/*
 * Map [off, off + len) of a mappable file, read-only; only the pages
 * holding the range are mapped.  flags are map_view_flags.  len must be
 * > 0; a page past the end of the file raises SIGBUS when touched.
 */
int map_view_open(struct map_file *f, uint64_t off, size_t len, int flags,
		  struct map_view *v);
void map_view_close(struct map_view *v);

/*
 * Read [off, off + len) of fd (open for reading) into the page cache and
 * nothing around it, waiting for the reads.  off and len should be
 * multiples of MAP_LOAD_BLOCK: each such block is then read as one folio
 * of 2 MiB where the kernel and file system allow it (a 4 GiB file is
 * then 2,048 entries in the page cache, not a million, and counting them
 * with cachestat(2) is that much cheaper); a block that is partly
 * resident already is read around its resident pages.  Returns 0 or
 * -errno: -EINVAL where the kernel lacks transparent huge pages or
 * MADV_POPULATE_READ (Linux 5.14), -EFAULT where a page could not be read
 * or the file ended; the caller then reads with pread(2), which says why.
 */
#define MAP_LOAD_BLOCK ((uint64_t)2 << 20)
int map_load(int fd, uint64_t off, size_t len);

/*
 * Run fn(ctx) with a SIGBUS guard over [lo, lo + len): if an access there
 * faults because the file lost those pages, fn is abandoned (siglongjmp)
 * and MAP_ETRUNC is returned; otherwise fn's return value.  fn must not
 * allocate or take locks that the jump would leak.  Faults elsewhere are
 * not caught.
 */
int map_guard(const void *lo, size_t len, int (*fn)(void *), void *ctx);
/* The same over two spans at once: the two files cmp compares (diff.c). */
int map_guard2(const void *lo1, size_t len1, const void *lo2, size_t len2,
	       int (*fn)(void *), void *ctx);

/*
 * After a mapped span ending at offset end was read: 0 if the regular file
 * f still holds it, MAP_ETRUNC if it now ends before (a file cut inside a
 * page reads as zeros there, with no SIGBUS), or -errno.
 */
int map_still_holds(const struct map_file *f, uint64_t end);

/*
 * After map_guard's MAP_ETRUNC over a span of f ending at offset end: why.
 * MAP_ETRUNC if f now ends before end, MAP_EPAGE if it does not.
 */
int map_fault_cause(const struct map_file *f, uint64_t end);

/*
 * Deliver the bytes [off, off + len) of f to fn in order (len UINT64_MAX:
 * to the end of the file).  A file is read with pread(2) in chunks of
 * 256 KiB or 16 * keep (at most MAP_WINDOW), as a stream is with read(2)
 * (and skipped up to `off` by seeking or reading); with f->map_scan, a
 * mappable file is walked in mapped windows of at most MAP_WINDOW bytes
 * under map_guard instead (read from where a window cannot be mapped for
 * want of address space).  Each chunk after the first
 * starts with the last `keep` bytes of the one before, so a searcher sees
 * every span of up to keep + 1 bytes whole.  fn(ctx, p, n, pos) gets the
 * chunk and the file offset of p[0]; a nonzero return stops the walk and
 * is returned.  Several walks may share one file (not a stream) at once.
 */
typedef int (*map_chunk_fn)(void *ctx, const unsigned char *p, size_t n,
			    uint64_t pos);
int map_walk(struct map_file *f, uint64_t off, uint64_t len, size_t keep,
	     map_chunk_fn fn, void *ctx);

/* The buffer a walk of a file's len bytes reads into, keeping keep: the memory it holds. */
size_t map_walk_memory(uint64_t len, size_t keep);

/*
 * Copy [off, off + len) of a mappable file to out_fd with sendfile(2): the
 * page cache goes to the pipe or file without passing through our memory
 * (peek --raw keeps pace with cat this way).  MAP_ETRUNC if the file ends
 * early; -EINVAL or -ENOSYS at the start when out_fd cannot take it (the
 * caller then walks the mapping instead).
 */
int map_send(struct map_file *f, uint64_t off, uint64_t len, int out_fd);

/*
 * Read a whole stream into a malloc'd buffer (*out, *n), at most `limit`
 * bytes (-EFBIG past it).  For `poke -i` and `--patch`: reading a file
 * into a huge-page buffer costs less than touching a mapping of it.
 */
int map_slurp(int fd, uint64_t limit, unsigned char **out, size_t *n);

/*
 * malloc for buffers of megabytes: 2 MiB-aligned and advised to use
 * transparent huge pages, released with free(): on virtual machines the
 * first touch of a 4 KiB page can cost microseconds, and a huge page is
 * one fault for 512 of them.  Under 256 KiB it is a plain malloc.
 */
void *map_alloc_huge(size_t n);

#endif
