/*
 * cmd_init.c - custos init: create a new archive.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"

CMD(init)
{
	static const struct option opts[] = {
		{"crypto", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	struct archive_create_opts o = {"default", cli->cfg.store_cipher};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'C')
			o.suite = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc) {
		cli_usage(cli_find("init"), stderr);
		return 2;
	}
	const char *dir = argv[optind];
	struct error err = ERROR_INIT;
	char *fp = NULL;
	if (archive_create(dir, &o, &fp, &err) < 0)
		return cli_fail("init", &err);
	printf("created archive %s\n"
	       "ledger public key: %s/keys/ledger.pub\n"
	       "fingerprint:       %s\n"
	       "Keep a copy of keys/master.key offline (without it nothing can be read)\n"
	       "and publish keys/ledger.pub (anyone can verify proofs with it).\n",
	       dir, dir, fp);
	free(fp);
	return 0;
}
