/*
 * grep_walk: the files mmtool grep searches.  Each FILE operand, and under
 * -r the regular files below each directory, collected in name order by a
 * walk that follows no symbolic link; --include, --exclude and
 * --exclude-dir choose among them with fnmatch(3) globs, as GNU grep does:
 * a file found by the walk by its base name, a FILE operand by any suffix
 * of its name that starts after a '/'.  A file is left out when a
 * --exclude matches it, or when --include globs are given and none does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grep.h"
#include "msg.h"

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

struct grep_dirent {
	char *name;
	unsigned char type;
};

static int grep_dirent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct grep_dirent *)a)->name,
		      ((const struct grep_dirent *)b)->name);
}

static char *grep_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (dl && dir[dl - 1] != '/')
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

/* The names in directory fd, sorted; closes fd.  -1 with errno on failure. */
static int grep_readdir(int fd, struct grep_dirent **out, size_t *nout)
{
	struct grep_dirent *ents = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = fdopendir(fd);

	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(ents, cap * sizeof *ents)))
				break;
			ents = grown;
		}
		if (!(ents[n].name = strdup(de->d_name)))
			break;
		ents[n++].type = de->d_type;
	}
	closedir(d);
	if (ents)
		qsort(ents, n, sizeof *ents, grep_dirent_cmp);
	*out = ents;
	*nout = n;
	return 0;
}

/*
 * -r: the regular files under dir, in name order so that output is the
 * same every run.  Symbolic links, devices, FIFOs and sockets met on the
 * way are skipped, as GNU grep -r does, so no loop can be entered; a
 * directory is opened O_NOFOLLOW so one swapped for a link meanwhile is not
 * followed either.  The names are read and the directory closed before
 * descending: depth costs no descriptors.
 */
static int grep_walk(struct grep *g, const char *dir, int top)
{
	struct grep_dirent *ents = NULL;
	size_t n = 0;
	int fd, rc = 0;

	fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
	if (fd < 0 || grep_readdir(fd, &ents, &n))
		return grep_add_entry(g, *dir ? dir : ".", 1, errno);
	for (size_t i = 0; i < n; i++) {
		char *path = rc ? NULL : grep_join(dir, ents[i].name);
		struct stat st;

		if (!path)
			rc = -1;
		else if (ents[i].type == DT_UNKNOWN && lstat(path, &st) == 0)
			ents[i].type = S_ISDIR(st.st_mode) ? DT_DIR :
				       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		if (path && ents[i].type == DT_DIR &&
		    !grep_glob_any(g->o.exclude_dirs, ents[i].name, 0))
			rc = grep_walk(g, path, 0);
		else if (path && ents[i].type == DT_REG &&
			 !grep_glob_skip(g, ents[i].name, 0))
			rc = grep_add_entry(g, path, 1, 0);
		free(path);
		free(ents[i].name);
	}
	free(ents);
	return rc;
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
		return grep_walk(g, "", 1) ? mm_error("grep", NULL, "out of memory") : 0;
	for (int i = 0; i < n; i++) {
		int dir = g->o.recursive && grep_is_dir(files[i]), rc = 0;

		if (dir)
			rc = grep_walk(g, files[i], 1);
		else if (!strcmp(files[i], "-") || !grep_glob_skip(g, files[i], 1))
			rc = grep_add_entry(g, files[i], 0, 0);

		if (rc)
			return mm_error("grep", NULL, "out of memory");
	}
	return 0;
}

