/*
 * patch: the --patch format, which is what xxd and `mmtool peek` print:
 * one line per edit, "HEXOFFSET: HEXBYTES", everything after two spaces
 * ignored (the text column), blank lines skipped.
 */
#ifndef MM_PATCH_H
#define MM_PATCH_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "edit.h"

/* The lines as edits, in order; their bytes live in data. */
struct patch {
	struct edit *lines;
	size_t n, cap;
	struct bytes data;
};

/*
 * Parse the whole text before anything is applied.  Returns 0, or -1 with
 * *bad_line (1-based) and a reason in err (at least 128 bytes).  The edits'
 * data pointers are valid once it returns 0, until patch_free.
 */
int patch_parse(const char *text, size_t len, struct patch *p,
		size_t *bad_line, char *err);
void patch_free(struct patch *p);

#endif
