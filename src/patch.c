#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "map.h"
#include "num.h"
#include "patch.h"

#define PATCH_ERR 128

static int patch_add_line(struct patch *p, uint64_t off, size_t at, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct edit *grown = realloc(p->lines, cap * sizeof *grown);

		if (!grown)
			return -1;
		p->lines = grown;
		p->cap = cap;
	}
	/* data may still move: remember the index, make it a pointer at the end. */
	p->lines[p->n++] = (struct edit){ off, (const unsigned char *)(uintptr_t)at, len, 1 };
	return 0;
}

/*
 * The bytes decoded since `at` go to `off`.  A line that goes on where the
 * one before it ended (a dump, line by line) extends that edit: a
 * 100,000-line patch becomes one edit.
 */
static int patch_add_bytes(struct patch *p, uint64_t off, size_t at)
{
	if (p->n) {
		struct edit *last = &p->lines[p->n - 1];

		if ((uintptr_t)last->data + last->len == at &&
		    last->off + last->len == off) {
			last->len += p->data.len - at;
			return 0;
		}
	}
	return patch_add_line(p, off, at, p->data.len - at);
}

/*
 * Dumps that are not patches, recognised where their shape allows: the
 * bits of `peek -f bits` / `xxd -b` read as hex digits, the reversed groups
 * of `-e`, and the decimal offsets of `-d` would all be written somewhere
 * else or byte-swapped.  A dump whose text column is all dots, or a -d dump
 * of one line, cannot be told apart: the man page says so.
 */
static char patch_printable(unsigned char c)
{
	return c > 31 && c < 127 ? (char)c : '.';
}

/* The text column after the bytes (rest: from where they stopped). */
static void patch_text(const char *rest, const char *end, const char **t,
		       size_t *tlen)
{
	while (rest < end && *rest == ' ')
		rest++;
	while (end > rest && end[-1] == '\r')
		end--;
	*t = rest;
	*tlen = (size_t)(end - rest);
}

/* A bits line: only 0 and 1 digits, and a text of a quarter of the bytes. */
static int patch_is_bits(const unsigned char *b, size_t n, size_t tlen)
{
	if (!tlen || n % 4 || tlen > n / 4)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b[i] & 0xee)
			return 0;
	return 1;
}

/*
 * A -e line: its text matches the bytes with each group of g reversed and
 * not in the order given; or the last, partial line of a -e dump, whose
 * group sits after a gap of spaces (t is the text as patch_text found it).
 */
static int patch_is_swapped(const unsigned char *b, size_t n, size_t g,
			    const char *t, size_t tlen, const char *eol)
{
	int in_order = 1, reversed = 1;
	size_t k = 0;

	while (k < tlen && num_hexval(t[k]) >= 0)
		k++;
	if (k >= 2 && k + 2 <= tlen && t[k] == ' ' && t[k + 1] == ' ' &&
	    tlen > n)
		return 1;
	if (g < 2 || (g & (g - 1)) || n % g || tlen < n)
		return 0;
	t = eol - n;
	for (size_t i = 0; i < n; i++) {
		in_order &= t[i] == patch_printable(b[i]);
		reversed &= t[i] == patch_printable(b[i ^ (g - 1)]);
	}
	return reversed && !in_order;
}

/* x's hex digits read as decimal; UINT64_MAX when one is above 9. */
static uint64_t patch_hex_as_decimal(uint64_t x)
{
	uint64_t v = 0, scale = 1;

	for (; x; x >>= 4, scale *= 10) {
		if ((x & 15) > 9)
			return UINT64_MAX;
		v += (x & 15) * scale;
	}
	return v;
}

/*
 * Offsets in decimal (-d): a line that starts, read in decimal, exactly
 * where the edit before it ends in decimal, but not in hex.  One such line
 * is no proof: a patch that writes 10 bytes at 0x100 and then some at
 * 0x110 is fine.  So the patch is refused only when every line that does
 * not follow on in hex follows on in decimal (patch_finish): a -d dump,
 * whose lines all do.  Edits of fewer than 4 bytes are left alone (a
 * hand-written patch may write at 9 and then at 0x10).
 */
static void patch_note_decimal(struct patch *p, uint64_t off)
{
	const struct edit *last = p->n ? &p->lines[p->n - 1] : NULL;
	uint64_t d, dlast;

	if (!last || last->off + last->len == off)
		return;
	d = patch_hex_as_decimal(off);
	dlast = patch_hex_as_decimal(last->off);
	if (last->len >= 4 && d != UINT64_MAX && dlast != UINT64_MAX &&
	    d == dlast + last->len) {
		if (!p->decimal_line)
			p->decimal_line = p->nlines;
	} else {
		p->not_decimal = 1;
	}
}

/* The checks above, on the line just decoded (bytes from `at`, the hex
 * text from `bytes` to `stop`); PATCH_EBAD with err set when it is not a
 * patch. */
static int patch_not_a_patch(struct patch *p, uint64_t off, size_t at,
			     const char *bytes, const char *stop,
			     const char *end, char *err)
{
	const unsigned char *b = p->data.p + at;
	size_t n = p->data.len - at, tlen, group = 0;
	const char *text;

	while (bytes + group < stop && bytes[group] != ' ')
		group++;
	patch_text(stop, end, &text, &tlen);
	if (patch_is_bits(b, n, tlen)) {
		snprintf(err, PATCH_ERR, "binary digits (peek -f bits, xxd -b): this "
			 "dump is not a patch; make it in the xxd format");
		return PATCH_EBAD;
	}
	if (patch_is_swapped(b, n, group / 2, text, tlen, text + tlen)) {
		snprintf(err, PATCH_ERR, "little-endian groups (peek -e, xxd -e): "
			 "this dump is not a patch; make it without -e");
		return PATCH_EBAD;
	}
	patch_note_decimal(p, off);
	return 0;
}

/* One line, without its newline; 0, -ENOMEM, or PATCH_EBAD with err set. */
static int patch_line(struct patch *p, const char *s, const char *end, char *err)
{
	uint64_t off = 0;
	size_t at = p->data.len, digits = 0;
	const char *bytes;
	int d;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return 0;		/* a blank line */
	if (*s == '*') {
		snprintf(err, PATCH_ERR,
			 "a squeezed '*' line cannot be applied: make the patch without -a");
		return PATCH_EBAD;
	}
	for (; s < end && (d = num_hexval(*s)) >= 0; s++, digits++) {
		if (off >> 60) {
			snprintf(err, PATCH_ERR, "offset does not fit in 64 bits");
			return PATCH_EBAD;
		}
		off = off << 4 | (uint64_t)d;
	}
	if (!digits || s == end || *s != ':') {
		snprintf(err, PATCH_ERR, "expected 'HEXOFFSET: HEXBYTES'");
		return PATCH_EBAD;
	}
	s++;
	if (s < end && *s == ' ')
		s++;
	/* A line holds at most half its length in bytes: make room once. */
	if (bytes_add(&p->data, NULL, (size_t)(end - s) / 2 + 1)) {
		return -ENOMEM;
	}
	p->data.len = at;
	bytes = s;
	for (;;) {
		int hi, lo;
		unsigned char c;

		/* One space separates groups; two start the text column. */
		if (s == end || *s == '\r' || (s[0] == ' ' && (s + 1 == end || s[1] == ' ' || s[1] == '\r')))
			break;
		if (*s == ' ')
			s++;
		hi = num_hexval(*s);
		lo = s + 1 < end ? num_hexval(s[1]) : -1;
		if (hi < 0 || lo < 0) {
			unsigned char bad = (unsigned char)*s;

			if (hi >= 0)
				snprintf(err, PATCH_ERR, "odd number of hex digits");
			else if (bad > 32 && bad < 127)
				snprintf(err, PATCH_ERR, "'%c' is not a hex digit", bad);
			else
				snprintf(err, PATCH_ERR, "byte 0x%02x is not a hex digit", bad);
			return PATCH_EBAD;
		}
		c = (unsigned char)(hi << 4 | lo);
		p->data.p[p->data.len++] = c;
		s += 2;
	}
	if (p->data.len == at) {
		snprintf(err, PATCH_ERR, "no bytes after the offset");
		return PATCH_EBAD;
	}
	if (p->data.len - at > UINT64_MAX - off) {
		snprintf(err, PATCH_ERR, "bytes run past the largest offset");
		return PATCH_EBAD;
	}
	if (patch_not_a_patch(p, off, at, bytes, s, end, err))
		return PATCH_EBAD;
	if (patch_add_bytes(p, off, at)) {
		return -ENOMEM;
	}
	return 0;
}

/*
 * The fast path: most patches are dumps, whose every line is xxd's
 * standard one, 68 bytes with the newline:
 *
 *   00000010: 4865 6c6c 6f2c 2077 6f72 6c64 210a 0000  Hello, world!...
 *
 * Such a line is checked and decoded with four 16-byte loads instead of
 * byte by byte; any other line (or a CPU without SSSE3) takes
 * patch_line(), which gives the same result, so this is only about speed:
 * the scalar parser was half the time of a 100,000-line patch.
 */
#define PATCH_XXD16_LINE 68

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>


#define PATCH_X 0x80		/* pshufb: a zero lane */

/*
 * The bytes at s with the separators `seps` (a value per lane, 0 for "not
 * checked here") and the hex digits at the lanes named by `gather`, in
 * order, decoded in pairs into out (8 bytes stored).  Returns a lane mask
 * that is 0xffff when everything was as expected.
 */
__attribute__((target("ssse3")))
static inline int patch_xxd_chunk(const char *s, __m128i gather, int ndigits,
				  __m128i seps, unsigned char *out)
{
	__m128i raw = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i sepmask = _mm_cmpeq_epi8(seps, _mm_setzero_si128());
	__m128i sep_ok = _mm_or_si128(sepmask, _mm_cmpeq_epi8(raw, seps));
	__m128i c = _mm_shuffle_epi8(raw, gather);
	__m128i d = _mm_sub_epi8(c, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(c, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
	__m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i is_letter = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
	__m128i val = _mm_or_si128(_mm_and_si128(is_digit, d),
				   _mm_and_si128(is_letter, _mm_add_epi8(l, _mm_set1_epi8(10))));
	/* High nibble times 16 plus low nibble, then 16-bit lanes to bytes. */
	__m128i pairs = _mm_maddubs_epi16(val, _mm_set1_epi16(0x0110));
	int want = (1 << ndigits) - 1;
	int hex_ok = _mm_movemask_epi8(_mm_or_si128(is_digit, is_letter)) & want;

	_mm_storel_epi64((__m128i *)(void *)out, _mm_packus_epi16(pairs, pairs));
	return _mm_movemask_epi8(sep_ok) & ((hex_ok == want) ? 0xffff : 0);
}

/* One standard line at s (PATCH_XXD16_LINE bytes readable): 1 and its
 * offset and 16 bytes, or 0 if it is not exactly that shape. */
__attribute__((target("ssse3")))
static int patch_xxd16(const char *s, uint64_t *off, unsigned char *bytes)
{
	const __m128i head = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13,
					   PATCH_X, PATCH_X, PATCH_X, PATCH_X);
	const __m128i head_seps = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, ':', ' ',
						0, 0, 0, 0, ' ', 0);
	const __m128i groups = _mm_setr_epi8(0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13,
					     PATCH_X, PATCH_X, PATCH_X, PATCH_X);
	const __m128i group_seps = _mm_setr_epi8(0, 0, 0, 0, ' ', 0, 0, 0, 0, ' ',
						 0, 0, 0, 0, ' ', 0);
	const __m128i last = _mm_setr_epi8(10, 11, 12, 13, PATCH_X, PATCH_X, PATCH_X,
					   PATCH_X, PATCH_X, PATCH_X, PATCH_X, PATCH_X,
					   PATCH_X, PATCH_X, PATCH_X, PATCH_X);
	const __m128i last_seps = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						0, 0, 0, 0, ' ', ' ');
	unsigned char out[32];
	__m128i text = _mm_loadu_si128((const __m128i *)(const void *)(s + 51));
	int ok;

	/* The text column is ignored, but must not hide the end of the line. */
	if (s[PATCH_XXD16_LINE - 1] != '\n' ||
	    _mm_movemask_epi8(_mm_cmpeq_epi8(text, _mm_set1_epi8('\n'))))
		return 0;
	ok = patch_xxd_chunk(s, head, 12, head_seps, out);
	ok &= patch_xxd_chunk(s + 15, groups, 12, group_seps, out + 6);
	ok &= patch_xxd_chunk(s + 30, groups, 12, group_seps, out + 12);
	ok &= patch_xxd_chunk(s + 35, last, 4, last_seps, out + 18);
	if (ok != 0xffff)
		return 0;
	*off = (uint64_t)out[0] << 24 | (uint64_t)out[1] << 16 |
	       (uint64_t)out[2] << 8 | out[3];
	memcpy(bytes, out + 4, 16);
	return 1;
}

/*
 * Whether the text column of a standard line at s is the 16 bytes b as xxd
 * prints them, in order.  Then the line is neither bits nor -e groups
 * (patch_not_a_patch would find the same, byte by byte), and only the
 * decimal offset check is left.
 */
static int patch_xxd16_text_ok(const char *s, const unsigned char *b)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i t = _mm_loadu_si128((const __m128i *)(const void *)(s + 51));
	__m128i shown = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(31)),
				      _mm_cmpgt_epi8(_mm_set1_epi8(127), v));
	__m128i pr = _mm_or_si128(_mm_and_si128(shown, v),
				  _mm_andnot_si128(shown, _mm_set1_epi8('.')));

	return _mm_movemask_epi8(_mm_cmpeq_epi8(pr, t)) == 0xffff;
}
#else
static int patch_xxd16(const char *s, uint64_t *off, unsigned char *bytes)
{
	(void)s, (void)off, (void)bytes;
	return 0;
}

static int patch_xxd16_text_ok(const char *s, const unsigned char *b)
{
	(void)s, (void)b;
	return 0;
}
#endif

int patch_init(struct patch *p, size_t text_size)
{
	memset(p, 0, sizeof *p);
	/* The bytes are at most half the text: one allocation, no regrowth. */
	p->data.cap = text_size / 2 + 1;
	p->data.p = map_alloc_huge(p->data.cap);
	return p->data.p ? 0 : -ENOMEM;
}

/* Room for n more bytes, keeping the buffer huge-page backed. */
static int patch_room(struct patch *p, size_t n)
{
	size_t cap = p->data.cap;
	unsigned char *grown;

	if (cap - p->data.len >= n)
		return 0;
	while (cap - p->data.len < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	grown = map_alloc_huge(cap);
	if (!grown)
		return -1;
	memcpy(grown, p->data.p, p->data.len);
	free(p->data.p);
	p->data.p = grown;
	p->data.cap = cap;
	return 0;
}

int patch_feed(struct patch *p, const char *text, size_t len,
	       size_t *bad_line, char *err)
{
	const char *s = text, *end = text + len;
	int fast = cpu_has_ssse3(), rc;

	if (patch_room(p, len / 2 + 1))
		return -ENOMEM;
	while (s < end) {
		const char *eol;
		uint64_t off;

		p->nlines++;
		if (fast && (size_t)(end - s) >= PATCH_XXD16_LINE &&
		    patch_xxd16(s, &off, p->data.p + p->data.len)) {
			size_t at = p->data.len;

			p->data.len += 16;
			if (patch_xxd16_text_ok(s, p->data.p + at))
				patch_note_decimal(p, off);
			else if (patch_not_a_patch(p, off, at, s + 10, s + 49,
						   s + PATCH_XXD16_LINE - 1, err)) {
				*bad_line = p->nlines;
				return PATCH_EBAD;
			}
			if (patch_add_bytes(p, off, at))
				return -ENOMEM;
			s += PATCH_XXD16_LINE;
			continue;
		}
		eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		if ((rc = patch_line(p, s, eol, err))) {
			*bad_line = p->nlines;
			return rc;
		}
		s = eol < end ? eol + 1 : end;
	}
	return 0;
}

int patch_finish(struct patch *p, size_t *bad_line, char *err)
{
	if (p->decimal_line && !p->not_decimal) {
		snprintf(err, PATCH_ERR, "decimal offsets (peek -d, xxd -d): this dump is "
			 "not a patch; make it without -d");
		*bad_line = p->decimal_line;
		return PATCH_EBAD;
	}
	for (size_t i = 0; i < p->n; i++)
		p->lines[i].data = p->data.p + (uintptr_t)p->lines[i].data;
	return 0;
}

int patch_parse(const char *text, size_t len, struct patch *p,
		size_t *bad_line, char *err)
{
	int rc;

	if ((rc = patch_init(p, len)) || (rc = patch_feed(p, text, len, bad_line, err)))
		return rc;
	return patch_finish(p, bad_line, err);
}

void patch_free(struct patch *p)
{
	free(p->lines);
	bytes_free(&p->data);
	memset(p, 0, sizeof *p);
}
