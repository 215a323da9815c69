/*
 * cmd_gen.c - custos gen (not implemented yet).
 */
#include "cli/cli.h"

CMD(gen)
{
	fprintf(stderr, "custos gen: not implemented yet\n");
	return 1;
}
