/*
 * value: value_type_parse, value_encode, value_format (peek -f TYPE,
 * poke -t TYPE).
 *
 * The input up to its first NUL is tried as a type name, which must be
 * accepted exactly when it is one of the 30 names of SPEC.md.  Then the
 * first input byte picks one of those types and the rest is used twice:
 * as text to encode and as raw bytes to format.  Checks: value_encode
 * agrees (result and bytes) with a reference written from SPEC.md on top
 * of num_parse_u64 and strtof/strtod; format's text fits its 32 bytes and
 * is what it returns; any bytes format to text that encodes back to the
 * same bytes (a NaN only to a NaN), so format(encode(text)) re-encodes to
 * the same bytes for integers and floats alike.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "num.h"
#include "value.h"

static const char *const kinds[] = { "u8", "i8", "u16", "i16", "u32", "i32",
				     "u64", "i64", "f32", "f64" };
static const char *const ends[] = { "", "le", "be" };

static void check_type_name(const char *s)
{
	struct value_type t;
	int known = 0, rc = value_type_parse(s, &t);
	char name[16];

	for (size_t k = 0; k < 10; k++)
		for (size_t e = 0; e < 3; e++) {
			snprintf(name, sizeof name, "%s%s", kinds[k], ends[e]);
			known |= !strcmp(s, name);
		}
	if ((rc == 0) != known)
		fuzz_fail("value_type_parse(\"%s\") = %d", s, rc);
}

static int is_nan(const struct value_type *t, const unsigned char *b)
{
	unsigned char le[8];

	for (unsigned i = 0; i < t->width; i++)
		le[i] = b[t->big_endian ? t->width - 1 - i : i];
	if (t->width == 4) {
		float f;

		memcpy(&f, le, 4);
		return isnan(f);
	} else {
		double d;

		memcpy(&d, le, 8);
		return isnan(d);
	}
}

/* format into an exactly 32-byte heap buffer, so ASan sees an overrun. */
static char *format(const struct value_type *t, const unsigned char *b)
{
	char *buf = malloc(32);
	size_t n;

	if (!buf)
		abort();
	n = value_format(t, b, buf);
	FUZZ_CHECK(n < 32 && strlen(buf) == n && n > 0);
	return buf;
}

/* Format the bytes and encode the text again: the same bytes come back. */
static void check_bytes(const struct value_type *t, const unsigned char *b,
			const char *from)
{
	unsigned char b2[8];
	char *s = format(t, b);
	enum value_err e = value_encode(t, s, b2);

	if (t->kind == VALUE_FLOAT && is_nan(t, b)) {
		FUZZ_CHECK(e == VALUE_OK && is_nan(t, b2));
	} else if (e != VALUE_OK || memcmp(b, b2, t->width)) {
		fuzz_hexdump("bytes", b, t->width);
		fuzz_fail("%s: formatted as \"%s\", encodes back %s (%d)", from,
			  s, e ? "with an error" : "to other bytes", (int)e);
	}
	free(s);
}

static void ref_store(const struct value_type *t, uint64_t v, unsigned char *b)
{
	for (unsigned i = 0; i < t->width; i++)
		b[t->big_endian ? t->width - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/*
 * SPEC.md poke -t: integers in num's syntax (num_parse_u64, fuzzed on its
 * own), a '-' only for signed types, out of the type's range an error;
 * floats as strtof/strtod read them, overflow to infinity an error; the
 * value is the whole argument, so no leading white space.
 */
static enum value_err ref_encode(const struct value_type *t, const char *text,
				 unsigned char *b)
{
	unsigned bits = t->width * 8;

	if (!*text || isspace((unsigned char)text[0]))
		return VALUE_SYNTAX;
	if (t->kind == VALUE_FLOAT) {
		char *end;

		errno = 0;
		if (t->width == 4) {
			float f = strtof(text, &end);
			uint32_t u;

			if (*end)
				return VALUE_SYNTAX;
			if (errno == ERANGE && (isinf(f) || f == 0))
				return isinf(f) ? VALUE_RANGE : VALUE_UNDERFLOW;
			memcpy(&u, &f, 4);
			ref_store(t, u, b);
		} else {
			double d = strtod(text, &end);
			uint64_t u;

			if (*end)
				return VALUE_SYNTAX;
			if (errno == ERANGE && (isinf(d) || d == 0))
				return isinf(d) ? VALUE_RANGE : VALUE_UNDERFLOW;
			memcpy(&u, &d, 8);
			ref_store(t, u, b);
		}
		return VALUE_OK;
	} else {
		int neg = t->kind == VALUE_SIGNED && text[0] == '-';
		uint64_t mag, top = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
		enum num_err e = num_parse_u64(text + neg, &mag);

		if (e == NUM_OVERFLOW)
			return VALUE_RANGE;
		if (e)
			return VALUE_SYNTAX;
		if (t->kind == VALUE_SIGNED)
			top = neg ? 1ULL << (bits - 1) : (1ULL << (bits - 1)) - 1;
		if (mag > top)
			return VALUE_RANGE;
		ref_store(t, neg ? 0 - mag : mag, b);
		return VALUE_OK;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *text, name[16];
	unsigned char raw[8] = { 0 }, b[8], rb[8];
	struct value_type t;
	enum value_err e, re;

	check_type_name(s);
	if (!size) {
		free(s);
		return 0;
	}
	snprintf(name, sizeof name, "%s%s", kinds[data[0] % 10], ends[data[0] / 10 % 3]);
	FUZZ_CHECK(value_type_parse(name, &t) == 0);
	FUZZ_CHECK(t.width == 1 || t.width == 2 || t.width == 4 || t.width == 8);
	FUZZ_CHECK(t.kind != VALUE_FLOAT || t.width >= 4);

	/* Raw bytes: from the second input byte on, zero-padded. */
	memcpy(raw, data + 1, size - 1 < 8 ? size - 1 : 8);
	check_bytes(&t, raw, "raw bytes");

	/* Text: the C string from the second byte on. */
	text = fuzz_cstr(data + 1, size - 1);
	memset(b, 0xa5, sizeof b);
	memset(rb, 0xa5, sizeof rb);
	e = value_encode(&t, text, b);
	re = ref_encode(&t, text, rb);
	if (e != re || memcmp(b, rb, sizeof b)) {
		fuzz_hexdump("value_encode", b, t.width);
		fuzz_hexdump("reference", rb, t.width);
		fuzz_hexdump("text", text, strlen(text));
		fuzz_fail("value_encode(%s, \"%s\") = %d, reference %d", name,
			  text, (int)e, (int)re);
	}
	if (e == VALUE_OK)
		check_bytes(&t, b, text);
	free(text);
	free(s);
	return 0;
}
