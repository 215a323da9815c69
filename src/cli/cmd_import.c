/*
 * cmd_import.c - custos import (not implemented yet).
 */
#include "cli/cli.h"

CMD(import)
{
	fprintf(stderr, "custos import: not implemented yet\n");
	return 1;
}
