/*
 * sum64 FILE: map FILE and add up its 64-bit words; print the sum.
 *
 * The memory-bound ceiling for a search that maps the file: it touches
 * every byte once and does nothing else.  bench_grep.sh builds it with
 * `cc -O2` and reports mmtool grep's time as a fraction of it.  The mapping
 * is plain (no MAP_POPULATE), as a search tool's would be.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const unsigned char *p;
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, w;
	struct stat st;
	size_t n, i;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: sum64 FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 2;
	}
	n = (size_t)st.st_size;
	if (n == 0) {
		puts("0");
		return 0;
	}
	p = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	/* Four sums, so the adds do not wait on each other. */
	for (i = 0; i + 32 <= n; i += 32) {
		const uint64_t *q = (const uint64_t *)(const void *)(p + i);

		s0 += q[0];
		s1 += q[1];
		s2 += q[2];
		s3 += q[3];
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		s0 += w;
	}
	printf("%llu\n", (unsigned long long)(s0 + s1 + s2 + s3));
	return 0;
}
