#include <dlfcn.h>
#include <errno.h>
#include <magic.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "magic.h"
#include "out.h"

/* libmagic's ABI has kept this name since file 5.x (2009). */
#define MM_MAGIC_SONAME "libmagic.so.1"

/* The library's entry points, found with dlsym(3), and every handle. */
static struct {
	pthread_mutex_t lock;	/* over dl, failed, why and handles */
	void *dl;
	int failed;
	char why[512];
	struct magic_handle *handles;
	__typeof__(&magic_open) open;
	__typeof__(&magic_close) close;
	__typeof__(&magic_load) load;
	__typeof__(&magic_error) error;
	__typeof__(&magic_setflags) setflags;
	__typeof__(&magic_file) file;
	__typeof__(&magic_descriptor) descriptor;
	__typeof__(&magic_getparam) getparam;
} magic_lib = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* One thread's libmagic handle. */
struct magic_handle {
	magic_t ms;
	struct magic_handle *next;
};

static _Thread_local struct magic_handle *magic_mine;
/* The last message for this thread. */
static _Thread_local char magic_why[8192];

/* Keep "WHAT: DETAIL" (or DETAIL alone) as the message; returns -1. */
static int magic_fail(const char **why, const char *what, const char *detail)
{
	snprintf(magic_why, sizeof magic_why, "%s%s%s",
		 what ? what : "", what ? ": " : "",
		 detail ? detail : "unknown error");
	*why = magic_why;
	return -1;
}

static void *magic_sym(const char *name)
{
	return dlsym(magic_lib.dl, name);
}

/*
 * Each libmagic pass over a file larger than its bytes_max (7 MiB) mallocs
 * two buffers that size, for the head and the tail.  glibc serves them
 * with fresh mmaps, or from a heap it trims after, so each pass faults in
 * 14 MiB of zeroed pages again: 3,600 page faults of info's 8,400 on a
 * 4 GiB file, 15% of its time.  Below 32 MiB (glibc's largest mmap
 * threshold) and kept untrimmed, the second pass reuses the first's pages.
 */
#define MM_MAGIC_MMAP_THRESHOLD (32 << 20)
#define MM_MAGIC_TRIM_THRESHOLD (256 << 20)

/* dlopen and dlsym, once; call with the lock held. */
static int magic_lib_open(void)
{
	if (magic_lib.dl)
		return 0;
	mallopt(M_MMAP_THRESHOLD, MM_MAGIC_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, MM_MAGIC_TRIM_THRESHOLD);
	magic_lib.dl = dlopen(MM_MAGIC_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!magic_lib.dl) {
		snprintf(magic_lib.why, sizeof magic_lib.why, "cannot load libmagic: %s",
			 dlerror());
		return -1;
	}
	magic_lib.open = (__typeof__(magic_lib.open))magic_sym("magic_open");
	magic_lib.close = (__typeof__(magic_lib.close))magic_sym("magic_close");
	magic_lib.load = (__typeof__(magic_lib.load))magic_sym("magic_load");
	magic_lib.error = (__typeof__(magic_lib.error))magic_sym("magic_error");
	magic_lib.setflags = (__typeof__(magic_lib.setflags))magic_sym("magic_setflags");
	magic_lib.file = (__typeof__(magic_lib.file))magic_sym("magic_file");
	magic_lib.descriptor = (__typeof__(magic_lib.descriptor))magic_sym("magic_descriptor");
	magic_lib.getparam = (__typeof__(magic_lib.getparam))magic_sym("magic_getparam");
	if (!magic_lib.open || !magic_lib.close || !magic_lib.load ||
	    !magic_lib.error || !magic_lib.setflags || !magic_lib.file ||
	    !magic_lib.descriptor || !magic_lib.getparam) {
		snprintf(magic_lib.why, sizeof magic_lib.why,
			 "%s: a function mmtool needs is missing", MM_MAGIC_SONAME);
		return -1;
	}
	return 0;
}

/* A new handle with the database loaded; call with the lock held. */
static struct magic_handle *magic_handle_new(void)
{
	struct magic_handle *h = calloc(1, sizeof *h);

	if (!h) {
		snprintf(magic_lib.why, sizeof magic_lib.why, "%s", strerror(ENOMEM));
		return NULL;
	}
	/*
	 * MAGIC_SYMLINK: describe what a link points to, as the rest of
	 * info does (file -L).  MAGIC_ERROR: a file we cannot read is an
	 * error, not a description that says so.
	 */
	h->ms = magic_lib.open(MAGIC_SYMLINK | MAGIC_ERROR);
	if (!h->ms) {
		snprintf(magic_lib.why, sizeof magic_lib.why, "cannot start libmagic: %s",
			 strerror(errno));
		free(h);
		return NULL;
	}
	/* NULL: the default database, or $MAGIC, as file(1) uses. */
	if (magic_lib.load(h->ms, NULL) < 0) {
		snprintf(magic_lib.why, sizeof magic_lib.why,
			 "cannot load the magic database: %s", magic_lib.error(h->ms));
		magic_lib.close(h->ms);
		free(h);
		return NULL;
	}
	h->next = magic_lib.handles;
	magic_lib.handles = h;
	return h;
}

/* The calling thread's handle, opened and loaded (serially) if need be. */
static struct magic_handle *magic_handle(const char **why)
{
	if (magic_mine)
		return magic_mine;
	pthread_mutex_lock(&magic_lib.lock);
	if (!magic_lib.failed && magic_lib_open() == 0)
		magic_mine = magic_handle_new();
	magic_lib.failed = !magic_mine;
	if (!magic_mine)
		magic_fail(why, NULL, magic_lib.why);
	pthread_mutex_unlock(&magic_lib.lock);
	return magic_mine;
}

int magic_db_load(const char **why)
{
	return magic_handle(why) ? 0 : -1;
}

/*
 * What a pass looks at: a file by name, or a descriptor it may read and
 * seek back.  A pipe can be read only once, so its bytes are first copied
 * to a memory file (memfd), which libmagic then reads like a regular file
 * (its ELF reader seeks); `own` is then that memfd, closed after.
 */
struct magic_src {
	const char *path;
	int fd;
	int own;
};

/* One pass of libmagic with `flags`; the answer copied to the heap. */
static char *magic_pass(magic_t ms, const struct magic_src *src, int flags,
			const char **why)
{
	const char *r;
	char *copy;

	if (magic_lib.setflags(ms, MAGIC_SYMLINK | MAGIC_ERROR | flags) < 0) {
		magic_fail(why, "libmagic", magic_lib.error(ms));
		return NULL;
	}
	if (src->own >= 0 && lseek(src->own, 0, SEEK_SET) < 0) {
		magic_fail(why, "lseek", strerror(errno));
		return NULL;
	}
	if (src->path)
		r = magic_lib.file(ms, src->path);
	else
		r = magic_lib.descriptor(ms, src->own >= 0 ? src->own : src->fd);
	if (!r) {
		magic_fail(why, NULL, magic_lib.error(ms));
		return NULL;
	}
	copy = strdup(r);
	if (!copy)
		magic_fail(why, NULL, strerror(ENOMEM));
	return copy;
}

/*
 * Copy what libmagic would read of a stream, up to its bytes_max (the
 * limit file(1) reads a pipe to), into a memfd.
 */
static int magic_spool(magic_t ms, struct magic_src *src, const char **why)
{
	size_t max = 1 << 20, got = 0;
	char buf[65536];
	ssize_t r;

	magic_lib.getparam(ms, MAGIC_PARAM_BYTES_MAX, &max);
	src->own = memfd_create("mmtool-info", MFD_CLOEXEC);
	if (src->own < 0)
		return magic_fail(why, "memfd_create", strerror(errno));
	while (got < max) {
		r = read(src->fd, buf, max - got < sizeof buf ? max - got : sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return magic_fail(why, "read", strerror(errno));
		if (r == 0)
			break;
		if (out_write_fd(src->own, buf, (size_t)r) < 0)
			return magic_fail(why, "memfd", strerror(errno));
		got += (size_t)r;
	}
	return 0;
}

/*
 * What libmagic says of src, as `want` asks: one pass for the description,
 * one for the MIME type and encoding together.
 */
static int magic_answer(magic_t ms, const struct magic_src *src, int want,
			struct magic_info *out, const char **why)
{
	char *both, *sep;

	memset(out, 0, sizeof *out);
	if ((want & MM_MAGIC_TYPE) && !(out->type = magic_pass(ms, src, 0, why)))
		goto fail;
	if (want & MM_MAGIC_ENCODING) {
		/* One pass gives both: "text/plain; charset=us-ascii". */
		both = magic_pass(ms, src, MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING, why);
		if (!both)
			goto fail;
		sep = strstr(both, "; charset=");
		out->encoding = strdup(sep ? sep + 10 : "");
		if (sep)
			*sep = '\0';
		if (want & MM_MAGIC_MIME)
			out->mime = both;
		else
			free(both);
		if (!out->encoding) {
			magic_fail(why, NULL, strerror(ENOMEM));
			goto fail;
		}
	} else if ((want & MM_MAGIC_MIME) &&
		   !(out->mime = magic_pass(ms, src, MAGIC_MIME_TYPE, why))) {
		goto fail;
	}
	return 0;
fail:
	magic_info_free(out);
	return -1;
}

int magic_db_identify(const char *path, int fd, int want,
		      struct magic_info *out, const char **why)
{
	struct magic_src src = { .path = path, .fd = fd, .own = -1 };
	struct magic_handle *h = magic_handle(why);
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (!h)
		return -1;
	/* A pipe can be read once; two passes need its bytes kept. */
	if (path || lseek(fd, 0, SEEK_CUR) >= 0 || magic_spool(h->ms, &src, why) == 0)
		rc = magic_answer(h->ms, &src, want, out, why);
	if (src.own >= 0)
		close(src.own);
	return rc;
}

void magic_info_free(struct magic_info *m)
{
	free(m->type);
	free(m->mime);
	free(m->encoding);
	memset(m, 0, sizeof *m);
}

void magic_db_unload(void)
{
	struct magic_handle *h, *next;

	pthread_mutex_lock(&magic_lib.lock);
	for (h = magic_lib.handles; h; h = next) {
		next = h->next;
		magic_lib.close(h->ms);
		free(h);
	}
	magic_lib.handles = NULL;
	magic_mine = NULL;
	pthread_mutex_unlock(&magic_lib.lock);
	/*
	 * The library stays mapped: LeakSanitizer reports leaks in code it
	 * can no longer symbolize once it is dlclose()d, and the process is
	 * about to exit anyway.
	 */
}
