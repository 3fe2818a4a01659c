#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "edit.h"

struct edit_span_range {
	uint64_t lo, hi;
};

static int edit_cmp_range(const void *a, const void *b)
{
	const struct edit_span_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Merge sorted ranges that lie closer than gap into r[0..k]; returns k + 1. */
static size_t edit_merge(struct edit_span_range *r, size_t n, uint64_t gap)
{
	size_t k = 0;

	for (size_t i = 1; i < n; i++) {
		if (r[i].lo <= r[k].hi + gap) {
			if (r[i].hi > r[k].hi)
				r[k].hi = r[i].hi;
		} else {
			r[++k] = r[i];
		}
	}
	return n ? k + 1 : 0;
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
 * the ranges, the bytes they hold now (a hole reads as zeros, so holes get
 * blocks and no byte reads differently), and zeros past the end of the
 * file.  Only the ranges themselves are written: they are about to be
 * overwritten anyway.  On failure the file is cut back to its size.
 */
static int edit_reserve_by_writing(struct map_file *f,
				   const struct edit_span_range *r, size_t n)
{
	unsigned char *buf = malloc(EDIT_RESERVE_CHUNK);
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		for (uint64_t pos = r[i].lo; pos < r[i].hi && !rc;) {
			size_t len = r[i].hi - pos < EDIT_RESERVE_CHUNK ? (size_t)(r[i].hi - pos)
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

int edit_reserve(struct map_file *f, const struct edit *e, size_t n)
{
	struct edit_span_range *r;
	size_t k;
	int rc = 0, sorted = 1;

	if (!S_ISREG(f->mode) || n == 0)
		return 0;
	r = malloc(n * sizeof *r);
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r[i] = (struct edit_span_range){ e[i].off, e[i].off + edit_span(&e[i]) };
		sorted &= i == 0 || r[i].lo >= r[i - 1].lo;
	}
	/* Patches made from a dump are in order already. */
	if (!sorted)
		qsort(r, n, sizeof *r, edit_cmp_range);
	/* KEEP_SIZE: allocate without growing; growing is the caller's. */
	if (fallocate(f->fd, FALLOC_FL_KEEP_SIZE, (off_t)r[0].lo,
		      (off_t)(r[0].hi - r[0].lo)) < 0 &&
	    (errno == EOPNOTSUPP || errno == ENOSYS)) {
		rc = edit_reserve_by_writing(f, r, edit_merge(r, n, 0));
		free(r);
		return rc;
	}
	k = edit_merge(r, n, EDIT_RESERVE_GAP);
	for (size_t i = 0; i < k && !rc; i++)
		if (fallocate(f->fd, FALLOC_FL_KEEP_SIZE, (off_t)r[i].lo,
			      (off_t)(r[i].hi - r[i].lo)) < 0)
			rc = -errno;
	free(r);
	return rc;
}

/* The window currently mapped, reused while edits fall inside it. */
struct edit_writer {
	struct map_file *f;
	struct map_view v;
	int sync;
	const struct edit *e;
	size_t n, i;		/* edits, and the one being written */
	uint64_t done;		/* bytes of e[i] written so far */
};

static int edit_close_view(struct edit_writer *w)
{
	int rc = 0;

	if (w->v.base && w->sync)
		rc = map_view_sync(&w->v);
	map_view_close(&w->v);
	return rc;
}

static int edit_in_view(const struct edit_writer *w, uint64_t pos)
{
	return w->v.base && pos >= w->v.off && pos - w->v.off < w->v.len;
}

/*
 * Copy n bytes into the mapping at dst.  Spans of a page or more are
 * copied by the kernel, with process_vm_writev(2) on our own address
 * space: it writes the very pages of this MAP_SHARED mapping (faulting them
 * writable and marking them dirty as a store would), but through the
 * kernel's own view of them.  On our VMs the first user-mode touch of the
 * pages of a fresh mapping costs microseconds a page even when it is
 * populated, so a memcpy of 1.6 MB took 3.0 ms and this takes 0.4 ms
 * (bench/RESULTS.md).
 * Whatever it did not copy (a kernel without it, a seccomp filter, or the
 * file cut short under us) is copied by memcpy, under the caller's SIGBUS
 * guard, so a truncated file still ends as MAP_ETRUNC.
 */
static void edit_store(unsigned char *dst, const unsigned char *src, size_t n)
{
	if (n >= map_page_size()) {
		struct iovec from = { (void *)(uintptr_t)src, n }, to = { dst, n };
		ssize_t done = process_vm_writev(getpid(), &from, 1, &to, 1, 0);

		if (done > 0) {
			dst += done;
			src += done;
			n -= (size_t)done;
		}
	}
	memcpy(dst, src, n);
}

/*
 * Copy edits, in order, for as long as they fall inside the view; runs
 * under one map_guard per view, since arming the guard costs a system call
 * (sigsetjmp saves the signal mask) and a patch has 100,000 edits.
 */
static int edit_copy(void *arg)
{
	struct edit_writer *w = arg;

	for (; w->i < w->n; w->i++, w->done = 0) {
		const struct edit *e = &w->e[w->i];
		uint64_t total = edit_span(e);

		while (w->done < total) {
			uint64_t pos = e->off + w->done;
			unsigned char *dst = w->v.p + (pos - w->v.off);
			uint64_t room = w->v.off + w->v.len - pos;
			uint64_t left = total - w->done < room ? total - w->done : room;

			if (!edit_in_view(w, pos))
				return 0;
			while (left) {
				size_t phase = (size_t)(w->done % e->len);
				size_t take = e->len - phase < left ? e->len - phase : (size_t)left;

				edit_store(dst, e->data + phase, take);
				dst += take;
				left -= take;
				w->done += take;
			}
		}
	}
	return 0;
}

/*
 * How much to map from pos: what edit i still needs, and the edits after
 * it while they go forward and fit in one window.  The window is made no
 * bigger than the writes, so it can be populated (no fault per page) and a
 * 5-byte poke maps one page.
 */
static size_t edit_window(const struct edit *e, size_t n, size_t i, uint64_t pos)
{
	uint64_t hi = e[i].off + edit_span(&e[i]);

	for (size_t j = i + 1; j < n && e[j].off >= e[j - 1].off; j++) {
		uint64_t end = e[j].off + edit_span(&e[j]);

		if (end - pos > MAP_WINDOW)
			break;
		if (end > hi)
			hi = end;
	}
	return hi - pos > MAP_WINDOW ? MAP_WINDOW : (size_t)(hi - pos);
}

int edit_apply(struct map_file *f, const struct edit *e, size_t n, int sync)
{
	struct edit_writer w = { .f = f, .sync = sync, .e = e, .n = n };
	int rc = 0;

	while (w.i < n && !rc) {
		uint64_t pos = e[w.i].off + w.done;

		if (!edit_in_view(&w, pos)) {
			if ((rc = edit_close_view(&w)))
				break;
			rc = map_view_open(f, pos, edit_window(e, n, w.i, pos),
					   MAP_VIEW_WRITE | MAP_VIEW_POPULATE, &w.v);
			if (rc)
				break;
		}
		rc = map_guard(w.v.base, w.v.base_len, edit_copy, &w);
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
