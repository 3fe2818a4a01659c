/*
 * mmtool flush [OPTIONS] FILE...
 *
 * Make each FILE's writes durable, as sync(1) does: fsync, fdatasync with
 * --data, only a range with --range, only start the writeback with
 * --async; then, with --drop, evict its clean pages from the page cache.
 * --load instead reads into the page cache the pages that are not there
 * (and no others), without syncing.  A read-only descriptor is enough for
 * all of it: flush needs no write permission.  Silent on success.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cmd.h"
#include "msg.h"

struct flush_opts {
	const char *range;
	int async, data, drop, load;
	struct num_range r;
};

/* Files with no page cache of their own: an error, not a silent no-op. */
static const char *flush_cannot(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a pipe";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISSOCK(mode))
		return "a socket";
	return NULL;
}

/* The system call a failure came from, for the message. */
static const char *flush_call(const struct flush_opts *fo)
{
	if (fo->async)
		return "sync_file_range";
	if (fo->range)
		return fo->data ? "fdatasync (range)" : "fsync (range)";
	return fo->data ? "fdatasync" : "fsync";
}

/* Resolve --range for this file: [*off, *off + *len). */
static int flush_resolve(const struct flush_opts *fo, const char *path, int fd,
			 const struct stat *st, uint64_t *off, uint64_t *len)
{
	uint64_t size, end;
	int rc;

	if (S_ISDIR(st->st_mode))
		return mm_error("flush", path, "is a directory: --range needs a file");
	if ((rc = cache_size(fd, st, &size)))
		return mm_error("flush", path, "%s", strerror(-rc));
	switch (num_resolve_range_in(&fo->r, size, off, &end)) {
	case NUM_OK:
		break;
	case NUM_PAST_END:
		return mm_error("flush", path,
				"RANGE '%s' starts past the end of the file (size %llu)",
				fo->range, (unsigned long long)size);
	case NUM_BACKWARDS:
		return mm_error("flush", path, "RANGE '%s' ends before it starts",
				fo->range);
	default:
		return mm_error("flush", path,
				"RANGE '%s' reaches before the start of the file (size %llu)",
				fo->range, (unsigned long long)size);
	}
	*len = end - *off;
	return 0;
}

/* The read buffer of --load: big enough that a read is not a syscall a page. */
#define FLUSH_LOAD_BUF ((size_t)1 << 20)

/*
 * --load: read [off, off + len) of the file (len UINT64_MAX: to its end)
 * into the page cache, the pages that are not resident only.
 */
static int flush_load(const char *path, int fd, const struct stat *st,
		      uint64_t off, uint64_t len)
{
	struct cache_snapshot snap;
	uint64_t size;
	void *buf;
	int rc;

	if (S_ISDIR(st->st_mode))
		return mm_error("flush", path, "is a directory: --load needs a file");
	if ((rc = cache_size(fd, st, &size)) ||
	    (rc = cache_snapshot(fd, size, off, len, &snap)))
		return mm_error("flush", path, "%s", strerror(-rc));
	if (!(buf = malloc(FLUSH_LOAD_BUF))) {
		cache_snapshot_free(&snap);
		return mm_error("flush", path, "%s", strerror(ENOMEM));
	}
	rc = cache_snapshot_load(fd, &snap, buf, FLUSH_LOAD_BUF);
	free(buf);
	cache_snapshot_free(&snap);
	return rc ? mm_error("flush", path, "read: %s", strerror(-rc)) : 0;
}

static int flush_one(const struct flush_opts *fo, const char *path)
{
	int is_stdin = !strcmp(path, "-"), fd = STDIN_FILENO, rc, flags = 0;
	uint64_t off = 0, len = 0;
	const char *what;
	struct stat st;

	if (is_stdin)
		rc = fstat(fd, &st) < 0 ? -errno : 0;
	else
		rc = cache_open(path, CACHE_OPEN_WRONLY_FALLBACK, &fd, &st);
	if (rc)
		return mm_error("flush", path, "%s", strerror(-rc));
	if ((what = flush_cannot(st.st_mode))) {
		rc = mm_error("flush", path,
			      "is %s: only files, directories and block devices have pages to flush",
			      what);
		goto close;
	}
	if (fo->range) {
		if ((rc = flush_resolve(fo, path, fd, &st, &off, &len)))
			goto close;
		/* An empty range: nothing to write, and nothing to drop. */
		if (len == 0)
			goto close;
		flags |= CACHE_SYNC_RANGE;
	}
	if (fo->load) {
		rc = flush_load(path, fd, &st, off, fo->range ? len : UINT64_MAX);
		goto close;
	}
	flags |= (fo->data ? CACHE_SYNC_DATA : 0) | (fo->async ? CACHE_SYNC_ASYNC : 0);
	if ((rc = cache_sync(fd, off, len, flags))) {
		rc = mm_error("flush", path, "%s: %s", flush_call(fo), strerror(-rc));
		goto close;
	}
	/* Without --range, len is 0: to the end of the file. */
	if (fo->drop && (rc = cache_drop(fd, off, len)))
		rc = mm_error("flush", path, "posix_fadvise: %s", strerror(-rc));
close:
	if (!is_stdin)
		close(fd);
	return rc;
}

static int flush_run(int argc, const char **argv)
{
	struct flush_opts fo = { .range = NULL };
	struct poptOption table[] = {
		{ "range", 0, POPT_ARG_STRING, &fo.range, 0,
		  "only this range: START:END or START+LENGTH", "RANGE" },
		{ "async", 0, POPT_ARG_NONE, &fo.async, 0,
		  "start the writeback and return without waiting", NULL },
		{ "data", 0, POPT_ARG_NONE, &fo.data, 0,
		  "skip metadata not needed to read the data (fdatasync)", NULL },
		{ "drop", 0, POPT_ARG_NONE, &fo.drop, 0,
		  "afterwards evict the file's clean pages from the page cache", NULL },
		{ "load", 0, POPT_ARG_NONE, &fo.load, 0,
		  "instead read the pages not in the page cache into it (no sync)", NULL },
		CMD_AUTOHELP
		POPT_TABLEEND
	};
	struct cmd_args a;
	int rc, status = MM_EXIT_OK;

	rc = cmd_parse(&cmd_flush, table, argc, argv, &a);
	if (rc >= 0)
		goto done;
	if (fo.load && (fo.drop || fo.async || fo.data)) {
		cmd_args_free(&a);
		rc = mm_error("flush", NULL, "--load does not sync or evict: it takes no --drop, --async or --data");
		goto done;
	}
	if (fo.range && (rc = cmd_range("flush", fo.range, &fo.r))) {
		cmd_args_free(&a);
		goto done;
	}
	/* Every file is tried; one that fails does not stop the others. */
	for (int i = 0; i < a.nargs; i++)
		status = mm_worst(status, flush_one(&fo, a.args[i]));
	cmd_args_free(&a);
	rc = status;
done:
	/* popt hands POPT_ARG_STRING values over as malloc'd copies. */
	free((char *)fo.range);
	return rc;
}

const struct cmd cmd_flush = {
	.name = "flush",
	.summary = "make writes durable; evict a file from the page cache",
	.usage = "[OPTIONS] FILE...",
	.forms = { { .min = 1, .max = -1 } },
	.run = flush_run,
};
