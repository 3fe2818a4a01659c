/*
 * mmtool info [OPTIONS] FILE...
 *
 * What each FILE is: size, bytes allocated, data extents and holes, type,
 * MIME type and encoding as libmagic has them, and how much of it is in
 * the page cache.  -b and --mime print only the type or the MIME type, as
 * `file -b` and `file -b --mime-type` do; --json prints one object per file
 * and line; -c only the page-cache fields; --map the data runs, their
 * device extents, the holes and the resident runs.  Files are looked at on
 * the worker pool (pool.h) and printed in the order given.
 *
 * info does not change the page cache it reports on: which pages were
 * resident is recorded before libmagic reads the file, and the pages that
 * libmagic's reads and their readahead brought in are evicted after
 * (cache_snapshot_restore).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cmd.h"
#include "json.h"
#include "magic.h"
#include "msg.h"
#include "out.h"
#include "pool.h"
#include "walk.h"

#define INFO_BAR_CELLS 64
#define INFO_MAX_THREADS 1024
#define INFO_BATCH_MAX 64

struct info_opts {
	int brief, mime, json, cache, map, bar, recursive;
	unsigned threads;	/* 0: the online CPUs */
};

/* What is known about one file once it has been looked at: a pool slot. */
struct info_file {
	const char *name;
	int walked;		/* found by -r's walk as a regular file */
	const char *no_size;	/* why the file has no size (a pipe), or NULL */
	struct cache_layout layout;
	struct cache_map map;
	struct cache_range *resident_ranges;
	size_t nresident;
	uint64_t pages, resident;
	struct cache_counts counts;
	int have_counts;	/* cachestat(2) answered */
	const char *unknown;	/* why resident is not known, or NULL */
	struct magic_info magic;
	char err[512];		/* what went wrong, to report in turn; "" if nothing */
};

/* The sums for the total line. */
struct info_total {
	uint64_t files, size, allocated, pages, resident;
};

struct info_ctx {
	const struct info_opts *io;
	const char **names;
	const unsigned char *walked;	/* per name: info_file.walked */
	size_t n, batch;	/* names; names a pool job looks at */
	struct out *out;
	struct info_total total;
	int status, nprinted;
};

/* "1.5 MiB": one decimal, rounded, in the largest unit that keeps it >= 1. */
static void info_human(uint64_t n, char *buf, size_t cap)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	uint64_t div = 1, tenths;
	unsigned u = 0;

	if (n < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)n);
		return;
	}
	while (u < 6 && n / div >= 1024)
		div <<= 10, u++;
	/* No overflow: n % div < 2^60, so ten times it fits in 64 bits. */
	tenths = n / div * 10 + ((n % div) * 10 + div / 2) / div;
	if (tenths >= 10240 && u < 6) {
		/* 1023.96 KiB rounds to 1024.0 KiB: say 1.0 MiB instead. */
		div <<= 10, u++;
		tenths = n / div * 10 + ((n % div) * 10 + div / 2) / div;
	}
	snprintf(buf, cap, "%llu.%llu %s", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10), units[u]);
}

/* part of whole in percent with one decimal, "50.0"; "0.0" for 0 of 0. */
static void info_percent(uint64_t part, uint64_t whole, char *buf, size_t cap)
{
	unsigned __int128 t = whole ? ((unsigned __int128)part * 1000 + whole / 2) / whole : 0;

	snprintf(buf, cap, "%llu.%llu", (unsigned long long)(t / 10),
		 (unsigned long long)(t % 10));
}

/* A name or description for a terminal: control characters become '?'. */
static void info_put_clean(struct out *o, const char *s)
{
	for (; s && *s; s++)
		out_char(o, msg_clean_char(*s));
}

static void info_set_err(struct info_file *f, const char *what,
			 const char *detail)
{
	snprintf(f->err, sizeof f->err, "%s%s%s", what ? what : "",
		 what ? ": " : "", detail);
}

/* Whether the record says where the bytes are (not -c). */
static int info_wants_layout(const struct info_opts *io)
{
	return !io->brief && !io->mime && !io->cache;
}

/* Whether the record has the resident runs (for --map or the bar). */
static int info_wants_runs(const struct info_opts *io)
{
	return io->map || io->bar;
}

/*
 * Residency of a regular file or block device: with `keep` a snapshot
 * (which the caller restores after libmagic and frees), else the counts
 * alone, one cachestat(2) call where the kernel has it.
 */
static int info_residency(const struct info_opts *io, int fd,
			  const struct stat *st, struct info_file *f,
			  struct cache_snapshot *snap, int keep)
{
	int rc;

	if (!cache_residency_visible(fd, st)) {
		f->unknown = "Linux shows the page cache only of files you own or may write";
		return 0;
	}
	if (keep || info_wants_runs(io)) {
		rc = cache_snapshot(fd, f->layout.size, 0, f->layout.size, snap);
		if (rc == 0) {
			f->resident = snap->resident;
			f->counts = snap->counts;
			f->have_counts = snap->have_counts;
			if (info_wants_runs(io))
				rc = cache_snapshot_ranges(snap, &f->resident_ranges,
							   &f->nresident);
			if (!keep)
				cache_snapshot_free(snap);
		}
	} else {
		rc = cache_resident(fd, f->layout.size, &f->resident, &f->counts,
				    &f->have_counts);
	}
	/* A file that cannot be mapped (/sys files) has no answer. */
	if (rc == -ENODEV) {
		f->unknown = "the file cannot be mapped";
	} else if (rc) {
		info_set_err(f, "mincore", strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Where the file's bytes are and which pages are resident, before
 * libmagic reads any: *snap is then what to restore after it.
 */
static int info_measure(const struct info_opts *io, int fd, const struct stat *st,
			struct info_file *f, struct cache_snapshot *snap)
{
	int with_map = io->map && !io->cache;
	size_t page = map_page_size();
	int rc;

	if (io->cache) {
		/* -c reports no layout: the size will do, without SEEK_DATA's walk. */
		f->layout.allocated = (uint64_t)st->st_blocks * 512;
		rc = cache_size(fd, st, &f->layout.size);
	} else {
		rc = cache_layout(fd, st, &f->layout, with_map || io->bar ? &f->map : NULL);
	}
	if (rc == 0 && with_map && S_ISREG(st->st_mode))
		rc = cache_map_extents(fd, &f->map);
	if (rc) {
		info_set_err(f, "SEEK_DATA/SEEK_HOLE", strerror(-rc));
		return -1;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode))
		return 0;	/* no pages: a directory or a character device */
	f->pages = f->layout.size / page + (f->layout.size % page != 0);
	/* An empty file has no pages, but cachestat's counts all the same. */
	if (!f->layout.size)
		f->have_counts = cache_stat(fd, 0, page, &f->counts) == 0;
	if (!f->layout.size)
		return 0;
	/* libmagic reads regular files only: only they need restoring. */
	return info_residency(io, fd, st, f, snap, !io->cache && S_ISREG(st->st_mode));
}

static int info_want(const struct info_opts *io)
{
	if (io->brief)
		return MM_MAGIC_TYPE;
	if (io->mime)
		return MM_MAGIC_MIME;
	return MM_MAGIC_TYPE | MM_MAGIC_MIME | MM_MAGIC_ENCODING;
}

/*
 * A FIFO or socket named on the command line: described from stat, never
 * opened (opening a FIFO would wait for a writer; a socket cannot be).
 */
static void info_node(const struct info_opts *io, const struct stat *st,
		      struct info_file *f)
{
	const char *why;

	f->no_size = S_ISFIFO(st->st_mode) ? "a FIFO has no size" : "a socket has no size";
	f->layout.allocated = (uint64_t)st->st_blocks * 512;
	/* libmagic, too, describes these from stat without opening them. */
	if (!io->cache && magic_db_identify(f->name, -1, info_want(io), &f->magic, &why))
		info_set_err(f, NULL, why);
}

/* Open the file f->name (standard input for "-"); 0, or -1 with f->err. */
static int info_open(struct info_file *f, int *fd, struct stat *st, int *is_node)
{
	int rc;

	*is_node = 0;
	if (!strcmp(f->name, "-")) {
		*fd = STDIN_FILENO;
		rc = fstat(*fd, st) < 0 ? -errno : 0;
		/* A pipe's st_size is what is buffered now, not a size. */
		if (rc == 0 && (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode)))
			f->no_size = "a pipe: its length is known only once read";
	} else if (f->walked) {
		/* A regular file when the walk saw it: no stat first, no link followed. */
		rc = cache_open(f->name, CACHE_OPEN_NOFOLLOW, fd, st);
	} else if (stat(f->name, st) == 0 &&
		   (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))) {
		*is_node = 1;
		return 0;
	} else {
		rc = cache_open(f->name, 0, fd, st);
	}
	if (rc) {
		info_set_err(f, NULL, strerror(-rc));
		return -1;
	}
	/* Swapped for a FIFO since the walk (open does not wait: O_NONBLOCK). */
	if (f->walked && (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))) {
		close(*fd);
		*is_node = 1;
	}
	return 0;
}

/* Look at one file: the job the pool runs, on any thread.  Errors to f->err. */
static void info_look(const struct info_opts *io, struct info_file *f)
{
	struct cache_snapshot snap = { 0 };
	int fd = -1, is_node, is_stdin = !strcmp(f->name, "-");
	const char *why;
	struct stat st;

	if (info_open(f, &fd, &st, &is_node))
		return;
	if (is_node) {
		info_node(io, &st, f);
		return;
	}
	if (!io->brief && !io->mime) {
		if (info_measure(io, fd, &st, f, &snap))
			goto close;
	} else if (S_ISREG(st.st_mode) && cache_residency_visible(fd, &st) &&
		   cache_size(fd, &st, &f->layout.size) == 0) {
		/* -b and --mime report no pages, but must not warm them either. */
		cache_snapshot(fd, f->layout.size, 0, f->layout.size, &snap);
	}
	/* By name where there is one: file(1) then adds "setuid" and such. */
	if (!io->cache && magic_db_identify(is_stdin ? NULL : f->name, fd,
					    info_want(io), &f->magic, &why))
		info_set_err(f, NULL, why);
	if (snap.n)
		cache_snapshot_restore(fd, &snap);
	cache_snapshot_free(&snap);
close:
	if (!is_stdin)
		close(fd);
}

/* The files of pool job `job`: [*first, *first + return value). */
static size_t info_batch(const struct info_ctx *c, size_t job, size_t *first)
{
	*first = job * c->batch;
	return c->n - *first < c->batch ? c->n - *first : c->batch;
}

/* A pool job: a batch of files, each into its info_file of the slot. */
static int info_job(void *ctx, size_t job, void *slot)
{
	struct info_ctx *c = ctx;
	struct info_file *f = slot;
	size_t first, n = info_batch(c, job, &first);

	for (size_t i = 0; i < n; i++) {
		memset(&f[i], 0, sizeof f[i]);
		f[i].name = c->names[first + i];
		f[i].walked = c->walked[first + i];
		info_look(c->io, &f[i]);
	}
	return 0;
}

static void info_file_free(struct info_file *f)
{
	magic_info_free(&f->magic);
	cache_map_free(&f->map);
	free(f->resident_ranges);
	f->resident_ranges = NULL;
	f->nresident = 0;
}

/* Bytes of [lo, hi) that ranges v[*at..n) cover; *at moves past the done ones. */
static uint64_t info_covered(const struct cache_range *v, size_t n, size_t *at,
			     uint64_t lo, uint64_t hi)
{
	uint64_t sum = 0;

	while (*at < n && v[*at].off + v[*at].len <= lo)
		(*at)++;
	for (size_t k = *at; k < n && v[k].off < hi; k++) {
		uint64_t a = v[k].off > lo ? v[k].off : lo;
		uint64_t b = v[k].off + v[k].len < hi ? v[k].off + v[k].len : hi;

		sum += b > a ? b - a : 0;
	}
	return sum;
}

/*
 * The bar: 64 cells over the file, each showing what most of its bytes
 * are: '#' resident, '-' data not resident, '.' hole (ties in that order).
 * Without the layout (-c) every byte counts as data.
 */
static void info_bar(struct out *o, const struct info_file *f, int have_layout)
{
	uint64_t size = f->layout.size;
	size_t at_r = 0, at_d = 0;
	char cells[INFO_BAR_CELLS + 3];

	cells[0] = '[';
	for (unsigned i = 0; i < INFO_BAR_CELLS; i++) {
		uint64_t lo = (uint64_t)((unsigned __int128)size * i / INFO_BAR_CELLS);
		uint64_t hi = (uint64_t)((unsigned __int128)size * (i + 1) / INFO_BAR_CELLS);
		uint64_t r = info_covered(f->resident_ranges, f->nresident, &at_r, lo, hi);
		uint64_t d = have_layout ? info_covered(f->map.data, f->map.ndata, &at_d, lo, hi)
					 : hi - lo;
		uint64_t cold = d > r ? d - r : 0, hole = hi - lo - d;

		r = r > hi - lo ? hi - lo : r;
		if (hi == lo)
			cells[i + 1] = ' ';
		else
			cells[i + 1] = r >= cold && r >= hole ? '#' : cold >= hole ? '-' : '.';
	}
	cells[INFO_BAR_CELLS + 1] = ']';
	cells[INFO_BAR_CELLS + 2] = '\0';
	out_str(o, cells);
}

/* "key:" padded so that the values line up (as "%-16s"). */
static void info_key(struct out *o, const char *key)
{
	size_t n = strlen(key);

	out_write(o, key, n);
	for (; n < 16; n++)
		out_char(o, ' ');
}

/* "key:" and a count, a line. */
static void info_u64_line(struct out *o, const char *key, uint64_t n)
{
	info_key(o, key);
	out_u64(o, n);
	out_char(o, '\n');
}

/* n, then " (1.5 MiB)". */
static void info_bytes(struct out *o, uint64_t n)
{
	char human[32];

	info_human(n, human, sizeof human);
	out_u64(o, n);
	out_str(o, " (");
	out_str(o, human);
	out_char(o, ')');
}

static void info_bytes_line(struct out *o, const char *key, uint64_t n)
{
	info_key(o, key);
	info_bytes(o, n);
	out_char(o, '\n');
}

static void info_text_line(struct out *o, const char *key, const char *value)
{
	info_key(o, key);
	info_put_clean(o, value);
	out_char(o, '\n');
}

static void info_print_ranges(struct out *o, const char *what,
			      const struct cache_range *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_printf(o, "%s %llu+%llu\n", what, (unsigned long long)v[i].off,
			   (unsigned long long)v[i].len);
}

/* --map as lines: data and holes in file order, then the resident runs. */
static void info_print_map(struct out *o, const struct info_file *f, int have_layout)
{
	size_t d = 0, h = 0;

	while (have_layout && (d < f->map.ndata || h < f->map.nholes)) {
		if (h == f->map.nholes ||
		    (d < f->map.ndata && f->map.data[d].off < f->map.holes[h].off)) {
			info_print_ranges(o, "data", &f->map.data[d], 1);
			if (f->map.phys_at)
				info_print_ranges(o, "  at", f->map.phys + f->map.phys_at[d],
						  f->map.phys_at[d + 1] - f->map.phys_at[d]);
			d++;
		} else {
			info_print_ranges(o, "hole", &f->map.holes[h++], 1);
		}
	}
	info_print_ranges(o, "resident", f->resident_ranges, f->nresident);
}

/* cachestat's counts, a line: "cached 3, dirty 0, ...". */
static void info_print_counts(struct out *o, const struct cache_counts *c)
{
	info_key(o, "cachestat:");
	out_str(o, "cached ");
	out_u64(o, c->cached);
	out_str(o, ", dirty ");
	out_u64(o, c->dirty);
	out_str(o, ", writeback ");
	out_u64(o, c->writeback);
	out_str(o, ", evicted ");
	out_u64(o, c->evicted);
	out_str(o, ", recently evicted ");
	out_u64(o, c->recently_evicted);
	out_char(o, '\n');
}

/* The page-cache lines: pages, resident, cachestat's counts. */
static void info_print_cache(struct out *o, const struct info_file *f)
{
	char pct[32];

	info_u64_line(o, "page size:", map_page_size());
	info_u64_line(o, "pages:", f->pages);
	if (f->unknown) {
		info_key(o, "resident pages:");
		out_printf(o, "unknown (%s)\n", f->unknown);
		return;
	}
	info_u64_line(o, "resident pages:", f->resident);
	info_percent(f->resident, f->pages, pct, sizeof pct);
	info_key(o, "resident:");
	info_bytes(o, f->resident * map_page_size());
	out_str(o, ", ");
	out_str(o, pct);
	out_str(o, "%\n");
	if (f->have_counts)
		info_print_counts(o, &f->counts);
}

static void info_print_human(const struct info_opts *io, struct out *o,
			     const struct info_file *f)
{
	info_text_line(o, "file:", f->name);
	if (f->no_size)
		info_key(o, "size:"), out_printf(o, "unknown (%s)\n", f->no_size);
	else
		info_bytes_line(o, "size:", f->layout.size);
	if (info_wants_layout(io)) {
		info_bytes_line(o, "allocated:", f->layout.allocated);
		info_u64_line(o, "extents:", f->layout.extents);
		info_u64_line(o, "holes:", f->layout.holes);
		info_text_line(o, "type:", f->magic.type);
		info_text_line(o, "mime:", f->magic.mime);
		info_text_line(o, "encoding:", f->magic.encoding);
	}
	info_print_cache(o, f);
	if (io->bar && !f->unknown) {
		info_key(o, "bar:");
		info_bar(o, f, !io->cache);
		out_char(o, '\n');
	}
	if (io->map)
		info_print_map(o, f, !io->cache);
}

/* A JSON array of {"offset","length"} objects, with each data run's extents. */
static void info_json_ranges(struct json *j, const char *key, const struct cache_map *m,
			     const struct cache_range *v, size_t n, int with_phys)
{
	struct out *o = json_key(j, key);

	out_char(o, '[');
	for (size_t i = 0; i < n; i++) {
		out_printf(o, "%s{\"offset\":%llu,\"length\":%llu", i ? "," : "",
			   (unsigned long long)v[i].off, (unsigned long long)v[i].len);
		if (with_phys) {
			out_str(o, ",\"physical\":[");
			for (size_t k = m->phys_at ? m->phys_at[i] : 0;
			     m->phys_at && k < m->phys_at[i + 1]; k++)
				out_printf(o, "%s{\"offset\":%llu,\"length\":%llu}",
					   k > m->phys_at[i] ? "," : "",
					   (unsigned long long)m->phys[k].off,
					   (unsigned long long)m->phys[k].len);
			out_char(o, ']');
		}
		out_char(o, '}');
	}
	out_char(o, ']');
}

static void info_json_cache(struct json *j, const struct info_file *f)
{
	char pct[32];

	json_u64(j, "page_size", map_page_size());
	json_u64(j, "pages", f->pages);
	if (f->unknown) {
		json_str(j, "resident_pages", NULL);
		json_str(j, "resident_bytes", NULL);
		json_str(j, "resident_percent", NULL);
		return;
	}
	json_u64(j, "resident_pages", f->resident);
	json_u64(j, "resident_bytes", f->resident * map_page_size());
	info_percent(f->resident, f->pages, pct, sizeof pct);
	out_str(json_key(j, "resident_percent"), pct);
	if (f->have_counts) {
		json_u64(j, "cached", f->counts.cached);
		json_u64(j, "dirty", f->counts.dirty);
		json_u64(j, "writeback", f->counts.writeback);
		json_u64(j, "evicted", f->counts.evicted);
		json_u64(j, "recently_evicted", f->counts.recently_evicted);
	}
}

static void info_print_json(const struct info_opts *io, struct out *o,
			    const struct info_file *f)
{
	struct json j;

	json_begin(&j, o, "info");
	json_file(&j, f->name);
	if (f->no_size)
		json_str(&j, "size", NULL);
	else
		json_u64(&j, "size", f->layout.size);
	if (info_wants_layout(io)) {
		json_u64(&j, "allocated", f->layout.allocated);
		json_u64(&j, "extents", f->layout.extents);
		json_u64(&j, "holes", f->layout.holes);
		json_str(&j, "type", f->magic.type);
		json_str(&j, "mime", f->magic.mime);
		json_str(&j, "encoding", f->magic.encoding);
	}
	info_json_cache(&j, f);
	if (io->map && !io->cache) {
		info_json_ranges(&j, "data_ranges", &f->map, f->map.data, f->map.ndata, 1);
		info_json_ranges(&j, "hole_ranges", &f->map, f->map.holes, f->map.nholes, 0);
	}
	if (io->map)
		info_json_ranges(&j, "resident_ranges", &f->map, f->resident_ranges,
				 f->nresident, 0);
	json_end(&j);
}

static void info_add_total(struct info_total *t, const struct info_file *f)
{
	t->files++;
	if (!f->no_size)
		t->size += f->layout.size;
	t->allocated += f->layout.allocated;
	if (!f->unknown) {
		t->pages += f->pages;
		t->resident += f->resident;
	}
}

/* Print what was found about a file, or report what went wrong. */
static void info_emit_file(struct info_ctx *c, struct info_file *f)
{
	const struct info_opts *io = c->io;

	if (f->err[0]) {
		/* After what is already printed, so that the order holds. */
		out_flush(c->out);
		c->status = mm_worst(c->status, mm_error("info", f->name, "%s", f->err));
	} else if (io->brief || io->mime) {
		if (io->brief ? f->magic.type : f->magic.mime)
			out_str(c->out, io->brief ? f->magic.type : f->magic.mime);
		out_char(c->out, '\n');
	} else {
		info_add_total(&c->total, f);
		if (io->json) {
			info_print_json(io, c->out, f);
		} else {
			if (c->nprinted++)
				out_char(c->out, '\n');
			info_print_human(io, c->out, f);
		}
	}
	info_file_free(f);
}

/* A job's files, in order. */
static int info_emit(void *ctx, size_t job, void *slot, int run_rc)
{
	struct info_file *f = slot;
	size_t first, n = info_batch(ctx, job, &first);

	(void)run_rc;
	for (size_t i = 0; i < n; i++)
		info_emit_file(ctx, &f[i]);
	return 0;
}

/* At the end: what a slot's files still hold (none once emitted). */
static void info_slot_free(void *ctx, void *slot)
{
	struct info_ctx *c = ctx;
	struct info_file *f = slot;

	for (size_t i = 0; i < c->batch; i++)
		info_file_free(&f[i]);
}

/* The last line over many files, as vmtouch sums up a directory. */
static void info_print_total(const struct info_opts *io, struct out *o,
			     const struct info_total *t)
{
	uint64_t bytes = t->resident * map_page_size();
	char size[32], alloc[32], res[32], pct[32];
	struct json j;

	info_percent(t->resident, t->pages, pct, sizeof pct);
	if (io->json) {
		json_begin(&j, o, "total");
		json_u64(&j, "files", t->files);
		json_u64(&j, "size", t->size);
		if (!io->cache)
			json_u64(&j, "allocated", t->allocated);
		json_u64(&j, "pages", t->pages);
		json_u64(&j, "resident_pages", t->resident);
		json_u64(&j, "resident_bytes", bytes);
		out_str(json_key(&j, "resident_percent"), pct);
		json_end(&j);
		return;
	}
	info_human(t->size, size, sizeof size);
	info_human(t->allocated, alloc, sizeof alloc);
	info_human(bytes, res, sizeof res);
	out_char(o, '\n');
	info_key(o, "total:");
	out_printf(o, "%llu files, size %llu (%s), ", (unsigned long long)t->files,
		   (unsigned long long)t->size, size);
	if (!io->cache)
		out_printf(o, "allocated %llu (%s), ", (unsigned long long)t->allocated, alloc);
	out_printf(o, "resident %llu (%s), %s%%\n", (unsigned long long)bytes, res, pct);
}

/* A growing list of file names to look at. */
struct info_list {
	const char **v;
	unsigned char *walked;	/* per name: the walk made it (and owns it) */
	size_t n, cap;
};

/* Add name; with `walked` the list owns it (-r's walk made it). */
static int info_list_add(struct info_list *l, const char *name, int walked)
{
	void *grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if (!(grown = realloc(l->v, l->cap * sizeof *l->v)))
			return -1;
		l->v = grown;
		if (!(grown = realloc(l->walked, l->cap)))
			return -1;
		l->walked = grown;
	}
	l->walked[l->n] = (unsigned char)walked;
	l->v[l->n++] = name;
	return 0;
}

/* What info -r's walk fills: the list, and the worst status met. */
struct info_walk {
	struct info_list *l;
	int status;
};

static int info_walk_file(void *ctx, const char *path, const char *name)
{
	struct info_walk *w = ctx;
	char *own = strdup(path);

	(void)name;
	if (!own || info_list_add(w->l, own, 1)) {
		free(own);
		return -ENOMEM;
	}
	return 0;
}

static int info_walk_error(void *ctx, const char *path, int err)
{
	struct info_walk *w = ctx;

	w->status = mm_worst(w->status, mm_error("info", path, "%s", strerror(err)));
	return 0;
}

/*
 * -r: the regular files under dir (walk.c says which and in what order),
 * into l.  Returns the exit status of what could not be read.
 */
static int info_walk(struct info_list *l, const char *dir)
{
	static const struct walk_ops ops = { info_walk_file, NULL, info_walk_error };
	struct info_walk w = { l, MM_EXIT_OK };

	if (walk_tree(dir, &ops, &w))
		return mm_error("info", NULL, "%s", strerror(ENOMEM));
	return w.status;
}

/* The operands, directories expanded with -r. */
static int info_collect(const struct info_opts *io, const struct cmd_args *a,
			struct info_list *l)
{
	int status = MM_EXIT_OK;
	struct stat st;

	for (int i = 0; i < a->nargs; i++) {
		if (io->recursive && strcmp(a->args[i], "-") &&
		    stat(a->args[i], &st) == 0 && S_ISDIR(st.st_mode))
			status = mm_worst(status, info_walk(l, a->args[i]));
		else if (info_list_add(l, a->args[i], 0))
			return mm_error("info", NULL, "%s", strerror(ENOMEM));
	}
	return status;
}

static void info_list_free(struct info_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->walked[i])
			free((char *)l->v[i]);
	free(l->walked);
	free(l->v);
}

/* Options that cannot go together; the status, or -1 to go on. */
static int info_check(struct info_opts *io, const char *threads)
{
	uint64_t n = 0;
	int rc;

	if (io->brief + io->mime + io->json > 1)
		return mm_error("info", NULL, "use only one of -b, --mime and --json");
	if ((io->brief || io->mime) && (io->cache || io->map || io->bar))
		return mm_error("info", NULL,
				"-b and --mime print only the type: they take no --cache, --map or --bar");
	if (io->json && io->bar)
		return mm_error("info", NULL, "--bar is for people: --json has the ranges with --map");
	if (threads && (rc = cmd_u64("info", "N", threads, &n)))
		return rc;
	if (threads && (n == 0 || n > INFO_MAX_THREADS))
		return mm_error("info", NULL, "bad N '%s': threads must be 1 to %d",
				threads, INFO_MAX_THREADS);
	io->threads = (unsigned)n;
	/* On a terminal --map also draws the bar. */
	if (io->map && !io->json && isatty(STDOUT_FILENO))
		io->bar = 1;
	return -1;
}

/* Look at every file on the pool and print them in order. */
static int info_all(const struct info_opts *io, struct info_list *l, int status)
{
	struct info_ctx c = { .io = io, .names = l->v, .walked = l->walked,
			      .n = l->n, .status = status };
	static const struct pool_ops ops = {
		.run = info_job, .emit = info_emit, .free_slot = info_slot_free,
	};
	unsigned threads = io->threads ? io->threads : pool_cpus();
	const char *why;
	int rc;

	/*
	 * With -c, files go to the pool in batches, about eight batches a
	 * thread: the look at a file is four system calls, and a job's
	 * hand-off between threads costs as much (two context switches a
	 * file for -r -c over /usr/share/doc).  libmagic's passes take a
	 * millisecond a file or more: one file a job keeps the threads' last
	 * jobs short, so that none waits long for the other at the end.
	 */
	c.batch = io->cache ? l->n / ((size_t)threads * 8) : 1;
	c.batch = c.batch < 1 ? 1 : c.batch > INFO_BATCH_MAX ? INFO_BATCH_MAX : c.batch;
	if (!io->cache && l->n && magic_db_load(&why))
		return mm_error("info", NULL, "%s", why);
	if (!(c.out = out_new(STDOUT_FILENO))) {
		magic_db_unload();
		return mm_error("info", NULL, "%s", strerror(ENOMEM));
	}
	rc = pool_run((l->n + c.batch - 1) / c.batch, threads,
		      c.batch * sizeof(struct info_file), 16, &ops, &c);
	if (rc < 0)
		c.status = mm_error("info", NULL, "%s", strerror(-rc));
	if (io->recursive && c.total.files > 1 && !io->brief && !io->mime)
		info_print_total(io, c.out, &c.total);
	out_flush(c.out);
	if (c.out->err)
		c.status = MM_EXIT_ERROR;	/* main.c reports it */
	out_free(c.out);
	magic_db_unload();
	return c.status;
}

static int info_run(int argc, const char **argv)
{
	struct info_opts io = { 0 };
	const char *threads = NULL;
	struct poptOption table[] = {
		{ "brief", 'b', POPT_ARG_NONE, &io.brief, 0,
		  "print only the type, as 'file -b' does", NULL },
		{ "mime", 0, POPT_ARG_NONE, &io.mime, 0,
		  "print only the MIME type, as file(1) prints it with -b and its mime-type option", NULL },
		{ "json", 0, POPT_ARG_NONE, &io.json, 0,
		  "print one JSON object per file, one line each", NULL },
		{ "cache", 'c', POPT_ARG_NONE, &io.cache, 0,
		  "only the page-cache fields: no type, no layout (as fincore)", NULL },
		{ "map", 0, POPT_ARG_NONE, &io.map, 0,
		  "also list the data runs with their disk extents, the holes and the resident runs", NULL },
		{ "bar", 0, POPT_ARG_NONE, &io.bar, 0,
		  "draw a bar of 64 cells: '#' resident, '-' data not resident, '.' hole", NULL },
		{ "recursive", 'r', POPT_ARG_NONE, &io.recursive, 0,
		  "every regular file below each directory (no symbolic links), then a total", NULL },
		{ "threads", 'j', POPT_ARG_STRING, &threads, 0,
		  "worker threads (default: the online CPUs)", "N" },
		CMD_AUTOHELP
		POPT_TABLEEND
	};
	struct info_list list = { 0 };
	struct cmd_args a;
	int rc;

	rc = cmd_parse(&cmd_info, table, argc, argv, &a);
	if (rc >= 0) {
		free((char *)threads);
		return rc;
	}
	if ((rc = info_check(&io, threads)) < 0)
		rc = info_all(&io, &list, info_collect(&io, &a, &list));
	cmd_args_free(&a);
	info_list_free(&list);
	free((char *)threads);
	return rc;
}

const struct cmd cmd_info = {
	.name = "info",
	.summary = "what a file is: size, extents, type, pages in the page cache",
	.usage = "[OPTIONS] FILE...",
	.forms = { { .min = 1, .max = -1 } },
	.run = info_run,
};
