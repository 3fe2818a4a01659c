/*
 * value: typed numbers in bytes, as peek -f u32be prints them and
 * poke -t u32be writes them.
 */
#ifndef MM_VALUE_H
#define MM_VALUE_H

#include <stddef.h>

enum value_kind { VALUE_UNSIGNED, VALUE_SIGNED, VALUE_FLOAT };

struct value_type {
	enum value_kind kind;
	unsigned width;		/* bytes: 1, 2, 4 or 8 */
	int big_endian;
};

/* "u8" .. "f64", each with an optional "le" or "be"; 0 or -1 if unknown. */
int value_type_parse(const char *name, struct value_type *t);

/*
 * Print the value in `bytes` (t->width of them) as decimal text into buf
 * (at least 32 bytes); floats get the shortest text that reads back to the
 * same value.  Returns the text's length.
 */
size_t value_format(const struct value_type *t, const unsigned char *bytes,
		    char *buf);

/* VALUE_UNDERFLOW: a nonzero float so small that the type holds it as 0. */
enum value_err { VALUE_OK, VALUE_SYNTAX, VALUE_RANGE, VALUE_UNDERFLOW };

/* Parse text as a t and store it in bytes (t->width of them). */
enum value_err value_encode(const struct value_type *t, const char *text,
			    unsigned char *bytes);

/* The list of type names, for messages: "u8 i8 u16 ...". */
extern const char value_type_names[];

#endif
