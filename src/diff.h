/*
 * diff: where two files differ.  The compared part is `len` bytes, taken
 * in step from offset a->off of one file and b->off of the other; a
 * difference is reported as a range of adjacent differing bytes, counted
 * from the start of the compared part, merged across every seam, in
 * order.  Knows nothing of the command line; never prints.
 *
 * Both files are read with pread(2) in pieces that stay in the CPU's
 * cache, or, with diff_opts.map, mapped a window of at most 16 MiB of each
 * per worker at a time under map.c's SIGBUS guard (no copy: the page cache
 * is compared where it lies).  Spans that are holes in both files
 * (SEEK_DATA and SEEK_HOLE) compare as equal without being touched.  The
 * compared part is cut into jobs for the worker pool (pool.h); ranges come
 * out as one thread would give them.
 */
#ifndef MM_DIFF_H
#define MM_DIFF_H

#include <stdint.h>

#include "map.h"

/* One file (not a stream), and where its compared part starts. */
struct diff_side {
	struct map_file *f;
	uint64_t off;
};

struct diff_opts {
	unsigned threads;	/* workers; 0: the online CPUs */
	int first_only;		/* stop at the first difference (cmp -s) */
	int map;		/* map both files (both mappable) instead of reading them */
};

/*
 * A range of differing bytes: pos counts from the start of the compared
 * part.  Called on the calling thread, in order; nonzero stops the run.
 */
typedef int (*diff_range_fn)(void *ctx, uint64_t pos, uint64_t len);

/*
 * Compare the two parts and call fn for each range.  Returns 0, fn's
 * nonzero return, or a negative errno (MAP_ETRUNC: a file ended before
 * len bytes, so it shrank under us).  With first_only, fn is called at
 * most once, for a range that may be shorter than the whole run.
 */
int diff_run(const struct diff_side *a, const struct diff_side *b,
	     uint64_t len, const struct diff_opts *o, diff_range_fn fn,
	     void *ctx);

#endif
