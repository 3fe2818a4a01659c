#include "cmd.h"
#include "msg.h"

static int flush_run(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return mm_error("flush", NULL, "not built yet");
}

const struct cmd cmd_flush = {
	.name = "flush",
	.summary = "TODO",
	.run = flush_run,
};
