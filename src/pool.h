/*
 * pool: the one worker pool.  Jobs 0 .. n-1 (a file, or a range of a large
 * file) run on up to `threads` threads, the calling thread among them;
 * their results are handed back on the calling thread in job order, so
 * output is the same for every thread count.  Knows nothing of files or
 * output; never prints.
 *
 * Each job writes its result into a slot (slot_size bytes, zeroed once,
 * reused: the job resets what it needs).  At most `ahead` jobs past the
 * oldest one not yet emitted are started, so memory stays bounded however
 * slow one job is.  With one thread nothing is started: job i runs, then
 * is emitted, then job i + 1.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include <stddef.h>

struct pool_ops {
	/* On any thread: do job i into slot.  Its return is given to emit. */
	int (*run)(void *ctx, size_t job, void *slot);
	/*
	 * On the calling thread, in job order: use the result.  A nonzero
	 * return stops the pool (no more jobs start) and is returned.
	 */
	int (*emit)(void *ctx, size_t job, void *slot, int run_rc);
	/* Optional: release what a slot holds, once, at the end. */
	void (*free_slot)(void *ctx, void *slot);
};

/*
 * Run jobs [0, n) on `threads` threads (0: the online CPUs).  Returns 0,
 * the first nonzero emit return, or -errno when no memory or thread could
 * be had before any job ran (with threads > 1 a failure to start a thread
 * only means fewer threads).
 */
int pool_run(size_t n, unsigned threads, size_t slot_size, size_t ahead,
	     const struct pool_ops *ops, void *ctx);

/* The number of online CPUs (at least 1), the default for -j. */
unsigned pool_cpus(void);

#endif
