#include "cmd.h"
#include "msg.h"

static int poke_run(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return mm_error("poke", NULL, "not built yet");
}

const struct cmd cmd_poke = {
	.name = "poke",
	.summary = "TODO",
	.run = poke_run,
};
