#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

#define PATCH_ERR 128

static int patch_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int patch_add_line(struct patch *p, uint64_t off, size_t at, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct patch_line *grown = realloc(p->lines, cap * sizeof *grown);

		if (!grown)
			return -1;
		p->lines = grown;
		p->cap = cap;
	}
	p->lines[p->n++] = (struct patch_line){ off, at, len };
	return 0;
}

/* One line, without its newline; 0 or -1 with err set. */
static int patch_line(struct patch *p, const char *s, const char *end, char *err)
{
	uint64_t off = 0;
	size_t at = p->data.len, digits = 0;
	int d;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return 0;		/* a blank line */
	if (*s == '*') {
		snprintf(err, PATCH_ERR,
			 "a squeezed '*' line cannot be applied: make the patch without -a");
		return -1;
	}
	for (; s < end && (d = patch_hexval(*s)) >= 0; s++, digits++) {
		if (off >> 60) {
			snprintf(err, PATCH_ERR, "offset does not fit in 64 bits");
			return -1;
		}
		off = off << 4 | (uint64_t)d;
	}
	if (!digits || s == end || *s != ':') {
		snprintf(err, PATCH_ERR, "expected 'HEXOFFSET: HEXBYTES'");
		return -1;
	}
	s++;
	if (s < end && *s == ' ')
		s++;
	for (;;) {
		int hi, lo;
		unsigned char c;

		/* One space separates groups; two start the text column. */
		if (s == end || *s == '\r' || (s[0] == ' ' && (s + 1 == end || s[1] == ' ' || s[1] == '\r')))
			break;
		if (*s == ' ')
			s++;
		hi = patch_hexval(*s);
		lo = s + 1 < end ? patch_hexval(s[1]) : -1;
		if (hi < 0 || lo < 0) {
			snprintf(err, PATCH_ERR, hi >= 0 ? "odd number of hex digits"
				 : "'%c' is not a hex digit", *s);
			return -1;
		}
		c = (unsigned char)(hi << 4 | lo);
		if (bytes_add(&p->data, &c, 1)) {
			snprintf(err, PATCH_ERR, "out of memory");
			return -1;
		}
		s += 2;
	}
	if (p->data.len == at) {
		snprintf(err, PATCH_ERR, "no bytes after the offset");
		return -1;
	}
	if (p->data.len - at > UINT64_MAX - off) {
		snprintf(err, PATCH_ERR, "bytes run past the largest offset");
		return -1;
	}
	if (patch_add_line(p, off, at, p->data.len - at)) {
		snprintf(err, PATCH_ERR, "out of memory");
		return -1;
	}
	return 0;
}

int patch_parse(const char *text, size_t len, struct patch *p,
		size_t *bad_line, char *err)
{
	const char *s = text, *end = text + len;
	size_t line = 0;

	memset(p, 0, sizeof *p);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;

		line++;
		if (memchr(s, '\0', (size_t)(eol - s))) {
			snprintf(err, PATCH_ERR, "a NUL byte: this is not a text patch");
			*bad_line = line;
			return -1;
		}
		if (patch_line(p, s, eol, err)) {
			*bad_line = line;
			return -1;
		}
		s = nl ? nl + 1 : end;
	}
	return 0;
}

void patch_free(struct patch *p)
{
	free(p->lines);
	bytes_free(&p->data);
	memset(p, 0, sizeof *p);
}
