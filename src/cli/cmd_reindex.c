/*
 * cmd_reindex.c - custos reindex: rebuild the full-text index from the
 * stored messages.
 *
 * The index is derived data. Rebuilding marks it incomplete first
 * (meta fts_version = 0, committed together with emptying the tables), then
 * re-parses every message in the sandboxed worker in batches, one
 * transaction each, and marks it complete at the end. A reindex that is
 * killed half-way leaves an index that search refuses ("run custos
 * reindex"), never one that silently misses messages. The metadata rows
 * (committed to by the ledger) are not touched.
 *
 * A pool of parse workers (parse.workers) parses the next messages while
 * this process reads, decrypts and indexes (the same pipelining as import).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/progress.h"
#include "core/xalloc.h"
#include "index/fts.h"
#include "index/meta.h"
#include "index/tokenize.h"
#include "mail/mail.h"

#define REINDEX_BATCH 500

static int set_version(sqlite3 *db, int v, struct error *err)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES('fts_version','%d')", v);
	return db_exec(db, sql, err);
}

/* Up to REINDEX_BATCH message ids after `after`, ascending. */
static int next_ids(sqlite3 *db, int64_t after, int64_t *ids, size_t *n_r, struct error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM messages WHERE id>? ORDER BY id LIMIT ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, REINDEX_BATCH);
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "list messages");
	*n_r = n;
	return 0;
}

/* One batch: ids[0..n) parsed (pipelined) and indexed in that order. */
static int index_batch(struct archive *a, struct mail_pool *p, const int64_t *ids, size_t n,
		       uint64_t *bytes_r, struct error *err)
{
	struct buf cur;
	struct mail_doc doc;
	struct mail_pool_item it;
	int rc = -1;
	buf_init(&cur, BUF_UNLIMITED);
	mail_doc_init(&doc);
	size_t next = 0, done = 0;
	while (done < n) {
		if (next < n && !mail_pool_full(p)) {
			buf_reset(&cur);
			if (archive_read(a, ids[next], &cur, err) < 0 ||
			    mail_pool_submit(p, cur.data, cur.len, (void *)&ids[next], err) < 0)
				goto fail;
			*bytes_r += cur.len;
			next++;
			continue;
		}
		if (mail_pool_collect(p, &doc, &it, err) < 0)
			goto fail;
		int64_t id = *(const int64_t *)it.tag;
		if (idx_fts_insert(a->db, id, &doc, err) < 0 ||
		    idx_update_derived(a->db, id, &doc, err) < 0)
			goto fail;
		done++;
	}
	rc = 0;
fail:
	mail_doc_release(&doc);
	buf_release(&cur);
	return rc;
}

static int index_envelopes(sqlite3 *db, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t cur = -1;
	char **rcpts = NULL;
	size_t n = 0;
	int rc = -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT delivery, addr FROM delivery_rcpts ORDER BY delivery, pos",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, err, "list envelopes");
		return -1;
	}
	for (;;) {
		int x = sqlite3_step(st);
		int64_t d = x == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
		if (x != SQLITE_ROW && x != SQLITE_DONE) {
			db_fail(db, err, "list envelopes");
			goto fail;
		}
		if (d != cur && n > 0) {
			if (idx_fts_insert_env(db, cur, (const char *const *)rcpts, n, err) < 0)
				goto fail;
			for (size_t i = 0; i < n; i++)
				free(rcpts[i]);
			n = 0;
		}
		if (x == SQLITE_DONE)
			break;
		cur = d;
		rcpts = xrealloc(rcpts, (n + 1) * sizeof(*rcpts));
		rcpts[n++] = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	rc = 0;
fail:
	for (size_t i = 0; i < n; i++)
		free(rcpts[i]);
	free(rcpts);
	sqlite3_finalize(st);
	return rc;
}

CMD(reindex)
{
	int quiet = cli->quiet;
	if (argc == 2 && strcmp(argv[1], "--quiet") == 0)
		quiet = 1;
	else if (argc != 1) {
		cli_usage(cli_find("reindex"), stderr);
		return 2;
	}
	struct archive *a = NULL;
	struct mail_pool *pool = NULL;
	struct error err = ERROR_INIT;
	struct progress bar;
	int64_t *ids = xcalloc(REINDEX_BATCH, sizeof(*ids));
	uint64_t done = 0, bytes = 0;
	int status = 1;
	double t0 = progress_now();
	progress_init(&bar, "reindex", 0, 0);
	if (cli_open_archive(cli, "reindex", 1, &a) < 0)
		goto out;
	struct mail_limits lim;
	mail_limits_init(&lim, &cli->cfg);
	if (mail_pool_start(&pool, cli_worker_exe(cli), &lim,
			    mail_pool_workers(cli->cfg.parse_workers), BUF_UNLIMITED, &err) < 0)
		goto fail;
	progress_init(&bar, "reindex", 0, !quiet);
	if (db_exec(a->db, "BEGIN IMMEDIATE", &err) < 0)
		goto fail;
	if (set_version(a->db, 0, &err) < 0 || idx_fts_clear(a->db, &err) < 0 ||
	    db_exec(a->db, "COMMIT", &err) < 0)
		goto fail_txn;
	int64_t last = 0;
	for (;;) {
		size_t n = 0;
		if (next_ids(a->db, last, ids, &n, &err) < 0)
			goto fail;
		if (n == 0)
			break;
		if (db_exec(a->db, "BEGIN IMMEDIATE", &err) < 0)
			goto fail;
		if (index_batch(a, pool, ids, n, &bytes, &err) < 0 || db_exec(a->db, "COMMIT", &err) < 0)
			goto fail_txn;
		last = ids[n - 1];
		done += n;
		progress_update(&bar, done, bytes);
	}
	if (db_exec(a->db, "BEGIN IMMEDIATE", &err) < 0)
		goto fail;
	if (index_envelopes(a->db, &err) < 0 || set_version(a->db, IDX_TOKENIZER_VERSION, &err) < 0 ||
	    db_exec(a->db, "COMMIT", &err) < 0)
		goto fail_txn;
	progress_finish(&bar);
	double secs = progress_now() - t0;
	if (!quiet)
		printf("reindexed %" PRIu64 " messages (%.1f MB) in %.1f s, %.0f msg/s\n", done,
		       (double)bytes / 1e6, secs, secs > 0 ? (double)done / secs : 0.0);
	status = 0;
	goto out;
fail_txn:
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
fail:
	progress_finish(&bar);
	status = cli_fail("reindex", &err);
out:
	mail_pool_stop(pool);
	archive_close(a);
	free(ids);
	return status;
}
