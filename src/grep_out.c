/*
 * grep_out: what mmtool grep prints for a match, a file and the end: the
 * offset lines, -o's OFFSET:BYTES (the bytes as peek -f string prints them,
 * through dump.c), --json objects (json.c), and the context groups of
 * -A/-B/-C.  A group holds its bytes and its matches until a match whose
 * context does not touch it (or the end of the file) closes it: then its
 * offset lines are printed, then its bytes as xxd lines (dump.c).
 */
#include <stdlib.h>
#include <string.h>

#include "grep.h"
#include "json.h"

/* GNU grep's colours for a file name and the separator after it. */
static const char grep_color_name[] = "\033[35m";
static const char grep_color_sep[] = "\033[36m";

static size_t grep_fmt_u64(char *buf, uint64_t v, unsigned base)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

void grep_put_u64(struct out *o, uint64_t v, char radix)
{
	char *w = out_reserve(o, 32);
	size_t n = 0;

	if (radix != 'd') {
		w[n++] = '0';
		w[n++] = radix;
	}
	n += grep_fmt_u64(w + n, v, radix == 'x' ? 16 : radix == 'o' ? 8 : 10);
	o->len += n;
}

/* NAME then sep, coloured as GNU grep colours them. */
void grep_put_name(const struct grep *g, struct out *o, const char *name, char sep)
{
	if (!g->color) {
		out_str(o, name);
		if (sep)
			out_char(o, sep);
		return;
	}
	out_str(o, grep_color_name);
	out_str(o, name);
	out_str(o, dump_color_reset);
	if (sep) {
		out_str(o, grep_color_sep);
		out_char(o, sep);
		out_str(o, dump_color_reset);
	}
}

/* The end of a JSON object: the record terminator instead of json_end's. */
static void grep_json_end(const struct grep *g, struct out *o)
{
	out_char(o, '}');
	out_char(o, g->term);
}

static void grep_put_json(struct grep_sink *k, const struct search_hit *h)
{
	struct json j;

	json_begin(&j, k->out, "match");
	json_file(&j, k->name);
	json_u64(&j, "offset", h->off);
	json_u64(&j, "length", h->len);
	json_hex(&j, "hex", h->buf + (h->off - h->buf_off), h->len);
	grep_json_end(k->g, k->out);
}

/* -o: OFFSET:BYTES, the bytes as `peek -f string` prints them. */
static void grep_put_only(struct grep_sink *k, const struct search_hit *h)
{
	const struct grep *g = k->g;
	struct dump_opts o = { 0 };
	struct dump d;

	grep_put_u64(k->out, h->off, g->radix);
	out_char(k->out, ':');
	if (g->color)
		out_str(k->out, dump_color_match);
	dump_init(&d, DUMP_STRING, &o, k->out, h->off);
	dump_feed(&d, h->buf + (h->off - h->buf_off), h->len);
	if (g->color)
		out_str(k->out, dump_color_reset);
	/* The string format holds nothing; its finish would end with '\n'. */
	out_char(k->out, g->term);
}

size_t grep_record_max(const struct grep_sink *k, const struct search_hit *h)
{
	const struct grep *g = k->g;
	size_t name = strlen(k->name);

	if (g->o.json)
		return 8 * name + 2 * h->len + 128;
	return name + 96 + (g->o.only ? 4 * h->len : 0);
}

void grep_put_match(struct grep_sink *k, const struct search_hit *h)
{
	const struct grep *g = k->g;

	if (g->o.json) {
		grep_put_json(k, h);
		return;
	}
	if (g->show_name)
		grep_put_name(g, k->out, k->name, ':');
	if (g->o.only) {
		grep_put_only(k, h);
		return;
	}
	grep_put_u64(k->out, h->off, g->radix);
	out_char(k->out, g->term);
}

/* Room for n more items of size sz in *p (capacity *cap); -1 if none. */
static int grep_grow(void **p, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 256;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(q = realloc(*p, c * sz)))
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* The group's bytes as xxd lines, the matched ones marked for colour. */
static void grep_group_dump(struct grep_sink *k, struct grep_group *gr)
{
	struct dump_opts o = { .group = 2, .color = k->g->color };
	size_t n = (size_t)(gr->hi - gr->lo);
	unsigned char *mark = NULL;

	if (o.color && (mark = calloc(n ? n : 1, 1))) {
		for (size_t i = 0; i < gr->nhits; i++) {
			uint64_t a = gr->hits[2 * i] - gr->lo;
			uint64_t e = a + gr->hits[2 * i + 1];

			memset(mark + a, 1, (size_t)((e < n ? e : n) - a));
		}
		o.mark = mark;
	}
	o.color = o.color && mark;
	if (dump_init(&k->dump, DUMP_XXD, &o, k->out, gr->lo) == 0) {
		dump_feed(&k->dump, gr->bytes, n);
		dump_finish(&k->dump);
	}
	free(mark);
}

void grep_group_end(struct grep_sink *k)
{
	struct grep_group *gr = k->group;
	const struct grep *g = k->g;

	if (!gr || !gr->open)
		return;
	if (*k->grouped)
		out_str(k->out, "--\n");
	*k->grouped = 1;
	for (size_t i = 0; i < gr->nhits; i++) {
		if (g->show_name)
			grep_put_name(g, k->out, k->name, ':');
		grep_put_u64(k->out, gr->hits[2 * i], g->radix);
		out_char(k->out, g->term);
	}
	grep_group_dump(k, gr);
	gr->open = 0;
	gr->nhits = 0;
}

/*
 * The context of a match: `before` bytes before it and `after` after it,
 * cut where the searched part ends.  search.c keeps max(A, B) bytes
 * around every match it reports, so h->buf holds all of it.
 */
void grep_group_add(struct grep_sink *k, const struct search_hit *h)
{
	struct grep_group *gr = k->group;
	const struct grep *g = k->g;
	uint64_t end = h->buf_off + h->buf_len, lo, hi = h->off + h->len;

	lo = h->off - h->buf_off > g->before ? h->off - g->before : h->buf_off;
	hi = end - hi > g->after ? hi + g->after : end;
	if (gr->open && lo > gr->hi)
		grep_group_end(k);
	if (!gr->open) {
		gr->open = 1;
		gr->lo = gr->hi = lo;
	}
	if (hi > gr->hi) {
		size_t have = (size_t)(gr->hi - gr->lo), add = (size_t)(hi - gr->hi);

		if (grep_grow((void **)&gr->bytes, &gr->cap, have + add, 1)) {
			gr->failed = 1;
			return;
		}
		memcpy(gr->bytes + have, h->buf + (gr->hi - h->buf_off), add);
		gr->hi = hi;
	}
	if (grep_grow((void **)&gr->hits, &gr->hitcap, 2 * gr->nhits + 2, sizeof *gr->hits)) {
		gr->failed = 1;
		return;
	}
	gr->hits[2 * gr->nhits] = h->off;
	gr->hits[2 * gr->nhits + 1] = h->len;
	gr->nhits++;
}

void grep_put_count(struct grep *g, const char *name, uint64_t n)
{
	struct json j;

	if (g->o.json) {
		json_begin(&j, g->out, "count");
		json_file(&j, name);
		json_u64(&j, "count", n);
		grep_json_end(g, g->out);
		return;
	}
	if (g->show_name)
		grep_put_name(g, g->out, name, ':');
	grep_put_u64(g->out, n, 'd');
	out_char(g->out, g->term);
}

/* -l, -L: the name of a file. */
void grep_put_file(struct grep *g, const char *name)
{
	struct json j;

	if (g->o.json) {
		json_begin(&j, g->out, "file");
		json_file(&j, name);
		grep_json_end(g, g->out);
		return;
	}
	grep_put_name(g, g->out, name, 0);
	out_char(g->out, g->term);
}

/* --json: the last line, what was searched and found. */
void grep_put_summary(struct grep *g)
{
	struct json j;

	json_begin(&j, g->out, "summary");
	json_u64(&j, "files", g->files);
	json_u64(&j, "matches", g->matches);
	json_u64(&j, "bytes", g->bytes);
	grep_json_end(g, g->out);
}
