/*
 * patch_read: a patch from a file descriptor into struct patch.
 *
 * The text is read in 256 KiB pieces into one buffer that stays in the CPU's
 * cache, and each piece is parsed as it arrives: reading a 6.8 MB patch
 * whole into fresh memory cost more than parsing it (bench/RESULTS.md).  A
 * regular file of 1 MiB or more is cut at a line boundary near its middle
 * and the two halves are read and parsed at once by two threads, then
 * joined; the first bad line in file order is the one reported.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map.h"
#include "patch.h"

#define PATCH_PIECE ((size_t)256 << 10)
#define PATCH_BUFFER ((size_t)2 << 20)		/* one huge page */
#define PATCH_SPLIT ((uint64_t)1 << 20)	/* smaller files: one thread */

/* Bytes [from, to) of fd, parsed into p; a stream is read(2) to its end. */
struct patch_part {
	int fd, stream;
	uint64_t from, to;
	unsigned char *buf;	/* PATCH_BUFFER bytes, or more for long lines */
	size_t cap;
	struct patch p;
	size_t bad;
	char err[128];
	int rc;			/* 0, a negative errno, or PATCH_BAD */
};

static ssize_t patch_read_at(const struct patch_part *w, unsigned char *buf,
			     size_t n, uint64_t pos)
{
	ssize_t r;

	if (!w->stream && n > w->to - pos)
		n = (size_t)(w->to - pos);
	if (n == 0)
		return 0;
	do
		r = w->stream ? read(w->fd, buf, n) : pread(w->fd, buf, n, (off_t)pos);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/*
 * Set up a part; its memory is allocated here, by the main thread, since a
 * thread's first malloc creates a whole arena for it (milliseconds here).
 */
static int patch_part_init(struct patch_part *w, int fd, int stream,
			   uint64_t from, uint64_t to, uint64_t text_size)
{
	*w = (struct patch_part){ .fd = fd, .stream = stream, .from = from, .to = to };
	w->cap = PATCH_BUFFER;
	w->buf = map_alloc_huge(w->cap);
	if (!w->buf)
		return -ENOMEM;
	if (patch_init(&w->p, (size_t)text_size)) {
		free(w->buf);
		return -ENOMEM;
	}
	return 0;
}

static void patch_part_free(struct patch_part *w)
{
	free(w->buf);
	patch_free(&w->p);
}

static void *patch_read_part(void *arg)
{
	struct patch_part *w = arg;
	unsigned char *buf = w->buf;
	size_t cap = w->cap, have = 0;
	uint64_t pos = w->from;

	w->rc = -ENOMEM;
	for (;;) {
		size_t want = cap - have < PATCH_PIECE ? cap - have : PATCH_PIECE;
		ssize_t r = patch_read_at(w, buf + have, want, pos);
		const unsigned char *nl;
		size_t whole;

		if (r <= 0) {
			/* At the end, the last line may lack its newline. */
			w->rc = r < 0 ? (int)r
				: have && patch_feed(&w->p, (const char *)buf, have,
						     &w->bad, w->err) ? PATCH_BAD : 0;
			break;
		}
		pos += (uint64_t)r;
		have += (size_t)r;
		nl = memrchr(buf + have - (size_t)r, '\n', (size_t)r);
		if (!nl) {
			/* A line longer than the buffer: make room for more of it. */
			if (have == cap) {
				unsigned char *grown = cap <= SIZE_MAX / 2 ? map_alloc_huge(cap * 2) : NULL;

				if (!grown)
					break;
				memcpy(grown, buf, have);
				free(buf);
				w->buf = buf = grown;
				w->cap = cap *= 2;
			}
			continue;
		}
		whole = (size_t)(nl - buf) + 1;
		if (patch_feed(&w->p, (const char *)buf, whole, &w->bad, w->err)) {
			w->rc = PATCH_BAD;
			break;
		}
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
	return NULL;
}

/* Where the second half starts: just past the first newline at or after mid
 * (size if there is none). */
static int patch_midline(int fd, uint64_t mid, uint64_t size, uint64_t *at)
{
	unsigned char buf[4096];
	uint64_t pos = mid;

	*at = size;
	while (pos < size) {
		ssize_t r = pread(fd, buf, sizeof buf, (off_t)pos);
		const unsigned char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		nl = memchr(buf, '\n', (size_t)r);
		if (nl) {
			*at = pos + (uint64_t)(nl - buf) + 1;
			break;
		}
		pos += (uint64_t)r;
	}
	return 0;
}

/* A part's failure as patch_read returns it; lines_before: the lines of the
 * parts before it. */
static int patch_part_failed(struct patch_part *w, size_t lines_before,
			     size_t *bad_line, char *err)
{
	if (w->rc == PATCH_BAD) {
		*bad_line = lines_before + w->bad;
		memcpy(err, w->err, sizeof w->err);
	}
	return w->rc;
}

int patch_read(int fd, struct patch *p, size_t *bad_line, char *err)
{
	struct patch_part a, b;
	uint64_t size = UINT64_MAX, from = 0, mid = 0;
	pthread_t thread;
	int stream, split, threaded = 0, rc;
	struct stat st;
	off_t here;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* A file is read from where the descriptor stands (standard input). */
	here = lseek(fd, 0, SEEK_CUR);
	stream = !S_ISREG(st.st_mode) || st.st_size == 0 || here < 0 || here > st.st_size;
	if (!stream) {
		from = (uint64_t)here;
		size = (uint64_t)st.st_size;
	}
	split = !stream && size - from >= PATCH_SPLIT;
	if (split && (rc = patch_midline(fd, from + (size - from) / 2, size, &mid)))
		return rc;
	split = split && mid < size;
	/* The first part has room for the bytes of both: joining copies once. */
	if ((rc = patch_part_init(&a, fd, stream, from, split ? mid : size,
				  stream ? 0 : size - from)))
		return rc;
	if (split) {
		if ((rc = patch_part_init(&b, fd, 0, mid, size, size - mid))) {
			patch_part_free(&a);
			return rc;
		}
		threaded = pthread_create(&thread, NULL, patch_read_part, &b) == 0;
	}
	patch_read_part(&a);
	if (threaded)
		pthread_join(thread, NULL);
	else if (split && a.rc == 0)
		patch_read_part(&b);
	rc = patch_part_failed(&a, 0, bad_line, err);
	if (!rc && split) {
		rc = patch_part_failed(&b, a.p.nlines, bad_line, err);
		if (!rc && patch_append(&a.p, &b.p))
			rc = -ENOMEM;
	}
	if (split)
		patch_part_free(&b);
	free(a.buf);
	if (rc) {
		patch_free(&a.p);
		return rc;
	}
	patch_done(&a.p);
	*p = a.p;
	return 0;
}
