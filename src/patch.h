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
	size_t nlines;		/* lines read so far, blank ones included */
	size_t decimal_line;	/* the first line that follows on in decimal only */
	int not_decimal;	/* a line follows on in neither */
};

/*
 * Parse the whole text before anything is applied.  Returns 0, or -1 with
 * *bad_line (1-based) and a reason in err (at least 128 bytes).  The edits'
 * data pointers are valid once it returns 0, until patch_free.
 */
int patch_parse(const char *text, size_t len, struct patch *p,
		size_t *bad_line, char *err);

/*
 * The same in pieces: patch_init (text_size: the expected size of all the
 * text, 0 if unknown; -1 when out of memory), patch_feed for each piece of
 * whole lines (only the last piece may end without a newline; *bad_line
 * counts from the first piece), then patch_finish, which makes the edits'
 * data pointers valid, or refuses a dump with decimal offsets (-1, as
 * patch_feed).
 */
int patch_init(struct patch *p, size_t text_size);
int patch_feed(struct patch *p, const char *text, size_t len,
	       size_t *bad_line, char *err);
int patch_finish(struct patch *p, size_t *bad_line, char *err);

/*
 * Read all of fd (a file or a stream, from where it stands) and parse it,
 * in pieces that stay in the CPU's cache.  Returns 0, a negative errno
 * when reading failed, or PATCH_BAD with *bad_line and err.  (patch_read.c)
 */
#define PATCH_BAD 1
int patch_read(int fd, struct patch *p, size_t *bad_line, char *err);

void patch_free(struct patch *p);

#endif
