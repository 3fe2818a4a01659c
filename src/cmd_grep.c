/*
 * mmtool grep [OPTIONS] PATTERN [FILE...]
 * mmtool grep [OPTIONS] -e PATTERN [-e PATTERN]... [FILE...]
 *
 * Print the byte offset of every match: literal bytes, hex with wildcards,
 * or PCRE2 over bytes (search.c).  The engine, in the order it runs:
 *
 * - The operands become a list of files: each FILE named, and under -r the
 *   regular files of each directory, collected first by a walk in name
 *   order that follows no symbolic link (grep_walk).
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
 * - Reading: every file is read with pread(2) in 256 KiB chunks (map.c),
 *   unless --mmap: then it is mapped, a window at a time.  Reading costs a
 *   copy, but a mapping costs page faults, and on some virtual machines
 *   many times more: reading a tree was 8 times faster, a file cached in
 *   small pages 4 times, one cached in huge pages 1.2 times slower.
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
#include "dump.h"
#include "json.h"
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
/* -C N: the context comes from the chunk overlap, which map_walk bounds. */
#define GREP_CONTEXT_MAX ((uint64_t)1 << 20)

#define GREP_STDIN_NAME "(standard input)"

struct grep_opts {
	const char **pats;	/* -e, POPT_ARG_ARGV: malloc'd array of malloc'd strings */
	int hex, regex, icase, overlap, with_name, count, list, quiet;
	int null, json, recursive, lock, mmap;
	const char *max_count, *range, *radix, *context, *threads;
};

/* A file to search: a FILE operand, or one found under -r. */
struct grep_entry {
	size_t name;		/* offset of its path in grep.names */
	int err;		/* errno of a directory the walk could not read */
	int walked;		/* found under -r: a symbolic link is not followed */
};

struct grep {
	struct grep_opts o;
	struct search *s;
	struct out *out;
	uint64_t max;		/* -m */
	char radix;		/* 'd', 'x' or 'o' */
	size_t margin;		/* -C */
	int show_name;
	char term;		/* '\n', or '\0' with -0 */
	struct num_range range;
	int have_range;
	unsigned threads;
	uint64_t range_size;	/* GREP_RANGE or GREP_RANGE_REGEX */
	struct grep_entry *ents;
	size_t nents, capents;
	char *names;		/* the paths, NUL-terminated, one after another */
	size_t nameslen, namescap;
	int status;		/* the worst so far */
	int found;		/* a match anywhere */
	int quit;		/* -q found one, or output failed: stop everything */
};

/* What a search of the starts in [from, limit) of a file left. */
struct grep_result {
	uint64_t n;		/* matches */
	uint64_t first;		/* the first one's offset */
	uint64_t resume;	/* where a search must go on from */
	int full;		/* stopped at `resume`: the output had no room */
	int rc;			/* 0, a map error or a search_status */
	char msg[200];		/* a search_status's text, or "" */
};

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
	int stop;		/* -l found one, -m reached, or an error */
	int failed;		/* an error was reported */
};

/* Where one search's matches go. */
struct grep_sink {
	const struct grep *g;
	const char *name;
	struct out *out;
	int bounded;		/* out cannot grow: stop when it is full */
	uint64_t max;		/* stop after this many matches */
	struct grep_result *r;
	struct dump dump;
};

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

static void grep_put_u64(struct out *o, uint64_t v, char radix)
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

static void grep_put_json(struct grep_sink *k, const struct search_hit *h)
{
	struct json j = { .o = k->out };

	out_char(k->out, '{');
	json_bytes(&j, "file", k->name, strlen(k->name));
	json_u64(&j, "offset", h->off);
	json_u64(&j, "length", h->len);
	json_hex(&j, "hex", h->buf + (h->off - h->buf_off), h->len);
	out_char(k->out, '}');
	out_char(k->out, k->g->term);
}

/*
 * -C N: the match and N bytes either side, as `xxd -s START -l LEN` prints
 * them, cut where the searched data (the file, or --range) ends.  search.c
 * keeps that much around every match it reports.
 */
static void grep_put_context(struct grep_sink *k, const struct search_hit *h)
{
	struct dump_opts o = { .group = 2 };
	size_t margin = k->g->margin;
	uint64_t end = h->buf_off + h->buf_len, lo, hi = h->off + h->len;

	lo = h->off - h->buf_off > margin ? h->off - margin : h->buf_off;
	hi = end - hi > margin ? hi + margin : end;
	if (dump_init(&k->dump, DUMP_XXD, &o, k->out, lo))
		return;
	dump_feed(&k->dump, h->buf + (lo - h->buf_off), (size_t)(hi - lo));
	dump_finish(&k->dump);
}

/*
 * At most how many bytes a match prints: xxd lines are under 80 bytes,
 * and dump.c reserves room for its longest line before each.
 */
static size_t grep_record_max(const struct grep_sink *k, const struct search_hit *h)
{
	const struct grep *g = k->g;
	size_t name = strlen(k->name);

	if (g->o.json)
		return 6 * name + 2 * h->len + 96;
	return name + 48 + (g->o.context ? (h->len + 2 * g->margin) / 16 * 80 + 1400 : 0);
}

static int grep_hit(void *ctx, const struct search_hit *h)
{
	struct grep_sink *k = ctx;
	const struct grep *g = k->g;
	struct grep_result *r = k->r;

	if (k->bounded && !g->o.count && !g->o.list && !g->o.quiet &&
	    grep_record_max(k, h) > OUT_BUF_SIZE - k->out->len) {
		r->full = 1;
		r->resume = h->off;
		return 1;
	}
	if (!r->n++)
		r->first = h->off;
	if (g->o.quiet || g->o.list)
		return 1;
	if (g->o.json) {
		grep_put_json(k, h);
	} else if (!g->o.count) {
		if (g->show_name) {
			out_str(k->out, k->name);
			out_char(k->out, ':');
		}
		grep_put_u64(k->out, h->off, g->radix);
		out_char(k->out, g->term);
		if (g->o.context)
			grep_put_context(k, h);
	}
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
	else if (fs->count && (g->o.list || g->o.quiet || fs->count >= g->max))
		fs->stop = 1;
}

/* The calling thread searches the starts in [x, limit), printing directly. */
static void grep_direct(struct grep_file *fs, uint64_t limit)
{
	struct grep_result r;
	struct grep_sink k = { .g = fs->g, .name = fs->name, .out = fs->g->out,
			       .max = fs->g->max - fs->count, .r = &r };

	grep_scan(&k, fs->f, fs->lo, fs->hi, fs->x, limit);
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

	grep_part_scan(fs->g, fs->name, fs->f, fs->lo, fs->hi, a, b, slot);
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

	if (fs->f->stream) {
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
	sl->f.no_map = !g->o.mmap;
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
	if (!g->max || sl->lo >= sl->hi)
		return 0;
	if (sl->f.stream || sl->hi - sl->lo > g->range_size)
		sl->deferred = 1;
	else
		grep_part_scan(g, grep_name(path), &sl->f, sl->lo, sl->hi, sl->lo,
			       sl->hi, &sl->part);
	return 0;
}

/* Print file i: its errors, its matches, its count or name. */
static int grep_file_emit(void *ctx, size_t job, void *slot, int run_rc)
{
	struct grep *g = ctx;
	struct grep_slot *sl = slot;
	struct grep_file fs = { .g = g, .path = grep_path(g, job), .f = &sl->f,
				.lo = sl->lo, .hi = sl->hi, .x = sl->lo };
	int err = g->ents[job].err, rc = 0;

	(void)run_rc;
	fs.name = grep_name(fs.path);
	if (err)
		rc = mm_error("grep", fs.path, "%s", strerror(err));
	else if (sl->open_rc == -EISDIR)
		rc = mm_error("grep", fs.path, "is a directory");
	else if (sl->open_rc)
		rc = mm_error("grep", fs.path, "%s", strerror(-sl->open_rc));
	else if (sl->msg[0])
		rc = mm_error("grep", fs.path, "%s", sl->msg);
	else if (g->max && sl->lo < sl->hi && sl->deferred)
		grep_deferred(&fs);
	else if (g->max && sl->lo < sl->hi)
		grep_take(&fs, &sl->part, sl->hi);
	g->status = mm_worst(g->status, rc);
	if (fs.count)
		g->found = 1;
	if (g->o.quiet) {
		g->quit = fs.count > 0;
	} else if (g->o.list) {
		if (fs.count) {
			out_str(g->out, fs.name);
			out_char(g->out, g->term);
		}
	} else if (g->o.count && !rc && !fs.failed) {
		if (g->show_name) {
			out_str(g->out, fs.name);
			out_char(g->out, ':');
		}
		grep_put_u64(g->out, fs.count, 'd');
		out_char(g->out, g->term);
	}
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

/* Add a path to the list; err is the errno of a directory that failed. */
static int grep_add_entry(struct grep *g, const char *path, int walked, int err)
{
	size_t n = strlen(path) + 1;
	void *grown;

	if (g->nents == g->capents) {
		g->capents = g->capents ? 2 * g->capents : 64;
		if (!(grown = realloc(g->ents, g->capents * sizeof *g->ents)))
			return -1;
		g->ents = grown;
	}
	while (g->namescap - g->nameslen < n) {
		g->namescap = g->namescap ? 2 * g->namescap : 4096;
		if (!(grown = realloc(g->names, g->namescap)))
			return -1;
		g->names = grown;
	}
	memcpy(g->names + g->nameslen, path, n);
	g->ents[g->nents++] = (struct grep_entry){ g->nameslen, err, walked };
	g->nameslen += n;
	return 0;
}

struct grep_dirent {
	char *name;
	unsigned char type;
};

static int grep_dirent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct grep_dirent *)a)->name,
		      ((const struct grep_dirent *)b)->name);
}

static char *grep_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (dl && dir[dl - 1] != '/')
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

/* The names in directory fd, sorted; closes fd.  -1 with errno on failure. */
static int grep_readdir(int fd, struct grep_dirent **out, size_t *nout)
{
	struct grep_dirent *ents = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = fdopendir(fd);

	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(ents, cap * sizeof *ents)))
				break;
			ents = grown;
		}
		if (!(ents[n].name = strdup(de->d_name)))
			break;
		ents[n++].type = de->d_type;
	}
	closedir(d);
	if (ents)
		qsort(ents, n, sizeof *ents, grep_dirent_cmp);
	*out = ents;
	*nout = n;
	return 0;
}

/*
 * -r: the regular files under dir, in name order so that output is the
 * same every run.  Symbolic links, devices, FIFOs and sockets met on the
 * way are skipped, as GNU grep -r does, so no loop can be entered; a
 * directory is opened O_NOFOLLOW so one swapped for a link meanwhile is not
 * followed either.  The names are read and the directory closed before
 * descending: depth costs no descriptors.
 */
static int grep_walk(struct grep *g, const char *dir, int top)
{
	struct grep_dirent *ents = NULL;
	size_t n = 0;
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
	if (fd < 0 || grep_readdir(fd, &ents, &n))
		return grep_add_entry(g, dir, 1, errno);
	for (size_t i = 0; i < n; i++) {
		char *path = rc ? NULL : grep_join(dir, ents[i].name);
		struct stat st;

		if (!path)
			rc = -1;
		else if (ents[i].type == DT_UNKNOWN && lstat(path, &st) == 0)
			ents[i].type = S_ISDIR(st.st_mode) ? DT_DIR :
				       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		if (path && ents[i].type == DT_DIR)
			rc = grep_walk(g, path, 0);
		else if (path && ents[i].type == DT_REG)
			rc = grep_add_entry(g, path, 1, 0);
		free(path);
		free(ents[i].name);
	}
	free(ents);
	return rc;
}

static int grep_is_dir(const char *path)
{
	struct stat st;

	return strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int grep_list(struct grep *g, const char *const *files, int n)
{
	for (int i = 0; i < n; i++) {
		int rc = g->o.recursive && grep_is_dir(files[i])
			? grep_walk(g, files[i], 1) : grep_add_entry(g, files[i], 0, 0);

		if (rc)
			return mm_error("grep", NULL, "out of memory");
	}
	return 0;
}

static int grep_setup(struct grep *g)
{
	uint64_t v;
	int rc;

	if (g->o.hex && g->o.regex)
		return mm_error("grep", NULL, "-x and -E cannot be combined: choose one pattern kind");
	g->max = UINT64_MAX;
	if (g->o.max_count && (rc = cmd_u64("grep", "--max-count", g->o.max_count, &g->max)))
		return rc;
	g->radix = 'd';
	if (g->o.radix) {
		if (strlen(g->o.radix) != 1 || !strchr("dxo", g->o.radix[0]))
			return mm_error("grep", NULL, "bad --radix '%s': use d, x or o", g->o.radix);
		g->radix = g->o.radix[0];
	}
	if (g->o.context) {
		if ((rc = cmd_u64("grep", "--context", g->o.context, &v)))
			return rc;
		if (v > GREP_CONTEXT_MAX)
			return mm_error("grep", NULL, "bad --context '%s': use 0 to %llu",
					g->o.context, (unsigned long long)GREP_CONTEXT_MAX);
		g->margin = (size_t)v;
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

static int grep_compile(struct grep *g, const char *const *pats, size_t n)
{
	struct search_opts so = {
		.kind = g->o.regex ? SEARCH_REGEX : g->o.hex ? SEARCH_HEX : SEARCH_LITERAL,
		.icase = g->o.icase,
		.overlap = g->o.overlap,
	};
	char err[512];
	size_t bad;

	g->s = search_compile(pats, n, &so, err, sizeof err, &bad);
	return g->s ? 0 : mm_error("grep", NULL, "%s", err);
}

/* -H / --no-filename, else names when more than one file may be searched. */
static int grep_show_name(const struct grep *g, const char *const *files, int n)
{
	if (g->o.with_name >= 0)
		return g->o.with_name;
	return n > 1 || (g->o.recursive && grep_is_dir(files[0]));
}

static void grep_free_pats(const char **pats)
{
	if (!pats)
		return;
	for (size_t i = 0; pats[i]; i++)
		free((char *)pats[i]);
	free(pats);
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

static int grep_run(int argc, const char **argv)
{
	static struct grep g;
	static struct out out;
	struct poptOption table[] = {
		{ "regexp", 'e', POPT_ARG_ARGV, &g.o.pats, 0,
		  "a pattern; repeat for several (a match of any counts)", "PATTERN" },
		{ "hex", 'x', POPT_ARG_NONE, &g.o.hex, 0,
		  "PATTERN is hex bytes; ?? matches any byte, ? any nibble", NULL },
		{ "regex", 'E', POPT_ARG_NONE, &g.o.regex, 0,
		  "PATTERN is a PCRE2 regular expression over bytes", NULL },
		{ "ignore-case", 'i', POPT_ARG_NONE, &g.o.icase, 0, "fold ASCII case", NULL },
		{ "overlap", 0, POPT_ARG_NONE, &g.o.overlap, 0,
		  "report overlapping matches too", NULL },
		{ "with-filename", 'H', POPT_ARG_VAL, &g.o.with_name, 1,
		  "print FILE:OFFSET even for one file", NULL },
		{ "no-filename", 0, POPT_ARG_VAL, &g.o.with_name, 0,
		  "print OFFSET alone even for several files", NULL },
		{ "count", 'c', POPT_ARG_NONE, &g.o.count, 0,
		  "print the number of matches per file", NULL },
		{ "files-with-matches", 'l', POPT_ARG_NONE, &g.o.list, 0,
		  "print the names of files with a match", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &g.o.quiet, 0,
		  "print nothing; stop at the first match", NULL },
		{ "max-count", 'm', POPT_ARG_STRING, &g.o.max_count, 0,
		  "stop a file after N matches", "N" },
		{ "range", 0, POPT_ARG_STRING, &g.o.range, 0,
		  "only matches wholly inside START:END or START+LENGTH", "RANGE" },
		{ "radix", 0, POPT_ARG_STRING, &g.o.radix, 0,
		  "offsets in d (decimal), x (0x hex) or o (0o octal)", "d|x|o" },
		{ "context", 'C', POPT_ARG_STRING, &g.o.context, 0,
		  "under each match, N bytes either side as xxd lines", "N" },
		{ "null", '0', POPT_ARG_NONE, &g.o.null, 0,
		  "end each output record with NUL, not newline", NULL },
		{ "json", 0, POPT_ARG_NONE, &g.o.json, 0,
		  "one JSON object a match: file, offset, length, hex", NULL },
		{ "recursive", 'r', POPT_ARG_NONE, &g.o.recursive, 0,
		  "search directories (symbolic links inside are not followed)", NULL },
		{ "lock", 0, POPT_ARG_NONE, &g.o.lock, 0,
		  "hold a shared flock(2) on each file while searching", NULL },
		{ "threads", 'j', POPT_ARG_STRING, &g.o.threads, 0,
		  "search with N threads (default: the online CPUs)", "N" },
		{ "mmap", 0, POPT_ARG_VAL, &g.o.mmap, 1,
		  "map files instead of reading them", NULL },
		{ "no-mmap", 0, POPT_ARG_VAL, &g.o.mmap, 0,
		  "read files with read(2) (the default)", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	static const char *stdin_only[] = { "-", NULL };
	const char *const *pats, *const *files;
	struct cmd_args a;
	size_t npats;
	int nfiles, rc;

	memset(&g, 0, sizeof g);
	g.o.with_name = -1;
	rc = cmd_parse("grep", table, "[OPTIONS] PATTERN [FILE...]", 0, -1, 0,
		       argc, argv, &a);
	if (rc >= 0) {
		grep_free_pats(g.o.pats);
		return rc;
	}
	if (g.o.pats) {
		pats = g.o.pats;
		for (npats = 0; pats[npats]; npats++)
			;
		files = a.args;
		nfiles = a.nargs;
	} else if (a.nargs > 0) {
		pats = a.args;
		npats = 1;
		files = a.args + 1;
		nfiles = a.nargs - 1;
	} else {
		rc = mm_error("grep", NULL,
			      "missing PATTERN; usage: mmtool grep [OPTIONS] PATTERN [FILE...]");
		goto out;
	}
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	if ((rc = grep_setup(&g)) || (rc = grep_compile(&g, pats, npats)) ||
	    (rc = grep_list(&g, files, nfiles)))
		goto out;
	out_init(&out, STDOUT_FILENO);
	g.out = &out;
	g.show_name = grep_show_name(&g, files, nfiles);
	rc = grep_search_all(&g);
	out_flush(&out);
	if (out.err)
		rc = MM_EXIT_ERROR;	/* main.c reports it */
	else if (rc == MM_EXIT_OK && !g.found)
		rc = MM_EXIT_NO;
out:
	free(g.ents);
	free(g.names);
	search_free(g.s);
	grep_free_pats(g.o.pats);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_grep = {
	.name = "grep",
	.summary = "print the byte offsets of a pattern (literal, hex, PCRE2)",
	.run = grep_run,
};
