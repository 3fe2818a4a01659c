/*
 * mmtool peek [OPTIONS] FILE [OFFSET [LENGTH]]
 *
 * Print LENGTH bytes at OFFSET (default: from 0 to the end) as xxd,
 * hexdump -C, xxd -p or xxd -i print them, raw, as a C string, or as typed
 * numbers.  Only the pages holding the range are mapped.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dump.h"
#include "msg.h"
#include "value.h"

struct peek_opts {
	const char *format, *cols, *group, *color;
	int upper, autoskip, no_squeeze, raw, lock;
};

/* What the walk feeds: a dump formatter, or the typed-value printer. */
struct peek_sink {
	struct dump dump;
	struct out *out;
	int typed;
	struct value_type type;
	unsigned char carry[8];	/* a value split between two stream reads */
	size_t ncarry;
};

static const struct {
	const char *name;
	enum dump_format fmt;
} peek_formats[] = {
	{ "xxd", DUMP_XXD }, { "canonical", DUMP_CANONICAL },
	{ "hex", DUMP_HEX }, { "raw", DUMP_RAW }, { "c", DUMP_C },
	{ "string", DUMP_STRING },
};

static void peek_values(struct peek_sink *s, const unsigned char *p, size_t n)
{
	size_t w = s->type.width;
	char text[40];

	if (s->ncarry) {
		size_t take = w - s->ncarry < n ? w - s->ncarry : n;

		memcpy(s->carry + s->ncarry, p, take);
		s->ncarry += take;
		p += take;
		n -= take;
		if (s->ncarry < w)
			return;
		text[value_format(&s->type, s->carry, text)] = '\n';
		out_write(s->out, text, strlen(text) + 0);
		s->ncarry = 0;
	}
	for (; n >= w; p += w, n -= w) {
		size_t len = value_format(&s->type, p, text);

		text[len] = '\n';
		out_write(s->out, text, len + 1);
	}
	memcpy(s->carry, p, n);
	s->ncarry = n;
}

static int peek_chunk(void *ctx, const unsigned char *p, size_t n, uint64_t pos)
{
	struct peek_sink *s = ctx;

	(void)pos;
	if (s->typed)
		peek_values(s, p, n);
	else
		dump_feed(&s->dump, p, n);
	return 0;
}

static int peek_parse_format(const char *name, struct peek_sink *s,
			     enum dump_format *fmt)
{
	for (size_t i = 0; i < sizeof peek_formats / sizeof peek_formats[0]; i++)
		if (!strcmp(name, peek_formats[i].name)) {
			*fmt = peek_formats[i].fmt;
			return 0;
		}
	if (value_type_parse(name, &s->type) == 0) {
		s->typed = 1;
		return 0;
	}
	return mm_error("peek", NULL,
			"unknown format '%s': use xxd, canonical, hex, raw, c, string, or %s",
			name, value_type_names);
}

static int peek_layout(const struct peek_opts *po, enum dump_format fmt,
		       struct dump_opts *o)
{
	uint64_t v;
	int rc;

	if (po->cols) {
		unsigned max = fmt == DUMP_XXD ? DUMP_MAX_XXD_COLS : DUMP_MAX_COLS;

		if ((rc = cmd_u64("peek", "--cols", po->cols, &v)))
			return rc;
		if (v < 1 || v > max)
			return mm_error("peek", NULL, "bad --cols '%s': use 1 to %u",
					po->cols, max);
		o->cols = (unsigned)v;
	}
	o->group = 2;
	if (po->group) {
		if ((rc = cmd_u64("peek", "--group", po->group, &v)))
			return rc;
		if (v > DUMP_MAX_XXD_COLS)
			return mm_error("peek", NULL, "bad --group '%s': use 0 to %u",
					po->group, DUMP_MAX_XXD_COLS);
		o->group = (unsigned)v;
	}
	o->upper = po->upper;
	o->autoskip = po->autoskip;
	o->no_squeeze = po->no_squeeze;
	return cmd_color("peek", po->color, STDOUT_FILENO, &o->color);
}

static int peek_run(int argc, const char **argv)
{
	struct peek_opts po = { .format = NULL };
	struct poptOption table[] = {
		{ "format", 'f', POPT_ARG_STRING, &po.format, 0,
		  "xxd (default), canonical, hex, raw, c, string, or a type u8..f64[le|be]", "FMT" },
		{ "raw", 0, POPT_ARG_NONE, &po.raw, 0, "the bytes themselves (= --format raw)", NULL },
		{ "cols", 'c', POPT_ARG_STRING, &po.cols, 0, "bytes per line (xxd: 1 to 256)", "N" },
		{ "group", 'g', POPT_ARG_STRING, &po.group, 0, "bytes per group (xxd; 0: no groups)", "N" },
		{ "upper", 'u', POPT_ARG_NONE, &po.upper, 0, "upper-case hex digits", NULL },
		{ "autoskip", 'a', POPT_ARG_NONE, &po.autoskip, 0, "squeeze runs of zero lines to '*' (xxd)", NULL },
		{ "no-squeeze", 'v', POPT_ARG_NONE, &po.no_squeeze, 0, "print repeated lines (canonical)", NULL },
		{ "color", 0, POPT_ARG_STRING, &po.color, 0, "colour bytes by class: auto, always, never", "WHEN" },
		{ "lock", 0, POPT_ARG_NONE, &po.lock, 0, "hold a shared flock(2) while reading", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct cmd_args a;
	struct num_offset off_arg = { 0, 0 };
	uint64_t off, len = UINT64_MAX;
	int len_given = 0, rc;
	enum dump_format fmt = DUMP_XXD;
	struct dump_opts o = { 0 };
	static struct out out;
	static struct peek_sink sink;
	struct map_file f;
	const char *path;

	rc = cmd_parse("peek", table, "[OPTIONS] FILE [OFFSET [LENGTH]]", 1, 3,
		       CMD_NEGATIVE_OPERANDS, argc, argv, &a);
	if (rc >= 0) {
		cmd_free_values(table);
		return rc;
	}
	path = a.args[0];
	memset(&sink, 0, sizeof sink);
	if (po.raw)
		fmt = DUMP_RAW;
	if ((po.format && (rc = peek_parse_format(po.format, &sink, &fmt))) ||
	    (rc = peek_layout(&po, fmt, &o)) ||
	    (a.nargs > 1 && (rc = cmd_offset("peek", "OFFSET", a.args[1], &off_arg))) ||
	    (a.nargs > 2 && (rc = cmd_u64("peek", "LENGTH", a.args[2], &len))))
		goto done;
	len_given = a.nargs > 2;
	o.len_given_zero = len_given && len == 0;

	if ((rc = cmd_open("peek", path, 0, &f)))
		goto done;
	if (po.lock && (rc = cmd_lock("peek", path, &f, 0)))
		goto close;
	if (f.stream) {
		if (off_arg.from_end) {
			rc = mm_error("peek", path,
				      "a negative OFFSET needs a file with a known size");
			goto close;
		}
		off = off_arg.mag;
	} else {
		if (num_resolve_offset(&off_arg, f.size, &off)) {
			rc = mm_error("peek", path,
				      "OFFSET '%s' reaches before the start of the file (size %llu)",
				      a.args[1], (unsigned long long)f.size);
			goto close;
		}
		if (off > f.size) {
			rc = mm_error("peek", path,
				      "OFFSET %llu is past the end of the file (size %llu)",
				      (unsigned long long)off, (unsigned long long)f.size);
			goto close;
		}
		if (len > f.size - off)
			len = f.size - off;
		if (sink.typed && len % sink.type.width) {
			rc = mm_error("peek", path,
				      "LENGTH %llu is not a whole number of %u-byte values",
				      (unsigned long long)len, sink.type.width);
			goto close;
		}
	}

	out_init(&out, STDOUT_FILENO);
	sink.out = &out;
	if (!sink.typed && dump_init(&sink.dump, fmt, &o, &out, off)) {
		rc = mm_error("peek", NULL, "out of memory");
		goto close;
	}
	rc = -ENOSYS;
	if (fmt == DUMP_RAW && !sink.typed && !f.stream && len)
		rc = map_send(&f, off, len, STDOUT_FILENO);
	if (rc == -EINVAL || rc == -ENOSYS)
		rc = len ? map_walk(&f, off, len, 0, peek_chunk, &sink) : 0;
	if (!sink.typed)
		dump_finish(&sink.dump);
	out_flush(&out);
	if (rc)
		rc = cmd_map_error("peek", path, rc);
	else if (out.err == EFAULT)
		rc = cmd_map_error("peek", path, MAP_ETRUNC);
	else if (out.err)
		rc = MM_EXIT_ERROR;	/* main.c reports it */
	else if (sink.ncarry)
		rc = mm_error("peek", path,
			      "%zu bytes at the end do not make a whole %u-byte value",
			      sink.ncarry, sink.type.width);
close:
	map_close(&f);
done:
	cmd_free_values(table);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_peek = {
	.name = "peek",
	.summary = "print bytes at an offset (xxd, hexdump -C, raw, typed)",
	.run = peek_run,
};
