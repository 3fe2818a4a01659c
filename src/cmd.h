/*
 * cmd: what every command shares.  A command is a name, a line for
 * `mmtool --help`, and a run function that gets argv from its own name on
 * (argv[0] is "peek"); it parses its own popt table through cmd_parse.
 */
#ifndef MM_CMD_H
#define MM_CMD_H

#include <popt.h>
#include <stdint.h>

#include "map.h"
#include "num.h"

struct cmd {
	const char *name;
	const char *summary;
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

enum cmd_parse_flags {
	/* "-16" is an operand (a negative offset), not an option. */
	CMD_NEGATIVE_OPERANDS = 1,
};

/*
 * Parse argv against table (which should include POPT_AUTOHELP).  The
 * operands must number min to max (max < 0: any).  Returns -1 to go on, or
 * an exit status after printing a usage error.
 */
int cmd_parse(const char *cmd, const struct poptOption *table,
	      const char *operands, int min, int max, int flags, int argc,
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
