#include "cmd.h"
#include "msg.h"

static int grep_run(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return mm_error("grep", NULL, "not built yet");
}

const struct cmd cmd_grep = {
	.name = "grep",
	.summary = "TODO",
	.run = grep_run,
};
