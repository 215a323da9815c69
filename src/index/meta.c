/*
 * meta.c - message metadata tables and the canonical metadata JSON.
 * See meta.h. The JSON is produced with sorted keys and compact separators
 * by jansson; because it is rebuilt from the rows on verification, its
 * encoding must only ever change together with a format version ("v").
 */
#include "index/meta.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/hex.h"
#include "core/xalloc.h"

static const char schema_sql[] =
	"CREATE TABLE messages("
	" id INTEGER PRIMARY KEY,"
	" blob INTEGER NOT NULL UNIQUE REFERENCES blobs(id),"
	" ledger_seq INTEGER UNIQUE,"
	" hash TEXT NOT NULL,"
	" message_id TEXT,"
	" date INTEGER,"
	" date_raw TEXT,"
	" subject TEXT,"
	" size INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" n_parts INTEGER NOT NULL,"
	" parse_error TEXT,"
	" archived INTEGER NOT NULL,"
	" source TEXT NOT NULL,"
	" origin TEXT,"
	" header_charset TEXT);"
	"CREATE INDEX messages_message_id ON messages(message_id);"
	"CREATE INDEX messages_date ON messages(date);"
	"CREATE TABLE addresses("
	" message INTEGER NOT NULL REFERENCES messages(id),"
	" role INTEGER NOT NULL,"
	" pos INTEGER NOT NULL,"
	" addr TEXT NOT NULL,"
	" name TEXT,"
	" PRIMARY KEY(message, role, pos));"
	"CREATE INDEX addresses_addr ON addresses(addr);"
	"CREATE TABLE attachments("
	" message INTEGER NOT NULL REFERENCES messages(id),"
	" pos INTEGER NOT NULL,"
	" filename TEXT,"
	" content_type TEXT,"
	" size INTEGER NOT NULL,"
	" extract TEXT,"
	" PRIMARY KEY(message, pos));"
	"CREATE TABLE deliveries("
	" id INTEGER PRIMARY KEY,"
	" message INTEGER NOT NULL REFERENCES messages(id),"
	" ledger_seq INTEGER UNIQUE,"
	" source TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" env_from TEXT,"
	" received INTEGER NOT NULL,"
	" UNIQUE(message, origin));"
	"CREATE TABLE delivery_rcpts("
	" delivery INTEGER NOT NULL REFERENCES deliveries(id),"
	" pos INTEGER NOT NULL,"
	" addr TEXT NOT NULL,"
	" PRIMARY KEY(delivery, pos));"
	"CREATE INDEX delivery_rcpts_addr ON delivery_rcpts(addr);"
	"CREATE TABLE labels("
	" message INTEGER NOT NULL REFERENCES messages(id),"
	" label TEXT NOT NULL,"
	" PRIMARY KEY(message, label));"
	"CREATE INDEX labels_label ON labels(label COLLATE NOCASE);";

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, col);
}

int idx_schema(sqlite3 *db, struct error *err)
{
	if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, err, "create index schema");
	return 0;
}

/* Columns added after the first archives were made: derived from the
 * parse, outside the canonical metadata JSON, so adding them changes
 * nothing the ledger committed to. */
static const struct {
	const char *table, *column, *decl;
} added_columns[] = {
	{"messages", "header_charset", "TEXT"},
	{"attachments", "extract", "TEXT"},
};

static int has_column(sqlite3 *db, const char *table, const char *column, int *has_r,
		      struct error *err)
{
	char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name=%Q", table,
				    column);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return db_fail(db, err, "read table info");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "read table info");
	*has_r = rc == SQLITE_ROW;
	return 0;
}

int idx_upgrade(sqlite3 *db, struct error *err)
{
	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		int has = 0;
		if (has_column(db, added_columns[i].table, added_columns[i].column, &has, err) < 0)
			return -1;
		if (has)
			continue;
		char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s %s",
					    added_columns[i].table, added_columns[i].column,
					    added_columns[i].decl);
		int rc = db_exec(db, sql, err);
		sqlite3_free(sql);
		if (rc < 0)
			return -1;
	}
	return db_exec(db, "CREATE INDEX IF NOT EXISTS labels_label ON labels(label COLLATE NOCASE)",
		       err);
}

int idx_update_derived(sqlite3 *db, int64_t msg_id, const struct mail_doc *d, struct error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE messages SET header_charset=? WHERE id=?", err);
	if (st == NULL)
		return -1;
	bind_text_or_null(st, 1, d->header_charset);
	sqlite3_bind_int64(st, 2, msg_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "update message");
	if ((st = db_stmt(db, "UPDATE attachments SET extract=? WHERE message=? AND pos=?", err)) ==
	    NULL)
		return -1;
	for (size_t i = 0; i < d->n_att; i++) {
		bind_text_or_null(st, 1, d->att[i].extract);
		sqlite3_bind_int64(st, 2, msg_id);
		sqlite3_bind_int64(st, 3, (int64_t)i);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, err, "update attachment");
	}
	return 0;
}

static int insert_addrs(sqlite3 *db, sqlite3_stmt *st, int64_t msg_id, int role,
			const struct mail_addr_list *l, struct error *err)
{
	int pos = 0;
	for (size_t i = 0; i < l->n; i++) {
		char *norm = l->v[i].addr ? mail_addr_normalize(l->v[i].addr) : NULL;
		if (norm == NULL)
			continue; /* not an address: the raw header still has it */
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, msg_id);
		sqlite3_bind_int(st, 2, role);
		sqlite3_bind_int(st, 3, pos++);
		sqlite3_bind_text(st, 4, norm, -1, SQLITE_TRANSIENT);
		bind_text_or_null(st, 5, l->v[i].name);
		int rc = sqlite3_step(st);
		free(norm);
		if (rc != SQLITE_DONE)
			return db_fail(db, err, "insert address");
	}
	return 0;
}

int idx_insert_message(sqlite3 *db, const struct idx_new_message *m, int64_t *msg_id_r,
		       struct error *err)
{
	const struct mail_doc *d = m->doc;
	sqlite3_stmt *st = NULL;
	char hex[2 * 64 + 1];
	hex_encode(hex, m->hash, 32);
	char *hash = xasprintf("%s:%s", m->hash_alg, hex);
	int rc = -1;
	if ((st = db_stmt(db, "INSERT INTO messages(blob, hash, message_id, date, date_raw, subject,"
			       " size, flags, n_parts, parse_error, archived, source, origin,"
			       " header_charset)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", NULL)) == NULL) {
		db_fail(db, err, "insert message");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, m->blob_id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, d->message_id);
	if (d->date != 0)
		sqlite3_bind_int64(st, 4, d->date);
	else
		sqlite3_bind_null(st, 4);
	bind_text_or_null(st, 5, d->date_raw);
	bind_text_or_null(st, 6, d->subject);
	sqlite3_bind_int64(st, 7, (int64_t)m->size);
	sqlite3_bind_int64(st, 8, d->flags);
	sqlite3_bind_int64(st, 9, d->n_parts);
	bind_text_or_null(st, 10, d->error);
	sqlite3_bind_int64(st, 11, m->archived_us);
	sqlite3_bind_text(st, 12, m->source, -1, SQLITE_STATIC);
	bind_text_or_null(st, 13, m->origin);
	bind_text_or_null(st, 14, d->header_charset);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(db, err, "insert message");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(db);
	sqlite3_reset(st);
	st = NULL;
	if ((st = db_stmt(db, "INSERT INTO addresses(message, role, pos, addr, name)"
			       " VALUES(?,?,?,?,?)", NULL)) == NULL) {
		db_fail(db, err, "insert address");
		goto fail;
	}
	if (insert_addrs(db, st, id, IDX_FROM, &d->from, err) < 0 ||
	    insert_addrs(db, st, id, IDX_TO, &d->to, err) < 0 ||
	    insert_addrs(db, st, id, IDX_CC, &d->cc, err) < 0 ||
	    insert_addrs(db, st, id, IDX_BCC, &d->bcc, err) < 0 ||
	    insert_addrs(db, st, id, IDX_REPLY_TO, &d->reply_to, err) < 0)
		goto fail;
	sqlite3_reset(st);
	st = NULL;
	if ((st = db_stmt(db, "INSERT INTO attachments(message, pos, filename, content_type, size,"
			       " extract) VALUES(?,?,?,?,?,?)", NULL)) == NULL) {
		db_fail(db, err, "insert attachment");
		goto fail;
	}
	for (size_t i = 0; i < d->n_att; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_text_or_null(st, 3, d->att[i].filename);
		bind_text_or_null(st, 4, d->att[i].content_type);
		sqlite3_bind_int64(st, 5, (int64_t)d->att[i].size);
		bind_text_or_null(st, 6, d->att[i].extract);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(db, err, "insert attachment");
			goto fail;
		}
	}
	*msg_id_r = id;
	rc = 0;
fail:
	sqlite3_reset(st);
	free(hash);
	return rc;
}

int idx_set_ledger_seq(sqlite3 *db, int64_t msg_id, int64_t seq, struct error *err)
{
	sqlite3_stmt *st = NULL;
	if ((st = db_stmt(db, "UPDATE messages SET ledger_seq=? WHERE id=?", NULL)) == NULL)
		return db_fail(db, err, "update message");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, msg_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, err, "update message");
	sqlite3_reset(st);
	return rc;
}

int idx_message_by_blob(sqlite3 *db, int64_t blob_id, int64_t *msg_id_r, struct error *err)
{
	sqlite3_stmt *st = NULL;
	if ((st = db_stmt(db, "SELECT id FROM messages WHERE blob=?", NULL)) == NULL)
		return db_fail(db, err, "query message");
	sqlite3_bind_int64(st, 1, blob_id);
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW;
	if (found)
		*msg_id_r = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (!found && rc != SQLITE_DONE)
		return db_fail(db, err, "query message");
	return found;
}

int idx_add_label(sqlite3 *db, int64_t msg_id, const char *label, struct error *err)
{
	sqlite3_stmt *st = NULL;
	if ((st = db_stmt(db, "INSERT OR IGNORE INTO labels(message, label) VALUES(?,?)", NULL)) == NULL)
		return db_fail(db, err, "insert label");
	sqlite3_bind_int64(st, 1, msg_id);
	sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, err, "insert label");
	sqlite3_reset(st);
	return rc;
}

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s != NULL ? json_string(s) : json_null();
}

int idx_meta_json(sqlite3 *db, int64_t msg_id, char **json_r, struct error *err)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	int rc = -1;
	if ((st = db_stmt(db, "SELECT hash, message_id, date, subject, size, flags FROM messages"
			       " WHERE id=?", NULL)) == NULL) {
		db_fail(db, err, "query message");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, msg_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		error_set(err, ERR_NOTFOUND, "no message %" PRId64, msg_id);
		goto fail;
	}
	o = json_object();
	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "hash", text_or_null(st, 0));
	json_object_set_new(o, "message_id", text_or_null(st, 1));
	json_object_set_new(o, "date", sqlite3_column_type(st, 2) == SQLITE_NULL
					       ? json_null()
					       : json_integer(sqlite3_column_int64(st, 2)));
	json_object_set_new(o, "subject", text_or_null(st, 3));
	json_object_set_new(o, "size", json_integer(sqlite3_column_int64(st, 4)));
	json_object_set_new(o, "flags", json_integer(sqlite3_column_int64(st, 5)));
	sqlite3_reset(st);
	st = NULL;

	static const char *const roles[] = {NULL, "from", "to", "cc", "bcc", "reply_to"};
	json_t *lists[6] = {NULL};
	for (int r = 1; r <= 5; r++)
		lists[r] = json_array();
	if ((st = db_stmt(db, "SELECT role, addr FROM addresses WHERE message=? ORDER BY role, pos", NULL)) == NULL) {
		for (int r = 1; r <= 5; r++)
			json_decref(lists[r]);
		db_fail(db, err, "query addresses");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, msg_id);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int role = sqlite3_column_int(st, 0);
		if (role >= 1 && role <= 5)
			json_array_append_new(lists[role], text_or_null(st, 1));
	}
	for (int r = 1; r <= 5; r++)
		json_object_set_new(o, roles[r], lists[r]);
	/* A read cut short must not yield a shorter JSON: it is committed to
	 * by the ledger and compared on verification. */
	if (step != SQLITE_DONE) {
		db_fail(db, err, "query addresses");
		goto fail;
	}
	sqlite3_reset(st);
	st = NULL;

	json_t *atts = json_array();
	json_object_set_new(o, "attachments", atts);
	if ((st = db_stmt(db, "SELECT filename, content_type, size FROM attachments WHERE message=?"
			       " ORDER BY pos", NULL)) == NULL) {
		db_fail(db, err, "query attachments");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, msg_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *a = json_object();
		json_object_set_new(a, "name", text_or_null(st, 0));
		json_object_set_new(a, "type", text_or_null(st, 1));
		json_object_set_new(a, "size", json_integer(sqlite3_column_int64(st, 2)));
		json_array_append_new(atts, a);
	}
	if (step != SQLITE_DONE) {
		db_fail(db, err, "query attachments");
		goto fail;
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (s == NULL) {
		error_set(err, ERR_INTERNAL, "cannot encode metadata");
		goto fail;
	}
	*json_r = s;
	rc = 0;
fail:
	sqlite3_reset(st);
	json_decref(o);
	return rc;
}

int idx_insert_delivery(sqlite3 *db, const struct idx_new_delivery *d, int64_t *id_r,
			struct error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM deliveries WHERE message=? AND origin=?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, d->msg_id);
	sqlite3_bind_text(st, 2, d->origin, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "query delivery");
	st = db_stmt(db,
		     "INSERT INTO deliveries(message, source, origin, env_from, received)"
		     " VALUES(?,?,?,?,?)",
		     err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, d->msg_id);
	sqlite3_bind_text(st, 2, d->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->origin, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, d->env_from);
	sqlite3_bind_int64(st, 5, d->received_us);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "insert delivery");
	int64_t id = sqlite3_last_insert_rowid(db);
	st = db_stmt(db, "INSERT INTO delivery_rcpts(delivery, pos, addr) VALUES(?,?,?)", err);
	if (st == NULL)
		return -1;
	for (size_t i = 0; i < d->n_rcpts; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_text(st, 3, d->rcpts[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return db_fail(db, err, "insert delivery recipient");
		}
	}
	sqlite3_reset(st);
	*id_r = id;
	return 1;
}

int idx_set_delivery_seq(sqlite3 *db, int64_t delivery_id, int64_t seq, struct error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE deliveries SET ledger_seq=? WHERE id=?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, delivery_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, err, "update delivery");
	sqlite3_reset(st);
	return rc;
}

int idx_delivery_json(sqlite3 *db, int64_t delivery_id, char **json_r, struct error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT m.hash, d.source, d.origin, d.env_from, d.received"
				   " FROM deliveries d JOIN messages m ON m.id=d.message WHERE d.id=?",
				   err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, delivery_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return error_set(err, ERR_NOTFOUND, "no delivery %" PRId64, delivery_id);
	}
	json_t *o = json_object();
	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "hash", text_or_null(st, 0));
	json_object_set_new(o, "source", text_or_null(st, 1));
	json_object_set_new(o, "origin", text_or_null(st, 2));
	json_object_set_new(o, "env_from", text_or_null(st, 3));
	json_object_set_new(o, "received", json_integer(sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
	json_t *rcpts = json_array();
	json_object_set_new(o, "rcpts", rcpts);
	st = db_stmt(db, "SELECT addr FROM delivery_rcpts WHERE delivery=? ORDER BY pos", err);
	if (st == NULL) {
		json_decref(o);
		return -1;
	}
	sqlite3_bind_int64(st, 1, delivery_id);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(rcpts, text_or_null(st, 0));
	if (step != SQLITE_DONE) {
		db_fail(db, err, "query delivery recipients");
		sqlite3_reset(st);
		json_decref(o);
		return -1;
	}
	sqlite3_reset(st);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return error_set(err, ERR_INTERNAL, "cannot encode delivery");
	*json_r = s;
	return 0;
}
