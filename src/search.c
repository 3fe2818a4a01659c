#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "grep_simd.h"
#include "num.h"
#include "search.h"

/*
 * PCRE2's own default is also 10 million; set here so the limit is ours to
 * document: a pattern that backtracks catastrophically fails at one start
 * in well under a second instead of running for hours.
 */
#define SEARCH_MATCH_LIMIT 10000000u
/* The JIT's stack grows on demand up to this (its default is 32 KiB). */
#define SEARCH_JIT_STACK_MAX ((size_t)1 << 20)

struct search {
	enum search_kind kind;
	int overlap;
	size_t npats;
	size_t keep;		/* bytes a chunk must share with the one before */
	/* literal and hex */
	struct grep_simd_set set;
	unsigned char *bytes;	/* val and mask storage */
	/* regex */
	pcre2_code **code;
	size_t lookbehind;	/* the most any pattern looks behind a start */
};

/* ---- compiling ---------------------------------------------------------- */

static int search_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' ||
	       c == '-';
}

/*
 * Hex as poke -x reads it (two digits a byte; blanks, ':' and '-' between
 * bytes and "0x" before any byte are ignored), plus '?' for a nibble that
 * may be anything.  val/mask have room for strlen(s) / 2 bytes.
 */
static int search_parse_hex(const char *s, unsigned char *val,
			    unsigned char *mask, size_t *len, char *err,
			    size_t errlen)
{
	const char *p = s;
	size_t n = 0;

	for (;;) {
		unsigned char v = 0, m = 0;

		while (search_is_sep(*p))
			p++;
		if (!*p)
			break;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		    (num_hexval(p[2]) >= 0 || p[2] == '?'))
			p += 2;
		for (int i = 0; i < 2; i++, p++) {
			int d = num_hexval(*p);

			if (d < 0 && *p != '?') {
				if (i == 1 && (!*p || search_is_sep(*p)))
					snprintf(err, errlen,
						 "odd number of hex digits in '%.40s'", s);
				else
					snprintf(err, errlen,
						 "'%c' is not a hex digit or '?' in '%.40s'",
						 *p, s);
				return -1;
			}
			v = (unsigned char)(v << 4 | (d < 0 ? 0 : d));
			m = (unsigned char)(m << 4 | (d < 0 ? 0 : 0xf));
		}
		val[n] = v;
		mask[n] = m;
		n++;
	}
	*len = n;
	return 0;
}

/* ASCII case folding as a mask: 'a' and 'A' differ only in bit 0x20. */
static void search_fold(unsigned char *val, unsigned char *mask, size_t len)
{
	for (size_t j = 0; j < len; j++) {
		unsigned char up = val[j] & 0xdf;

		if (mask[j] == 0xff && up >= 'A' && up <= 'Z') {
			val[j] = up;
			mask[j] = 0xdf;
		}
	}
}

static int search_compile_bytes(struct search *s, const char *const *pats,
				const struct search_opts *o, char *err,
				size_t errlen, size_t *bad)
{
	size_t total = 0, at = 0;

	for (size_t k = 0; k < s->npats; k++)
		total += 2 * strlen(pats[k]) + 2;
	s->bytes = malloc(total);
	s->set.pats = calloc(s->npats, sizeof *s->set.pats);
	if (!s->bytes || !s->set.pats) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->set.npats = s->npats;
	for (size_t k = 0; k < s->npats; k++) {
		struct grep_simd_pat *q = &s->set.pats[k];
		size_t len = strlen(pats[k]);
		unsigned char *val = s->bytes + at, *mask = val + len + 1;

		at += 2 * len + 2;
		*bad = k;
		if (o->kind == SEARCH_HEX) {
			if (search_parse_hex(pats[k], val, mask, &len, err, errlen))
				return -1;
		} else {
			memcpy(val, pats[k], len);
			memset(mask, 0xff, len);
		}
		if (len == 0) {
			snprintf(err, errlen, "empty PATTERN: give at least one byte");
			return -1;
		}
		if (o->icase)
			search_fold(val, mask, len);
		/* A pattern's bytes are kept as masked: val has no bit outside mask. */
		for (size_t j = 0; j < len; j++)
			val[j] &= mask[j];
		q->val = val;
		q->mask = mask;
		q->len = len;
	}
	grep_simd_prepare(&s->set, o->kernel);
	s->keep = s->set.maxlen - 1;
	return 0;
}

static int search_compile_regex(struct search *s, const char *const *pats,
				const struct search_opts *o, char *err,
				size_t errlen, size_t *bad)
{
	uint32_t opts = PCRE2_NEVER_UTF | (o->icase ? PCRE2_CASELESS : 0);

	s->code = calloc(s->npats, sizeof *s->code);
	if (!s->code) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < s->npats; k++) {
		PCRE2_UCHAR msg[256];
		PCRE2_SIZE eoff;
		uint32_t lb = 0;
		int ecode;

		*bad = k;
		s->code[k] = pcre2_compile((PCRE2_SPTR)pats[k], PCRE2_ZERO_TERMINATED,
					   opts, &ecode, &eoff, NULL);
		if (!s->code[k]) {
			pcre2_get_error_message(ecode, msg, sizeof msg);
			snprintf(err, errlen, "bad regex '%.60s': %s at offset %zu",
				 pats[k], (char *)msg, (size_t)eoff);
			return -1;
		}
		/*
		 * Both modes: PARTIAL_HARD for chunks that are not the last.
		 * Where the JIT is missing (or refuses), the interpreter runs.
		 */
		pcre2_jit_compile(s->code[k], PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
		if (pcre2_pattern_info(s->code[k], PCRE2_INFO_MAXLOOKBEHIND, &lb) == 0 &&
		    lb > s->lookbehind)
			s->lookbehind = lb;
	}
	s->keep = SEARCH_REGEX_KEEP;
	return 0;
}

struct search *search_compile(const char *const *pats, size_t n,
			      const struct search_opts *o, char *err,
			      size_t errlen, size_t *bad)
{
	struct search *s = calloc(1, sizeof *s);
	int rc;

	*bad = 0;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->kind = o->kind;
	s->overlap = o->overlap;
	s->npats = n;
	if (o->kind == SEARCH_REGEX)
		rc = search_compile_regex(s, pats, o, err, errlen, bad);
	else
		rc = search_compile_bytes(s, pats, o, err, errlen, bad);
	if (rc) {
		search_free(s);
		return NULL;
	}
	return s;
}

void search_free(struct search *s)
{
	if (!s)
		return;
	if (s->code)
		for (size_t k = 0; k < s->npats; k++)
			pcre2_code_free(s->code[k]);
	free(s->code);
	free(s->set.pats);
	free(s->bytes);
	free(s);
}

const char *search_kernel(const struct search *s)
{
	return s->kind == SEARCH_REGEX ? "pcre2" : s->set.kernel;
}

size_t search_walk_keep(const struct search *s, size_t margin)
{
	return s->keep + 2 * margin;
}

uint64_t search_data_start(const struct search *s, uint64_t from,
			   size_t margin, uint64_t floor)
{
	uint64_t back = (s->kind == SEARCH_REGEX ? s->keep : 0) + margin;

	return from - floor > back ? from - back : floor;
}

uint64_t search_after(const struct search *s, uint64_t off, size_t len)
{
	return s->overlap ? off + 1 : off + len;
}

uint64_t search_resume(const struct search_scan *sc)
{
	return sc->next > sc->done ? sc->next : sc->done;
}

/* ---- scanning ----------------------------------------------------------- */

/* One regex's next event from `from`: a match, a partial match, or none. */
struct search_event {
	size_t s, e;
	int kind;		/* 0 none, 1 match, 2 partial */
};

int search_scan_init(struct search_scan *sc, const struct search *s,
		     uint64_t from, uint64_t limit, uint64_t eof, size_t margin,
		     search_hit_fn fn, void *ctx)
{
	memset(sc, 0, sizeof *sc);
	sc->s = s;
	sc->next = sc->done = from;
	sc->limit = limit;
	sc->eof = eof;
	sc->margin = margin;
	sc->fn = fn;
	sc->ctx = ctx;
	sc->tailcap = search_walk_keep(s, margin);
	sc->tail = malloc(sc->tailcap + 1);
	if (!sc->tail)
		return SEARCH_ENOMEM;
	if (s->kind != SEARCH_REGEX)
		return 0;
	/* Allocated here: the chunk code runs under map_guard and must not. */
	sc->md = calloc(s->npats, sizeof *sc->md);
	sc->ev = calloc(s->npats, sizeof(struct search_event));
	sc->mctx = pcre2_match_context_create(NULL);
	sc->jit_stack = pcre2_jit_stack_create(32 << 10, SEARCH_JIT_STACK_MAX, NULL);
	if (!sc->md || !sc->ev || !sc->mctx || !sc->jit_stack)
		goto nomem;
	for (size_t k = 0; k < s->npats; k++)
		if (!(sc->md[k] = pcre2_match_data_create(1, NULL)))
			goto nomem;
	pcre2_set_match_limit(sc->mctx, SEARCH_MATCH_LIMIT);
	pcre2_jit_stack_assign(sc->mctx, NULL, sc->jit_stack);
	return 0;
nomem:
	search_scan_free(sc);
	return SEARCH_ENOMEM;
}

void search_scan_reset(struct search_scan *sc, uint64_t from, uint64_t limit,
		       uint64_t eof)
{
	sc->next = sc->done = from;
	sc->limit = limit;
	sc->eof = eof;
	sc->ntail = 0;
	sc->finished = sc->too_long = 0;
	sc->err = 0;
	sc->err_off = 0;
}

void search_scan_free(struct search_scan *sc)
{
	if (sc->md)
		for (size_t k = 0; k < sc->s->npats; k++)
			pcre2_match_data_free(sc->md[k]);
	free(sc->md);
	free(sc->ev);
	pcre2_match_context_free(sc->mctx);
	pcre2_jit_stack_free(sc->jit_stack);
	free(sc->tail);
	sc->md = NULL;
	sc->ev = NULL;
	sc->mctx = sc->jit_stack = NULL;
	sc->tail = NULL;
}

static int search_report(struct search_scan *sc, const unsigned char *p,
			 size_t n, uint64_t pos, uint64_t off, size_t len)
{
	struct search_hit h = {
		.off = off, .len = len, .buf = p, .buf_off = pos, .buf_len = n,
	};

	sc->next = search_after(sc->s, off, len);
	if (sc->next > sc->done)
		sc->done = sc->next;
	return sc->fn(sc->ctx, &h) ? SEARCH_STOPPED : 0;
}

/*
 * Literal and hex.  A chunk that is not the last decides the starts whose
 * longest pattern and after-context fit in it: [lo, pos + n - keep -
 * margin).  The next chunk begins `keep + 2 * margin` before this one's
 * end, so it holds the before-context of the first start it decides.
 */
static int search_bytes_chunk(struct search_scan *sc, const unsigned char *p,
			      size_t n, uint64_t pos, int final)
{
	const struct search *s = sc->s;
	uint64_t lo = search_resume(sc), hi;
	size_t c, len;
	int rc;

	if (final)
		hi = pos + n;
	else
		hi = n > s->keep + sc->margin ? pos + n - s->keep - sc->margin : pos;
	if (hi > sc->limit)
		hi = sc->limit;
	while (lo < hi) {
		c = s->set.find(&s->set, p, n, (size_t)(lo - pos), (size_t)(hi - pos), &len);
		if (c >= hi - pos)
			break;
		if ((rc = search_report(sc, p, n, pos, pos + c, len)))
			return rc;
		lo = sc->next;
	}
	if (hi > sc->done)
		sc->done = hi;
	return 0;
}

static int search_rx_event(struct search_scan *sc, size_t k,
			   const unsigned char *p, size_t n, size_t from,
			   int final, uint64_t pos, struct search_event *ev)
{
	uint32_t opts = PCRE2_NOTEMPTY | (final ? 0 : PCRE2_PARTIAL_HARD);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md[k]);
	int rc;

	ev->kind = 0;
	for (;;) {
		rc = pcre2_match(sc->s->code[k], p, n, from, opts, sc->md[k], sc->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc == PCRE2_ERROR_PARTIAL) {
			ev->s = ov[0];
			ev->e = n;
			ev->kind = 2;
			return 0;
		}
		if (rc < 0)
			break;
		/* \K can still leave an empty match; it is not one to report. */
		if (ov[1] > ov[0]) {
			ev->s = ov[0];
			ev->e = ov[1];
			ev->kind = 1;
			return 0;
		}
		if (ov[0] >= n)
			return 0;
		from = ov[0] + 1;
	}
	sc->err = rc;
	sc->err_off = pos + from;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
		return SEARCH_ELIMIT;
	if (rc == PCRE2_ERROR_NOMEMORY)
		return SEARCH_ENOMEM;
	return SEARCH_EREGEX;
}

/*
 * Regex.  Each pattern's next event is kept and renewed only once the scan
 * has passed it.  In a chunk that is not the last, PCRE2_PARTIAL_HARD makes
 * a match that might go on past the chunk come back as partial: the scan
 * stops there and the next chunk, which begins `keep` bytes earlier,
 * decides it -- unless it began too early for that (SEARCH_ELONG).
 */
static int search_rx_chunk(struct search_scan *sc, const unsigned char *p,
			   size_t n, uint64_t pos, int final)
{
	const struct search *s = sc->s;
	struct search_event *evs = sc->ev;
	size_t np = s->npats, k, cur, K = search_walk_keep(s, sc->margin);
	uint64_t lo = search_resume(sc);
	int rc = 0;

	if (lo >= pos + n || lo >= sc->limit)
		return 0;
	cur = (size_t)(lo - pos);
	for (k = 0; k < np && !rc; k++)
		rc = search_rx_event(sc, k, p, n, cur, final, pos, &evs[k]);
	while (!rc) {
		size_t best = np, smin = (size_t)-1, len = 0;
		int partial = 0;
		uint64_t at;

		for (k = 0; k < np; k++) {
			if (!evs[k].kind || evs[k].s > smin)
				continue;
			if (evs[k].s < smin) {
				smin = evs[k].s;
				partial = 0;
				best = np;
				len = 0;
			}
			if (evs[k].kind == 2)
				partial = 1;
			else if (evs[k].e - evs[k].s > len) {
				len = evs[k].e - evs[k].s;
				best = k;
			}
		}
		if (best == np && !partial) {
			/* No pattern can start a match anywhere in the rest. */
			if (pos + n > sc->done)
				sc->done = pos + n;
			break;
		}
		at = pos + smin;
		if (at >= sc->limit) {
			if (sc->limit > sc->done)
				sc->done = sc->limit;
			break;
		}
		if (partial || (!final && evs[best].e + sc->margin > n)) {
			if (at > sc->done)
				sc->done = at;
			/*
			 * The next chunk would begin too late to decide it.
			 * Whether one comes is not known yet: a walk that was cut
			 * short on purpose resumes here in a new scan instead.
			 */
			if (n >= K && smin < n - K + sc->margin + s->lookbehind) {
				sc->err_off = at;
				sc->too_long = 1;
			}
			break;
		}
		if ((rc = search_report(sc, p, n, pos, at, len)))
			break;
		cur = (size_t)(sc->next - pos);
		for (k = 0; k < np && !rc; k++)
			if (evs[k].kind && evs[k].s < cur)
				rc = search_rx_event(sc, k, p, n, cur, final, pos, &evs[k]);
	}
	return rc;
}

static int search_chunk(struct search_scan *sc, const unsigned char *p,
			size_t n, uint64_t pos, int final)
{
	if (sc->s->kind == SEARCH_REGEX)
		return search_rx_chunk(sc, p, n, pos, final);
	return search_bytes_chunk(sc, p, n, pos, final);
}

int search_feed(void *ctx, const unsigned char *p, size_t n, uint64_t pos)
{
	struct search_scan *sc = ctx;
	int final = sc->eof != UINT64_MAX && pos + n >= sc->eof;
	size_t k;
	int rc;

	if (sc->cancel && *sc->cancel)
		return SEARCH_CANCELLED;
	if (sc->too_long)
		return SEARCH_ELONG;
	if ((rc = search_chunk(sc, p, n, pos, final)))
		return rc;
	if (final) {
		sc->finished = 1;
		return 0;
	}
	/* Where the end is known, the last chunk says so: no copy needed. */
	if (sc->eof != UINT64_MAX)
		return 0;
	/* Kept for search_finish, in case this is the last chunk of a stream. */
	k = n < sc->tailcap ? n : sc->tailcap;
	memcpy(sc->tail, p + n - k, k);
	sc->ntail = k;
	sc->tailpos = pos + n - k;
	return 0;
}

int search_finish(struct search_scan *sc, int at_eof)
{
	if (sc->finished || !at_eof)
		return 0;
	if (sc->too_long)
		return SEARCH_ELONG;
	if (!sc->ntail)
		return 0;
	sc->finished = 1;
	return search_chunk(sc, sc->tail, sc->ntail, sc->tailpos, 1);
}

const char *search_strerror(const struct search_scan *sc, int status,
			    char *buf, size_t len)
{
	PCRE2_UCHAR msg[256];

	switch (status) {
	case SEARCH_ELIMIT:
		/* PCRE2 does not say at which start it gave up: say where it began. */
		snprintf(buf, len,
			 "regex too costly (PCRE2 match limit exceeded) in the search "
			 "from offset %llu: simplify the pattern",
			 (unsigned long long)sc->err_off);
		break;
	case SEARCH_ELONG:
		snprintf(buf, len,
			 "a regex match at offset %llu is longer than the %zu KiB "
			 "that can span two chunks of input",
			 (unsigned long long)sc->err_off, SEARCH_REGEX_KEEP >> 10);
		break;
	case SEARCH_EREGEX:
		pcre2_get_error_message(sc->err, msg, sizeof msg);
		snprintf(buf, len, "regex matching failed in the search from offset %llu: %s",
			 (unsigned long long)sc->err_off, (char *)msg);
		break;
	case SEARCH_ENOMEM:
		snprintf(buf, len, "out of memory");
		break;
	default:
		snprintf(buf, len, "search stopped");
		break;
	}
	return buf;
}
