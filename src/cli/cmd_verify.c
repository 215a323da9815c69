/*
 * cmd_verify.c - custos verify: re-derive and check the whole archive.
 * Exit 0 when everything holds, 1 on any fault (each printed with its
 * location), 2 on usage errors.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"
#include "cli/cli.h"

/* --since takes a ledger sequence number or a date (YYYY-MM-DD, UTC). */
static int parse_since(struct archive *a, const char *s, int64_t *seq_r, struct error *err)
{
	if (strspn(s, "0123456789") == strlen(s) && *s) {
		*seq_r = strtoll(s, NULL, 10);
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return error_set(err, ERR_USAGE, "--since wants a sequence number or YYYY-MM-DD");
	int64_t t = (int64_t)timegm(&tm) * 1000000;
	sqlite3_stmt *st = NULL;
	*seq_r = INT64_MAX;
	if (sqlite3_prepare_v2(a->db, "SELECT MIN(seq) FROM ledger WHERE time>=?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, t);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			*seq_r = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return 0;
}

CMD(verify)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	const char *since = NULL;
	int json = 0, quiet = 0, c;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'j': json = 1; break;
		case 'q': quiet = 1; break;
		default: return 2;
		}
	}
	if (optind != argc) {
		cli_usage(cli_find("verify"), stderr);
		return 2;
	}
	struct archive *a = NULL;
	if (cli_open_archive(cli, "verify", 0, &a) < 0)
		return 1;
	struct error err = ERROR_INIT;
	struct archive_verify_opts o = {0, !json && !quiet, json || quiet};
	struct archive_verify_result r;
	memset(&r, 0, sizeof(r));
	int rc = 1;
	if (since != NULL && parse_since(a, since, &o.since_seq, &err) < 0) {
		archive_close(a);
		cli_fail("verify", &err);
		return 2;
	}
	if (archive_verify(a, &o, &r, &err) < 0) {
		cli_fail("verify", &err);
		goto out;
	}
	if (json) {
		json_t *j = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:O}", "ok", r.faults == 0,
				      "faults", (json_int_t)r.faults, "messages",
				      (json_int_t)r.messages, "blobs_checked",
				      (json_int_t)r.blobs_checked, "ledger_entries",
				      (json_int_t)r.ledger.entries, "checkpoints",
				      (json_int_t)r.ledger.checkpoints, "fault_list", r.fault_list);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		printf("%s: %" PRIu64 " messages, %" PRIu64 " blobs decrypted and re-hashed, %" PRId64
		       " ledger entries, %" PRId64 " signed checkpoints\n",
		       r.faults ? "FAILED" : "OK", r.messages, r.blobs_checked, r.ledger.entries,
		       r.ledger.checkpoints);
		if (r.faults)
			printf("%" PRIu64 " fault(s) found (listed above)\n", r.faults);
	}
	rc = r.faults ? 1 : 0;
out:
	json_decref(r.fault_list);
	archive_close(a);
	return rc;
}
