/*
 * search: grep's -x hex patterns ("??" any byte, "?" any nibble), and
 * literal patterns, compiled by search_compile and scanned in chunks the
 * way cmd_grep.c drives map_walk.
 *
 * Input: 6 header bytes, then up to four NUL-terminated patterns, then the
 * bytes to search.
 *   h[0]  bit 0 --overlap, bit 1 -i, bits 2-3 kernel (auto, avx2, sse2,
 *         scalar), bits 4-5 patterns - 1, bits 6-7 how the bytes arrive:
 *         0 one chunk, 1 map_walk windows, 2 a stream (short reads, end
 *         unknown, search_finish), 3 two scans split at a midpoint with
 *         limit and search_resume, as grep's two threads fall back to
 *   h[1]  bits 0-3 context margin, bits 4-5 the file offset of the first
 *         byte, bit 7 literal patterns instead of hex
 *   h[2..5] seed for window and read sizes
 *
 * Checks: a pattern set compiles exactly when a reference parser written
 * from SPEC.md accepts every pattern (else *bad names the first bad one);
 * the matches reported, in order, equal a naive matcher's over the
 * reference value/mask (leftmost, longest pattern at one offset, no
 * overlap unless asked, ASCII case folded on whole bytes with -i); each
 * hit's buffer holds the match and its context as far as the walk reached.
 * Every chunk is an exact-size heap copy, so ASan sees a kernel that reads
 * past it.
 */
#include <ctype.h>

#include "fuzz.h"
#include "search.h"

#define MAXPATS 4

struct refpat {
	unsigned char *val, *mask;
	size_t len;
};

static int ref_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * SPEC.md: poke -x's hex (blanks, ':' and '-' between bytes ignored, "0x"
 * before a byte allowed) where '?' in place of a digit matches any nibble.
 */
static int ref_parse(const char *s, int literal, struct refpat *r)
{
	size_t n = strlen(s), k = 0;

	r->val = malloc(n + 1);
	r->mask = malloc(n + 1);
	if (!r->val || !r->mask)
		abort();
	if (literal) {
		memcpy(r->val, s, n);
		memset(r->mask, 0xff, n);
		r->len = n;
		return n ? 0 : -1;
	}
	for (;;) {
		unsigned v = 0, m = 0;

		while (*s && strchr(" \t\n\r:-", *s))
			s++;
		if (!*s)
			break;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		    (ref_digit(s[2]) >= 0 || s[2] == '?'))
			s += 2;
		for (int i = 0; i < 2; i++, s++) {
			int d = ref_digit(*s);

			if (d < 0 && *s != '?')
				return -1;
			v = v << 4 | (d < 0 ? 0 : (unsigned)d);
			m = m << 4 | (d < 0 ? 0 : 0xf);
		}
		r->val[k] = (unsigned char)v;
		r->mask[k] = (unsigned char)m;
		k++;
	}
	r->len = k;
	return k ? 0 : -1;
}

static int ref_byte(unsigned char h, unsigned char v, unsigned char m, int icase)
{
	if (icase && m == 0xff && isalpha(v) && v < 0x80)
		return tolower(h) == tolower(v) && h < 0x80;
	return (h & m) == (v & m);
}

static size_t ref_match_at(const struct refpat *pats, size_t np,
			   const unsigned char *p, size_t n, size_t c, int icase)
{
	size_t best = 0;

	for (size_t k = 0; k < np; k++) {
		size_t j;

		if (pats[k].len > n - c || pats[k].len <= best)
			continue;
		for (j = 0; j < pats[k].len; j++)
			if (!ref_byte(p[c + j], pats[k].val[j], pats[k].mask[j], icase))
				break;
		if (j == pats[k].len)
			best = pats[k].len;
	}
	return best;
}

struct hit {
	uint64_t off;
	size_t len;
};

struct hits {
	struct hit *v;
	size_t n, cap;
	/* what the callback checks each hit against */
	const unsigned char *hay;
	uint64_t base, walk_lo, walk_hi;
	size_t margin;
};

static void hits_add(struct hits *h, uint64_t off, size_t len)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = realloc(h->v, h->cap * sizeof *h->v);
		if (!h->v)
			abort();
	}
	h->v[h->n++] = (struct hit){ off, len };
}

static int on_hit(void *ctx, const struct search_hit *sh)
{
	struct hits *h = ctx;
	uint64_t want_lo, want_hi;

	FUZZ_CHECK(sh->len > 0);
	FUZZ_CHECK(sh->off >= h->walk_lo && sh->off + sh->len <= h->walk_hi);
	FUZZ_CHECK(!h->n || sh->off > h->v[h->n - 1].off);
	/* The buffer: real bytes of the input, around the match. */
	FUZZ_CHECK(sh->buf_off >= h->walk_lo && sh->buf_off + sh->buf_len <= h->walk_hi);
	FUZZ_CHECK(!memcmp(sh->buf, h->hay + (sh->buf_off - h->base), sh->buf_len));
	want_lo = sh->off - h->walk_lo > h->margin ? sh->off - h->margin : h->walk_lo;
	want_hi = h->walk_hi - (sh->off + sh->len) > h->margin ?
		  sh->off + sh->len + h->margin : h->walk_hi;
	if (sh->buf_off > want_lo || sh->buf_off + sh->buf_len < want_hi)
		fuzz_fail("hit at %llu+%zu: buffer [%llu, %llu) lacks context [%llu, %llu)",
			  (unsigned long long)sh->off, sh->len,
			  (unsigned long long)sh->buf_off,
			  (unsigned long long)(sh->buf_off + sh->buf_len),
			  (unsigned long long)want_lo, (unsigned long long)want_hi);
	hits_add(h, sh->off, sh->len);
	return 0;
}

/* Hand hay[lo - base, hi - base) to the scan as one chunk, an exact copy. */
static int feed(struct search_scan *sc, const struct hits *h, uint64_t lo,
		uint64_t hi)
{
	size_t n = (size_t)(hi - lo);
	unsigned char *c = malloc(n ? n : 1);
	int rc;

	if (!c)
		abort();
	memcpy(c, h->hay + (lo - h->base), n);
	rc = search_feed(sc, c, n, lo);
	free(c);
	return rc;
}

/* map_walk over a mappable file: fixed windows overlapping by keep. */
static int walk_windows(struct search_scan *sc, const struct hits *h,
			uint64_t off, uint64_t end, size_t keep, uint64_t *seed)
{
	size_t win = keep + 1 + (size_t)(fuzz_rand(seed) % 97);
	uint64_t pos = off;
	int rc;

	while (pos < end) {
		uint64_t n = end - pos < win ? end - pos : win;

		if ((rc = feed(sc, h, pos, pos + n)) || pos + n >= end)
			return rc;
		pos += n - keep;
	}
	return 0;
}

/* map_walk over a stream: short reads, each chunk begins with the kept tail. */
static int walk_stream(struct search_scan *sc, const struct hits *h,
		       uint64_t off, uint64_t end, size_t keep, uint64_t *seed)
{
	uint64_t pos = off, got = off;
	int rc;

	while (got < end) {
		uint64_t r = 1 + fuzz_rand(seed) % (fuzz_rand(seed) % 2 ? 8 : 300);
		size_t n, k;

		if (r > end - got)
			r = end - got;
		got += r;
		n = (size_t)(got - pos);
		if ((rc = feed(sc, h, pos, got)))
			return rc;
		k = keep < n ? keep : n;
		pos += n - k;
	}
	return 0;
}

/*
 * One scan as grep_direct runs it: decide the starts in [from, limit) of
 * [floor, hi); *resume gets where a following scan goes on.
 */
static void scan(const struct search *s, struct hits *h, int stream,
		 uint64_t floor, uint64_t from, uint64_t hi, uint64_t limit,
		 uint64_t *seed, uint64_t *resume)
{
	struct search_scan sc;
	size_t keep = search_walk_keep(s, h->margin);
	uint64_t start = search_data_start(s, from, h->margin, floor);
	uint64_t end = hi, reach = search_walk_keep(s, 0) + h->margin;
	int rc;

	if (limit < hi && hi - limit > reach)
		end = limit + reach;
	FUZZ_CHECK(start <= from && start >= floor);
	FUZZ_CHECK(search_scan_init(&sc, s, from, limit,
				    end == hi && !stream ? hi : UINT64_MAX,
				    h->margin, on_hit, h) == 0);
	h->walk_lo = start;
	h->walk_hi = end;
	if (start >= end)
		rc = 0;
	else if (stream)
		rc = walk_stream(&sc, h, start, end, keep, seed);
	else
		rc = walk_windows(&sc, h, start, end, keep, seed);
	if (rc == 0)
		rc = search_finish(&sc, end == hi);
	FUZZ_CHECK(rc == 0);
	*resume = search_resume(&sc);
	search_scan_free(&sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kernels[] = { NULL, "avx2", "sse2", "scalar" };
	static const uint64_t bases[] = { 0, 4096, 1ULL << 40, 0xfffffffeULL };
	struct search_opts o = { 0 };
	struct refpat ref[MAXPATS];
	char *pats[MAXPATS], err[256];
	const char *cpats[MAXPATS];
	size_t np = 0, want_np, i, bad = 99, first_bad = MAXPATS;
	const uint8_t *p, *end = data + size;
	struct hits got = { 0 }, want = { 0 };
	int literal, mode;
	uint64_t seed = 0, base, resume;
	struct search *s;

	if (size < 6)
		return 0;
	o.overlap = data[0] & 1;
	o.icase = (data[0] >> 1) & 1;
	o.kernel = kernels[(data[0] >> 2) & 3];
	want_np = ((data[0] >> 4) & 3) + 1u;
	mode = data[0] >> 6;
	got.margin = data[1] & 15;
	base = bases[(data[1] >> 4) & 3];
	literal = data[1] >> 7;
	o.kind = literal ? SEARCH_LITERAL : SEARCH_HEX;
	memcpy(&seed, data + 2, 4);

	for (p = data + 6; np < want_np && p < end;) {
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);

		pats[np] = fuzz_cstr(p, n);
		cpats[np] = pats[np];
		np++;
		p += n + (nul != NULL);
	}
	if (!np) {
		pats[np] = fuzz_cstr((const uint8_t *)"", 0);
		cpats[np] = pats[np];
		np++;
	}
	got.hay = p;
	got.base = base;
	for (i = 0; i < np; i++)
		if (ref_parse(pats[i], literal, &ref[i]) && first_bad == MAXPATS)
			first_bad = i;

	memset(err, 0, sizeof err);
	s = search_compile(cpats, np, &o, err, sizeof err, &bad);
	if ((s != NULL) != (first_bad == MAXPATS))
		fuzz_fail("search_compile(\"%s\"...) %s, reference %s (err \"%s\")",
			  pats[0], s ? "compiles" : "fails",
			  first_bad == MAXPATS ? "accepts" : "rejects", err);
	if (!s) {
		FUZZ_CHECK(bad == first_bad);
		FUZZ_CHECK(memchr(err, 0, sizeof err) && err[0]);
		goto out;
	}
	{
		const char *k = search_kernel(s);

		FUZZ_CHECK(!strcmp(k, "avx2") || !strcmp(k, "sse2") ||
			   !strcmp(k, "scalar"));
	}

	/* The naive matcher. */
	{
		size_t n = (size_t)(end - p), c = 0, len;

		while (c < n) {
			len = ref_match_at(ref, np, p, n, c, o.icase);
			if (!len) {
				c++;
				continue;
			}
			hits_add(&want, base + c, len);
			c = o.overlap ? c + 1 : c + len;
		}
	}

	/* The scan, fed as the mode says. */
	{
		uint64_t hi = base + (uint64_t)(end - p);

		switch (mode) {
		case 0:
			got.walk_lo = base;
			got.walk_hi = hi;
			{
				struct search_scan sc;

				FUZZ_CHECK(search_scan_init(&sc, s, base, UINT64_MAX, hi,
							    got.margin, on_hit, &got) == 0);
				FUZZ_CHECK(feed(&sc, &got, base, hi) == 0);
				FUZZ_CHECK(search_finish(&sc, 1) == 0);
				search_scan_free(&sc);
			}
			break;
		case 1:
		case 2:
			scan(s, &got, mode == 2, base, base, hi, UINT64_MAX, &seed, &resume);
			break;
		default: {
			uint64_t mid = base + (hi - base) / 2;

			scan(s, &got, 0, base, base, hi, mid, &seed, &resume);
			for (i = 0; i < got.n; i++)
				FUZZ_CHECK(got.v[i].off < mid);
			scan(s, &got, 0, base, resume, hi, UINT64_MAX, &seed, &resume);
			break;
		}
		}
	}
	if (got.n != want.n ||
	    (got.n && memcmp(got.v, want.v, got.n * sizeof *got.v))) {
		for (i = 0; i < got.n || i < want.n; i++)
			fprintf(stderr, "%zu: got %lld+%zu want %lld+%zu\n", i,
				i < got.n ? (long long)got.v[i].off : -1LL,
				i < got.n ? got.v[i].len : 0,
				i < want.n ? (long long)want.v[i].off : -1LL,
				i < want.n ? want.v[i].len : 0);
		fuzz_fail("search of \"%s\" (%zu patterns, mode %d, kernel %s) "
			  "differs from the naive matcher", pats[0], np, mode,
			  search_kernel(s));
	}
	search_free(s);
out:
	for (i = 0; i < np; i++) {
		free(ref[i].val);
		free(ref[i].mask);
		free(pats[i]);
	}
	free(got.v);
	free(want.v);
	return 0;
}
