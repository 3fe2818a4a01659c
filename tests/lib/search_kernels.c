/*
 * Test program linking the search core: search_kernels KERNEL [-i] FILE
 * PATTERN... prints, one a line, the offsets of the literal matches of
 * the patterns in FILE with the byte kernel KERNEL (avx2, sse2 or scalar)
 * forced through struct search_opts, so that the tests can compare every
 * kernel with python.  The first line says which kernel ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

static int print_hit(void *ctx, const struct search_hit *h)
{
	(void)ctx;
	printf("%llu\n", (unsigned long long)h->off);
	return 0;
}

int main(int argc, char **argv)
{
	struct search_opts o = { .kind = SEARCH_LITERAL };
	struct search_scan sc;
	struct search *s;
	unsigned char *buf;
	char err[256];
	size_t n, bad;
	FILE *f;
	int a = 2;

	if (argc < 4)
		return 2;
	o.kernel = argv[1];
	if (!strcmp(argv[a], "-i")) {
		o.icase = 1;
		a++;
	}
	if (!(f = fopen(argv[a], "rb")) || fseek(f, 0, SEEK_END))
		return 2;
	n = (size_t)ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (!buf || fread(buf, 1, n, f) != n)
		return 2;
	fclose(f);
	a++;
	s = search_compile((const char *const *)argv + a, (size_t)(argc - a), &o,
			   err, sizeof err, &bad);
	if (!s || search_scan_init(&sc, s, 0, UINT64_MAX, n, 0, print_hit, NULL)) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	printf("%s\n", search_kernel(s));
	if (n && search_feed(&sc, buf, n, 0))
		return 2;
	search_scan_free(&sc);
	search_free(s);
	free(buf);
	return 0;
}
