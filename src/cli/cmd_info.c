/*
 * cmd_info.c - custos info (not implemented yet).
 */
#include "cli/cli.h"

CMD(info)
{
	fprintf(stderr, "custos info: not implemented yet\n");
	return 1;
}
