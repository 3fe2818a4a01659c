/*
 * edit: where mmtool writes bytes.  A list of edits (bytes at an offset,
 * repeated) is applied with pwrite(2), in file order, after the blocks
 * they need were reserved.  Knows nothing of
 * the command line; returns 0 or a negative errno (MAP_ETRUNC: the file
 * shrank under us).
 */
#ifndef MM_EDIT_H
#define MM_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"

struct edit {
	uint64_t off;			/* where the first byte goes */
	const unsigned char *data;	/* one copy of the bytes */
	size_t len;			/* > 0 */
	uint64_t repeat;		/* copies in a row, >= 1 */
};

/* Bytes the edit covers (len * repeat); the caller checked it fits. */
static inline uint64_t edit_span(const struct edit *e)
{
	return (uint64_t)e->len * e->repeat;
}

/*
 * The edits in file order.  A run is a stretch of the file [lo, hi) whose
 * edits overlap one another (most runs are one edit); its edits are
 * order[first .. first + count), in the order they were given, so that
 * copying them in that order lets a later edit win where they overlap.
 * Runs do not overlap and go forward.
 */
struct edit_run {
	uint64_t lo, hi;
	size_t first, count;
};

struct edit_plan {
	size_t *order;
	struct edit_run *run;
	size_t nrun;
};

/*
 * Sort the n edits into runs, once for all that reads, reserves and writes
 * them (a stable radix sort by offset); -ENOMEM or 0.  edit_plan_free
 * frees it; the edits must outlive it.
 */
int edit_plan_make(const struct edit *e, size_t n, struct edit_plan *p);
void edit_plan_free(struct edit_plan *p);

/*
 * Reserve the file system blocks the edits of plan p will write, without changing the
 * file's size or bytes, so that a full disk is an error now rather than a
 * SIGBUS in the middle of writing.  -ENOSPC when there is no
 * room.  File systems without fallocate are let through.
 */
int edit_reserve(struct map_file *f, const struct edit_plan *p);

/*
 * Apply the edits, given in any order, in file order (p, their plan): a
 * later one wins where they overlap.  Each run, with the runs that touch
 * it, is one pwrite(2) of up to 1 MiB.  The file must already be
 * f->size bytes; MAP_ETRUNC if it is shorter afterwards (another process
 * cut it: our writes past its new end left a hole before them).  Durable
 * only after the caller's fdatasync(2).
 */
int edit_apply(struct map_file *f, const struct edit *e,
	       const struct edit_plan *p);

/* The bytes of the file an edit would overwrite: its span cut at the end. */
uint64_t edit_old_len(const struct map_file *f, const struct edit *e);

/*
 * The bytes the edits would overwrite (edit_old_len of each), one edit's
 * after another's in the order given, into buf; read with pread(2) as
 * edit_apply writes, in file order (p, the plan of these n edits).
 * MAP_ETRUNC if the file ends first.
 */
int edit_read_old(struct map_file *f, const struct edit *e, size_t n,
		  const struct edit_plan *p, unsigned char *buf);

/* Compare the len bytes at off with want: 1 equal, 0 not, or -errno (MAP_ETRUNC). */
int edit_equal(struct map_file *f, uint64_t off, const unsigned char *want,
	       size_t len);

#endif
