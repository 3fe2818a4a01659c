#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "num.h"

#define DATA_ERR 128

int bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 64;
		unsigned char *grown;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		grown = realloc(b->p, cap);
		if (!grown)
			return -1;
		b->p = grown;
		b->cap = cap;
	}
	if (n && p)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void bytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static int data_nomem(char *err)
{
	snprintf(err, DATA_ERR, "out of memory");
	return -1;
}

int data_escapes(const char *s, struct bytes *out, char *err)
{
	static const char simple[] = "n\nt\tr\r\\\\a\ab\bf\fv\v\"\"''";

	while (*s) {
		const char *start = s;
		unsigned char c;

		if (*s != '\\') {
			const char *next = strchr(s, '\\');
			size_t n = next ? (size_t)(next - s) : strlen(s);

			if (bytes_add(out, s, n))
				return data_nomem(err);
			s += n;
			continue;
		}
		s++;
		if (*s == 'x') {
			int v = 0, k = 0, d;

			for (s++; k < 2 && (d = num_hexval(*s)) >= 0; k++, s++)
				v = v * 16 + d;
			if (!k) {
				snprintf(err, DATA_ERR, "escape '\\x' needs hex digits");
				return -1;
			}
			c = (unsigned char)v;
		} else if (*s >= '0' && *s <= '7') {
			int v = 0, k = 0;

			for (; k < 3 && *s >= '0' && *s <= '7'; k++, s++)
				v = v * 8 + (*s - '0');
			if (v > 255) {
				snprintf(err, DATA_ERR, "escape '%.4s' is more than 255", start);
				return -1;
			}
			c = (unsigned char)v;
		} else {
			const char *hit = NULL;

			for (size_t i = 0; *s && i + 1 < sizeof simple; i += 2)
				if (simple[i] == *s) {
					hit = &simple[i + 1];
					break;
				}
			if (!hit) {
				if (*s)
					snprintf(err, DATA_ERR, "unknown escape '\\%c'", *s);
				else
					snprintf(err, DATA_ERR, "a lone '\\' at the end");
				return -1;
			}
			c = (unsigned char)*hit;
			s++;
		}
		if (bytes_add(out, &c, 1))
			return data_nomem(err);
	}
	return 0;
}

int data_hex(const char *s, struct bytes *out, char *err)
{
	const char *p = s;

	for (;;) {
		int hi, lo;
		unsigned char c;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       *p == ':' || *p == '-')
			p++;
		if (!*p)
			return 0;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			p += 2;
			if (num_hexval(p[0]) < 0 && (!p[0] || strchr(" \t\n\r:-", p[0]))) {
				snprintf(err, DATA_ERR,
					 "'0x' with no hex digits after it in '%.40s'", s);
				return -1;
			}
		}
		hi = num_hexval(p[0]);
		lo = hi < 0 ? -1 : num_hexval(p[1]);
		if (hi < 0 || lo < 0) {
			if (hi >= 0 && (!p[1] || strchr(" \t\n\r:-", p[1])))
				snprintf(err, DATA_ERR,
					 "odd number of hex digits in '%.40s'", s);
			else
				snprintf(err, DATA_ERR,
					 "'%c' is not a hex digit in '%.40s'",
					 hi < 0 ? (p[0] ? p[0] : '?') : p[1], s);
			return -1;
		}
		c = (unsigned char)(hi << 4 | lo);
		if (bytes_add(out, &c, 1))
			return data_nomem(err);
		p += 2;
	}
}

int data_typed(const struct value_type *t, const char *s, struct bytes *out,
	       char *err)
{
	char word[128];
	unsigned char b[8];

	const char *list = s;
	int comma = 1;	/* the start of the list counts as a comma */

	for (;;) {
		size_t n;

		/* Blanks separate, and so does one comma: "1,,3" lacks an item. */
		for (; *s == ' ' || *s == '\t' || *s == '\n' || *s == ','; s++) {
			if (*s == ',' && comma) {
				snprintf(err, DATA_ERR, "an empty item before a ',' in '%.40s'", list);
				return -1;
			}
			comma |= *s == ',';
		}
		if (!*s) {
			if (comma && s > list && strchr(list, ',')) {
				snprintf(err, DATA_ERR, "an empty item after the last ',' in '%.40s'", list);
				return -1;
			}
			return 0;
		}
		comma = 0;
		n = strcspn(s, " \t\n,");
		if (n >= sizeof word) {
			snprintf(err, DATA_ERR, "'%.40s...' is too long for a number", s);
			return -1;
		}
		memcpy(word, s, n);
		word[n] = '\0';
		switch (value_encode(t, word, b)) {
		case VALUE_OK:
			break;
		case VALUE_RANGE:
			snprintf(err, DATA_ERR, "'%.64s' is out of range for the type", word);
			return -1;
		case VALUE_UNDERFLOW:
			snprintf(err, DATA_ERR, "'%.64s' is too small for the type: it would be 0",
				 word);
			return -1;
		default:
			snprintf(err, DATA_ERR, "'%.64s' is not a number", word);
			return -1;
		}
		if (bytes_add(out, b, t->width))
			return data_nomem(err);
		s += n;
	}
}
