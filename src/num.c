#include <stdio.h>
#include <string.h>

#include "num.h"

/*
 * The size letters of dd(1) and head(1) (GNU xstrtol): k and K are 1024; K to
 * Q alone or with "iB" are powers of 1024, with "B" powers of 1000.  Z, Y, R
 * and Q are accepted as dd accepts them, so that they overflow 64 bits
 * (an error) rather than read as an unknown suffix.
 */
static const char num_power_letters[] = "KMGTPEZYRQ";

/*
 * Multiply *v by the suffix at p (the whole rest of the number); returns
 * NUM_SUFFIX for text that is no suffix, NUM_OVERFLOW past 2^64 - 1.
 */
static enum num_err num_scale(const char *p, uint64_t *v)
{
	const char *letter = *p == 'k' ? num_power_letters : NULL;
	uint64_t mult = 1, base = 1024;
	unsigned power;

	if (!strcmp(p, "c") || !strcmp(p, "w") || !strcmp(p, "b")) {
		mult = *p == 'c' ? 1 : *p == 'w' ? 2 : 512;
	} else {
		if (!letter && *p)
			letter = strchr(num_power_letters, *p);
		if (!letter)
			return NUM_SUFFIX;
		if (!strcmp(p + 1, "B"))
			base = 1000;
		else if (p[1] && strcmp(p + 1, "iB"))
			return NUM_SUFFIX;
		/* 0 times any suffix is 0; else stop before mult overflows. */
		power = (unsigned)(letter - num_power_letters) + 1;
		for (; power && *v; power--) {
			if (mult > UINT64_MAX / base)
				return NUM_OVERFLOW;
			mult *= base;
		}
	}
	if (*v && mult > UINT64_MAX / *v)
		return NUM_OVERFLOW;
	*v *= mult;
	return NUM_OK;
}

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

/*
 * The prefix and digits of an unsigned number: the value in *v, and in *end
 * where the suffix (if any) starts.
 */
static enum num_err num_digits(const char *s, uint64_t *v, const char **end)
{
	unsigned base = 10;
	const char *p = s;
	int d;

	*v = 0;
	if (!s || !*s)
		return NUM_EMPTY;
	if (*s == '-')
		return NUM_NEGATIVE;
	/*
	 * Written by hand: strtoull takes leading blanks, signs and "0x" alone.
	 * "0b" not followed by a binary digit is 0 with dd's suffix b.
	 */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B') &&
		 num_digit(p[2], 2) >= 0)
		base = 2, p += 2;
	if (num_digit(*p, base) < 0)
		return p > s ? NUM_NO_DIGITS : NUM_JUNK;
	/* Greedy, so in a 0x number b, c and E are digits, never suffixes. */
	for (; (d = num_digit(*p, base)) >= 0; p++) {
		if (*v > (UINT64_MAX - (uint64_t)d) / base)
			return NUM_OVERFLOW;
		*v = *v * base + (uint64_t)d;
	}
	*end = p;
	return NUM_OK;
}

enum num_err num_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	enum num_err e = num_digits(s, &v, &end);

	if (!e && *end)
		e = num_scale(end, &v);
	if (!e)
		*out = v;
	return e;
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

enum num_err num_resolve_range_in(const struct num_range *r, uint64_t size,
				  uint64_t *start, uint64_t *end)
{
	uint64_t a;

	if (r->start_given && !num_resolve_offset(&r->start, size, &a) && a > size)
		return NUM_PAST_END;
	return num_resolve_range(r, size, start, end);
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
	case NUM_SUFFIX:
		return "unknown suffix";
	case NUM_NO_DIGITS:
		return "no digits after its 0x or 0o";
	case NUM_NEGATIVE:
		return "number may not be negative";
	case NUM_BEFORE_START:
		return "offset reaches before the start of the file";
	case NUM_PAST_END:
		return "starts past the end of the file";
	case NUM_BACKWARDS:
		return "range ends before it starts";
	}
	return "bad number";
}

const char *num_explain(const char *s, enum num_err e, char *buf, size_t n)
{
	char part[128];
	const char *p = s, *num, *end;
	uint64_t v;
	size_t len;

	/* Each number of an offset or a range, in order, as the parsers went. */
	while ((e == NUM_SUFFIX || e == NUM_NO_DIGITS) && p) {
		len = strcspn(p, ":+");
		if (len < sizeof part) {
			memcpy(part, p, len);
			part[len] = '\0';
			num = part + (part[0] == '-');
			if (e == NUM_NO_DIGITS && num_digits(num, &v, &end) == e) {
				snprintf(buf, n, "no digits after '%.2s'", num);
				return buf;
			}
			if (e == NUM_SUFFIX && !num_digits(num, &v, &end) && *end &&
			    num_scale(end, &v) == NUM_SUFFIX) {
				snprintf(buf, n, "unknown suffix '%s'", end);
				return buf;
			}
		}
		p = p[len] ? p + len + 1 : NULL;
	}
	snprintf(buf, n, "%s", num_strerror(e));
	return buf;
}
