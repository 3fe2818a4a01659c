/*
 * grep_simd: the byte-pattern kernels under search.c.  A pattern is a
 * value and a mask per byte: it matches at c when (p[c + j] & mask[j]) ==
 * val[j] for every j, which covers literals, ASCII case folding (mask 0xdf
 * on letters) and hex wildcards (mask 0x00 or 0xf0/0x0f).
 *
 * The prefilter tests two anchor bytes of each pattern, chosen rare, 32
 * (AVX2) or 16 (SSE2) start positions at a time, the "generic SIMD"
 * algorithm of Wojciech Mula's "SIMD-friendly algorithms for substring
 * searching", which is also what the memchr crate under ripgrep does; only
 * candidates that pass both anchors are compared in full.
 */
#ifndef MM_GREP_SIMD_H
#define MM_GREP_SIMD_H

#include <stddef.h>

struct grep_simd_pat {
	const unsigned char *val, *mask;	/* len bytes each */
	size_t len;
	size_t a1, a2;		/* anchor positions, a1 <= a2 < len (may be equal) */
	int plain;		/* every mask byte is 0xff: memcmp verifies */
	int anchored;		/* the anchors have a nonzero mask */
};

struct grep_simd_set;

/*
 * Find the first start c in [lo, hi) where some pattern of the set matches
 * and fits (c + len <= n).  Returns c and the longest such pattern's length
 * in *len, or hi when there is none.  p[0..n) must be readable; nothing
 * past p + n is read.
 */
typedef size_t (*grep_simd_fn)(const struct grep_simd_set *set,
			       const unsigned char *p, size_t n, size_t lo,
			       size_t hi, size_t *len);

struct grep_simd_set {
	struct grep_simd_pat *pats;
	size_t npats;
	size_t maxlen;		/* of all patterns */
	size_t maxa2;		/* the largest second anchor */
	grep_simd_fn find;	/* chosen by grep_simd_prepare */
	const char *kernel;	/* "avx2", "sse2" or "scalar" */
};

/*
 * Choose the anchors of each pattern (the two rarest bytes, by a table of
 * typical byte frequencies) and the kernel: AVX2 when the CPU has it, else
 * SSE2 on x86-64, else portable C.  `force` ("avx2", "sse2", "scalar" or
 * NULL) overrides the choice, for tests; a kernel the CPU lacks is not used.
 */
void grep_simd_prepare(struct grep_simd_set *set, const char *force);

#endif
