/*
 * mmtool grep [OPTIONS] PATTERN [FILE...]
 * mmtool grep [OPTIONS] -e PATTERN [-e PATTERN]... [FILE...]
 *
 * Print the byte offset of every match: literal bytes, hex with wildcards,
 * or PCRE2 over bytes.  Files are walked window by window (map_walk), pipes
 * read in chunks; search.c finds each match once across the seams.  A large
 * file is also searched from its end by a second thread (grep_par.c); -C
 * and --json, which print bytes from the chunk in hand, stay on one core.
 *
 * Test hooks (environment): MMTOOL_GREP_KERNEL=avx2|sse2|scalar forces the
 * literal kernel; MMTOOL_GREP_SPLIT=N uses the second thread for files of
 * N bytes or more (even on one CPU); MMTOOL_GREP_WINDOW=N sets its window;
 * MMTOOL_GREP_JOB_CAP=N bounds its pool of matches; MMTOOL_GREP_WORKER_FIRST=1
 * lets the worker take every window before the main thread starts, so that
 * the joining of its windows is exercised at every seam.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "dump.h"
#include "grep_par.h"
#include "msg.h"
#include "out.h"
#include "search.h"

/*
 * Below this a file is searched on one core: starting the thread and
 * joining the windows costs more than the second core saves.
 */
#define GREP_SPLIT_MIN ((uint64_t)8 << 20)
/*
 * A file is cut into about this many windows, each 1 to 32 MiB and at least
 * 8 times what a window must re-read on either side (a regex's 256 KiB).
 */
#define GREP_WINDOWS 8
#define GREP_WINDOW_MIN ((uint64_t)1 << 20)
/* The worker's pool: 256 Ki matches (4 MiB); past that the main thread goes on. */
#define GREP_JOB_CAP ((size_t)1 << 18)
/* grep_main_feed's "the worker has the rest". */
#define GREP_OWN_END 1000
/* -C N: the context comes from the chunk overlap, which map_walk bounds. */
#define GREP_CONTEXT_MAX ((uint64_t)1 << 20)

#define GREP_STDIN_NAME "(standard input)"

struct grep_opts {
	const char **pats;	/* -e, POPT_ARG_ARGV: malloc'd array of malloc'd strings */
	int hex, regex, icase, overlap, with_name, count, list, quiet;
	int null, json, recursive, lock;
	const char *max_count, *range, *radix, *context;
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
	int status;		/* the worst so far */
	int found;		/* a match anywhere */
	int quit;		/* -q found one: stop everything */
	/* The file being searched. */
	const char *path;	/* for messages */
	const char *name;	/* for output */
	char *json_name;	/* name as a JSON string, quotes included */
	uint64_t count;
	int file_stop;		/* -l found one, or -m reached */
	/* Re-joining a worker window (grep_drain). */
	struct grep_par *sync_par;
	size_t sync_k;
	int synced;
	size_t sync_j;
	uint64_t sync_x;
	/* The second core. */
	int threads, worker_first;
	uint64_t split_min, wsize;
	size_t job_cap;
	struct grep_par_worker *worker;
	struct grep_par par;
	int par_ready;		/* par.sc and par.pool are allocated */
	struct dump dump;
};

/* ---- output ------------------------------------------------------------- */

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

/* An offset in the chosen radix, written so that OFFSET arguments read it. */
static void grep_put_offset(struct grep *g, uint64_t off)
{
	char *w = out_reserve(g->out, 32);
	size_t n = 0;

	if (g->radix != 'd') {
		w[n++] = '0';
		w[n++] = g->radix;
	}
	n += grep_fmt_u64(w + n, off, g->radix == 'x' ? 16 : g->radix == 'o' ? 8 : 10);
	g->out->len += n;
}

/*
 * Length of the valid UTF-8 sequence at s, or 0 with *bad set to the bytes
 * to replace: the "maximal subpart" of an invalid sequence (Unicode 15,
 * section 3.9), which is also what Python's decoder replaces.
 */
static size_t grep_utf8(const unsigned char *s, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		/* The NUL at the end fails the range test, so this stops there. */
		if (s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80, hi = 0xbf;
	}
	return need + 1;
}

/*
 * A file name as a JSON string (quotes included), malloc'd.  JSON text must
 * be Unicode: a byte that is not part of valid UTF-8 becomes U+FFFD, so the
 * output parses everywhere; control characters are escaped.
 */
static char *grep_json_string(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	char *buf = malloc(6 * strlen(name) + 3), *w = buf;
	size_t n, bad;

	if (!buf)
		return NULL;
	*w++ = '"';
	while (*s) {
		if (!(n = grep_utf8(s, &bad))) {
			memcpy(w, "\\ufffd", 6);
			w += 6;
			s += bad;
		} else if (n > 1) {
			memcpy(w, s, n);
			w += n;
			s += n;
		} else {
			const char *esc = NULL;

			switch (*s) {
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			}
			if (esc) {
				memcpy(w, esc, 2);
				w += 2;
			} else if (*s < 0x20 || *s == 0x7f) {
				w[0] = '\\', w[1] = 'u', w[2] = '0', w[3] = '0';
				w[4] = "0123456789abcdef"[*s >> 4];
				w[5] = "0123456789abcdef"[*s & 15];
				w += 6;
			} else {
				*w++ = (char)*s;
			}
			s++;
		}
	}
	*w++ = '"';
	*w = '\0';
	return buf;
}

static void grep_put_hex(struct grep *g, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	while (n) {
		size_t take = n < 4096 ? n : 4096;
		char *w = out_reserve(g->out, 2 * take);

		for (size_t i = 0; i < take; i++) {
			w[2 * i] = digits[p[i] >> 4];
			w[2 * i + 1] = digits[p[i] & 15];
		}
		g->out->len += 2 * take;
		p += take;
		n -= take;
	}
}

static void grep_put_json(struct grep *g, const struct search_hit *h)
{
	char *w;

	out_str(g->out, "{\"file\":");
	out_str(g->out, g->json_name);
	out_str(g->out, ",\"offset\":");
	w = out_reserve(g->out, 24);
	g->out->len += grep_fmt_u64(w, h->off, 10);
	out_str(g->out, ",\"length\":");
	w = out_reserve(g->out, 24);
	g->out->len += grep_fmt_u64(w, h->len, 10);
	out_str(g->out, ",\"hex\":\"");
	grep_put_hex(g, h->buf + (h->off - h->buf_off), h->len);
	out_str(g->out, "\"}");
	out_char(g->out, g->term);
}

/*
 * -C N: the match and N bytes either side, as `xxd -s START -l LEN` prints
 * them, cut where the searched data (the file, or --range) ends.  search.c
 * keeps that much around every match it reports.
 */
static void grep_put_context(struct grep *g, const struct search_hit *h)
{
	struct dump_opts o = { .group = 2 };
	uint64_t end = h->buf_off + h->buf_len, lo, hi = h->off + h->len;

	lo = h->off - h->buf_off > g->margin ? h->off - g->margin : h->buf_off;
	hi = end - hi > g->margin ? hi + g->margin : end;
	if (dump_init(&g->dump, DUMP_XXD, &o, g->out, lo))
		return;
	dump_feed(&g->dump, h->buf + (lo - h->buf_off), (size_t)(hi - lo));
	dump_finish(&g->dump);
}

/*
 * One match, in file order.  h is NULL for a match from the worker's list
 * (then neither -C nor --json is on).  Returns nonzero to stop the file.
 */
static int grep_emit(struct grep *g, uint64_t off, const struct search_hit *h)
{
	g->count++;
	g->found = 1;
	if (g->o.quiet) {
		g->quit = 1;
		return 1;
	}
	if (g->o.list) {
		out_str(g->out, g->name);
		out_char(g->out, g->term);
		g->file_stop = 1;
		return 1;
	}
	if (!g->o.count) {
		if (g->o.json) {
			grep_put_json(g, h);
		} else {
			if (g->show_name) {
				out_str(g->out, g->name);
				out_char(g->out, ':');
			}
			grep_put_offset(g, off);
			out_char(g->out, g->term);
			if (g->o.context && h)
				grep_put_context(g, h);
		}
	}
	if (g->count >= g->max) {
		g->file_stop = 1;
		return 1;
	}
	return 0;
}

/* The scan's callback on the main thread. */
static int grep_hit(void *ctx, const struct search_hit *h)
{
	struct grep *g = ctx;
	uint64_t x;

	if (grep_emit(g, h->off, h))
		return 1;
	if (g->sync_par) {
		x = search_after(g->s, h->off, h->len);
		if (grep_par_sync(g->sync_par, g->sync_k, x, &g->sync_j)) {
			g->synced = 1;
			g->sync_x = x;
			return 1;
		}
	}
	return 0;
}

/* ---- searching one file ------------------------------------------------- */

/* The main thread's walk over a file shared with the worker. */
struct grep_main_walk {
	struct grep *g;
	struct search_scan *sc;
	size_t keep;		/* the walk's: each chunk re-reads as much of the last */
};

/* Before each chunk, take the windows it holds, as far as the worker left them. */
static int grep_main_feed(void *ctx, const unsigned char *p, size_t n,
			  uint64_t pos)
{
	struct grep_main_walk *mw = ctx;

	/* The starts this chunk decides; the last keep bytes begin the next. */
	mw->sc->limit = grep_par_own(mw->g->worker, &mw->g->par,
				     n > mw->keep ? pos + n - mw->keep : pos + n);
	if (pos >= mw->sc->limit)
		return GREP_OWN_END;
	return search_feed(mw->sc, p, n, pos);
}

/*
 * Decide the starts in [from, limit) of [floor, hi) on this thread and
 * print their matches; *resume gets where a following scan must go on.
 * The walk reaches past limit only as far as a match starting before it
 * can.  With `shared`, the limit is instead the worker's first window,
 * wherever that turns out to be.  Returns 0 or an exit status after
 * reporting.
 */
static int grep_direct(struct grep *g, struct map_file *f, uint64_t floor,
		       uint64_t from, uint64_t hi, uint64_t limit, int shared,
		       uint64_t *resume)
{
	struct search_scan sc;
	size_t keep = search_walk_keep(g->s, g->margin);
	struct grep_main_walk mw = { .g = g, .sc = &sc, .keep = keep };
	uint64_t start = search_data_start(g->s, from, g->margin, floor);
	uint64_t end = hi, reach = search_walk_keep(g->s, 0) + g->margin;
	char msg[256];
	int rc;

	if (limit < hi && hi - limit > reach)
		end = limit + reach;
	rc = search_scan_init(&sc, g->s, from, limit,
			      end == hi && !f->stream ? hi : UINT64_MAX,
			      g->margin, grep_hit, g);
	if (rc)
		return mm_error("grep", g->path, "out of memory");
	rc = map_walk(f, start, end == UINT64_MAX ? UINT64_MAX : end - start,
		      keep, shared ? grep_main_feed : search_feed,
		      shared ? (void *)&mw : (void *)&sc);
	if (rc == 0)
		rc = search_finish(&sc, end == hi);
	*resume = search_resume(&sc);
	if (rc == SEARCH_STOPPED || rc == GREP_OWN_END)
		rc = 0;
	else if (rc < 0)
		rc = cmd_map_error("grep", g->path, rc);
	else if (rc)
		rc = mm_error("grep", g->path, "%s",
			      search_strerror(&sc, rc, msg, sizeof msg));
	search_scan_free(&sc);
	return rc;
}

/*
 * Print worker window k in order.  *x is where the scan before it would go
 * on, and gets where the scan after it must.  Until the window's list takes
 * over (a match crossed into it, or a regex could not be decided before
 * it), this thread scans on itself.
 */
static int grep_drain(struct grep *g, struct map_file *f, size_t k,
		      uint64_t *x)
{
	struct grep_par *p = &g->par;
	const struct grep_par_win *win = &p->win[k];
	const struct grep_par_mark *mk = p->pool + win->first;
	uint64_t end = grep_par_start_of(p, k + 1), r;
	size_t j;
	int rc;

	if (!grep_par_sync(p, k, *x, &j)) {
		g->sync_par = p;
		g->sync_k = k;
		g->synced = 0;
		rc = grep_direct(g, f, p->lo, *x, p->hi, end, 0, &r);
		g->sync_par = NULL;
		if (rc || g->file_stop || g->quit)
			return rc;
		if (!g->synced) {
			*x = r;
			return 0;
		}
		j = g->sync_j;
		*x = g->sync_x;
	}
	for (; j < win->n; j++) {
		if (grep_emit(g, mk[j].off, NULL))
			return 0;
		*x = search_after(g->s, mk[j].off, (size_t)mk[j].len);
	}
	if (win->resume > *x)
		*x = win->resume;
	if (win->complete)
		return 0;
	/* The pool was full, or the worker met an error: go on from there. */
	rc = grep_direct(g, f, p->lo, *x, p->hi, end, 0, &r);
	*x = r;
	return rc;
}

/* Set up g->par for [lo, hi) of f; nonzero if that cannot be done. */
static int grep_par_prepare(struct grep *g, struct map_file *f, uint64_t lo,
			    uint64_t hi)
{
	struct grep_par *p = &g->par;
	uint64_t ws = g->wsize, page = map_page_size();
	size_t nwin;
	void *grown;

	if (!g->par_ready) {
		p->pool = malloc(g->job_cap * sizeof *p->pool);
		if (!p->pool || search_scan_init(&p->sc, g->s, 0, 0, 0, 0, NULL, NULL)) {
			free(p->pool);
			p->pool = NULL;
			return -1;
		}
		p->cap = g->job_cap;
		g->par_ready = 1;
	}
	if (!ws) {
		uint64_t keep = search_walk_keep(g->s, 0), min = 8 * keep;
		/* How far before its first start a window is read (regex: keep). */
		uint64_t behind = MAP_WINDOW - search_data_start(g->s, MAP_WINDOW, 0, 0);
		/*
		 * With what it re-reads either side, a window is one mapping.
		 * At its largest, for a literal, it is one of the main thread's
		 * windows, which begin every MAP_WINDOW - keep bytes (map_walk):
		 * on one grid, the main thread does not claim a whole window of
		 * the worker's for the few bytes its own runs past it.
		 */
		uint64_t max = MAP_WINDOW - keep - behind;

		min = min < GREP_WINDOW_MIN ? GREP_WINDOW_MIN : min;
		ws = (hi - lo) / GREP_WINDOWS;
		ws = ws < min ? min : ws;
		ws = (ws + page - 1) / page * page;
		ws = ws > max ? max : ws;
	}
	nwin = (size_t)((hi - lo + ws - 1) / ws);
	if (nwin > p->nwin) {
		if (!(grown = realloc(p->win, nwin * sizeof *p->win)))
			return -1;
		p->win = grown;
	}
	p->nwin = nwin;
	p->f = f;
	p->s = g->s;
	p->lo = lo;
	p->hi = hi;
	p->wsize = ws;
	return 0;
}

static int grep_search(struct grep *g, struct map_file *f, uint64_t lo,
		       uint64_t hi)
{
	struct grep_par *p = &g->par;
	uint64_t x;
	int rc;

	if (!g->threads || f->stream || !f->mappable || hi - lo < g->split_min ||
	    hi - lo < 2 || grep_par_prepare(g, f, lo, hi) ||
	    grep_par_start(&g->worker, p))
		return grep_direct(g, f, lo, lo, hi, UINT64_MAX, 0, &x);
	if (g->worker_first)
		grep_par_idle(g->worker, p);
	rc = grep_direct(g, f, lo, lo, hi, UINT64_MAX, 1, &x);
	/* Now p->m == p->L: every window from p->m on is the worker's. */
	for (size_t k = p->m; k < p->nwin && !rc && !g->file_stop && !g->quit; k++) {
		grep_par_wait(g->worker, p, k);
		rc = grep_drain(g, f, k, &x);
	}
	grep_par_finish(g->worker, p, 1);
	return rc;
}

/* [lo, hi) to search in f: all of it, or --range. */
static int grep_bounds(struct grep *g, const struct map_file *f, uint64_t *lo,
		       uint64_t *hi)
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
			return mm_error("grep", g->path,
					"a negative RANGE needs a file with a known size");
		*lo = r->start_given ? r->start.mag : 0;
		if (r->is_length)
			*hi = r->end.mag > UINT64_MAX - *lo ? UINT64_MAX : *lo + r->end.mag;
		else if (r->end_given)
			*hi = r->end.mag;
		if (*hi < *lo)
			return mm_error("grep", g->path, "bad RANGE '%s': %s",
					g->o.range, num_strerror(NUM_BACKWARDS));
		return 0;
	}
	e = num_resolve_range(r, f->size, lo, hi);
	if (e)
		return mm_error("grep", g->path, "bad RANGE '%s': %s (size %llu)",
				g->o.range, num_strerror(e),
				(unsigned long long)f->size);
	return 0;
}

/* open_flags: MAP_OPEN_NOFOLLOW for a file met in a directory walk. */
static void grep_file(struct grep *g, const char *path, int open_flags)
{
	struct map_file f;
	uint64_t lo, hi;
	char *w;
	int rc;

	g->path = path;
	g->name = strcmp(path, "-") ? path : GREP_STDIN_NAME;
	if ((rc = cmd_open("grep", path, open_flags, &f))) {
		g->status = mm_worst(g->status, rc);
		return;
	}
	if ((g->o.lock && (rc = cmd_lock("grep", path, &f, 0))) ||
	    (rc = grep_bounds(g, &f, &lo, &hi)))
		goto done;
	if (g->o.json) {
		free(g->json_name);
		if (!(g->json_name = grep_json_string(g->name))) {
			rc = mm_error("grep", NULL, "out of memory");
			goto done;
		}
	}
	g->count = 0;
	g->file_stop = 0;
	if (g->max && lo < hi)
		rc = grep_search(g, &f, lo, hi);
	if (!rc && g->o.count && !g->o.list && !g->o.quiet) {
		if (g->show_name) {
			out_str(g->out, g->name);
			out_char(g->out, ':');
		}
		w = out_reserve(g->out, 24);
		g->out->len += grep_fmt_u64(w, g->count, 10);
		out_char(g->out, g->term);
	}
done:
	g->status = mm_worst(g->status, rc);
	map_close(&f);
}

struct grep_entry {
	char *name;
	unsigned char type;
};

static int grep_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct grep_entry *)a)->name,
		      ((const struct grep_entry *)b)->name);
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

/*
 * -r: the regular files under dir, in name order so that output is the
 * same every run.  Symbolic links, devices, FIFOs and sockets met on the
 * way are skipped, as GNU grep -r does; a directory is opened O_NOFOLLOW so
 * one swapped for a link meanwhile is not followed either.  The names are
 * read and the directory closed before descending: depth costs no fds.
 */
static void grep_dir(struct grep *g, const char *dir, int top)
{
	struct grep_entry *ents = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
	if (fd < 0 || !(d = fdopendir(fd))) {
		g->status = mm_error("grep", dir, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
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
		qsort(ents, n, sizeof *ents, grep_entry_cmp);
	for (size_t i = 0; i < n; i++) {
		char *path = g->quit ? NULL : grep_join(dir, ents[i].name);
		struct stat st;

		if (path && ents[i].type == DT_UNKNOWN) {
			ents[i].type = DT_UNKNOWN;
			if (lstat(path, &st) == 0)
				ents[i].type = S_ISDIR(st.st_mode) ? DT_DIR :
					       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (path && ents[i].type == DT_DIR)
			grep_dir(g, path, 0);
		else if (path && ents[i].type == DT_REG)
			grep_file(g, path, MAP_OPEN_NOFOLLOW);
		free(path);
		free(ents[i].name);
	}
	free(ents);
}

static void grep_operand(struct grep *g, const char *path)
{
	struct stat st;

	if (g->o.recursive && strcmp(path, "-") && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		grep_dir(g, path, 1);
	else
		grep_file(g, path, 0);
}

/* ---- options ------------------------------------------------------------ */

static int grep_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static int grep_setup(struct grep *g)
{
	const char *env;
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
	g->term = g->o.null ? '\0' : '\n';
	g->threads = grep_cpus() > 1;
	g->split_min = GREP_SPLIT_MIN;
	g->job_cap = GREP_JOB_CAP;
	if ((env = getenv("MMTOOL_GREP_SPLIT")) && num_parse_u64(env, &v) == NUM_OK) {
		g->threads = 1;
		g->split_min = v;
	}
	if ((env = getenv("MMTOOL_GREP_JOB_CAP")) && num_parse_u64(env, &v) == NUM_OK &&
	    v > 0 && v <= GREP_JOB_CAP)
		g->job_cap = (size_t)v;
	if ((env = getenv("MMTOOL_GREP_WINDOW")) && num_parse_u64(env, &v) == NUM_OK &&
	    v > 0 && v <= MAP_WINDOW)
		g->wsize = v;
	g->worker_first = (env = getenv("MMTOOL_GREP_WORKER_FIRST")) && !strcmp(env, "1");
	/* These print bytes from the chunk in hand, which the worker's list lacks. */
	if (g->o.json || g->o.context)
		g->threads = 0;
	return 0;
}

static int grep_compile(struct grep *g, const char *const *pats, size_t n)
{
	struct search_opts so = {
		.kind = g->o.regex ? SEARCH_REGEX : g->o.hex ? SEARCH_HEX : SEARCH_LITERAL,
		.icase = g->o.icase,
		.overlap = g->o.overlap,
		.kernel = getenv("MMTOOL_GREP_KERNEL"),
	};
	char err[512];
	size_t bad;

	g->s = search_compile(pats, n, &so, err, sizeof err, &bad);
	return g->s ? 0 : mm_error("grep", NULL, "%s", err);
}

/* -H / --no-filename, else names when more than one file may be searched. */
static int grep_show_name(const struct grep *g, const char *const *files, int n)
{
	struct stat st;

	if (g->o.with_name >= 0)
		return g->o.with_name;
	if (n > 1)
		return 1;
	return g->o.recursive && strcmp(files[0], "-") && stat(files[0], &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

static void grep_free_pats(const char **pats)
{
	if (!pats)
		return;
	for (size_t i = 0; pats[i]; i++)
		free((char *)pats[i]);
	free(pats);
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
	if ((rc = grep_setup(&g)) || (rc = grep_compile(&g, pats, npats)))
		goto out;
	out_init(&out, STDOUT_FILENO);
	g.out = &out;
	g.show_name = grep_show_name(&g, files, nfiles);
	for (int i = 0; i < nfiles && !g.quit; i++)
		grep_operand(&g, files[i]);
	out_flush(&out);
	grep_par_worker_free(g.worker);
	rc = g.status;
	if (out.err)
		rc = MM_EXIT_ERROR;	/* main.c reports it */
	else if (rc == MM_EXIT_OK && !g.found)
		rc = MM_EXIT_NO;
out:
	if (g.par_ready)
		search_scan_free(&g.par.sc);
	free(g.par.pool);
	free(g.par.win);
	free(g.json_name);
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
