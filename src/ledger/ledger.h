/*
 * ledger.h - the append-only, hash-chained, Merkle-tree ledger with signed
 * checkpoints (format: doc/formats/ledger.md).
 *
 * One evidence chain for everything: archived messages, deliveries, operator
 * actions, detections, responses. Each entry is a fixed 120-byte leaf
 * (sequence, time, kind, subject hash, metadata hash, previous chain hash);
 * chain[seq] = H(leaf) links the entries; the Merkle tree over the leaves
 * (RFC 6962 hashing) gives compact inclusion proofs; checkpoints sign
 * (tree size, root, chain head). Entry metadata is kept as canonical JSON
 * beside the entry; only its hash is in the leaf, so metadata may later be
 * deleted under retention while the ledger still verifies.
 *
 * All writes happen inside the caller's SQLite transaction. Checkpoints
 * are also appended, after COMMIT, to DIR/checkpoints.log, a mirror outside
 * the database so that rolling the database back is detectable.
 */
#ifndef CUSTOS_LEDGER_LEDGER_H
#define CUSTOS_LEDGER_LEDGER_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "core/err.h"
#include "ledger/merkle.h"
#include "store/crypto.h"

/* Entry kinds: stored numbers, never renumber. */
enum ledger_kind {
	LEDGER_MESSAGE = 1,   /* a new blob archived; subject = content hash */
	LEDGER_DELIVERY = 2,  /* a journal delivery (envelope) of a message */
	LEDGER_AUDIT = 3,     /* an operator action */
	LEDGER_DETECTION = 4, /* an alert raised */
	LEDGER_RESPONSE = 5,  /* a response action taken */
	LEDGER_SYSTEM = 6,    /* archive created, keys rotated, configuration */
};
const char *ledger_kind_name(int kind);

#define LEDGER_LEAF_LEN 120

struct ledger_keys {
	int sig_alg;
	unsigned char pk[CRYPTO_PK_MAX];
	unsigned char sk[CRYPTO_SK_MAX];
	int have_sk;
	char fingerprint[80]; /* "SHA256:hex" of the public key */
};

/* Key files: keys/ledger.key (secret, 0600), keys/ledger.pub (text). */
int ledger_keys_generate(struct ledger_keys *k, int sig_alg, struct error *err);
int ledger_keys_save(const struct ledger_keys *k, const char *sk_path, const char *pk_path,
		     struct error *err);
int ledger_keys_load_public(struct ledger_keys *k, const char *pk_path, struct error *err);
int ledger_keys_load_secret(struct ledger_keys *k, const char *sk_path, struct error *err);
void ledger_keys_wipe(struct ledger_keys *k);

struct ledger_policy {
	int64_t checkpoint_entries;
	int64_t checkpoint_seconds;
};

struct ledger;

int ledger_schema(sqlite3 *db, struct error *err);
/* db and keys are borrowed for the life of the ledger. */
int ledger_open(struct ledger **l_r, sqlite3 *db, const char *archive_dir,
		const char *archive_id, int hash_alg, const struct ledger_keys *keys,
		const struct ledger_policy *policy, struct error *err);
void ledger_close(struct ledger *l);

/* RFC 3161 time-stamps of checkpoints (src/ledger/tsa.h). With a url, each
 * ledger_publish() that wrote checkpoints asks the TSA for a token over the
 * newest one and stores it in checkpoints.tsa_token. A TSA failure never
 * fails the publish: it is logged and counted, the checkpoint stays without
 * a token, and the next checkpoint tries again (a token over a later
 * checkpoint covers every earlier entry). ca_file: trust anchors for token
 * signatures, used when fetching and by ledger_verify; without it verify
 * checks only that each token is one for its checkpoint. Strings are
 * copied; NULL or "" means none. */
void ledger_set_tsa(struct ledger *l, const char *url, const char *ca_file, int64_t timeout_s);
struct ledger_tsa_counts {
	uint64_t granted; /* tokens stored by this process */
	uint64_t failed;  /* requests that failed (logged) */
};
void ledger_tsa_counts(const struct ledger *l, struct ledger_tsa_counts *c);

/* Appends an entry (meta: canonical JSON, may be NULL). time_us: event
 * time in microseconds since the epoch. */
int ledger_append(struct ledger *l, int kind, const unsigned char subject[CRYPTO_HASH_LEN],
		  const char *meta, int64_t time_us, int64_t *seq_r, struct error *err);
/* Like ledger_append, but with keep_meta 0 only the metadata's hash is
 * recorded: for entries whose metadata can be rebuilt from other tables
 * (messages: the index), so it is not stored twice. */
int ledger_append_ex(struct ledger *l, int kind, const unsigned char subject[CRYPTO_HASH_LEN],
		     const char *meta, int keep_meta, int64_t time_us, int64_t *seq_r,
		     struct error *err);
/* Signs a checkpoint of the current head if one is due (or force and any
 * entry is not yet covered). */
int ledger_checkpoint(struct ledger *l, int force, struct error *err);
/* After COMMIT: appends new checkpoints to checkpoints.log (fsync'ed). */
int ledger_publish(struct ledger *l, struct error *err);
/* After ROLLBACK: forgets uncommitted entries. */
void ledger_rollback(struct ledger *l);
int64_t ledger_size(const struct ledger *l);
int64_t ledger_checkpointed_size(struct ledger *l);

/* Builds the proof JSON (doc/formats/proof.md) of entry seq against the
 * latest checkpoint. tree (optional) is a prebuilt tree of that size, for
 * exports of many entries. Caller owns *proof_r (json_decref). */
int ledger_proof(struct ledger *l, int64_t seq, const struct merkle_tree *tree,
		 json_t **proof_r, struct error *err);
/* Builds the Merkle tree of the latest checkpoint (for many proofs). */
int ledger_checkpoint_tree(struct ledger *l, struct merkle_tree *tree, struct error *err);

/* Offline check of a proof with only the public key, whose algorithm the
 * proof's sig_alg must name. message/meta: if not NULL, the message bytes
 * must hash to the entry's subject. A time-stamp token in the proof must be
 * one for its checkpoint; with tsa_ca (a CA file, or NULL) the proof must
 * carry one and its signature must chain to tsa_ca. Fills a short
 * description of what was proven. */
int ledger_verify_proof(json_t *proof, const struct ledger_keys *pub, const unsigned char *msg,
			size_t msg_len, const char *tsa_ca, char *what, size_t what_cap,
			struct error *err);

struct ledger_fault {
	int64_t seq;       /* entry, or checkpoint tree size, or 0 */
	const char *what;
};
typedef int (*ledger_fault_cb)(void *ctx, const struct ledger_fault *f);
struct ledger_stats {
	int64_t entries;
	int64_t checkpoints;
	int64_t by_kind[8];
	int64_t tsa_tokens;      /* checkpoints carrying a time-stamp token */
	int64_t tsa_signed;      /* ... whose signature was checked (CA file set) */
};
/* Reads checkpoints.log now, for the next ledger_verify: call it before the
 * read transaction of a verification starts (see verify_log). */
int ledger_log_preload(struct ledger *l, struct error *err);
/* Re-derives every leaf, chain link, metadata hash, Merkle root and
 * checkpoint signature and checks every time-stamp token; compares
 * checkpoints.log with the database. */
int ledger_verify(struct ledger *l, ledger_fault_cb on_fault, void *ctx,
		  struct ledger_stats *stats, struct error *err);

/* Reads one entry's subject and metadata (caller frees *meta_r). */
int ledger_entry(struct ledger *l, int64_t seq, int *kind_r,
		 unsigned char subject_r[CRYPTO_HASH_LEN], char **meta_r, struct error *err);

#endif
