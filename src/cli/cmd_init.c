/*
 * cmd_init.c - custos init: create a new archive.
 *
 * --crypto chooses the archive's crypto suite, fixed for its life:
 *   default  SHA-256, XChaCha20-Poly1305 (store.cipher may choose
 *            AES-256-GCM), Ed25519
 *   sm       SM3, SM4-CTR + HMAC-SM3, SM2 (GB/T 39786 commercial
 *            cryptography); store.cipher does not apply
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
	int sm = strcmp(o.suite, "sm") == 0;
	printf("created archive %s\n"
	       "crypto suite:      %s (%s)\n"
	       "ledger public key: %s/keys/ledger.pub\n"
	       "fingerprint:       %s\n"
	       "Keep a copy of keys/master.key offline (without it nothing can be read)\n"
	       "and publish keys/ledger.pub (anyone can verify proofs with it).\n",
	       dir, sm ? "sm" : "default",
	       sm ? "SM3, SM4-CTR + HMAC-SM3, SM2"
		  : "SHA-256, XChaCha20-Poly1305/AES-256-GCM, Ed25519",
	       dir, fp);
	free(fp);
	return 0;
}
