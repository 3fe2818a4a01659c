#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edit.h"

struct edit_span_range {
	uint64_t lo, hi;
};

static int edit_cmp_range(const void *a, const void *b)
{
	const struct edit_span_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * Ranges closer than this are reserved as one: a 100,000-line patch then
 * costs a few fallocate calls, while a file with holes far apart keeps them.
 */
#define EDIT_RESERVE_GAP ((uint64_t)1 << 20)

int edit_reserve(struct map_file *f, const struct edit *e, size_t n)
{
	struct edit_span_range *r;
	size_t k = 0;
	int rc = 0;

	if (!S_ISREG(f->mode) || n == 0)
		return 0;
	r = malloc(n * sizeof *r);
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct edit_span_range){ e[i].off, e[i].off + edit_span(&e[i]) };
	qsort(r, n, sizeof *r, edit_cmp_range);
	for (size_t i = 1; i < n; i++) {
		if (r[i].lo <= r[k].hi + EDIT_RESERVE_GAP) {
			if (r[i].hi > r[k].hi)
				r[k].hi = r[i].hi;
		} else {
			r[++k] = r[i];
		}
	}
	for (size_t i = 0; i <= k && !rc; i++) {
		/* KEEP_SIZE: allocate without growing; growing is the caller's. */
		if (fallocate(f->fd, FALLOC_FL_KEEP_SIZE, (off_t)r[i].lo,
			      (off_t)(r[i].hi - r[i].lo)) < 0) {
			if (errno == EOPNOTSUPP || errno == ENOSYS)
				break;
			rc = -errno;
		}
	}
	free(r);
	return rc;
}

/* The window currently mapped, reused while edits fall inside it. */
struct edit_writer {
	struct map_file *f;
	struct map_view v;
	int sync;
	const struct edit *e;
	uint64_t done;		/* bytes of *e written so far */
};

static int edit_close_view(struct edit_writer *w)
{
	int rc = 0;

	if (w->v.base && w->sync)
		rc = map_view_sync(&w->v);
	map_view_close(&w->v);
	return rc;
}

/* Copy the part of w->e that falls in the view; runs under map_guard. */
static int edit_copy(void *arg)
{
	struct edit_writer *w = arg;
	const struct edit *e = w->e;
	uint64_t total = edit_span(e), pos = e->off + w->done;
	unsigned char *dst = w->v.p + (pos - w->v.off);
	uint64_t room = w->v.off + w->v.len - pos;
	uint64_t n = total - w->done < room ? total - w->done : room;

	for (uint64_t left = n; left;) {
		size_t phase = (size_t)(w->done % e->len);
		size_t take = e->len - phase < left ? e->len - phase : (size_t)left;

		memcpy(dst, e->data + phase, take);
		dst += take;
		left -= take;
		w->done += take;
	}
	return 0;
}

int edit_apply(struct map_file *f, const struct edit *e, size_t n, int sync)
{
	struct edit_writer w = { .f = f, .sync = sync };
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t total = edit_span(&e[i]);

		w.e = &e[i];
		w.done = 0;
		while (w.done < total && !rc) {
			uint64_t pos = e[i].off + w.done;

			if (!w.v.base || pos < w.v.off || pos >= w.v.off + w.v.len) {
				uint64_t want = f->size - pos;

				if ((rc = edit_close_view(&w)))
					break;
				if (want > MAP_WINDOW)
					want = MAP_WINDOW;
				rc = map_view_open(f, pos, (size_t)want, 1, &w.v);
				if (rc)
					break;
			}
			rc = map_guard(w.v.base, w.v.base_len, edit_copy, &w);
		}
	}
	if (rc) {
		map_view_close(&w.v);
		return rc;
	}
	return edit_close_view(&w);
}

struct edit_cmp {
	const unsigned char *p, *want;
	size_t len;
};

static int edit_cmp_bytes(void *arg)
{
	struct edit_cmp *c = arg;

	return memcmp(c->p, c->want, c->len) == 0;
}

int edit_equal(struct map_file *f, uint64_t off, const unsigned char *want,
	       size_t len)
{
	struct map_view v;
	struct edit_cmp c;
	int rc;

	if (off > f->size || len > f->size - off)
		return 0;
	if (len == 0)
		return 1;
	if ((rc = map_view_open(f, off, len, 0, &v)))
		return rc;
	c = (struct edit_cmp){ v.p, want, len };
	rc = map_guard(v.base, v.base_len, edit_cmp_bytes, &c);
	map_view_close(&v);
	return rc;
}
