/*
 * data_hex (poke -x): the input up to its first NUL is decoded.  Checks:
 * success and the bytes agree with a reference decoder written from
 * data.h (two digits a byte; blanks, ':' and '-' between bytes and one
 * "0x" right before a byte ignored); bytes already in the buffer are kept;
 * an error leaves a message; the bytes, printed back as hex in several
 * styles, decode to themselves.
 */
#include "data.h"
#include "fuzz.h"

static int ref_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int ref_hex(const char *s, unsigned char *out, size_t *n)
{
	size_t k = 0;

	for (;;) {
		while (*s && strchr(" \t\n\r:-", *s))
			s++;
		if (!*s)
			break;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		if (ref_val(s[0]) < 0 || ref_val(s[1]) < 0)
			return -1;
		out[k++] = (unsigned char)(ref_val(s[0]) << 4 | ref_val(s[1]));
		s += 2;
	}
	*n = k;
	return 0;
}

static void roundtrip(const unsigned char *p, size_t n, int style)
{
	static const char *const seps[] = { "", " ", ":", "-", "\t", "\r\n" };
	char *s = malloc(7 * n + 1), *w = s, err[128];
	struct bytes b = { 0 };

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (i)
			w += sprintf(w, "%s", seps[style % 6]);
		w += sprintf(w, style & 8 ? "0x%02X" : style & 16 ? "%02X" : "%02x", p[i]);
	}
	*w = '\0';
	if (data_hex(s, &b, err) || b.len != n || (n && memcmp(b.p, p, n)))
		fuzz_fail("hex \"%s\" does not decode to its bytes", s);
	bytes_free(&b);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[128];
	size_t len = strlen(s), rn = 0;
	struct bytes out = { 0 };
	unsigned char *ref = malloc(len / 2 + 1);
	int rc, rrc;

	if (!ref)
		abort();
	FUZZ_CHECK(bytes_add(&out, "@", 1) == 0);
	memset(err, 0, sizeof err);
	rc = data_hex(s, &out, err);
	rrc = ref_hex(s, ref, &rn);
	if (rc != rrc)
		fuzz_fail("data_hex(\"%s\") = %d, reference %d (err \"%s\")",
			  s, rc, rrc, err);
	FUZZ_CHECK(out.len >= 1 && out.p[0] == '@');
	if (rc) {
		FUZZ_CHECK(memchr(err, 0, sizeof err) && err[0]);
	} else {
		if (out.len - 1 != rn || memcmp(out.p + 1, ref, rn)) {
			fuzz_hexdump("data_hex", out.p + 1, out.len - 1);
			fuzz_hexdump("reference", ref, rn);
			fuzz_fail("data_hex(\"%s\") differs from the reference", s);
		}
		roundtrip(out.p + 1, out.len - 1, len ? (unsigned char)s[0] : 0);
	}
	bytes_free(&out);
	free(ref);
	free(s);
	return 0;
}
