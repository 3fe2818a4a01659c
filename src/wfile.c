#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "wfile.h"

int wfile_alias_of(int fd, struct wfile_alias *a)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return 0;
}

int wfile_check_second(const char *path, const struct wfile_alias *avoid,
		       size_t n)
{
	struct stat st;

	/* Followed first, so that a link to the target is named as such. */
	if (stat(path, &st) == 0)
		for (size_t i = 0; i < n; i++)
			if (st.st_dev == avoid[i].dev && st.st_ino == avoid[i].ino)
				return -EEXIST;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return 0;
}

/* "DIR/.NAME.XXXXXXXX" beside path: same directory, so rename(2) is atomic. */
static char *wfile_temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	size_t len = strlen(path) + 32;
	char *name = malloc(len);
	unsigned int r = 0;

	if (!name)
		return NULL;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r ^= (unsigned int)getpid() * 2654435761u ^ (unsigned int)(uintptr_t)name;
	snprintf(name, len, "%.*s.%s.%08x", (int)dirlen, path, path + dirlen, r);
	return name;
}

static int wfile_open_beside(struct map_file *f, const char *path, mode_t mode,
			     char **tmp)
{
	for (int tries = 0; tries < 100; tries++) {
		char *name = wfile_temp_name(path);
		int fd;

		if (!name)
			return -ENOMEM;
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0) {
			memset(f, 0, sizeof *f);
			f->fd = fd;
			f->mode = S_IFREG | mode;
			f->writable = 1;
			*tmp = name;
			return 0;
		}
		free(name);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int wfile_open(struct map_file *f, const char *path, enum wfile_how how,
	       mode_t mode, char **tmp)
{
	switch (how) {
	case WFILE_READ:
		return map_open(f, path, -1, 0);
	case WFILE_WRITE:
		return map_open(f, path, -1, MAP_OPEN_WRITE);
	case WFILE_CREATE:
		/* O_EXCL: a dangling symbolic link makes this fail with EEXIST. */
		return map_open(f, path, -1, MAP_OPEN_WRITE | MAP_OPEN_CREATE |
				MAP_OPEN_EXCL | MAP_OPEN_NOFOLLOW);
	case WFILE_BESIDE:
		return wfile_open_beside(f, path, mode, tmp);
	case WFILE_SCRATCH:
		memset(f, 0, sizeof *f);
		f->fd = open(path, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
		return f->fd < 0 ? -errno : 0;
	}
	return -EINVAL;
}

static int wfile_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	int fd, rc = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a directory: the rename stands. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = -errno;
	close(fd);
	return rc;
}

int wfile_commit(struct map_file *f, char *tmp, const char *path)
{
	int rc = 0;

	if (fsync(f->fd) < 0)
		rc = -errno;
	if (close(f->fd) < 0 && !rc)
		rc = -errno;
	f->fd = -1;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc ? rc : wfile_sync_dir(path);
}

void wfile_discard(struct map_file *f, char *tmp)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (tmp)
		unlink(tmp);
	free(tmp);
}
