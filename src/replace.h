/*
 * replace: the plan of a search-and-replace in one file.  Every match is
 * found first (search.c, over map_walk), then turned into edits (edit.h)
 * that a caller writes in one pass; nothing here writes.  Knows nothing of
 * the command line; never prints.
 *
 * Matches do not overlap, left to right.  Each becomes one edit of the
 * match's length, so the file's size never changes:
 * - REPLACE_EXACT: the replacement, which must be as long as the match;
 * - REPLACE_PAD: the replacement, then the pad byte up to the match's end;
 * - REPLACE_CSTRING: the match lies in a string that ends at a NUL (or the
 *   end of the file); the replacement is written, the rest of the string
 *   moves left behind it, and the bytes freed before the NUL become NUL.
 *   All the matches of one string make one edit (conda's prefix
 *   relocation: "/opt/old/lib/x\0" to "/new/lib/x\0\0\0\0\0").
 * A replacement byte marked in `keep` takes the matched byte there.
 */
#ifndef MM_REPLACE_H
#define MM_REPLACE_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "edit.h"
#include "map.h"
#include "search.h"

enum replace_mode { REPLACE_EXACT, REPLACE_PAD, REPLACE_CSTRING };

struct replace_spec {
	const unsigned char *repl;
	size_t rlen;
	const unsigned char *keep;	/* NULL, or rlen flags: 1 keeps the matched byte */
	enum replace_mode mode;
	unsigned char pad;
	uint64_t max;		/* replace at most this many matches */
	int count_all;		/* count every match, even past max */
};

/* Why a plan could not be made (besides a negative errno). */
enum replace_status {
	REPLACE_ELENGTH = 100,	/* a match is not as long as the replacement allows */
	REPLACE_ENUL,		/* --cstring: a NUL inside a match that must move */
	REPLACE_ESEARCH,	/* the search failed: see err */
};

struct replace_plan {
	struct edit *e;		/* in file order; data valid until replace_free */
	size_t n, cap;
	uint64_t matches;	/* found (all of them with count_all) */
	uint64_t bad_off;	/* ELENGTH, ENUL: the match */
	size_t bad_len;
	char err[256];		/* ESEARCH */
	/* Building: the matches, and the bytes edits point into. */
	struct replace_match *m;
	size_t nm, mcap;
	struct bytes data;
	size_t *at;		/* each edit's bytes in data, or SIZE_MAX: spec->repl */
};

/*
 * Find the matches of s in [lo, hi) of f (wholly inside it) and plan their
 * replacement.  Returns 0 (p->n edits, possibly none), a replace_status,
 * or a negative errno (MAP_ETRUNC: the file shrank).
 */
int replace_plan(struct map_file *f, const struct search *s,
		 const struct replace_spec *sp, uint64_t lo, uint64_t hi,
		 struct replace_plan *p);
void replace_free(struct replace_plan *p);

#endif
