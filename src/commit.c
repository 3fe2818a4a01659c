#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "commit.h"
#include "cmd.h"
#include "msg.h"
#include "out.h"
#include "show.h"

static const int commit_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define COMMIT_NSIGS (sizeof commit_sigs / sizeof commit_sigs[0])

void commit_hold_signals(struct commit_hold *h)
{
	struct sigaction sa;

	if (h->on)
		return;
	sigemptyset(&h->held);
	for (size_t i = 0; i < COMMIT_NSIGS; i++)
		if (sigaction(commit_sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&h->held, commit_sigs[i]);
	sigprocmask(SIG_BLOCK, &h->held, &h->old);
	h->on = 1;
}

int commit_interrupted(const struct commit_hold *h)
{
	sigset_t pending;

	if (!h->on || sigpending(&pending) < 0)
		return 0;
	for (size_t i = 0; i < COMMIT_NSIGS; i++)
		if (sigismember(&h->held, commit_sigs[i]) &&
		    sigismember(&pending, commit_sigs[i]))
			return commit_sigs[i];
	return 0;
}

void commit_release(struct commit_hold *h, const char *cmd, const char *path,
		    int rc, int wrote)
{
	int sig = commit_interrupted(h);

	if (!h->on)
		return;
	h->on = 0;
	if (sig) {
		if (rc == MM_EXIT_OK && wrote)
			mm_error(cmd, path, "SIG%s: the edits were all written first",
				 sigabbrev_np(sig));
		else if (!wrote)
			mm_error(cmd, path, "SIG%s: nothing was written", sigabbrev_np(sig));
		signal(sig, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, &h->old, NULL);
	if (sig)
		raise(sig);
}

int commit_check_limit(const char *cmd, const char *path, uint64_t size,
		       uint64_t newsize, uint64_t end)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	if (newsize > size && newsize > rl.rlim_cur)
		return mm_error(cmd, path,
				"growing the file to %llu bytes passes the file size limit (ulimit -f: %llu bytes); nothing was written",
				(unsigned long long)newsize, (unsigned long long)rl.rlim_cur);
	if (end > rl.rlim_cur)
		return mm_error(cmd, path,
				"writing up to byte %llu passes the file size limit (ulimit -f: %llu bytes); nothing was written",
				(unsigned long long)end, (unsigned long long)rl.rlim_cur);
	return 0;
}

int commit_write_error(const char *cmd, const char *path, int rc)
{
	if (rc == MAP_ETRUNC || rc == -EFAULT)
		return cmd_map_error(cmd, path, rc);
	return mm_error(cmd, path,
			"%s while writing: part of the edits may be written (a patch saved with --undo puts the old bytes back)",
			strerror(-rc));
}

int commit_undo_check(const char *cmd, const char *undo, const char *path,
		      int fd, const struct wfile_alias *read, size_t nread,
		      const char *read_what)
{
	struct wfile_alias target;
	int rc;

	if (wfile_alias_of(fd, &target) < 0)
		return mm_error(cmd, path, "fstat: %s", strerror(errno));
	rc = wfile_check_second(undo, &target, 1);
	if (rc == -EEXIST)
		return mm_error(cmd, undo,
				"the undo file is %s itself under another name; nothing was written",
				path);
	if (rc == 0 && (rc = wfile_check_second(undo, read, nread)) == -EEXIST)
		return mm_error(cmd, undo, "the undo file is the %s being read; nothing was written",
				read_what);
	if (rc == -ELOOP)
		return mm_error(cmd, undo,
				"the undo file is a symbolic link: give the path of a regular file; nothing was written");
	if (rc == -EINVAL)
		return mm_error(cmd, undo,
				"the undo file exists and is not a regular file; nothing was written");
	if (rc)
		return mm_error(cmd, undo, "%s; nothing was written", strerror(-rc));
	return 0;
}

int commit_undo_write(const char *cmd, const char *undo, const char *path,
		      struct map_file *f, const struct edit *e, size_t n,
		      const struct edit_plan *p)
{
	struct out *out;
	struct map_file u;
	char *tmp = NULL;
	int rc;

	rc = wfile_open(&u, undo, WFILE_BESIDE, f->mode & 0666, &tmp);
	if (rc)
		return mm_error(cmd, undo, "cannot write the undo file: %s; nothing was written",
				strerror(-rc));
	if (!(out = out_new(u.fd))) {
		wfile_discard(&u, tmp);
		return mm_error(cmd, undo, "cannot write the undo file: %s; nothing was written",
				strerror(ENOMEM));
	}
	rc = show_undo(f, e, n, p, out);
	out_flush(out);
	if (!rc && out->err)
		rc = -out->err;
	out_free(out);
	if (rc) {
		wfile_discard(&u, tmp);
		if (rc == MAP_ETRUNC || rc == -EFAULT)
			return cmd_map_error(cmd, path, rc);
	} else {
		rc = wfile_commit(&u, tmp, undo);
	}
	if (rc)
		return mm_error(cmd, undo, "cannot write the undo file: %s; nothing was written",
				strerror(-rc));
	return 0;
}
