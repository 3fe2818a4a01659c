#include <pthread.h>
#include <stdlib.h>

#include "cpu.h"
#include "dump.h"
#include "num.h"

static char dump_pairs[2][256][2];	/* [upper][byte] -> two hex digits */
static char dump_bits[256][8];		/* [byte] -> eight binary digits */

static pthread_once_t dump_tables_once = PTHREAD_ONCE_INIT;

static void dump_fill_tables(void)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";

	for (int b = 0; b < 256; b++) {
		dump_pairs[0][b][0] = lo[b >> 4];
		dump_pairs[0][b][1] = lo[b & 15];
		dump_pairs[1][b][0] = up[b >> 4];
		dump_pairs[1][b][1] = up[b & 15];
		for (int i = 0; i < 8; i++)
			dump_bits[b][i] = (char)('0' + ((b >> (7 - i)) & 1));
	}
}

/* Filled once, before any thread's first dump. */
static void dump_init_tables(void)
{
	pthread_once(&dump_tables_once, dump_fill_tables);
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
 * Colour classes, hexyl's: NUL grey, printable ASCII cyan, ASCII white
 * space green, other ASCII magenta, non-ASCII yellow.  Printable is
 * 0x21-0x7e and white space is space, tab, newline, form feed and carriage
 * return, as Rust's is_ascii_graphic and is_ascii_whitespace, which hexyl
 * uses.
 */
const char dump_color_reset[] = "\033[0m";

const char *dump_color_of(unsigned char c)
{
	if (c == 0)
		return "\033[90m";
	if (c > 0x20 && c < 0x7f)
		return "\033[36m";
	if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r')
		return "\033[32m";
	if (c < 0x80)
		return "\033[35m";
	return "\033[33m";
}

const char dump_color_match[] = "\033[01;31m";

/* n bytes of l with the colour col around them. */
static void dump_put_colored_run(struct out *o, const char *l, size_t n,
				 const char *col)
{
	out_str(o, col);
	out_write(o, l, n);
	out_str(o, dump_color_reset);
}

/*
 * The colour of byte i of the line at d->pos, p its bytes: the byte's
 * class, or with a mark the match colour for a marked byte and none else.
 */
static const char *dump_color_at(const struct dump *d, const unsigned char *p,
				 size_t i)
{
	if (!d->o.mark)
		return dump_color_of(p[i]);
	return d->o.mark[d->pos - d->start + i] ? dump_color_match : NULL;
}

/* The offset column: xxd's "%08lx" or, with -d, "%08ld"; returns its width. */
static size_t dump_line_addr(const struct dump *d, char *l, uint64_t a)
{
	char digits[24];
	size_t n = 0;

	a += d->o.display_offset;
	if (!d->o.decimal)
		return dump_addr(l, a);
	do
		digits[n++] = (char)('0' + a % 10);
	while ((a /= 10));
	while (n < 8)
		digits[n++] = '0';
	for (size_t i = 0; i < n; i++)
		l[i] = digits[n - 1 - i];
	return n;
}

/*
 * One line of the layout into l; returns its length.  The writes happen
 * in xxd's order (byte i's cell, then its text character), so that the
 * odd -e layouts, whose cells can reach into the text, come out as xxd's.
 */
static size_t dump_build_line(const struct dump *d, char *l,
			      const unsigned char *p, size_t n, uint64_t addr)
{
	size_t shift = dump_line_addr(d, l, addr) - 8;
	char *h = l + shift, *t = h + d->textcol;
	unsigned w = d->cellw;

	h[8] = d->addr_sep;
	memset(h + 9, ' ', d->textcol - 9);
	for (size_t i = 0; i < n; i++) {
		memcpy(h + d->hexcol[i], d->cells + (size_t)w * p[i], w);
		t[i] = dump_printable(p[i]);
	}
	if (d->text_edge) {
		t[-1] = d->text_edge;
		t[n++] = d->text_edge;
	}
	t[n] = '\n';
	return shift + d->textcol + n + 1;
}

/*
 * Write a built line with each byte's cell and text character in its
 * colour.  Which byte owns a column is found by replaying the writes of
 * dump_build_line, so any layout colours right.
 */
static void dump_put_colored(struct dump *d, const char *l, size_t len,
			     const unsigned char *p, size_t n)
{
	size_t shift = 0, at = 0, col;
	short *own = d->owner;

	while (l[shift] != d->addr_sep)
		shift++;
	shift -= 8;
	for (col = 0; col + shift < len; col++)
		own[col] = -1;
	for (size_t i = 0; i < n; i++) {
		for (unsigned k = 0; k < d->cellw; k++)
			own[d->hexcol[i] + k] = (short)i;
		own[d->textcol + i] = (short)i;
	}
	l += shift;
	len -= shift;
	out_write(d->out, l - shift, shift);
	while (at < len) {
		int who = own[at];
		const char *c = who < 0 ? NULL : dump_color_at(d, p, (size_t)who);

		for (col = at + 1; col < len && own[col] == who; col++)
			;
		if (!c)
			out_write(d->out, l + at, col - at);
		else
			dump_put_colored_run(d->out, l + at, col - at, c);
		at = col;
	}
}

static const unsigned char dump_zeros[DUMP_MAX_XXD_COLS];

/* Write a built line (p NULL: a held line of zeros). */
static void dump_put(struct dump *d, const char *l, size_t len,
		     const unsigned char *p, size_t n)
{
	if (d->o.prefix)
		out_str(d->out, d->o.prefix);
	if (!d->o.color)
		out_write(d->out, l, len);
	else if (p)
		dump_put_colored(d, l, len, p, n);
	else
		dump_put_colored(d, l, len, dump_zeros, d->o.cols);
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
				dump_put(d, d->held, d->held_len, NULL, 0);
			if (d->zero_seen > 2)
				out_str(d->out, "*\n");
		}
		if (nz >= 0 || d->zero_seen > 0)
			dump_put(d, l, len, p, n);
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

/* Print one line at d->pos: straight into the output buffer when plain. */
static void dump_emit(struct dump *d, const unsigned char *p, size_t n)
{
	uint64_t addr = d->pos + d->o.display_offset;
	size_t len;
	char *l;

	if (d->o.color) {
		len = dump_build_line(d, d->last, p, n, d->pos);
		dump_put(d, d->last, len, p, n);
		return;
	}
	if (d->o.prefix)
		out_str(d->out, d->o.prefix);
	l = out_reserve(d->out, DUMP_LINE_MAX);
#if DUMP_HAVE_VECTOR
	if (n == 16 && d->fast16 && addr >= d->pos && addr + 16 <= 0xffffffffULL &&
	    (!d->o.decimal || addr < 100000000) && cpu_has_ssse3()) {
		len = d->fmt == DUMP_CANONICAL
			? dump_vec_canon16(l, p, (uint32_t)addr, d->o.upper)
			: dump_vec_xxd16(l, p, (uint32_t)addr, d->o.upper);
		/* Below 10^8 a decimal address has the hex one's 8 digits. */
		if (d->o.decimal)
			dump_line_addr(d, l, d->pos);
	} else
#endif
		len = dump_build_line(d, l, p, n, d->pos);
	(void)addr;
	d->out->len += len;
}

/* xxd, -b, -e: one line, through xxd -a's squeezing when asked. */
static void dump_xxd_one(struct dump *d, const unsigned char *p, size_t n)
{
	if (!d->o.autoskip) {
		dump_emit(d, p, n);
	} else {
		d->last_len = dump_build_line(d, d->last, p, n, d->pos);
		dump_xxd_skip(d, d->last, d->last_len, p, n,
			      n < d->o.cols || !dump_all_zero(p, n));
	}
	d->pos += n;
}

/* hexdump -C: a line equal to the one before becomes one "*". */
static void dump_canonical_one(struct dump *d, const unsigned char *p, size_t n)
{
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
	dump_emit(d, p, n);
	d->pos += n;
}

static void dump_line(struct dump *d, const unsigned char *p, size_t n)
{
	if (d->fmt == DUMP_CANONICAL)
		dump_canonical_one(d, p, n);
	else
		dump_xxd_one(d, p, n);
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

/*
 * The layout of xxd's lines, from xxd.c: byte i's cell sits at addrlen + 1
 * + grplen * x / g (x = i, or with -e i with its place in the group
 * reversed), the text at addrlen + 3 + (grplen * cols - 1) / g, with
 * addrlen counting the ':'; hexdump -C's is fixed.
 */
static void dump_layout(struct dump *d)
{
	unsigned cols = d->o.cols, g = d->o.group, grplen;

	d->cells = &dump_pairs[d->o.upper != 0][0][0];
	d->cellw = 2;
	if (d->fmt == DUMP_CANONICAL) {
		d->addr_sep = ' ';
		d->text_edge = '|';
		for (unsigned i = 0; i < 16; i++)
			d->hexcol[i] = (unsigned short)(10 + 3 * i + (i >= 8));
		d->textcol = 61;
		d->fast16 = 1;
		return;
	}
	if (d->fmt == DUMP_BITS) {
		d->cells = &dump_bits[0][0];
		d->cellw = 8;
	}
	d->addr_sep = ':';
	/* xxd: a group of 0, or one wider than a line, is the whole line. */
	if (g == 0 || g > cols)
		g = cols;
	d->o.group = g;
	grplen = d->cellw * g + 1;
	for (unsigned i = 0; i < cols; i++) {
		unsigned x = d->o.little_endian ? i ^ (g - 1) : i;

		d->hexcol[i] = (unsigned short)(10 + grplen * x / g);
	}
	d->textcol = 9 + 3 + (grplen * cols - 1) / g;
	d->fast16 = d->fmt == DUMP_XXD && cols == 16 && g == 2 &&
		    !d->o.little_endian;
}

static void dump_hex(struct dump *d, const unsigned char *p, size_t n)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];
	size_t cols = d->o.cols;

	while (n) {
		size_t take = cols - d->col < n ? cols - d->col : n;
		size_t chunk = take < 4096 ? take : 4096;
		char *w = out_reserve(d->out, 2 * chunk + 1);

		if (d->o.color) {
			for (size_t i = 0; i < chunk; i++)
				dump_put_colored_run(d->out, pairs[p[i]], 2, dump_color_of(p[i]));
		} else {
#if DUMP_HAVE_VECTOR
			if (chunk >= 16 && cpu_has_ssse3())
				dump_vec_hexrun(w, p, chunk, d->o.upper);
			else
#endif
				for (size_t i = 0; i < chunk; i++)
					memcpy(w + 2 * i, pairs[p[i]], 2);
			d->out->len += 2 * chunk;
		}
		d->col += chunk;
		p += chunk;
		n -= chunk;
		if (d->col == cols) {
			out_char(d->out, '\n');
			d->col = 0;
		}
	}
}

/* xxd -i's name for a file: "__" before a leading digit, '_' for what is
 * not an ASCII letter or digit (xxd runs in the C locale). */
static void dump_c_name(struct dump *d)
{
	const char *s = d->o.c_name;

	if (*s >= '0' && *s <= '9')
		out_str(d->out, "__");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z');

		out_char(d->out, alnum ? (char)c : '_');
	}
}

static void dump_c(struct dump *d, const unsigned char *p, size_t n)
{
	const char (*pairs)[2] = dump_pairs[d->o.upper != 0];

	for (size_t i = 0; i < n; i++) {
		char *w = out_reserve(d->out, 4), *s = w, tok[4];

		if (d->pos == d->start) {
			*s++ = ' ', *s++ = ' ';
		} else if (d->col == d->o.cols) {
			memcpy(s, ",\n  ", 4), s += 4;
			d->col = 0;
		} else {
			*s++ = ',', *s++ = ' ';
		}
		d->out->len += (size_t)(s - w);
		tok[0] = '0';
		tok[1] = d->o.upper ? 'X' : 'x';
		memcpy(tok + 2, pairs[p[i]], 2);
		if (d->o.color)
			dump_put_colored_run(d->out, tok, 4, dump_color_of(p[i]));
		else
			out_write(d->out, tok, 4);
		d->col++;
		d->pos++;
	}
}

enum { ESC_NONE, ESC_OCTAL, ESC_HEX };


/* Byte c as the string format spells it, into w; returns the length. */
static size_t dump_string_byte(struct dump *d, unsigned char c, char *w)
{
	static const char named[] = "\aa\bb\tt\nn\vv\ff\rr\\\\";
	int prev = d->esc_state;
	/*
	 * A digit right after "\0" or "\xff" would be read back as part of
	 * that escape, so it is escaped too.
	 */
	int force = (prev == ESC_OCTAL && c >= '0' && c <= '7') ||
		    (prev == ESC_HEX && num_hexval((char)c) >= 0);

	d->esc_state = ESC_NONE;
	if (c == 0) {
		d->esc_state = ESC_OCTAL;
		memcpy(w, "\\0", 2);
		return 2;
	}
	for (size_t k = 0; k + 1 < sizeof named; k += 2)
		if ((unsigned char)named[k] == c) {
			w[0] = '\\';
			w[1] = named[k + 1];
			return 2;
		}
	if (c > 31 && c < 127 && !force) {
		w[0] = (char)c;
		return 1;
	}
	w[0] = '\\';
	w[1] = 'x';
	memcpy(w + 2, dump_pairs[0][c], 2);
	d->esc_state = ESC_HEX;
	return 4;
}

static void dump_string(struct dump *d, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *w = out_reserve(d->out, 4), tok[4];
		size_t len;

		if (!d->o.color) {
			d->out->len += dump_string_byte(d, p[i], w);
			continue;
		}
		len = dump_string_byte(d, p[i], tok);
		dump_put_colored_run(d->out, tok, len, dump_color_of(p[i]));
	}
}

int dump_init(struct dump *d, enum dump_format fmt, const struct dump_opts *o,
	      struct out *out, uint64_t start)
{
	static const unsigned default_cols[] = {
		[DUMP_XXD] = 16, [DUMP_BITS] = 6, [DUMP_CANONICAL] = 16,
		[DUMP_HEX] = 30, [DUMP_RAW] = 1, [DUMP_C] = 12, [DUMP_STRING] = 1,
	};

	dump_init_tables();
	memset(d, 0, sizeof *d);
	d->fmt = fmt;
	d->o = *o;
	d->out = out;
	d->start = d->pos = start;
	if (!d->o.cols || fmt == DUMP_CANONICAL)
		d->o.cols = default_cols[fmt];
	if (fmt == DUMP_C && d->o.c_name) {
		out_str(out, "unsigned char ");
		dump_c_name(d);
		out_str(out, "[] = {\n");
	}
	if (fmt != DUMP_XXD && fmt != DUMP_BITS && fmt != DUMP_CANONICAL)
		return 0;
	if (d->o.cols > DUMP_MAX_XXD_COLS)
		return -1;
	dump_layout(d);
	if (d->o.autoskip || d->o.color) {
		d->held = malloc(2 * DUMP_LINE_MAX + DUMP_LINE_MAX * sizeof *d->owner);
		if (!d->held)
			return -1;
		d->last = d->held + DUMP_LINE_MAX;
		d->owner = (short *)(void *)(d->last + DUMP_LINE_MAX);
	}
	return 0;
}

void dump_feed(struct dump *d, const unsigned char *p, size_t n)
{
	switch (d->fmt) {
	case DUMP_XXD:
	case DUMP_BITS:
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

/* The end of xxd -i: the closing brace and NAME_len, when declared. */
static void dump_c_finish(struct dump *d)
{
	if (d->pos != d->start)
		out_char(d->out, '\n');
	if (!d->o.c_name)
		return;
	out_str(d->out, "};\nunsigned int ");
	dump_c_name(d);
	out_printf(d->out, "_len = %llu;\n",
		   (unsigned long long)(d->pos - d->start));
}

void dump_restart(struct dump *d, uint64_t at)
{
	if (d->npart)
		dump_xxd_one(d, d->part, d->npart);
	d->npart = 0;
	d->start = d->pos = at;
}

void dump_finish(struct dump *d)
{
	switch (d->fmt) {
	case DUMP_XXD:
	case DUMP_BITS:
		if (d->npart)
			dump_xxd_one(d, d->part, d->npart);
		else if (d->o.autoskip && d->last_len)
			dump_xxd_skip(d, d->last, d->last_len, NULL, 0, -1);
		break;
	case DUMP_CANONICAL:
		if (d->npart)
			dump_canonical_one(d, d->part, d->npart);
		/* hexdump: no trailer for -n 0, nor for nothing read at 0. */
		if (!d->o.len_given_zero && (d->pos > d->start || d->start > 0)) {
			char *l = out_reserve(d->out, 24);
			size_t n = dump_line_addr(d, l, d->pos);

			l[n] = '\n';
			d->out->len += n + 1;
		}
		break;
	case DUMP_HEX:
		if (d->col)
			out_char(d->out, '\n');
		break;
	case DUMP_C:
		dump_c_finish(d);
		break;
	case DUMP_STRING:
		out_char(d->out, '\n');
		break;
	case DUMP_RAW:
		break;
	}
	free(d->held);
	d->held = d->last = NULL;
	d->owner = NULL;
	d->npart = 0;
}
