#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "diff.h"
#include "map.h"
#include "pool.h"

#if defined(__x86_64__) || defined(__i386__)
#define DIFF_X86 1
#include <immintrin.h>
#endif

/* What is read of each file at a time: two of these stay in L2. */
#define DIFF_PIECE ((size_t)256 << 10)
/* A job: enough to pay for a thread hand-off, small enough to share out. */
#define DIFF_JOB ((uint64_t)16 << 20)
/* Jobs started past the oldest one not yet handed back, per thread. */
#define DIFF_AHEAD 4

struct diff_found {
	uint64_t pos, len;
};

/* A job's result: its ranges, and the buffer it reads into. */
struct diff_slot {
	struct diff_found *r;
	size_t n, cap;
	unsigned char *buf;	/* 2 * DIFF_PIECE */
};

struct diff_ctx {
	const struct diff_side *a, *b;
	uint64_t len;
	int first_only;
	int map;		/* compare mapped windows, not what is read */
	int found;		/* first_only: some job has found one (atomic) */
	diff_range_fn fn;
	void *fn_ctx;
	struct diff_found pend;	/* the last range, while the next may touch it */
	int have_pend;
};

static int diff_add(struct diff_slot *s, uint64_t pos, uint64_t len)
{
	struct diff_found *grown;

	if (s->n && s->r[s->n - 1].pos + s->r[s->n - 1].len == pos) {
		s->r[s->n - 1].len += len;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		if (!(grown = realloc(s->r, cap * sizeof *grown)))
			return -ENOMEM;
		s->r = grown;
		s->cap = cap;
	}
	s->r[s->n++] = (struct diff_found){ pos, len };
	return 0;
}

/*
 * The first i' >= i below n where p and q differ, or n: the one scan over
 * every byte, so it goes a vector at a time; what it finds is handled a
 * byte at a time (a run of differing bytes is short next to the rest).
 */
static size_t diff_mismatch_c(const unsigned char *p, const unsigned char *q,
			      size_t i, size_t n)
{
	uint64_t u, v;

	for (; n - i >= 8; i += 8) {
		memcpy(&u, p + i, 8);
		memcpy(&v, q + i, 8);
		if (u != v)
			break;
	}
	while (i < n && p[i] == q[i])
		i++;
	return i;
}

#ifdef DIFF_X86
__attribute__((target("avx2")))
static size_t diff_mismatch_avx2(const unsigned char *p, const unsigned char *q,
				 size_t i, size_t n)
{
	for (; n - i >= 64; i += 64) {
		__m256i e0 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i)),
					       _mm256_loadu_si256((const __m256i *)(q + i)));
		__m256i e1 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i + 32)),
					       _mm256_loadu_si256((const __m256i *)(q + i + 32)));
		uint64_t ne = ~((uint64_t)(uint32_t)_mm256_movemask_epi8(e0) |
				(uint64_t)(uint32_t)_mm256_movemask_epi8(e1) << 32);

		if (ne)
			return i + (size_t)__builtin_ctzll(ne);
	}
	return diff_mismatch_c(p, q, i, n);
}

__attribute__((target("sse2")))
static size_t diff_mismatch_sse2(const unsigned char *p, const unsigned char *q,
				 size_t i, size_t n)
{
	for (; n - i >= 32; i += 32) {
		__m128i e0 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)),
					    _mm_loadu_si128((const __m128i *)(q + i)));
		__m128i e1 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i + 16)),
					    _mm_loadu_si128((const __m128i *)(q + i + 16)));
		uint32_t ne = ~((uint32_t)_mm_movemask_epi8(e0) |
				(uint32_t)_mm_movemask_epi8(e1) << 16);

		if (ne)
			return i + (size_t)__builtin_ctz(ne);
	}
	return diff_mismatch_c(p, q, i, n);
}
#endif

static size_t diff_mismatch(const unsigned char *p, const unsigned char *q,
			    size_t i, size_t n)
{
#ifdef DIFF_X86
	if (cpu_has_avx2())
		return diff_mismatch_avx2(p, q, i, n);
	if (cpu_has_sse2())
		return diff_mismatch_sse2(p, q, i, n);
#endif
	return diff_mismatch_c(p, q, i, n);
}

/* Add the runs of differing bytes of p and q (n bytes at pos); 1 with first_only once one is found. */
static int diff_bytes(struct diff_slot *s, const unsigned char *p,
		      const unsigned char *q, size_t n, uint64_t pos,
		      int first_only)
{
	size_t i = 0, j;
	int rc;

	while ((i = diff_mismatch(p, q, i, n)) < n) {
		for (j = i + 1; j < n && p[j] != q[j]; j++)
			;
		if ((rc = diff_add(s, pos + i, j - i)))
			return rc;
		if (first_only)
			return 1;
		i = j;
	}
	return 0;
}

/* Read exactly n bytes at off, or MAP_ETRUNC where the file ends first. */
static int diff_pread(int fd, unsigned char *buf, size_t n, uint64_t off)
{
	ssize_t r;

	while (n) {
		r = pread(fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return MAP_ETRUNC;
		buf += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Compare p and q, [pos, end) of the compared part, piece by piece; 1 when first_only found one. */
static int diff_span(struct diff_ctx *c, struct diff_slot *s,
		     const unsigned char *p, const unsigned char *q,
		     uint64_t pos, uint64_t end)
{
	size_t at = 0, n;
	int rc;

	while (pos + at < end) {
		n = end - pos - at < DIFF_PIECE ? (size_t)(end - pos - at) : DIFF_PIECE;
		if (c->first_only && __atomic_load_n(&c->found, __ATOMIC_RELAXED))
			return 1;
		if ((rc = diff_bytes(s, p + at, q + at, n, pos + at, c->first_only)))
			return rc;
		at += n;
	}
	return 0;
}

/* Read [pos, end) of both files a piece at a time and compare it; 1 when first_only found one. */
static int diff_dense_read(struct diff_ctx *c, struct diff_slot *s, uint64_t pos,
			   uint64_t end)
{
	unsigned char *p, *q;
	int rc;

	if (!s->buf && !(s->buf = malloc(2 * DIFF_PIECE)))
		return -ENOMEM;
	p = s->buf;
	q = s->buf + DIFF_PIECE;
	while (pos < end) {
		size_t n = end - pos < DIFF_PIECE ? (size_t)(end - pos) : DIFF_PIECE;

		if ((rc = diff_pread(c->a->f->fd, p, n, c->a->off + pos)) ||
		    (rc = diff_pread(c->b->f->fd, q, n, c->b->off + pos)) ||
		    (rc = diff_span(c, s, p, q, pos, pos + n)))
			return rc;
		pos += n;
	}
	return 0;
}

/* diff_span over two mapped windows, called under map_guard2. */
struct diff_mapped_call {
	struct diff_ctx *c;
	struct diff_slot *s;
	const unsigned char *p, *q;
	uint64_t pos, end;
};

static int diff_mapped_call(void *arg)
{
	struct diff_mapped_call *m = arg;

	/* diff_add's realloc never runs while a mapped byte is touched: a jump cannot leak it. */
	return diff_span(m->c, m->s, m->p, m->q, m->pos, m->end);
}

/* 0 if side d still holds its compared part up to pos end (map.h). */
static int diff_holds(const struct diff_side *d, uint64_t end)
{
	return map_still_holds(d->f, d->off + end);
}

/*
 * Map [pos, end) of both files (at most DIFF_JOB bytes of each: one
 * window per file per worker) and compare it under the SIGBUS guard, so a
 * file that shrinks gives MAP_ETRUNC.  Where the address space is short,
 * the span is read instead.  Pages are faulted in as they are touched,
 * not populated up front: a full scan costs the same either way, and
 * cmp -s that finds a difference early touches only what it compared.
 */
static int diff_dense_mapped(struct diff_ctx *c, struct diff_slot *s,
			     uint64_t pos, uint64_t end)
{
	struct map_view va, vb;
	struct diff_mapped_call m = { c, s, NULL, NULL, pos, end };
	size_t n = (size_t)(end - pos);
	int rc, rc2;

	rc = map_view_open(c->a->f, c->a->off + pos, n, 0, &va);
	if (rc == -ENOMEM)
		return diff_dense_read(c, s, pos, end);
	if (rc)
		return rc;
	rc = map_view_open(c->b->f, c->b->off + pos, n, 0, &vb);
	if (rc) {
		map_view_close(&va);
		return rc == -ENOMEM ? diff_dense_read(c, s, pos, end) : rc;
	}
	m.p = va.p;
	m.q = vb.p;
	rc = map_guard2(va.base, va.base_len, vb.base, vb.base_len, diff_mapped_call, &m);
	map_view_close(&vb);
	map_view_close(&va);
	/*
	 * A file cut short inside a page reads as zeros there, with no SIGBUS:
	 * what was compared is only good if both still hold the whole span.
	 */
	if (rc >= 0 && ((rc2 = diff_holds(c->a, end)) || (rc2 = diff_holds(c->b, end))))
		return rc2;
	/* A fault with both files whole was not a cut (map.h). */
	if (rc == MAP_ETRUNC && !diff_holds(c->a, end) && !diff_holds(c->b, end))
		return MAP_EPAGE;
	return rc;
}

static int diff_dense(struct diff_ctx *c, struct diff_slot *s, uint64_t pos,
		      uint64_t end)
{
	return c->map ? diff_dense_mapped(c, s, pos, end) : diff_dense_read(c, s, pos, end);
}

/*
 * Whether the byte at compared position pos of side d is data, and the
 * position up to which that holds.  Where SEEK_DATA is not supported
 * (EINVAL: a device), everything is data.
 */
static int diff_is_data(const struct diff_side *d, uint64_t pos, uint64_t *until)
{
	int data = map_data_at(d->f, d->off + pos, until);

	if (*until != UINT64_MAX)
		*until -= d->off;
	return data;
}

static int diff_job(void *ctx, size_t job, void *slot)
{
	struct diff_ctx *c = ctx;
	struct diff_slot *s = slot;
	uint64_t pos = (uint64_t)job * DIFF_JOB, hi, ua, ub, end;
	int da, db, rc;

	hi = c->len - pos < DIFF_JOB ? c->len : pos + DIFF_JOB;
	s->n = 0;
	while (pos < hi) {
		da = diff_is_data(c->a, pos, &ua);
		db = diff_is_data(c->b, pos, &ub);
		if (!da && !db) {
			/* Zeros on both sides: equal, and nothing to read. */
			pos = ua < ub ? ua : ub;
			continue;
		}
		end = da && db ? (ua > ub ? ua : ub) : da ? ua : ub;
		end = end < hi ? end : hi;
		rc = diff_dense(c, s, pos, end);
		if (rc == 1) {
			__atomic_store_n(&c->found, 1, __ATOMIC_RELAXED);
			return 0;
		}
		if (rc)
			return rc;
		pos = end;
	}
	return 0;
}

/* Hand back a job's ranges in order, joining one that touches the last. */
static int diff_emit(void *ctx, size_t job, void *slot, int run_rc)
{
	struct diff_ctx *c = ctx;
	struct diff_slot *s = slot;
	int rc;

	(void)job;
	if (run_rc)
		return run_rc;
	for (size_t i = 0; i < s->n; i++) {
		if (c->first_only)
			return c->fn(c->fn_ctx, s->r[i].pos, s->r[i].len);
		if (c->have_pend && c->pend.pos + c->pend.len == s->r[i].pos) {
			c->pend.len += s->r[i].len;
			continue;
		}
		if (c->have_pend && (rc = c->fn(c->fn_ctx, c->pend.pos, c->pend.len)))
			return rc;
		c->pend = s->r[i];
		c->have_pend = 1;
	}
	return 0;
}

static void diff_free_slot(void *ctx, void *slot)
{
	struct diff_slot *s = slot;

	(void)ctx;
	free(s->r);
	free(s->buf);
}

int diff_run(const struct diff_side *a, const struct diff_side *b,
	     uint64_t len, const struct diff_opts *o, diff_range_fn fn,
	     void *ctx)
{
	static const struct pool_ops ops = { diff_job, diff_emit, diff_free_slot };
	struct diff_ctx c = { .a = a, .b = b, .len = len,
			      .first_only = o->first_only, .map = o->map,
			      .fn = fn, .fn_ctx = ctx };
	size_t jobs = (size_t)((len + DIFF_JOB - 1) / DIFF_JOB);
	unsigned threads = o->threads ? o->threads : pool_cpus();
	int rc;

	if (len == 0)
		return 0;
	rc = pool_run(jobs, threads, sizeof(struct diff_slot),
		      (size_t)threads * DIFF_AHEAD, &ops, &c);
	if (rc == 0 && c.have_pend)
		rc = fn(ctx, c.pend.pos, c.pend.len);
	return rc;
}
