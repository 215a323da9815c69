/*
 * verify.c - `custos verify`: re-derive everything and name every fault.
 *
 *  1. store: every segment record by record; every blob decrypts,
 *     decompresses and hashes to its address; rows and records agree;
 *  2. ledger: every leaf, chain link, metadata hash, Merkle root and
 *     checkpoint signature; checkpoints.log agrees with the database;
 *  3. index <-> ledger: every message row points to a real blob and to a
 *     ledger entry whose subject is that blob's hash and whose metadata is
 *     the row's canonical metadata; counts agree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "core/db.h"
#include "core/hex.h"
#include "core/progress.h"
#include "core/xalloc.h"
#include "index/meta.h"
#include "index/tokenize.h"

struct vctx {
	int hash_alg;
	struct archive_verify_result *r;
	const struct archive_verify_opts *o;
	struct progress bar;
};

static void add_fault(struct vctx *v, const char *where, const char *what)
{
	v->r->faults++;
	if (v->r->fault_list != NULL) {
		json_t *f = json_pack("{s:s, s:s}", "where", where, "what", what);
		if (f != NULL)
			json_array_append_new(v->r->fault_list, f);
	}
	if (!v->o->quiet) {
		progress_finish(&v->bar);
		fprintf(stderr, "FAULT %s: %s\n", where, what);
	}
}

static int on_store_fault(void *ctx, const struct store_fault *f)
{
	struct vctx *v = ctx;
	char where[512];
	int n = snprintf(where, sizeof(where), "segment %" PRId64, f->segment);
	if (f->path != NULL)
		n += snprintf(where + n, sizeof(where) - (size_t)n, " (%s)", f->path);
	if (f->offset >= 0)
		n += snprintf(where + n, sizeof(where) - (size_t)n, " offset %" PRId64, f->offset);
	if (f->blob_id > 0)
		n += snprintf(where + n, sizeof(where) - (size_t)n, " blob %" PRId64, f->blob_id);
	if (f->hash_hex != NULL)
		snprintf(where + n, sizeof(where) - (size_t)n, " %s:%s", cry_hash_name(v->hash_alg),
			 f->hash_hex);
	add_fault(v, where, f->what);
	return 0;
}

static void on_store_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct vctx *v = ctx;
	v->bar.total_bytes = total;
	progress_update(&v->bar, v->r->blobs_checked, done);
}

static int on_ledger_fault(void *ctx, const struct ledger_fault *f)
{
	struct vctx *v = ctx;
	char where[64];
	snprintf(where, sizeof(where), "ledger entry %" PRId64, f->seq);
	add_fault(v, where, f->what);
	return 0;
}

static int cross_check(struct archive *a, struct vctx *v, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	/* Every message row: real blob, real ledger entry, same hash, same metadata. */
	if (sqlite3_prepare_v2(a->db,
			       "SELECT m.id, m.ledger_seq, b.id, b.hash, l.kind, l.subject, l.meta_hash"
			       " FROM messages m LEFT JOIN blobs b ON b.id=m.blob"
			       " LEFT JOIN ledger l ON l.seq=m.ledger_seq ORDER BY m.id",
			       -1, &st, NULL) != SQLITE_OK)
		return error_set(err, ERR_IO, "query messages: %s", sqlite3_errmsg(a->db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), seq = sqlite3_column_int64(st, 1);
		char where[96];
		snprintf(where, sizeof(where), "message %" PRId64 " (ledger entry %" PRId64 ")", id,
			 seq);
		v->r->messages++;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
			add_fault(v, where, "index row points to a blob that does not exist");
			continue;
		}
		if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
			add_fault(v, where, "index row points to a ledger entry that does not exist");
			continue;
		}
		if (sqlite3_column_int(st, 4) != LEDGER_MESSAGE ||
		    sqlite3_column_bytes(st, 3) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(st, 5) != CRYPTO_HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 3), sqlite3_column_blob(st, 5),
			   CRYPTO_HASH_LEN) != 0) {
			add_fault(v, where, "ledger entry is not this message's blob");
			continue;
		}
		/* The ledger holds the hash of the canonical metadata: rebuilding it
		 * from the index rows must give the same hash. */
		char *mine = NULL;
		unsigned char h[CRYPTO_HASH_LEN];
		struct error e = ERROR_INIT;
		if (idx_meta_json(a->db, id, &mine, &e) < 0 ||
		    cry_hash(a->hash_alg, mine, strlen(mine), h, &e) < 0) {
			free(mine);
			add_fault(v, where, e.msg);
			continue;
		}
		if (sqlite3_column_bytes(st, 6) != CRYPTO_HASH_LEN ||
		    memcmp(h, sqlite3_column_blob(st, 6), CRYPTO_HASH_LEN) != 0)
			add_fault(v, where,
				  "index metadata differs from what the ledger recorded (index "
				  "altered)");
		free(mine);
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Every delivery (envelope) row: its ledger entry names the message's
	 * blob and hashes the delivery's canonical JSON. */
	if ((st = db_stmt(a->db,
			  "SELECT d.id, d.ledger_seq, l.kind, l.subject, l.meta_hash, b.hash"
			  " FROM deliveries d JOIN messages m ON m.id=d.message"
			  " JOIN blobs b ON b.id=m.blob LEFT JOIN ledger l ON l.seq=d.ledger_seq"
			  " ORDER BY d.id",
			  err)) == NULL)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		char where[96];
		snprintf(where, sizeof(where), "delivery %lld (ledger entry %lld)", (long long)id,
			 (long long)sqlite3_column_int64(st, 1));
		char *mine = NULL;
		unsigned char h[CRYPTO_HASH_LEN];
		struct error e = ERROR_INIT;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
			add_fault(v, where, "delivery points to a ledger entry that does not exist");
			continue;
		}
		if (sqlite3_column_int(st, 2) != LEDGER_DELIVERY ||
		    sqlite3_column_bytes(st, 3) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(st, 5) != CRYPTO_HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 3), sqlite3_column_blob(st, 5), CRYPTO_HASH_LEN) !=
			    0) {
			add_fault(v, where, "ledger entry is not a delivery of this message");
			continue;
		}
		if (idx_delivery_json(a->db, id, &mine, &e) < 0 ||
		    cry_hash(a->hash_alg, mine, strlen(mine), h, &e) < 0) {
			free(mine);
			add_fault(v, where, e.msg);
			continue;
		}
		if (sqlite3_column_bytes(st, 4) != CRYPTO_HASH_LEN ||
		    memcmp(h, sqlite3_column_blob(st, 4), CRYPTO_HASH_LEN) != 0)
			add_fault(v, where,
				  "envelope differs from what the ledger recorded (index altered)");
		free(mine);
	}
	sqlite3_reset(st);
	st = NULL;
	if ((st = db_stmt(a->db,
			  "SELECT l.seq FROM ledger l LEFT JOIN deliveries d ON d.ledger_seq=l.seq"
			  " WHERE l.kind=2 AND d.id IS NULL",
			  err)) == NULL)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char where[64];
		snprintf(where, sizeof(where), "ledger entry %lld", (long long)sqlite3_column_int64(st, 0));
		add_fault(v, where, "recorded delivery is missing from the index");
	}
	sqlite3_reset(st);
	st = NULL;
	/* Every message entry of the ledger has its row and blob. */
	if (sqlite3_prepare_v2(a->db,
			       "SELECT l.seq FROM ledger l LEFT JOIN messages m ON m.ledger_seq=l.seq"
			       " WHERE l.kind=?1 AND m.id IS NULL",
			       -1, &st, NULL) != SQLITE_OK) {
		error_set(err, ERR_IO, "query ledger: %s", sqlite3_errmsg(a->db));
		goto fail;
	}
	sqlite3_bind_int(st, 1, LEDGER_MESSAGE);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char where[64];
		snprintf(where, sizeof(where), "ledger entry %lld", (long long)sqlite3_column_int64(st, 0));
		add_fault(v, where, "archived message is missing from the index");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(a->db,
			       "SELECT b.id, b.hash FROM blobs b LEFT JOIN messages m ON m.blob=b.id"
			       " WHERE m.id IS NULL",
			       -1, &st, NULL) != SQLITE_OK) {
		error_set(err, ERR_IO, "query blobs: %s", sqlite3_errmsg(a->db));
		goto fail;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		char where[64];
		snprintf(where, sizeof(where), "blob %lld", (long long)sqlite3_column_int64(st, 0));
		add_fault(v, where, "blob has no message row");
	}
	rc = 0;
fail:
	sqlite3_finalize(st);
	return rc;
}

/* The full-text index is derived, but it must agree with the archive: one
 * row per message, one per delivery with recipients, built by this
 * tokenizer. A missing row is a message search would never find. The
 * docsize shadow tables list the rows of the contentless FTS5 tables. */
static int fts_check(struct archive *a, struct vctx *v, struct error *err)
{
	static const struct {
		const char *sql, *what, *kind;
	} checks[] = {
		{"SELECT id FROM messages WHERE id NOT IN (SELECT id FROM fts_docsize)",
		 "archived message is missing from the full-text index", "message"},
		{"SELECT id FROM fts_docsize WHERE id NOT IN (SELECT id FROM messages)",
		 "full-text row for a message that does not exist", "fts row"},
		{"SELECT d.id FROM deliveries d WHERE EXISTS (SELECT 1 FROM delivery_rcpts r"
		 " WHERE r.delivery=d.id) AND d.id NOT IN (SELECT id FROM fts_env_docsize)",
		 "delivery envelope is missing from the full-text index", "delivery"},
		{"SELECT id FROM fts_env_docsize WHERE id NOT IN (SELECT id FROM deliveries)",
		 "full-text envelope row for a delivery that does not exist", "fts_env row"},
	};
	if (a->fts_version != IDX_TOKENIZER_VERSION) {
		add_fault(v, "full-text index",
			  a->fts_version == 0
				  ? "missing or incomplete (run custos reindex)"
				  : "built by another tokenizer version (run custos reindex)");
		return 0;
	}
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(a->db, checks[i].sql, -1, &st, NULL) != SQLITE_OK) {
			error_set(err, ERR_IO, "check full-text index: %s", sqlite3_errmsg(a->db));
			sqlite3_finalize(st);
			return -1;
		}
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char where[64];
			snprintf(where, sizeof(where), "%s %lld", checks[i].kind,
				 (long long)sqlite3_column_int64(st, 0));
			add_fault(v, where, checks[i].what);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return error_set(err, ERR_IO, "check full-text index: %s",
					 sqlite3_errmsg(a->db));
	}
	return 0;
}

int archive_verify(struct archive *a, const struct archive_verify_opts *o,
		   struct archive_verify_result *r, struct error *err)
{
	struct vctx v = {a->hash_alg, r, o, {0}};
	memset(r, 0, sizeof(*r));
	r->fault_list = json_array();
	progress_init(&v.bar, "verify", 0, o->progress);
	int64_t min_blob = 0;
	if (o->since_seq > 0) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(a->db,
				       "SELECT COALESCE(MIN(blob), 9223372036854775807) FROM messages"
				       " WHERE ledger_seq>=?",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, o->since_seq);
			if (sqlite3_step(st) == SQLITE_ROW)
				min_blob = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
	}
	/* One read transaction: a consistent snapshot of every table even while
	 * an import commits more (WAL readers never block the writer). */
	if (ledger_log_preload(a->ledger, err) < 0) {
		progress_finish(&v.bar);
		return -1;
	}
	int in_read = !a->in_txn && db_exec(a->db, "BEGIN", err) == 0;
	int rc = 0;
	if (store_verify(a->store, min_blob, on_store_fault, on_store_progress, &v,
			 &r->blobs_checked, err) < 0 ||
	    ledger_verify(a->ledger, on_ledger_fault, &v, &r->ledger, err) < 0 ||
	    cross_check(a, &v, err) < 0 || fts_check(a, &v, err) < 0)
		rc = -1;
	if (in_read)
		db_exec(a->db, "COMMIT", NULL);
	progress_finish(&v.bar);
	return rc;
}
