/*
 * dump: the byte formatters of peek.  Each is a stream: feed it bytes in
 * chunks of any size, then finish it; the output is byte-identical to xxd,
 * `xxd -p`, `xxd -i` (standard input) and `hexdump -C`.
 */
#ifndef MM_DUMP_H
#define MM_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

enum dump_format {
	DUMP_XXD,		/* xxd -s OFF -l LEN */
	DUMP_CANONICAL,		/* hexdump -C -s OFF -n LEN */
	DUMP_HEX,		/* xxd -p */
	DUMP_RAW,		/* the bytes themselves */
	DUMP_C,			/* xxd -i of standard input */
	DUMP_STRING,		/* one line with C escapes */
};

#define DUMP_MAX_XXD_COLS 256	/* xxd's own limit */
#define DUMP_MAX_COLS 65536

struct dump_opts {
	unsigned cols;		/* bytes a line; 0 = the format's default */
	unsigned group;		/* xxd: bytes a group; 0 = a whole line */
	int upper;		/* upper-case hex digits */
	int autoskip;		/* xxd -a: squeeze runs of zero lines */
	int no_squeeze;		/* hexdump -v: print every line */
	int color;		/* colour bytes by class (ANSI escapes) */
	int len_given_zero;	/* hexdump prints no final offset for -n 0 */
	const char *prefix;	/* xxd: put before every line (poke's -/+ diff) */
};

struct dump {
	enum dump_format fmt;
	struct dump_opts o;
	struct out *out;
	uint64_t start;		/* offset of the first byte fed */
	uint64_t pos;		/* offset of the next byte */
	unsigned char part[DUMP_MAX_XXD_COLS];
	size_t npart;		/* bytes of an unfinished line */
	unsigned short hexcol[DUMP_MAX_XXD_COLS];	/* xxd: hex column of byte i */
	unsigned textcol;	/* xxd: text column, after an 8-digit address */
	int zero_seen;		/* xxd -a: the state of xxd's xxdline() */
	char *held, *last;	/* xxd -a: a held zero line, the last line */
	size_t held_len, last_len;
	unsigned char prev[16];	/* hexdump: the line before, for squeezing */
	int have_prev, starred;
	size_t col;		/* hex and c: items on the current line */
	int esc_state;		/* string: what the last escape was */
};

/* Set up a formatter writing to out; start is the offset of the first byte. */
int dump_init(struct dump *d, enum dump_format fmt, const struct dump_opts *o,
	      struct out *out, uint64_t start);
void dump_feed(struct dump *d, const unsigned char *p, size_t n);
/* Flush the last partial line and any trailer; frees what init took. */
void dump_finish(struct dump *d);

#endif
