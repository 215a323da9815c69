/*
 * meta.h - the message metadata index: one row per archived message (per
 * distinct blob), its addresses, attachments and labels, in SQLite.
 *
 * The index is derived data: the blobs and the ledger are the truth. The
 * canonical metadata JSON of a message (idx_meta_json) is what the ledger
 * entry of the message commits to, so `verify` can recompute it from these
 * rows and detect any edit of the index.
 */
#ifndef CUSTOS_INDEX_META_H
#define CUSTOS_INDEX_META_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/err.h"
#include "mail/mail.h"

enum idx_role {
	IDX_FROM = 1,
	IDX_TO = 2,
	IDX_CC = 3,
	IDX_BCC = 4,
	IDX_REPLY_TO = 5,
};

int idx_schema(sqlite3 *db, struct error *err);
/* Brings the tables of an older archive up to date (columns and indexes
 * added since; derived data only). Writable connections, on open. */
int idx_upgrade(sqlite3 *db, struct error *err);
/* Rewrites what a new parse derives besides the committed metadata: the
 * header charset guess and each attachment's extraction outcome (reindex). */
int idx_update_derived(sqlite3 *db, int64_t msg_id, const struct mail_doc *d, struct error *err);

struct idx_new_message {
	int64_t blob_id;
	const unsigned char *hash; /* CRYPTO_HASH_LEN bytes */
	const char *hash_alg;      /* "sha256" */
	uint64_t size;
	const struct mail_doc *doc;
	int64_t archived_us;
	const char *source; /* "import", "smtp", ... */
	const char *origin; /* file path or peer, for the operator */
};

int idx_insert_message(sqlite3 *db, const struct idx_new_message *m, int64_t *msg_id_r,
		       struct error *err);
int idx_set_ledger_seq(sqlite3 *db, int64_t msg_id, int64_t seq, struct error *err);
/* 1 found, 0 not. */
int idx_message_by_blob(sqlite3 *db, int64_t blob_id, int64_t *msg_id_r, struct error *err);
int idx_add_label(sqlite3 *db, int64_t msg_id, const char *label, struct error *err);
/* A delivery: one arrival of a message with its envelope (RFC 5321 MAIL
 * FROM and RCPT TO; for journaled mail the only record of Bcc recipients).
 * The same bytes delivered again with another envelope are one blob and
 * several deliveries. origin identifies the arrival (spool entry, mbox
 * offset): the same (message, origin) is recorded once, so replays and
 * re-imports add nothing. */
struct idx_new_delivery {
	int64_t msg_id;
	const char *source;  /* "import", "smtp", "lmtp", ... */
	const char *origin;  /* never NULL */
	const char *env_from;/* reverse-path, "" for the null sender, or NULL */
	const char *const *rcpts;
	size_t n_rcpts;
	int64_t received_us;
};
/* 1 new delivery (*id_r set), 0 already recorded, -1 error. */
int idx_insert_delivery(sqlite3 *db, const struct idx_new_delivery *d, int64_t *id_r,
			struct error *err);
int idx_set_delivery_seq(sqlite3 *db, int64_t delivery_id, int64_t seq, struct error *err);
/* Canonical JSON of a delivery, built from its rows (caller frees). */
int idx_delivery_json(sqlite3 *db, int64_t delivery_id, char **json_r, struct error *err);

/* Canonical metadata JSON of a message, built from its rows (caller frees). */
int idx_meta_json(sqlite3 *db, int64_t msg_id, char **json_r, struct error *err);

#endif
