#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

struct walk_ent {
	char *name;
	unsigned char type;	/* readdir's d_type */
};

static int walk_ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct walk_ent *)a)->name,
		      ((const struct walk_ent *)b)->name);
}

static void walk_free(struct walk_ent *ents, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
}

/* The entries of directory fd but "." and "..", sorted; closes fd.  0 or -errno. */
static int walk_read(int fd, struct walk_ent **out, size_t *nout)
{
	struct walk_ent *ents = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int rc = 0;

	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(ents, cap * sizeof *ents))) {
				rc = -ENOMEM;
				break;
			}
			ents = grown;
		}
		if (!(ents[n].name = strdup(de->d_name)))
			rc = -ENOMEM;
		else
			ents[n++].type = de->d_type;
	}
	closedir(d);
	if (rc) {
		walk_free(ents, n);
		return rc;
	}
	if (ents)
		qsort(ents, n, sizeof *ents, walk_ent_cmp);
	*out = ents;
	*nout = n;
	return 0;
}

static char *walk_join(const char *dir, const char *name)
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

static int walk_dir(const char *dir, int top, const struct walk_ops *ops, void *ctx);

/* One entry of a directory: a file to report or a directory to descend. */
static int walk_entry(const char *dir, const struct walk_ent *e,
		      const struct walk_ops *ops, void *ctx)
{
	char *path = walk_join(dir, e->name);
	unsigned char type = e->type;
	struct stat st;
	int rc = 0;

	if (!path)
		return -ENOMEM;
	/* Some file systems leave d_type unknown: ask lstat, which follows no link. */
	if (type == DT_UNKNOWN) {
		if (lstat(path, &st) < 0)
			rc = ops->error(ctx, path, errno);
		else
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
							  : DT_UNKNOWN;
	}
	if (!rc && type == DT_DIR && (!ops->enter || ops->enter(ctx, path, e->name)))
		rc = walk_dir(path, 0, ops, ctx);
	else if (!rc && type == DT_REG)
		rc = ops->file(ctx, path, e->name);
	free(path);
	return rc;
}

/*
 * A directory below the top is opened O_NOFOLLOW, so one swapped for a
 * link since readdir saw it is not followed either.  Its names are read
 * and it is closed before descending: depth costs no descriptors.
 */
static int walk_dir(const char *dir, int top, const struct walk_ops *ops, void *ctx)
{
	const char *name = *dir ? dir : ".";
	struct walk_ent *ents = NULL;
	size_t n = 0, i;
	int fd, rc;

	fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return ops->error(ctx, name, errno);
	if ((rc = walk_read(fd, &ents, &n)))
		return rc == -ENOMEM ? rc : ops->error(ctx, name, -rc);
	for (i = 0, rc = 0; i < n && !rc; i++)
		rc = walk_entry(dir, &ents[i], ops, ctx);
	walk_free(ents, n);
	return rc;
}

int walk_tree(const char *top, const struct walk_ops *ops, void *ctx)
{
	return walk_dir(top, 1, ops, ctx);
}
