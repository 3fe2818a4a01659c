/*
 * mmtool replace [OPTIONS] PATTERN REPLACEMENT FILE...
 *
 * Replace every match of PATTERN (grep's kinds) with REPLACEMENT (poke's
 * DATA), in place.  In each file every match is found and checked first
 * (replace.c); then all are written in one pass (edit.c), or none: a file
 * is fully replaced or untouched.  Files are searched on the worker pool;
 * they are reported and written in the order given.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "commit.h"
#include "data.h"
#include "edit.h"
#include "msg.h"
#include "pool.h"
#include "replace.h"
#include "show.h"
#include "walk.h"
#include "wfile.h"

struct rep_opts {
	int hex, regex, icase, escapes, cstring, dry_run, lock, sync, recursive, count;
	const char *pad, *undo, *max, *expect, *range, *threads;
};

struct rep {
	struct rep_opts o;
	struct search *s;
	struct replace_spec sp;
	struct bytes repl, keep;
	uint64_t expect;
	int have_expect;
	struct num_range range;
	unsigned threads;
	char **files;
	size_t nfiles, fcap;
	int several;
	struct out *out;
	int status, replaced, refused;
};

/* A file's result, from its job to its turn in order. */
struct rep_slot {
	struct map_file f;
	struct replace_plan plan;
	int rc;			/* 0, or an exit status with msg */
	char msg[512];
};

/* The pattern and the replacement. */

static int rep_pattern(struct rep *r, const char *text)
{
	struct search_opts so = {
		.kind = r->o.regex ? SEARCH_REGEX : r->o.hex ? SEARCH_HEX : SEARCH_LITERAL,
		.icase = r->o.icase,
	};
	struct bytes b = { 0 };
	char err[512], *hex = NULL;
	size_t bad;

	if (r->o.escapes && so.kind == SEARCH_LITERAL) {
		/* Escaped bytes may hold a NUL: handed over as hex. */
		if (data_escapes(text, &b, err))
			return mm_error("replace", NULL, "bad PATTERN: %s", err);
		if (!(hex = malloc(2 * b.len + 1)))
			return mm_error("replace", NULL, "out of memory");
		for (size_t i = 0; i < b.len; i++)
			snprintf(hex + 2 * i, 3, "%02x", b.p[i]);
		hex[2 * b.len] = '\0';
		so.kind = SEARCH_HEX;
		text = hex;
	}
	r->s = search_compile(&text, 1, &so, err, sizeof err, &bad);
	free(hex);
	bytes_free(&b);
	return r->s ? 0 : mm_error("replace", NULL, "%s", err);
}

/* -x REPLACEMENT: hex bytes, "??" keeping the byte the match has there. */
static int rep_hex_replacement(struct rep *r, const char *text, char *err)
{
	char *copy = strdup(text), *p = copy, *q;
	unsigned char one = 1, zero = 0;
	int kept = 0;

	if (!copy)
		return strcpy(err, "out of memory"), -1;
	for (;;) {
		q = strstr(p, "??");
		if (q)
			*q = '\0';
		if (data_hex(p, &r->repl, err))
			break;
		while (r->keep.len < r->repl.len)
			if (bytes_add(&r->keep, &zero, 1))
				break;
		if (!q) {
			free(copy);
			/* Set last: keep moves while it grows. */
			r->sp.keep = kept ? r->keep.p : NULL;
			return 0;
		}
		if (bytes_add(&r->repl, &zero, 1) || bytes_add(&r->keep, &one, 1))
			break;
		kept = 1;
		p = q + 2;
	}
	free(copy);
	return -1;
}

static int rep_replacement(struct rep *r, const char *text)
{
	char err[128];
	int rc;

	if (r->o.hex)
		rc = rep_hex_replacement(r, text, err);
	else if (r->o.escapes)
		rc = data_escapes(text, &r->repl, err);
	else
		rc = bytes_add(&r->repl, text, strlen(text)) ? (strcpy(err, "out of memory"), -1) : 0;
	if (rc)
		return mm_error("replace", NULL, "bad REPLACEMENT: %s", err);
	r->sp.repl = r->repl.p;
	r->sp.rlen = r->repl.len;
	return 0;
}

/* --pad BYTE: a number, one character, or one C escape. */
static int rep_pad(struct rep *r, const char *text)
{
	struct bytes b = { 0 };
	char err[128];
	uint64_t v;
	int rc = 0;

	if (text[0] == '\\') {
		if (data_escapes(text, &b, err) || b.len != 1)
			rc = mm_error("replace", NULL, "bad --pad '%s': give one byte", text);
		else
			r->sp.pad = b.p[0];
		bytes_free(&b);
		return rc;
	}
	if (strlen(text) == 1 && (text[0] < '0' || text[0] > '9')) {
		r->sp.pad = (unsigned char)text[0];
		return 0;
	}
	if ((rc = cmd_u64("replace", "--pad", text, &v)))
		return rc;
	if (v > 255)
		return mm_error("replace", NULL, "bad --pad '%s': a byte is 0 to 255", text);
	r->sp.pad = (unsigned char)v;
	return 0;
}

static int rep_setup(struct rep *r, const char *pattern, const char *replacement)
{
	int rc;

	if (r->o.hex && r->o.regex)
		return mm_error("replace", NULL, "-x and -E cannot be combined: choose one pattern kind");
	if (r->o.pad && r->o.cstring)
		return mm_error("replace", NULL, "choose one of --pad and --cstring");
	if (r->o.undo && r->o.dry_run)
		return mm_error("replace", NULL, "--undo saves what a write changes: not with --dry-run");
	r->sp.mode = r->o.cstring ? REPLACE_CSTRING : r->o.pad ? REPLACE_PAD : REPLACE_EXACT;
	r->sp.max = UINT64_MAX;
	if ((r->o.pad && (rc = rep_pad(r, r->o.pad))) ||
	    (r->o.max && (rc = cmd_u64("replace", "--max-count", r->o.max, &r->sp.max))) ||
	    (r->o.expect && (rc = cmd_u64("replace", "--expect-count", r->o.expect, &r->expect))) ||
	    (r->o.range && (rc = cmd_range("replace", r->o.range, &r->range))))
		return rc;
	r->have_expect = r->o.expect != NULL;
	r->sp.count_all = r->have_expect;
	if (r->o.threads && (rc = cmd_threads("replace", r->o.threads, &r->threads)))
		return rc;
	if ((rc = rep_pattern(r, pattern)))
		return rc;
	return rep_replacement(r, replacement);
}

/* The files. */

static int rep_add_file(struct rep *r, const char *path)
{
	char **grown;

	if (r->nfiles == r->fcap) {
		r->fcap = r->fcap ? 2 * r->fcap : 16;
		if (!(grown = realloc(r->files, r->fcap * sizeof *grown)))
			return -1;
		r->files = grown;
	}
	if (!(r->files[r->nfiles] = strdup(path)))
		return -1;
	r->nfiles++;
	return 0;
}

static int rep_walk_file(void *ctx, const char *path, const char *name)
{
	(void)name;
	return rep_add_file(ctx, path) ? -ENOMEM : 0;
}

static int rep_walk_error(void *ctx, const char *path, int err)
{
	struct rep *r = ctx;

	r->status = mm_error("replace", path, "cannot read: %s", strerror(err));
	return 0;
}

/*
 * The operands, with -r every regular file below each directory (symbolic
 * links are not followed), in walk.c's order, as grep -r and info -r.
 */
static int rep_files(struct rep *r, const char **args, int n)
{
	static const struct walk_ops ops = { rep_walk_file, NULL, rep_walk_error };
	struct stat st;

	for (int i = 0; i < n; i++) {
		if (r->o.recursive && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (walk_tree(args[i], &ops, r))
				return mm_error("replace", NULL, "out of memory");
		} else if (rep_add_file(r, args[i])) {
			return mm_error("replace", NULL, "out of memory");
		}
	}
	r->several = r->nfiles > 1 || r->o.recursive;
	if (r->o.undo && r->nfiles != 1)
		return mm_error("replace", NULL, "--undo takes one FILE only (%zu given)", r->nfiles);
	return 0;
}

/* One file: find (on any thread). */

static int rep_fail(struct rep_slot *s, const char *prefix, const char *what)
{
	snprintf(s->msg, sizeof s->msg, "%s%s", prefix, what);
	return s->rc = MM_EXIT_ERROR;
}

static void rep_plan_error(struct rep *r, struct rep_slot *s, int rc)
{
	const struct replace_plan *p = &s->plan;
	unsigned long long off = p->bad_off;

	if (rc == REPLACE_ELENGTH && p->bad_len < r->sp.rlen)
		snprintf(s->msg, sizeof s->msg,
			 "the match at offset %llu is %zu bytes, shorter than REPLACEMENT (%zu): replace never moves the rest of the file; nothing was written",
			 off, p->bad_len, r->sp.rlen);
	else if (rc == REPLACE_ELENGTH)
		snprintf(s->msg, sizeof s->msg,
			 "the match at offset %llu is %zu bytes and REPLACEMENT %zu: use --pad BYTE or --cstring for a shorter one; nothing was written",
			 off, p->bad_len, r->sp.rlen);
	else if (rc == REPLACE_ENUL)
		snprintf(s->msg, sizeof s->msg,
			 "--cstring: the match at offset %llu holds a NUL byte, so it ends a string; nothing was written",
			 off);
	else if (rc == REPLACE_ESEARCH)
		snprintf(s->msg, sizeof s->msg, "%s; nothing was written", p->err);
	else if (rc == MAP_ETRUNC)
		snprintf(s->msg, sizeof s->msg, "file changed under us: it shrank");
	else if (rc == MAP_EPAGE)
		snprintf(s->msg, sizeof s->msg, "%s; nothing was written", cmd_epage);
	else
		snprintf(s->msg, sizeof s->msg, "%s", strerror(-rc));
	s->rc = MM_EXIT_ERROR;
}

static int rep_job(void *ctx, size_t job, void *slot)
{
	struct rep *r = ctx;
	struct rep_slot *s = slot;
	const char *path = r->files[job];
	uint64_t lo = 0, hi;
	enum num_err e;
	int rc;

	replace_free(&s->plan);
	s->rc = 0;
	s->msg[0] = '\0';
	if (!strcmp(path, "-"))
		return rep_fail(s, "", "cannot replace in standard input: replace writes in place");
	rc = wfile_open(&s->f, path, r->o.dry_run ? WFILE_READ : WFILE_WRITE, 0, NULL);
	if (rc == -EISDIR)
		return rep_fail(s, "", "is a directory (use -r)");
	if (rc)
		return rep_fail(s, "", strerror(-rc));
	if (!S_ISREG(s->f.mode) && !S_ISBLK(s->f.mode))
		return rep_fail(s, "", "not a regular file: replace writes in place, only into files and block devices");
	if (r->o.lock && flock(s->f.fd, r->o.dry_run ? LOCK_SH : LOCK_EX) < 0)
		return rep_fail(s, "flock: ", strerror(errno));
	if ((rc = map_refresh(&s->f)))
		return rep_fail(s, "", strerror(-rc));
	hi = s->f.size;
	/* As grep: past the end of the one FILE named is an error; among
	 * several, or below a directory, a file the range misses is empty. */
	e = r->o.range ? num_resolve_range_in(&r->range, s->f.size, &lo, &hi) : NUM_OK;
	if (e == NUM_PAST_END && r->several)
		e = NUM_OK, lo = hi = s->f.size;
	if (e) {
		snprintf(s->msg, sizeof s->msg, "bad RANGE '%s': %s (size %llu)", r->o.range,
			 num_strerror(e), (unsigned long long)s->f.size);
		return s->rc = MM_EXIT_ERROR;
	}
	if ((rc = replace_plan(&s->f, r->s, &r->sp, lo, hi, &s->plan)))
		rep_plan_error(r, s, rc);
	return 0;
}

/* One file: write (in order, on the calling thread). */

/*
 * The one write path: reserve the blocks, save --undo, then apply every
 * edit with SIGINT, SIGTERM and SIGHUP held, so that a Ctrl-C leaves the
 * file fully replaced, not half; the held signal acts once it is.
 */
static int rep_write(struct rep *r, const char *path, struct rep_slot *s)
{
	struct commit_hold hold = { .on = 0 };
	struct edit_plan p;
	int rc, wrote = 0;

	if (edit_plan_make(s->plan.e, s->plan.n, &p))
		return mm_error("replace", path, "%s; nothing was written", strerror(ENOMEM));
	commit_hold_signals(&hold);
	rc = p.nrun ? commit_check_limit("replace", path, s->f.size, s->f.size,
					 p.run[p.nrun - 1].hi) : 0;
	if (!rc && (rc = edit_reserve(&s->f, &p)))
		rc = mm_error("replace", path, "cannot reserve space for the write: %s; nothing was written",
			      strerror(-rc));
	if (!rc && r->o.undo &&
	    !(rc = commit_undo_check("replace", r->o.undo, path, s->f.fd, NULL, 0, NULL)))
		rc = commit_undo_write("replace", r->o.undo, path, &s->f, s->plan.e, s->plan.n, &p);
	if (!rc && !commit_interrupted(&hold)) {
		wrote = 1;
		rc = edit_apply(&s->f, s->plan.e, &p);
		if (!rc && r->o.sync && fdatasync(s->f.fd) < 0)
			rc = -errno;
		if (rc)
			rc = commit_write_error("replace", path, rc);
	}
	commit_release(&hold, "replace", path, rc, wrote);
	edit_plan_free(&p);
	return rc;
}

static int rep_show(struct rep *r, const char *path, struct rep_slot *s)
{
	struct edit_plan p;
	int rc = 0;

	if (edit_plan_make(s->plan.e, s->plan.n, &p))
		return mm_error("replace", path, "%s", strerror(ENOMEM));
	if (r->several && s->plan.n) {
		out_str(r->out, path);
		out_str(r->out, ":\n");
	}
	rc = show_diff(&s->f, s->plan.e, s->plan.n, &p, r->out);
	edit_plan_free(&p);
	return rc ? cmd_map_error("replace", path, rc) : 0;
}

static int rep_emit(void *ctx, size_t job, void *slot, int run_rc)
{
	struct rep *r = ctx;
	struct rep_slot *s = slot;
	const char *path = r->files[job];
	uint64_t n = s->plan.nm;
	int rc = 0;

	if (run_rc || s->rc)
		rc = mm_error("replace", path, "%s", s->msg);
	else if (!rc && r->have_expect && s->plan.matches != r->expect) {
		mm_error("replace", path, "%llu matches, not the %llu expected; nothing was written",
			 (unsigned long long)s->plan.matches, (unsigned long long)r->expect);
		r->refused = 1;
		n = 0;
	} else if (!rc && s->plan.n) {
		rc = r->o.dry_run ? rep_show(r, path, s) : rep_write(r, path, s);
	}
	if (!rc && n && !r->refused)
		r->replaced = 1;
	if (!rc && r->o.count)
		out_printf(r->out, r->several ? "%s:%llu\n" : "%.0s%llu\n", path,
			   (unsigned long long)(rc ? 0 : n));
	r->status = mm_worst(r->status, rc);
	map_close(&s->f);
	return 0;
}

static void rep_free_slot(void *ctx, void *slot)
{
	struct rep_slot *s = slot;

	(void)ctx;
	replace_free(&s->plan);
	map_close(&s->f);
}

static int replace_run(int argc, const char **argv)
{
	struct rep r;
	struct poptOption table[] = {
		{ "hex", 'x', POPT_ARG_NONE, &r.o.hex, 0,
		  "PATTERN and REPLACEMENT are hex; ?? matches any byte, and keeps it in REPLACEMENT", NULL },
		{ "regex", 'E', POPT_ARG_NONE, &r.o.regex, 0,
		  "PATTERN is a PCRE2 regular expression over bytes", NULL },
		{ "ignore-case", 'i', POPT_ARG_NONE, &r.o.icase, 0, "fold ASCII case", NULL },
		{ "escapes", 'e', POPT_ARG_NONE, &r.o.escapes, 0,
		  "PATTERN and REPLACEMENT have C escapes (\\n \\0 \\xHH \\NNN)", NULL },
		{ "pad", 0, POPT_ARG_STRING, &r.o.pad, 0,
		  "fill a shorter REPLACEMENT up to the match's length with BYTE", "BYTE" },
		{ "cstring", 0, POPT_ARG_NONE, &r.o.cstring, 0,
		  "a shorter REPLACEMENT moves the rest of its C string left and NUL-pads it", NULL },
		{ "dry-run", 'n', POPT_ARG_NONE, &r.o.dry_run, 0,
		  "write nothing; print old (-) and new (+) lines", NULL },
		{ "undo", 0, POPT_ARG_STRING, &r.o.undo, 0,
		  "first save the old bytes as a patch in FILE (one target only)", "FILE" },
		{ "max-count", 'm', POPT_ARG_STRING, &r.o.max, 0,
		  "replace at most N matches a file", "N" },
		{ "expect-count", 0, POPT_ARG_STRING, &r.o.expect, 0,
		  "write a file only if it has exactly N matches (else exit 1)", "N" },
		{ "range", 0, POPT_ARG_STRING, &r.o.range, 0,
		  "only matches wholly inside START:END or START+LENGTH", "RANGE" },
		{ "lock", 0, POPT_ARG_NONE, &r.o.lock, 0,
		  "hold an exclusive flock(2) on each file while finding and writing", NULL },
		{ "sync", 's', POPT_ARG_NONE, &r.o.sync, 0,
		  "return only when the bytes are on stable storage", NULL },
		{ "recursive", 'r', POPT_ARG_NONE, &r.o.recursive, 0,
		  "replace in every regular file below a directory (no links followed)", NULL },
		{ "count", 'c', POPT_ARG_NONE, &r.o.count, 0,
		  "print how many matches were replaced (FILE:N with several)", NULL },
		{ "threads", 'j', POPT_ARG_STRING, &r.o.threads, 0,
		  "worker threads that search files (default: the online CPUs)", "N" },
		CMD_AUTOHELP
		POPT_TABLEEND
	};
	static const struct pool_ops ops = { rep_job, rep_emit, rep_free_slot };
	struct cmd_args a;
	int rc;

	memset(&r, 0, sizeof r);
	rc = cmd_parse(&cmd_replace, table, argc, argv, &a);
	if (rc >= 0) {
		cmd_free_values(table);
		return rc;
	}
	if (!(r.out = out_new(STDOUT_FILENO)))
		rc = mm_error("replace", NULL, "%s", strerror(ENOMEM));
	else if (!(rc = rep_setup(&r, a.args[0], a.args[1])) &&
	    !(rc = rep_files(&r, a.args + 2, a.nargs - 2))) {
		rc = pool_run(r.nfiles, r.threads, sizeof(struct rep_slot), 0, &ops, &r);
		if (rc < 0)
			rc = mm_error("replace", NULL, "%s", strerror(-rc));
		out_flush(r.out);
		rc = mm_worst(rc, r.status);
		if (r.out->err)
			rc = MM_EXIT_ERROR;	/* main.c reports it */
		else if (rc == MM_EXIT_OK && (r.refused || !r.replaced))
			rc = MM_EXIT_NO;
	}
	out_free(r.out);
	for (size_t i = 0; i < r.nfiles; i++)
		free(r.files[i]);
	free(r.files);
	search_free(r.s);
	bytes_free(&r.repl);
	bytes_free(&r.keep);
	cmd_free_values(table);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_replace = {
	.name = "replace",
	.summary = "replace a pattern's matches in place (same length, --pad, --cstring)",
	.usage = "[OPTIONS] PATTERN REPLACEMENT FILE...",
	.forms = { { .min = 3, .max = -1 } },
	.run = replace_run,
};
