#include <dlfcn.h>
#include <sched.h>
#include <errno.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpus.h"
#include "magic.h"

/* libmagic's ABI has kept this name since file 5.x (2009). */
#define MM_MAGIC_SONAME "libmagic.so.1"

/* The longest request to (path) or answer from the MIME helper. */
#define MM_MAGIC_MSG 8192

/* The library's entry points, found with dlsym(3). */
static struct {
	void *dl;
	magic_t ms;
	int failed;
	char why[MM_MAGIC_MSG + 256];
	__typeof__(&magic_open) open;
	__typeof__(&magic_close) close;
	__typeof__(&magic_load) load;
	__typeof__(&magic_error) error;
	__typeof__(&magic_setflags) setflags;
	__typeof__(&magic_file) file;
	__typeof__(&magic_descriptor) descriptor;
	__typeof__(&magic_getparam) getparam;
} magic_lib;

/* Keep "WHAT: DETAIL" (or DETAIL alone) as the message; returns -1. */
static int magic_fail(const char **why, const char *what, const char *detail)
{
	snprintf(magic_lib.why, sizeof magic_lib.why, "%s%s%s",
		 what ? what : "", what ? ": " : "",
		 detail ? detail : "unknown error");
	*why = magic_lib.why;
	return -1;
}

static void *magic_sym(const char *name)
{
	return dlsym(magic_lib.dl, name);
}

int magic_db_load(const char **why)
{
	if (magic_lib.ms)
		return 0;
	if (magic_lib.failed) {
		*why = magic_lib.why;
		return -1;
	}
	magic_lib.failed = 1;
	magic_lib.dl = dlopen(MM_MAGIC_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!magic_lib.dl)
		return magic_fail(why, "cannot load libmagic", dlerror());
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
	    !magic_lib.descriptor || !magic_lib.getparam)
		return magic_fail(why, MM_MAGIC_SONAME,
				  "a function mmtool needs is missing");
	/*
	 * MAGIC_SYMLINK: describe what a link points to, as the rest of
	 * info does (file -L).  MAGIC_ERROR: a file we cannot read is an
	 * error, not a description that says so.
	 */
	magic_lib.ms = magic_lib.open(MAGIC_SYMLINK | MAGIC_ERROR);
	if (!magic_lib.ms)
		return magic_fail(why, "cannot start libmagic", strerror(errno));
	/* NULL: the default database, or $MAGIC, as file(1) uses. */
	if (magic_lib.load(magic_lib.ms, NULL) < 0) {
		magic_fail(why, "cannot load the magic database",
			   magic_lib.error(magic_lib.ms));
		magic_lib.close(magic_lib.ms);
		magic_lib.ms = NULL;
		return -1;
	}
	magic_lib.failed = 0;
	return 0;
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
static char *magic_pass(const struct magic_src *src, int flags, const char **why)
{
	const char *r;
	char *copy;

	if (magic_lib.setflags(magic_lib.ms, MAGIC_SYMLINK | MAGIC_ERROR | flags) < 0) {
		magic_fail(why, "libmagic", magic_lib.error(magic_lib.ms));
		return NULL;
	}
	if (src->own >= 0 && lseek(src->own, 0, SEEK_SET) < 0) {
		magic_fail(why, "lseek", strerror(errno));
		return NULL;
	}
	if (src->path)
		r = magic_lib.file(magic_lib.ms, src->path);
	else
		r = magic_lib.descriptor(magic_lib.ms, src->own >= 0 ? src->own : src->fd);
	if (!r) {
		magic_fail(why, NULL, magic_lib.error(magic_lib.ms));
		return NULL;
	}
	copy = strdup(r);
	if (!copy)
		magic_fail(why, NULL, strerror(ENOMEM));
	return copy;
}

/* Copy all of buf to fd. */
static int magic_write_all(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Copy what libmagic would read of a stream, up to its bytes_max (the
 * limit file(1) reads a pipe to), into a memfd.
 */
static int magic_spool(struct magic_src *src, const char **why)
{
	size_t max = 1 << 20, got = 0;
	char buf[65536];
	ssize_t r;

	magic_lib.getparam(magic_lib.ms, MAGIC_PARAM_BYTES_MAX, &max);
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
		if (magic_write_all(src->own, buf, (size_t)r) < 0)
			return magic_fail(why, "memfd", strerror(errno));
		got += (size_t)r;
	}
	return 0;
}

/*
 * What libmagic says of src, as `want` asks: one pass for the description,
 * one for the MIME type and encoding together.
 */
static int magic_answer(const struct magic_src *src, int want,
			struct magic_info *out, const char **why)
{
	char *both, *sep;

	memset(out, 0, sizeof *out);
	if ((want & MM_MAGIC_TYPE) && !(out->type = magic_pass(src, 0, why)))
		goto fail;
	if (want & MM_MAGIC_ENCODING) {
		/* One pass gives both: "text/plain; charset=us-ascii". */
		both = magic_pass(src, MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING, why);
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
		   !(out->mime = magic_pass(src, MAGIC_MIME_TYPE, why))) {
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
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (magic_db_load(why))
		return -1;
	/* A pipe can be read once; two passes need its bytes kept. */
	if (path || lseek(fd, 0, SEEK_CUR) >= 0 || magic_spool(&src, why) == 0)
		rc = magic_answer(&src, want, out, why);
	if (src.own >= 0)
		close(src.own);
	return rc;
}

/*
 * The helper.  libmagic gives one answer per pass over its database, info
 * wants two for each file (the description; the MIME type with its
 * encoding), and a pass costs about 0.4 ms for a small file here (3 ms for
 * text with long lines: libmagic's regular expressions).
 * So for many files a child process, forked once the database is loaded
 * (it is read once and shared copy-on-write), answers questions while we
 * work on others: two cores, one database.  Questions and answers flow
 * without waiting on each other (up to MM_MAGIC_WINDOW in flight), since a
 * wake-up per file costs more than it saves on a busy machine.
 *
 * Question: the `want` bits as one digit, then the path.  Answer: '+' and
 * the type, MIME type and encoding, each ended by NUL (empty when not
 * asked), or '-' and libmagic's error.  One SOCK_SEQPACKET message each.
 */
static struct {
	int sock;
	pid_t pid;
} magic_helper = { -1, -1 };

/* Append s and its NUL to buf (of cap bytes) at *len, cut if need be. */
static void magic_put_field(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (*len >= cap)
		return;
	if (n > cap - *len - 1)
		n = cap - *len - 1;
	memcpy(buf + *len, s ? s : "", n);
	*len += n;
	buf[(*len)++] = '\0';
}

static void magic_helper_main(int sock)
{
	char req[MM_MAGIC_MSG + 1], ans[MM_MAGIC_MSG];
	struct magic_src src = { .fd = -1, .own = -1 };
	struct magic_info info;
	const char *why;
	size_t len;
	ssize_t n;

	for (;;) {
		n = recv(sock, req, MM_MAGIC_MSG, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len = 0;
		if (n < 2 || n >= MM_MAGIC_MSG) {
			ans[len++] = '-';
			magic_put_field(ans, sizeof ans, &len, strerror(ENAMETOOLONG));
		} else {
			req[n] = '\0';
			src.path = req + 1;
			if (magic_answer(&src, req[0] - '0', &info, &why)) {
				ans[len++] = '-';
				magic_put_field(ans, sizeof ans, &len, why);
			} else {
				ans[len++] = '+';
				magic_put_field(ans, sizeof ans, &len, info.type);
				magic_put_field(ans, sizeof ans, &len, info.mime);
				magic_put_field(ans, sizeof ans, &len, info.encoding);
				magic_info_free(&info);
			}
		}
		if (send(sock, ans, len, MSG_NOSIGNAL) < 0)
			break;
	}
	/* Not exit(): the parent's stdio and atexit handlers are not ours. */
	_exit(0);
}

int magic_db_helper_start(void)
{
	cpu_set_t beside;
	int sv[2];
	pid_t pid;

	if (magic_helper.sock >= 0)
		return 0;
	/* One CPU to run on (taskset, a cpuset): a helper would only wait. */
	if (!magic_lib.ms || cpus_beside_us(&beside) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		sched_setaffinity(0, sizeof beside, &beside);
		magic_helper_main(sv[1]);
	}
	close(sv[1]);
	magic_helper.sock = sv[0];
	magic_helper.pid = pid;
	return 0;
}

void magic_db_helper_stop(void)
{
	if (magic_helper.sock < 0)
		return;
	/* End of questions: the helper's recv() sees 0 and it exits. */
	close(magic_helper.sock);
	magic_helper.sock = -1;
	while (waitpid(magic_helper.pid, NULL, 0) < 0 && errno == EINTR)
		;
	magic_helper.pid = -1;
}

int magic_db_ask(const char *path, int want)
{
	char req[MM_MAGIC_MSG];
	size_t n = strlen(path);

	if (magic_helper.sock < 0 || n == 0 || n + 1 >= MM_MAGIC_MSG)
		return -1;
	req[0] = (char)('0' + want);
	memcpy(req + 1, path, n);
	if (send(magic_helper.sock, req, n + 1, MSG_NOSIGNAL) < 0) {
		/* Questions already asked are answered -2 from now on. */
		magic_db_helper_stop();
		return -1;
	}
	return 0;
}

/* Copy the next NUL-ended field of an answer; NULL for an empty one. */
static int magic_take_field(const char **p, const char *end, char **out)
{
	size_t n = strnlen(*p, (size_t)(end - *p));

	*out = NULL;
	if (*p + n >= end)
		return -1;
	if (n && !(*out = strdup(*p)))
		return -1;
	*p += n + 1;
	return 0;
}

int magic_db_answer(struct magic_info *out, const char **why, int wait)
{
	char ans[MM_MAGIC_MSG + 1];
	const char *p, *end;
	ssize_t n;

	memset(out, 0, sizeof *out);
	if (magic_helper.sock < 0)
		return -2;
	do
		n = recv(magic_helper.sock, ans, MM_MAGIC_MSG, wait ? 0 : MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 1;
	if (n <= 0) {
		magic_db_helper_stop();
		return -2;
	}
	ans[n] = '\0';
	if (ans[0] != '+')
		return magic_fail(why, NULL, ans + 1);
	p = ans + 1;
	end = ans + n;
	if (magic_take_field(&p, end, &out->type) ||
	    magic_take_field(&p, end, &out->mime) ||
	    magic_take_field(&p, end, &out->encoding)) {
		magic_info_free(out);
		return magic_fail(why, "libmagic helper", "malformed answer");
	}
	return 0;
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
	magic_db_helper_stop();
	if (magic_lib.ms)
		magic_lib.close(magic_lib.ms);
	magic_lib.ms = NULL;
	/*
	 * The library stays mapped: LeakSanitizer reports leaks in code it
	 * can no longer symbolize once it is dlclose()d, and the process is
	 * about to exit anyway.
	 */
}
