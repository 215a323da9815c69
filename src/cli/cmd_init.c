/*
 * cmd_init.c - custos init (not implemented yet).
 */
#include "cli/cli.h"

CMD(init)
{
	fprintf(stderr, "custos init: not implemented yet\n");
	return 1;
}
