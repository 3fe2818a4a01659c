#include <stdlib.h>

#include "dump.h"

static char dump_pairs[2][256][2];	/* [upper][byte] -> two hex digits */

static void dump_init_tables(void)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	static int done;

	if (done)
		return;
	for (int b = 0; b < 256; b++) {
		dump_pairs[0][b][0] = lo[b >> 4];
		dump_pairs[0][b][1] = lo[b & 15];
		dump_pairs[1][b][0] = up[b >> 4];
		dump_pairs[1][b][1] = up[b & 15];
	}
	done = 1;
}

static inline char dump_printable(unsigned char c)
{
	return c > 31 && c < 127 ? (char)c : '.';
}

/* "%08lx" as xxd and hexdump print addresses: at least 8 digits. */
static size_t dump_addr(char *l, uint64_t a)
{
	size_t n = 8;

	while (n < 16 && (a >> (4 * n)))
		n++;
	for (size_t i = n; i-- > 0; a >>= 4)
		l[i] = "0123456789abcdef"[a & 15];
	return n;
}

/*
 * Vector formatting (SSSE3, chosen at run time; x86-64 only guarantees
 * SSE2).  pshufb maps nibbles to hex digits sixteen at a time and places
 * the group spaces; the scalar code below stays as the fallback and as the
 * reference the tests compare both against (xxd itself).
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define DUMP_HAVE_VECTOR 1

static int dump_vector_ok(void)
{
	static int ok = -1;

	if (ok < 0) {
		__builtin_cpu_init();
		ok = __builtin_cpu_supports("ssse3") != 0;
	}
	return ok;
}

/* Hex digits of 16 bytes: *lo gets bytes 0-7 (16 chars), *hi bytes 8-15. */
__attribute__((target("ssse3")))
static inline void dump_vec_hex(const unsigned char *p, int upper,
				__m128i *lo, __m128i *hi)
{
	const __m128i lut = upper
		? _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F')
		: _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f');
	const __m128i m = _mm_set1_epi8(0x0f);
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	__m128i hn = _mm_shuffle_epi8(lut, _mm_and_si128(_mm_srli_epi16(v, 4), m));
	__m128i ln = _mm_shuffle_epi8(lut, _mm_and_si128(v, m));

	*lo = _mm_unpacklo_epi8(hn, ln);
	*hi = _mm_unpackhi_epi8(hn, ln);
}

/* 16 bytes as text: printable ASCII as is, the rest '.'. */
__attribute__((target("ssse3")))
static inline __m128i dump_vec_text(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	/* Signed compare: 0x20..0x7f are the positive bytes above 0x1f. */
	__m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
				      _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)));

	return _mm_or_si128(_mm_and_si128(ok, v),
			    _mm_andnot_si128(ok, _mm_set1_epi8('.')));
}

/* n >= 16 bytes as 2n hex digits; the last block overlaps the one before. */
__attribute__((target("ssse3")))
static void dump_vec_hexrun(char *dst, const unsigned char *p, size_t n, int upper)
{
	__m128i lo, hi;
	size_t i = 0;

	for (;;) {
		dump_vec_hex(p + i, upper, &lo, &hi);
		_mm_storeu_si128((__m128i *)(dst + 2 * i), lo);
		_mm_storeu_si128((__m128i *)(dst + 2 * i + 16), hi);
		if (i + 16 == n)
			return;
		i = i + 32 <= n ? i + 16 : n - 16;
	}
}

/*
 * The default xxd line: "AAAAAAAA: xxxx xxxx ... xxxx  text\n", 68 bytes.
 * Stores run up to 16 bytes past the line; the caller reserved room.
 */
__attribute__((target("ssse3")))
static size_t dump_vec_xxd16(char *l, const unsigned char *p, uint32_t addr,
			     int upper)
{
	/* Four groups of four digits, each followed by a space (0x80: zero). */
	const __m128i g1 = _mm_setr_epi8(0, 1, 2, 3, -128, 4, 5, 6, 7, -128, 8, 9, 10, 11, -128, 12);
	const __m128i s1 = _mm_setr_epi8(0, 0, 0, 0, ' ', 0, 0, 0, 0, ' ', 0, 0, 0, 0, ' ', 0);
	const __m128i g2 = _mm_setr_epi8(13, 14, 15, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128);
	const __m128i s2 = _mm_setr_epi8(0, 0, 0, ' ', ' ', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	__m128i lo, hi;
	char *h = l + 10;

	for (int i = 0; i < 4; i++)
		memcpy(l + 2 * i, dump_pairs[0][(addr >> (24 - 8 * i)) & 0xff], 2);
	l[8] = ':';
	l[9] = ' ';
	dump_vec_hex(p, upper, &lo, &hi);
	_mm_storeu_si128((__m128i *)h, _mm_or_si128(_mm_shuffle_epi8(lo, g1), s1));
	_mm_storeu_si128((__m128i *)(h + 16), _mm_or_si128(_mm_shuffle_epi8(lo, g2), s2));
	_mm_storeu_si128((__m128i *)(h + 20), _mm_or_si128(_mm_shuffle_epi8(hi, g1), s1));
	_mm_storeu_si128((__m128i *)(h + 36), _mm_or_si128(_mm_shuffle_epi8(hi, g2), s2));
	_mm_storeu_si128((__m128i *)(l + 51), dump_vec_text(p));
	l[67] = '\n';
	return 68;
}

/*
 * The hexdump -C line: "AAAAAAAA  xx xx xx xx xx xx xx xx  xx ... xx  |text|\n",
 * 78 bytes; stores run past it as above.
 */
__attribute__((target("ssse3")))
static size_t dump_vec_canon16(char *l, const unsigned char *p, uint32_t addr,
			       int upper)
{
	/* Eight bytes: "xx xx xx xx xx xx xx xx " is 24 chars, in two stores. */
	const __m128i c1 = _mm_setr_epi8(0, 1, -128, 2, 3, -128, 4, 5, -128, 6, 7, -128, 8, 9, -128, 10);
	const __m128i t1 = _mm_setr_epi8(0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0);
	const __m128i c2 = _mm_setr_epi8(11, -128, 12, 13, -128, 14, 15, -128, -128, -128, -128, -128, -128, -128, -128, -128);
	const __m128i t2 = _mm_setr_epi8(0, ' ', 0, 0, ' ', 0, 0, ' ', ' ', 0, 0, 0, 0, 0, 0, 0);
	__m128i lo, hi;

	for (int i = 0; i < 4; i++)
		memcpy(l + 2 * i, dump_pairs[0][(addr >> (24 - 8 * i)) & 0xff], 2);
	l[8] = ' ';
	l[9] = ' ';
	dump_vec_hex(p, upper, &lo, &hi);
	_mm_storeu_si128((__m128i *)(l + 10), _mm_or_si128(_mm_shuffle_epi8(lo, c1), t1));
	_mm_storeu_si128((__m128i *)(l + 26), _mm_or_si128(_mm_shuffle_epi8(lo, c2), t2));
	_mm_storeu_si128((__m128i *)(l + 35), _mm_or_si128(_mm_shuffle_epi8(hi, c1), t1));
	_mm_storeu_si128((__m128i *)(l + 51), _mm_or_si128(_mm_shuffle_epi8(hi, c2), t2));
	l[59] = ' ';
	l[60] = '|';
	_mm_storeu_si128((__m128i *)(l + 61), dump_vec_text(p));
	l[77] = '|';
	l[78] = '\n';
	return 79;
}
#else
#define DUMP_HAVE_VECTOR 0
#endif

/*
 * Colour classes, as newer xxd's -R has them: printable green, white space
 * yellow, NUL plain, 0xff blue, the rest red.
 */
static const char *dump_color_of(unsigned char c)
{
	if (c == 0)
		return NULL;
	if (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return "\033[1;33m";
	if (c > 31 && c < 127)
		return "\033[1;32m";
	if (c == 0xff)
		return "\033[1;34m";
	return "\033[1;31m";
}

/* ---- xxd ---------------------------------------------------------------- */

#define DUMP_XXD_LINE_MAX 1200	/* address 17 + 3 + 3 * 256 + 256 + 1, rounded up */

/*
 * One xxd line into l; returns its length.  Layout from xxd.c: the hex of
 * byte i sits at addrlen + 1 + (2g + 1) * i / g, the text at addrlen + 3 +
 * ((2g + 1) * cols - 1) / g, with addrlen counting the ':'.
 */
static size_t dump_xxd_line(const struct dump *d, char *l,
			    const unsigned char *p, size_t n, uint64_t addr)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];
	size_t shift = dump_addr(l, addr) - 8;
	size_t tc = d->textcol + shift;
	char *h = l + shift, *t = l + tc;

	l[8 + shift] = ':';
	memset(l + 9 + shift, ' ', tc - 9 - shift);
	for (size_t i = 0; i < n; i++) {
		memcpy(h + d->hexcol[i], pairs[p[i]], 2);
		t[i] = dump_printable(p[i]);
	}
	t[n] = '\n';
	return tc + n + 1;
}

/* The default layout (16 columns in groups of 2), straight-line. */
static size_t dump_xxd_line16(const struct dump *d, char *l,
			      const unsigned char *p, uint64_t addr)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];
	size_t shift = dump_addr(l, addr) - 8;
	char *h = l + shift + 10, *t = l + shift + 51;

	l[8 + shift] = ':';
	l[9 + shift] = ' ';
	for (int g = 0; g < 8; g++, h += 5) {
		memcpy(h, pairs[p[2 * g]], 2);
		memcpy(h + 2, pairs[p[2 * g + 1]], 2);
		h[4] = ' ';
	}
	t[-1] = ' ';
	for (int i = 0; i < 16; i++)
		t[i] = dump_printable(p[i]);
	t[16] = '\n';
	return shift + 51 + 17;
}

/* Copy a plain xxd line to the output with colour escapes around bytes. */
static void dump_colorize(struct dump *d, const char *l, size_t len,
			  const unsigned char *p, size_t n)
{
	size_t shift = 0, tc, at = 0;

	while (l[shift] != ':')
		shift++;
	shift -= 8;
	tc = d->textcol + shift;
	for (size_t i = 0; i < n; i++) {
		size_t hc = d->hexcol[i] + shift;
		const char *c = dump_color_of(p[i]);

		out_write(d->out, l + at, hc - at);
		if (c)
			out_str(d->out, c);
		out_write(d->out, l + hc, 2);
		if (c)
			out_str(d->out, "\033[0m");
		at = hc + 2;
	}
	out_write(d->out, l + at, tc - at);
	for (size_t i = 0; i < n; i++) {
		const char *c = dump_color_of(p[i]);

		if (c)
			out_str(d->out, c);
		out_char(d->out, l[tc + i]);
		if (c)
			out_str(d->out, "\033[0m");
	}
	out_write(d->out, l + tc + n, len - tc - n);
}

static void dump_xxd_put(struct dump *d, const char *l, size_t len,
			 const unsigned char *p, size_t n)
{
	if (d->o.prefix)
		out_str(d->out, d->o.prefix);
	if (d->o.color)
		dump_colorize(d, l, len, p, n);
	else
		out_write(d->out, l, len);
}

static void dump_keep(char **dst, size_t *dst_len, const char *l, size_t len)
{
	memcpy(*dst, l, len);
	*dst_len = len;
}

/*
 * xxd -a, exactly as xxd.c's xxdline() decides: the first zero line is
 * printed, the second is held, a longer run becomes "*"; nz < 0 is the
 * final call that flushes a run at the end of the input.
 */
static void dump_xxd_skip(struct dump *d, const char *l, size_t len,
			  const unsigned char *p, size_t n, int nz)
{
	if (!nz && d->zero_seen == 1)
		dump_keep(&d->held, &d->held_len, l, len);
	if (nz || !d->zero_seen++) {
		if (nz) {
			if (nz < 0)
				d->zero_seen--;
			if (d->zero_seen == 2)
				dump_xxd_put(d, d->held, d->held_len, NULL, 0);
			if (d->zero_seen > 2)
				out_str(d->out, "*\n");
		}
		if (nz >= 0 || d->zero_seen > 0)
			dump_xxd_put(d, l, len, p, n);
		if (nz)
			d->zero_seen = 0;
	}
}

static int dump_all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void dump_xxd_one(struct dump *d, const unsigned char *p, size_t n)
{
	char *l;
	size_t len;

	if (!d->o.autoskip && !d->o.color) {
		if (d->o.prefix)
			out_str(d->out, d->o.prefix);
		l = out_reserve(d->out, DUMP_XXD_LINE_MAX);
		if (n == 16 && d->o.cols == 16 && d->o.group == 2) {
#if DUMP_HAVE_VECTOR
			if (d->pos + 16 <= 0xffffffffULL && dump_vector_ok())
				len = dump_vec_xxd16(l, p, (uint32_t)d->pos, d->o.upper);
			else
#endif
				len = dump_xxd_line16(d, l, p, d->pos);
		}
		else
			len = dump_xxd_line(d, l, p, n, d->pos);
		d->out->len += len;
	} else {
		/* Colour and -a keep no zero-line state in colour: held lines are plain. */
		l = d->last;
		len = dump_xxd_line(d, l, p, n, d->pos);
		d->last_len = len;
		if (d->o.autoskip)
			dump_xxd_skip(d, l, len, p, n,
				      n < d->o.cols || !dump_all_zero(p, n));
		else
			dump_xxd_put(d, l, len, p, n);
	}
	d->pos += n;
}

/* ---- hexdump -C --------------------------------------------------------- */

static void dump_canonical_one(struct dump *d, const unsigned char *p, size_t n)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];
	char *l, *h, *t;
	size_t shift;

	if (n == 16 && !d->o.no_squeeze && d->have_prev &&
	    !memcmp(p, d->prev, 16)) {
		if (!d->starred)
			out_str(d->out, "*\n");
		d->starred = 1;
		d->pos += n;
		return;
	}
	d->starred = 0;
	if (n == 16) {
		memcpy(d->prev, p, 16);
		d->have_prev = 1;
	}
	l = out_reserve(d->out, 128);
#if DUMP_HAVE_VECTOR
	if (n == 16 && d->pos <= 0xffffffffULL && dump_vector_ok()) {
		d->out->len += dump_vec_canon16(l, p, (uint32_t)d->pos, d->o.upper);
		d->pos += n;
		return;
	}
#endif
	shift = dump_addr(l, d->pos) - 8;
	h = l + shift + 8;
	memset(h, ' ', 52);
	for (size_t i = 0; i < n; i++)
		memcpy(h + 2 + 3 * i + (i >= 8), pairs[p[i]], 2);
	t = h + 52;
	*t++ = '|';
	for (size_t i = 0; i < n; i++)
		*t++ = dump_printable(p[i]);
	*t++ = '|';
	*t++ = '\n';
	d->out->len += (size_t)(t - l);
	d->pos += n;
}

/* ---- the line-based formats share one feeder ---------------------------- */

static void dump_line(struct dump *d, const unsigned char *p, size_t n)
{
	if (d->fmt == DUMP_XXD)
		dump_xxd_one(d, p, n);
	else
		dump_canonical_one(d, p, n);
}

static void dump_lines(struct dump *d, const unsigned char *p, size_t n)
{
	size_t cols = d->o.cols, take;

	if (d->npart) {
		take = cols - d->npart < n ? cols - d->npart : n;
		memcpy(d->part + d->npart, p, take);
		d->npart += take;
		p += take;
		n -= take;
		if (d->npart < cols)
			return;
		dump_line(d, d->part, cols);
		d->npart = 0;
	}
	for (; n >= cols; p += cols, n -= cols)
		dump_line(d, p, cols);
	memcpy(d->part, p, n);
	d->npart = n;
}

/* ---- xxd -p and xxd -i -------------------------------------------------- */

static void dump_hex(struct dump *d, const unsigned char *p, size_t n)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];
	size_t cols = d->o.cols;

	while (n) {
		size_t take = cols - d->col < n ? cols - d->col : n;
		size_t chunk = take < 4096 ? take : 4096;
		char *w = out_reserve(d->out, 2 * chunk + 1);

#if DUMP_HAVE_VECTOR
		if (chunk >= 16 && dump_vector_ok())
			dump_vec_hexrun(w, p, chunk, d->o.upper);
		else
#endif
			for (size_t i = 0; i < chunk; i++, w += 2)
				memcpy(w, pairs[p[i]], 2);
		d->out->len += 2 * chunk;
		d->col += chunk;
		p += chunk;
		n -= chunk;
		if (d->col == cols) {
			d->out->buf[d->out->len++] = '\n';
			d->col = 0;
		}
	}
}

static void dump_c(struct dump *d, const unsigned char *p, size_t n)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];

	for (size_t i = 0; i < n; i++) {
		char *w = out_reserve(d->out, 16), *s = w;

		if (d->pos == d->start) {
			*s++ = ' ', *s++ = ' ';
		} else if (d->col == d->o.cols) {
			memcpy(s, ",\n  ", 4), s += 4;
			d->col = 0;
		} else {
			*s++ = ',', *s++ = ' ';
		}
		*s++ = '0';
		*s++ = d->o.upper ? 'X' : 'x';
		memcpy(s, pairs[p[i]], 2);
		s += 2;
		d->out->len += (size_t)(s - w);
		d->col++;
		d->pos++;
	}
}

/* ---- string: one line, C escapes ---------------------------------------- */

enum { ESC_NONE, ESC_OCTAL, ESC_HEX };

static int dump_is_hexdigit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static void dump_string(struct dump *d, const unsigned char *p, size_t n)
{
	static const char named[] = "\aa\bb\tt\nn\vv\ff\rr\\\\";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		char *w = out_reserve(d->out, 4);
		const char *e = NULL;
		int prev = d->esc_state;

		/*
		 * A digit right after "\0" or "\xff" would be read back as part
		 * of that escape, so it is escaped too.
		 */
		int force = (prev == ESC_OCTAL && c >= '0' && c <= '7') ||
			    (prev == ESC_HEX && dump_is_hexdigit(c));

		d->esc_state = ESC_NONE;
		for (size_t k = 0; k + 1 < sizeof named; k += 2)
			if ((unsigned char)named[k] == c) {
				e = &named[k + 1];
				break;
			}
		if (c == 0) {
			memcpy(w, "\\0", 2);
			d->out->len += 2;
			d->esc_state = ESC_OCTAL;
		} else if (e) {
			w[0] = '\\';
			w[1] = *e;
			d->out->len += 2;
		} else if (c > 31 && c < 127 && !force) {
			w[0] = (char)c;
			d->out->len += 1;
		} else {
			w[0] = '\\';
			w[1] = 'x';
			memcpy(w + 2, dump_pairs[0][c], 2);
			d->out->len += 4;
			d->esc_state = ESC_HEX;
		}
	}
}

/* ---- the interface ------------------------------------------------------ */

int dump_init(struct dump *d, enum dump_format fmt, const struct dump_opts *o,
	      struct out *out, uint64_t start)
{
	static const unsigned default_cols[] = {
		[DUMP_XXD] = 16, [DUMP_CANONICAL] = 16, [DUMP_HEX] = 30,
		[DUMP_RAW] = 1, [DUMP_C] = 12, [DUMP_STRING] = 1,
	};
	unsigned g, grplen;

	dump_init_tables();
	memset(d, 0, sizeof *d);
	d->fmt = fmt;
	d->o = *o;
	d->out = out;
	d->start = d->pos = start;
	if (!d->o.cols || fmt == DUMP_CANONICAL)
		d->o.cols = default_cols[fmt];
	if (fmt == DUMP_XXD) {
		if (d->o.cols > DUMP_MAX_XXD_COLS)
			return -1;
		/* xxd: a group of 0, or one wider than a line, is the whole line. */
		g = d->o.group;
		if (g == 0 || g > d->o.cols)
			g = d->o.cols;
		d->o.group = g;
		grplen = 2 * g + 1;
		for (unsigned i = 0; i < d->o.cols; i++)
			d->hexcol[i] = (unsigned short)(10 + grplen * i / g);
		d->textcol = 9 + 3 + (grplen * d->o.cols - 1) / g;
		if (d->o.autoskip || d->o.color) {
			d->held = malloc(2 * DUMP_XXD_LINE_MAX);
			if (!d->held)
				return -1;
			d->last = d->held + DUMP_XXD_LINE_MAX;
		}
	}
	return 0;
}

void dump_feed(struct dump *d, const unsigned char *p, size_t n)
{
	switch (d->fmt) {
	case DUMP_XXD:
	case DUMP_CANONICAL:
		dump_lines(d, p, n);
		return;
	case DUMP_HEX:
		dump_hex(d, p, n);
		break;
	case DUMP_RAW:
		out_write(d->out, p, n);
		break;
	case DUMP_C:
		dump_c(d, p, n);
		return;
	case DUMP_STRING:
		dump_string(d, p, n);
		break;
	}
	d->pos += n;
}

void dump_finish(struct dump *d)
{
	switch (d->fmt) {
	case DUMP_XXD:
		if (d->npart)
			dump_xxd_one(d, d->part, d->npart);
		else if (d->o.autoskip && d->last_len)
			dump_xxd_skip(d, d->last, d->last_len, NULL, 0, -1);
		free(d->held);
		d->held = d->last = NULL;
		break;
	case DUMP_CANONICAL:
		if (d->npart)
			dump_canonical_one(d, d->part, d->npart);
		/* hexdump: no trailer for -n 0, nor for nothing read at 0. */
		if (!d->o.len_given_zero && (d->pos > d->start || d->start > 0)) {
			char *l = out_reserve(d->out, 20);
			size_t n = dump_addr(l, d->pos);

			l[n] = '\n';
			d->out->len += n + 1;
		}
		break;
	case DUMP_HEX:
		if (d->col)
			out_char(d->out, '\n');
		break;
	case DUMP_C:
		if (d->pos != d->start)
			out_char(d->out, '\n');
		break;
	case DUMP_STRING:
		out_char(d->out, '\n');
		break;
	case DUMP_RAW:
		break;
	}
	d->npart = 0;
}
