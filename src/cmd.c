#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "cmd.h"
#include "msg.h"

/* The table entry for a long or short option, searching included tables. */
static const struct poptOption *cmd_find_opt(const struct poptOption *t,
					     const char *lng, size_t lnglen,
					     char shrt)
{
	const struct poptOption *hit;

	for (; t->longName || t->shortName || t->argInfo || t->arg; t++) {
		if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			hit = cmd_find_opt(t->arg, lng, lnglen, shrt);
			if (hit)
				return hit;
			continue;
		}
		if (lng && t->longName && strlen(t->longName) == lnglen &&
		    !strncmp(t->longName, lng, lnglen))
			return t;
		if (!lng && shrt && t->shortName == shrt)
			return t;
	}
	return NULL;
}

/* Whether the option takes the next argument as its value; an optional
 * value (--color[=WHEN]) comes only after '='. */
static int cmd_takes_value(const struct poptOption *o)
{
	if (o->argInfo & POPT_ARGFLAG_OPTIONAL)
		return 0;
	switch (o->argInfo & POPT_ARG_MASK) {
	case POPT_ARG_NONE:
	case POPT_ARG_VAL:
	case POPT_ARG_CALLBACK:
	case POPT_ARG_INCLUDE_TABLE:
	case POPT_ARG_INTL_DOMAIN:
		return 0;
	}
	return 1;
}

/* "-16", "-.5", "-inf", "-nan": numbers that poke -t and offsets take. */
static int cmd_is_negative_number(const char *s)
{
	return s[0] == '-' &&
	       ((s[1] >= '0' && s[1] <= '9') || s[1] == '.' ||
		!strcasecmp(s + 1, "inf") || !strcasecmp(s + 1, "infinity") ||
		!strcasecmp(s + 1, "nan"));
}

/*
 * popt reads "-16" as an option.  So the arguments are split here, with the
 * table's own knowledge of which options take a value, into options first,
 * then "--", then the operands in their order; popt then sees nothing
 * ambiguous.  Unknown options are left for popt to report.
 */
static const char **cmd_reorder(const struct poptOption *table, int argc,
				const char **argv, int flags)
{
	const char **out = calloc((size_t)argc + 2, sizeof *out);
	const char **ops = calloc((size_t)argc + 1, sizeof *ops);
	int n = 0, nops = 0, i;

	if (!out || !ops) {
		free(out);
		free(ops);
		return NULL;
	}
	out[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		const struct poptOption *o;

		if (!strcmp(s, "--")) {
			for (i++; i < argc; i++)
				ops[nops++] = argv[i];
			break;
		}
		if (s[0] != '-' || s[1] == '\0' ||
		    ((flags & CMD_NEGATIVE_OPERANDS) && cmd_is_negative_number(s))) {
			ops[nops++] = s;
			continue;
		}
		out[n++] = s;
		if (s[1] == '-') {
			const char *eq = strchr(s + 2, '=');
			size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);

			o = cmd_find_opt(table, s + 2, len, 0);
			if (o && !eq && cmd_takes_value(o) && i + 1 < argc)
				out[n++] = argv[++i];
			continue;
		}
		/* A cluster "-ua" or "-c16": a value-taking letter ends it. */
		for (const char *c = s + 1; *c; c++) {
			o = cmd_find_opt(table, NULL, 0, *c);
			if (!o)
				break;
			if (cmd_takes_value(o)) {
				if (!c[1] && i + 1 < argc)
					out[n++] = argv[++i];
				break;
			}
		}
	}
	out[n++] = "--";
	memcpy(out + n, ops, (size_t)nops * sizeof *ops);
	out[n + nops] = NULL;
	free(ops);
	return out;
}

const struct poptOption cmd_help_options[] = {
	{ "help", 'h', POPT_ARG_NONE, NULL, CMD_HELP, "Show this help message", NULL },
	{ NULL, '?', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, CMD_HELP, NULL, NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, CMD_USAGE, "Display brief usage message", NULL },
	POPT_TABLEEND
};

/* Whether the option named lng was given: its variable is set. */
static int cmd_given(const struct poptOption *table, const char *lng)
{
	const struct poptOption *o = cmd_find_opt(table, lng, strlen(lng), 0);

	if (!o || !o->arg)
		return 0;
	switch (o->argInfo & POPT_ARG_MASK) {
	case POPT_ARG_STRING:
		return *(const char **)o->arg != NULL;
	case POPT_ARG_ARGV:
		return *(const char ***)o->arg != NULL;
	}
	return *(int *)o->arg != 0;
}

static int cmd_form_used(const struct cmd_form *f)
{
	return f->with || f->min || f->max;
}

/* 0 if some form that applies takes n operands, else a usage error. */
static int cmd_check_operands(const struct cmd *c,
			      const struct poptOption *table, int n)
{
	const struct cmd_form *f, *end = c->forms + CMD_MAX_FORMS;
	const struct cmd_form *longer = NULL;
	int instead = 0, nforms = 0;

	for (f = c->forms; f < end && cmd_form_used(f); f++)
		if ((f->flags & CMD_FORM_INSTEAD) && cmd_given(table, f->with))
			instead = 1;
	for (f = c->forms; f < end && cmd_form_used(f); f++) {
		nforms++;
		if (f->with ? !cmd_given(table, f->with) : instead)
			continue;
		if (n >= f->min && (f->max < 0 || n <= f->max))
			return 0;
		if (n < f->min && !longer)
			longer = f;
	}
	if (longer)
		return mm_error(c->name, NULL, "missing %s; usage: mmtool %s %s",
				longer->missing ? longer->missing : "operands",
				c->name, c->usage);
	return mm_error(c->name, NULL, "%s operands; usage: mmtool %s %s",
			nforms > 1 ? "wrong number of" : "too many", c->name,
			c->usage);
}

int cmd_parse(const struct cmd *c, const struct poptOption *table, int argc,
	      const char **argv, struct cmd_args *a)
{
	int rc, n;

	memset(a, 0, sizeof *a);
	a->argv = cmd_reorder(table, argc, argv, c->flags);
	if (!a->argv)
		return mm_error(c->name, NULL, "out of memory");
	for (n = 0; a->argv[n]; n++)
		;
	snprintf(a->prog, sizeof a->prog, "mmtool %s", c->name);
	a->argv[0] = a->prog;
	a->con = poptGetContext(a->prog, n, a->argv, table, 0);
	poptSetOtherOptionHelp(a->con, c->usage);
	while ((rc = poptGetNextOpt(a->con)) > 0)
		if (rc == CMD_HELP || rc == CMD_USAGE) {
			/* Output errors are main's to report, as for any output. */
			if (rc == CMD_HELP)
				poptPrintHelp(a->con, stdout, 0);
			else
				poptPrintUsage(a->con, stdout, 0);
			cmd_args_free(a);
			return 0;
		}
	if (rc < -1) {
		rc = mm_error(c->name, NULL, "%s: %s (see 'mmtool %s --help')",
			      poptBadOption(a->con, POPT_BADOPTION_NOALIAS),
			      poptStrerror(rc), c->name);
		cmd_args_free(a);
		return rc;
	}
	a->args = poptGetArgs(a->con);
	if (!a->args) {
		static const char *none[] = { NULL };

		a->args = none;
	}
	for (a->nargs = 0; a->args[a->nargs]; a->nargs++)
		;
	if ((rc = cmd_check_operands(c, table, a->nargs))) {
		cmd_args_free(a);
		return rc;
	}
	return -1;
}

/* popt strdup()s the values of string and argv options: give them back. */
void cmd_free_values(const struct poptOption *t)
{
	for (; t->longName || t->shortName || t->argInfo || t->arg; t++) {
		switch (t->argInfo & POPT_ARG_MASK) {
		case POPT_ARG_INCLUDE_TABLE:
			if (t->arg != poptHelpOptions)
				cmd_free_values(t->arg);
			break;
		case POPT_ARG_STRING:
			if (t->arg) {
				free(*(char **)t->arg);
				*(char **)t->arg = NULL;
			}
			break;
		case POPT_ARG_ARGV:
			if (t->arg) {
				char **v = *(char ***)t->arg;

				for (size_t i = 0; v && v[i]; i++)
					free(v[i]);
				free(v);
				*(char ***)t->arg = NULL;
			}
			break;
		}
	}
}

void cmd_args_free(struct cmd_args *a)
{
	if (a->con)
		poptFreeContext(a->con);
	free(a->argv);
	memset(a, 0, sizeof *a);
}

const char cmd_epage[] =
	"a mapped page could not be read, though the file did not shrink "
	"(an I/O error, or a full tmpfs, which needs a page to read a hole)";

int cmd_map_error(const char *cmd, const char *path, int rc)
{
	if (rc == MAP_ETRUNC || rc == -EFAULT)
		return mm_error(cmd, path,
				"file changed under us: it shrank "
				"(truncated by another process?)");
	if (rc == MAP_EPAGE)
		return mm_error(cmd, path, "%s", cmd_epage);
	if (rc == -ENODEV)
		return mm_error(cmd, path, "cannot be mapped: %s", strerror(-rc));
	return mm_error(cmd, path, "%s", strerror(-rc));
}

int cmd_open(const char *cmd, const char *path, int flags, struct map_file *f)
{
	int rc;

	if (!strcmp(path, "-"))
		rc = map_open(f, NULL, STDIN_FILENO, flags);
	else
		rc = map_open(f, path, -1, flags);
	if (rc == -EISDIR)
		return mm_error(cmd, path, "is a directory");
	if (rc)
		return mm_error(cmd, path, "%s", strerror(-rc));
	return 0;
}

static int cmd_num_error(const char *cmd, const char *what, const char *text,
			 enum num_err e)
{
	char why[192];

	return mm_error(cmd, NULL, "bad %s '%s': %s", what, text,
			num_explain(text, e, why, sizeof why));
}

int cmd_u64(const char *cmd, const char *what, const char *text, uint64_t *out)
{
	enum num_err e = num_parse_u64(text, out);

	return e ? cmd_num_error(cmd, what, text, e) : 0;
}

int cmd_offset(const char *cmd, const char *what, const char *text,
	       struct num_offset *out)
{
	enum num_err e = num_parse_offset(text, out);

	return e ? cmd_num_error(cmd, what, text, e) : 0;
}

int cmd_range(const char *cmd, const char *text, struct num_range *out)
{
	enum num_err e = num_parse_range(text, out);

	if (e == NUM_JUNK && !strpbrk(text, ":+"))
		return mm_error(cmd, NULL,
				"bad RANGE '%s': write START:END or START+LENGTH",
				text);
	return e ? cmd_num_error(cmd, "RANGE", text, e) : 0;
}

int cmd_threads(const char *cmd, const char *text, unsigned *out)
{
	uint64_t v;
	int rc;

	if ((rc = cmd_u64(cmd, "--threads", text, &v)))
		return rc;
	if (v < 1 || v > CMD_MAX_THREADS)
		return mm_error(cmd, NULL, "bad --threads '%s': use 1 to %d", text,
				CMD_MAX_THREADS);
	*out = (unsigned)v;
	return 0;
}

int cmd_lock(const char *cmd, const char *path, struct map_file *f,
	     int exclusive)
{
	int rc;

	do
		rc = flock(f->fd, exclusive ? LOCK_EX : LOCK_SH);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? mm_error(cmd, path, "flock: %s", strerror(errno)) : 0;
}

int cmd_color(const char *cmd, const char *when, int fd, int *on)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (!when || !*when || !strcmp(when, "auto"))
		*on = isatty(fd) && !(no && *no) && !(term && !strcmp(term, "dumb"));
	else if (!strcmp(when, "always"))
		*on = 1;
	else if (!strcmp(when, "never"))
		*on = 0;
	else
		return mm_error(cmd, NULL,
				"bad --color '%s': use auto, always or never", when);
	return 0;
}
