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
 * PCRE2's match limit counts steps per start position (pcre2api(3): "the
 * count restarts from zero for each position"; the JIT counts its own way
 * but also per start), so it alone bounds nothing for a whole search: 10
 * million steps at each of 46,000 starts ran for 45 s.  The scan's budget
 * (search.h) is what bounds the total.  Every search first runs unanchored
 * with SEARCH_STEPS_FIRST steps a start: cheap starts cost at most that,
 * are not counted, and keep PCRE2's start-of-match optimizations.  Where a
 * start needs more, the starts from there are tried one at a time with the
 * anchored copy of the pattern, and the costly one again with 2, 4, 8 ...
 * times as many steps, each try's limit taken from the budget, until it is
 * decided or the budget is spent.  Those retries run in the interpreter
 * without auto-possessification: only then is every byte a repeat gives
 * back a counted step (the JIT counts a repeat once however far it scans
 * and gives back; a possessive repeat scans uncounted).  What no step
 * count sees, search_rx_callout charges.
 */
#define SEARCH_STEPS_FIRST 256u
/* The same for a pattern the interpreter runs: its steps cost more. */
#define SEARCH_STEPS_FIRST_SLOW 64u
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
	pcre2_code **acode;	/* the same, anchored: one start at a time */
	pcre2_code **icode;	/* anchored, for the costly starts, or NULL */
	uint32_t *first;	/* the free steps of a start's first try */
	struct grep_simd_set *lit;	/* the bytes every match begins with, or npats 0 */
	char **text;		/* the patterns, for search_rx_callout */
	size_t lookbehind;	/* the most any pattern looks behind a start */
};

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

/* Whether p begins a back reference: \1 .. \9, \g, \k or (?P=. */
static int search_backref_at(const char *p)
{
	if (p[0] == '\\')
		return (p[1] >= '1' && p[1] <= '9') || p[1] == 'g' || p[1] == 'k';
	return !strncmp(p, "(?P=", 4);
}

/* Past the class that begins at p ('['), or at its end if it has none. */
static const char *search_skip_class(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p : p - 1;
}

/*
 * What the JIT's step count may not see in pat: SEARCH_UNCOUNTED_GROUP, a
 * repeated group with a repeat inside (a start may scan a long run inside
 * the group for one step), which the interpreter counts as the run is
 * given back; SEARCH_UNCOUNTED_SCAN, a lookahead (a repeat in it scans,
 * and the scan is dropped when it succeeds) or a back reference (each
 * compare reads up to the length of its group), which only
 * search_rx_callout counts.  Escapes and classes are skipped; a quantifier
 * is any of "*+?{" but the '?' of "(?"; anything that looks like one of
 * these counts, which only costs speed.
 */
enum { SEARCH_UNCOUNTED_GROUP = 1, SEARCH_UNCOUNTED_SCAN };

static int search_uncounted(const char *pat)
{
	unsigned long nested = 0;	/* bit d: group at depth d repeats inside */
	unsigned depth = 0;
	int found = 0;

	for (const char *p = pat; *p; p++) {
		/* "(*": a verb, or a lookahead spelt (*pla: and the like. */
		if (search_backref_at(p) || !strncmp(p, "(?=", 3) ||
		    !strncmp(p, "(?!", 3) || !strncmp(p, "(?*", 3) ||
		    !strncmp(p, "(*", 2))
			return SEARCH_UNCOUNTED_SCAN;
		if (*p == '\\') {
			if (!*++p)
				break;
		} else if (*p == '[') {
			p = search_skip_class(p);
		} else if (*p == '(') {
			if (++depth >= 8 * sizeof nested)
				return SEARCH_UNCOUNTED_SCAN;
			nested &= ~(1ul << depth);
		} else if (*p == ')' && depth) {
			if ((nested >> depth & 1) && p[1] && strchr("*+?{", p[1]))
				found = SEARCH_UNCOUNTED_GROUP;
			if (nested >> depth & 1)
				nested |= 1ul << (depth - 1);
			depth--;
		} else if (strchr("*+{", *p) ||
			   (*p == '?' && (p == pat || p[-1] != '('))) {
			nested |= 1ul << depth;
		}
	}
	return found;
}

/*
 * For the patterns search_uncounted finds, PCRE2_AUTO_CALLOUT calls this
 * before each item: it charges one unit, plus the bytes the position moved
 * since the last call (what repeats scanned), plus at a back reference the
 * longest group captured so far.  Each start spends SEARCH_STEPS_FIRST
 * units free, as the steps of search_rx_try; the rest come from the budget.
 */
static int search_rx_callout(pcre2_callout_block *cb, void *data)
{
	struct search_scan *sc = data;
	uint64_t cost = 1;
	size_t pos = cb->current_position;

	if (cb->start_match != sc->co_start || !sc->co_started) {
		sc->co_started = 1;
		sc->co_start = sc->co_pos = cb->start_match;
		sc->co_free = SEARCH_STEPS_FIRST;
	}
	cost += pos > sc->co_pos ? pos - sc->co_pos : sc->co_pos - pos;
	sc->co_pos = pos;
	if (search_backref_at(sc->s->text[sc->rx_k] + cb->pattern_position))
		for (uint32_t g = 1; g < cb->capture_top; g++)
			if (cb->offset_vector[2 * g] != PCRE2_UNSET)
				cost += cb->offset_vector[2 * g + 1] -
					cb->offset_vector[2 * g];
	if (cost <= sc->co_free) {
		sc->co_free -= cost;
		return 0;
	}
	cost -= sc->co_free;
	sc->co_free = 0;
	if (cost > sc->steps) {
		sc->steps = 0;
		return PCRE2_ERROR_MATCHLIMIT;
	}
	sc->steps -= cost;
	return 0;
}

static pcre2_code *search_compile_code(const char *pat, uint32_t opts,
					int jit)
{
	PCRE2_SIZE eoff;
	int ecode;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
					 opts, &ecode, &eoff, NULL);

	/*
	 * PARTIAL_HARD for chunks that are not the last.  Where the JIT is
	 * missing (or refuses), the interpreter runs.
	 */
	if (code && jit)
		pcre2_jit_compile(code, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
	return code;
}

/*
 * One pattern, three ways: unanchored into code, anchored into acode for
 * one start at a time, and anchored into the interpreter without
 * auto-possessification for the costly starts (icode; acode itself where
 * the pattern already runs that way).  PCRE2_ANCHORED is a compile option
 * because at match time it would send a JIT-compiled pattern to the
 * interpreter.
 */
static int search_compile_one(struct search *s, size_t k, const char *pat,
			      uint32_t opts, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	uint32_t lb = 0;
	int ecode, uncounted = search_uncounted(pat), jit = !uncounted;

	s->first[k] = uncounted ? SEARCH_STEPS_FIRST_SLOW : SEARCH_STEPS_FIRST;
	if (uncounted)
		opts |= PCRE2_NO_AUTO_POSSESS;
	if (uncounted == SEARCH_UNCOUNTED_SCAN)
		opts |= PCRE2_AUTO_CALLOUT;
	s->code[k] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				   opts, &ecode, &eoff, NULL);
	if (!s->code[k]) {
		pcre2_get_error_message(ecode, msg, sizeof msg);
		snprintf(err, errlen, "bad regex '%.60s': %s at offset %zu",
			 pat, (char *)msg, (size_t)eoff);
		return -1;
	}
	if (jit)
		pcre2_jit_compile(s->code[k],
				  PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
	s->acode[k] = search_compile_code(pat, opts | PCRE2_ANCHORED, jit);
	if (jit)
		s->icode[k] = search_compile_code(pat, opts | PCRE2_ANCHORED |
						  PCRE2_NO_AUTO_POSSESS, 0);
	s->text[k] = strdup(pat);
	if (!s->acode[k] || (jit && !s->icode[k]) || !s->text[k]) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pcre2_pattern_info(s->code[k], PCRE2_INFO_MAXLOOKBEHIND, &lb) == 0 &&
	    lb > s->lookbehind)
		s->lookbehind = lb;
	return 0;
}

/*
 * The bytes every match of pat begins with, into out (at most cap): the
 * plain characters (or escaped punctuation) up to the first other item,
 * less one a quantifier follows.  0 where an alternation could give
 * another start: any '|' at all.
 */
static size_t search_rx_prefix(const char *pat, unsigned char *out, size_t cap)
{
	size_t len = 0;

	if (strchr(pat, '|'))
		return 0;
	while (*pat && len < cap) {
		const char *next = pat + 1;
		unsigned char c = (unsigned char)*pat;

		if (c == '\\') {
			c = (unsigned char)pat[1];
			/* \d, \1, \Q and the like: not one plain byte. */
			if (!c || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
				break;
			next = pat + 2;
		} else if (strchr("^$.[()?*+{", c)) {
			break;
		}
		if (*next && strchr("?*+{", *next))
			break;
		out[len++] = c;
		pat = next;
	}
	return len;
}

/*
 * A pattern whose matches all begin with two or more known bytes gets them
 * as a literal set of one (s->lit[k]): grep_simd.c's vector search finds
 * their few places faster than PCRE2 steps between its candidates.
 */
static int search_compile_prefix(struct search *s, size_t k, const char *pat,
				 const struct search_opts *o)
{
	unsigned char buf[256], *val;
	size_t len = search_rx_prefix(pat, buf, sizeof buf);
	struct grep_simd_pat *q;

	if (len < 2)
		return 0;
	if (!(val = malloc(2 * len)) || !(q = calloc(1, sizeof *q))) {
		free(val);
		return -1;
	}
	memcpy(val, buf, len);
	memset(val + len, 0xff, len);
	if (o->icase)
		search_fold(val, val + len, len);
	for (size_t j = 0; j < len; j++)
		val[j] &= val[len + j];
	*q = (struct grep_simd_pat){ .val = val, .mask = val + len, .len = len };
	s->lit[k] = (struct grep_simd_set){ .pats = q, .npats = 1 };
	grep_simd_prepare(&s->lit[k], o->kernel);
	return 0;
}

static int search_compile_regex(struct search *s, const char *const *pats,
				const struct search_opts *o, char *err,
				size_t errlen, size_t *bad)
{
	uint32_t opts = PCRE2_NEVER_UTF | (o->icase ? PCRE2_CASELESS : 0);

	s->code = calloc(s->npats, sizeof *s->code);
	s->acode = calloc(s->npats, sizeof *s->acode);
	s->icode = calloc(s->npats, sizeof *s->icode);
	s->text = calloc(s->npats, sizeof *s->text);
	s->first = calloc(s->npats, sizeof *s->first);
	s->lit = calloc(s->npats, sizeof *s->lit);
	if (!s->code || !s->acode || !s->icode || !s->text || !s->first || !s->lit) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < s->npats; k++) {
		*bad = k;
		if (search_compile_one(s, k, pats[k], opts, err, errlen))
			return -1;
		if (search_compile_prefix(s, k, pats[k], o)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
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
	for (size_t k = 0; k < s->npats; k++) {
		if (s->code)
			pcre2_code_free(s->code[k]);
		if (s->acode)
			pcre2_code_free(s->acode[k]);
		if (s->icode)
			pcre2_code_free(s->icode[k]);
		if (s->text)
			free(s->text[k]);
	}
	free(s->code);
	free(s->acode);
	free(s->icode);
	free(s->text);
	free(s->first);
	for (size_t k = 0; s->lit && k < s->npats; k++)
		if (s->lit[k].npats) {
			free((void *)s->lit[k].pats->val);
			free(s->lit[k].pats);
		}
	free(s->lit);
	free(s->set.pats);
	free(s->bytes);
	free(s);
}

int search_never_zero(const struct search *s)
{
	if (s->kind == SEARCH_REGEX)
		return 0;
	/* val is kept masked: a zero byte matches where val is 0. */
	for (size_t k = 0; k < s->set.npats; k++)
		for (size_t j = 0; j < s->set.pats[k].len; j++)
			if (s->set.pats[k].val[j] == 0)
				return 0;
	return 1;
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
	sc->steps = SEARCH_STEPS_BASE;
	sc->credited = from;
	sc->tail = malloc(sc->tailcap + 1);
	if (!sc->tail)
		return -ENOMEM;
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
	pcre2_jit_stack_assign(sc->mctx, NULL, sc->jit_stack);
	pcre2_set_callout(sc->mctx, search_rx_callout, sc);
	return 0;
nomem:
	search_scan_free(sc);
	return -ENOMEM;
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
	sc->steps = SEARCH_STEPS_BASE;
	sc->credited = from;
	sc->co_started = 0;
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

/* One try of code at `from` with at most `steps` steps a start. */
static int search_rx_try(struct search_scan *sc, const pcre2_code *code,
			 size_t k, const unsigned char *p, size_t n,
			 size_t from, uint32_t opts, uint32_t steps)
{
	/* The depth limit is the interpreter's; the JIT ignores it. */
	sc->rx_k = k;
	pcre2_set_match_limit(sc->mctx, steps);
	pcre2_set_depth_limit(sc->mctx, steps);
	return pcre2_match(code, p, n, from, opts, sc->md[k], sc->mctx);
}

static int search_rx_out_of_steps(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT;
}

/*
 * Decide the start `at` with steps from the budget: tries with twice as
 * many steps each time, each try's limit taken from the budget in full
 * (PCRE2 does not say how many a try used), until the start is decided or
 * the budget is spent (PCRE2_ERROR_MATCHLIMIT).
 */
static int search_rx_costly(struct search_scan *sc, size_t k,
			    const unsigned char *p, size_t n, size_t at,
			    uint32_t opts)
{
	const pcre2_code *code = sc->s->icode[k] ? sc->s->icode[k] : sc->s->acode[k];
	uint64_t lim = 2 * (uint64_t)sc->s->first[k];
	int rc;

	do {
		if (lim > sc->steps)
			lim = sc->steps;
		if (lim > UINT32_MAX)
			lim = UINT32_MAX;
		if (lim == 0)
			return PCRE2_ERROR_MATCHLIMIT;
		sc->steps -= lim;
		rc = search_rx_try(sc, code, k, p, n, at, opts, (uint32_t)lim);
		lim *= 2;
	} while (search_rx_out_of_steps(rc));
	return rc;
}

/*
 * An unanchored search from *from ran out of its first steps at some
 * start.  Try the starts from *from one at a time, up to the first that
 * does not fail (its result is returned, *from = that start) or the costly
 * one: if it fails too, *from is set past it and PCRE2_ERROR_NOMATCH
 * returned, for the caller to go on unanchored.  Every start before the
 * costly one fails as it did in the unanchored search, within the limit.
 */
static int search_rx_starts(struct search_scan *sc, size_t k,
			    const unsigned char *p, size_t n, size_t *from,
			    uint32_t opts)
{
	size_t at;
	int rc = PCRE2_ERROR_NOMATCH;

	for (at = *from; at <= n; at++) {
		rc = search_rx_try(sc, sc->s->acode[k], k, p, n, at, opts,
				   sc->s->first[k]);
		if (search_rx_out_of_steps(rc)) {
			rc = search_rx_costly(sc, k, p, n, at, opts);
			if (rc == PCRE2_ERROR_NOMATCH)
				at++;
			break;
		}
		if (rc != PCRE2_ERROR_NOMATCH)
			break;
	}
	*from = at;
	return rc;
}

/*
 * A pattern with a literal start (s->lit[k]): try, as search_rx_starts
 * does, only the starts where the literal lies whole, in order, up to the
 * first that does not fail (*from = it).  A start in the last len - 1
 * bytes may still begin a match that goes on in the next chunk: with
 * PCRE2_PARTIAL_HARD the unanchored pattern runs from there to say so.
 */
static int search_rx_lit_starts(struct search_scan *sc, size_t k,
				const unsigned char *p, size_t n, size_t *from,
				uint32_t opts)
{
	const struct search *s = sc->s;
	const struct grep_simd_set *lit = &s->lit[k];
	size_t at = *from, len, tail = n > lit->maxlen - 1 ? n - (lit->maxlen - 1) : 0;
	int rc;

	while ((at = lit->find(lit, p, n, at, n, &len)) < n) {
		rc = search_rx_try(sc, s->acode[k], k, p, n, at, opts, s->first[k]);
		if (search_rx_out_of_steps(rc))
			rc = search_rx_costly(sc, k, p, n, at, opts);
		if (rc != PCRE2_ERROR_NOMATCH) {
			*from = at;
			return rc;
		}
		at++;
	}
	if (tail > *from)
		*from = tail;
	if (!(opts & PCRE2_PARTIAL_HARD))
		return PCRE2_ERROR_NOMATCH;
	return search_rx_try(sc, s->code[k], k, p, n, *from, opts, s->first[k]);
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
		if (sc->s->lit[k].npats)
			rc = search_rx_lit_starts(sc, k, p, n, &from, opts);
		else
			rc = search_rx_try(sc, sc->s->code[k], k, p, n, from, opts,
					   sc->s->first[k]);
		if (search_rx_out_of_steps(rc)) {
			rc = search_rx_starts(sc, k, p, n, &from, opts);
			if (rc == PCRE2_ERROR_NOMATCH && from <= n)
				continue;
		}
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
	if (rc == PCRE2_ERROR_NOMEMORY)
		return -ENOMEM;
	if (search_rx_out_of_steps(rc) || rc == PCRE2_ERROR_HEAPLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT)
		return SEARCH_ECOMPLEX;
	return SEARCH_EREGEX;
}

/* The budget grows by SEARCH_STEPS_PER_BYTE for each start up to `end`. */
static void search_rx_credit(struct search_scan *sc, uint64_t end)
{
	if (end > sc->limit)
		end = sc->limit;
	if (end > sc->credited) {
		sc->steps += (end - sc->credited) * SEARCH_STEPS_PER_BYTE;
		sc->credited = end;
	}
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
	search_rx_credit(sc, pos + n);
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

static const char *search_pcre2_msg(int rc, PCRE2_UCHAR *msg, size_t len)
{
	pcre2_get_error_message(rc, msg, len);
	return (const char *)msg;
}

int search_is_status(int rc)
{
	return rc <= SEARCH_STOPPED && rc >= SEARCH_EREGEX;
}

const char *search_strerror(const struct search_scan *sc, int status,
			    char *buf, size_t len)
{
	PCRE2_UCHAR msg[256];
	unsigned long long off = sc->err_off;

	switch (status) {
	case SEARCH_ECOMPLEX:
		if (search_rx_out_of_steps(sc->err))
			snprintf(buf, len,
				 "pattern too complex: the regex ran out of backtracking "
				 "steps at offset %llu (a search may take %llu million "
				 "plus %u a byte): simplify the pattern", off,
				 (unsigned long long)(SEARCH_STEPS_BASE >> 20),
				 SEARCH_STEPS_PER_BYTE);
		else
			snprintf(buf, len, "pattern too complex: %s at offset %llu",
				 search_pcre2_msg(sc->err, msg, sizeof msg), off);
		break;
	case SEARCH_ELONG:
		snprintf(buf, len,
			 "a regex match at offset %llu is longer than the %zu KiB "
			 "that can span two chunks of input",
			 off, SEARCH_REGEX_KEEP >> 10);
		break;
	case SEARCH_EREGEX:
		snprintf(buf, len, "regex matching failed in the search from offset %llu: %s",
			 off, search_pcre2_msg(sc->err, msg, sizeof msg));
		break;
	default:
		snprintf(buf, len, "search stopped");
		break;
	}
	return buf;
}
