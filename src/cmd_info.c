#include "cmd.h"
#include "msg.h"

static int info_run(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return mm_error("info", NULL, "not built yet");
}

const struct cmd cmd_info = {
	.name = "info",
	.summary = "TODO",
	.run = info_run,
};
