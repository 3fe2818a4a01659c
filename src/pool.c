#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pool.h"

enum { POOL_FREE, POOL_RUNNING, POOL_DONE };

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a job finished, or the pool stops */
	const struct pool_ops *ops;
	void *ctx;
	size_t n, ahead, slot_size;
	size_t next;		/* the next job to start */
	size_t emitted;		/* jobs [0, emitted) were handed back */
	int stop;
	unsigned char *slots;	/* ahead of them: job i uses i % ahead */
	int *state, *rc;	/* per slot */
};

unsigned pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static void *pool_slot(struct pool *p, size_t job)
{
	return p->slots + (job % p->ahead) * p->slot_size;
}

/* Claim the next job if its slot is free; call with the lock held. */
static int pool_claim(struct pool *p, size_t *job)
{
	if (p->stop || p->next >= p->n || p->next >= p->emitted + p->ahead)
		return 0;
	*job = p->next++;
	p->state[*job % p->ahead] = POOL_RUNNING;
	return 1;
}

/* Run a claimed job without the lock, and mark it done. */
static void pool_do(struct pool *p, size_t job)
{
	int rc;

	pthread_mutex_unlock(&p->lock);
	rc = p->ops->run(p->ctx, job, pool_slot(p, job));
	pthread_mutex_lock(&p->lock);
	p->rc[job % p->ahead] = rc;
	p->state[job % p->ahead] = POOL_DONE;
	pthread_cond_broadcast(&p->cond);
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t job;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (pool_claim(p, &job))
			pool_do(p, job);
		else if (p->stop || p->next >= p->n)
			break;
		else
			pthread_cond_wait(&p->cond, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/*
 * The calling thread: hand back the oldest job as soon as it is done, and
 * otherwise work like the others.  Returns the first nonzero emit.
 */
static int pool_lead(struct pool *p)
{
	size_t job, s;
	int rc = 0, run_rc;

	pthread_mutex_lock(&p->lock);
	while (p->emitted < p->n && !p->stop) {
		s = p->emitted % p->ahead;
		if (p->state[s] == POOL_DONE && p->emitted < p->next) {
			run_rc = p->rc[s];
			pthread_mutex_unlock(&p->lock);
			rc = p->ops->emit(p->ctx, p->emitted, pool_slot(p, p->emitted), run_rc);
			pthread_mutex_lock(&p->lock);
			p->state[s] = POOL_FREE;
			p->emitted++;
			if (rc)
				p->stop = 1;
			pthread_cond_broadcast(&p->cond);
		} else if (pool_claim(p, &job)) {
			pool_do(p, job);
		} else {
			pthread_cond_wait(&p->cond, &p->lock);
		}
	}
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static int pool_serial(struct pool *p)
{
	void *slot = p->slots;
	int rc = 0;

	for (size_t i = 0; i < p->n && !rc; i++)
		rc = p->ops->emit(p->ctx, i, slot, p->ops->run(p->ctx, i, slot));
	return rc;
}

static int pool_start(struct pool *p, unsigned threads)
{
	pthread_t *tid = calloc(threads, sizeof *tid);
	unsigned started = 0;
	int rc;

	if (!tid)
		return -ENOMEM;
	for (unsigned i = 1; i < threads; i++)
		if (pthread_create(&tid[started], NULL, pool_worker, p) == 0)
			started++;
	rc = pool_lead(p);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	return rc;
}

int pool_run(size_t n, unsigned threads, size_t slot_size, size_t ahead,
	     const struct pool_ops *ops, void *ctx)
{
	struct pool p = { .ops = ops, .ctx = ctx, .n = n, .slot_size = slot_size };
	size_t slots_len;
	int rc;

	if (threads == 0)
		threads = pool_cpus();
	if ((size_t)threads > n)
		threads = n ? (unsigned)n : 1;
	p.ahead = threads == 1 ? 1 : ahead > threads ? ahead : threads;
	/*
	 * Slots from mmap, not calloc: zero pages that cost nothing until a job
	 * writes them, where calloc clears every slot's buffer (megabytes for
	 * grep's ranges of each large file) though most jobs never fill it.
	 */
	slots_len = p.ahead * (slot_size ? slot_size : 1);
	p.slots = mmap(NULL, slots_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p.state = calloc(p.ahead, sizeof *p.state);
	p.rc = calloc(p.ahead, sizeof *p.rc);
	if (p.slots == MAP_FAILED || !p.state || !p.rc) {
		rc = -ENOMEM;
		goto out;
	}
	if (threads == 1) {
		rc = pool_serial(&p);
	} else {
		pthread_mutex_init(&p.lock, NULL);
		pthread_cond_init(&p.cond, NULL);
		rc = pool_start(&p, threads);
		pthread_cond_destroy(&p.cond);
		pthread_mutex_destroy(&p.lock);
	}
	if (ops->free_slot)
		for (size_t i = 0; i < p.ahead; i++)
			ops->free_slot(ctx, p.slots + i * slot_size);
out:
	if (p.slots != MAP_FAILED)
		munmap(p.slots, slots_len);
	free(p.state);
	free(p.rc);
	return rc;
}
