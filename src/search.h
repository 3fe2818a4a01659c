/*
 * search: find every match of a set of patterns in bytes that arrive in
 * chunks, and report each once, in order, at its absolute offset.  Knows
 * nothing of the command line, files or output; never prints.
 *
 * Patterns are literal bytes, hex with wildcards, or PCRE2 regular
 * expressions over bytes.  A match of any pattern counts; at one offset the
 * longest pattern's match is the one reported.  Matches do not overlap
 * unless asked: after a match at [s, e) the next may start at e (with
 * overlap: at s + 1).  Empty matches are never reported.
 *
 * Chunks: feed search_scan to map_walk (search_feed is a map_chunk_fn) with
 * keep = search_walk_keep(); map_walk makes each chunk begin with the last
 * `keep` bytes of the one before.  The scan remembers up to where it has
 * decided (done) and where the next match may begin (next), so the overlap
 * is never reported twice, and a match that straddles two chunks is found
 * whole in the second.
 */
#ifndef MM_SEARCH_H
#define MM_SEARCH_H

#include <stddef.h>
#include <stdint.h>

enum search_kind {
	SEARCH_LITERAL,		/* the pattern's bytes */
	SEARCH_HEX,		/* hex bytes; "??" any byte, "?" any nibble */
	SEARCH_REGEX,		/* PCRE2, no UTF, JIT where available */
};

struct search_opts {
	enum search_kind kind;
	int icase;		/* fold ASCII case */
	int overlap;		/* report overlapping matches */
	const char *kernel;	/* force a literal kernel (tests): avx2, sse2, scalar */
};

/*
 * Bytes of the chunk overlap a regex match may span: a regex match that
 * crosses a chunk boundary and is longer than this (or whose matching looks
 * further ahead) is not reported but ends the scan with SEARCH_ELONG.
 */
#define SEARCH_REGEX_KEEP ((size_t)256 << 10)

struct search;

/*
 * Compile n patterns.  Returns NULL on error with a message in err (errlen
 * bytes, quoting the pattern where that helps) and the index of the bad
 * pattern in *bad.  PCRE2 is touched only for SEARCH_REGEX.
 */
struct search *search_compile(const char *const *pats, size_t n,
			      const struct search_opts *o, char *err,
			      size_t errlen, size_t *bad);
void search_free(struct search *s);

/*
 * 1 if no match can hold a zero byte (literal and hex patterns without
 * one), so that none lies in a hole or across its edge; 0 for a regex.
 */
int search_never_zero(const struct search *s);

/* Which literal kernel was chosen: "avx2", "sse2", "scalar" or "pcre2". */
const char *search_kernel(const struct search *s);

/* The map_walk keep for a scan that wants `margin` bytes of context. */
size_t search_walk_keep(const struct search *s, size_t margin);

/*
 * Where a walk must begin to resume a scan at offset `from`: early enough
 * for a regex to look behind and for `margin` bytes of context, and not
 * before `floor` (the start of what may be searched).
 */
uint64_t search_data_start(const struct search *s, uint64_t from,
			   size_t margin, uint64_t floor);

/*
 * A match, as given to the callback.  buf holds at least the match and, as
 * far as the walked data reaches, `margin` bytes on either side; it is
 * valid only during the call.
 */
struct search_hit {
	uint64_t off;
	size_t len;
	const unsigned char *buf;	/* bytes [buf_off, buf_off + buf_len) */
	uint64_t buf_off;
	size_t buf_len;
};

/* Return 0 to go on, nonzero to stop the scan (it returns SEARCH_STOPPED). */
typedef int (*search_hit_fn)(void *ctx, const struct search_hit *h);

/*
 * What search_feed, search_finish and search_scan_init return: 0, a
 * negative errno (map_walk's, or -ENOMEM), or one of these, all below
 * every -errno and MAP_ETRUNC (search_is_status tells them apart).
 */
enum search_status {
	SEARCH_STOPPED = -20001,	/* the callback asked to stop */
	SEARCH_ECOMPLEX = -20003,	/* a regex ran out of steps, heap or JIT stack */
	SEARCH_ELONG = -20004,		/* a regex match crosses a boundary, longer than the keep */
	SEARCH_EREGEX = -20005,		/* another PCRE2 matching error */
};

/* Whether rc is a search_status (search_strerror says what it means). */
int search_is_status(int rc);

/*
 * The regex step budget of one scan: SEARCH_STEPS_BASE plus
 * SEARCH_STEPS_PER_BYTE for each byte of starts it decides, shared by all
 * starts and patterns, in PCRE2 match-limit steps.  A start that needs
 * more than is left ends the scan with SEARCH_ECOMPLEX.  See search.c.
 */
#define SEARCH_STEPS_BASE ((uint64_t)16 << 20)
#define SEARCH_STEPS_PER_BYTE 8u

/* One scan over one stream of chunks; one per thread. */
struct search_scan {
	const struct search *s;
	uint64_t next;		/* no match may start before this */
	uint64_t done;		/* every start before this has been decided */
	uint64_t limit;		/* starts at or past this are not tried */
	uint64_t eof;		/* where the data ends, if known (UINT64_MAX: not) */
	size_t margin;
	search_hit_fn fn;
	void *ctx;
	unsigned char *tail;	/* the last chunk's end, for search_finish */
	size_t ntail, tailcap;
	uint64_t tailpos;
	int finished;		/* the data's end has been searched */
	int too_long;		/* a regex match the next chunk cannot decide */
	int err;		/* PCRE2 error code behind ECOMPLEX, EREGEX */
	uint64_t err_off;	/* ELONG: the match; ECOMPLEX: the start that
				   ran out; EREGEX: where that search began */
	uint64_t steps;		/* regex steps left in the budget */
	uint64_t credited;	/* starts before this have added their steps */
	size_t rx_k;		/* the pattern being matched */
	size_t co_start, co_pos;	/* search_rx_callout's start and position */
	uint64_t co_free;	/* units that start may still spend free */
	int co_started;
	void **md;		/* PCRE2 match data, one per pattern */
	void *ev;		/* each pattern's next match in the chunk */
	void *mctx, *jit_stack;
};

/*
 * Start a scan that decides starts from `from` on, reports matches that
 * start before `limit`, and calls fn for each.  `eof` is the offset where
 * the data ends when the caller knows it (the last chunk is then searched
 * as the end at once), else UINT64_MAX.  Returns 0 or -ENOMEM.
 */
int search_scan_init(struct search_scan *sc, const struct search *s,
		     uint64_t from, uint64_t limit, uint64_t eof, size_t margin,
		     search_hit_fn fn, void *ctx);
void search_scan_free(struct search_scan *sc);

/* Start the scan over, as search_scan_init would, without allocating. */
void search_scan_reset(struct search_scan *sc, uint64_t from, uint64_t limit,
		       uint64_t eof);

/*
 * Search one chunk p[0..n) at file offset pos (a map_chunk_fn; ctx is the
 * scan).  Decides the starts whose matches cannot reach past the chunk.
 */
int search_feed(void *ctx, const unsigned char *p, size_t n, uint64_t pos);

/*
 * The data has ended: decide the starts left in the last chunk's tail.
 * at_eof is 0 when the data was cut short on purpose (one thread's share
 * of a file): the tail is then left undecided, for the next scan.
 */
int search_finish(struct search_scan *sc, int at_eof);

/* Where a following scan must resume: max(next, done). */
uint64_t search_resume(const struct search_scan *sc);

/* The offset after a match for the next one: its end, or s + 1 with overlap. */
uint64_t search_after(const struct search *s, uint64_t off, size_t len);

/* A phrase for a search_status, e.g. "regex match limit exceeded". */
const char *search_strerror(const struct search_scan *sc, int status,
			    char *buf, size_t len);

#endif
