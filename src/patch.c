#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

#define PATCH_ERR 128

/* Hex digit values, -1 for anything else: one load per character. */
static signed char patch_hex[256];

static void patch_init_table(void)
{
	static int done;

	if (done)
		return;
	memset(patch_hex, -1, sizeof patch_hex);
	for (int i = 0; i < 10; i++)
		patch_hex['0' + i] = (signed char)i;
	for (int i = 0; i < 6; i++) {
		patch_hex['a' + i] = (signed char)(10 + i);
		patch_hex['A' + i] = (signed char)(10 + i);
	}
	done = 1;
}

static inline int patch_hexval(char c)
{
	return patch_hex[(unsigned char)c];
}

static int patch_add_line(struct patch *p, uint64_t off, size_t at, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct edit *grown = realloc(p->lines, cap * sizeof *grown);

		if (!grown)
			return -1;
		p->lines = grown;
		p->cap = cap;
	}
	/* data may still move: remember the index, make it a pointer at the end. */
	p->lines[p->n++] = (struct edit){ off, (const unsigned char *)(uintptr_t)at, len, 1 };
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
	/* A line holds at most half its length in bytes: make room once. */
	if (bytes_add(&p->data, NULL, (size_t)(end - s) / 2 + 1)) {
		snprintf(err, PATCH_ERR, "out of memory");
		return -1;
	}
	p->data.len = at;
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
			unsigned char bad = (unsigned char)*s;

			if (hi >= 0)
				snprintf(err, PATCH_ERR, "odd number of hex digits");
			else if (bad > 32 && bad < 127)
				snprintf(err, PATCH_ERR, "'%c' is not a hex digit", bad);
			else
				snprintf(err, PATCH_ERR, "byte 0x%02x is not a hex digit", bad);
			return -1;
		}
		c = (unsigned char)(hi << 4 | lo);
		p->data.p[p->data.len++] = c;
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
	/*
	 * A line that goes on where the one before it ended (a dump, line by
	 * line) extends that edit: a 100,000-line patch becomes one edit.
	 */
	if (p->n) {
		struct edit *last = &p->lines[p->n - 1];

		if ((uintptr_t)last->data + last->len == at &&
		    last->off + last->len == off) {
			last->len += p->data.len - at;
			return 0;
		}
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

	patch_init_table();
	memset(p, 0, sizeof *p);
	/* The bytes are at most half the text: one allocation, no regrowth. */
	if (bytes_add(&p->data, NULL, len / 2 + 1)) {
		snprintf(err, PATCH_ERR, "out of memory");
		*bad_line = 0;
		return -1;
	}
	p->data.len = 0;
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));

		if (!eol)
			eol = end;
		line++;
		if (patch_line(p, s, eol, err)) {
			*bad_line = line;
			return -1;
		}
		s = eol < end ? eol + 1 : end;
	}
	for (size_t i = 0; i < p->n; i++)
		p->lines[i].data = p->data.p + (uintptr_t)p->lines[i].data;
	return 0;
}

void patch_free(struct patch *p)
{
	free(p->lines);
	bytes_free(&p->data);
	memset(p, 0, sizeof *p);
}
