/*
 * fts.c - the full-text tables (see fts.h): creation, one row per message,
 * one row per delivery's envelope.
 *
 * The text of a row is assembled here from the parse worker's document
 * (doc/search.md, "How messages become text") and handed to FTS5, which
 * cuts it with the custos tokenizer (tokenize.c). Nothing here is stored
 * besides the inverted index: the tables are contentless, so the archive
 * keeps the text once, inside the encrypted blobs.
 */
#include "index/fts.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/db.h"
#include "index/tokenize.h"

static const char fts_schema_sql[] =
	"CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5("
	" subject, body, attachment, filename, from_addr, to_addr, cc_addr, bcc_addr,"
	" tokenize='" IDX_TOKENIZER_NAME "', content='');"
	"CREATE VIRTUAL TABLE IF NOT EXISTS fts_env USING fts5("
	" rcpt, tokenize='" IDX_TOKENIZER_NAME "', content='');";

/* One column's text comes from one document the parent accepted, whose
 * JSON is at most MAIL_DOC_MAX_JSON bytes and holds that text and more:
 * the bound can only be reached by a bug, and then fails with ERR_LIMIT
 * instead of growing without end. */
#define FTS_MAX_COLUMN MAIL_DOC_MAX_JSON

/* FTS5 keeps the terms of the rows inserted since its last flush in memory
 * and writes them as a new segment when they pass "hashsize" (1 MiB by
 * default) or at commit. An import batch holds a few MB of text: with the
 * default it is cut into several small segments that merging then rewrites;
 * with 32 MiB it becomes one segment per commit (measured: about 5% less
 * CPU for import; the memory is released at commit). A setting of the
 * table, kept in fts_config. */
#define FTS_HASHSIZE (32 << 20)

static int tune(sqlite3 *db, const char *table, struct error *err)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT v FROM %s_config WHERE k='hashsize'", table);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "read full-text settings");
	int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (have == FTS_HASHSIZE)
		return 0;
	snprintf(sql, sizeof(sql), "INSERT INTO %s(%s, rank) VALUES('hashsize', %d)", table, table,
		 FTS_HASHSIZE);
	return db_exec(db, sql, err);
}

static int have_table(sqlite3 *db, const char *name, int *have_r, struct error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM sqlite_master WHERE name=?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "look up table");
	*have_r = rc == SQLITE_ROW;
	return 0;
}

int idx_fts_open(sqlite3 *db, int writable, int *created_r, struct error *err)
{
	int have = 0;
	if (created_r != NULL)
		*created_r = 0;
	if (idx_tokenizer_register(db, err) < 0 || have_table(db, "fts", &have, err) < 0)
		return -1;
	if (!writable)
		return 0; /* searching says what to do (custos reindex) */
	if (!have) {
		if (sqlite3_exec(db, fts_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(db, err, "create full-text tables");
		if (created_r != NULL)
			*created_r = 1;
	}
	return tune(db, "fts", err) < 0 || tune(db, "fts_env", err) < 0 ? -1 : 0;
}

/* Appends s and a line break, if s holds anything (buffers bounded by
 * FTS_MAX_COLUMN). */
static int add_line(struct buf *b, const char *s, struct error *err)
{
	if (s == NULL || *s == '\0')
		return 0;
	if (buf_append_str(b, s, err) < 0 || buf_append_byte(b, '\n', err) < 0)
		return -1;
	return 0;
}

static int add_addrs(struct buf *b, const struct mail_addr_list *l, struct error *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *name = l->v[i].name;
		if (name != NULL && *name &&
		    (buf_append_str(b, name, err) < 0 || buf_append_byte(b, ' ', err) < 0))
			return -1;
		if (add_line(b, l->v[i].addr, err) < 0)
			return -1;
	}
	return 0;
}

int idx_fts_insert(sqlite3 *db, int64_t msg_id, const struct mail_doc *doc, struct error *err)
{
	enum { C_SUBJECT, C_BODY, C_ATT, C_FILE, C_FROM, C_TO, C_CC, C_BCC, N_COLS };
	struct buf col[N_COLS];
	int rc = -1;
	for (int i = 0; i < N_COLS; i++)
		buf_init(&col[i], FTS_MAX_COLUMN);
	sqlite3_stmt *st = db_stmt(db,
				   "INSERT INTO fts(rowid, subject, body, attachment, filename,"
				   " from_addr, to_addr, cc_addr, bcc_addr)"
				   " VALUES(?,?,?,?,?,?,?,?,?)",
				   err);
	if (st == NULL)
		goto fail;
	/* Subject and body are one text each: bound as they are (no copy of
	 * what is usually most of the text). */
	for (size_t i = 0; i < doc->n_att; i++) {
		const struct mail_attachment *a = &doc->att[i];
		/* A blank line between attachments: no CJK run joins across. */
		if (a->text != NULL && *a->text &&
		    (buf_append_str(&col[C_ATT], a->text, err) < 0 ||
		     buf_append_str(&col[C_ATT], "\n\n", err) < 0))
			goto fail;
		if (add_line(&col[C_FILE], a->filename, err) < 0)
			goto fail;
		for (size_t j = 0; j < a->n_members; j++)
			if (add_line(&col[C_FILE], a->members[j], err) < 0)
				goto fail;
	}
	if (add_addrs(&col[C_FROM], &doc->from, err) < 0 || add_addrs(&col[C_TO], &doc->to, err) < 0 ||
	    add_addrs(&col[C_CC], &doc->cc, err) < 0 || add_addrs(&col[C_BCC], &doc->bcc, err) < 0)
		goto fail;

	sqlite3_bind_int64(st, 1, msg_id);
	for (int i = 0; i < N_COLS; i++) {
		const char *own = i == C_SUBJECT ? doc->subject : i == C_BODY ? doc->body : NULL;
		if (i == C_SUBJECT || i == C_BODY)
			sqlite3_bind_text(st, 2 + i, own != NULL ? own : "", -1, SQLITE_STATIC);
		else
			sqlite3_bind_text(st, 2 + i, col[i].len ? (const char *)col[i].data : "",
					  (int)col[i].len, SQLITE_STATIC);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(db, err, "index message text");
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	rc = 0;
fail:
	if (st != NULL)
		sqlite3_clear_bindings(st);
	for (int i = 0; i < N_COLS; i++)
		buf_release(&col[i]);
	return rc;
}

int idx_fts_insert_env(sqlite3 *db, int64_t delivery_id, const char *const *rcpts, size_t n,
		       struct error *err)
{
	struct buf b;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	buf_init(&b, FTS_MAX_COLUMN);
	for (size_t i = 0; i < n; i++)
		if (add_line(&b, rcpts[i], err) < 0)
			goto fail;
	if (b.len == 0) {
		buf_release(&b);
		return 0;
	}
	if ((st = db_stmt(db, "INSERT INTO fts_env(rowid, rcpt) VALUES(?,?)", err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, delivery_id);
	sqlite3_bind_text(st, 2, (const char *)b.data, (int)b.len, SQLITE_STATIC);
	int x = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (x != SQLITE_DONE) {
		db_fail(db, err, "index envelope");
		goto fail;
	}
	rc = 0;
fail:
	buf_release(&b);
	return rc;
}

int idx_fts_clear(sqlite3 *db, struct error *err)
{
	if (db_exec(db, "INSERT INTO fts(fts) VALUES('delete-all')", err) < 0 ||
	    db_exec(db, "INSERT INTO fts_env(fts_env) VALUES('delete-all')", err) < 0)
		return -1;
	return 0;
}
