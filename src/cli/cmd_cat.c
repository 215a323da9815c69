/*
 * cmd_cat.c - custos cat (not implemented yet).
 */
#include "cli/cli.h"

CMD(cat)
{
	fprintf(stderr, "custos cat: not implemented yet\n");
	return 1;
}
