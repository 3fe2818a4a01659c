#include <errno.h>

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

int show_diff(struct map_file *f, const struct edit *e, size_t n,
	      struct out *out)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc && !out->err; i++)
		if (!(rc = show_file(f, e[i].off, edit_span(&e[i]), e[i].off, "-", out)))
			rc = show_edit(&e[i], "+", out);
	return rc;
}
