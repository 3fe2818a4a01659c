/*
 * cpus: where a helper runs beside us.  grep's worker thread and info's
 * libmagic process are kept off the CPU we run on.  The scheduler wakes a
 * new or woken task on its waker's CPU when it can (wake-affine), and
 * there the helper takes turns with us instead of running beside us
 * (measured: info's helper used 1.0 CPUs and never migrated; grep's
 * worker began 1.9 to 3.4 ms late, bench/RESULTS.md).  We are not pinned.
 */
#ifndef MM_CPUS_H
#define MM_CPUS_H

#include <sched.h>

/*
 * The CPUs we may run on, but the one we run on now, into *set.  Returns
 * that CPU, or -1 where we may run on no other (taskset, a cpuset).
 */
static inline int cpus_beside_us(cpu_set_t *set)
{
	int cpu = sched_getcpu();

	if (cpu < 0 || sched_getaffinity(0, sizeof *set, set) < 0)
		return -1;
	CPU_CLR(cpu, set);
	return CPU_COUNT(set) > 0 ? cpu : -1;
}

#endif
