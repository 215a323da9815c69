/*
 * cmd_proof.c - custos proof: inclusion proof of a message as JSON.
 * If the message's entry is newer than the last checkpoint, a checkpoint
 * is signed first (which needs the writer lock).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"

CMD(proof)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc) {
		cli_usage(cli_find("proof"), stderr);
		return 2;
	}
	struct archive *a = NULL;
	if (cli_open_archive(cli, "proof", 1, &a) < 0)
		return 1;
	struct error err = ERROR_INIT;
	struct archive_msg_info info;
	json_t *proof = NULL;
	int64_t id = 0;
	int rc = 1;
	if (archive_resolve(a, argv[optind], &id, &err) < 0 ||
	    archive_msg_info(a, id, &info, &err) < 0)
		goto fail;
	if (info.seq > ledger_checkpointed_size(a->ledger) && archive_commit(a, 1, &err) < 0)
		goto fail;
	if (archive_proof(a, id, NULL, &proof, &err) < 0)
		goto fail;
	if (out != NULL) {
		if (json_dump_file(proof, out, JSON_INDENT(2)) != 0) {
			error_set(&err, ERR_IO, "cannot write %s", out);
			goto fail;
		}
	} else {
		json_dumpf(proof, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	rc = 0;
fail:
	if (rc)
		cli_fail("proof", &err);
	json_decref(proof);
	archive_close(a);
	return rc;
}
