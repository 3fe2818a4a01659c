/*
 * data: turn poke's DATA arguments into bytes: C escapes, hex digits,
 * typed numbers.  Pure functions over strings, so they can be fuzzed.
 */
#ifndef MM_DATA_H
#define MM_DATA_H

#include <stddef.h>

#include "value.h"

/* A growable byte buffer. */
struct bytes {
	unsigned char *p;
	size_t len, cap;
};

/* Append n bytes (p NULL: just make room and count them); 0 or -1 (ENOMEM). */
int bytes_add(struct bytes *b, const void *p, size_t n);
void bytes_free(struct bytes *b);

/*
 * Each decoder appends to out and returns 0, or -1 with a short reason in
 * err (at least 128 bytes), which quotes the offending text.
 */

/* \n \t \r \0 \\ \a \b \f \v \" \' \xHH (1-2 digits) \NNN (1-3 octal digits). */
int data_escapes(const char *s, struct bytes *out, char *err);

/*
 * Hex bytes: two digits each; blanks, ':' and '-' between bytes and a "0x"
 * before any byte are ignored.  An odd digit is an error.
 */
int data_hex(const char *s, struct bytes *out, char *err);

/* Numbers of type t, separated by blanks or commas. */
int data_typed(const struct value_type *t, const char *s, struct bytes *out,
	       char *err);

#endif
