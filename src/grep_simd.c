#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "grep_simd.h"

#if defined(__x86_64__) || defined(__i386__)
#define GREP_SIMD_X86 1
#include <immintrin.h>
#endif

/*
 * How common each byte is, roughly, in what people search: text (English
 * letter order, spaces, newlines, digits) and binaries (runs of 0x00 and
 * 0xff, small integers).  Only the order matters: the anchors are the two
 * bytes of a pattern least likely to occur, so few candidates reach the
 * full compare.  Units are arbitrary.
 */
static unsigned grep_simd_freq(unsigned b)
{
	static const char common[] = "etaoinsrhldcumfpgwybvkxjqz";

	if (b == 0x00)
		return 2000;
	if (b == ' ')
		return 1600;
	if (b >= 'a' && b <= 'z')
		return 1000 - 35 * (unsigned)(strchr(common, (int)b) - common);
	if (b == '\n')
		return 600;
	if (b == 0xff)
		return 400;
	if (b >= '0' && b <= '9')
		return b <= '1' ? 300 : 200;
	if (b >= 'A' && b <= 'Z')
		return 120;
	if (b == '\t' || b == '\r' || b == 0x01 || b == 0x02)
		return 100;
	if (strchr(".,-_/:;()\"'=<>{}[]*#+!?&%$@|\\^`~", (int)b) && b)
		return 80;
	if (b < 0x20 || b == 0x7f)
		return 30;
	return 10;		/* the rest of 0x80..0xfe */
}

/* How often (b & mask) == val is expected, summed over the bytes b. */
static unsigned long grep_simd_weight(unsigned char val, unsigned char mask)
{
	unsigned long w = 0;

	for (unsigned b = 0; b < 256; b++)
		if ((b & mask) == val)
			w += grep_simd_freq(b);
	return w;
}

static void grep_simd_anchors(struct grep_simd_pat *q)
{
	unsigned long best1 = ~0UL, best2 = ~0UL, w;
	size_t j, i1 = 0, i2 = 0;
	int have1 = 0, have2 = 0;

	q->plain = 1;
	for (j = 0; j < q->len; j++) {
		if (q->mask[j] != 0xff)
			q->plain = 0;
		if (!q->mask[j])
			continue;
		w = grep_simd_weight(q->val[j], q->mask[j]);
		if (!have1 || w < best1) {
			if (have1) {
				best2 = best1, i2 = i1, have2 = 1;
			}
			best1 = w, i1 = j, have1 = 1;
		} else if (!have2 || w < best2) {
			best2 = w, i2 = j, have2 = 1;
		}
	}
	if (!have2)
		i2 = i1;
	q->anchored = have1;
	q->a1 = i1 < i2 ? i1 : i2;
	q->a2 = i1 < i2 ? i2 : i1;
}

/* The whole pattern at c, once the anchors have passed (or not been tested). */
static inline int grep_simd_verify(const struct grep_simd_pat *q,
				   const unsigned char *p, size_t n, size_t c)
{
	if (q->len > n - c)
		return 0;
	if (q->plain)
		return !memcmp(p + c, q->val, q->len);
	for (size_t j = 0; j < q->len; j++)
		if ((p[c + j] & q->mask[j]) != q->val[j])
			return 0;
	return 1;
}

/* The longest pattern matching at c, or 0. */
static inline size_t grep_simd_verify_all(const struct grep_simd_set *set,
					  const unsigned char *p, size_t n,
					  size_t c)
{
	size_t best = 0;

	for (size_t k = 0; k < set->npats; k++) {
		const struct grep_simd_pat *q = &set->pats[k];

		if (q->len > best && grep_simd_verify(q, p, n, c))
			best = q->len;
	}
	return best;
}

/* Portable C. */

static size_t grep_simd_find_scalar(const struct grep_simd_set *set,
				    const unsigned char *p, size_t n, size_t lo,
				    size_t hi, size_t *len)
{
	const struct grep_simd_pat *q = &set->pats[0];
	size_t c, l;

	if (set->npats == 1 && q->anchored && q->mask[q->a1] == 0xff) {
		/* memchr is the C library's own vector code for one byte. */
		unsigned char v = q->val[q->a1];
		size_t end = n < q->len ? 0 : n - q->len + 1;

		if (end > hi)
			end = hi;
		for (c = lo; c < end;) {
			const unsigned char *r = memchr(p + c + q->a1, v, end - c);

			if (!r)
				break;
			c = (size_t)(r - p) - q->a1;
			if (c + q->len <= n && grep_simd_verify(q, p, n, c)) {
				*len = q->len;
				return c;
			}
			c++;
		}
		return hi;
	}
	for (c = lo; c < hi; c++)
		if ((l = grep_simd_verify_all(set, p, n, c))) {
			*len = l;
			return c;
		}
	return hi;
}

#ifdef GREP_SIMD_X86

/* Candidate bits of one 64-start block: check each, lowest first. */
static inline int grep_simd_bits(const struct grep_simd_set *set,
				 const unsigned char *p, size_t n, size_t c,
				 size_t hi, uint64_t bits, size_t *at, size_t *len)
{
	while (bits) {
		size_t i = c + (size_t)__builtin_ctzll(bits);
		size_t l;

		if (i >= hi)
			return 0;
		if (set->npats == 1) {
			if (grep_simd_verify(&set->pats[0], p, n, i)) {
				*at = i;
				*len = set->pats[0].len;
				return 1;
			}
		} else if ((l = grep_simd_verify_all(set, p, n, i))) {
			*at = i;
			*len = l;
			return 1;
		}
		bits &= bits - 1;
	}
	return 0;
}

/*
 * One pattern, 64 starts an iteration: four loads, masked compares of
 * both anchors, one OR-test to skip the block.  The loop runs while the
 * loads stay inside p[0..n); the few starts left go to the scalar code.
 */
__attribute__((target("avx2")))
static size_t grep_simd_find1_avx2(const struct grep_simd_set *set,
				   const unsigned char *p, size_t n, size_t lo,
				   size_t hi, size_t *len)
{
	const struct grep_simd_pat *q = &set->pats[0];
	const __m256i v1 = _mm256_set1_epi8((char)q->val[q->a1]);
	const __m256i m1 = _mm256_set1_epi8((char)q->mask[q->a1]);
	const __m256i v2 = _mm256_set1_epi8((char)q->val[q->a2]);
	const __m256i m2 = _mm256_set1_epi8((char)q->mask[q->a2]);
	const unsigned char *b1 = p + q->a1, *b2 = p + q->a2;
	size_t c = lo, at;

	if (n < q->a2 + 64)
		return grep_simd_find_scalar(set, p, n, lo, hi, len);
	for (; c < hi && c <= n - q->a2 - 64; c += 64) {
		__m256i x0 = _mm256_loadu_si256((const __m256i *)(b1 + c));
		__m256i x1 = _mm256_loadu_si256((const __m256i *)(b1 + c + 32));
		__m256i y0 = _mm256_loadu_si256((const __m256i *)(b2 + c));
		__m256i y1 = _mm256_loadu_si256((const __m256i *)(b2 + c + 32));
		__m256i e0 = _mm256_and_si256(
			_mm256_cmpeq_epi8(_mm256_and_si256(x0, m1), v1),
			_mm256_cmpeq_epi8(_mm256_and_si256(y0, m2), v2));
		__m256i e1 = _mm256_and_si256(
			_mm256_cmpeq_epi8(_mm256_and_si256(x1, m1), v1),
			_mm256_cmpeq_epi8(_mm256_and_si256(y1, m2), v2));
		uint64_t bits;

		if (_mm256_testz_si256(_mm256_or_si256(e0, e1),
				       _mm256_or_si256(e0, e1)))
			continue;
		bits = (uint64_t)(uint32_t)_mm256_movemask_epi8(e0) |
		       (uint64_t)(uint32_t)_mm256_movemask_epi8(e1) << 32;
		if (grep_simd_bits(set, p, n, c, hi, bits, &at, len))
			return at;
	}
	return c < hi ? grep_simd_find_scalar(set, p, n, c, hi, len) : hi;
}

/* Several patterns: the OR of each pattern's anchor test, 32 starts a step. */
__attribute__((target("avx2")))
static size_t grep_simd_findn_avx2(const struct grep_simd_set *set,
				   const unsigned char *p, size_t n, size_t lo,
				   size_t hi, size_t *len)
{
	size_t c = lo, at;

	if (n < set->maxa2 + 32)
		return grep_simd_find_scalar(set, p, n, lo, hi, len);
	for (; c < hi && c <= n - set->maxa2 - 32; c += 32) {
		__m256i acc = _mm256_setzero_si256();
		uint64_t bits;

		for (size_t k = 0; k < set->npats; k++) {
			const struct grep_simd_pat *q = &set->pats[k];
			__m256i x = _mm256_loadu_si256((const __m256i *)(p + c + q->a1));
			__m256i y = _mm256_loadu_si256((const __m256i *)(p + c + q->a2));

			acc = _mm256_or_si256(acc, _mm256_and_si256(
				_mm256_cmpeq_epi8(_mm256_and_si256(x,
					_mm256_set1_epi8((char)q->mask[q->a1])),
					_mm256_set1_epi8((char)q->val[q->a1])),
				_mm256_cmpeq_epi8(_mm256_and_si256(y,
					_mm256_set1_epi8((char)q->mask[q->a2])),
					_mm256_set1_epi8((char)q->val[q->a2]))));
		}
		bits = (uint32_t)_mm256_movemask_epi8(acc);
		if (bits && grep_simd_bits(set, p, n, c, hi, bits, &at, len))
			return at;
	}
	return c < hi ? grep_simd_find_scalar(set, p, n, c, hi, len) : hi;
}

/* SSE2 is part of x86-64, so this needs no run-time check there. */
__attribute__((target("sse2")))
static size_t grep_simd_find1_sse2(const struct grep_simd_set *set,
				   const unsigned char *p, size_t n, size_t lo,
				   size_t hi, size_t *len)
{
	const struct grep_simd_pat *q = &set->pats[0];
	const __m128i v1 = _mm_set1_epi8((char)q->val[q->a1]);
	const __m128i m1 = _mm_set1_epi8((char)q->mask[q->a1]);
	const __m128i v2 = _mm_set1_epi8((char)q->val[q->a2]);
	const __m128i m2 = _mm_set1_epi8((char)q->mask[q->a2]);
	const unsigned char *b1 = p + q->a1, *b2 = p + q->a2;
	size_t c = lo, at;

	if (n < q->a2 + 32)
		return grep_simd_find_scalar(set, p, n, lo, hi, len);
	for (; c < hi && c <= n - q->a2 - 32; c += 32) {
		__m128i x0 = _mm_loadu_si128((const __m128i *)(b1 + c));
		__m128i x1 = _mm_loadu_si128((const __m128i *)(b1 + c + 16));
		__m128i y0 = _mm_loadu_si128((const __m128i *)(b2 + c));
		__m128i y1 = _mm_loadu_si128((const __m128i *)(b2 + c + 16));
		__m128i e0 = _mm_and_si128(
			_mm_cmpeq_epi8(_mm_and_si128(x0, m1), v1),
			_mm_cmpeq_epi8(_mm_and_si128(y0, m2), v2));
		__m128i e1 = _mm_and_si128(
			_mm_cmpeq_epi8(_mm_and_si128(x1, m1), v1),
			_mm_cmpeq_epi8(_mm_and_si128(y1, m2), v2));
		uint64_t bits = (uint64_t)(uint32_t)_mm_movemask_epi8(e0) |
				(uint64_t)(uint32_t)_mm_movemask_epi8(e1) << 16;

		if (bits && grep_simd_bits(set, p, n, c, hi, bits, &at, len))
			return at;
	}
	return c < hi ? grep_simd_find_scalar(set, p, n, c, hi, len) : hi;
}

__attribute__((target("sse2")))
static size_t grep_simd_findn_sse2(const struct grep_simd_set *set,
				   const unsigned char *p, size_t n, size_t lo,
				   size_t hi, size_t *len)
{
	size_t c = lo, at;

	if (n < set->maxa2 + 16)
		return grep_simd_find_scalar(set, p, n, lo, hi, len);
	for (; c < hi && c <= n - set->maxa2 - 16; c += 16) {
		__m128i acc = _mm_setzero_si128();
		uint64_t bits;

		for (size_t k = 0; k < set->npats; k++) {
			const struct grep_simd_pat *q = &set->pats[k];
			__m128i x = _mm_loadu_si128((const __m128i *)(p + c + q->a1));
			__m128i y = _mm_loadu_si128((const __m128i *)(p + c + q->a2));

			acc = _mm_or_si128(acc, _mm_and_si128(
				_mm_cmpeq_epi8(_mm_and_si128(x,
					_mm_set1_epi8((char)q->mask[q->a1])),
					_mm_set1_epi8((char)q->val[q->a1])),
				_mm_cmpeq_epi8(_mm_and_si128(y,
					_mm_set1_epi8((char)q->mask[q->a2])),
					_mm_set1_epi8((char)q->val[q->a2]))));
		}
		bits = (uint32_t)_mm_movemask_epi8(acc);
		if (bits && grep_simd_bits(set, p, n, c, hi, bits, &at, len))
			return at;
	}
	return c < hi ? grep_simd_find_scalar(set, p, n, c, hi, len) : hi;
}

#endif

void grep_simd_prepare(struct grep_simd_set *set, const char *force)
{
	int all_anchored = 1;

	set->maxlen = set->maxa2 = 0;
	for (size_t k = 0; k < set->npats; k++) {
		struct grep_simd_pat *q = &set->pats[k];

		grep_simd_anchors(q);
		all_anchored &= q->anchored;
		if (q->len > set->maxlen)
			set->maxlen = q->len;
		if (q->a2 > set->maxa2)
			set->maxa2 = q->a2;
	}
	set->find = grep_simd_find_scalar;
	set->kernel = "scalar";
	/* A pattern of wildcards only matches everywhere: nothing to filter. */
	if (!all_anchored || (force && !strcmp(force, "scalar")))
		return;
#ifdef GREP_SIMD_X86
	if (cpu_has_avx2() && !(force && !strcmp(force, "sse2"))) {
		set->find = set->npats == 1 ? grep_simd_find1_avx2 : grep_simd_findn_avx2;
		set->kernel = "avx2";
		return;
	}
	if (cpu_has_sse2()) {
		set->find = set->npats == 1 ? grep_simd_find1_sse2 : grep_simd_findn_sse2;
		set->kernel = "sse2";
	}
#endif
}
