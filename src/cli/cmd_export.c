/*
 * cmd_export.c - custos export (not implemented yet).
 */
#include "cli/cli.h"

CMD(export)
{
	fprintf(stderr, "custos export: not implemented yet\n");
	return 1;
}
