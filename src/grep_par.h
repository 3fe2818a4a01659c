/*
 * grep_par: grep's second core.  A large file is cut into windows.  The
 * main thread walks them from the front, printing as it goes; a worker
 * thread takes them from the back, one at a time, and searches each into a
 * bounded pool of matches.  Where the two meet depends only on their
 * speeds: if the worker starts late or loses its CPU, the main thread just
 * does more.  The main thread then prints the worker's windows in order.
 * Nothing here prints; the worker never allocates.
 *
 * Each worker window was searched as if no match crossed into it from the
 * window before.  If one did, the window's list is re-joined to the true
 * sequence with grep_par_sync: a scan's only state is the offset where the
 * next match may begin, so once the main thread's scan reaches a state the
 * worker also passed through, the two sequences agree from there on.
 */
#ifndef MM_GREP_PAR_H
#define MM_GREP_PAR_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"
#include "search.h"

struct grep_par_mark {
	uint64_t off;
	uint64_t len;
};

/* One window as the worker left it; read it only once `done`. */
struct grep_par_win {
	size_t first, n;	/* its matches: pool[first .. first + n) */
	int done;
	int rc;			/* 0, a map error or a search_status error */
	int complete;		/* every start in the window was decided */
	uint64_t resume;	/* where its scan would go on */
};

/* One file searched on two threads. */
struct grep_par {
	/* Set by the main thread before grep_par_start. */
	struct map_file *f;
	const struct search *s;
	uint64_t lo, hi;	/* the range searched */
	uint64_t wsize;		/* bytes of starts a window decides */
	size_t nwin;
	struct grep_par_win *win;	/* nwin of them */
	struct grep_par_mark *pool;	/* cap matches, shared by the worker's windows */
	size_t cap;
	struct search_scan sc;	/* the worker's scan, from search_scan_init */
	/* Shared, under the worker's lock. */
	size_t m, L;		/* main owns windows [0, m), the worker [L, nwin) */
	size_t used;		/* of the pool */
	int active;		/* the worker is, or may be, at work on this file */
	int stop;		/* the worker is to claim no more windows */
	volatile int cancel;	/* abandon the window in hand */
};

struct grep_par_worker;

/* The window k: starts in [grep_par_start_of(p, k), grep_par_start_of(p, k + 1)). */
uint64_t grep_par_start_of(const struct grep_par *p, size_t k);

/*
 * Let the worker begin on p (starting the thread the first time).  Returns
 * 0, or -errno if no thread could be started: search serially then.
 */
int grep_par_start(struct grep_par_worker **w, struct grep_par *p);

/*
 * The main thread takes the windows holding starts before `upto`, as far
 * as the worker has not; returns the first offset it does not own.
 */
uint64_t grep_par_own(struct grep_par_worker *w, struct grep_par *p, uint64_t upto);

/* Wait until window k is done. */
void grep_par_wait(struct grep_par_worker *w, struct grep_par *p, size_t k);

/*
 * Wait until the worker has left p: it claims nothing more, and with
 * cancel it abandons the window in hand (which then stays not complete).
 */
void grep_par_finish(struct grep_par_worker *w, struct grep_par *p, int cancel);

/* Wait until the worker has claimed and searched all it will (tests). */
void grep_par_idle(struct grep_par_worker *w, struct grep_par *p);

/* End the thread and free the worker. */
void grep_par_worker_free(struct grep_par_worker *w);

/*
 * Where window k's list takes over from a scan whose next match may begin
 * at x: the first j with R_j <= x <= off_j, where R_j is the state in which
 * the worker found match j (the window's start, or search_after() of match
 * j - 1), and match n stands for "after the last".  Returns 1 and sets *j,
 * or 0 if x lies inside one of the window's matches (scan on, then).
 */
int grep_par_sync(const struct grep_par *p, size_t k, uint64_t x, size_t *j);

#endif
