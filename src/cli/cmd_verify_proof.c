/*
 * cmd_verify_proof.c - custos verify-proof (not implemented yet).
 */
#include "cli/cli.h"

CMD(verify_proof)
{
	fprintf(stderr, "custos verify-proof: not implemented yet\n");
	return 1;
}
