/*
 * cmd_verify.c - custos verify (not implemented yet).
 */
#include "cli/cli.h"

CMD(verify)
{
	fprintf(stderr, "custos verify: not implemented yet\n");
	return 1;
}
