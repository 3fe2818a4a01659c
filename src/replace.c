#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replace.h"

struct replace_match {
	uint64_t off;
	size_t len;
	size_t kept;		/* with keep: the replacement made with its bytes, in data */
};

struct replace_find {
	struct replace_plan *p;
	const struct replace_spec *sp;
	int status;		/* a replace_status that stopped the scan */
	int stopped;		/* the scan stopped at the last match wanted */
};

/* The replacement for a match, with the matched bytes where keep says so. */
static int replace_keep(struct replace_plan *p, const struct replace_spec *sp,
			const unsigned char *match, size_t *at)
{
	*at = p->data.len;
	if (bytes_add(&p->data, sp->repl, sp->rlen))
		return -1;
	for (size_t i = 0; i < sp->rlen; i++)
		if (sp->keep[i])
			p->data.p[*at + i] = match[i];
	return 0;
}

static int replace_hit(void *ctx, const struct search_hit *h)
{
	struct replace_find *fd = ctx;
	struct replace_plan *p = fd->p;
	const struct replace_spec *sp = fd->sp;
	const unsigned char *match = h->buf + (h->off - h->buf_off);
	struct replace_match *grown;

	p->matches++;
	if (p->nm >= sp->max)
		return !sp->count_all;
	if ((sp->mode == REPLACE_EXACT && h->len != sp->rlen) || h->len < sp->rlen) {
		fd->status = REPLACE_ELENGTH;
	} else if (sp->mode == REPLACE_CSTRING && h->len != sp->rlen &&
		   memchr(match, 0, h->len)) {
		fd->status = REPLACE_ENUL;
	} else {
		if (p->nm == p->mcap) {
			p->mcap = p->mcap ? 2 * p->mcap : 256;
			if (!(grown = realloc(p->m, p->mcap * sizeof *grown)))
				return fd->status = -ENOMEM, 1;
			p->m = grown;
		}
		p->m[p->nm] = (struct replace_match){ h->off, h->len, SIZE_MAX };
		if (sp->keep && replace_keep(p, sp, match, &p->m[p->nm].kept))
			return fd->status = -ENOMEM, 1;
		p->nm++;
		return 0;
	}
	p->bad_off = h->off;
	p->bad_len = h->len;
	return 1;
}

/* Every match in [lo, hi), into p->m. */
static int replace_scan_part(struct map_file *f, const struct search *s,
			     struct replace_find *fd, uint64_t lo, uint64_t hi)
{
	struct search_scan sc;
	uint64_t start = search_data_start(s, lo, 0, lo);
	int rc;

	if (search_scan_init(&sc, s, lo, hi, hi, 0, replace_hit, fd))
		return -ENOMEM;
	rc = map_walk(f, start, hi - start, search_walk_keep(s, 0), search_feed, &sc);
	if (rc == 0)
		rc = search_finish(&sc, 1);
	if (rc == SEARCH_STOPPED) {
		fd->stopped = 1;
		rc = fd->status;
	}
	else if (search_is_status(rc)) {
		search_strerror(&sc, rc, fd->p->err, sizeof fd->p->err);
		rc = REPLACE_ESEARCH;
	}
	search_scan_free(&sc);
	return rc;
}

/*
 * The same, but where no match can hold a zero byte, only the data between
 * the holes of a sparse file is read (as grep skips them).
 */
static int replace_scan(struct map_file *f, const struct search *s,
			struct replace_find *fd, uint64_t lo, uint64_t hi)
{
	uint64_t until;
	int rc = 0;

	if (!search_never_zero(s) || !S_ISREG(f->mode))
		return replace_scan_part(f, s, fd, lo, hi);
	for (; lo < hi && !rc && !fd->stopped; lo = until) {
		int data = map_data_at(f, lo, &until);

		if (until > hi)
			until = hi;
		if (data)
			rc = replace_scan_part(f, s, fd, lo, until);
	}
	return rc;
}

static int replace_add_edit(struct replace_plan *p, uint64_t off, size_t len,
			    size_t at)
{
	struct edit *e;
	size_t *a;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		e = realloc(p->e, p->cap * sizeof *e);
		if (e)
			p->e = e;
		a = realloc(p->at, p->cap * sizeof *a);
		if (a)
			p->at = a;
		if (!e || !a)
			return -ENOMEM;
	}
	p->e[p->n] = (struct edit){ off, NULL, len, 1 };
	p->at[p->n++] = at;
	return 0;
}

/* The bytes a match is replaced with, at the end of data. */
static int replace_put(struct replace_plan *p, const struct replace_spec *sp,
		       const struct replace_match *m)
{
	size_t at = p->data.len;

	/* Room first: the kept copy lives in data, which may move. */
	if (bytes_add(&p->data, NULL, sp->rlen))
		return -ENOMEM;
	memcpy(p->data.p + at, m->kept == SIZE_MAX ? sp->repl : p->data.p + m->kept,
	       sp->rlen);
	return 0;
}

/* map_walk's chunks, appended to a buffer; stops at a NUL when asked. */
struct replace_reader {
	struct bytes *to;
	int to_nul;
	uint64_t nul;		/* where the NUL was found */
};

static int replace_read_chunk(void *ctx, const unsigned char *p, size_t n,
			      uint64_t pos)
{
	struct replace_reader *r = ctx;
	const unsigned char *z = r->to_nul ? memchr(p, 0, n) : NULL;

	if (z)
		n = (size_t)(z - p);
	if (bytes_add(r->to, p, n))
		return -ENOMEM;
	if (z) {
		r->nul = pos + n;
		return 1;
	}
	return 0;
}

/*
 * --cstring: the matches from m[i] on that lie in one string become one
 * edit from m[i] to the string's end.  Returns the matches used, or -errno.
 */
static long replace_cstring(struct map_file *f, struct replace_plan *p,
			    const struct replace_spec *sp, size_t i)
{
	struct bytes old = { 0 };
	struct replace_reader r = { &old, 1, f->size };
	uint64_t off = p->m[i].off, end, at = 0;
	size_t j = i, start = p->data.len, have;
	int rc;

	rc = map_walk(f, off, UINT64_MAX, 0, replace_read_chunk, &r);
	end = r.nul;
	if (rc < 0)
		goto out;
	for (; j < p->nm && p->m[j].off < end; j++) {
		if ((rc = bytes_add(&p->data, old.p + at, (size_t)(p->m[j].off - off - at))) ||
		    (rc = replace_put(p, sp, &p->m[j])))
			goto out;
		at = p->m[j].off + p->m[j].len - off;
	}
	if ((rc = bytes_add(&p->data, old.p + at, (size_t)(end - off - at))))
		goto out;
	/* The bytes the shorter replacements freed, before the string's NUL. */
	have = p->data.len - start;
	if ((rc = bytes_add(&p->data, NULL, (size_t)(end - off) - have)))
		goto out;
	memset(p->data.p + start + have, 0, (size_t)(end - off) - have);
	rc = replace_add_edit(p, off, (size_t)(end - off), start);
out:
	bytes_free(&old);
	/* bytes_add's -1 is ENOMEM. */
	return rc == -1 ? -ENOMEM : rc < 0 ? rc : (long)(j - i);
}

int replace_plan(struct map_file *f, const struct search *s,
		 const struct replace_spec *sp, uint64_t lo, uint64_t hi,
		 struct replace_plan *p)
{
	struct replace_find fd = { p, sp, 0, 0 };
	long used;
	int rc;

	if (lo >= hi)
		return 0;
	if ((rc = replace_scan(f, s, &fd, lo, hi)))
		return rc;
	for (size_t i = 0; i < p->nm; i += (size_t)used) {
		const struct replace_match *m = &p->m[i];

		used = 1;
		if (sp->mode == REPLACE_CSTRING && m->len != sp->rlen)
			used = replace_cstring(f, p, sp, i);
		else if (sp->mode == REPLACE_PAD && m->len != sp->rlen) {
			size_t at = p->data.len;

			if (replace_put(p, sp, m) ||
			    bytes_add(&p->data, NULL, m->len - sp->rlen) ||
			    replace_add_edit(p, m->off, m->len, at))
				return -ENOMEM;
			memset(p->data.p + at + sp->rlen, sp->pad, m->len - sp->rlen);
		} else if (replace_add_edit(p, m->off, m->len, m->kept)) {
			return -ENOMEM;
		}
		if (used < 0)
			return (int)used;
	}
	for (size_t i = 0; i < p->n; i++)
		p->e[i].data = p->at[i] == SIZE_MAX ? sp->repl : p->data.p + p->at[i];
	return 0;
}

void replace_free(struct replace_plan *p)
{
	free(p->e);
	free(p->at);
	free(p->m);
	bytes_free(&p->data);
	memset(p, 0, sizeof *p);
}
