/*
 * Helpers shared by the harnesses: a failed invariant aborts, which
 * libFuzzer reports as a crash and saves the input for.
 */
#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((format(printf, 1, 2), noreturn))
static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond))						\
			fuzz_fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/*
 * The input as a C string, cut at its first NUL; malloc'd to exactly its
 * length + 1, so ASan sees any read past the terminator.
 */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* A small deterministic generator for choices derived from the input. */
static inline uint64_t fuzz_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void fuzz_hexdump(const char *what, const void *p, size_t n)
{
	const unsigned char *b = p;

	fprintf(stderr, "%s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", b[i]);
	fputc('\n', stderr);
}

#endif
