/*
 * LD_PRELOAD library for the fault tests: process_vm_readv(2) and
 * process_vm_writev(2) fail with EPERM, as under a seccomp filter that
 * refuses them, so that mmtool's way around it (reading and writing the
 * mapping in place) is tested.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/types.h>
#include <sys/uio.h>

ssize_t process_vm_readv(pid_t pid, const struct iovec *local, unsigned long nlocal,
			 const struct iovec *remote, unsigned long nremote,
			 unsigned long flags)
{
	(void)pid, (void)local, (void)nlocal, (void)remote, (void)nremote, (void)flags;
	errno = EPERM;
	return -1;
}

ssize_t process_vm_writev(pid_t pid, const struct iovec *local, unsigned long nlocal,
			  const struct iovec *remote, unsigned long nremote,
			  unsigned long flags)
{
	(void)pid, (void)local, (void)nlocal, (void)remote, (void)nremote, (void)flags;
	errno = EPERM;
	return -1;
}
