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
 * The text is not a patch: *bad_line (1-based) and err (at least 128
 * bytes) say where and why.  Negative as the -errno beside it, and below
 * every one of them (Linux's end at -4095) and map.h's MAP_ETRUNC;
 * map.h's MAP_EPAGE is -10003.
 */
#define PATCH_EBAD (-10002)

/*
 * Parse the whole text before anything is applied.  Returns 0, -ENOMEM,
 * or PATCH_EBAD.  The edits' data pointers are valid once it returns 0,
 * until patch_free.
 */
int patch_parse(const char *text, size_t len, struct patch *p,
		size_t *bad_line, char *err);

/*
 * The same in pieces: patch_init (text_size: the expected size of all the
 * text, 0 if unknown; 0 or -ENOMEM), patch_feed for each piece of whole
 * lines (only the last piece may end without a newline; *bad_line counts
 * from the first piece; 0, -ENOMEM or PATCH_EBAD), then patch_finish,
 * which makes the edits' data pointers valid, or refuses a dump with
 * decimal offsets (PATCH_EBAD).
 */
int patch_init(struct patch *p, size_t text_size);
int patch_feed(struct patch *p, const char *text, size_t len,
	       size_t *bad_line, char *err);
int patch_finish(struct patch *p, size_t *bad_line, char *err);

/*
 * Read all of fd (a file or a stream, from where it stands) and parse it,
 * in pieces that stay in the CPU's cache.  Returns 0, a negative errno
 * when reading failed, or PATCH_EBAD.  (patch_read.c)
 */
int patch_read(int fd, struct patch *p, size_t *bad_line, char *err);

void patch_free(struct patch *p);

#endif
