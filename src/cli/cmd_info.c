/*
 * cmd_info.c - custos info: a summary of an archive.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

CMD(info)
{
	int json = argc == 2 && strcmp(argv[1], "--json") == 0;
	if (argc > 2 || (argc == 2 && !json)) {
		cli_usage(cli_find("info"), stderr);
		return 2;
	}
	struct archive *a = NULL;
	if (cli_open_archive(cli, "info", 0, &a) < 0)
		return 1;
	int64_t messages = scalar(a->db, "SELECT COUNT(*) FROM messages");
	int64_t raw = scalar(a->db, "SELECT COALESCE(SUM(size),0) FROM blobs");
	int64_t stored = scalar(a->db, "SELECT COALESCE(SUM(stored),0) FROM blobs");
	int64_t segments = scalar(a->db, "SELECT COUNT(*) FROM segments");
	int64_t entries = scalar(a->db, "SELECT COUNT(*) FROM ledger");
	int64_t cps = scalar(a->db, "SELECT COUNT(*) FROM checkpoints");
	int64_t cp_size = scalar(a->db, "SELECT COALESCE(MAX(tree_size),0) FROM checkpoints");
	int64_t flagged = scalar(a->db, "SELECT COUNT(*) FROM messages WHERE flags!=0");
	int64_t att = scalar(a->db, "SELECT COUNT(*) FROM attachments");
	int64_t first = scalar(a->db, "SELECT COALESCE(MIN(date),0) FROM messages WHERE date>0");
	int64_t last = scalar(a->db, "SELECT COALESCE(MAX(date),0) FROM messages");
	int64_t indexed = a->fts_version ? scalar(a->db, "SELECT COUNT(*) FROM fts_docsize") : 0;
	if (json) {
		json_t *j = json_pack(
			"{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:I, s:I, s:I, s:I, s:I, s:I,"
			" s:I, s:I, s:I, s:I, s:I, s:{s:i, s:I}}",
			"archive", a->dir, "id", a->archive_id, "fingerprint", a->keys.fingerprint,
			"crypto", "suite", a->suite, "hash", cry_hash_name(a->hash_alg), "cipher",
			cry_aead_name(a->aead_alg), "key_wrap", cry_aead_name(a->wrap_alg),
			"signature", cry_sig_name(a->sig_alg),
			"messages", (json_int_t)messages, "raw_bytes", (json_int_t)raw,
			"stored_bytes", (json_int_t)stored, "segments", (json_int_t)segments,
			"ledger_entries", (json_int_t)entries, "checkpoints", (json_int_t)cps,
			"checkpointed", (json_int_t)cp_size, "flagged", (json_int_t)flagged,
			"attachments", (json_int_t)att, "first_date", (json_int_t)first,
			"last_date", (json_int_t)last, "fulltext", "version", a->fts_version,
			"indexed", (json_int_t)indexed);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		printf("archive      %s\n"
		       "id           %s\n"
		       "crypto       %s (%s, %s, %s)\n"
		       "ledger key   %s\n"
		       "messages     %" PRId64 " (%" PRId64 " flagged, %" PRId64 " attachments)\n"
		       "size         %.1f MB raw, %.1f MB stored (%.0f%%) in %" PRId64
		       " segment(s)\n"
		       "ledger       %" PRId64 " entries, %" PRId64 " checkpoints, signed up to %" PRId64
		       "\n"
		       "full text    %" PRId64 " messages indexed%s\n",
		       a->dir, a->archive_id, a->suite, cry_hash_name(a->hash_alg),
		       cry_aead_name(a->aead_alg), cry_sig_name(a->sig_alg), a->keys.fingerprint,
		       messages, flagged, att,
		       (double)raw / 1048576.0, (double)stored / 1048576.0,
		       raw ? 100.0 * (double)stored / (double)raw : 0.0, segments, entries, cps,
		       cp_size, indexed,
		       a->fts_version == 0 ? " (incomplete: run custos reindex)" : "");
	}
	archive_close(a);
	return 0;
}
