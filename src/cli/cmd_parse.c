/*
 * cmd_parse.c - custos parse / parse-worker (not implemented yet).
 */
#include "cli/cli.h"

CMD(parse)
{
	fprintf(stderr, "custos parse: not implemented yet\n");
	return 1;
}

CMD(parse_worker)
{
	return 1;
}
