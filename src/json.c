#include <stdio.h>
#include <string.h>

#include "json.h"

static const char json_hexdig[] = "0123456789abcdef";

size_t json_utf8_len(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		/* No overlong forms, no surrogates, nothing past U+10FFFF. */
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80, hi = 0xbf;
	}
	return need + 1;
}

static int json_is_utf8(const unsigned char *s, size_t n)
{
	size_t len, bad;

	for (size_t i = 0; i < n; i += len)
		if (!(len = json_utf8_len(s + i, n - i, &bad)))
			return 0;
	return 1;
}

/* The escape for an ASCII byte, or NULL where it stands as it is. */
static const char *json_escape(unsigned char c, char buf[7])
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	}
	if (c >= 0x20 && c != 0x7f)
		return NULL;
	memcpy(buf, "\\u00", 4);
	buf[4] = json_hexdig[c >> 4];
	buf[5] = json_hexdig[c & 15];
	buf[6] = '\0';
	return buf;
}

void json_write_string(struct out *o, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t len, bad, i = 0;
	char buf[7];
	const char *esc;

	out_char(o, '"');
	while (i < n) {
		if (!(len = json_utf8_len(s + i, n - i, &bad))) {
			out_str(o, "\\ufffd");
			i += bad;
		} else if (len > 1) {
			out_write(o, s + i, len);
			i += len;
		} else if ((esc = json_escape(s[i], buf))) {
			out_str(o, esc);
			i++;
		} else {
			out_char(o, (char)s[i++]);
		}
	}
	out_char(o, '"');
}

static void json_base64(struct out *o, const unsigned char *s, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	out_char(o, '"');
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = abc[v >> 18 & 63];
		q[1] = abc[v >> 12 & 63];
		q[2] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? abc[v & 63] : '=';
		out_write(o, q, 4);
	}
	out_char(o, '"');
}

struct out *json_key(struct json *j, const char *key)
{
	if (j->members++)
		out_char(j->o, ',');
	json_write_string(j->o, key, strlen(key));
	out_char(j->o, ':');
	return j->o;
}

void json_begin(struct json *j, struct out *o, const char *kind)
{
	j->o = o;
	j->members = 0;
	out_char(o, '{');
	json_str(j, "kind", kind);
}

void json_end(struct json *j)
{
	out_str(j->o, "}\n");
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	out_printf(json_key(j, key), "%llu", (unsigned long long)v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	out_printf(json_key(j, key), "%lld", (long long)v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	if (!s)
		out_str(json_key(j, key), "null");
	else
		json_bytes(j, key, s, strlen(s));
}

void json_bytes(struct json *j, const char *key, const void *p, size_t n)
{
	json_write_string(json_key(j, key), p, n);
}

void json_hex(struct json *j, const char *key, const void *p, size_t n)
{
	struct out *o = json_key(j, key);
	const unsigned char *s = p;

	out_char(o, '"');
	for (size_t i = 0; i < n; i++) {
		out_char(o, json_hexdig[s[i] >> 4]);
		out_char(o, json_hexdig[s[i] & 15]);
	}
	out_char(o, '"');
}

void json_file(struct json *j, const char *name)
{
	size_t n = strlen(name);

	json_bytes(j, "file", name, n);
	if (!json_is_utf8((const unsigned char *)name, n))
		json_base64(json_key(j, "file_b64"), (const unsigned char *)name, n);
}
