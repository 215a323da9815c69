/*
 * archive.h - an archive directory as one object: database, blob store,
 * ledger, metadata index and keys, with the transaction discipline that
 * makes every acknowledged message durable.
 *
 * Layout of DIR (doc/formats/archive.md):
 *   ARCHIVE             marker: format version and archive id
 *   custos.db           SQLite (WAL): segments, blobs, ledger, checkpoints, index
 *   segments/NNN.seg     append-only blob segments
 *   keys/master.key     256-bit master key (0600)
 *   keys/ledger.key     ledger signing key (0600); keys/ledger.pub public key
 *   checkpoints.log     signed checkpoints, mirrored outside the database
 *
 * Writers hold an exclusive lock on DIR/lock: one writer at a time.
 */
#ifndef CUSTOS_ARCHIVE_ARCHIVE_H
#define CUSTOS_ARCHIVE_ARCHIVE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "ledger/ledger.h"
#include "mail/mail.h"
#include "store/store.h"

#define ARCHIVE_FORMAT_VERSION 1

struct archive {
	char *dir;
	sqlite3 *db;
	struct store *store;
	struct ledger *ledger;
	struct ledger_keys keys;
	char archive_id[33];
	/* the crypto suite, from the meta table (doc/formats/archive.md) */
	char suite[16]; /* "default" or "sm" */
	int hash_alg;
	int aead_alg;   /* AEAD of new blobs */
	int wrap_alg;   /* AEAD wrapping new data keys */
	int sig_alg;
	int writable;
	int fts_version; /* tokenizer version of the full-text index; 0: none */
	int lock_fd;
	int in_txn;
	/* in the current transaction */
	uint64_t txn_messages;
	uint64_t txn_bytes;
};

struct archive_create_opts {
	/* "default": SHA-256, XChaCha20-Poly1305 or AES-256-GCM, Ed25519;
	 * "sm": SM3, SM4-CTR + HMAC-SM3, SM2 (GB/T 39786). NULL: default. */
	const char *suite;
	/* default suite only: the AEAD of new blobs (NULL: xchacha20poly1305);
	 * ignored by the sm suite, whose cipher is fixed. */
	const char *cipher;
};

/* Creates a new archive in dir (which must not exist or be empty).
 * *fingerprint_r (caller frees) is the ledger public key fingerprint. */
int archive_create(const char *dir, const struct archive_create_opts *o, char **fingerprint_r,
		   struct error *err);
int archive_open(struct archive **a_r, const char *dir, const struct config *cfg, int writable,
		 struct error *err);
void archive_close(struct archive *a);

int archive_begin(struct archive *a, struct error *err);
/* Makes the transaction durable: due checkpoint, segment fsync, COMMIT,
 * checkpoint log. force_checkpoint: sign a checkpoint covering everything. */
int archive_commit(struct archive *a, int force_checkpoint, struct error *err);
void archive_rollback(struct archive *a);

struct archive_msg_in {
	const unsigned char *data;
	size_t len;
	const struct mail_doc *doc;
	const char *source; /* "import" */
	const char *origin; /* file or peer; identifies the delivery */
	const char *label;  /* folder label, or NULL */
	/* The envelope, if known (journal, mbox From_ line): recorded as a
	 * delivery with its own ledger entry. NULL / 0: none. */
	const char *env_from;
	const char *const *rcpts;
	size_t n_rcpts;
	int64_t received_us; /* when the envelope was received (us); 0: now */
};
struct archive_msg_out {
	int64_t msg_id;
	int is_new;
	uint64_t stored_bytes;
	int64_t seq;
	int64_t delivery_seq; /* ledger entry of a new delivery, or 0 */
};
/* Adds one message inside the current transaction. */
int archive_add(struct archive *a, const struct archive_msg_in *in, struct archive_msg_out *out,
		struct error *err);

/* Resolves "123" (message id), "<mid@host>" / "mid@host" (Message-ID) or
 * "ALG:HEX" (sha256:HEX, sm3:HEX: the archive's hash) to a message id. */
int archive_resolve(struct archive *a, const char *ref, int64_t *msg_id_r, struct error *err);
/* The original bytes of a message. */
int archive_read(struct archive *a, int64_t msg_id, struct buf *out, struct error *err);

struct archive_msg_info {
	int64_t id;
	int64_t blob;
	int64_t seq;
	char hash[80];
	int64_t size;
	int64_t date;
};
int archive_msg_info(struct archive *a, int64_t msg_id, struct archive_msg_info *info,
		     struct error *err);

/* The inclusion proof of a message (doc/formats/proof.md) against the
 * latest checkpoint, with its metadata and identity. tree: a prebuilt tree
 * of that checkpoint (for many proofs) or NULL. Caller owns *proof_r. */
int archive_proof(struct archive *a, int64_t msg_id, const struct merkle_tree *tree,
		  json_t **proof_r, struct error *err);

/* Verification (verify.c). */
struct archive_verify_opts {
	int64_t since_seq;  /* 0: everything */
	int progress;       /* draw a progress bar on stderr */
	int quiet;          /* do not print faults as they are found */
};
struct archive_verify_result {
	uint64_t faults;
	uint64_t blobs_checked;
	uint64_t messages;
	struct ledger_stats ledger;
	json_t *fault_list; /* array of {where, what}; caller decrefs */
};
int archive_verify(struct archive *a, const struct archive_verify_opts *o,
		   struct archive_verify_result *r, struct error *err);

#endif
