/*
 * mmtool: the front end.  Reads the global options, finds the command in
 * the table, and hands it the rest of argv.  The only exit() is here.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "msg.h"
#include "out.h"
#include "version.h"

/* The command being run, for the one line about standard output. */
static const char *main_cmd_name;

static const struct cmd *const main_cmds[] = {
	&cmd_peek, &cmd_poke, &cmd_grep, &cmd_flush, &cmd_info,
	&cmd_cmp,
	&cmd_replace,
};
#define MAIN_NCMDS (sizeof main_cmds / sizeof main_cmds[0])

static const struct cmd *main_find(const char *name)
{
	for (size_t i = 0; i < MAIN_NCMDS; i++)
		if (!strcmp(main_cmds[i]->name, name))
			return main_cmds[i];
	return NULL;
}

static void main_usage(FILE *fp)
{
	fputs("Usage: mmtool [--help] [--version] COMMAND [OPTIONS] ARGS...\n"
	      "       mmtool help [COMMAND]\n\n"
	      "Look inside a file, patch it in place, find bytes in it.\n\n"
	      "Commands:\n", fp);
	for (size_t i = 0; i < MAIN_NCMDS; i++)
		fprintf(fp, "  %-7s %s\n", main_cmds[i]->name, main_cmds[i]->summary);
	fputs("\nOptions:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n\n"
	      "'mmtool COMMAND --help' lists a command's options; see mmtool(1).\n",
	      fp);
}

static int main_unknown(const char *what)
{
	char list[128] = "";

	for (size_t i = 0; i < MAIN_NCMDS; i++) {
		strcat(list, main_cmds[i]->name);
		strcat(list, i + 1 < MAIN_NCMDS ? ", " : "");
	}
	return mm_error(NULL, NULL, "unknown command '%s' (commands: %s; see 'mmtool --help')",
			what, list);
}

static int main_run(int argc, const char **argv)
{
	enum { MAIN_HELP = 1, MAIN_VERSION };
	struct poptOption table[] = {
		{ "help", 'h', POPT_ARG_NONE, NULL, MAIN_HELP, "show this help", NULL },
		{ "version", 'V', POPT_ARG_NONE, NULL, MAIN_VERSION, "show the version", NULL },
		POPT_TABLEEND
	};
	const struct cmd *c;
	poptContext con;
	const char **rest;
	int rc, nrest;

	/* POSIXMEHARDER: stop at the command name; its options are its own. */
	con = poptGetContext("mmtool", argc, argv, table, POPT_CONTEXT_POSIXMEHARDER);
	while ((rc = poptGetNextOpt(con)) > 0) {
		if (rc == MAIN_HELP || rc == MAIN_VERSION) {
			if (rc == MAIN_HELP)
				main_usage(stdout);
			else
				printf("mmtool %s\n", MM_VERSION);
			poptFreeContext(con);
			return MM_EXIT_OK;
		}
	}
	if (rc < -1) {
		rc = mm_error(NULL, NULL, "%s: %s (see 'mmtool --help')",
			      poptBadOption(con, POPT_BADOPTION_NOALIAS),
			      poptStrerror(rc));
		poptFreeContext(con);
		return rc;
	}
	rest = poptGetArgs(con);
	nrest = 0;
	while (rest && rest[nrest])
		nrest++;
	if (nrest == 0) {
		main_usage(stderr);
		poptFreeContext(con);
		return MM_EXIT_ERROR;
	}
	if (!strcmp(rest[0], "help")) {
		const char *help_argv[] = { NULL, "--help", NULL };

		if (nrest == 1) {
			main_usage(stdout);
			rc = MM_EXIT_OK;
		} else if (!(c = main_find(rest[1]))) {
			rc = main_unknown(rest[1]);
		} else {
			help_argv[0] = main_cmd_name = c->name;
			rc = c->run(2, help_argv);
		}
		poptFreeContext(con);
		return rc;
	}
	c = main_find(rest[0]);
	if (c)
		main_cmd_name = c->name;
	rc = c ? c->run(nrest, rest) : main_unknown(rest[0]);
	poptFreeContext(con);
	return rc;
}

/*
 * Make descriptors 0, 1 and 2 open before anything else (as git's
 * sanitize_stdfds), so that no file mmtool opens can become one of them:
 * a target opened on descriptor 1 would receive what we print.  One that
 * was closed gets /dev/null opened the wrong way round (0 write-only, 1 and
 * 2 read-only), so reading or writing it still fails with EBADF, as it
 * would have closed: a command that prints fails as cat does.
 */
static void main_sanitize_stdfds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			_exit(MM_EXIT_ERROR);
	}
}

/*
 * The one place that reports standard output's errors (gnulib's
 * close_stdout): what the commands' struct out met, and stdio's stream,
 * which --help and --version use.  Runs at exit, also when popt's --help
 * calls exit(0) itself.  A write error outranks the command's own status.
 */
static void main_close_stdout(void)
{
	int err = out_stdout_error();

	if (fflush(stdout) != 0 && !err)
		err = errno;
	if (ferror(stdout) && !err)
		err = EIO;
	if (!err)
		return;
	mm_error(main_cmd_name, NULL, "standard output: %s", strerror(err));
	_exit(MM_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	int rc;

	main_sanitize_stdfds();
	/*
	 * A file size limit (ulimit -f) is an error (EFBIG) to report, not a
	 * death: for the undo file, a spooled pipe and standard output alike.
	 */
	signal(SIGXFSZ, SIG_IGN);
	atexit(main_close_stdout);
	rc = main_run(argc, (const char **)argv);
	exit(rc);
}
