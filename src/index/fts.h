/*
 * fts.h - the full-text index: SQLite FTS5 tables over the decoded text of
 * each message, tokenized by src/index/tokenize.c.
 *
 * Derived data: rebuilt from the blobs by `custos reindex`. Written in the
 * same transaction as the message, so after any crash the index and the
 * archive agree. Contentless (content=''): the text is not stored twice.
 *
 *   CREATE VIRTUAL TABLE fts USING fts5(
 *       subject, body, attachment, filename,
 *       from_addr, to_addr, cc_addr, bcc_addr,
 *       tokenize='custos', content='');        -- rowid = messages.id
 *   CREATE VIRTUAL TABLE fts_env USING fts5(
 *       rcpt, tokenize='custos', content='');  -- rowid = deliveries.id
 *
 * Columns: subject; body (the message's own text parts); attachment (text
 * extracted from attachments, attached messages included); filename
 * (attachment file names and archive member names, one per line); the
 * address columns hold one "display-name addr-spec" line per address of
 * From (+ Sender), To, Cc, Bcc headers. fts_env holds the envelope
 * recipients of one delivery (RCPT TO), one per line.
 *
 * The meta table row "fts_version" records the tokenizer version the index
 * was built with (IDX_TOKENIZER_VERSION); search refuses a stale index.
 */
#ifndef CUSTOS_INDEX_FTS_H
#define CUSTOS_INDEX_FTS_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/err.h"
#include "mail/mail.h"

/* Registers the tokenizer (needed on every connection before the tables
 * are used) and, on a writable connection, creates the tables when they
 * are missing (*created_r = 1: an archive made before the index existed,
 * which needs `custos reindex`). A read-only connection leaves them
 * missing. created_r may be NULL. */
int idx_fts_open(sqlite3 *db, int writable, int *created_r, struct error *err);

/* Indexes the text of one message (replacing nothing: call once). */
int idx_fts_insert(sqlite3 *db, int64_t msg_id, const struct mail_doc *doc, struct error *err);
/* Indexes the envelope recipients of one delivery. */
int idx_fts_insert_env(sqlite3 *db, int64_t delivery_id, const char *const *rcpts, size_t n,
		       struct error *err);
/* Empties both tables (before a rebuild). */
int idx_fts_clear(sqlite3 *db, struct error *err);

#endif
