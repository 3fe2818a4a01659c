/*
 * out: a buffered writer on a file descriptor.  stdio is not used for
 * output: the dump formatters fill this buffer directly, and a SIGBUS that
 * abandons a formatter midway cannot leave a stdio lock held.
 */
#ifndef MM_OUT_H
#define MM_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OUT_BUF_SIZE ((size_t)1 << 17)

struct out {
	int fd;
	int err;		/* first write error, as a positive errno */
	size_t len;
	char buf[OUT_BUF_SIZE];
};

void out_init(struct out *o, int fd);

/*
 * A struct out on fd from the heap (the buffer is too big for a stack),
 * or NULL when memory is short; out_free releases it without flushing.
 */
struct out *out_new(int fd);
void out_free(struct out *o);

/*
 * The one write loop: all n bytes to fd, again after EINTR.  Returns 0 or
 * a negative errno (-EIO for a write that wrote nothing).
 */
int out_write_fd(int fd, const void *buf, size_t n);

/*
 * The first error any struct out met writing to standard output, as a
 * positive errno (0: none).  EFAULT is left out: it means the bytes came
 * from a mapping that shrank, a fault of the input, which the command
 * reports.  main.c reports this one, once, at exit.
 */
int out_stdout_error(void);

/* Write what is buffered; returns 0 or -errno (also kept in o->err). */
int out_flush(struct out *o);

/*
 * Make room for n bytes (n <= OUT_BUF_SIZE) and return where to put them;
 * the caller then adds n to o->len.
 */
static inline char *out_reserve(struct out *o, size_t n)
{
	if (OUT_BUF_SIZE - o->len < n)
		out_flush(o);
	return o->buf + o->len;
}

void out_write(struct out *o, const void *p, size_t n);

static inline void out_str(struct out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

static inline void out_char(struct out *o, char c)
{
	*out_reserve(o, 1) = c;
	o->len++;
}

void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* v in decimal: what out_printf's "%llu" gives, without parsing a format. */
void out_u64(struct out *o, uint64_t v);

#endif
