#include <string.h>

#include "num.h"

/* Suffixes after the digits; longest first so "KiB" wins over "K". */
static const struct {
	const char *text;
	uint64_t mult;
} num_suffixes[] = {
	{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
	{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
	{ "kB", 1000ULL }, { "MB", 1000000ULL },
	{ "GB", 1000000000ULL }, { "TB", 1000000000000ULL },
	{ "K", 1ULL << 10 }, { "M", 1ULL << 20 },
	{ "G", 1ULL << 30 }, { "T", 1ULL << 40 },
};

const signed char num_hex_digit1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int num_digit(char c, unsigned base)
{
	int v = num_hexval(c);

	return v >= 0 && (unsigned)v < base ? v : -1;
}

enum num_err num_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;
	size_t i;
	int d;

	if (!s || !*s)
		return NUM_EMPTY;
	if (*s == '-')
		return NUM_NEGATIVE;
	/* Written by hand: strtoull takes leading blanks, signs and "0x" alone. */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B') &&
		 num_digit(p[2], 2) >= 0)
		base = 2, p += 2;
	if (num_digit(*p, base) < 0)
		return NUM_JUNK;
	for (; (d = num_digit(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return NUM_OVERFLOW;
		v = v * base + (uint64_t)d;
	}
	if (*p) {
		for (i = 0; i < sizeof num_suffixes / sizeof num_suffixes[0]; i++)
			if (!strcmp(p, num_suffixes[i].text))
				break;
		if (i == sizeof num_suffixes / sizeof num_suffixes[0])
			return NUM_JUNK;
		if (v && num_suffixes[i].mult > UINT64_MAX / v)
			return NUM_OVERFLOW;
		v *= num_suffixes[i].mult;
	}
	*out = v;
	return NUM_OK;
}

enum num_err num_parse_offset(const char *s, struct num_offset *out)
{
	out->from_end = s && s[0] == '-';
	return num_parse_u64(out->from_end ? s + 1 : s, &out->mag);
}

enum num_err num_parse_range(const char *s, struct num_range *out)
{
	char buf[128];
	const char *sep;
	size_t n;
	enum num_err e;

	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return NUM_EMPTY;
	/* '+' never starts a number, so the first '+' or ':' is the separator. */
	sep = strpbrk(s, ":+");
	if (!sep)
		return NUM_JUNK;
	n = (size_t)(sep - s);
	if (n >= sizeof buf)
		return NUM_JUNK;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n) {
		e = num_parse_offset(buf, &out->start);
		if (e)
			return e;
		out->start_given = 1;
	}
	if (*sep == '+') {
		out->is_length = 1;
		out->end_given = 1;
		return num_parse_u64(sep + 1, &out->end.mag);
	}
	if (sep[1]) {
		e = num_parse_offset(sep + 1, &out->end);
		if (e)
			return e;
		out->end_given = 1;
	}
	return NUM_OK;
}

enum num_err num_resolve_offset(const struct num_offset *o, uint64_t size,
				uint64_t *out)
{
	if (!o->from_end) {
		*out = o->mag;
		return NUM_OK;
	}
	if (o->mag > size)
		return NUM_BEFORE_START;
	*out = size - o->mag;
	return NUM_OK;
}

enum num_err num_resolve_range(const struct num_range *r, uint64_t size,
			       uint64_t *start, uint64_t *end)
{
	uint64_t a = 0, b = size;
	enum num_err e;

	if (r->start_given && (e = num_resolve_offset(&r->start, size, &a)))
		return e;
	if (r->is_length)
		b = r->end.mag > UINT64_MAX - a ? UINT64_MAX : a + r->end.mag;
	else if (r->end_given && (e = num_resolve_offset(&r->end, size, &b)))
		return e;
	if (b < a)
		return NUM_BACKWARDS;
	if (a > size)
		a = size;
	if (b > size)
		b = size;
	*start = a;
	*end = b;
	return NUM_OK;
}

const char *num_strerror(enum num_err e)
{
	switch (e) {
	case NUM_OK:
		return "no error";
	case NUM_EMPTY:
		return "empty number";
	case NUM_JUNK:
		return "not a number";
	case NUM_OVERFLOW:
		return "number does not fit in 64 bits";
	case NUM_NEGATIVE:
		return "number may not be negative";
	case NUM_BEFORE_START:
		return "offset reaches before the start of the file";
	case NUM_PAST_END:
		return "offset is past the end of the file";
	case NUM_BACKWARDS:
		return "range ends before it starts";
	}
	return "bad number";
}
