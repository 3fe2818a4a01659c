/*
 * num: num_parse_u64, num_parse_offset, num_parse_range, num_resolve_range.
 *
 * The input (up to its first NUL) is parsed as a number, an offset and a
 * range.  Checks: num_parse_u64 agrees with a reference parser written
 * from SPEC.md "Numbers and ranges"; every value that parses re-prints (in
 * decimal, hex, octal and binary) and re-parses to the same value; offsets
 * and ranges re-print and re-parse to the same struct; num_resolve_range
 * agrees with the SPEC's rules and gives start <= end <= size, for sizes
 * taken from the bytes after the NUL and from around the parsed values.
 */
#include <inttypes.h>

#include "fuzz.h"
#include "num.h"

enum ref { REF_OK, REF_BAD, REF_OVERFLOW };

static int ref_digit(char c, unsigned base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (unsigned)v < base ? v : -1;
}

/*
 * SPEC.md: decimal, 0x hex, 0o octal, 0b binary (the prefix needs at least
 * one digit after it), then nothing or exactly one suffix.  Overflow is
 * only an answer when the text is otherwise well formed.
 */
static enum ref ref_parse_u64(const char *s, uint64_t *out)
{
	/* dd's and head's suffixes (GNU xstrtol), each power spelt out. */
	static const char *const pow_names[][3] = {
		{ "K", "KiB", "KB" }, { "M", "MiB", "MB" }, { "G", "GiB", "GB" },
		{ "T", "TiB", "TB" }, { "P", "PiB", "PB" }, { "E", "EiB", "EB" },
		{ "Z", "ZiB", "ZB" }, { "Y", "YiB", "YB" }, { "R", "RiB", "RB" },
		{ "Q", "QiB", "QB" },
	};
	unsigned base = 10;
	unsigned __int128 v = 0, lim = (unsigned __int128)UINT64_MAX;
	unsigned __int128 mult = 1;
	int big = 0, d, found = 0;
	size_t i, j;

	if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if ((s[0] == '0') && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if ((s[0] == '0') && (s[1] == 'b' || s[1] == 'B') && ref_digit(s[2], 2) >= 0)
		base = 2, s += 2;
	if (ref_digit(*s, base) < 0)
		return REF_BAD;
	for (; (d = ref_digit(*s, base)) >= 0; s++) {
		v = v * base + (unsigned)d;
		if (v > lim) {
			big = 1;
			v = lim + 1;	/* saturate; the syntax still matters */
		}
	}
	if (!strcmp(s, "c") || !strcmp(s, "w") || !strcmp(s, "b")) {
		mult = *s == 'c' ? 1 : *s == 'w' ? 2 : 512;
		found = 1;
	}
	for (i = 0; *s && !found && i < sizeof pow_names / sizeof pow_names[0]; i++)
		for (j = 0; j < 3 && !found; j++)
			if (!strcmp(s, pow_names[i][j]) ||
			    (i == 0 && s[0] == 'k' && !strcmp(s + 1, pow_names[0][j] + 1))) {
				found = 1;
				for (size_t k = 0; k <= i; k++)
					mult *= j == 2 ? 1000 : 1024;
			}
	if (*s && !found)
		return REF_BAD;
	if (v && mult > lim)
		return REF_OVERFLOW;
	if (big || v * mult > lim)
		return REF_OVERFLOW;
	*out = (uint64_t)(v * mult);
	return REF_OK;
}

static void check_u64(const char *s)
{
	uint64_t v = 0xdeadbeef, w, r = 0;
	enum num_err e = num_parse_u64(s, &v);
	enum ref ref = ref_parse_u64(s, &r);
	char buf[80];

	if (!*s) {
		FUZZ_CHECK(e == NUM_EMPTY);
		return;
	}
	if (s[0] == '-') {
		FUZZ_CHECK(e == NUM_NEGATIVE);
		return;
	}
	switch (ref) {
	case REF_OK:
		if (e != NUM_OK || v != r)
			fuzz_fail("num_parse_u64(\"%s\") = %d, %" PRIu64
				  "; reference: %" PRIu64, s, (int)e, v, r);
		break;
	case REF_OVERFLOW:
		if (e != NUM_OVERFLOW)
			fuzz_fail("num_parse_u64(\"%s\") = %d; reference: overflow",
				  s, (int)e);
		break;
	case REF_BAD:
		/* Overflow may be seen before the junk that follows it. */
		if (e != NUM_JUNK && e != NUM_OVERFLOW && e != NUM_SUFFIX &&
		    e != NUM_NO_DIGITS)
			fuzz_fail("num_parse_u64(\"%s\") = %d; reference: junk",
				  s, (int)e);
		break;
	}
	if (e != NUM_OK)
		return;

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OK && w == v);
	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OK && w == v);
	snprintf(buf, sizeof buf, "0X%" PRIX64, v);
	FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OK && w == v);
	snprintf(buf, sizeof buf, "0o%" PRIo64, v);
	FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OK && w == v);
	{
		char *p = buf;
		int top = 63;

		*p++ = '0', *p++ = 'b';
		while (top > 0 && !((v >> top) & 1))
			top--;
		for (; top >= 0; top--)
			*p++ = (char)('0' + ((v >> top) & 1));
		*p = '\0';
		FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OK && w == v);
	}
	/* A suffix multiplies exactly, or overflows. */
	if (v <= UINT64_MAX / 1024) {
		snprintf(buf, sizeof buf, "%" PRIu64 "KiB", v);
		FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OK && w == v * 1024);
	} else {
		snprintf(buf, sizeof buf, "%" PRIu64 "K", v);
		FUZZ_CHECK(num_parse_u64(buf, &w) == NUM_OVERFLOW);
	}
}

static int offset_eq(const struct num_offset *a, const struct num_offset *b)
{
	return a->mag == b->mag && !a->from_end == !b->from_end;
}

static void check_offset(const char *s)
{
	struct num_offset o, o2;
	enum num_err e = num_parse_offset(s, &o);
	uint64_t v;
	char buf[40];

	/* An offset is an optional '-' and then a number. */
	FUZZ_CHECK(e == num_parse_u64(s[0] == '-' ? s + 1 : s, &v));
	if (e)
		return;
	FUZZ_CHECK(o.mag == v && o.from_end == (s[0] == '-'));
	snprintf(buf, sizeof buf, "%s%" PRIu64, o.from_end ? "-" : "", o.mag);
	FUZZ_CHECK(num_parse_offset(buf, &o2) == NUM_OK && offset_eq(&o, &o2));
}

static void range_text(const struct num_range *r, char *buf, size_t len)
{
	int n = 0;

	if (r->start_given)
		n = snprintf(buf, len, "%s%" PRIu64, r->start.from_end ? "-" : "",
			     r->start.mag);
	n += snprintf(buf + n, len - (size_t)n, "%s", r->is_length ? "+" : ":");
	if (r->end_given)
		snprintf(buf + n, len - (size_t)n, "%s%" PRIu64,
			 r->end.from_end ? "-" : "", r->end.mag);
}

static int range_eq(const struct num_range *a, const struct num_range *b)
{
	return !a->start_given == !b->start_given &&
	       !a->end_given == !b->end_given &&
	       !a->is_length == !b->is_length &&
	       (!a->start_given || offset_eq(&a->start, &b->start)) &&
	       (!a->end_given || offset_eq(&a->end, &b->end));
}

/* SPEC.md's rules for a RANGE in a file of `size` bytes. */
static enum num_err ref_resolve(const struct num_range *r, uint64_t size,
				uint64_t *start, uint64_t *end)
{
	unsigned __int128 a = 0, b = size;

	if (r->start_given) {
		if (r->start.from_end && r->start.mag > size)
			return NUM_BEFORE_START;
		a = r->start.from_end ? size - r->start.mag : r->start.mag;
	}
	if (r->is_length) {
		b = a + r->end.mag;
	} else if (r->end_given) {
		if (r->end.from_end && r->end.mag > size)
			return NUM_BEFORE_START;
		b = r->end.from_end ? size - r->end.mag : r->end.mag;
	}
	if (b < a)
		return NUM_BACKWARDS;
	*start = (uint64_t)(a < size ? a : size);
	*end = (uint64_t)(b < size ? b : size);
	return NUM_OK;
}

static void check_resolve(const struct num_range *r, uint64_t size)
{
	uint64_t a = 1, b = 0, ra = 0, rb = 0;
	enum num_err e = num_resolve_range(r, size, &a, &b);
	enum num_err re = ref_resolve(r, size, &ra, &rb);

	if (e != re || (!e && (a != ra || b != rb)))
		fuzz_fail("num_resolve_range(size %" PRIu64 ") = %d [%" PRIu64
			  ", %" PRIu64 "); reference %d [%" PRIu64 ", %" PRIu64 ")",
			  size, (int)e, a, b, (int)re, ra, rb);
	if (!e)
		FUZZ_CHECK(a <= b && b <= size);
}

static void check_range(const char *s, const uint8_t *rest, size_t nrest)
{
	struct num_range r, r2;
	enum num_err e = num_parse_range(s, &r);
	const char *sep = strpbrk(s, ":+");
	char buf[128];
	uint64_t sizes[16];
	size_t n = 0;

	if (!*s) {
		FUZZ_CHECK(e == NUM_EMPTY);
		return;
	}
	if (!sep) {
		FUZZ_CHECK(e != NUM_OK);
		return;
	}
	{
		/* The first ':' or '+' splits; each side is an offset (a length after '+'). */
		size_t ns = (size_t)(sep - s);
		enum num_err re = NUM_OK;
		struct num_offset o;
		uint64_t v;

		if (ns >= sizeof buf) {
			/* num.c copies the start into 128 bytes: longer is junk. */
			FUZZ_CHECK(e != NUM_OK);
			return;
		}
		memcpy(buf, s, ns);
		buf[ns] = '\0';
		if (ns)
			re = num_parse_offset(buf, &o);
		if (!re && *sep == '+')
			re = num_parse_u64(sep + 1, &v);
		else if (!re && sep[1])
			re = num_parse_offset(sep + 1, &o);
		if (e != re)
			fuzz_fail("num_parse_range(\"%s\") = %d; its sides say %d",
				  s, (int)e, (int)re);
	}
	if (e)
		return;
	FUZZ_CHECK(!r.is_length || r.end_given);
	FUZZ_CHECK(r.is_length == (*sep == '+'));
	FUZZ_CHECK(r.start_given == (sep != s));
	range_text(&r, buf, sizeof buf);
	if (num_parse_range(buf, &r2) != NUM_OK || !range_eq(&r, &r2))
		fuzz_fail("range \"%s\" re-printed as \"%s\" parses differently",
			  s, buf);

	sizes[n++] = 0;
	sizes[n++] = 1;
	sizes[n++] = 4096;
	sizes[n++] = UINT64_MAX;
	sizes[n++] = r.start.mag;
	sizes[n++] = r.start.mag - 1;
	sizes[n++] = r.start.mag + 1;
	sizes[n++] = r.end.mag;
	sizes[n++] = r.end.mag - 1;
	sizes[n++] = r.end.mag + 1;
	if (nrest) {
		uint64_t v = 0;

		memcpy(&v, rest, nrest < 8 ? nrest : 8);
		sizes[n++] = v;
		sizes[n++] = v & 0xffff;
	}
	for (size_t i = 0; i < n; i++)
		check_resolve(&r, sizes[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	size_t len = strlen(s);
	const uint8_t *rest = len < size ? data + len + 1 : data + size;

	check_u64(s);
	check_offset(s);
	check_range(s, rest, (size_t)(data + size - rest));
	for (int e = NUM_OK; e <= NUM_BACKWARDS; e++)
		FUZZ_CHECK(num_strerror((enum num_err)e)[0] != '\0');
	free(s);
	return 0;
}
