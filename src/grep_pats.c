/*
 * grep_pats: the patterns of mmtool grep.  They come from -e (or the first
 * operand) and from each line of each -f FILE; none may be empty.  -w is a
 * lookaround around each regex (PCRE2 decides it, trying every match as
 * GNU grep -P -w does); literal and hex matches are checked in grep_hit
 * with grep_word_ok instead, so they keep the SIMD search.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grep.h"
#include "msg.h"

/* Bytes a -f FILE may hold. */
#define GREP_PATFILE_MAX ((uint64_t)64 << 20)

static const char grep_word_pre[] = "(?<![A-Za-z0-9_])(?:";
static const char grep_word_post[] = ")(?![A-Za-z0-9_])";

struct grep_patlist {
	char **v;
	size_t n, cap;
};

/* Append a copy of p[0..n) (made a word regex for -w -E); -1 if no memory. */
static int grep_pat_add(const struct grep *g, struct grep_patlist *l,
			const char *p, size_t n)
{
	int wrap = g->o.word && g->o.regex;
	size_t extra = wrap ? sizeof grep_word_pre + sizeof grep_word_post : 1;
	char *s;

	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(s = malloc(n + extra)))
		return -1;
	if (wrap)
		snprintf(s, n + extra, "%s%.*s%s", grep_word_pre, (int)n, p, grep_word_post);
	else {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

/* Each line of a -f FILE ("-": standard input). */
static int grep_pat_file(const struct grep *g, struct grep_patlist *l,
			 const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	unsigned char *buf = NULL;
	size_t n = 0, line = 0;
	int rc;

	if (fd < 0)
		return mm_error("grep", path, "%s", strerror(errno));
	rc = map_slurp(fd, GREP_PATFILE_MAX, &buf, &n);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc)
		return mm_error("grep", path, "%s", rc == -EFBIG ? "pattern file too large"
			       : strerror(-rc));
	for (size_t at = 0; at < n && !rc; line++) {
		const unsigned char *nl = memchr(buf + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - buf) - at : n - at;

		if (!len)
			rc = mm_error("grep", path, "line %zu is an empty pattern, "
				      "which is not allowed", line + 1);
		else if (memchr(buf + at, '\0', len))
			rc = mm_error("grep", path, "line %zu holds a NUL byte", line + 1);
		else if (grep_pat_add(g, l, (const char *)buf + at, len))
			rc = mm_error("grep", NULL, "out of memory");
		at += len + 1;
	}
	free(buf);
	return rc;
}

int grep_pats(const struct grep *g, const char *const *given, size_t ngiven,
	      char ***out, size_t *n)
{
	struct grep_patlist l = { 0 };
	int rc = 0;

	for (size_t i = 0; i < ngiven && !rc; i++) {
		if (!given[i][0])
			rc = mm_error("grep", NULL, "empty PATTERN: give at least one byte");
		else if (grep_pat_add(g, &l, given[i], strlen(given[i])))
			rc = mm_error("grep", NULL, "out of memory");
	}
	for (size_t i = 0; !rc && g->o.pat_files && g->o.pat_files[i]; i++)
		rc = grep_pat_file(g, &l, g->o.pat_files[i]);
	if (!rc && !l.n)
		rc = mm_error("grep", NULL, "no PATTERN: the -f files hold none");
	if (rc) {
		grep_pats_free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

void grep_pats_free(char **pats)
{
	if (!pats)
		return;
	for (size_t i = 0; pats[i]; i++)
		free(pats[i]);
	free(pats);
}

static int grep_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/*
 * The bytes either side of the match, where the searched part [lo, hi)
 * has them (search.c keeps the margin, at least 1 with -w, around it).
 */
int grep_word_ok(const struct search_hit *h, uint64_t lo, uint64_t hi)
{
	uint64_t end = h->off + h->len;

	if (h->off > lo && h->off > h->buf_off &&
	    grep_word_byte(h->buf[h->off - 1 - h->buf_off]))
		return 0;
	if (end < hi && end < h->buf_off + h->buf_len &&
	    grep_word_byte(h->buf[end - h->buf_off]))
		return 0;
	return 1;
}
