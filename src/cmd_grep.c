/*
 * mmtool grep [OPTIONS] PATTERN [FILE...]
 * mmtool grep [OPTIONS] -e PATTERN [-e PATTERN]... [FILE...]
 *
 * Print the byte offset of every match: literal bytes, hex with wildcards,
 * or PCRE2 over bytes (search.c).  The engine, in the order it runs:
 *
 * - The operands become a list of files: each FILE named, and under -r the
 *   regular files of each directory, collected first by a walk in name
 *   order that follows no symbolic link (grep_walk.c, walk.c).
 * - One job of the worker pool (pool.c) per file: it opens the file,
 *   searches it and keeps what it would print in its slot; the calling
 *   thread prints the slots in file order.  A stream is searched by the
 *   calling thread when its turn comes; so is a file larger than
 *   its range size, by a pool of its own with one job per range of it.
 * - Seams: a job decides the match starts in its range [a, b), reading past
 *   b as far as a match can reach.  The calling thread carries x, where the
 *   next match may start after the matches printed so far; when a job's
 *   first match starts before x (a match straddled the seam), or the job
 *   could not hold all its output, the calling thread searches on from x
 *   itself.  So the output is that of one scan from the start, for every -j.
 * - Reading: every file is read with pread(2) in 256 KiB chunks (map.c);
 *   --mmap maps each a window at a time instead (grep_maps).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "grep.h"
#include "msg.h"
#include "out.h"
#include "pool.h"
#include "search.h"

/*
 * Larger files are searched in ranges of this size, each one pool job; a
 * regex's are small enough to be one read of map_walk, so that its seams
 * (mmtool(1)) lie every 2 MiB however the file is read.
 */
#define GREP_RANGE ((uint64_t)16 << 20)
#define GREP_RANGE_REGEX ((uint64_t)2 << 20)
/* Jobs run ahead of the oldest not yet printed, per thread. */
#define GREP_AHEAD 16
#define GREP_THREADS_MAX 1024
/*
 * Each thread reads one job at a time into a buffer of its own: no more
 * threads run than such buffers fit in this, so that memory stays bounded
 * for any -j (with -E, whose jobs are read whole, 12 threads).
 */
#define GREP_MEMORY ((size_t)32 << 20)
/* -C N: the context comes from the chunk overlap, which map_walk bounds. */
#define GREP_CONTEXT_MAX ((uint64_t)1 << 20)

#define GREP_STDIN_NAME "(standard input)"

/*
 * --color's value before parsing: popt leaves NULL for a bare --color
 * (auto), so "not given" (never, as GNU grep) needs a mark of its own.
 */
static const char grep_unset[] = "never";

/* One job's result and what it would print. */
struct grep_part {
	struct grep_result r;
	struct out out;		/* fd -1: the job stops before it is full */
};

/* A file job's slot: the file stays open until its turn to print. */
struct grep_slot {
	struct grep_part part;
	struct map_file f;
	int opened;
	int open_rc;		/* map_open's error */
	char msg[256];		/* any other error before the search */
	int deferred;		/* searched when printed: a stream or a large file */
	uint64_t lo, hi;	/* what to search: all of it, or --range */
};

/* The file being printed, on the calling thread. */
struct grep_file {
	struct grep *g;
	const char *path;	/* for messages */
	const char *name;	/* for output */
	struct map_file *f;
	uint64_t lo, hi;
	uint64_t x;		/* the next match may start here */
	uint64_t count;
	struct grep_group *group;	/* -A/-B/-C */
	int stop;		/* -l found one, -m reached, or an error */
	int failed;		/* an error was reported */
};

/*
 * -w on literal or hex: search.c reports every start (as --overlap), and
 * the sink keeps those with no word byte beside them that begin after the
 * last one kept, so a match that fails does not hide one inside it.
 */
static int grep_word_skip(struct grep_sink *k, const struct search_hit *h)
{
	if (h->off < k->next || !grep_word_ok(h, k->lo, k->hi))
		return 1;
	k->next = k->g->o.overlap ? h->off + 1 : h->off + h->len;
	return 0;
}

static int grep_hit(void *ctx, const struct search_hit *h)
{
	struct grep_sink *k = ctx;
	const struct grep *g = k->g;
	struct grep_result *r = k->r;

	if (g->o.word_filter && grep_word_skip(k, h))
		return 0;
	if (k->bounded && !g->o.count && !g->o.list && !g->o.list_without &&
	    !g->o.quiet && grep_record_max(k, h) > OUT_BUF_SIZE - k->out->len) {
		r->full = 1;
		r->resume = h->off;
		return 1;
	}
	if (!r->n++)
		r->first = h->off;
	if (g->o.quiet || g->o.list || g->o.list_without)
		return 1;
	if (k->group)
		grep_group_add(k, h);
	else if (!g->o.count)
		grep_put_match(k, h);
	return r->n >= k->max;
}

/*
 * Search the starts in [from, limit) of the part [lo, hi) of f, reading
 * past limit only as far as a match beginning before it can reach.
 */
static void grep_scan(struct grep_sink *k, struct map_file *f, uint64_t lo,
		      uint64_t hi, uint64_t from, uint64_t limit)
{
	const struct grep *g = k->g;
	struct grep_result *r = k->r;
	struct search_scan sc;
	size_t keep = search_walk_keep(g->s, g->margin);
	uint64_t start = search_data_start(g->s, from, g->margin, lo);
	uint64_t reach = search_walk_keep(g->s, 0) + g->margin;
	uint64_t end = limit < hi && hi - limit > reach ? limit + reach : hi;
	int rc;

	memset(r, 0, sizeof *r);
	r->first = UINT64_MAX;
	k->lo = lo;
	k->hi = hi;
	k->next = from;
	rc = search_scan_init(&sc, g->s, from, limit,
			      end == hi && !f->stream ? hi : UINT64_MAX,
			      g->margin, grep_hit, k);
	if (rc) {
		r->rc = rc;
		snprintf(r->msg, sizeof r->msg, "out of memory");
		return;
	}
	rc = map_walk(f, start, end == UINT64_MAX ? UINT64_MAX : end - start,
		      keep, search_feed, &sc);
	if (rc == 0)
		rc = search_finish(&sc, end == hi);
	/* A regex match that may run on past what was read: as at a seam. */
	if (rc == 0 && sc.too_long && search_resume(&sc) < limit)
		rc = SEARCH_ELONG;
	if (!r->full)
		r->resume = search_resume(&sc);
	if (!r->full && g->o.word_filter && k->next > r->resume)
		r->resume = k->next;
	r->rc = rc == SEARCH_STOPPED ? 0 : rc;
	if (search_is_status(r->rc))
		search_strerror(&sc, r->rc, r->msg, sizeof r->msg);
	search_scan_free(&sc);
}

/* A job's search of [from, limit) into its own bounded output. */
static void grep_part_scan(const struct grep *g, const char *name,
			   struct map_file *f, uint64_t lo, uint64_t hi,
			   uint64_t from, uint64_t limit, struct grep_part *p)
{
	struct grep_sink k = { .g = g, .name = name, .out = &p->out,
			       .bounded = 1, .max = g->max, .r = &p->r };

	out_init(&p->out, -1);
	grep_scan(&k, f, lo, hi, from, limit);
}

static void grep_report(struct grep_file *fs, const struct grep_result *r)
{
	struct grep *g = fs->g;
	int rc = r->msg[0] ? mm_error("grep", fs->path, "%s", r->msg)
			   : cmd_map_error("grep", fs->path, r->rc);

	g->status = mm_worst(g->status, rc);
	fs->stop = fs->failed = 1;
}

/* Count matches just printed; stop the file where a search stopped it. */
static void grep_add(struct grep_file *fs, const struct grep_result *r)
{
	const struct grep *g = fs->g;

	fs->count += r->n;
	if (r->rc)
		grep_report(fs, r);
	else if (fs->count && (g->o.list || g->o.list_without || g->o.quiet ||
				fs->count >= g->max))
		fs->stop = 1;
}

/* The calling thread searches the starts in [x, limit), printing directly. */
static void grep_direct(struct grep_file *fs, uint64_t limit)
{
	struct grep_result r;
	struct grep_sink k = { .g = fs->g, .name = fs->name, .out = fs->g->out,
			       .max = fs->g->max - fs->count, .r = &r,
			       .group = fs->group, .grouped = &fs->g->grouped };

	grep_scan(&k, fs->f, fs->lo, fs->hi, fs->x, limit);
	grep_group_end(&k);
	fs->x = r.resume;
	grep_add(fs, &r);
}

/*
 * Print a job's result for the starts up to limit, in order.  It stands
 * only if its first match starts at or after x, and only if all its
 * matches count (-m); otherwise this thread searches again from x.
 */
static void grep_take(struct grep_file *fs, struct grep_part *p, uint64_t limit)
{
	const struct grep_result *r = &p->r;

	if (fs->stop)
		return;
	if (r->n && (r->first < fs->x || fs->count + r->n > fs->g->max)) {
		grep_direct(fs, limit);
		return;
	}
	out_write(fs->g->out, p->out.buf, p->out.len);
	if (r->resume > fs->x)
		fs->x = r->resume;
	grep_add(fs, r);
	if (r->full && !fs->stop)
		grep_direct(fs, limit);
}

static int grep_range_run(void *ctx, size_t job, void *slot)
{
	struct grep_file *fs = ctx;
	uint64_t a = fs->lo + job * fs->g->range_size;
	uint64_t b = fs->hi - a > fs->g->range_size ? a + fs->g->range_size : fs->hi;
	struct grep_part *p = slot;

	/* No match starts in a hole or runs into one: its zeros are not read
	 * (they would fill the page cache), as cmp skips holes. */
	if (fs->g->never_zero && map_is_hole(fs->f, a, b)) {
		out_init(&p->out, -1);
		p->r = (struct grep_result){ .first = UINT64_MAX, .resume = b };
		return 0;
	}
	grep_part_scan(fs->g, fs->name, fs->f, fs->lo, fs->hi, a, b, p);
	return 0;
}

static int grep_range_emit(void *ctx, size_t job, void *slot, int run_rc)
{
	struct grep_file *fs = ctx;
	uint64_t a = fs->lo + job * fs->g->range_size;

	(void)run_rc;
	grep_take(fs, slot, fs->hi - a > fs->g->range_size ? a + fs->g->range_size : fs->hi);
	return fs->stop || fs->g->out->err;
}

/* A stream, from start to end; a large file, one pool job a range. */
static void grep_deferred(struct grep_file *fs)
{
	static const struct pool_ops ops = {
		.run = grep_range_run, .emit = grep_range_emit,
	};
	struct grep *g = fs->g;
	int rc;

	if (fs->f->stream || g->context) {
		grep_direct(fs, fs->hi);
		return;
	}
	rc = pool_run((size_t)((fs->hi - fs->lo - 1) / g->range_size + 1),
		      g->threads, sizeof(struct grep_part),
		      GREP_AHEAD * g->threads, &ops, fs);
	if (rc < 0)
		g->status = mm_worst(g->status, mm_error("grep", fs->path, "%s", strerror(-rc)));
}

/* [lo, hi) to search in f: all of it, or --range; nonzero with msg if bad. */
static int grep_bounds(const struct grep *g, const struct map_file *f,
		       uint64_t *lo, uint64_t *hi, char *msg, size_t len)
{
	const struct num_range *r = &g->range;
	enum num_err e;

	*lo = 0;
	*hi = f->stream ? UINT64_MAX : f->size;
	if (!g->have_range)
		return 0;
	if (f->stream) {
		if ((r->start_given && r->start.from_end) ||
		    (!r->is_length && r->end_given && r->end.from_end))
			return snprintf(msg, len, "a negative RANGE needs a file with a known size");
		*lo = r->start_given ? r->start.mag : 0;
		if (r->is_length)
			*hi = r->end.mag > UINT64_MAX - *lo ? UINT64_MAX : *lo + r->end.mag;
		else if (r->end_given)
			*hi = r->end.mag;
		if (*hi < *lo)
			return snprintf(msg, len, "bad RANGE '%s': %s", g->o.range,
					num_strerror(NUM_BACKWARDS));
		return 0;
	}
	/* Past the end: an error for the one FILE named, else nothing to search. */
	if (r->start_given && !r->start.from_end && r->start.mag > f->size) {
		if (g->nents == 1 && !g->ents[0].walked)
			return snprintf(msg, len, "RANGE '%s' starts past the end of the file "
					"(size %llu)", g->o.range, (unsigned long long)f->size);
		*lo = *hi = f->size;
		return 0;
	}
	e = num_resolve_range(r, f->size, lo, hi);
	if (e)
		return snprintf(msg, len, "bad RANGE '%s': %s (size %llu)", g->o.range,
				num_strerror(e), (unsigned long long)f->size);
	return 0;
}

static const char *grep_path(const struct grep *g, size_t i)
{
	return g->names + g->ents[i].name;
}

static const char *grep_name(const char *path)
{
	return strcmp(path, "-") ? path : GREP_STDIN_NAME;
}

/*
 * Whether a file is mapped: only with --mmap.  Mapping saves read(2)'s copy
 * (10-15% of a literal search of a hot file on a machine with hardware
 * page tables) but costs a page table entry a page, which under shadow
 * paging (a paravirtualised guest) made mapped searches 4 times slower.
 */
static int grep_maps(const struct grep *g)
{
	return g->o.mmap > 0;
}

/* A pool job: open file i, and search it unless it waits for its turn. */
static int grep_file_run(void *ctx, size_t job, void *slot)
{
	struct grep *g = ctx;
	struct grep_slot *sl = slot;
	const struct grep_entry *e = &g->ents[job];
	const char *path = grep_path(g, job);
	int std = !strcmp(path, "-"), rc;

	sl->opened = sl->deferred = 0;
	sl->open_rc = 0;
	sl->msg[0] = '\0';
	memset(&sl->part.r, 0, sizeof sl->part.r);
	out_init(&sl->part.out, -1);
	if (e->err)
		return 0;
	sl->open_rc = map_open(&sl->f, std ? NULL : path, std ? STDIN_FILENO : -1,
			       e->walked ? MAP_OPEN_NOFOLLOW : 0);
	if (sl->open_rc)
		return 0;
	sl->opened = 1;
	if (g->o.lock) {
		do
			rc = flock(sl->f.fd, LOCK_SH);
		while (rc < 0 && errno == EINTR);
		if (rc < 0) {
			snprintf(sl->msg, sizeof sl->msg, "flock: %s", strerror(errno));
			return 0;
		}
	}
	if (grep_bounds(g, &sl->f, &sl->lo, &sl->hi, sl->msg, sizeof sl->msg))
		return 0;
	sl->f.map_scan = grep_maps(g);
	if (!g->max || sl->lo >= sl->hi)
		return 0;
	if (sl->f.stream || g->context || sl->hi - sl->lo > g->range_size)
		sl->deferred = 1;
	else
		grep_part_scan(g, grep_name(path), &sl->f, sl->lo, sl->hi, sl->lo,
			       sl->hi, &sl->part);
	return 0;
}

/*
 * An error about file i: its message (unless -s hides those about files
 * that cannot be read), and exit status 2 either way.
 */
static int grep_file_error(const struct grep *g, const struct grep_slot *sl,
			   const char *path, int err)
{
	int quiet = g->o.no_messages;

	if (err)
		return quiet ? MM_EXIT_ERROR : mm_error("grep", path, "%s", strerror(err));
	if (sl->open_rc == -EISDIR)
		return quiet ? MM_EXIT_ERROR : mm_error("grep", path, "is a directory");
	if (sl->open_rc)
		return quiet ? MM_EXIT_ERROR : mm_error("grep", path, "%s", strerror(-sl->open_rc));
	return mm_error("grep", path, "%s", sl->msg);
}

/* After file i's matches: its count, or its name under -l / -L. */
static void grep_file_done(struct grep *g, struct grep_file *fs, int rc)
{
	if (fs->count)
		g->found = 1;
	g->matches += fs->count;
	if (g->o.quiet) {
		g->quit = fs->count > 0;
	} else if (g->o.list) {
		if (fs->count)
			grep_put_file(g, fs->name);
	} else if (g->o.list_without) {
		if (!fs->count && !rc && !fs->failed) {
			grep_put_file(g, fs->name);
			g->listed = 1;
		}
	} else if (g->o.count && !rc && !fs->failed) {
		grep_put_count(g, fs->name, fs->count);
	}
}

/* Print file i: its errors, its matches, its count or name. */
static int grep_file_emit(void *ctx, size_t job, void *slot, int run_rc)
{
	struct grep *g = ctx;
	struct grep_slot *sl = slot;
	struct grep_group group = { 0 };
	struct grep_file fs = { .g = g, .path = grep_path(g, job), .f = &sl->f,
				.lo = sl->lo, .hi = sl->hi, .x = sl->lo,
				.group = g->context ? &group : NULL };
	int err = g->ents[job].err, rc = 0;

	(void)run_rc;
	fs.name = grep_name(fs.path);
	if (err || sl->open_rc || sl->msg[0])
		rc = grep_file_error(g, sl, fs.path, err);
	else if (g->max && sl->lo < sl->hi && sl->deferred)
		grep_deferred(&fs);
	else if (g->max && sl->lo < sl->hi)
		grep_take(&fs, &sl->part, sl->hi);
	if (group.failed)
		rc = mm_error("grep", fs.path, "out of memory for the context");
	free(group.bytes);
	free(group.hits);
	g->status = mm_worst(g->status, rc);
	if (!rc) {
		g->files++;
		g->bytes += (sl->f.stream ? fs.x : sl->hi) - sl->lo;
	}
	grep_file_done(g, &fs, rc);
	if (sl->opened)
		map_close(&sl->f);
	sl->opened = 0;
	return g->quit || g->out->err;
}

static void grep_free_slot(void *ctx, void *slot)
{
	struct grep_slot *sl = slot;

	(void)ctx;
	if (sl->opened)
		map_close(&sl->f);
}

/* -A, -B, -C: a byte count up to GREP_CONTEXT_MAX. */
static int grep_context_arg(const char *opt, const char *text, size_t *out)
{
	uint64_t v;
	int rc;

	if (!text)
		return 0;
	if ((rc = cmd_u64("grep", opt, text, &v)))
		return rc;
	if (v > GREP_CONTEXT_MAX)
		return mm_error("grep", NULL, "bad %s '%s': use 0 to %llu", opt,
				text, (unsigned long long)GREP_CONTEXT_MAX);
	*out = (size_t)v;
	return 0;
}

/* The pattern kind: -F, -x, -E/-P, one of them. */
static int grep_setup_kind(struct grep *g)
{
	if (g->o.perl)
		g->o.regex = 1;
	if (g->o.hex + g->o.regex + g->o.fixed > 1)
		return mm_error("grep", NULL, "%s and %s cannot be combined: choose one "
				"pattern kind", g->o.fixed ? "-F" : "-x",
				g->o.regex ? "-E" : "-x");
	g->o.word_filter = g->o.word && !g->o.regex;
	return 0;
}

/* -A, -B, -C and the modes that print their context. */
static int grep_setup_context(struct grep *g)
{
	size_t c = 0;
	int rc;

	if ((rc = grep_context_arg("--context", g->o.context, &c)))
		return rc;
	g->after = g->before = c;
	if ((rc = grep_context_arg("--after-context", g->o.after, &g->after)) ||
	    (rc = grep_context_arg("--before-context", g->o.before, &g->before)))
		return rc;
	g->context = (g->o.context || g->o.after || g->o.before) && !g->o.json &&
		     !g->o.only && !g->o.count && !g->o.list && !g->o.list_without &&
		     !g->o.quiet;
	if (g->context)
		g->margin = g->after > g->before ? g->after : g->before;
	if (g->o.word_filter && g->margin < 1)
		g->margin = 1;
	return 0;
}

static int grep_setup(struct grep *g)
{
	uint64_t v;
	int rc;

	if ((rc = grep_setup_kind(g)) || (rc = grep_setup_context(g)))
		return rc;
	if (g->o.colour != grep_unset)
		rc = cmd_color("grep", g->o.colour, STDOUT_FILENO, &g->color);
	else if (g->o.color != grep_unset)
		rc = cmd_color("grep", g->o.color, STDOUT_FILENO, &g->color);
	if (rc)
		return rc;
	g->max = UINT64_MAX;
	if (g->o.max_count && (rc = cmd_u64("grep", "--max-count", g->o.max_count, &g->max)))
		return rc;
	g->radix = 'd';
	if (g->o.radix) {
		if (strlen(g->o.radix) != 1 || !strchr("dxo", g->o.radix[0]))
			return mm_error("grep", NULL, "bad --radix '%s': use d, x or o", g->o.radix);
		g->radix = g->o.radix[0];
	}
	if (g->o.range) {
		if ((rc = cmd_range("grep", g->o.range, &g->range)))
			return rc;
		if (g->range.start_given && g->range.end_given &&
		    !g->range.is_length && !g->range.start.from_end &&
		    !g->range.end.from_end && g->range.end.mag < g->range.start.mag)
			return mm_error("grep", NULL, "bad RANGE '%s': %s", g->o.range,
					num_strerror(NUM_BACKWARDS));
		g->have_range = 1;
	}
	g->threads = pool_cpus();
	if (g->o.threads) {
		if ((rc = cmd_u64("grep", "--threads", g->o.threads, &v)))
			return rc;
		if (v < 1 || v > GREP_THREADS_MAX)
			return mm_error("grep", NULL, "bad --threads '%s': use 1 to %d",
					g->o.threads, GREP_THREADS_MAX);
		g->threads = (unsigned)v;
	}
	g->term = g->o.null ? '\0' : '\n';
	g->range_size = g->o.regex ? GREP_RANGE_REGEX : GREP_RANGE;
	return 0;
}

static int grep_compile(struct grep *g, const char *const *given, size_t ngiven)
{
	struct search_opts so = {
		.kind = g->o.regex ? SEARCH_REGEX : g->o.hex ? SEARCH_HEX : SEARCH_LITERAL,
		.icase = g->o.icase,
		.overlap = g->o.overlap || g->o.word_filter,
	};
	char err[512], **pats;
	size_t bad, n, job;
	int rc;

	if ((rc = grep_pats(g, given, ngiven, &pats, &n)))
		return rc;
	g->s = search_compile((const char *const *)pats, n, &so, err, sizeof err, &bad);
	grep_pats_free(pats);
	if (!g->s)
		return mm_error("grep", NULL, "%s", err);
	g->never_zero = search_never_zero(g->s);
	/* A job reads its range and what a match begun in it can reach. */
	job = map_walk_memory(g->range_size + search_walk_keep(g->s, 0) + g->margin,
			      search_walk_keep(g->s, g->margin));
	if (g->threads > GREP_MEMORY / job)
		g->threads = GREP_MEMORY / job > 1 ? (unsigned)(GREP_MEMORY / job) : 1;
	return 0;
}

/* -H / --no-filename, else names when more than one file may be searched. */
static int grep_show_name(const struct grep *g, const char *const *files, int n)
{
	if (g->o.with_name >= 0)
		return g->o.with_name;
	return n > 1 || (g->o.recursive && (!n || grep_is_dir(files[0])));
}

static void grep_free_opts(struct grep_opts *o)
{
	const char ***lists[] = { &o->pats, &o->pat_files, &o->includes,
				  &o->excludes, &o->exclude_dirs };

	for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
		const char **v = *lists[k];

		for (size_t i = 0; v && v[i]; i++)
			free((char *)v[i]);
		free(v);
		*lists[k] = NULL;
	}
	if (o->color != grep_unset)
		free((char *)o->color);
	if (o->colour != grep_unset)
		free((char *)o->colour);
	o->color = o->colour = grep_unset;
}

static int grep_search_all(struct grep *g)
{
	static const struct pool_ops ops = {
		.run = grep_file_run, .emit = grep_file_emit,
		.free_slot = grep_free_slot,
	};
	int rc = pool_run(g->nents, g->threads, sizeof(struct grep_slot),
			  GREP_AHEAD * g->threads, &ops, g);

	return rc < 0 ? mm_error("grep", NULL, "%s", strerror(-rc)) : g->status;
}

/* The exit status: -q and -L as GNU grep and ripgrep decide it. */
static int grep_status(const struct grep *g, int rc)
{
	int hit = g->o.list_without ? g->listed : g->found;

	if (g->out->err)
		return MM_EXIT_ERROR;	/* main.c reports it */
	if (g->o.quiet && g->found)
		return MM_EXIT_OK;
	if (rc == MM_EXIT_OK && !hit)
		return MM_EXIT_NO;
	return rc;
}

/* The popt table, in two parts (what to match, what to print). */
static size_t grep_table_match(struct grep_opts *o, struct poptOption *t)
{
	const struct poptOption part[] = {
		{ "regexp", 'e', POPT_ARG_ARGV, &o->pats, 0,
		  "a pattern; repeat for several (a match of any counts)", "PATTERN" },
		{ "file", 'f', POPT_ARG_ARGV, &o->pat_files, 0,
		  "read patterns from FILE, one a line (no empty line)", "FILE" },
		{ "fixed-strings", 'F', POPT_ARG_NONE, &o->fixed, 0,
		  "PATTERN is literal bytes (the default)", NULL },
		{ "hex", 'x', POPT_ARG_NONE, &o->hex, 0,
		  "PATTERN is hex bytes; ?? matches any byte, ? any nibble", NULL },
		{ "regex", 'E', POPT_ARG_NONE, &o->regex, 0,
		  "PATTERN is a PCRE2 regular expression over bytes", NULL },
		{ "perl-regexp", 'P', POPT_ARG_NONE, &o->perl, 0,
		  "the same as -E", NULL },
		{ "ignore-case", 'i', POPT_ARG_NONE, &o->icase, 0, "fold ASCII case", NULL },
		{ "word-regexp", 'w', POPT_ARG_NONE, &o->word, 0,
		  "a match must not touch an ASCII letter, digit or _", NULL },
		{ "overlap", 0, POPT_ARG_NONE, &o->overlap, 0,
		  "report overlapping matches too", NULL },
		{ "max-count", 'm', POPT_ARG_STRING, &o->max_count, 0,
		  "stop a file after N matches", "N" },
		{ "range", 0, POPT_ARG_STRING, &o->range, 0,
		  "only matches wholly inside START:END or START+LENGTH", "RANGE" },
		{ "recursive", 'r', POPT_ARG_NONE, &o->recursive, 0,
		  "search directories, . without FILE (symbolic links inside are not followed)",
		  NULL },
		{ "include", 0, POPT_ARG_ARGV, &o->includes, 0,
		  "search only files whose name matches GLOB", "GLOB" },
		{ "exclude", 0, POPT_ARG_ARGV, &o->excludes, 0,
		  "skip files whose name matches GLOB", "GLOB" },
		{ "exclude-dir", 0, POPT_ARG_ARGV, &o->exclude_dirs, 0,
		  "-r: skip directories whose name matches GLOB", "GLOB" },
		{ "no-messages", 's', POPT_ARG_NONE, &o->no_messages, 0,
		  "no messages about files that cannot be read", NULL },
		{ "lock", 0, POPT_ARG_NONE, &o->lock, 0,
		  "hold a shared flock(2) on each file while searching", NULL },
		{ "threads", 'j', POPT_ARG_STRING, &o->threads, 0,
		  "search with N threads (default: the online CPUs)", "N" },
		{ "mmap", 0, POPT_ARG_VAL, &o->mmap, 1,
		  "map every file instead of reading it", NULL },
		{ "no-mmap", 0, POPT_ARG_VAL, &o->mmap, 0,
		  "read every file with pread(2) (the default)", NULL },
	};

	memcpy(t, part, sizeof part);
	return sizeof part / sizeof *part;
}

static size_t grep_table_output(struct grep_opts *o, struct poptOption *t)
{
	const struct poptOption part[] = {
		{ "with-filename", 'H', POPT_ARG_VAL, &o->with_name, 1,
		  "print FILE:OFFSET even for one file", NULL },
		{ "no-filename", 'h', POPT_ARG_VAL, &o->with_name, 0,
		  "print OFFSET alone even for several files", NULL },
		{ "only-matching", 'o', POPT_ARG_NONE, &o->only, 0,
		  "print OFFSET:BYTES, the bytes as peek -f string prints them", NULL },
		{ "count", 'c', POPT_ARG_NONE, &o->count, 0,
		  "print the number of matches per file", NULL },
		{ "files-with-matches", 'l', POPT_ARG_NONE, &o->list, 0,
		  "print the names of files with a match", NULL },
		{ "files-without-match", 'L', POPT_ARG_NONE, &o->list_without, 0,
		  "print the names of files without a match", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &o->quiet, 0,
		  "print nothing; stop at the first match", NULL },
		{ "radix", 0, POPT_ARG_STRING, &o->radix, 0,
		  "offsets in d (decimal), x (0x hex) or o (0o octal)", "d|x|o" },
		{ "after-context", 'A', POPT_ARG_STRING, &o->after, 0,
		  "print N bytes after each match as xxd lines", "N" },
		{ "before-context", 'B', POPT_ARG_STRING, &o->before, 0,
		  "print N bytes before each match as xxd lines", "N" },
		{ "context", 'C', POPT_ARG_STRING, &o->context, 0,
		  "print N bytes either side of each match as xxd lines", "N" },
		{ "color", 0, POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, &o->color, 0,
		  "highlight matches: auto (bare --color), always, never", "WHEN" },
		{ "colour", 0, POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL | POPT_ARGFLAG_DOC_HIDDEN,
		  &o->colour, 0, "the same as --color", "WHEN" },
		{ "null", '0', POPT_ARG_NONE, &o->null, 0,
		  "end each output record with NUL, not newline", NULL },
		{ "json", 0, POPT_ARG_NONE, &o->json, 0,
		  "one JSON object a line: match, count, file; a summary last", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};

	memcpy(t, part, sizeof part);
	return sizeof part / sizeof *part;
}

/*
 * The patterns and the files among the operands: with -e or -f every
 * operand is a FILE, else the first is the PATTERN.
 */
static void grep_operands(struct grep *g, const struct cmd_args *a,
			  const char *const **pats, size_t *npats,
			  const char *const **files, int *nfiles)
{
	*npats = 0;
	*pats = g->o.pats;
	*files = a->args;
	*nfiles = a->nargs;
	if (g->o.pats) {
		while (g->o.pats[*npats])
			(*npats)++;
	} else if (!g->o.pat_files) {
		/* cmd_grep's forms make sure the PATTERN is there. */
		*pats = a->args;
		*npats = 1;
		*files = a->args + 1;
		*nfiles = a->nargs - 1;
	}
}

static int grep_run(int argc, const char **argv)
{
	static struct grep g;
	static struct out out;
	struct poptOption table[64];
	static const char *stdin_only[] = { "-", NULL };
	const char *const *pats, *const *files;
	struct cmd_args a;
	size_t npats;
	int nfiles, rc, dot;

	memset(&g, 0, sizeof g);
	g.o.with_name = -1;
	g.o.color = g.o.colour = grep_unset;
	grep_table_output(&g.o, table + grep_table_match(&g.o, table));
	rc = cmd_parse(&cmd_grep, table, argc, argv, &a);
	if (rc >= 0) {
		grep_free_opts(&g.o);
		return rc;
	}
	grep_operands(&g, &a, &pats, &npats, &files, &nfiles);
	dot = nfiles == 0 && g.o.recursive;
	if (nfiles == 0 && !dot) {
		files = stdin_only;
		nfiles = 1;
	}
	if ((rc = grep_setup(&g)) || (rc = grep_compile(&g, pats, npats)) ||
	    (rc = grep_list(&g, files, nfiles, dot)))
		goto out;
	out_init(&out, STDOUT_FILENO);
	g.out = &out;
	g.show_name = grep_show_name(&g, files, dot ? 0 : nfiles);
	rc = grep_search_all(&g);
	if (g.o.json && !out.err)
		grep_put_summary(&g);
	out_flush(&out);
	rc = grep_status(&g, rc);
out:
	free(g.ents);
	free(g.names);
	search_free(g.s);
	grep_free_opts(&g.o);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_grep = {
	.name = "grep",
	.summary = "print the byte offsets of a pattern (literal, hex, PCRE2)",
	.usage = "[OPTIONS] PATTERN [FILE...]",
	/* -e and -f give the patterns: every operand is then a FILE. */
	.forms = {
		{ .with = "regexp", .min = 0, .max = -1, .flags = CMD_FORM_INSTEAD },
		{ .with = "file", .min = 0, .max = -1, .flags = CMD_FORM_INSTEAD },
		{ .min = 1, .max = -1, .missing = "PATTERN" },
	},
	.run = grep_run,
};
