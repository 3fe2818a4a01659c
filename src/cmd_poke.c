/*
 * mmtool poke [OPTIONS] FILE OFFSET DATA...
 * mmtool poke [OPTIONS] --patch PATCH FILE
 *
 * Write bytes over the bytes at OFFSET, in place (edit.c: pwrite(2)).  All
 * arguments are parsed and every check is made (range, --expect, the file
 * size limit, disk space, the --undo file) before the first byte of FILE
 * changes; after any failure the file is as it was (its size too, and a
 * file --create made is removed).  SIGINT, SIGTERM and SIGHUP are held
 * while the edits are written.  The bytes themselves are written in edit.c;
 * every file written is opened in wfile.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "commit.h"
#include "data.h"
#include "edit.h"
#include "msg.h"
#include "out.h"
#include "patch.h"
#include "show.h"
#include "wfile.h"

struct poke_opts {
	int escapes, hex, lock, grow, create, sync, dry_run, verbose;
	const char *type, *input, *repeat, *expect, *size, *undo, *patch;
	struct value_type vtype;
	struct wfile_alias read[2];	/* the PATCH or -i FILE being read */
	size_t nread;
};

/* The target and what this command did to it, to undo on failure. */
struct poke_job {
	const char *path;
	struct map_file f;
	struct edit *edits;
	size_t nedits;
	struct edit_plan plan;	/* the edits sorted, once for -n, --undo and the write */
	uint64_t off;		/* OFFSET resolved, for --expect */
	uint64_t end;		/* the end of the last byte written */
	uint64_t newsize;
	uint64_t orig_size;
	int created;		/* --create made the file */
	int resized;		/* the size may have changed */
	int writing;		/* bytes of the file may have changed */
	struct commit_hold hold;
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

/* Note a file being read, which no file poke writes may be. */
static void poke_note_read(struct poke_opts *po, int fd)
{
	if (po->nread < sizeof po->read / sizeof po->read[0] &&
	    wfile_alias_of(fd, &po->read[po->nread]) == 0)
		po->nread++;
}

static int poke_read_file(struct poke_opts *po, const char *path, struct bytes *out)
{
	struct map_file in;
	int rc;

	if ((rc = cmd_open("poke", path, 0, &in)))
		return rc;
	poke_note_read(po, in.fd);
	rc = map_slurp(in.fd, SIZE_MAX / 2, &out->p, &out->len);
	out->cap = out->len;
	map_close(&in);
	if (rc)
		return mm_error("poke", path, "reading the input: %s", strerror(-rc));
	return 0;
}

/* -i FILE: its bytes, or with -x its text read as hex digits. */
static int poke_input(struct poke_opts *po, struct bytes *out)
{
	struct bytes text = { 0 };
	const unsigned char *nul;
	char err[128];
	int rc;

	if (!po->hex)
		return poke_read_file(po, po->input, out);
	if ((rc = poke_read_file(po, po->input, &text)))
		return rc;
	if ((nul = memchr(text.p, 0, text.len)))
		rc = mm_error("poke", po->input, "not hex text: a NUL byte at offset %zu",
			      (size_t)(nul - text.p));
	else if (bytes_add(&text, "", 1))
		rc = mm_error("poke", NULL, "out of memory");
	else if (data_hex((const char *)text.p, out, err))
		rc = mm_error("poke", po->input, "bad hex: %s", err);
	bytes_free(&text);
	return rc;
}

/* Read and check every line of the patch (patch_read.c says how). */
static int poke_load_patch(struct poke_opts *po, struct patch *p)
{
	struct map_file in;
	char err[128];
	size_t bad = 0;
	int rc;

	if ((rc = cmd_open("poke", po->patch, 0, &in)))
		return rc;
	poke_note_read(po, in.fd);
	rc = patch_read(in.fd, p, &bad, err);
	map_close(&in);
	if (rc == PATCH_EBAD)
		return mm_error("poke", po->patch, "line %zu: %s; nothing was written",
				bad, err);
	if (rc)
		return mm_error("poke", po->patch, "reading the patch: %s", strerror(-rc));
	return 0;
}


/* After a failure: the size the file had, and no file --create made. */
static void poke_undo_changes(struct poke_job *j)
{
	struct stat st, now;

	if (j->f.fd < 0)
		return;
	/* Only ever shrink back: a file cut short under us stays so. */
	if (j->resized && fstat(j->f.fd, &st) == 0 && (uint64_t)st.st_size > j->orig_size)
		ftruncate(j->f.fd, (off_t)j->orig_size);
	/* Unlink only while the name is still the file we made. */
	if (j->created && fstat(j->f.fd, &st) == 0 && lstat(j->path, &now) == 0 &&
	    st.st_dev == now.st_dev && st.st_ino == now.st_ino)
		unlink(j->path);
}

static int poke_open(const struct poke_opts *po, struct poke_job *j)
{
	const char *path = j->path;
	struct stat st;
	int rc;

	if (!strcmp(path, "-"))
		return mm_error("poke", path,
				"cannot write to standard input: poke writes in place, into a file");
	rc = wfile_open(&j->f, path, po->dry_run ? WFILE_READ : WFILE_WRITE, 0, NULL);
	if (rc == -ENOENT && po->create && !po->dry_run) {
		rc = wfile_open(&j->f, path, WFILE_CREATE, 0, NULL);
		j->created = rc == 0;
		if (rc == -EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return mm_error("poke", path,
					"is a dangling symbolic link: not creating the file it names");
		if (rc == -EEXIST)	/* made by someone else just now */
			rc = wfile_open(&j->f, path, WFILE_WRITE, 0, NULL);
		else if (rc)
			return mm_error("poke", path, "cannot create: %s", strerror(-rc));
	}
	if (rc == -ENOENT && !po->create)
		return mm_error("poke", path, "%s (use --create to make it)", strerror(-rc));
	if (rc == -EISDIR)
		return mm_error("poke", path, "is a directory");
	if (rc)
		return mm_error("poke", path, "%s", strerror(-rc));
	if (!S_ISREG(j->f.mode) && !S_ISBLK(j->f.mode))
		return mm_error("poke", path,
				"not a regular file: poke writes in place, only into files and block devices");
	return 0;
}

static int poke_check_opts(struct poke_opts *po)
{
	int kinds = !!po->escapes + !!po->hex + !!po->type + !!po->input;

	/* -x -i FILE: FILE is hex text. */
	if (kinds > 1 && !(kinds == 2 && po->hex && po->input))
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

/* Where the edits end, and the size the file must have for them. */
static int poke_plan(const struct poke_opts *po, struct poke_job *j,
		     uint64_t size_arg)
{
	const char *path = j->path;

	for (size_t i = 0; i < j->nedits; i++) {
		uint64_t span = edit_span(&j->edits[i]), off = j->edits[i].off;

		if (span > UINT64_MAX - off || off + span > (uint64_t)INT64_MAX)
			return mm_error("poke", path, "the write at offset %llu runs past the largest file size",
					(unsigned long long)off);
		if (off + span > j->end)
			j->end = off + span;
	}
	if (po->size && size_arg < j->f.size)
		return mm_error("poke", path,
				"--size %llu is smaller than the file (%llu bytes): poke never truncates",
				(unsigned long long)size_arg, (unsigned long long)j->f.size);
	j->newsize = po->size ? size_arg : j->f.size;
	if (j->end > j->newsize) {
		if (!po->grow && !po->create)
			return mm_error("poke", path,
					"writing up to byte %llu runs past the end of the file (size %llu): use --grow to extend the file",
					(unsigned long long)j->end, (unsigned long long)j->newsize);
		j->newsize = j->end;
	}
	if (j->newsize > j->f.size && !S_ISREG(j->f.mode))
		return mm_error("poke", path, "a device cannot grow");
	/* Checked here, so that a limit is an error and never EFBIG midway. */
	return commit_check_limit("poke", path, j->f.size, j->newsize, j->end);
}

/* A failure while the edits were being written. */
static int poke_write_error(struct poke_job *j, int rc)
{
	return commit_write_error("poke", j->path, rc);
}

/*
 * Old and new lines of every edit into fd; 0, or a negative errno (a map
 * error of the target, or the write's).
 */
static int poke_show_to(struct poke_job *j, int fd)
{
	struct out *out = out_new(fd);
	int rc;

	if (!out)
		return -ENOMEM;
	rc = show_diff(&j->f, j->edits, j->nedits, &j->plan, out);
	out_flush(out);
	if (!rc && out->err)
		rc = -out->err;
	out_free(out);
	return rc;
}

/*
 * -v: the lines are made before writing, since they show the old bytes,
 * in a scratch file whose descriptor *fd gets.
 */
static int poke_verbose_begin(struct poke_job *j, int *fd)
{
	struct map_file scratch;
	int rc = wfile_open(&scratch, P_tmpdir, WFILE_SCRATCH, 0600, NULL);

	if (rc)
		return mm_error("poke", NULL, "temporary file: %s", strerror(-rc));
	if ((rc = poke_show_to(j, scratch.fd))) {
		close(scratch.fd);
		return rc == MAP_ETRUNC ? cmd_map_error("poke", j->path, rc)
			: mm_error("poke", NULL, "temporary file: %s", strerror(-rc));
	}
	*fd = scratch.fd;
	return 0;
}

/* Copy the -v lines to standard output (main.c reports its errors). */
static void poke_verbose_end(int fd)
{
	struct out *so = out_new(STDOUT_FILENO);
	char buf[65536];
	ssize_t r;

	lseek(fd, 0, SEEK_SET);
	while (so && !so->err && (r = read(fd, buf, sizeof buf)) > 0)
		out_write(so, buf, (size_t)r);
	if (so)
		out_flush(so);
	else
		mm_error("poke", NULL, "-v: %s", strerror(ENOMEM));
	out_free(so);
	close(fd);
}

/*
 * Reserve the blocks, save the undo patch, then write.  Nothing before
 * j->writing is set changes a byte the file had.
 */
static int poke_write(const struct poke_opts *po, struct poke_job *j)
{
	int rc, vfd = -1;

	j->resized = 1;
	if ((rc = edit_reserve(&j->f, &j->plan)))
		return mm_error("poke", j->path, "cannot reserve space for the write: %s; nothing was written",
				strerror(-rc));
	if (commit_interrupted(&j->hold))
		return MM_EXIT_ERROR;
	if (po->undo && (rc = commit_undo_write("poke", po->undo, j->path, &j->f,
						 j->edits, j->nedits, &j->plan)))
		return rc;
	if (po->verbose && (rc = poke_verbose_begin(j, &vfd)))
		return rc;
	if (commit_interrupted(&j->hold)) {
		if (vfd >= 0)
			close(vfd);
		return MM_EXIT_ERROR;
	}
	/* ftruncate changes no byte the file had: a refusal (EFBIG past the
	 * file system's largest size) is before the first write. */
	if ((rc = map_grow(&j->f, j->newsize))) {
		if (vfd >= 0)
			close(vfd);
		return mm_error("poke", j->path, "cannot extend the file to %llu bytes: %s; nothing was written",
				(unsigned long long)j->newsize, strerror(-rc));
	}
	j->writing = 1;
	if ((rc = edit_apply(&j->f, j->edits, &j->plan)) ||
	    (po->sync && fdatasync(j->f.fd) < 0 && (rc = -errno))) {
		if (vfd >= 0)
			close(vfd);
		return poke_write_error(j, rc);
	}
	if (vfd >= 0)
		poke_verbose_end(vfd);
	return 0;
}

/* Everything on the command line, read and checked before FILE is opened. */
static int poke_args(struct poke_opts *po, const struct cmd_args *a,
		     struct bytes *data, struct bytes *want, struct patch *patch,
		     struct poke_job *j, struct num_offset *off_arg,
		     uint64_t *repeat, uint64_t *size_arg)
{
	char err[128];
	int rc;

	/* The operands fit one of cmd_poke's forms. */
	if ((po->repeat && (rc = cmd_u64("poke", "--repeat", po->repeat, repeat))) ||
	    (po->size && (rc = cmd_u64("poke", "--size", po->size, size_arg))) ||
	    (a->nargs > 1 && !po->patch &&
	     (rc = cmd_offset("poke", "OFFSET", a->args[1], off_arg))))
		return rc;
	if (po->repeat && *repeat == 0)
		return mm_error("poke", NULL, "bad --repeat '%s': must be at least 1", po->repeat);
	if (po->expect && poke_decode(po, po->expect, want, err))
		return mm_error("poke", NULL, "bad --expect: %s", err);
	if (po->patch) {
		if ((rc = poke_load_patch(po, patch)))
			return rc;
		j->nedits = patch->n;
		j->edits = patch->lines;
		return 0;
	}
	if (a->nargs == 1) {
		j->nedits = 0;		/* poke --size N FILE: only extend */
		return 0;
	}
	rc = po->input ? poke_input(po, data) : poke_data(po, a->args + 2, a->nargs - 2, data);
	if (rc)
		return rc;
	/* An empty -i input is nothing to write, as cp of an empty file. */
	if (data->len == 0 && !po->input)
		return mm_error("poke", NULL, "DATA is empty: nothing to write");
	if (data->len && *repeat > UINT64_MAX / data->len)
		return mm_error("poke", NULL, "--repeat %s times %zu bytes does not fit in 64 bits",
				po->repeat, data->len);
	j->nedits = data->len != 0;
	return 0;
}

/* Open the target, take the lock, check, and write (or show, with -n). */
static int poke_target(struct poke_opts *po, const struct cmd_args *a,
		       struct poke_job *j, const struct num_offset *off_arg,
		       const struct bytes *want, uint64_t size_arg)
{
	int rc;

	/* Held from before --create makes the file, so a signal cannot leave it. */
	if (!po->dry_run && po->create)
		commit_hold_signals(&j->hold);
	if ((rc = poke_open(po, j)))
		return rc;
	if (po->lock && (rc = cmd_lock("poke", j->path, &j->f, 1)))
		return rc;
	if (!po->dry_run)
		commit_hold_signals(&j->hold);
	if ((rc = map_refresh(&j->f)))
		return cmd_map_error("poke", j->path, rc);
	j->orig_size = j->f.size;
	if (!po->patch && j->nedits) {
		if (num_resolve_offset(off_arg, j->f.size, &j->off))
			return mm_error("poke", j->path,
					"OFFSET '%s' reaches before the start of the file (size %llu)",
					a->args[1], (unsigned long long)j->f.size);
		j->edits[0].off = j->off;
	}
	if ((rc = poke_plan(po, j, size_arg)))
		return rc;
	if (edit_plan_make(j->edits, j->nedits, &j->plan))
		return mm_error("poke", j->path, "%s; nothing was written", strerror(ENOMEM));
	if (po->undo && !po->dry_run &&
	    (rc = commit_undo_check("poke", po->undo, j->path, j->f.fd, po->read, po->nread,
				    po->patch ? "patch" : "input")))
		return rc;
	if (po->expect) {
		rc = edit_equal(&j->f, j->off, want->p, want->len);
		if (rc < 0)
			return cmd_map_error("poke", j->path, rc);
		if (rc == 0)
			return MM_EXIT_NO;	/* compare-and-swap lost: write nothing */
	}
	if (po->dry_run) {
		rc = poke_show_to(j, STDOUT_FILENO);
		if (rc == -ENOMEM)
			return mm_error("poke", NULL, "%s", strerror(ENOMEM));
		/* A write error of standard output: main.c reports it. */
		return rc == MAP_ETRUNC || rc == -EFAULT ? cmd_map_error("poke", j->path, rc)
			: rc ? MM_EXIT_ERROR : 0;
	}
	return poke_write(po, j);
}

static int poke_run(int argc, const char **argv)
{
	struct poke_opts po;
	struct poptOption table[] = {
		{ "escapes", 'e', POPT_ARG_NONE, &po.escapes, 0, "DATA has C escapes (\\n \\t \\0 \\xHH \\NNN)", NULL },
		{ "hex", 'x', POPT_ARG_NONE, &po.hex, 0, "DATA is hex digits (blanks, ':', '-', 0x ignored); with -i, FILE is hex text", NULL },
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
		CMD_AUTOHELP
		POPT_TABLEEND
	};
	struct cmd_args a;
	struct bytes data = { 0 }, want = { 0 };
	struct patch patch = { 0 };
	struct edit one;
	struct poke_job j = { .f = { .fd = -1 }, .edits = &one };
	struct num_offset off_arg = { 0, 0 };
	uint64_t repeat = 1, size_arg = 0;
	int rc;

	memset(&po, 0, sizeof po);
	rc = cmd_parse(&cmd_poke, table, argc, argv, &a);
	if (rc >= 0) {
		cmd_free_values(table);
		return rc;
	}
	j.path = a.args[0];
	if (!(rc = poke_check_opts(&po)) &&
	    !(rc = poke_args(&po, &a, &data, &want, &patch, &j, &off_arg, &repeat, &size_arg))) {
		one = (struct edit){ 0, data.p, data.len, repeat };
		rc = poke_target(&po, &a, &j, &off_arg, &want, size_arg);
	}
	if (rc != MM_EXIT_OK)
		poke_undo_changes(&j);
	commit_release(&j.hold, "poke", j.path, rc, j.writing);
	map_close(&j.f);
	edit_plan_free(&j.plan);
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
	.usage = "[OPTIONS] FILE OFFSET DATA... | --patch PATCH FILE",
	/*
	 * FILE OFFSET DATA..., -i INPUT FILE OFFSET, --patch PATCH FILE, and
	 * --size N FILE (only extend) beside any of them.
	 */
	.forms = {
		{ .with = "patch", .min = 1, .max = 1, .flags = CMD_FORM_INSTEAD },
		{ .with = "input", .min = 2, .max = 2, .flags = CMD_FORM_INSTEAD },
		{ .with = "size", .min = 1, .max = 1 },
		{ .min = 3, .max = -1 },
	},
	.flags = CMD_NEGATIVE_OPERANDS,
	.run = poke_run,
};
