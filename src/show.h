/*
 * show: bytes as xxd lines with a prefix before each line, the format of
 * poke -n, cmp -l and replace -n ("-" the old bytes, "+" the new) and,
 * without a prefix, of --patch and --undo files.  Never prints on its own:
 * writes to the struct out it is given.
 */
#ifndef MM_SHOW_H
#define MM_SHOW_H

#include <stdint.h>

#include "edit.h"
#include "map.h"
#include "out.h"

/*
 * The bytes [off, off + len) of f (cut at its end), as xxd lines whose
 * offsets start at `at`.  Returns 0 or a negative errno (MAP_ETRUNC).
 */
int show_file(struct map_file *f, uint64_t off, uint64_t len, uint64_t at,
	      const char *prefix, struct out *out);

/* The bytes an edit writes, as xxd lines at its offset. */
int show_edit(const struct edit *e, const char *prefix, struct out *out);

/*
 * Old ("-") and new ("+") lines of every edit, in order: poke -n and -v,
 * replace -n.  p is the edits' plan (edit_plan_make).  Returns a map error
 * only: a write error stays in out->err.
 */
int show_diff(struct map_file *f, const struct edit *e, size_t n,
	      const struct edit_plan *p, struct out *out);

/*
 * The old bytes of every edit as xxd lines without a prefix, last edit
 * first, so that where edits overlap the oldest bytes are put back last:
 * the --undo patch.  The old bytes of both are read in batches, in file
 * order (edit_read_old); p is the edits' plan.
 */
int show_undo(struct map_file *f, const struct edit *e, size_t n,
	      const struct edit_plan *p, struct out *out);

#endif
