/*
 * patch_read: a patch from a file descriptor into struct patch.
 *
 * The text is read in 256 KiB pieces into one buffer that stays in the CPU's
 * cache, and each piece of whole lines is parsed as it arrives: reading a
 * 6.8 MB patch whole into fresh memory cost more than parsing it
 * (bench/RESULTS.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map.h"
#include "patch.h"

#define PATCH_PIECE ((size_t)256 << 10)
#define PATCH_BUFFER ((size_t)2 << 20)		/* one huge page */

static ssize_t patch_read_some(int fd, unsigned char *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* Room for more of a line longer than the buffer: 0, or -1. */
static int patch_grow(unsigned char **buf, size_t *cap, size_t have)
{
	unsigned char *grown = *cap <= SIZE_MAX / 2 ? map_alloc_huge(*cap * 2) : NULL;

	if (!grown)
		return -1;
	memcpy(grown, *buf, have);
	free(*buf);
	*buf = grown;
	*cap *= 2;
	return 0;
}

/* Read fd to its end, feeding p whole lines; 0, -errno or PATCH_EBAD. */
static int patch_read_all(int fd, struct patch *p, unsigned char **bufp,
			  size_t *capp, size_t *bad_line, char *err)
{
	size_t have = 0;
	int rc;

	for (;;) {
		size_t want = *capp - have < PATCH_PIECE ? *capp - have : PATCH_PIECE;
		ssize_t r = patch_read_some(fd, *bufp + have, want);
		const unsigned char *nl;
		size_t whole;

		if (r < 0)
			return (int)r;
		/* At the end, the last line may lack its newline. */
		if (r == 0)
			return have ? patch_feed(p, (const char *)*bufp, have, bad_line, err) : 0;
		have += (size_t)r;
		nl = memrchr(*bufp + have - (size_t)r, '\n', (size_t)r);
		if (!nl) {
			if (have == *capp && patch_grow(bufp, capp, have))
				return -ENOMEM;
			continue;
		}
		whole = (size_t)(nl - *bufp) + 1;
		if ((rc = patch_feed(p, (const char *)*bufp, whole, bad_line, err)))
			return rc;
		memmove(*bufp, *bufp + whole, have - whole);
		have -= whole;
	}
}

int patch_read(int fd, struct patch *p, size_t *bad_line, char *err)
{
	size_t cap = PATCH_BUFFER;
	unsigned char *buf = map_alloc_huge(cap);
	uint64_t text_size = 0;
	struct stat st;
	off_t here;
	int rc;

	if (!buf)
		return -ENOMEM;
	/* A file is read from where the descriptor stands (standard input). */
	here = lseek(fd, 0, SEEK_CUR);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && here >= 0 && here < st.st_size)
		text_size = (uint64_t)(st.st_size - here);
	if (text_size > SIZE_MAX || patch_init(p, (size_t)text_size) < 0) {
		free(buf);
		return -ENOMEM;
	}
	rc = patch_read_all(fd, p, &buf, &cap, bad_line, err);
	free(buf);
	if (!rc)
		rc = patch_finish(p, bad_line, err);
	if (rc)
		patch_free(p);
	return rc;
}
