/*
 * grep_walk: the files mmtool grep searches.  Each FILE operand, and under
 * -r the regular files below each directory, as walk.c finds them;
 * --include, --exclude and --exclude-dir choose among them with fnmatch(3)
 * globs, as GNU grep does: a file found by the walk by its base name, a
 * FILE operand by any suffix of its name that starts after a '/'.  A file is left out when a
 * --exclude matches it, or when --include globs are given and none does.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grep.h"
#include "msg.h"
#include "walk.h"

/* Does any glob of list match name, or (suffix) any tail after a '/'? */
static int grep_glob_any(const char **list, const char *name, int suffix)
{
	for (size_t i = 0; list && list[i]; i++) {
		const char *p = name;

		for (;;) {
			if (fnmatch(list[i], p, 0) == 0)
				return 1;
			if (!suffix || !(p = strchr(p, '/')))
				break;
			while (*p == '/')
				p++;
			if (!*p)
				break;
		}
	}
	return 0;
}

/* --include/--exclude: is this file left out? */
static int grep_glob_skip(const struct grep *g, const char *name, int suffix)
{
	if (grep_glob_any(g->o.excludes, name, suffix))
		return 1;
	return g->o.includes && g->o.includes[0] &&
	       !grep_glob_any(g->o.includes, name, suffix);
}

/* Add a path to the list; err is the errno of a directory that failed. */
static int grep_add_entry(struct grep *g, const char *path, int walked, int err)
{
	size_t n = strlen(path) + 1;
	void *grown;

	if (g->nents == g->capents) {
		g->capents = g->capents ? 2 * g->capents : 64;
		if (!(grown = realloc(g->ents, g->capents * sizeof *g->ents)))
			return -1;
		g->ents = grown;
	}
	while (g->namescap - g->nameslen < n) {
		g->namescap = g->namescap ? 2 * g->namescap : 4096;
		if (!(grown = realloc(g->names, g->namescap)))
			return -1;
		g->names = grown;
	}
	memcpy(g->names + g->nameslen, path, n);
	g->ents[g->nents++] = (struct grep_entry){ g->nameslen, err, walked };
	g->nameslen += n;
	return 0;
}

static int grep_walk_file(void *ctx, const char *path, const char *name)
{
	struct grep *g = ctx;

	return grep_glob_skip(g, name, 0) || !grep_add_entry(g, path, 1, 0) ? 0 : -ENOMEM;
}

static int grep_walk_enter(void *ctx, const char *path, const char *name)
{
	const struct grep *g = ctx;

	(void)path;
	return !grep_glob_any(g->o.exclude_dirs, name, 0);
}

/* A directory that cannot be read is an entry, reported in its place. */
static int grep_walk_error(void *ctx, const char *path, int err)
{
	return grep_add_entry(ctx, path, 1, err) ? -ENOMEM : 0;
}

/* -r: the regular files under dir (walk.c says which and in what order). */
static int grep_walk(struct grep *g, const char *dir)
{
	static const struct walk_ops ops = {
		grep_walk_file, grep_walk_enter, grep_walk_error
	};

	return walk_tree(dir, &ops, g);
}

int grep_is_dir(const char *path)
{
	struct stat st;

	return strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * implicit_dot: -r without FILE searches "." and names what it finds
 * without a "./" before, as GNU grep does.
 */
int grep_list(struct grep *g, const char *const *files, int n, int implicit_dot)
{
	if (implicit_dot)
		return grep_walk(g, "") ? mm_error("grep", NULL, "out of memory") : 0;
	for (int i = 0; i < n; i++) {
		int dir = g->o.recursive && grep_is_dir(files[i]), rc = 0;

		if (dir)
			rc = grep_walk(g, files[i]);
		else if (!strcmp(files[i], "-") || !grep_glob_skip(g, files[i], 1))
			rc = grep_add_entry(g, files[i], 0, 0);

		if (rc)
			return mm_error("grep", NULL, "out of memory");
	}
	return 0;
}

