/*
 * cmd_config.c - custos config (not implemented yet).
 */
#include "cli/cli.h"

CMD(config)
{
	fprintf(stderr, "custos config: not implemented yet\n");
	return 1;
}
