/*
 * cmd: what every command shares.  A command is a name, a line for
 * `mmtool --help`, its grammar (the operands' usage line and their number,
 * in one or more forms), and a run function that gets argv from its own
 * name on (argv[0] is "peek"); it parses its own popt table through
 * cmd_parse, which checks the operands against the grammar.
 */
#ifndef MM_CMD_H
#define MM_CMD_H

#include <popt.h>
#include <stdint.h>

#include "map.h"
#include "num.h"

/*
 * One form of a command's operands: min to max of them (max < 0: any).  A
 * form with an option (`with`, its long name) applies when that option is
 * given; one without applies unless the option of a CMD_FORM_INSTEAD form
 * is given.  A count that no applicable form takes is a usage error:
 * "missing" when some applicable form takes more, else "too many" (one
 * form) or "wrong number of" (several).  An all-zero form ends the list.
 */
struct cmd_form {
	const char *with;
	int min, max;
	int flags;		/* CMD_FORM_INSTEAD */
	const char *missing;	/* the noun of "missing ..."; NULL: "operands" */
};

enum {
	/* The option stands for operands the form without one would take:
	 * grep -e replaces the PATTERN, poke --patch the OFFSET and DATA. */
	CMD_FORM_INSTEAD = 1,
};

#define CMD_MAX_FORMS 4

enum cmd_parse_flags {
	/* "-16" is an operand (a negative offset), not an option. */
	CMD_NEGATIVE_OPERANDS = 1,
};

struct cmd {
	const char *name;
	const char *summary;
	const char *usage;	/* after "mmtool NAME ": "[OPTIONS] FILE..." */
	struct cmd_form forms[CMD_MAX_FORMS];
	int flags;		/* enum cmd_parse_flags */
	int (*run)(int argc, const char **argv);
};

extern const struct cmd cmd_peek, cmd_poke, cmd_grep, cmd_flush, cmd_info;
extern const struct cmd cmd_cmp, cmd_replace;

/*
 * The help options of every command but grep (whose -h is --no-filename, as
 * GNU grep's): -h and -? print --help, --usage a short usage.  cmd_parse
 * prints them and returns 0.  Use CMD_AUTOHELP where popt's POPT_AUTOHELP
 * would go.
 */
enum { CMD_HELP = 0x4801, CMD_USAGE };
extern const struct poptOption cmd_help_options[];
#define CMD_AUTOHELP \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, (void *)cmd_help_options, 0, \
	  "Help options:", NULL },

/* What cmd_parse leaves: the operands, valid until cmd_args_free. */
struct cmd_args {
	poptContext con;
	const char **argv;	/* the reordered copy popt parsed */
	char prog[64];		/* "mmtool peek", which popt's help prints */
	const char **args;	/* operands, NULL-terminated */
	int nargs;
};

/*
 * Parse argv against table (which should include POPT_AUTOHELP), then
 * check the operands against c's forms (the options they name must be in
 * table, with a variable that is zero or NULL unless the option is given).
 * Returns -1 to go on, or an exit status after printing --help or a usage
 * error.
 */
int cmd_parse(const struct cmd *c, const struct poptOption *table, int argc,
	      const char **argv, struct cmd_args *a);
void cmd_args_free(struct cmd_args *a);

/*
 * Free the values popt strdup()ed into a table's string and argv options
 * (and set them to NULL), once the command is done with them.
 */
void cmd_free_values(const struct poptOption *table);

/*
 * Open FILE for a command ("-" is standard input), report any error, and
 * return 0 or an exit status.
 */
int cmd_open(const char *cmd, const char *path, int flags, struct map_file *f);

/* What MAP_EPAGE means, for cmd_map_error and the commands that word their own. */
extern const char cmd_epage[];

/* Report a map error (a negative errno or MAP_ETRUNC); returns the status. */
int cmd_map_error(const char *cmd, const char *path, int rc);

/* Parse numbers, reporting "bad OFFSET '0x1g': not a number". */
int cmd_u64(const char *cmd, const char *what, const char *text, uint64_t *out);
int cmd_offset(const char *cmd, const char *what, const char *text,
	       struct num_offset *out);
int cmd_range(const char *cmd, const char *text, struct num_range *out);

/* -j, --threads N: 1 to CMD_MAX_THREADS worker threads. */
#define CMD_MAX_THREADS 1024
int cmd_threads(const char *cmd, const char *text, unsigned *out);

/* Hold flock(2) on f (shared or exclusive), waiting for it. */
int cmd_lock(const char *cmd, const char *path, struct map_file *f,
	     int exclusive);

/*
 * Resolve --color[=auto|always|never] (NULL or "": auto).  auto colours a
 * terminal only, and not when NO_COLOR is set non-empty or TERM is "dumb".
 */
int cmd_color(const char *cmd, const char *when, int fd, int *on);

#endif
