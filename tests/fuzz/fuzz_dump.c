/*
 * dump + out: the peek formatters on random bytes fed in random chunks.
 *
 * Input: 8 header bytes, then the bytes to dump.
 *   h[0]  xxd columns - 1 (1..256)
 *   h[1]  xxd group, mod columns + 2 (0..cols+1; 0 or > cols: one group)
 *   h[2]  bit 0 upper, bit 1 pre-fill the out buffer to near full,
 *         bits 2-4 the start offset, bit 5 -a (autoskip), bits 6-7 for
 *         hexdump's -v and -n 0
 *   h[3]  columns for xxd -p and xxd -i
 *   h[4..7] seed for the chunk sizes
 *
 * Checks: DUMP_XXD equals a reference xxd formatter written here from
 * xxd.c's layout (and xxd.c's xxdline() for -a); with colour on, the
 * output less its escapes is the same text, and so is the output with a
 * line prefix less the prefix; DUMP_HEX and DUMP_C equal small reference
 * formatters; DUMP_RAW is the input; DUMP_STRING ends in one newline,
 * holds only printable ASCII, and decodes (data_escapes) to the input;
 * DUMP_CANONICAL equals a reference hexdump -C formatter (squeeze, -v, the
 * final offset line).  Output
 * goes through struct out into a memfd, which is read back.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "data.h"
#include "dump.h"
#include "fuzz.h"
#include "out.h"

struct text {
	char *p;
	size_t len, cap;
};

/* Room for n more bytes. */
static void text_room(struct text *t, size_t n)
{
	if (t->cap - t->len < n) {
		size_t cap = t->cap ? t->cap : 4096;

		while (cap - t->len < n)
			cap *= 2;
		t->p = realloc(t->p, cap);
		if (!t->p)
			abort();
		t->cap = cap;
	}
}

static void text_put(struct text *t, const void *p, size_t n)
{
	if (!n)
		return;
	text_room(t, n);
	memcpy(t->p + t->len, p, n);
	t->len += n;
}

static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* ---- reference formatters ------------------------------------------------ */

#define LLEN 2048

/* xxd.c's xxdline(): -a holds the second zero line, squeezes longer runs. */
struct skip {
	char z[LLEN];
	int zero_seen;
};

static void ref_xxdline(struct text *t, struct skip *sk, int autoskip,
			const char *l, int nz)
{
	if (!autoskip) {
		if (nz >= 0)
			text_str(t, l);
		return;
	}
	if (!nz && sk->zero_seen == 1)
		strcpy(sk->z, l);
	if (nz || !sk->zero_seen++) {
		if (nz) {
			if (nz < 0)
				sk->zero_seen--;
			if (sk->zero_seen == 2)
				text_str(t, sk->z);
			if (sk->zero_seen > 2)
				text_str(t, "*\n");
		}
		if (nz >= 0 || sk->zero_seen > 0)
			text_str(t, l);
		if (nz)
			sk->zero_seen = 0;
	}
}

/*
 * xxd's layout: the hex of byte i at addrlen + 1 + (2g + 1) * i / g, the
 * text at addrlen + 3 + ((2g + 1) * cols - 1) / g, addrlen the length of
 * "%08lx:"; a short last line is padded with blanks to the text column.
 */
static void ref_xxd(struct text *t, const unsigned char *p, size_t n,
		    uint64_t start, unsigned cols, unsigned group, int upper,
		    int autoskip)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned g = group == 0 || group > cols ? cols : group;
	static struct skip sk;
	char l[LLEN];
	size_t i = 0;

	sk.zero_seen = 0;
	l[0] = '\0';
	while (i < n) {
		size_t k = n - i < cols ? n - i : cols, tc;
		int addrlen = snprintf(l, sizeof l, "%08lx:", (unsigned long)(start + i));
		int nz = 0;

		tc = (size_t)addrlen + 3 + ((2 * g + 1) * cols - 1) / g;
		memset(l + addrlen, ' ', tc - (size_t)addrlen);
		for (size_t j = 0; j < k; j++) {
			size_t c = (size_t)addrlen + 1 + (2 * g + 1) * j / g;
			unsigned char b = p[i + j];

			l[c] = hx[b >> 4];
			l[c + 1] = hx[b & 15];
			l[tc + j] = b > 31 && b < 127 ? (char)b : '.';
			nz += b != 0;
		}
		l[tc + k] = '\n';
		l[tc + k + 1] = '\0';
		/* xxd: a short last line always counts as non-zero. */
		ref_xxdline(t, &sk, autoskip, l, k < cols ? 1 : nz);
		i += k;
	}
	if (n % cols == 0 && n)
		ref_xxdline(t, &sk, autoskip, l, -1);
}

static void ref_hex(struct text *t, const unsigned char *p, size_t n,
		    unsigned cols, int upper)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char two[2] = { hx[p[i] >> 4], hx[p[i] & 15] };

		text_put(t, two, 2);
		if ((i + 1) % cols == 0 || i + 1 == n)
			text_str(t, "\n");
	}
}

static void ref_c(struct text *t, const unsigned char *p, size_t n,
		  unsigned cols, int upper)
{
	char buf[16];

	for (size_t i = 0; i < n; i++) {
		if (i)
			text_str(t, i % cols ? ", " : ",\n  ");
		else
			text_str(t, "  ");
		snprintf(buf, sizeof buf, upper ? "0X%02X" : "0x%02x", p[i]);
		text_str(t, buf);
	}
	if (n)
		text_str(t, "\n");
}

/*
 * hexdump -C: 16 bytes a line, "%08x" then the bytes in two halves, the
 * text between bars; a full line equal to the full line before it is
 * squeezed into one "*" for the run (not with -v); then the final offset,
 * unless nothing was asked for (-n 0) or nothing was read at offset 0.
 */
static void ref_canonical(struct text *t, const unsigned char *p, size_t n,
			  uint64_t start, int upper, int no_squeeze,
			  int len_given_zero)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	const unsigned char *prev = NULL;
	int starred = 0;
	char l[128];

	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;
		int a;

		if (k == 16 && !no_squeeze && prev && !memcmp(prev, p + i, 16)) {
			if (!starred)
				text_str(t, "*\n");
			starred = 1;
			continue;
		}
		starred = 0;
		if (k == 16)
			prev = p + i;
		a = snprintf(l, sizeof l, "%08llx", (unsigned long long)(start + i));
		memset(l + a, ' ', 52);
		for (size_t j = 0; j < k; j++) {
			l[a + 2 + 3 * j + (j >= 8)] = hx[p[i + j] >> 4];
			l[a + 3 + 3 * j + (j >= 8)] = hx[p[i + j] & 15];
		}
		text_put(t, l, (size_t)a + 52);
		text_str(t, "|");
		for (size_t j = 0; j < k; j++) {
			char c = p[i + j] > 31 && p[i + j] < 127 ? (char)p[i + j] : '.';

			text_put(t, &c, 1);
		}
		text_str(t, "|\n");
	}
	if (!len_given_zero && (n || start)) {
		snprintf(l, sizeof l, "%08llx\n", (unsigned long long)(start + n));
		text_str(t, l);
	}
}

/* The text less ANSI colour escapes (ESC [ ... m). */
static void strip_escapes(struct text *t)
{
	size_t w = 0;

	for (size_t i = 0; i < t->len; i++) {
		if (t->p[i] == '\033' && i + 1 < t->len && t->p[i + 1] == '[') {
			while (i < t->len && t->p[i] != 'm')
				i++;
			continue;
		}
		t->p[w++] = t->p[i];
	}
	t->len = w;
}

/* The text less `prefix` at the start of each line. */
static void strip_prefix(struct text *t, const char *prefix)
{
	size_t w = 0, n = strlen(prefix);
	int bol = 1;

	for (size_t i = 0; i < t->len; i++) {
		if (bol) {
			FUZZ_CHECK(t->len - i >= n && !memcmp(t->p + i, prefix, n));
			i += n;
			if (i >= t->len)
				break;
		}
		t->p[w++] = t->p[i];
		bol = t->p[i] == '\n';
	}
	t->len = w;
}

/* ---- running a formatter ------------------------------------------------- */

static struct out out;
static char filler[OUT_BUF_SIZE];
static int mfd = -1;

struct run {
	const unsigned char *p;
	size_t n;
	uint64_t start;
	uint64_t seed;		/* of the chunk sizes */
	size_t prefill;		/* bytes already in the out buffer */
};

/* Feed r->p in chunks into a fresh formatter; the output, less the fill. */
static void run_dump(const struct run *r, enum dump_format fmt,
		     const struct dump_opts *o, struct text *res)
{
	static struct dump d;
	uint64_t seed = r->seed;
	size_t i = 0;
	off_t end;

	/* Overwrite the memfd from the start: no truncation, no new pages. */
	FUZZ_CHECK(lseek(mfd, 0, SEEK_SET) == 0);
	out_init(&out, mfd);
	if (r->prefill)
		out_write(&out, filler, r->prefill);
	FUZZ_CHECK(dump_init(&d, fmt, o, &out, r->start) == 0);
	while (i < r->n) {
		uint64_t x = fuzz_rand(&seed);
		size_t left = r->n - i, k;

		switch (x % 4) {
		case 0:
			k = (size_t)(x >> 8) % 4;		/* 0..3, empty chunks too */
			break;
		case 1:
			k = (size_t)(x >> 8) % 40;
			break;
		case 2:
			k = (size_t)(x >> 8) % 600;
			break;
		default:
			k = left;
			break;
		}
		if (k > left)
			k = left;
		dump_feed(&d, r->p + i, k);
		i += k;
	}
	dump_finish(&d);
	FUZZ_CHECK(out_flush(&out) == 0 && out.err == 0);
	end = lseek(mfd, 0, SEEK_CUR);
	FUZZ_CHECK(end >= (off_t)r->prefill);
	/* The output after the fill (the fill went through out_write unchanged). */
	res->len = 0;
	text_room(res, (size_t)end - r->prefill + 1);
	FUZZ_CHECK(pread(mfd, res->p, (size_t)end - r->prefill, (off_t)r->prefill) ==
		   end - (off_t)r->prefill);
	res->len = (size_t)end - r->prefill;
}

static void expect_same(const char *what, const struct text *got,
			const struct text *want)
{
	if (got->len == want->len && (!got->len || !memcmp(got->p, want->p, got->len)))
		return;
	fprintf(stderr, "---- %s: got %zu bytes\n", what, got->len);
	if (got->len)
		fwrite(got->p, 1, got->len, stderr);
	fprintf(stderr, "\n---- want %zu bytes\n", want->len);
	if (want->len)
		fwrite(want->p, 1, want->len, stderr);
	fuzz_fail("%s differs from the reference", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t starts[8] = {
		0, 0x10, 0xfff0, 0xffffff00, 0xfffffff0,
		0x123456789a, (1ULL << 62) - 0x20, 0xffffffffffULL - 0x7f,
	};
	static struct text got, want;
	struct dump_opts o = { 0 };
	struct run r;
	unsigned cols, group, pcols;
	int upper;

	if (mfd < 0) {
		memset(filler, 'Z', sizeof filler);
		mfd = memfd_create("fuzz_dump", MFD_CLOEXEC);
		FUZZ_CHECK(mfd >= 0);
	}
	if (size < 8)
		return 0;
	cols = data[0] + 1u;
	group = data[1] % (cols + 2);
	upper = data[2] & 1;
	pcols = data[3];
	r.p = data + 8;
	r.n = size - 8;
	r.start = starts[(data[2] >> 2) & 7] + (data[3] & 0xf);
	memcpy(&r.seed, data + 4, 4);
	r.prefill = data[2] & 2 ? OUT_BUF_SIZE - 1 - (size_t)(r.seed % 3000) : 0;

	/* xxd, with -a when asked, against the reference. */
	o.cols = cols;
	o.group = group;
	o.upper = upper;
	o.autoskip = (data[2] >> 5) & 1;
	run_dump(&r, DUMP_XXD, &o, &got);
	want.len = 0;
	ref_xxd(&want, r.p, r.n, r.start, cols, group, upper, o.autoskip);
	expect_same("xxd", &got, &want);

	/* Colour only adds escapes. */
	o.color = 1;
	run_dump(&r, DUMP_XXD, &o, &got);
	strip_escapes(&got);
	expect_same("xxd in colour, escapes removed", &got, &want);

	/* A prefix goes before every line (poke's -/+ diff; never with -a). */
	o.autoskip = 0;
	o.color = (data[2] >> 6) & 1;
	o.prefix = data[2] & 0x80 ? "+" : "-";
	run_dump(&r, DUMP_XXD, &o, &got);
	strip_escapes(&got);
	strip_prefix(&got, o.prefix);
	want.len = 0;
	ref_xxd(&want, r.p, r.n, r.start, cols, group, upper, 0);
	expect_same("xxd with a prefix, prefix removed", &got, &want);

	/* xxd -p and xxd -i: 0 columns is the default (30, 12). */
	memset(&o, 0, sizeof o);
	o.upper = upper;
	o.cols = pcols == 255 ? 65536 : pcols;
	run_dump(&r, DUMP_HEX, &o, &got);
	want.len = 0;
	ref_hex(&want, r.p, r.n, o.cols ? o.cols : 30, upper);
	expect_same("xxd -p", &got, &want);
	run_dump(&r, DUMP_C, &o, &got);
	want.len = 0;
	ref_c(&want, r.p, r.n, o.cols ? o.cols : 12, upper);
	expect_same("xxd -i", &got, &want);

	/* raw: the bytes. */
	memset(&o, 0, sizeof o);
	run_dump(&r, DUMP_RAW, &o, &got);
	want.len = 0;
	text_put(&want, r.p, r.n);
	expect_same("raw", &got, &want);

	/* string: printable, one line, and poke -e reads it back. */
	run_dump(&r, DUMP_STRING, &o, &got);
	FUZZ_CHECK(got.len >= 1 && got.p[got.len - 1] == '\n');
	for (size_t i = 0; i + 1 < got.len; i++)
		FUZZ_CHECK(got.p[i] > 31 && got.p[i] < 127);
	{
		struct bytes b = { 0 };
		char err[128];

		got.p[got.len - 1] = '\0';
		if (data_escapes(got.p, &b, err) || b.len != r.n ||
		    (r.n && memcmp(b.p, r.p, r.n))) {
			fuzz_hexdump("input", r.p, r.n);
			fuzz_fail("string \"%s\" does not read back as the input", got.p);
		}
		bytes_free(&b);
	}

	/* hexdump -C, squeezed unless -v. */
	o.upper = upper;
	o.no_squeeze = (data[2] >> 6) & 1;
	o.len_given_zero = (data[2] >> 7) & 1 && r.n == 0;
	run_dump(&r, DUMP_CANONICAL, &o, &got);
	want.len = 0;
	ref_canonical(&want, r.p, r.n, r.start, upper, o.no_squeeze, o.len_given_zero);
	expect_same("hexdump -C", &got, &want);
	return 0;
}
