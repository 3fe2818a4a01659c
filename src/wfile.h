/*
 * wfile: the one place that opens a file poke writes (the target, a file
 * it creates, the undo file), so that no second file can be the target
 * under another name or follow a planted symbolic link.  Knows nothing of
 * the command line; returns 0 or a negative errno.
 */
#ifndef MM_WFILE_H
#define MM_WFILE_H

#include <sys/stat.h>

#include "map.h"

enum wfile_how {
	WFILE_READ,	/* the target of a dry run: read only */
	WFILE_WRITE,	/* the target, read/write; a symbolic link is followed */
	WFILE_CREATE,	/* a new target: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 less umask */
	WFILE_BESIDE,	/* a new temporary file beside path, to be renamed over it */
	WFILE_SCRATCH,	/* an unnamed scratch file (O_TMPFILE) in directory path */
};

/* What a second file must not be (the target, an input being read). */
struct wfile_alias {
	dev_t dev;
	ino_t ino;
};

/*
 * Why path may not be written as a second file: -ELOOP for a symbolic
 * link (dangling or not), -EEXIST when it is one of the n files in avoid
 * under any name (hard link, symbolic link, /proc/self/fd/N), -EINVAL when
 * it exists and is not a regular file (a FIFO, which opening would wait
 * on, a directory, a device).  A missing path is fine: 0.
 */
int wfile_check_second(const char *path, const struct wfile_alias *avoid,
		       size_t n);

/*
 * Open path as `how` says into f (map_open's classification).  The
 * descriptor from O_EXCL creation is the one kept: nothing reopens by
 * name.  WFILE_BESIDE creates a new file in path's directory with
 * O_EXCL|O_NOFOLLOW and `mode` (less umask), and sets *tmp to its
 * malloc'd name; wfile_commit or wfile_discard ends it.
 */
int wfile_open(struct map_file *f, const char *path, enum wfile_how how,
	       mode_t mode, char **tmp);

/*
 * Make a WFILE_BESIDE file durable and put it in path's place: fsync the
 * file, rename it over path, fsync the directory.  Closes f.  On failure
 * the temporary file is removed and path is as it was.  Frees tmp.
 */
int wfile_commit(struct map_file *f, char *tmp, const char *path);

/* Close f and remove the temporary file; frees tmp. */
void wfile_discard(struct map_file *f, char *tmp);

/* The identity of an open file, for struct wfile_alias lists. */
int wfile_alias_of(int fd, struct wfile_alias *a);

#endif
