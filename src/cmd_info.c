/*
 * mmtool info [OPTIONS] FILE...
 *
 * What each FILE is: size, bytes allocated, data extents and holes, type,
 * MIME type and encoding as libmagic has them, and how many of its pages
 * are in the page cache.  -b and --mime print only the type or the MIME
 * type, as `file -b` and `file -b --mime-type` do; --json prints one object
 * per file and line.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cmd.h"
#include "magic.h"
#include "msg.h"
#include "out.h"

struct info_opts {
	int brief, mime, json;
};

/* What is known about one file once it has been looked at. */
struct info_file {
	const char *name;
	struct cache_layout layout;
	uint64_t pages, resident;
	const char *unknown;	/* why resident is not known, or NULL */
	struct magic_info magic;
	int asked;		/* the magic helper owes an answer for it */
	char err[512];		/* what went wrong, to report in turn; "" if nothing */
};

/* "1.5 MiB": one decimal, rounded, in the largest unit that keeps it >= 1. */
static void info_human(uint64_t n, char *buf, size_t cap)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	uint64_t div = 1, tenths;
	unsigned u = 0;

	if (n < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)n);
		return;
	}
	while (u < 6 && n / div >= 1024)
		div <<= 10, u++;
	/* No overflow: n % div < 2^60, so ten times it fits in 64 bits. */
	tenths = n / div * 10 + ((n % div) * 10 + div / 2) / div;
	if (tenths >= 10240 && u < 6) {
		/* 1023.96 KiB rounds to 1024.0 KiB: say 1.0 MiB instead. */
		div <<= 10, u++;
		tenths = n / div * 10 + ((n % div) * 10 + div / 2) / div;
	}
	snprintf(buf, cap, "%llu.%llu %s", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10), units[u]);
}

/* A name or description for a terminal: control characters become '?'. */
static void info_put_clean(struct out *o, const char *s)
{
	for (; s && *s; s++)
		out_char(o, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

/* As libmagic says it (file -b prints it so), or nothing for NULL. */
static void info_put_raw(struct out *o, const char *s)
{
	if (s)
		out_str(o, s);
}

/* The length of a valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t info_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A JSON string.  Valid UTF-8 passes as it is; a byte that is not part of
 * any (a file name is bytes, not text) becomes \udcXX, the lone surrogate
 * Python's "surrogateescape" uses, so that json.loads() and os.fsencode()
 * give back the very bytes of the name.
 */
static void info_json_str(struct out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];
	size_t n;

	out_char(o, '"');
	while (s && *s) {
		if (*s == '"' || *s == '\\') {
			out_char(o, '\\');
			out_char(o, (char)*s++);
		} else if (*s == '\n') {
			out_str(o, "\\n"), s++;
		} else if (*s == '\t') {
			out_str(o, "\\t"), s++;
		} else if (*s == '\r') {
			out_str(o, "\\r"), s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", *s++);
			out_str(o, esc);
		} else if (*s < 0x80) {
			out_char(o, (char)*s++);
		} else if ((n = info_utf8_len(s))) {
			out_write(o, s, n);
			s += n;
		} else {
			snprintf(esc, sizeof esc, "\\udc%02x", *s++);
			out_str(o, esc);
		}
	}
	out_char(o, '"');
}

static void info_print_json(struct out *o, const struct info_file *f)
{
	out_str(o, "{\"file\":");
	info_json_str(o, f->name);
	out_printf(o, ",\"size\":%llu,\"allocated\":%llu,\"extents\":%llu,\"holes\":%llu,\"type\":",
		   (unsigned long long)f->layout.size,
		   (unsigned long long)f->layout.allocated,
		   (unsigned long long)f->layout.extents,
		   (unsigned long long)f->layout.holes);
	info_json_str(o, f->magic.type);
	out_str(o, ",\"mime\":");
	info_json_str(o, f->magic.mime);
	out_str(o, ",\"encoding\":");
	info_json_str(o, f->magic.encoding);
	out_printf(o, ",\"page_size\":%zu,\"pages\":%llu,\"resident_pages\":",
		   map_page_size(), (unsigned long long)f->pages);
	if (!f->unknown)
		out_printf(o, "%llu}\n", (unsigned long long)f->resident);
	else
		out_str(o, "null}\n");
}

/* "key:" padded so that the values line up. */
static void info_key(struct out *o, const char *key)
{
	out_printf(o, "%-16s", key);
}

static void info_bytes_line(struct out *o, const char *key, uint64_t n)
{
	char human[32];

	info_human(n, human, sizeof human);
	info_key(o, key);
	out_printf(o, "%llu (%s)\n", (unsigned long long)n, human);
}

static void info_print_human(struct out *o, const struct info_file *f)
{
	info_key(o, "file:");
	info_put_clean(o, f->name);
	out_char(o, '\n');
	info_bytes_line(o, "size:", f->layout.size);
	info_bytes_line(o, "allocated:", f->layout.allocated);
	info_key(o, "extents:");
	out_printf(o, "%llu\n", (unsigned long long)f->layout.extents);
	info_key(o, "holes:");
	out_printf(o, "%llu\n", (unsigned long long)f->layout.holes);
	info_key(o, "type:");
	info_put_clean(o, f->magic.type);
	out_char(o, '\n');
	info_key(o, "mime:");
	info_put_clean(o, f->magic.mime);
	out_char(o, '\n');
	info_key(o, "encoding:");
	info_put_clean(o, f->magic.encoding);
	out_char(o, '\n');
	info_key(o, "page size:");
	out_printf(o, "%zu\n", map_page_size());
	info_key(o, "pages:");
	out_printf(o, "%llu\n", (unsigned long long)f->pages);
	info_key(o, "resident pages:");
	if (!f->unknown)
		out_printf(o, "%llu\n", (unsigned long long)f->resident);
	else
		out_printf(o, "unknown (%s)\n", f->unknown);
}

static void info_set_err(struct info_file *f, const char *what,
			 const char *detail)
{
	snprintf(f->err, sizeof f->err, "%s%s%s", what ? what : "",
		 what ? ": " : "", detail);
}

/*
 * Where the file's bytes are.  Residency is measured before libmagic reads
 * the head of the file, so that it is what the page cache held when info
 * started, not what info itself brought in.
 */
static int info_layout(int fd, const struct stat *st, struct info_file *f)
{
	size_t page = map_page_size();
	int rc;

	if ((rc = cache_layout(fd, st, &f->layout))) {
		info_set_err(f, "SEEK_DATA/SEEK_HOLE", strerror(-rc));
		return -1;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode))
		return 0;	/* no pages: a directory, pipe or device */
	f->pages = f->layout.size / page + (f->layout.size % page != 0);
	if (!f->layout.size)
		return 0;
	if (!cache_residency_visible(fd, st)) {
		f->unknown = "Linux shows the page cache only of files you own or may write";
		return 0;
	}
	rc = cache_resident(fd, f->layout.size, &f->resident);
	/* A file that cannot be mapped (/sys files) has no answer. */
	if (rc == -ENODEV) {
		f->unknown = "the file cannot be mapped";
	} else if (rc) {
		info_set_err(f, "mincore", strerror(-rc));
		return -1;
	}
	return 0;
}

static int info_want(const struct info_opts *io)
{
	if (io->brief)
		return MM_MAGIC_TYPE;
	if (io->mime)
		return MM_MAGIC_MIME;
	return MM_MAGIC_TYPE | MM_MAGIC_MIME | MM_MAGIC_ENCODING;
}

/*
 * Look at the file f->name: open it, measure it, and have libmagic say
 * what it is, here or in the helper.  When all is wanted the helper gets
 * the MIME half of every file, and the other half too when it has answered
 * all it was asked before; when -b or --mime wants one answer, it gets the
 * files that come while it has at most one other to do.  So the work
 * splits by how fast each side is.  Errors go to f->err.
 */
static void info_look(const struct info_opts *io, struct info_file *f,
		      int unanswered)
{
	int is_stdin = !strcmp(f->name, "-"), fd = STDIN_FILENO, rc, want;
	int all = !io->brief && !io->mime;
	const char *why;
	struct stat st;

	if (is_stdin)
		rc = fstat(fd, &st) < 0 ? -errno : 0;
	else
		rc = cache_open(f->name, 0, &fd, &st);
	if (rc) {
		info_set_err(f, NULL, strerror(-rc));
		return;
	}
	if (all && info_layout(fd, &st, f))
		goto close;
	want = info_want(io);
	/* Asked only now, after the residency was measured. */
	if (!is_stdin && all && unanswered == 0 && magic_db_ask(f->name, want) == 0) {
		f->asked = 1;
		want = 0;
	} else if (!is_stdin && all &&
		   magic_db_ask(f->name, MM_MAGIC_MIME | MM_MAGIC_ENCODING) == 0) {
		f->asked = 1;
		want = MM_MAGIC_TYPE;
	} else if (!is_stdin && !all && unanswered < 2 && magic_db_ask(f->name, want) == 0) {
		f->asked = 1;
		want = 0;
	}
	/* By name where there is one: file(1) then adds "setuid" and such. */
	if (want && magic_db_identify(is_stdin ? NULL : f->name, fd, want,
				      &f->magic, &why))
		info_set_err(f, NULL, why);
close:
	if (!is_stdin)
		close(fd);
}

/*
 * Take the helper's answer for f into f->magic.  Without `wait`, returns 0
 * if it is not there yet; else 1.
 */
static int info_collect(const struct info_opts *io, struct info_file *f,
			int wait)
{
	struct magic_info got;
	const char *why;
	int rc;

	if (!f->asked)
		return 1;
	rc = magic_db_answer(&got, &why, wait);
	if (rc == 1)
		return 0;
	f->asked = 0;
	if (rc == -2 && !f->err[0]) {
		/* The helper is gone: ask here what it was asked. */
		rc = magic_db_identify(f->name, -1, f->magic.type ?
				       MM_MAGIC_MIME | MM_MAGIC_ENCODING : info_want(io),
				       &got, &why);
	}
	if (f->err[0]) {
		/* The half done here failed; the answer is of no use. */
		if (rc == 0)
			magic_info_free(&got);
		return 1;
	}
	if (rc) {
		info_set_err(f, NULL, why);
		return 1;
	}
	if (got.type)
		f->magic.type = got.type;
	if (got.mime)
		f->magic.mime = got.mime;
	if (got.encoding)
		f->magic.encoding = got.encoding;
	return 1;
}

/* Print what was found about f, or report what went wrong; the status. */
static int info_emit(const struct info_opts *io, struct out *o,
		     struct info_file *f, int *nprinted)
{
	int rc = MM_EXIT_OK;

	info_collect(io, f, 1);
	if (f->err[0]) {
		/* After what is already printed, so that the order holds. */
		out_flush(o);
		rc = mm_error("info", f->name, "%s", f->err);
	} else if (io->brief || io->mime) {
		info_put_raw(o, io->brief ? f->magic.type : f->magic.mime);
		out_char(o, '\n');
	} else if (io->json) {
		info_print_json(o, f);
	} else {
		if ((*nprinted)++)
			out_char(o, '\n');
		info_print_human(o, f);
	}
	magic_info_free(&f->magic);
	return rc;
}

static int info_run(int argc, const char **argv)
{
	struct info_opts io = { 0 };
	struct poptOption table[] = {
		{ "brief", 'b', POPT_ARG_NONE, &io.brief, 0,
		  "print only the type, as 'file -b' does", NULL },
		{ "mime", 0, POPT_ARG_NONE, &io.mime, 0,
		  "print only the MIME type, as file(1) prints it with -b and its mime-type option", NULL },
		{ "json", 0, POPT_ARG_NONE, &io.json, 0,
		  "print one JSON object per file, one line each", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	/* Files looked at and not yet printed, oldest at head. */
	static struct info_file queue[MM_MAGIC_WINDOW];
	static struct out out;
	size_t head = 0, queued = 0;
	struct cmd_args a;
	const char *why;
	int rc, status = MM_EXIT_OK, nprinted = 0;

	rc = cmd_parse("info", table, "[OPTIONS] FILE...", 1, -1, 0, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (io.brief + io.mime + io.json > 1) {
		cmd_args_free(&a);
		return mm_error("info", NULL, "use only one of -b, --mime and --json");
	}
	if (magic_db_load(&why)) {
		cmd_args_free(&a);
		return mm_error("info", NULL, "%s", why);
	}
	if (a.nargs >= 2)
		magic_db_helper_start();
	out_init(&out, STDOUT_FILENO);
	for (int i = 0; i < a.nargs || queued; ) {
		size_t unanswered = 0, k;
		struct info_file *f;

		/* Take the answers that are in, in the order asked. */
		for (k = 0; k < queued; k++) {
			f = &queue[(head + k) % MM_MAGIC_WINDOW];
			if (!info_collect(&io, f, 0))
				break;
		}
		for (; k < queued; k++)
			unanswered += queue[(head + k) % MM_MAGIC_WINDOW].asked;
		/* Print in order; wait for an answer only when the queue is full. */
		if (queued && (!queue[head].asked || queued == MM_MAGIC_WINDOW ||
			       i == a.nargs)) {
			status = mm_worst(status, info_emit(&io, &out, &queue[head], &nprinted));
			head = (head + 1) % MM_MAGIC_WINDOW;
			queued--;
			continue;
		}
		f = &queue[(head + queued++) % MM_MAGIC_WINDOW];
		memset(f, 0, sizeof *f);
		f->name = a.args[i++];
		info_look(&io, f, (int)unanswered);
	}
	out_flush(&out);
	if (out.err)
		status = MM_EXIT_ERROR;	/* main.c reports it */
	magic_db_unload();
	cmd_args_free(&a);
	return status;
}

const struct cmd cmd_info = {
	.name = "info",
	.summary = "what a file is: size, extents, type, pages in the page cache",
	.run = info_run,
};
