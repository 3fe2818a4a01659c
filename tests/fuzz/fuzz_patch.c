/*
 * patch_parse (poke --patch): the whole input, NULs included, is a patch
 * text.  Checks: success, the bad line, and the writes (offset, byte) in
 * order agree with a reference parser written here; on success, every
 * edit has bytes (repeat 1), they lie within p.data, and off + len does
 * not overflow; the edits, printed back as xxd lines by a small formatter
 * here (in a layout chosen by the input: group size, bytes a line, case,
 * text column or not, CRLF, blank lines), parse again to the same writes
 * in the same order (and, one line an edit, to as many edits).  On
 * failure: the bad line number is within the text and a reason is set.
 */
#include <inttypes.h>

#include "fuzz.h"
#include "patch.h"

struct fmt {
	unsigned group;		/* bytes a group, 0: no spaces */
	unsigned cols;		/* bytes a line, 0: all of an edit on one line */
	int upper, text, crlf, blank;
};

static void put(struct bytes *b, const char *s, size_t n)
{
	if (bytes_add(b, s, n))
		abort();
}

static void put_str(struct bytes *b, const char *s)
{
	put(b, s, strlen(s));
}

/* One edit as xxd prints it, split into lines of f->cols bytes. */
static void format_edit(struct bytes *t, const struct fmt *f, uint64_t off,
			const unsigned char *p, size_t n)
{
	size_t cols = f->cols ? f->cols : n;

	for (size_t i = 0; i < n; i += cols) {
		size_t k = n - i < cols ? n - i : cols;
		char buf[32];

		snprintf(buf, sizeof buf, "%08" PRIx64 ": ", off + i);
		put_str(t, buf);
		for (size_t j = 0; j < k; j++) {
			if (j && f->group && j % f->group == 0)
				put_str(t, " ");
			snprintf(buf, sizeof buf, f->upper ? "%02X" : "%02x", p[i + j]);
			put_str(t, buf);
		}
		if (f->text) {
			put_str(t, "  ");
			for (size_t j = 0; j < k; j++) {
				char c = p[i + j] > 31 && p[i + j] < 127 ? (char)p[i + j] : '.';

				put(t, &c, 1);
			}
		}
		put_str(t, f->crlf ? "\r\n" : "\n");
		if (f->blank)
			put_str(t, "\n");
	}
}

/* The edits as one stream of (offset, byte) writes, in order. */
struct cursor {
	const struct patch *p;
	size_t i, j;
};

static int next_write(struct cursor *c, uint64_t *off, unsigned char *b)
{
	while (c->i < c->p->n && c->j == c->p->lines[c->i].len)
		c->i++, c->j = 0;
	if (c->i == c->p->n)
		return 0;
	*off = c->p->lines[c->i].off + c->j;
	*b = c->p->lines[c->i].data[c->j];
	c->j++;
	return 1;
}

static void check_roundtrip(const struct patch *p, const struct fmt *f)
{
	struct bytes t = { 0 };
	struct patch q;
	struct cursor a = { p, 0, 0 }, b = { &q, 0, 0 };
	size_t bad = 0;
	char err[128];

	for (size_t i = 0; i < p->n; i++)
		format_edit(&t, f, p->lines[i].off, p->lines[i].data, p->lines[i].len);
	if (patch_parse(t.len ? (const char *)t.p : "", t.len, &q, &bad, err)) {
		fwrite(t.p, 1, t.len, stderr);
		fuzz_fail("re-formatted patch fails at line %zu: %s", bad, err);
	}
	/* The same writes in the same order, however they are cut into edits. */
	for (;;) {
		uint64_t oa, ob;
		unsigned char ba, bb;
		int ha = next_write(&a, &oa, &ba), hb = next_write(&b, &ob, &bb);

		if (ha != hb || (ha && (oa != ob || ba != bb))) {
			fwrite(t.p, 1, t.len, stderr);
			fuzz_fail("re-formatted patch writes differently");
		}
		if (!ha)
			break;
	}
	/* One line an edit: as many edits again, joined or not. */
	FUZZ_CHECK(f->cols || q.n == p->n);
	patch_free(&q);
	bytes_free(&t);
}

/*
 * A reference parser of the format (SPEC.md poke --patch, patch.h): per
 * line, blanks, HEXOFFSET (any number of digits, the value within 64
 * bits), ':', an optional blank, byte pairs with at most one blank between
 * them, up to the end, a CR, or two blanks (the text column).  Blank lines
 * are skipped.  Returns the writes as (offset, byte) pairs in w, or the
 * 1-based bad line.
 */
struct wr {
	uint64_t off;
	unsigned char b;
};

static int ref_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t ref_parse(const char *t, size_t len, struct wr *w, size_t *nw)
{
	const char *s = t, *end = t + len;
	size_t line = 0, n = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl ? nl : end;
		unsigned __int128 off = 0;
		size_t digits = 0, first = n;

		line++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s < e) {
			for (; s < e && ref_hex(*s) >= 0; s++, digits++)
				if ((off = off << 4 | (unsigned)ref_hex(*s)) > UINT64_MAX)
					return line;
			if (!digits || s == e || *s++ != ':')
				return line;
			if (s < e && *s == ' ')
				s++;
			while (s < e && *s != '\r' &&
			       !(*s == ' ' && (s + 1 == e || s[1] == ' ' || s[1] == '\r'))) {
				if (*s == ' ')
					s++;
				if (e - s < 2 || ref_hex(s[0]) < 0 || ref_hex(s[1]) < 0)
					return line;
				w[n].off = (uint64_t)off + (n - first);
				w[n++].b = (unsigned char)(ref_hex(s[0]) << 4 | ref_hex(s[1]));
				s += 2;
			}
			/* The end, off + len, fits in 64 bits too. */
			if (n == first || off + (n - first) > UINT64_MAX)
				return line;
		}
		s = nl ? nl + 1 : end;
	}
	*nw = n;
	return 0;
}

static void check_reference(const char *text, size_t size, int rc,
			    size_t bad, const struct patch *p, const char *err)
{
	struct wr *w = malloc((size / 2 + 1) * sizeof *w);
	size_t nw = 0, rbad = ref_parse(text, size, w, &nw);
	struct cursor c = { p, 0, 0 };

	if (!w)
		abort();
	/*
	 * A dump recognised as not a patch (bits, -e groups, -d offsets) is
	 * refused though the reference, which knows only the syntax, reads it;
	 * never past the first line the reference itself refuses.
	 */
	if (rc && strstr(err, "is not a patch") && (!rbad || bad <= rbad)) {
		free(w);
		return;
	}
	if ((rc != 0) != (rbad != 0) || (rc && bad != rbad))
		fuzz_fail("patch_parse = %d (line %zu), reference: %s (line %zu)",
			  rc, rc ? bad : 0, rbad ? "fails" : "parses", rbad);
	for (size_t i = 0; !rc && i <= nw; i++) {
		uint64_t off;
		unsigned char b;
		int more = next_write(&c, &off, &b);

		if (more != (i < nw) || (more && (off != w[i].off || b != w[i].b)))
			fuzz_fail("write %zu differs from the reference", i);
	}
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past the end. */
	char *text = malloc(size ? size : 1), err[128];
	struct patch p;
	size_t bad = 0, nlines = 1, total = 0;
	uint64_t seed = size;
	int rc;

	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	memset(err, 0, sizeof err);
	rc = patch_parse(text, size, &p, &bad, err);
	FUZZ_CHECK(rc == 0 || rc == PATCH_EBAD);
	check_reference(text, size, rc, bad, &p, err);
	for (size_t i = 0; i < size; i++) {
		nlines += data[i] == '\n';
		seed = seed * 131 + data[i];
	}
	if (rc) {
		FUZZ_CHECK(bad >= 1 && bad <= nlines);
		FUZZ_CHECK(memchr(err, 0, sizeof err) && err[0]);
	} else {
		FUZZ_CHECK(p.n <= nlines);
		for (size_t i = 0; i < p.n; i++) {
			const struct edit *l = &p.lines[i];

			FUZZ_CHECK(l->len > 0 && l->repeat == 1);
			FUZZ_CHECK(l->data >= p.data.p && l->data <= p.data.p + p.data.len &&
				   l->len <= (size_t)(p.data.p + p.data.len - l->data));
			FUZZ_CHECK(l->len <= UINT64_MAX - l->off);
			/* An xxd line holds at most half its characters as bytes. */
			FUZZ_CHECK(l->len <= size / 2);
			total += l->len;
		}
		FUZZ_CHECK(total <= p.data.len);
		for (int round = 0; round < 3; round++) {
			uint64_t r = fuzz_rand(&seed);
			struct fmt f = {
				.group = (unsigned)(r % 9),
				.cols = (unsigned)((r >> 8) % 4 == 0 ? 0 : (r >> 12) % 40 + 1),
				.upper = (int)(r >> 20) & 1,
				.text = (int)(r >> 21) & 1,
				.crlf = (int)(r >> 22) & 1,
				.blank = (r >> 23) % 8 == 0,
			};

			check_roundtrip(&p, &f);
		}
	}
	patch_free(&p);
	free(text);
	return 0;
}
