/*
 * mmtool cmp [OPTIONS] FILE1 FILE2
 *
 * Print where two files differ: one START+LENGTH line per range of
 * adjacent differing bytes (offsets in FILE1), or their count, or both
 * sides as xxd lines, or a patch that poke --patch applies to FILE1 to give
 * it FILE2's bytes.  The comparing is diff.c's; this file chooses the
 * compared part and prints.  Exit 0 same, 1 different, 2 error, as cmp(1).
 *
 * The files are read with pread(2); --mmap maps them instead (cmp_maps).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "diff.h"
#include "json.h"
#include "msg.h"
#include "out.h"
#include "show.h"
#include "wfile.h"


struct cmp_opts {
	int count, silent, list, patch, json;
	int mmap;		/* 1 --mmap, else 0: cmp_maps */
	const char *skip, *limit, *range, *radix, *threads;
};

/* A pipe longer than what is compared: read no further, so its size is not known. */
#define CMP_SIZE_UNKNOWN UINT64_MAX

struct cmp {
	struct cmp_opts o;
	const char *path[2];
	struct map_file f[2];
	uint64_t size[2];	/* each file's size (a pipe: as read, or CMP_SIZE_UNKNOWN) */
	uint64_t start[2];	/* where the compared part starts in each */
	uint64_t want;		/* bytes to compare, if both files have them */
	uint64_t avail[2];	/* bytes each has from its start on (up to want) */
	char radix;
	unsigned threads;
	uint64_t bytes, ranges;
	struct out *out;
};

/* Standard input and pipes: read into a temporary file. */

/* map_walk's chunks of the stream, into the temporary file (or counted). */
struct cmp_spooler {
	struct out *to;		/* NULL: only count */
	uint64_t n;
};

static int cmp_spool_chunk(void *ctx, const unsigned char *p, size_t n,
			   uint64_t pos)
{
	struct cmp_spooler *sp = ctx;

	(void)pos;
	if (sp->to)
		out_write(sp->to, p, n);
	sp->n += n;
	return sp->to ? -sp->to->err : 0;
}

/*
 * A stream cannot be read twice or in pieces out of order: its first
 * `keep` bytes go to an unnamed temporary file, which is then compared as
 * a file.  It is read no further, as cmp(1) stops at the first end (yes(1)
 * and /dev/zero never end): a stream that still had `keep` bytes is of
 * unknown size, CMP_SIZE_UNKNOWN.
 */
static int cmp_spool(struct cmp *c, int i, uint64_t keep)
{
	struct out *tmp;
	struct cmp_spooler kept = { NULL, 0 };
	struct map_file scratch;
	char proc[64];
	int fd, rc, tmp_err;

	if ((rc = wfile_open(&scratch, P_tmpdir, WFILE_SCRATCH, 0600, NULL)))
		return mm_error("cmp", c->path[i], "temporary file: %s", strerror(-rc));
	fd = scratch.fd;
	if (!(kept.to = tmp = out_new(fd))) {
		close(fd);
		return mm_error("cmp", c->path[i], "temporary file: %s", strerror(ENOMEM));
	}
	rc = map_walk(&c->f[i], 0, keep, 0, cmp_spool_chunk, &kept);
	if (!rc)
		rc = out_flush(tmp);
	tmp_err = tmp->err;
	out_free(tmp);
	if (rc) {
		close(fd);
		return mm_error("cmp", c->path[i], "%s: %s",
				tmp_err ? "temporary file" : "reading", strerror(-rc));
	}
	map_close(&c->f[i]);
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	rc = map_open(&c->f[i], proc, -1, 0);
	close(fd);
	if (rc)
		return mm_error("cmp", c->path[i], "temporary file: %s", strerror(-rc));
	c->size[i] = kept.n == keep && keep != UINT64_MAX ? CMP_SIZE_UNKNOWN : kept.n;
	return 0;
}

/* Output. */

static void cmp_put_num(struct cmp *c, uint64_t v)
{
	unsigned long long u = v;

	if (c->radix == 'x')
		out_printf(c->out, "0x%llx", u);
	else if (c->radix == 'o')
		out_printf(c->out, "0o%llo", u);
	else
		out_printf(c->out, "%llu", u);
}

/* Bytes [off, off + len) of file i as xxd lines that show offset `at`. */
static int cmp_dump(struct cmp *c, int i, uint64_t off, uint64_t len,
		    uint64_t at, const char *prefix)
{
	return show_file(&c->f[i], off, len, at, prefix, c->out);
}

/* One range of differing bytes, pos counted from the compared part's start. */
static int cmp_range(void *ctx, uint64_t pos, uint64_t len)
{
	struct cmp *c = ctx;
	uint64_t at = c->start[0] + pos;
	struct json j;
	int rc = 0;

	c->ranges++;
	c->bytes += len;
	if (c->o.silent)
		return 1;
	if (c->o.json) {
		json_begin(&j, c->out, "range");
		json_u64(&j, "offset", at);
		json_u64(&j, "length", len);
		json_end(&j);
	} else if (c->o.list) {
		if (!(rc = cmp_dump(c, 0, at, len, at, "-")))
			rc = cmp_dump(c, 1, c->start[1] + pos, len, at, "+");
	} else if (c->o.patch) {
		rc = cmp_dump(c, 1, c->start[1] + pos, len, at, NULL);
	} else if (!c->o.count) {
		cmp_put_num(c, at);
		out_char(c->out, '+');
		cmp_put_num(c, len);
		out_char(c->out, '\n');
	}
	return rc;
}

/* The compared part. */

static int cmp_parse_opts(struct cmp *c, uint64_t *limit)
{
	const char *colon;
	char first[64];
	int rc;

	if (c->o.list + c->o.patch + c->o.json + c->o.count + c->o.silent > 1)
		return mm_error("cmp", NULL,
				"choose one of --count, --silent, --list, --patch and --json");
	c->radix = 'd';
	if (c->o.radix) {
		if (strlen(c->o.radix) != 1 || !strchr("dxo", c->o.radix[0]))
			return mm_error("cmp", NULL, "bad --radix '%s': use d, x or o", c->o.radix);
		c->radix = c->o.radix[0];
	}
	if (c->o.threads && (rc = cmd_threads("cmp", c->o.threads, &c->threads)))
		return rc;
	*limit = UINT64_MAX;
	if (c->o.limit && (rc = cmd_u64("cmp", "--bytes", c->o.limit, limit)))
		return rc;
	if (c->o.skip) {
		/* SKIP1[:SKIP2], as GNU cmp: SKIP2 defaults to SKIP1. */
		colon = strchr(c->o.skip, ':');
		if (colon && (size_t)(colon - c->o.skip) >= sizeof first)
			return mm_error("cmp", NULL, "bad --ignore-initial '%s'", c->o.skip);
		snprintf(first, sizeof first, "%.*s",
			 colon ? (int)(colon - c->o.skip) : (int)sizeof first - 1, c->o.skip);
		if ((rc = cmd_u64("cmp", "SKIP1", first, &c->start[0])))
			return rc;
		c->start[1] = c->start[0];
		if (colon && (rc = cmd_u64("cmp", "SKIP2", colon + 1, &c->start[1])))
			return rc;
	}
	return 0;
}

/*
 * The compared part: from SKIP1 and SKIP2 on, at most LIMIT bytes, and of
 * those only the ones whose FILE1 offset lies in RANGE.
 */
static int cmp_bounds(struct cmp *c, uint64_t limit)
{
	struct num_range r;
	uint64_t lo = 0, hi = UINT64_MAX, move;
	enum num_err e;
	int rc;

	if (c->o.range) {
		if ((rc = cmd_range("cmp", c->o.range, &r)))
			return rc;
		if (c->size[0] == CMP_SIZE_UNKNOWN &&
		    ((r.start_given && r.start.from_end) ||
		     (!r.is_length && r.end_given && r.end.from_end)))
			return mm_error("cmp", c->path[0],
					"a negative RANGE needs a file with a known size: a stream is read only as far as it is compared");
		if ((e = num_resolve_range_in(&r, c->size[0], &lo, &hi)))
			return mm_error("cmp", c->path[0], "bad RANGE '%s': %s (size %llu)",
					c->o.range, num_strerror(e),
					(unsigned long long)c->size[0]);
	}
	if (lo > c->start[0]) {
		move = lo - c->start[0];
		c->start[0] += move;
		c->start[1] = c->start[1] > UINT64_MAX - move ? UINT64_MAX : c->start[1] + move;
		if (limit != UINT64_MAX)
			limit = limit > move ? limit - move : 0;
	}
	c->want = hi > c->start[0] ? hi - c->start[0] : 0;
	c->want = c->want < limit ? c->want : limit;
	for (int i = 0; i < 2; i++) {
		c->avail[i] = c->size[i] > c->start[i] ? c->size[i] - c->start[i] : 0;
		c->avail[i] = c->avail[i] < c->want ? c->avail[i] : c->want;
	}
	return 0;
}

static int cmp_open(struct cmp *c)
{
	uint64_t other;
	int rc;

	if (!strcmp(c->path[0], "-") && !strcmp(c->path[1], "-"))
		return mm_error("cmp", NULL, "standard input can be only one of the two files");
	for (int i = 0; i < 2; i++) {
		if ((rc = cmd_open("cmp", c->path[i], 0, &c->f[i])))
			return rc;
		c->size[i] = c->f[i].size;
	}
	for (int i = 0; i < 2; i++) {
		if (!c->f[i].stream)
			continue;
		if (c->f[1 - i].stream)
			return mm_error("cmp", c->path[1], "only one of the two files can be a pipe");
		/* Only what can be compared, and one byte more to know it is longer;
		 * all of FILE2 for --patch, whose tail the patch writes. */
		other = c->size[1 - i] > c->start[1 - i] ? c->size[1 - i] - c->start[1 - i] : 0;
		other = other < UINT64_MAX - c->start[i] - 1 ? c->start[i] + other + 1 : UINT64_MAX;
		if (c->o.patch && i == 1)
			other = UINT64_MAX;
		if ((rc = cmp_spool(c, i, other)))
			return rc;
	}
	return 0;
}

/*
 * After the common part: one file ended before the other (within the
 * compared part).  Says so on stderr, and for --patch appends FILE2's tail.
 */
static int cmp_sizes(struct cmp *c, int *differ)
{
	int s = c->avail[0] < c->avail[1] ? 0 : 1;	/* the shorter */
	uint64_t by = c->avail[1 - s] - c->avail[s];
	int rc = 0;

	if (c->avail[0] == c->avail[1])
		return 0;
	*differ = 1;
	if (c->o.silent)
		return 0;
	if (c->size[1 - s] == CMP_SIZE_UNKNOWN)
		mm_error("cmp", c->path[s], "EOF after %llu bytes compared: shorter than %s (not read to its end)",
			 (unsigned long long)c->avail[s], c->path[1 - s]);
	else
		mm_error("cmp", c->path[s], "EOF after %llu bytes compared: %llu bytes shorter than %s",
			 (unsigned long long)c->avail[s], (unsigned long long)by, c->path[1 - s]);
	if (c->o.patch && s == 0)
		rc = cmp_dump(c, 1, c->start[1] + c->avail[0], by, c->start[0] + c->avail[0], NULL);
	else if (c->o.patch)
		mm_error("cmp", c->path[0],
			 "the patch does not truncate it: that is left to you (truncate -s %llu)",
			 (unsigned long long)(c->start[0] + c->avail[1]));
	return rc;
}

/* After MAP_ETRUNC: the name of the file that is now shorter than it was (NULL: neither is). */
static const char *cmp_shrunk(struct cmp *c)
{
	uint64_t was;

	for (int i = 0; i < 2; i++) {
		was = c->f[i].size;
		if (map_refresh(&c->f[i]) == 0 && c->f[i].size < was)
			return c->path[i];
	}
	return NULL;
}

/*
 * Whether the compared part is mapped: only with --mmap, and only files
 * that can be.  Mapping saves read(2)'s copy (5-15% of comparing two hot
 * files on a machine with hardware page tables) but costs a page table
 * entry a page, which under shadow paging (a paravirtualised guest) made
 * mapped comparisons 5 times slower.
 */
static int cmp_maps(const struct cmp *c)
{
	return c->o.mmap > 0 && c->f[0].mappable && c->f[1].mappable;
}

static int cmp_compare(struct cmp *c)
{
	struct diff_side a = { &c->f[0], c->start[0] }, b = { &c->f[1], c->start[1] };
	uint64_t common = c->avail[0] < c->avail[1] ? c->avail[0] : c->avail[1];
	struct diff_opts o = { .threads = c->threads, .first_only = c->o.silent,
			       .map = cmp_maps(c) };
	int rc, differ;
	struct json j;

	rc = diff_run(&a, &b, common, &o, cmp_range, c);
	if (rc == MAP_EPAGE)
		return mm_error("cmp", NULL, "%s or %s: %s; --no-mmap reads them", c->path[0],
				c->path[1], cmd_epage);
	if (rc < 0)
		return cmd_map_error("cmp", rc == MAP_ETRUNC ? cmp_shrunk(c) : NULL, rc);
	differ = c->ranges > 0;
	if ((rc = cmp_sizes(c, &differ)) < 0)
		return cmd_map_error("cmp", NULL, rc);
	if (c->o.count)
		out_printf(c->out, "%llu %llu\n", (unsigned long long)c->bytes,
			   (unsigned long long)c->ranges);
	if (c->o.json) {
		json_begin(&j, c->out, "summary");
		json_u64(&j, "bytes", c->bytes);
		json_u64(&j, "ranges", c->ranges);
		for (int i = 0; i < 2; i++)
			if (c->size[i] == CMP_SIZE_UNKNOWN)
				json_str(&j, i ? "size2" : "size1", NULL);
			else
				json_u64(&j, i ? "size2" : "size1", c->size[i]);
		json_end(&j);
	}
	out_flush(c->out);
	if (c->out->err)
		return MM_EXIT_ERROR;	/* main.c reports it */
	return differ ? MM_EXIT_NO : MM_EXIT_OK;
}

static int cmp_run(int argc, const char **argv)
{
	struct cmp c;
	struct poptOption table[] = {
		{ "count", 'c', POPT_ARG_NONE, &c.o.count, 0,
		  "print BYTES RANGES: differing bytes and ranges", NULL },
		{ "silent", 's', POPT_ARG_NONE, &c.o.silent, 0,
		  "print nothing; stop at the first difference", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &c.o.silent, 0, "the same as --silent", NULL },
		{ "list", 'l', POPT_ARG_NONE, &c.o.list, 0,
		  "each range as xxd lines, FILE1's with -, FILE2's with +", NULL },
		{ "patch", 0, POPT_ARG_NONE, &c.o.patch, 0,
		  "print a patch that poke --patch applies to FILE1 to make it FILE2", NULL },
		{ "json", 0, POPT_ARG_NONE, &c.o.json, 0,
		  "one JSON object a range, then a summary", NULL },
		{ "ignore-initial", 'i', POPT_ARG_STRING, &c.o.skip, 0,
		  "skip SKIP1 bytes of FILE1 and SKIP2 (default SKIP1) of FILE2", "SKIP1[:SKIP2]" },
		{ "bytes", 'n', POPT_ARG_STRING, &c.o.limit, 0,
		  "compare at most LIMIT bytes", "LIMIT" },
		{ "range", 0, POPT_ARG_STRING, &c.o.range, 0,
		  "compare only FILE1's bytes in START:END or START+LENGTH", "RANGE" },
		{ "radix", 0, POPT_ARG_STRING, &c.o.radix, 0,
		  "offsets in d (decimal), x (0x hex) or o (0o octal)", "d|x|o" },
		{ "threads", 'j', POPT_ARG_STRING, &c.o.threads, 0,
		  "worker threads (default: the online CPUs)", "N" },
		{ "mmap", 0, POPT_ARG_VAL, &c.o.mmap, 1,
		  "map both files instead of reading them", NULL },
		{ "no-mmap", 0, POPT_ARG_VAL, &c.o.mmap, 0,
		  "read both files with pread(2) (the default)", NULL },
		CMD_AUTOHELP
		POPT_TABLEEND
	};
	struct cmd_args a;
	uint64_t limit;
	int rc;

	memset(&c, 0, sizeof c);
	c.f[0].fd = c.f[1].fd = -1;
	rc = cmd_parse(&cmd_cmp, table, argc, argv, &a);
	if (rc >= 0) {
		cmd_free_values(table);
		return rc;
	}
	c.path[0] = a.args[0];
	c.path[1] = a.args[1];
	if (!(c.out = out_new(STDOUT_FILENO)))
		rc = mm_error("cmp", NULL, "out of memory");
	else if (!(rc = cmp_parse_opts(&c, &limit)) && !(rc = cmp_open(&c)) &&
	    !(rc = cmp_bounds(&c, limit)))
		rc = cmp_compare(&c);
	out_free(c.out);
	map_close(&c.f[0]);
	map_close(&c.f[1]);
	cmd_free_values(table);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_cmp = {
	.name = "cmp",
	.summary = "print where two files differ (ranges, counts, a patch)",
	.usage = "[OPTIONS] FILE1 FILE2",
	.forms = { { .min = 2, .max = 2 } },
	.run = cmp_run,
};
