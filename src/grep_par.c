#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "grep_par.h"

/*
 * The CPUs we may run on, but the one we run on now, into *set.  Returns
 * that CPU, or -1 where we may run on no other.
 */
static int cpus_beside_us(cpu_set_t *set)
{
	int cpu = sched_getcpu();

	if (cpu < 0 || sched_getaffinity(0, sizeof *set, set) < 0)
		return -1;
	CPU_CLR(cpu, set);
	return CPU_COUNT(set) > 0 ? cpu : -1;
}

/*
 * The worker's stack: it only walks and matches (PCRE2's JIT has its own
 * stack), and under `ulimit -v` every megabyte of address space counts.
 */
#define GREP_WORKER_STACK ((size_t)512 << 10)

struct grep_par_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct grep_par *par;	/* the file to work on, or NULL */
	int quit;
	int away_from;		/* the CPU it was kept off, or -1 */
};

uint64_t grep_par_start_of(const struct grep_par *p, size_t k)
{
	return k >= p->nwin ? p->hi : p->lo + k * p->wsize;
}

static int grep_par_mark(void *ctx, const struct search_hit *h)
{
	struct grep_par *p = ctx;

	p->pool[p->used].off = h->off;
	p->pool[p->used].len = h->len;
	/* Full: stop; the main thread goes on from here itself. */
	return ++p->used == p->cap;
}

/* Search window k into the pool.  Returns 1 if it was decided whole. */
static int grep_par_run(struct grep_par *p, size_t k)
{
	struct grep_par_win *win = &p->win[k];
	uint64_t start = grep_par_start_of(p, k), end = grep_par_start_of(p, k + 1);
	uint64_t reach = search_walk_keep(p->s, 0), from, to;
	int rc;

	/* As far as a match starting in the window can reach, and no further. */
	from = search_data_start(p->s, start, 0, p->lo);
	to = p->hi - end > reach ? end + reach : p->hi;
	search_scan_reset(&p->sc, start, end, to == p->hi ? p->hi : UINT64_MAX);
	p->sc.fn = grep_par_mark;
	p->sc.ctx = p;
	p->sc.cancel = &p->cancel;
	win->first = p->used;
	rc = p->used == p->cap ? SEARCH_STOPPED :
	     map_walk(p->f, from, to - from, search_walk_keep(p->s, 0),
		      search_feed, &p->sc);
	if (rc == 0)
		rc = search_finish(&p->sc, to == p->hi);
	win->n = p->used - win->first;
	win->complete = rc == 0;
	win->rc = rc == SEARCH_STOPPED || rc == SEARCH_CANCELLED ? 0 : rc;
	win->resume = search_resume(&p->sc);
	return win->complete;
}

static void *grep_par_worker_main(void *arg)
{
	struct grep_par_worker *w = arg;
	struct grep_par *p;
	size_t k;
	int whole;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !w->par)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		p = w->par;
		/* Window L - 1 is free while the main thread has not reached it. */
		while (!p->stop && p->L > p->m) {
			k = --p->L;
			pthread_mutex_unlock(&w->mu);
			whole = grep_par_run(p, k);
			pthread_mutex_lock(&w->mu);
			p->win[k].done = 1;
			/* A full pool or an error: the main thread takes it from here. */
			if (!whole)
				p->stop = 1;
			pthread_cond_broadcast(&w->cv);
		}
		p->active = 0;
		w->par = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int grep_par_start(struct grep_par_worker **wp, struct grep_par *p)
{
	struct grep_par_worker *w = *wp;
	pthread_attr_t attr;
	cpu_set_t set;
	int rc, cpu = cpus_beside_us(&set);

	/*
	 * Off our CPU: started there, grep -E of 256 MiB took 35 ms,
	 * not 28.  If we have moved since the last file, so does the worker.
	 */
	if (w && cpu >= 0 && cpu != w->away_from &&
	    pthread_setaffinity_np(w->thread, sizeof set, &set) == 0)
		w->away_from = cpu;
	if (!w) {
		w = calloc(1, sizeof *w);
		if (!w)
			return -ENOMEM;
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, GREP_WORKER_STACK);
		w->away_from = -1;
		if (cpu >= 0 && pthread_attr_setaffinity_np(&attr, sizeof set, &set) == 0)
			w->away_from = cpu;
		rc = pthread_create(&w->thread, &attr, grep_par_worker_main, w);
		pthread_attr_destroy(&attr);
		if (rc) {
			pthread_mutex_destroy(&w->mu);
			pthread_cond_destroy(&w->cv);
			free(w);
			return -rc;
		}
		*wp = w;
	}
	pthread_mutex_lock(&w->mu);
	for (size_t k = 0; k < p->nwin; k++)
		p->win[k].done = 0;
	p->m = 0;
	p->L = p->nwin;
	p->used = 0;
	p->stop = 0;
	p->cancel = 0;
	p->active = 1;
	w->par = p;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

uint64_t grep_par_own(struct grep_par_worker *w, struct grep_par *p, uint64_t upto)
{
	size_t need;
	uint64_t limit;

	need = upto >= p->hi ? p->nwin :
	       (size_t)((upto - p->lo + p->wsize - 1) / p->wsize);
	pthread_mutex_lock(&w->mu);
	if (need > p->L)
		need = p->L;
	if (need > p->m)
		p->m = need;
	limit = grep_par_start_of(p, p->m);
	pthread_mutex_unlock(&w->mu);
	return limit;
}

void grep_par_wait(struct grep_par_worker *w, struct grep_par *p, size_t k)
{
	pthread_mutex_lock(&w->mu);
	while (!p->win[k].done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void grep_par_finish(struct grep_par_worker *w, struct grep_par *p, int cancel)
{
	pthread_mutex_lock(&w->mu);
	p->stop = 1;
	if (cancel)
		p->cancel = 1;
	while (p->active)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void grep_par_idle(struct grep_par_worker *w, struct grep_par *p)
{
	pthread_mutex_lock(&w->mu);
	while (p->active)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void grep_par_worker_free(struct grep_par_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

int grep_par_sync(const struct grep_par *p, size_t k, uint64_t x, size_t *jp)
{
	const struct grep_par_win *win = &p->win[k];
	const struct grep_par_mark *mk = p->pool + win->first;
	uint64_t from = grep_par_start_of(p, k), rj;
	size_t lo = 0, hi = win->n, j;

	/* The largest j with R_j <= x; R_j grows with j. */
	if (x < from)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (search_after(p->s, mk[mid - 1].off, (size_t)mk[mid - 1].len) <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	j = lo;
	rj = j ? search_after(p->s, mk[j - 1].off, (size_t)mk[j - 1].len) : from;
	if (rj > x || (j < win->n && x > mk[j].off))
		return 0;
	*jp = j;
	return 1;
}
