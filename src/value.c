#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "value.h"

const char value_type_names[] =
	"u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 (each with optional le or be)";

int value_type_parse(const char *name, struct value_type *t)
{
	const char *p = name;
	char *end;
	unsigned long w;

	switch (*p++) {
	case 'u':
		t->kind = VALUE_UNSIGNED;
		break;
	case 'i':
		t->kind = VALUE_SIGNED;
		break;
	case 'f':
		t->kind = VALUE_FLOAT;
		break;
	default:
		return -1;
	}
	if (*p < '1' || *p > '9')
		return -1;
	w = strtoul(p, &end, 10);
	if (w != 8 && w != 16 && w != 32 && w != 64)
		return -1;
	if (t->kind == VALUE_FLOAT && w != 32 && w != 64)
		return -1;
	t->width = (unsigned)w / 8;
	if (!strcmp(end, "") || !strcmp(end, "le"))
		t->big_endian = 0;
	else if (!strcmp(end, "be"))
		t->big_endian = 1;
	else
		return -1;
	return 0;
}

static uint64_t value_load(const struct value_type *t, const unsigned char *b)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < t->width; i++) {
		unsigned k = t->big_endian ? i : t->width - 1 - i;

		v = v << 8 | b[k];
	}
	return v;
}

static void value_store(const struct value_type *t, uint64_t v,
			unsigned char *b)
{
	for (unsigned i = 0; i < t->width; i++) {
		unsigned k = t->big_endian ? t->width - 1 - i : i;

		b[k] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static size_t value_format_float(double d, int is32, char *buf)
{
	if (isnan(d))
		return (size_t)sprintf(buf, signbit(d) ? "-nan" : "nan");
	if (isinf(d))
		return (size_t)sprintf(buf, d < 0 ? "-inf" : "inf");
	/* The shortest %g precision that reads back to the same value. */
	for (int prec = 1; prec <= 17; prec++) {
		int n = sprintf(buf, "%.*g", prec, d);

		if (is32 ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
			return (size_t)n;
	}
	return (size_t)sprintf(buf, "%.17g", d);
}

size_t value_format(const struct value_type *t, const unsigned char *bytes,
		    char *buf)
{
	uint64_t v = value_load(t, bytes);
	unsigned bits = t->width * 8;

	if (t->kind == VALUE_UNSIGNED)
		return (size_t)sprintf(buf, "%" PRIu64, v);
	if (t->kind == VALUE_SIGNED) {
		/* Sign-extend from the type's width. */
		if (bits < 64 && (v >> (bits - 1)) & 1)
			v |= ~(uint64_t)0 << bits;
		return (size_t)sprintf(buf, "%" PRId64, (int64_t)v);
	}
	if (t->width == 4) {
		float f;
		uint32_t u = (uint32_t)v;

		memcpy(&f, &u, 4);
		return value_format_float(f, 1, buf);
	} else {
		double d;

		memcpy(&d, &v, 8);
		return value_format_float(d, 0, buf);
	}
}

enum value_err value_encode(const struct value_type *t, const char *text,
			    unsigned char *bytes)
{
	unsigned bits = t->width * 8;
	char *end;
	uint64_t v;

	/* strtod would skip leading blanks; a value is the whole argument. */
	if (!*text || isspace((unsigned char)text[0]))
		return VALUE_SYNTAX;
	errno = 0;
	if (t->kind == VALUE_FLOAT) {
		if (t->width == 4) {
			float f = strtof(text, &end);
			uint32_t u;

			if (*end)
				return VALUE_SYNTAX;
			/* glibc's ERANGE: past the largest (inf), or so small it
			 * rounded to 0 (a subnormal result still has bits). */
			if (errno == ERANGE && (isinf(f) || f == 0))
				return isinf(f) ? VALUE_RANGE : VALUE_UNDERFLOW;
			memcpy(&u, &f, 4);
			v = u;
		} else {
			double d = strtod(text, &end);

			if (*end)
				return VALUE_SYNTAX;
			if (errno == ERANGE && (isinf(d) || d == 0))
				return isinf(d) ? VALUE_RANGE : VALUE_UNDERFLOW;
			memcpy(&v, &d, 8);
		}
	} else {
		/* Integers take num's syntax: 0x, 0o, 0b, suffixes; decimal "010". */
		int neg = t->kind == VALUE_SIGNED && text[0] == '-';
		enum num_err e = num_parse_u64(text + neg, &v);

		if (e == NUM_OVERFLOW)
			return VALUE_RANGE;
		if (e)
			return VALUE_SYNTAX;
		if (t->kind == VALUE_UNSIGNED) {
			if (bits < 64 && v >> bits)
				return VALUE_RANGE;
		} else if (neg) {
			if (v > (uint64_t)1 << (bits - 1))
				return VALUE_RANGE;
			v = (uint64_t)0 - v;
		} else if (v >= (uint64_t)1 << (bits - 1)) {
			return VALUE_RANGE;
		}
	}
	value_store(t, v, bytes);
	return VALUE_OK;
}
