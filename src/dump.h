/*
 * dump: the byte formatters of peek.  Each is a stream: feed it bytes in
 * chunks of any size, then finish it; the output is byte-identical to xxd
 * (also -b, -e, -d, -o), `xxd -p`, `xxd -i` and `hexdump -C`.
 *
 * The line formats (xxd, bits, canonical) are one engine run on data: a
 * layout says where each byte's cell and its text character go, and what
 * text a byte value has in its cell (two hex digits, or eight bits).
 */
#ifndef MM_DUMP_H
#define MM_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

enum dump_format {
	DUMP_XXD,		/* xxd -s OFF -l LEN (with -e: xxd -e) */
	DUMP_BITS,		/* xxd -b */
	DUMP_CANONICAL,		/* hexdump -C -s OFF -n LEN */
	DUMP_HEX,		/* xxd -p */
	DUMP_RAW,		/* the bytes themselves */
	DUMP_C,			/* xxd -i */
	DUMP_STRING,		/* one line with C escapes */
};

#define DUMP_MAX_XXD_COLS 256	/* xxd's own limit */
#define DUMP_MAX_COLS 65536

struct dump_opts {
	unsigned cols;		/* bytes a line; 0 = the format's default */
	unsigned group;		/* xxd, bits: bytes a group; 0 = a whole line */
	int upper;		/* upper-case hex digits */
	int autoskip;		/* xxd -a: squeeze runs of zero lines */
	int no_squeeze;		/* hexdump -v: print every line */
	int color;		/* colour bytes by class (ANSI escapes) */
	int len_given_zero;	/* hexdump prints no final offset for -n 0 */
	const char *prefix;	/* xxd: put before every line (poke's -/+ diff) */
	int little_endian;	/* xxd -e: each group's bytes right to left */
	int decimal;		/* xxd -d: offsets in decimal */
	uint64_t display_offset;	/* xxd -o: added to every offset shown */
	/*
	 * colour (xxd): instead of the byte classes, byte i after start is
	 * shown in dump_color_match when mark[i] is nonzero, and others plain.
	 */
	const unsigned char *mark;
	const char *c_name;	/* c: declare an array named after this, as
				   `xxd -i FILE` does; NULL: the lines alone */
};

#define DUMP_LINE_MAX 2720	/* bits: 17 + 3 + 9 * 256 + 256 + 1, rounded up */

struct dump {
	enum dump_format fmt;
	struct dump_opts o;
	struct out *out;
	uint64_t start;		/* offset of the first byte fed */
	uint64_t pos;		/* offset of the next byte */
	unsigned char part[DUMP_MAX_XXD_COLS];
	size_t npart;		/* bytes of an unfinished line */
	/* The line layout, for an 8-digit address (longer ones shift it). */
	const char *cells;	/* byte value b's cell text at cells[cellw * b] */
	unsigned cellw;
	char addr_sep;		/* after the address: ':' (xxd) or ' ' */
	char text_edge;		/* around the text: '|' (hexdump) or 0 */
	int fast16;		/* the default layout: vector code may print it */
	unsigned short hexcol[DUMP_MAX_XXD_COLS];	/* cell column of byte i */
	unsigned textcol;	/* text column */
	int zero_seen;		/* xxd -a: the state of xxd's xxdline() */
	char *held, *last;	/* xxd -a, colour: a held zero line, the last line */
	short *owner;		/* colour: which byte wrote each column */
	size_t held_len, last_len;
	unsigned char prev[16];	/* hexdump: the line before, for squeezing */
	int have_prev, starred;
	size_t col;		/* hex and c: items on the current line */
	int esc_state;		/* string: what the last escape was */
};

/*
 * Set up a formatter writing to out; start is the offset of the first
 * byte.  Returns -1 when cols is too wide for the format or memory ran out.
 */
int dump_init(struct dump *d, enum dump_format fmt, const struct dump_opts *o,
	      struct out *out, uint64_t start);
void dump_feed(struct dump *d, const unsigned char *p, size_t n);
/*
 * xxd lines without autoskip or colour: end the partial line, then go on
 * as a dump just set up at offset `at` would, without building the layout
 * again (show.c prints the lines of 100,000 edits through one dump).
 */
void dump_restart(struct dump *d, uint64_t at);
/* Flush the last partial line and any trailer; frees what init took. */
void dump_finish(struct dump *d);

/*
 * The escape sequence that colours byte c (hexyl's classes: NUL, printable
 * ASCII, ASCII white space, other ASCII, non-ASCII), and the one that ends it.
 */
const char *dump_color_of(unsigned char c);
extern const char dump_color_reset[];
/* A match, as GNU grep colours it (bold red). */
extern const char dump_color_match[];

#endif
