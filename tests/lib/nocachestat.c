/*
 * LD_PRELOAD library for the info and flush tests: syscall(2) of
 * cachestat fails with ENOSYS, as on a kernel before 6.5, so that the
 * mincore(2) path is tested on this one.  Every other system call is
 * passed on unchanged (six arguments: the most any takes).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>

#define NR_CACHESTAT 451

long syscall(long number, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	if (number == NR_CACHESTAT) {
		errno = ENOSYS;
		return -1;
	}
	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
