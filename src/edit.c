#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
 * Where fallocate(2) is missing (ext2, many FUSE and NFS mounts), reserve
 * by writing with pwrite(2), which reports a full disk as an error: over
 * the runs, the bytes they hold now (a hole reads as zeros, so holes get
 * blocks and no byte reads differently), and zeros past the end of the
 * file.  On failure the file is cut back to its size.
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
		if (fallocate(f->fd, FALLOC_FL_KEEP_SIZE, (off_t)lo, (off_t)(hi - lo)) == 0)
			continue;
		/* Only the first call can find fallocate missing: nothing is reserved yet. */
		if (first && (errno == EOPNOTSUPP || errno == ENOSYS))
			return edit_reserve_by_writing(f, p);
		rc = -errno;
	}
	return rc;
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

/*
 * The bytes one pwrite(2) puts at most: runs that touch one another (the
 * lines of an edited dump) go out together, a longer run in pieces.
 */
#define EDIT_WRITE_MAX ((size_t)1 << 20)

/*
 * Where the write (or read) starting at run r, offset lo, ends: at the end
 * of run r and of the runs less than gap bytes after it, but at most
 * EDIT_WRITE_MAX bytes on.  *next is the run after the last one it reaches.
 */
static uint64_t edit_piece_end(const struct edit_plan *p, size_t r, uint64_t lo,
			       uint64_t gap, size_t *next)
{
	uint64_t cap = lo + EDIT_WRITE_MAX, hi = p->run[r].hi;

	for (r++; r < p->nrun && p->run[r].lo <= hi + gap && hi < cap; r++)
		hi = p->run[r].hi;
	*next = r;
	return hi < cap ? hi : cap;
}

/*
 * Where the piece [.., hi) that ended at run next - 1 leaves off: *r and
 * the offset the next piece starts at (a run cut at EDIT_WRITE_MAX goes on
 * from hi).
 */
static uint64_t edit_piece_next(const struct edit_plan *p, size_t *r,
				size_t next, uint64_t hi)
{
	*r = hi < p->run[next - 1].hi ? next - 1 : next;
	if (*r >= p->nrun)
		return 0;
	return hi > p->run[*r].lo ? hi : p->run[*r].lo;
}

/*
 * A buffer for the pieces: EDIT_WRITE_MAX bytes, or less where all the
 * edits span less (a 5-byte poke does not fault in a megabyte).
 */
static unsigned char *edit_piece_buf(const struct edit_plan *p)
{
	uint64_t span = p->nrun ? p->run[p->nrun - 1].hi - p->run[0].lo : 1;

	return map_alloc_huge(span < EDIT_WRITE_MAX ? (size_t)span : EDIT_WRITE_MAX);
}

/* Fill buf with the bytes [lo, hi) of runs r .. next - 1, later edits last. */
static void edit_gather(const struct edit *e, const struct edit_plan *p,
			size_t r, size_t next, uint64_t lo, uint64_t hi,
			unsigned char *buf)
{
	for (; r < next; r++)
		for (size_t k = p->run[r].first; k < p->run[r].first + p->run[r].count; k++) {
			const struct edit *x = &e[p->order[k]];
			uint64_t a = x->off > lo ? x->off : lo;
			uint64_t b = x->off + edit_span(x) < hi ? x->off + edit_span(x) : hi;

			if (a < b)
				edit_fill(buf + (a - lo), x, a - x->off, b - a);
		}
}

/* pwrite(2) all n bytes at off: 0 or -errno (-EIO for a write of none). */
static int edit_pwrite(int fd, const unsigned char *buf, size_t n, uint64_t off)
{
	while (n) {
		ssize_t put = pwrite(fd, buf, n, (off_t)off);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return put < 0 ? -errno : -EIO;
		buf += put;
		n -= (size_t)put;
		off += (uint64_t)put;
	}
	return 0;
}

int edit_apply(struct map_file *f, const struct edit *e,
	       const struct edit_plan *p)
{
	unsigned char *buf;
	uint64_t lo;
	size_t r = 0;
	int rc = 0;

	if (!p->nrun)
		return 0;
	if (!(buf = edit_piece_buf(p)))
		return -ENOMEM;
	for (lo = p->run[0].lo; r < p->nrun && !rc;) {
		size_t next;
		uint64_t hi = edit_piece_end(p, r, lo, 0, &next);

		edit_gather(e, p, r, next, lo, hi, buf);
		rc = edit_pwrite(f->fd, buf, (size_t)(hi - lo), lo);
		lo = edit_piece_next(p, &r, next, hi);
	}
	free(buf);
	/* Another process that cut the file short made our writes extend it
	 * again, with a hole before them: say so, as a mapping's SIGBUS would. */
	return rc ? rc : map_still_holds(f, f->size);
}

uint64_t edit_old_len(const struct map_file *f, const struct edit *e)
{
	uint64_t span = edit_span(e);

	if (e->off >= f->size)
		return 0;
	return span < f->size - e->off ? span : f->size - e->off;
}

/* pread(2) all n bytes at off: 0, -errno, or MAP_ETRUNC where the file ends first. */
static int edit_pread(int fd, unsigned char *buf, size_t n, uint64_t off)
{
	while (n) {
		ssize_t got = pread(fd, buf, n, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : MAP_ETRUNC;
		buf += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* Copy the old bytes in [lo, hi), read into piece, of runs r .. next - 1 to buf. */
static void edit_scatter(const struct map_file *f, const struct edit *e,
			 const struct edit_plan *p, const uint64_t *at, size_t r,
			 size_t next, uint64_t lo, uint64_t hi,
			 const unsigned char *piece, unsigned char *buf)
{
	for (; r < next; r++)
		for (size_t k = p->run[r].first; k < p->run[r].first + p->run[r].count; k++) {
			size_t i = p->order[k];
			uint64_t end = e[i].off + edit_old_len(f, &e[i]);
			uint64_t a = e[i].off > lo ? e[i].off : lo, b = end < hi ? end : hi;

			if (a < b)
				memcpy(buf + at[i] + (a - e[i].off), piece + (a - lo), (size_t)(b - a));
		}
}

int edit_read_old(struct map_file *f, const struct edit *e, size_t n,
		  const struct edit_plan *p, unsigned char *buf)
{
	uint64_t *at = malloc((n ? n : 1) * sizeof *at), sum = 0, lo;
	unsigned char *piece = edit_piece_buf(p);
	size_t r = 0;
	int rc = 0;

	for (size_t i = 0; at && i < n; i++) {
		at[i] = sum;
		sum += edit_old_len(f, &e[i]);
	}
	if (!at || !piece)
		rc = -ENOMEM;
	/* As edit_apply writes, in pieces of at most 1 MiB, but runs less than
	 * a page apart in one piece: a system call costs about what copying a
	 * page does. */
	for (lo = p->nrun ? p->run[0].lo : 0; !rc && r < p->nrun && lo < f->size;) {
		size_t next;
		uint64_t hi = edit_piece_end(p, r, lo, map_page_size(), &next);
		uint64_t top = hi < f->size ? hi : f->size;

		if (!(rc = edit_pread(f->fd, piece, (size_t)(top - lo), lo)))
			edit_scatter(f, e, p, at, r, next, lo, top, piece, buf);
		lo = edit_piece_next(p, &r, next, hi);
	}
	free(piece);
	free(at);
	return rc;
}

int edit_equal(struct map_file *f, uint64_t off, const unsigned char *want,
	       size_t len)
{
	unsigned char *have;
	int rc;

	if (off > f->size || len > f->size - off)
		return 0;
	if (len == 0)
		return 1;
	if (!(have = malloc(len)))
		return -ENOMEM;
	rc = edit_pread(f->fd, have, len, off);
	if (!rc)
		rc = memcmp(have, want, len) == 0;
	free(have);
	return rc;
}
