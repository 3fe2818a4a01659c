#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

static void msg_put_clean(char *dst, size_t cap, size_t *len, const char *s)
{
	for (; *s && *len + 1 < cap; s++)
		dst[(*len)++] = msg_clean_char(*s);
}

int mm_error(const char *cmd, const char *file, const char *fmt, ...)
{
	char text[1024], line[4096];
	size_t len = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);

	msg_put_clean(line, sizeof line, &len, "mmtool: ");
	if (cmd) {
		msg_put_clean(line, sizeof line, &len, cmd);
		msg_put_clean(line, sizeof line, &len, ": ");
	}
	if (file) {
		msg_put_clean(line, sizeof line, &len, file);
		msg_put_clean(line, sizeof line, &len, ": ");
	}
	msg_put_clean(line, sizeof line, &len, text);
	line[len++] = '\n';
	/* One write(2)-sized fputs keeps the line whole next to other writers. */
	fwrite(line, 1, len, stderr);
	fflush(stderr);
	return MM_EXIT_ERROR;
}

int mm_worst(int a, int b)
{
	return a > b ? a : b;
}
