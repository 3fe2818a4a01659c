/*
 * walk: the regular files below a directory, as grep -r, info -r and
 * replace -r find them.  Depth first, each directory's entries in strcmp(3)
 * order of their names, so the order is the same every run.  Symbolic links
 * below the top are neither followed nor files, and devices, FIFOs and
 * sockets are skipped (as GNU grep -r does), so no loop can be entered and
 * no open can block.  Knows no stderr: what cannot be read goes to a
 * callback.
 */
#ifndef MM_WALK_H
#define MM_WALK_H

struct walk_ops {
	/* A regular file: path is the directory's path joined with name. */
	int (*file)(void *ctx, const char *path, const char *name);
	/* Whether to descend into a directory; NULL: into every one. */
	int (*enter)(void *ctx, const char *path, const char *name);
	/* A directory that could not be read, or an entry whose type could
	 * not be learnt (lstat): err is the errno. */
	int (*error)(void *ctx, const char *path, int err);
};

/*
 * Walk the directory top ("" walks "." and names its files without "./";
 * a top that is a symbolic link is followed).  A callback's nonzero return
 * stops the walk and is returned; else 0, or -ENOMEM.
 */
int walk_tree(const char *top, const struct walk_ops *ops, void *ctx);

#endif
