/*
 * cmd_proof.c - custos proof (not implemented yet).
 */
#include "cli/cli.h"

CMD(proof)
{
	fprintf(stderr, "custos proof: not implemented yet\n");
	return 1;
}
