/*
 * LD_PRELOAD library for the fault tests: after a successful mmap of a
 * regular file whose path contains $TRUNC_MATCH, truncate that file to 0
 * bytes, so the next touch of the mapping raises SIGBUS exactly as when
 * another process truncates it (and likewise before a sendfile(2) or a
 * pread(2) from it, so that the read then ends early, and before a
 * pwrite(2) to it, which then writes past the new end) (FACTS.md:
 * deterministic, unlike a race with truncate(1)).  With $TRUNC_SIZE, to that many bytes instead: the
 * rest of the page they end in then reads as zeros, without a SIGBUS.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Built with _FILE_OFFSET_BITS=64, mmtool calls mmap64; other programs call
 * mmap.  Both come here.
 */
static void *trunc_after(void *p, int fd);

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real)(void *, size_t, int, int, int, off_t);

	if (!real)
		real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	return trunc_after(real(addr, len, prot, flags, fd, off), fd);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real)(void *, size_t, int, int, int, off_t);

	if (!real)
		real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap64");
	return trunc_after(real(addr, len, prot, flags, fd, off), fd);
}

/* peek --raw copies with sendfile(2) instead of mapping: cut it there too. */
ssize_t sendfile(int out_fd, int in_fd, off_t *off, size_t count)
{
	static ssize_t (*real)(int, int, off_t *, size_t);

	if (!real)
		real = (ssize_t (*)(int, int, off_t *, size_t))dlsym(RTLD_NEXT, "sendfile");
	trunc_after(NULL, in_fd);
	return real(out_fd, in_fd, off, count);
}

ssize_t sendfile64(int out_fd, int in_fd, off_t *off, size_t count)
{
	static ssize_t (*real)(int, int, off_t *, size_t);

	if (!real)
		real = (ssize_t (*)(int, int, off_t *, size_t))dlsym(RTLD_NEXT, "sendfile64");
	trunc_after(NULL, in_fd);
	return real(out_fd, in_fd, off, count);
}

/* Scans read with pread(2) unless asked to map: cut them there too. */
ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
	trunc_after(NULL, fd);
	return real(fd, buf, count, off);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
	trunc_after(NULL, fd);
	return real(fd, buf, count, off);
}

/* poke and replace write with pwrite(2): cut the file before each write. */
ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	trunc_after(NULL, fd);
	return real(fd, buf, count, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
	trunc_after(NULL, fd);
	return real(fd, buf, count, off);
}

static void *trunc_after(void *p, int fd)
{
	const char *match = getenv("TRUNC_MATCH");
	char link[64], path[4096];
	struct stat st;
	ssize_t n;

	if (p == MAP_FAILED || fd < 0 || !match || !*match)
		return p;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return p;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return p;
	path[n] = '\0';
	if (strstr(path, match))
		if (truncate(link, getenv("TRUNC_SIZE") ? atoll(getenv("TRUNC_SIZE")) : 0) < 0)
			perror("trunc.so: truncate");
	return p;
}
