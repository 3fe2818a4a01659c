/*
 * commit: what poke and replace do around edit_apply so that nothing is
 * lost: the --undo file (refused where it would alias the target or follow
 * a link, written beside its name and renamed over it), and SIGINT,
 * SIGTERM and SIGHUP held while the edits are written.  Part of the
 * command layer: it prints its errors through msg.c and returns exit codes.
 */
#ifndef MM_COMMIT_H
#define MM_COMMIT_H

#include <signal.h>
#include <stddef.h>

#include "edit.h"
#include "map.h"
#include "wfile.h"

struct commit_hold {
	sigset_t held;		/* the signals of the three not ignored */
	sigset_t old;		/* the mask to restore */
	int on;
};

/* Hold SIGINT, SIGTERM and SIGHUP, those not ignored, from now on. */
void commit_hold_signals(struct commit_hold *h);

/* The first held signal that has arrived, or 0. */
int commit_interrupted(const struct commit_hold *h);

/*
 * Let the held signals in.  One that arrived is said in one line (`wrote`:
 * the edits were all written first; else nothing was written, unless the
 * command failed, which it already said) and then kills us with its
 * default action, as if it had come unheld.
 */
void commit_release(struct commit_hold *h, const char *cmd, const char *path,
		    int rc, int wrote);

/*
 * Before anything is written: pwrite(2) refuses bytes past the file size
 * limit (ulimit -f) even inside the file, so the edits, which end at
 * `end`, and the size the file grows to from `size` to `newsize`, must
 * lie within it.  0, or one error line and MM_EXIT_ERROR.
 */
int commit_check_limit(const char *cmd, const char *path, uint64_t size,
		       uint64_t newsize, uint64_t end);

/*
 * Report rc, a failure of edit_apply (or of the sync after it).  Returns
 * MM_EXIT_ERROR.
 */
int commit_write_error(const char *cmd, const char *path, int rc);

/*
 * Whether `undo` may be written as the undo file of the target open on fd
 * (named path): not the target under any name, not one of the nread files
 * being read (named read_what), not a symbolic link, not a special file.
 * 0, or one error line and MM_EXIT_ERROR.
 */
int commit_undo_check(const char *cmd, const char *undo, const char *path,
		      int fd, const struct wfile_alias *read, size_t nread,
		      const char *read_what);

/*
 * The undo patch: the old bytes of every edit, last edit first, so that
 * where edits overlap the oldest bytes are put back last.  Written to a
 * new file beside `undo`, no more readable than the target, synced and
 * renamed over it: an older undo file stays whole until then.  0, or one
 * error line and MM_EXIT_ERROR.  p is the edits' plan, shared with the
 * apply so that they are sorted once.
 */
int commit_undo_write(const char *cmd, const char *undo, const char *path,
		      struct map_file *f, const struct edit *e, size_t n,
		      const struct edit_plan *p);

#endif
