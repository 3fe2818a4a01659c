/*
 * mmtool peek [OPTIONS] FILE [OFFSET [LENGTH]]
 *
 * Print LENGTH bytes at OFFSET (default: from 0 to the end) as xxd (also
 * -b, -e, -d, -o), hexdump -C, xxd -p or xxd -i print them, raw, as a C
 * string, or as typed numbers and packed records.  Only the pages holding
 * the range are mapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dump.h"
#include "json.h"
#include "msg.h"
#include "value.h"

#define PEEK_MAX_FIELDS 64

struct peek_opts {
	const char *format, *cols, *group, *color, *colour, *seek, *length;
	const char *display, *name, *count;
	int upper, autoskip, no_squeeze, raw, lock, bits, include, plain;
	int little, decimal, json;
};

/* A typed format: one or more values packed into a record. */
struct peek_record {
	struct value_type field[PEEK_MAX_FIELDS];
	unsigned nfields;
	size_t size;		/* bytes, the widths summed */
};

/* What the walk feeds: a dump formatter, or the typed-value printer. */
struct peek_sink {
	struct dump dump;
	struct out *out;
	int typed, json;
	struct peek_record rec;
	uint64_t at;		/* offset of the next record */
	uint64_t nrecords;	/* records printed */
	unsigned char carry[PEEK_MAX_FIELDS * 8];	/* a record split between reads */
	size_t ncarry;
};

static const struct {
	const char *name;
	enum dump_format fmt;
} peek_formats[] = {
	{ "xxd", DUMP_XXD }, { "bits", DUMP_BITS },
	{ "canonical", DUMP_CANONICAL }, { "hex", DUMP_HEX },
	{ "raw", DUMP_RAW }, { "c", DUMP_C }, { "string", DUMP_STRING },
};

/* A value as JSON: numbers as they are, NaN and infinities as strings. */
static void peek_json_value(struct out *o, const char *text, size_t len)
{
	const char *t = text[0] == '-' ? text + 1 : text;

	if (!strcmp(t, "nan"))
		out_str(o, "\"nan\"");
	else if (!strcmp(t, "inf"))
		out_printf(o, "\"%s\"", text);
	else
		out_write(o, text, len);
}

/* One record at p: a value a line, or one JSON object. */
static void peek_record_print(struct peek_sink *s, const unsigned char *p)
{
	struct out *o = s->out;
	struct json j;
	char text[48];

	if (s->json) {
		json_begin(&j, o, "record");
		json_u64(&j, "offset", s->at);
		o = json_key(&j, "values");
		out_char(o, '[');
	}
	for (unsigned i = 0; i < s->rec.nfields; i++) {
		const struct value_type *t = &s->rec.field[i];
		size_t len = value_format(t, p, text);

		if (s->json) {
			if (i)
				out_char(o, ',');
			peek_json_value(o, text, len);
		} else {
			text[len] = '\n';
			out_write(o, text, len + 1);
		}
		p += t->width;
	}
	if (s->json) {
		out_char(o, ']');
		json_end(&j);
	}
	s->at += s->rec.size;
	s->nrecords++;
}

static void peek_values(struct peek_sink *s, const unsigned char *p, size_t n)
{
	size_t w = s->rec.size;

	if (s->ncarry) {
		size_t take = w - s->ncarry < n ? w - s->ncarry : n;

		memcpy(s->carry + s->ncarry, p, take);
		s->ncarry += take;
		p += take;
		n -= take;
		if (s->ncarry < w)
			return;
		peek_record_print(s, s->carry);
		s->ncarry = 0;
	}
	for (; n >= w; p += w, n -= w)
		peek_record_print(s, p);
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

/* "u32be u16 u16 f64": types separated by blanks; 0 or -1. */
static int peek_parse_record(const char *spec, struct peek_record *r)
{
	char name[16];

	memset(r, 0, sizeof *r);
	for (;;) {
		size_t len;

		spec += strspn(spec, " \t");
		if (!*spec)
			break;
		len = strcspn(spec, " \t");
		if (len >= sizeof name || r->nfields == PEEK_MAX_FIELDS)
			return -1;
		memcpy(name, spec, len);
		name[len] = '\0';
		if (value_type_parse(name, &r->field[r->nfields]))
			return -1;
		r->size += r->field[r->nfields++].width;
		spec += len;
	}
	return r->nfields ? 0 : -1;
}

static int peek_parse_format(const char *name, struct peek_sink *s,
			     enum dump_format *fmt)
{
	for (size_t i = 0; i < sizeof peek_formats / sizeof peek_formats[0]; i++)
		if (!strcmp(name, peek_formats[i].name)) {
			*fmt = peek_formats[i].fmt;
			return 0;
		}
	if (peek_parse_record(name, &s->rec) == 0) {
		s->typed = 1;
		return 0;
	}
	return mm_error("peek", NULL,
			"unknown format '%s': use xxd, bits, canonical, hex, raw, c, string, "
			"or types separated by spaces: %s",
			name, value_type_names);
}

/* The format: -f, or one of its aliases (--raw, -b, -i, -p), never two. */
static int peek_format(const struct peek_opts *po, struct peek_sink *s,
		       enum dump_format *fmt)
{
	const char *alias[] = { po->raw ? "raw" : NULL, po->bits ? "bits" : NULL,
				po->include ? "c" : NULL, po->plain ? "hex" : NULL };
	const char *name = po->format;

	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++) {
		if (!alias[i])
			continue;
		if (name && strcmp(name, alias[i]))
			return mm_error("peek", NULL,
					"two formats given ('%s' and '%s'): choose one",
					name, alias[i]);
		name = alias[i];
	}
	*fmt = DUMP_XXD;
	if (name && peek_parse_format(name, s, fmt))
		return 2;
	if (po->little && (s->typed || *fmt != DUMP_XXD))
		return mm_error("peek", NULL, "-e goes with the xxd format only");
	if ((po->json || po->count) && !s->typed)
		return mm_error("peek", NULL, "%s goes with the typed formats only",
				po->json ? "--json" : "--count");
	s->json = po->json;
	return 0;
}

/* xxd's default group: 1 for -b, 4 for -e, else 2; -e needs a power of 2. */
static int peek_group(const struct peek_opts *po, enum dump_format fmt,
		      struct dump_opts *o)
{
	unsigned cols = o->cols ? o->cols : fmt == DUMP_BITS ? 6 : 16;
	uint64_t v;
	int rc;

	o->group = fmt == DUMP_BITS ? 1 : po->little ? 4 : 2;
	if (po->group) {
		if ((rc = cmd_u64("peek", "--group", po->group, &v)))
			return rc;
		if (v > DUMP_MAX_XXD_COLS)
			return mm_error("peek", NULL, "bad --group '%s': use 0 to %u",
					po->group, DUMP_MAX_XXD_COLS);
		o->group = (unsigned)v;
	}
	if (po->little && o->group && o->group <= cols &&
	    (o->group & (o->group - 1)))
		return mm_error("peek", NULL,
				"bad --group '%s': with -e, use a power of 2", po->group);
	return 0;
}

static int peek_layout(const struct peek_opts *po, enum dump_format fmt,
		       struct dump_opts *o)
{
	uint64_t v;
	int rc;

	if (po->cols) {
		int line = fmt == DUMP_XXD || fmt == DUMP_BITS;
		unsigned max = line ? DUMP_MAX_XXD_COLS : DUMP_MAX_COLS;

		if ((rc = cmd_u64("peek", "--cols", po->cols, &v)))
			return rc;
		if (v < 1 || v > max)
			return mm_error("peek", NULL, "bad --cols '%s': use 1 to %u",
					po->cols, max);
		o->cols = (unsigned)v;
	}
	if ((rc = peek_group(po, fmt, o)))
		return rc;
	if (po->display &&
	    (rc = cmd_u64("peek", "--display-offset", po->display, &o->display_offset)))
		return rc;
	o->upper = po->upper;
	o->autoskip = po->autoskip;
	o->no_squeeze = po->no_squeeze;
	o->little_endian = po->little;
	o->decimal = po->decimal;
	return cmd_color("peek", po->colour ? po->colour : po->color,
			 STDOUT_FILENO, &o->color);
}

/*
 * OFFSET and LENGTH: the operands, or -s and -l (xxd's), never both; a
 * '+' before -s's value is xxd's and changes nothing here.
 */
static int peek_range_args(const struct peek_opts *po, const struct cmd_args *a,
			   struct num_offset *off, uint64_t *len, int *len_given)
{
	const char *seek = a->nargs > 1 ? a->args[1] : po->seek;
	const char *length = a->nargs > 2 ? a->args[2] : po->length;
	int rc;

	if ((po->seek && a->nargs > 1) || (po->length && a->nargs > 2))
		return mm_error("peek", NULL, "%s given twice: as an operand and as %s",
				po->seek && a->nargs > 1 ? "OFFSET" : "LENGTH",
				po->seek && a->nargs > 1 ? "-s" : "-l");
	if (seek && seek[0] == '+' && seek == po->seek)
		seek++;
	if (seek && (rc = cmd_offset("peek", "OFFSET", seek, off)))
		return rc;
	if (length && (rc = cmd_u64("peek", "LENGTH", length, len)))
		return rc;
	if (length && po->count)
		return mm_error("peek", NULL, "give a LENGTH or --count, not both");
	*len_given = length != NULL;
	return 0;
}

/* --count N records of the typed format: how many bytes, checked. */
static int peek_count(const struct peek_opts *po, const struct peek_sink *s,
		      uint64_t *len)
{
	uint64_t n;
	int rc;

	if (!po->count)
		return 0;
	if ((rc = cmd_u64("peek", "--count", po->count, &n)))
		return rc;
	if (n > UINT64_MAX / s->rec.size)
		return mm_error("peek", NULL, "bad --count '%s': too many values",
				po->count);
	*len = n * s->rec.size;
	return 0;
}

/* The range in a file of known size: checked, LENGTH cut at the end. */
static int peek_resolve(const char *path, const char *off_text,
			const struct num_offset *off_arg, const struct peek_opts *po, const struct peek_sink *s,
			const struct map_file *f, uint64_t *off, uint64_t *len)
{
	if (num_resolve_offset(off_arg, f->size, off))
		return mm_error("peek", path,
				"OFFSET '%s' reaches before the start of the file (size %llu)",
				off_text, (unsigned long long)f->size);
	if (*off > f->size)
		return mm_error("peek", path,
				"OFFSET %llu is past the end of the file (size %llu)",
				(unsigned long long)*off, (unsigned long long)f->size);
	if (po->count && *len > f->size - *off)
		return mm_error("peek", path,
				"--count %s needs %llu bytes at offset %llu; the file has %llu there",
				po->count, (unsigned long long)*len,
				(unsigned long long)*off, (unsigned long long)(f->size - *off));
	if (*len > f->size - *off)
		*len = f->size - *off;
	if (s->typed && *len % s->rec.size)
		return mm_error("peek", path,
				"LENGTH %llu is not a whole number of %zu-byte %s",
				(unsigned long long)*len, s->rec.size,
				s->rec.nfields > 1 ? "records" : "values");
	return 0;
}

/* Walk the range into the sink and report what went wrong, if anything. */
static int peek_print(const char *path, struct map_file *f, enum dump_format fmt,
		      struct peek_sink *s, uint64_t off, uint64_t len)
{
	int rc = -ENOSYS;

	if (fmt == DUMP_RAW && !s->typed && !f->stream && len)
		rc = map_send(f, off, len, STDOUT_FILENO);
	if (rc == -EINVAL || rc == -ENOSYS)
		rc = len ? map_walk(f, off, len, 0, peek_chunk, s) : 0;
	if (!s->typed)
		dump_finish(&s->dump);
	out_flush(s->out);
	if (rc)
		return cmd_map_error("peek", path, rc);
	if (s->out->err == EFAULT)
		return cmd_map_error("peek", path, MAP_ETRUNC);
	if (s->out->err)
		return MM_EXIT_ERROR;	/* main.c reports it */
	if (s->ncarry)
		return mm_error("peek", path,
				"%zu bytes at the end do not make a whole %zu-byte %s",
				s->ncarry, s->rec.size,
				s->rec.nfields > 1 ? "record" : "value");
	return 0;
}

/* Open FILE, settle the range, print it. */
static int peek_file(const char *path, const struct peek_opts *po,
		     enum dump_format fmt, struct dump_opts *o,
		     struct peek_sink *s, const char *off_text,
		     struct num_offset *off_arg, uint64_t len, int len_given)
{
	struct out *out = NULL;
	struct map_file f;
	uint64_t off = off_arg->mag;
	int rc;

	if ((rc = cmd_open("peek", path, 0, &f)))
		return rc;
	if (po->lock && (rc = cmd_lock("peek", path, &f, 0)))
		goto close;
	if (f.stream && off_arg->from_end)
		rc = mm_error("peek", path,
			      "a negative OFFSET needs a file with a known size");
	else if (!f.stream)
		rc = peek_resolve(path, off_text, off_arg, po, s, &f, &off, &len);
	if (rc)
		goto close;
	if (o->display_offset > UINT64_MAX - off ||
	    (!f.stream && o->display_offset > UINT64_MAX - off - len)) {
		rc = mm_error("peek", NULL, "bad --display-offset '%s': offsets "
			      "would pass 2^64", po->display);
		goto close;
	}
	o->len_given_zero = len_given && len == 0;
	o->c_name = po->name ? po->name : strcmp(path, "-") ? path : NULL;
	s->out = out = out_new(STDOUT_FILENO);
	s->at = off;
	if (!out || (!s->typed && dump_init(&s->dump, fmt, o, out, off))) {
		rc = mm_error("peek", NULL, "out of memory");
		goto close;
	}
	rc = peek_print(path, &f, fmt, s, off, len);
	if (!rc && po->count && s->nrecords * s->rec.size < len)
		rc = mm_error("peek", path, "--count %s: the input ended after %llu",
			      po->count, (unsigned long long)s->nrecords);
close:
	out_free(out);
	map_close(&f);
	return rc;
}

static int peek_run(int argc, const char **argv)
{
	struct peek_opts po = { .format = NULL };
	struct poptOption table[] = {
		{ "format", 'f', POPT_ARG_STRING, &po.format, 0,
		  "xxd (default), bits, canonical, hex, raw, c, string, or types "
		  "u8..f64[le|be], several for a record: 'u32be u16 f64'", "FMT" },
		{ "raw", 0, POPT_ARG_NONE, &po.raw, 0, "the bytes themselves (= --format raw)", NULL },
		{ "bits", 'b', POPT_ARG_NONE, &po.bits, 0, "binary digits, as xxd -b (= --format bits)", NULL },
		{ "include", 'i', POPT_ARG_NONE, &po.include, 0, "a C array, as xxd -i (= --format c)", NULL },
		{ "plain", 'p', POPT_ARG_NONE, &po.plain, 0, "plain hex, as xxd -p (= --format hex)", NULL },
		{ "little-endian", 'e', POPT_ARG_NONE, &po.little, 0, "each group's bytes right to left, as xxd -e", NULL },
		{ "cols", 'c', POPT_ARG_STRING, &po.cols, 0, "bytes per line (xxd, bits: 1 to 256)", "N" },
		{ "group", 'g', POPT_ARG_STRING, &po.group, 0, "bytes per group (xxd, bits; 0: no groups)", "N" },
		{ "upper", 'u', POPT_ARG_NONE, &po.upper, 0, "upper-case hex digits", NULL },
		{ "autoskip", 'a', POPT_ARG_NONE, &po.autoskip, 0, "squeeze runs of zero lines to '*' (xxd, bits)", NULL },
		{ "no-squeeze", 'v', POPT_ARG_NONE, &po.no_squeeze, 0, "print repeated lines (canonical)", NULL },
		{ "decimal", 'd', POPT_ARG_NONE, &po.decimal, 0, "offsets in decimal, as xxd -d", NULL },
		{ "display-offset", 'o', POPT_ARG_STRING, &po.display, 0, "add N to the offsets shown, as xxd -o", "N" },
		{ "seek", 's', POPT_ARG_STRING, &po.seek, 0, "start at OFFSET (instead of the operand)", "OFFSET" },
		{ "length", 'l', POPT_ARG_STRING, &po.length, 0, "print LENGTH bytes (instead of the operand)", "LENGTH" },
		{ "name", 'n', POPT_ARG_STRING, &po.name, 0, "the array's name in the c format", "NAME" },
		{ "count", 0, POPT_ARG_STRING, &po.count, 0, "print N values or records (typed formats)", "N" },
		{ "json", 0, POPT_ARG_NONE, &po.json, 0, "one JSON object per record (typed formats)", NULL },
		{ "color", 0, POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, &po.color, 0,
		  "colour bytes by class: auto (bare --color), always, never", "WHEN" },
		{ "colour", 0, POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL | POPT_ARGFLAG_DOC_HIDDEN,
		  &po.colour, 0, NULL, "WHEN" },
		{ "lock", 0, POPT_ARG_NONE, &po.lock, 0, "hold a shared flock(2) while reading", NULL },
		CMD_AUTOHELP
		POPT_TABLEEND
	};
	struct cmd_args a;
	struct num_offset off_arg = { 0, 0 };
	uint64_t len = UINT64_MAX;
	int len_given = 0, rc;
	enum dump_format fmt = DUMP_XXD;
	struct dump_opts o = { 0 };
	struct peek_sink *sink;

	rc = cmd_parse(&cmd_peek, table, argc, argv, &a);
	if (rc >= 0) {
		cmd_free_values(table);
		return rc;
	}
	if (!(sink = calloc(1, sizeof *sink)))
		rc = mm_error("peek", NULL, "out of memory");
	else if (!(rc = peek_format(&po, sink, &fmt)) &&
	    !(rc = peek_layout(&po, fmt, &o)) &&
	    !(rc = peek_range_args(&po, &a, &off_arg, &len, &len_given)) &&
	    !(rc = peek_count(&po, sink, &len)))
		rc = peek_file(a.args[0], &po, fmt, &o, sink,
			       a.nargs > 1 ? a.args[1] : po.seek, &off_arg, len,
			       len_given);
	free(sink);
	cmd_free_values(table);
	cmd_args_free(&a);
	return rc;
}

const struct cmd cmd_peek = {
	.name = "peek",
	.summary = "print bytes at an offset (xxd, hexdump -C, raw, typed)",
	.usage = "[OPTIONS] FILE [OFFSET [LENGTH]]",
	.forms = { { .min = 1, .max = 3 } },
	.flags = CMD_NEGATIVE_OPERANDS,
	.run = peek_run,
};
