/* num: the numbers and ranges every command takes (mmtool(1), NUMBERS AND RANGES). */
#ifndef MM_NUM_H
#define MM_NUM_H

#include <stddef.h>
#include <stdint.h>

enum num_err {
	NUM_OK = 0,
	NUM_EMPTY,		/* nothing where a number was expected */
	NUM_JUNK,		/* not a number, or junk after it */
	NUM_OVERFLOW,		/* does not fit in 64 bits */
	NUM_SUFFIX,		/* digits, then text that is no suffix */
	NUM_NO_DIGITS,		/* "0x", "0o" with no digits after it */
	NUM_NEGATIVE,		/* a sign where none is allowed */
	NUM_BEFORE_START,	/* a negative offset reaches before byte 0 */
	NUM_PAST_END,		/* an offset or a range start past the end */
	NUM_BACKWARDS,		/* a range whose end comes before its start */
};

/*
 * An offset as written: a magnitude, and whether it counts back from the
 * end of the file ("-16").
 */
struct num_offset {
	uint64_t mag;
	int from_end;
};

/* One end of a range; `given` is 0 where the side was left empty. */
struct num_range {
	struct num_offset start, end;	/* end is exclusive */
	int start_given, end_given;
	int is_length;			/* START+LENGTH: end.mag is the length */
};

/*
 * Parse an unsigned size: decimal, 0x hex, 0o octal, 0b binary, then an
 * optional suffix as dd(1) and head(1) take it: c 1, w 2, b 512; k, K, KiB
 * 1024 and M MiB G GiB T TiB P PiB E EiB its powers; kB, KB 1000 and MB GB TB
 * PB EB its powers (Z, Y, R, Q: always past 64 bits).  In a 0x number b, c
 * and E are digits.  Returns NUM_OK and sets *out, or an error.
 */
enum num_err num_parse_u64(const char *s, uint64_t *out);

/* As num_parse_u64, with an optional leading '-' meaning "from the end". */
enum num_err num_parse_offset(const char *s, struct num_offset *out);

/* START:END or START+LENGTH; either side of ':' may be empty. */
enum num_err num_parse_range(const char *s, struct num_range *out);

/*
 * Turn an offset into an absolute one for a file of `size` bytes.
 * Returns NUM_BEFORE_START if it reaches before 0; does not check the end.
 */
enum num_err num_resolve_offset(const struct num_offset *o, uint64_t size,
				uint64_t *out);

/*
 * Absolute [*start, *end) for a file of `size` bytes, cut at the end of the
 * file.  NUM_BACKWARDS if the end comes before the start.
 */
enum num_err num_resolve_range(const struct num_range *r, uint64_t size,
			       uint64_t *start, uint64_t *end);

/*
 * As num_resolve_range, for a range given for this one file: NUM_PAST_END
 * when its start lies past the end (a start equal to the size gives an
 * empty range).  A range that only runs past the end is still cut there.
 */
enum num_err num_resolve_range_in(const struct num_range *r, uint64_t size,
				  uint64_t *start, uint64_t *end);

/*
 * The one hex digit decoder (numbers, DATA, patches, grep -x, escapes):
 * each byte's value plus one, 0 for a byte that is not a hex digit.
 */
extern const signed char num_hex_digit1[256];

/* The value of hex digit c, or -1: one load per character. */
static inline int num_hexval(char c)
{
	return num_hex_digit1[(unsigned char)c] - 1;
}

/* A short English phrase for an error, e.g. "number out of range". */
const char *num_strerror(enum num_err e);

/*
 * What is wrong with s, which a num_parse_* function refused with e: the
 * phrase of num_strerror, or for NUM_SUFFIX "unknown suffix 'q'".  Written
 * to buf (n bytes), which is returned.
 */
const char *num_explain(const char *s, enum num_err e, char *buf, size_t n);

#endif
