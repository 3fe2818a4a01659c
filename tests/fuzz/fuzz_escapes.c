/*
 * data_escapes (poke -e): the input up to its first NUL is decoded.
 * Checks: the result agrees with a reference decoder written from data.h's
 * list of escapes (same success, same bytes); the output is never longer
 * than the input; bytes already in the buffer are kept (it appends); an
 * error leaves a message; and the decoded bytes, escaped again by a simple
 * encoder, decode to themselves.
 */
#include <ctype.h>

#include "data.h"
#include "fuzz.h"

/* \n \t \r \0 \\ \a \b \f \v \" \' \xH[H] \N[N[N]] (octal, at most 255). */
static int ref_escapes(const char *s, unsigned char *out, size_t *n)
{
	static const char simple[] = "n\nt\tr\r\\\\a\ab\bf\fv\v\"\"''";
	size_t k = 0;

	while (*s) {
		unsigned v = 0;
		int d = 0;

		if (*s != '\\') {
			out[k++] = (unsigned char)*s++;
			continue;
		}
		s++;
		if (*s == 'x') {
			s++;
			for (; d < 2 && isxdigit((unsigned char)*s); d++, s++)
				v = v * 16 + (unsigned)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
			if (!d)
				return -1;
		} else if (*s >= '0' && *s <= '7') {
			for (; d < 3 && *s >= '0' && *s <= '7'; d++, s++)
				v = v * 8 + (unsigned)(*s - '0');
			if (v > 255)
				return -1;
		} else {
			const char *hit = *s ? strchr(simple, *s) : NULL;

			/* Only the even positions of `simple` are escape letters. */
			while (hit && (hit - simple) % 2)
				hit = strchr(hit + 1, *s);
			if (!hit)
				return -1;
			v = (unsigned char)hit[1];
			s++;
		}
		out[k++] = (unsigned char)v;
	}
	*n = k;
	return 0;
}

/* Printable ASCII but the backslash as is, the rest as \xHH. */
static char *encode(const unsigned char *p, size_t n)
{
	char *s = malloc(4 * n + 1), *w = s;

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (p[i] > 31 && p[i] < 127 && p[i] != '\\')
			*w++ = (char)p[i];
		else
			w += sprintf(w, "\\x%02x", p[i]);
	}
	*w = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[128];
	size_t len = strlen(s), rn = 0;
	struct bytes out = { 0 }, again = { 0 };
	unsigned char *ref = malloc(len + 1);
	int rc, rrc;

	if (!ref)
		abort();
	FUZZ_CHECK(bytes_add(&out, "@", 1) == 0);
	memset(err, 0, sizeof err);
	rc = data_escapes(s, &out, err);
	rrc = ref_escapes(s, ref, &rn);
	if (rc != rrc)
		fuzz_fail("data_escapes(\"%s\") = %d, reference %d (err \"%s\")",
			  s, rc, rrc, err);
	FUZZ_CHECK(out.len >= 1 && out.p[0] == '@');
	if (rc) {
		FUZZ_CHECK(memchr(err, 0, sizeof err) && err[0]);
	} else {
		FUZZ_CHECK(out.len - 1 <= len);
		if (out.len - 1 != rn || memcmp(out.p + 1, ref, rn)) {
			fuzz_hexdump("data_escapes", out.p + 1, out.len - 1);
			fuzz_hexdump("reference", ref, rn);
			fuzz_fail("data_escapes(\"%s\") differs from the reference", s);
		}
		{
			char *enc = encode(out.p + 1, out.len - 1);

			FUZZ_CHECK(data_escapes(enc, &again, err) == 0);
			FUZZ_CHECK(again.len == out.len - 1 && (!again.len ||
				   !memcmp(again.p, out.p + 1, again.len)));
			free(enc);
		}
	}
	bytes_free(&out);
	bytes_free(&again);
	free(ref);
	free(s);
	return 0;
}
