#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edit.h"

struct edit_key {
	uint64_t off;
	size_t i;
};

static int edit_cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sort keys by offset, a byte of it a pass from the lowest (LSD radix
 * sort), skipping the bytes all offsets share.  Each pass is stable, so
 * keys of one offset keep their order.  Returns the array that holds the
 * result: k or tmp.
 */
static struct edit_key *edit_radix(struct edit_key *k, struct edit_key *tmp,
				   size_t n)
{
	uint64_t any = 0;

	for (size_t i = 0; i < n; i++)
		any |= k[i].off ^ k[0].off;
	for (unsigned shift = 0; shift < 64 && any >> shift; shift += 8) {
		size_t count[256] = { 0 }, at = 0;
		struct edit_key *swap;

		if (!((any >> shift) & 0xff))
			continue;
		for (size_t i = 0; i < n; i++)
			count[(k[i].off >> shift) & 0xff]++;
		for (size_t b = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(k[i].off >> shift) & 0xff]++] = k[i];
		swap = k, k = tmp, tmp = swap;
	}
	return k;
}

/* Sort the edits by offset (ties: given order); -ENOMEM or 0. */
static int edit_sort(const struct edit *e, size_t n, size_t *order)
{
	struct edit_key *k, *sorted_keys;
	int sorted = 1;

	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		sorted &= i == 0 || e[i].off >= e[i - 1].off;
	}
	/* Patches made from a dump, and a single poke, are in order already. */
	if (sorted)
		return 0;
	if (!(k = malloc(2 * n * sizeof *k)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct edit_key){ e[i].off, i };
	sorted_keys = edit_radix(k, k + n, n);
	for (size_t i = 0; i < n; i++)
		order[i] = sorted_keys[i].i;
	free(k);
	return 0;
}

void edit_plan_free(struct edit_plan *p)
{
	free(p->order);
	free(p->run);
	/* Freeing twice is harmless: edit_plan_make frees what it failed to
	 * make, and its callers free the plan on every way out. */
	*p = (struct edit_plan){ NULL, NULL, 0 };
}

int edit_plan_make(const struct edit *e, size_t n, struct edit_plan *p)
{
	*p = (struct edit_plan){ malloc((n ? n : 1) * sizeof *p->order),
				 malloc((n ? n : 1) * sizeof *p->run), 0 };
	if (!p->order || !p->run || edit_sort(e, n, p->order)) {
		edit_plan_free(p);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		const struct edit *x = &e[p->order[k]];
		struct edit_run *r = p->nrun ? &p->run[p->nrun - 1] : NULL;
		uint64_t hi = x->off + edit_span(x);

		if (r && x->off < r->hi) {
			r->count++;
			if (hi > r->hi)
				r->hi = hi;
		} else {
			p->run[p->nrun++] = (struct edit_run){ x->off, hi, k, 1 };
		}
	}
	for (size_t r = 0; r < p->nrun; r++)
		if (p->run[r].count > 1)
			qsort(p->order + p->run[r].first, p->run[r].count,
			      sizeof *p->order, edit_cmp_index);
	return 0;
}

/*
 * The runs from r on that lie closer than gap to one another, as one
 * stretch [*lo, *hi); returns the run after them.
 */
static size_t edit_stretch(const struct edit_plan *p, size_t r, uint64_t gap,
			   uint64_t *lo, uint64_t *hi)
{
	*lo = p->run[r].lo;
	*hi = p->run[r].hi;
	for (r++; r < p->nrun && p->run[r].lo <= *hi + gap; r++)
		if (p->run[r].hi > *hi)
			*hi = p->run[r].hi;
	return r;
}

/*
 * Ranges closer than this are reserved as one: a 100,000-line patch then
 * costs a few fallocate calls, while a file with holes far apart keeps them.
 */
#define EDIT_RESERVE_GAP ((uint64_t)1 << 20)
#define EDIT_RESERVE_CHUNK ((size_t)1 << 20)

/*
 * [*lo, *hi) widened to the pages that hold it, but not past the end of
 * the file or of the write: a write through a mapping makes the kernel
 * find blocks for the whole page (block_page_mkwrite), so where blocks
 * are smaller than pages (a 1 KiB ext2 or ext4) reserving only the bytes
 * written leaves the rest of the page a hole, and a full disk a SIGBUS.
 */
static void edit_page_span(const struct map_file *f, uint64_t *lo, uint64_t *hi)
{
	uint64_t page = map_page_size(), top = *hi > f->size ? *hi : f->size;

	*lo &= ~(page - 1);
	*hi = *hi > top - (top % page) ? top : (*hi + page - 1) & ~(page - 1);
}

/*
 * Where fallocate(2) is missing (ext2, many FUSE and NFS mounts), reserve
 * by writing with pwrite(2), which reports a full disk as an error: over
 * the runs, the bytes they hold now (a hole reads as zeros, so holes get
 * blocks and no byte reads differently), and zeros past the end of the
 * file.  Only the pages that hold the runs are written (edit_page_span):
 * the runs are about to be overwritten anyway, and the rest of each page
 * gets back the bytes it holds.  On failure the file is cut back to its
 * size.
 */
static int edit_reserve_by_writing(struct map_file *f, const struct edit_plan *p)
{
	unsigned char *buf = malloc(EDIT_RESERVE_CHUNK);
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t r = 0; r < p->nrun && !rc;) {
		uint64_t lo, hi;

		r = edit_stretch(p, r, 0, &lo, &hi);
		edit_page_span(f, &lo, &hi);
		for (uint64_t pos = lo; pos < hi && !rc;) {
			size_t len = hi - pos < EDIT_RESERVE_CHUNK ? (size_t)(hi - pos)
				: EDIT_RESERVE_CHUNK;
			size_t old = pos >= f->size ? 0 : f->size - pos < len ? (size_t)(f->size - pos) : len;
			ssize_t got = old ? pread(f->fd, buf, old, (off_t)pos) : 0, put;

			if (got < 0 || (size_t)got != old) {
				rc = got < 0 ? -errno : MAP_ETRUNC;
				break;
			}
			memset(buf + old, 0, len - old);
			put = pwrite(f->fd, buf, len, (off_t)pos);
			if (put < 0 && errno == EINTR)
				continue;
			if (put <= 0)
				rc = put < 0 ? -errno : -ENOSPC;
			else
				pos += (uint64_t)put;
		}
	}
	free(buf);
	if (rc && ftruncate(f->fd, (off_t)f->size) < 0)
		rc = -errno;
	return rc;
}

int edit_reserve(struct map_file *f, const struct edit_plan *p)
{
	int rc = 0;

	if (!S_ISREG(f->mode) || p->nrun == 0)
		return 0;
	/* KEEP_SIZE: allocate without growing; growing is the caller's. */
	for (size_t r = 0; r < p->nrun && !rc;) {
		uint64_t lo, hi;
		int first = r == 0;

		r = edit_stretch(p, r, EDIT_RESERVE_GAP, &lo, &hi);
		edit_page_span(f, &lo, &hi);
		if (fallocate(f->fd, FALLOC_FL_KEEP_SIZE, (off_t)lo, (off_t)(hi - lo)) == 0)
			continue;
		/* Only the first call can find fallocate missing: nothing is reserved yet. */
		if (first && (errno == EOPNOTSUPP || errno == ENOSYS))
			return edit_reserve_by_writing(f, p);
		rc = -errno;
	}
	return rc;
}

/*
 * How far a window opened at run r's start reaches: over the runs after it
 * while they fit in MAP_WINDOW.  The window is no bigger than the writes,
 * so a 5-byte poke maps one page.
 */
static uint64_t edit_reach(const struct edit_plan *p, size_t r, uint64_t cut)
{
	uint64_t lo = p->run[r].lo, hi = p->run[r].hi;

	for (size_t k = r + 1; k < p->nrun && p->run[k].hi - lo <= MAP_WINDOW; k++)
		hi = p->run[k].hi;
	if (hi > cut)
		hi = cut;
	return hi > lo + MAP_WINDOW ? lo + MAP_WINDOW : hi;
}

/* The file offset of the view's first page. */
static uint64_t edit_view_start(const struct map_view *v)
{
	return v->off - (uint64_t)(v->p - (unsigned char *)v->base);
}

static int edit_covers(const struct map_view *v, uint64_t lo, uint64_t hi)
{
	return v->base && lo >= v->off && hi <= v->off + v->len;
}

/*
 * Fault in, writable, the pages of the runs from r on that lie in the view,
 * with one MADV_POPULATE_WRITE per stretch of touching pages instead of a
 * write fault per page (a write fault maps one page).  Only a hint: where
 * it fails (an old kernel, a file cut short) the copy faults the pages in
 * itself, under the guard.  Reading needs no such help: a read fault maps
 * the cached pages around it too (the kernel's fault-around), and a
 * madvise per stretch of a scattered patch costs more than those faults.
 */
static void edit_prefault(const struct map_view *v, const struct edit_plan *p,
			  size_t r)
{
	uint64_t page = map_page_size(), base = edit_view_start(v);
	uint64_t lo = 0, hi = 0;

	for (;; r++) {
		int last = r >= p->nrun || !edit_covers(v, p->run[r].lo, p->run[r].hi);
		uint64_t a = last ? 0 : p->run[r].lo & ~(page - 1);

		if (hi && (last || a > hi)) {
			if (madvise((unsigned char *)v->base + (lo - base), hi - lo,
				    MADV_POPULATE_WRITE) < 0 && errno == EINVAL)
				return;
			hi = 0;
		}
		if (last)
			return;
		if (!hi)
			lo = a;
		hi = (p->run[r].hi + page - 1) & ~(page - 1);
		if (hi > base + v->base_len)
			hi = base + v->base_len;
	}
}

/* Copy bytes [from, from + len) of what e writes to dst. */
static void edit_fill(unsigned char *dst, const struct edit *e, uint64_t from,
		      uint64_t len)
{
	size_t phase = (size_t)(from % e->len);

	while (len) {
		size_t take = e->len - phase < len ? e->len - phase : (size_t)len;

		memcpy(dst, e->data + phase, take);
		dst += take;
		len -= take;
		phase = 0;
	}
}

/* The window mapped now, and the next run to write. */
struct edit_writer {
	const struct edit *e;
	const struct edit_plan *p;
	struct map_view v;
	size_t r;
	uint64_t from, len;	/* a run bigger than a window: the piece */
	size_t at;		/* and its edit */
};

/*
 * Copy the runs, in file order, for as long as they lie inside the view;
 * under one map_guard per view, since arming the guard costs a system call
 * (sigsetjmp saves the signal mask) and a patch has 100,000 edits.
 */
static int edit_copy_runs(void *arg)
{
	struct edit_writer *w = arg;

	for (; w->r < w->p->nrun; w->r++) {
		const struct edit_run *r = &w->p->run[w->r];

		if (!edit_covers(&w->v, r->lo, r->hi))
			return 0;
		for (size_t k = r->first; k < r->first + r->count; k++) {
			const struct edit *x = &w->e[w->p->order[k]];

			edit_fill(w->v.p + (x->off - w->v.off), x, 0, edit_span(x));
		}
	}
	return 0;
}

static int edit_copy_piece(void *arg)
{
	struct edit_writer *w = arg;
	const struct edit *x = &w->e[w->at];

	edit_fill(w->v.p + (x->off + w->from - w->v.off), x, w->from, w->len);
	return 0;
}

/*
 * Map [lo, hi) writable, or less where the address space is short (ulimit
 * -v): halving down to [lo, need), the least the caller can write through.
 * The address space is the same before the first window and after it, so
 * a limit is met before any byte is written, never halfway.
 */
static int edit_next_view(struct edit_writer *w, struct map_file *f, int sync,
			  uint64_t lo, uint64_t hi, uint64_t need)
{
	int rc = w->v.base && sync ? map_view_sync(&w->v) : 0;

	map_view_close(&w->v);
	while (!rc) {
		rc = map_view_open(f, lo, (size_t)(hi - lo), MAP_VIEW_WRITE, &w->v);
		if (rc != -ENOMEM || hi <= need)
			break;
		hi = lo + (hi - lo) / 2 > need ? lo + (hi - lo) / 2 : need;
		rc = 0;
	}
	return rc;
}

/*
 * A run longer than a window (a long --repeat, or a big overlapping
 * stretch): each of its edits in turn, a window at a time.
 */
static int edit_apply_long(struct edit_writer *w, struct map_file *f, int sync)
{
	const struct edit_run *r = &w->p->run[w->r];
	struct edit_plan one = { NULL, NULL, 1 };
	int rc = 0;

	for (size_t k = r->first; k < r->first + r->count && !rc; k++) {
		const struct edit *x = &w->e[w->p->order[k]];
		uint64_t span = edit_span(x);

		w->at = w->p->order[k];
		for (w->from = 0; w->from < span && !rc; w->from += w->len) {
			struct edit_run piece;

			w->len = span - w->from < MAP_WINDOW ? span - w->from : MAP_WINDOW;
			piece = (struct edit_run){ x->off + w->from, x->off + w->from + w->len, 0, 0 };
			one.run = &piece;
			if (!edit_covers(&w->v, piece.lo, piece.hi) &&
			    (rc = edit_next_view(w, f, sync, piece.lo, piece.hi,
						 piece.lo + 1)))
				break;
			/* A shorter window than asked for: this piece is what it holds. */
			if (!edit_covers(&w->v, piece.lo, piece.hi)) {
				w->len = w->v.off + w->v.len - piece.lo;
				piece.hi = piece.lo + w->len;
			}
			edit_prefault(&w->v, &one, 0);
			rc = map_guard(w->v.base, w->v.base_len, edit_copy_piece, w);
		}
	}
	w->r++;
	return rc;
}

int edit_apply(struct map_file *f, const struct edit *e,
	       const struct edit_plan *p, int sync)
{
	struct edit_writer w = { .e = e, .p = p };
	int rc = 0;

	while (w.r < p->nrun && !rc) {
		const struct edit_run *r = &p->run[w.r];

		if (r->hi - r->lo > MAP_WINDOW) {
			rc = edit_apply_long(&w, f, sync);
			continue;
		}
		if (!edit_covers(&w.v, r->lo, r->hi)) {
			if ((rc = edit_next_view(&w, f, sync, r->lo,
						 edit_reach(p, w.r, UINT64_MAX), r->hi)))
				break;
			edit_prefault(&w.v, p, w.r);
		}
		rc = map_guard(w.v.base, w.v.base_len, edit_copy_runs, &w);
	}
	if (!rc && w.v.base && sync)
		rc = map_view_sync(&w.v);
	map_view_close(&w.v);
	return rc;
}

/* What reading the old bytes needs: where each edit's bytes go in buf. */
struct edit_reader {
	const struct edit *e;
	const struct edit_plan *p;
	const uint64_t *at;
	unsigned char *buf;
	uint64_t size;
	struct map_view v;
	size_t r;
};

uint64_t edit_old_len(const struct map_file *f, const struct edit *e)
{
	uint64_t span = edit_span(e);

	if (e->off >= f->size)
		return 0;
	return span < f->size - e->off ? span : f->size - e->off;
}

static int edit_read_runs(void *arg)
{
	struct edit_reader *rd = arg;

	for (; rd->r < rd->p->nrun; rd->r++) {
		const struct edit_run *r = &rd->p->run[rd->r];
		uint64_t hi = r->hi < rd->size ? r->hi : rd->size;

		if (r->lo >= rd->size)
			continue;
		if (!edit_covers(&rd->v, r->lo, hi))
			return 0;
		for (size_t k = r->first; k < r->first + r->count; k++) {
			size_t i = rd->p->order[k];
			uint64_t len = rd->e[i].off >= rd->size ? 0 : hi - rd->e[i].off;
			uint64_t span = edit_span(&rd->e[i]);

			memcpy(rd->buf + rd->at[i], rd->v.p + (rd->e[i].off - rd->v.off),
			       (size_t)(span < len ? span : len));
		}
	}
	return 0;
}

int edit_read_old(struct map_file *f, const struct edit *e, size_t n,
		  const struct edit_plan *p, unsigned char *buf)
{
	struct edit_reader rd = { .e = e, .p = p, .buf = buf, .size = f->size };
	uint64_t *at = malloc((n ? n : 1) * sizeof *at), sum = 0;
	int rc = 0;

	if (!at)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		at[i] = sum;
		sum += edit_old_len(f, &e[i]);
	}
	rd.at = at;
	while (rd.r < p->nrun && !rc) {
		const struct edit_run *r = &p->run[rd.r];
		uint64_t hi = r->hi < f->size ? r->hi : f->size;

		if (r->lo >= f->size)
			break;		/* the runs after it lie past the end too */
		if (hi - r->lo > MAP_WINDOW) {
			rc = -EINVAL;
			break;
		}
		if (!edit_covers(&rd.v, r->lo, hi)) {
			map_view_close(&rd.v);
			if ((rc = map_view_open(f, r->lo, (size_t)(edit_reach(p, rd.r, f->size) - r->lo),
						0, &rd.v)))
				break;
		}
		rc = map_guard(rd.v.base, rd.v.base_len, edit_read_runs, &rd);
	}
	map_view_close(&rd.v);
	free(at);
	return rc;
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
