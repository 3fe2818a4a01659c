#include <errno.h>
#include <stdlib.h>

#include "dump.h"
#include "show.h"

static const struct dump_opts show_opts = { .cols = 16, .group = 2 };

static int show_feed(void *ctx, const unsigned char *p, size_t n, uint64_t pos)
{
	(void)pos;
	dump_feed(ctx, p, n);
	return 0;
}

int show_file(struct map_file *f, uint64_t off, uint64_t len, uint64_t at,
	      const char *prefix, struct out *out)
{
	struct dump_opts o = show_opts;
	struct dump d;
	int rc;

	if (!f->stream && off >= f->size)
		return 0;
	o.prefix = prefix;
	if (dump_init(&d, DUMP_XXD, &o, out, at))
		return -ENOMEM;
	rc = map_walk(f, off, len, 0, show_feed, &d);
	dump_finish(&d);
	return rc;
}

int show_edit(const struct edit *e, const char *prefix, struct out *out)
{
	struct dump_opts o = show_opts;
	struct dump d;

	o.prefix = prefix;
	if (dump_init(&d, DUMP_XXD, &o, out, e->off))
		return -ENOMEM;
	for (uint64_t i = 0; i < e->repeat; i++)
		dump_feed(&d, e->data, e->len);
	dump_finish(&d);
	return 0;
}

/* Batches of old bytes read at once: a few MiB, whatever the patch. */
#define SHOW_BATCH ((uint64_t)4 << 20)

/*
 * len bytes as whole xxd lines at offset at, through a dump set up once
 * for the batch: setting one up costs more than a 16-byte line.
 */
static void show_piece(struct dump *d, const unsigned char *p, uint64_t len,
		       uint64_t at)
{
	dump_restart(d, at);
	dump_feed(d, p, (size_t)len);
	dump_restart(d, at + len);	/* ends the last line */
}

static void show_new(struct dump *d, const struct edit *e)
{
	dump_restart(d, e->off);
	for (uint64_t i = 0; i < e->repeat; i++)
		dump_feed(d, e->data, e->len);
	dump_restart(d, e->off + edit_span(e));
}

/*
 * The old bytes of edits e[lo .. lo + cnt), read together (edit.c reads
 * them in file order, by their plan: `plan`, or one made here when NULL),
 * printed in the order given or, for undo, reversed; with diff, each
 * followed by its new bytes.
 */
static int show_batch(struct map_file *f, const struct edit *e, size_t lo,
		      size_t cnt, const struct edit_plan *plan, uint64_t sum,
		      int undo, struct out *out)
{
	struct edit_plan own;
	struct dump_opts o = show_opts, n = show_opts;
	struct dump old, new;
	unsigned char *buf = malloc(sum ? (size_t)sum : 1);
	uint64_t pos = undo ? sum : 0;
	int rc;

	o.prefix = undo ? NULL : "-";
	n.prefix = "+";
	if (!buf || dump_init(&old, DUMP_XXD, &o, out, 0) || dump_init(&new, DUMP_XXD, &n, out, 0)) {
		free(buf);
		return -ENOMEM;
	}
	if (plan) {
		rc = edit_read_old(f, e + lo, cnt, plan, buf);
	} else if (!(rc = edit_plan_make(e + lo, cnt, &own))) {
		rc = edit_read_old(f, e + lo, cnt, &own, buf);
		edit_plan_free(&own);
	}
	for (size_t k = 0; k < cnt && !rc && !out->err; k++) {
		const struct edit *x = &e[undo ? lo + cnt - 1 - k : lo + k];
		uint64_t len = edit_old_len(f, x);

		if (undo)
			pos -= len;
		show_piece(&old, buf + pos, len, x->off);
		if (!undo) {
			pos += len;
			show_new(&new, x);
		}
	}
	dump_finish(&old);
	dump_finish(&new);
	free(buf);
	return rc;
}

/*
 * Old bytes of every edit: with undo, last edit first and without a
 * prefix; else "-" old and "+" new lines in order.  A batch holds the
 * edits whose old bytes fit in SHOW_BATCH, or one bigger edit alone, which
 * is walked.  A batch of all the edits is read by their plan p.
 */
static int show_old(struct map_file *f, const struct edit *e, size_t n,
		    const struct edit_plan *p, int undo, struct out *out)
{
	size_t done = 0;
	int rc = 0;

	while (done < n && !rc && !out->err) {
		size_t cnt = 0, lo;
		uint64_t sum = 0;

		while (done + cnt < n) {
			uint64_t len = edit_old_len(f, &e[undo ? n - 1 - done - cnt : done + cnt]);

			if (cnt && sum + len > SHOW_BATCH)
				break;
			sum += len;
			cnt++;
		}
		lo = undo ? n - done - cnt : done;
		if (sum <= SHOW_BATCH)
			rc = show_batch(f, e, lo, cnt, cnt == n ? p : NULL, sum, undo, out);
		else if (!(rc = show_file(f, e[lo].off, edit_span(&e[lo]), e[lo].off,
					  undo ? NULL : "-", out)) && !undo)
			rc = show_edit(&e[lo], "+", out);
		done += cnt;
	}
	return rc;
}

int show_diff(struct map_file *f, const struct edit *e, size_t n,
	      const struct edit_plan *p, struct out *out)
{
	return show_old(f, e, n, p, 0, out);
}

int show_undo(struct map_file *f, const struct edit *e, size_t n,
	      const struct edit_plan *p, struct out *out)
{
	return show_old(f, e, n, p, 1, out);
}
