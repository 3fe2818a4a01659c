/*
 * mmtool poke [OPTIONS] FILE OFFSET DATA...
 * mmtool poke [OPTIONS] --patch PATCH FILE
 *
 * Write bytes over the bytes at OFFSET through a MAP_SHARED mapping.  All
 * arguments are parsed and every check is made (range, --expect, disk
 * space, the --undo file) before the first byte of FILE changes.  The bytes
 * themselves are written in edit.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "data.h"
#include "dump.h"
#include "edit.h"
#include "msg.h"
#include "patch.h"

struct poke_opts {
	int escapes, hex, lock, grow, create, sync, dry_run, verbose;
	const char *type, *input, *repeat, *expect, *size, *undo, *patch;
	struct value_type vtype;
};

/* Decode one DATA text the way the options say. */
static int poke_decode(const struct poke_opts *po, const char *text,
		       struct bytes *out, char *err)
{
	if (po->hex)
		return data_hex(text, out, err);
	if (po->escapes)
		return data_escapes(text, out, err);
	if (po->type)
		return data_typed(&po->vtype, text, out, err);
	if (bytes_add(out, text, strlen(text))) {
		strcpy(err, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * DATA arguments: literal and escaped ones are joined with one space, as
 * echo joins its arguments; hex and typed ones are read one after another.
 */
static int poke_data(const struct poke_opts *po, const char **args, int n,
		     struct bytes *out)
{
	char err[128];

	for (int i = 0; i < n; i++) {
		if (i && !po->hex && !po->type && bytes_add(out, " ", 1))
			return mm_error("poke", NULL, "out of memory");
		if (poke_decode(po, args[i], out, err))
			return mm_error("poke", NULL, "bad DATA: %s", err);
	}
	return 0;
}

static int poke_read_file(const char *what, const char *path, struct bytes *out)
{
	struct map_file in;
	int rc;

	if ((rc = cmd_open("poke", path, 0, &in)))
		return rc;
	rc = map_slurp(in.fd, SIZE_MAX / 2, &out->p, &out->len);
	out->cap = out->len;
	map_close(&in);
	if (rc)
		return mm_error("poke", path, "reading the %s: %s", what, strerror(-rc));
	return 0;
}

/* Read and check every line of the patch (patch_read.c says how). */
static int poke_load_patch(const char *path, struct patch *p)
{
	struct map_file in;
	char err[128];
	size_t bad = 0;
	int rc;

	if ((rc = cmd_open("poke", path, 0, &in)))
		return rc;
	rc = patch_read(in.fd, p, &bad, err);
	map_close(&in);
	if (rc == PATCH_BAD)
		return mm_error("poke", path, "line %zu: %s; nothing was written",
				bad, err);
	if (rc)
		return mm_error("poke", path, "reading the patch: %s", strerror(-rc));
	return 0;
}

/* ---- showing old and new bytes as xxd lines ----------------------------- */

static int poke_feed(void *ctx, const unsigned char *p, size_t n, uint64_t pos)
{
	(void)pos;
	dump_feed(ctx, p, n);
	return 0;
}

/* The bytes now in the file under e, as xxd lines with a prefix. */
static int poke_show_old(struct map_file *f, const struct edit *e,
			 struct out *out, const char *prefix)
{
	struct dump_opts o = { .cols = 16, .group = 2, .prefix = prefix };
	struct dump d;
	uint64_t span = edit_span(e);
	int rc = 0;

	if (e->off >= f->size)
		return 0;
	if (dump_init(&d, DUMP_XXD, &o, out, e->off))
		return -ENOMEM;
	if (span > f->size - e->off)
		span = f->size - e->off;
	rc = map_walk(f, e->off, span, 0, poke_feed, &d);
	dump_finish(&d);
	return rc;
}

static int poke_show_new(const struct edit *e, struct out *out)
{
	struct dump_opts o = { .cols = 16, .group = 2, .prefix = "+" };
	struct dump d;

	if (dump_init(&d, DUMP_XXD, &o, out, e->off))
		return -ENOMEM;
	for (uint64_t i = 0; i < e->repeat; i++)
		dump_feed(&d, e->data, e->len);
	dump_finish(&d);
	return 0;
}

static int poke_show_diff(struct map_file *f, const struct edit *e, size_t n,
			  struct out *out)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		if (!(rc = poke_show_old(f, &e[i], out, "-")))
			rc = poke_show_new(&e[i], out);
	out_flush(out);
	return rc ? rc : -out->err;
}

/*
 * The undo patch: the old bytes of every edit, last edit first, so that
 * where edits overlap the oldest bytes are the ones put back last.
 */
static int poke_write_undo(const char *path, struct map_file *f,
			   const struct edit *e, size_t n)
{
	static struct out out;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return mm_error("poke", path, "cannot write the undo file: %s",
				strerror(errno));
	out_init(&out, fd);
	for (size_t i = n; i-- > 0 && !rc;)
		rc = poke_show_old(f, &e[i], &out, NULL);
	out_flush(&out);
	if (!rc && out.err)
		rc = -out.err;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		return rc == MAP_ETRUNC ? cmd_map_error("poke", path, rc)
			: mm_error("poke", path, "cannot write the undo file: %s",
				   strerror(-rc));
	return 0;
}

/* ---- opening ------------------------------------------------------------ */

static int poke_open(const struct poke_opts *po, const char *path,
		     struct map_file *f)
{
	int flags = po->dry_run ? 0 : MAP_OPEN_WRITE;
	int rc;

	if (!strcmp(path, "-"))
		return mm_error("poke", path,
				"cannot write to standard input: poke writes through a mapping of a file");
	rc = map_open(f, path, -1, flags);
	if (rc == -ENOENT && po->create && !po->dry_run) {
		/*
		 * O_EXCL: a dangling symbolic link at path makes this fail
		 * instead of creating whatever file the link names.
		 */
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		struct stat st;

		if (fd < 0 && errno == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return mm_error("poke", path,
					"is a dangling symbolic link: not creating the file it names");
		if (fd < 0 && errno != EEXIST)
			return mm_error("poke", path, "cannot create: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		rc = map_open(f, path, -1, flags);
	}
	if (rc == -ENOENT && !po->create)
		return mm_error("poke", path, "%s (use --create to make it)", strerror(-rc));
	if (rc == -EISDIR)
		return mm_error("poke", path, "is a directory");
	if (rc)
		return mm_error("poke", path, "%s", strerror(-rc));
	if (!S_ISREG(f->mode) && !S_ISBLK(f->mode)) {
		map_close(f);
		return mm_error("poke", path,
				"not a regular file: poke writes only through a mapping");
	}
	return 0;
}

/* ---- the command -------------------------------------------------------- */

static int poke_check_opts(struct poke_opts *po)
{
	int kinds = !!po->escapes + !!po->hex + !!po->type + !!po->input;

	if (kinds > 1)
		return mm_error("poke", NULL,
				"choose one of --escapes, --hex, --type and --input");
	if (po->patch && (kinds || po->repeat || po->expect))
		return mm_error("poke", NULL,
				"--patch takes no DATA options, --repeat or --expect");
	if (po->type && value_type_parse(po->type, &po->vtype))
		return mm_error("poke", NULL, "unknown type '%s': use %s", po->type,
				value_type_names);
	return 0;
}

static int poke_run(int argc, const char **argv)
{
	static struct poke_opts po;
	struct poptOption table[] = {
		{ "escapes", 'e', POPT_ARG_NONE, &po.escapes, 0, "DATA has C escapes (\\n \\t \\0 \\xHH \\NNN)", NULL },
		{ "hex", 'x', POPT_ARG_NONE, &po.hex, 0, "DATA is hex digits (blanks, ':', '-', 0x ignored)", NULL },
		{ "type", 't', POPT_ARG_STRING, &po.type, 0, "DATA is numbers of type T (u8..f64, le/be)", "T" },
		{ "input", 'i', POPT_ARG_STRING, &po.input, 0, "write the bytes of FILE ('-': standard input)", "FILE" },
		{ "repeat", 'r', POPT_ARG_STRING, &po.repeat, 0, "write DATA N times in a row", "N" },
		{ "expect", 0, POPT_ARG_STRING, &po.expect, 0, "write only if the bytes at OFFSET are X (else exit 1)", "X" },
		{ "grow", 0, POPT_ARG_NONE, &po.grow, 0, "allow writing past the end (extends the file)", NULL },
		{ "create", 0, POPT_ARG_NONE, &po.create, 0, "create FILE if missing (implies --grow)", NULL },
		{ "size", 0, POPT_ARG_STRING, &po.size, 0, "first extend the file to N bytes (never shrinks)", "N" },
		{ "lock", 0, POPT_ARG_NONE, &po.lock, 0, "hold an exclusive flock(2) while checking and writing", NULL },
		{ "sync", 's', POPT_ARG_NONE, &po.sync, 0, "return only when the bytes are on stable storage", NULL },
		{ "undo", 0, POPT_ARG_STRING, &po.undo, 0, "first save the old bytes as a patch in FILE", "FILE" },
		{ "dry-run", 'n', POPT_ARG_NONE, &po.dry_run, 0, "write nothing; print old (-) and new (+) lines", NULL },
		{ "verbose", 'v', POPT_ARG_NONE, &po.verbose, 0, "print old (-) and new (+) lines after writing", NULL },
		{ "patch", 0, POPT_ARG_STRING, &po.patch, 0, "apply the xxd lines of PATCH ('-': standard input)", "PATCH" },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct cmd_args a;
	struct bytes data = { 0 }, want = { 0 };
	struct patch patch = { 0 };
	struct edit one, *edits = &one;
	size_t nedits = 1;
	struct num_offset off_arg = { 0, 0 };
	uint64_t repeat = 1, size_arg = 0, off = 0, end = 0, newsize;
	struct map_file f = { .fd = -1 };
	const char *path;
	char err[128];
	int rc, nops_min;
	static struct out out;

	memset(&po, 0, sizeof po);
	rc = cmd_parse("poke", table, "[OPTIONS] FILE OFFSET DATA... | --patch PATCH FILE",
		       1, -1, CMD_NEGATIVE_OPERANDS, argc, argv, &a);
	if (rc >= 0) {
		cmd_free_values(table);
		return rc;
	}
	if ((rc = poke_check_opts(&po)))
		goto done;
	path = a.args[0];

	/* Everything the command line says is read and checked first. */
	nops_min = po.patch || (po.size && a.nargs == 1) ? 1 : po.input ? 2 : 3;
	if (a.nargs < nops_min || (po.patch && a.nargs > 1) ||
	    (po.input && a.nargs > 2) || (!po.patch && a.nargs == 2 && !po.input)) {
		rc = mm_error("poke", NULL, "%s operands; usage: mmtool poke %s",
			      a.nargs < nops_min ? "missing" : "wrong number of",
			      "[OPTIONS] FILE OFFSET DATA... | --patch PATCH FILE");
		goto done;
	}
	if ((po.repeat && (rc = cmd_u64("poke", "--repeat", po.repeat, &repeat))) ||
	    (po.size && (rc = cmd_u64("poke", "--size", po.size, &size_arg))) ||
	    (a.nargs > 1 && !po.patch &&
	     (rc = cmd_offset("poke", "OFFSET", a.args[1], &off_arg))))
		goto done;
	if (po.repeat && repeat == 0) {
		rc = mm_error("poke", NULL, "bad --repeat '%s': must be at least 1", po.repeat);
		goto done;
	}
	if (po.expect && poke_decode(&po, po.expect, &want, err)) {
		rc = mm_error("poke", NULL, "bad --expect: %s", err);
		goto done;
	}
	if (po.patch) {
		if ((rc = poke_load_patch(po.patch, &patch)))
			goto done;
		nedits = patch.n;
		edits = patch.lines;
	} else if (a.nargs > 1) {
		if (po.input)
			rc = poke_read_file("input", po.input, &data);
		else
			rc = poke_data(&po, a.args + 2, a.nargs - 2, &data);
		if (rc)
			goto done;
		if (data.len == 0) {
			rc = mm_error("poke", NULL, "DATA is empty: nothing to write");
			goto done;
		}
		if (repeat > UINT64_MAX / data.len) {
			rc = mm_error("poke", NULL, "--repeat %s times %zu bytes does not fit in 64 bits",
				      po.repeat, data.len);
			goto done;
		}
	} else {
		nedits = 0;		/* poke --size N FILE: only extend */
	}

	if ((rc = poke_open(&po, path, &f)))
		goto done;
	if (po.lock && (rc = cmd_lock("poke", path, &f, 1)))
		goto done;
	if ((rc = map_refresh(&f))) {
		rc = cmd_map_error("poke", path, rc);
		goto done;
	}

	/* Where the bytes go, and whether the file is big enough for them. */
	if (!po.patch && nedits) {
		if (num_resolve_offset(&off_arg, f.size, &off)) {
			rc = mm_error("poke", path,
				      "OFFSET '%s' reaches before the start of the file (size %llu)",
				      a.args[1], (unsigned long long)f.size);
			goto done;
		}
		one = (struct edit){ off, data.p, data.len, repeat };
	}
	for (size_t i = 0; i < nedits; i++) {
		uint64_t span = edit_span(&edits[i]);

		if (span > UINT64_MAX - edits[i].off || edits[i].off + span > (uint64_t)INT64_MAX) {
			rc = mm_error("poke", path, "the write at offset %llu runs past the largest file size",
				      (unsigned long long)edits[i].off);
			goto done;
		}
		if (edits[i].off + span > end)
			end = edits[i].off + span;
	}
	if (po.size && size_arg < f.size) {
		rc = mm_error("poke", path,
			      "--size %llu is smaller than the file (%llu bytes): poke never truncates",
			      (unsigned long long)size_arg, (unsigned long long)f.size);
		goto done;
	}
	newsize = po.size ? size_arg : f.size;
	if (end > newsize) {
		if (!po.grow && !po.create) {
			rc = mm_error("poke", path,
				      "writing up to byte %llu runs past the end of the file (size %llu): use --grow to extend the file",
				      (unsigned long long)end, (unsigned long long)newsize);
			goto done;
		}
		newsize = end;
	}
	if (newsize > f.size && !S_ISREG(f.mode)) {
		rc = mm_error("poke", path, "a device cannot grow");
		goto done;
	}
	if (po.expect) {
		rc = edit_equal(&f, off, want.p, want.len);
		if (rc < 0) {
			rc = cmd_map_error("poke", path, rc);
			goto done;
		}
		if (rc == 0) {
			rc = MM_EXIT_NO;	/* compare-and-swap lost: write nothing */
			goto done;
		}
	}
	out_init(&out, STDOUT_FILENO);
	if (po.dry_run) {
		rc = poke_show_diff(&f, edits, nedits, &out);
		rc = rc ? cmd_map_error("poke", path, rc) : 0;
		goto done;
	}
	if ((rc = edit_reserve(&f, edits, nedits))) {
		rc = mm_error("poke", path, "cannot reserve space for the write: %s; nothing was written",
			      strerror(-rc));
		goto done;
	}
	if (po.undo && (rc = poke_write_undo(po.undo, &f, edits, nedits)))
		goto done;
	if (po.verbose) {
		/* The diff shows the old bytes, so it is made before writing. */
		int fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

		if (fd < 0) {
			rc = mm_error("poke", NULL, "temporary file: %s", strerror(errno));
			goto done;
		}
		out_init(&out, fd);
		rc = poke_show_diff(&f, edits, nedits, &out);
		if (rc) {
			close(fd);
			rc = cmd_map_error("poke", path, rc);
			goto done;
		}
	}
	if ((rc = map_grow(&f, newsize)) ||
	    (rc = edit_apply(&f, edits, nedits, po.sync)) ||
	    (po.sync && fdatasync(f.fd) < 0 && (rc = -errno))) {
		if (po.verbose)
			close(out.fd);
		rc = cmd_map_error("poke", path, rc);
		goto done;
	}
	if (po.verbose) {
		struct out so;
		char buf[65536];
		ssize_t r;

		lseek(out.fd, 0, SEEK_SET);
		out_init(&so, STDOUT_FILENO);
		while ((r = read(out.fd, buf, sizeof buf)) > 0)
			out_write(&so, buf, (size_t)r);
		out_flush(&so);
		close(out.fd);
	}
	rc = 0;
done:
	map_close(&f);
	patch_free(&patch);
	bytes_free(&data);
	bytes_free(&want);
	cmd_free_values(table);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_poke = {
	.name = "poke",
	.summary = "write bytes in place at an offset, or apply a patch",
	.run = poke_run,
};
