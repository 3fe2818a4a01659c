#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "out.h"

static int out_stdout_errno;

int out_stdout_error(void)
{
	return __atomic_load_n(&out_stdout_errno, __ATOMIC_RELAXED);
}

void out_init(struct out *o, int fd)
{
	o->fd = fd;
	o->err = 0;
	o->len = 0;
}

int out_write_fd(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct out *out_new(int fd)
{
	struct out *o = malloc(sizeof *o);

	if (o)
		out_init(o, fd);
	return o;
}

void out_free(struct out *o)
{
	free(o);
}

static int out_write_all(struct out *o, const char *p, size_t n)
{
	int rc;

	if (o->err)
		return -o->err;
	if ((rc = out_write_fd(o->fd, p, n))) {
		o->err = -rc;
		if (o->fd == STDOUT_FILENO && o->err != EFAULT) {
			int none = 0;

			__atomic_compare_exchange_n(&out_stdout_errno, &none, o->err, 0,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		}
	}
	return rc;
}

int out_flush(struct out *o)
{
	int rc = out_write_all(o, o->buf, o->len);

	o->len = 0;
	return rc;
}

void out_write(struct out *o, const void *p, size_t n)
{
	if (n >= OUT_BUF_SIZE) {
		/* Large blocks (peek --raw) go straight from the mapping. */
		out_flush(o);
		out_write_all(o, p, n);
		return;
	}
	memcpy(out_reserve(o, n), p, n);
	o->len += n;
}

void out_printf(struct out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_write(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void out_u64(struct out *o, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof tmp;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	out_write(o, p, (size_t)(tmp + sizeof tmp - p));
}
