/*
 * ledger.c - hash chain, Merkle tree and signed checkpoints in SQLite.
 * See ledger.h and doc/formats/ledger.md.
 *
 * Invariants:
 *  - entries are numbered 1..size without gaps; entry k's prev is chain[k-1]
 *    (chain[0] is the genesis hash of the archive id);
 *  - l->frontier is the compact Merkle range of entries 1..size, so roots
 *    of new checkpoints cost O(log n); every checkpoint row stores the
 *    frontier it was signed at, so opening reads only newer entries;
 *  - the signature algorithm is the key's (Ed25519 or SM2, named in the key
 *    file); a checkpoint row or proof naming another one is refused, never
 *    used to pick the algorithm;
 *  - RFC 3161 tokens (tsa.c) are fetched only after COMMIT, outside the
 *    write transaction, and their failure never fails a publish.
 */
#include "ledger/ledger.h"

#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "ledger/tsa.h"

#define CP_FORMAT "custos-checkpoint/v1"
#define PROOF_FORMAT "custos-proof/v1"

struct pending_cp {
	char *line; /* checkpoints.log line, with '\n' */
	int64_t size;
	char *text; /* the signed text (for the time-stamp request) */
};

struct ledger {
	sqlite3 *db;
	char *log_path;
	char *archive_id;
	int hash_alg;
	const struct ledger_keys *keys;
	struct ledger_policy policy;
	int64_t size;
	merkle_hash chain;
	struct merkle_stream frontier;
	int64_t cp_size;
	int64_t cp_time;
	struct pending_cp *pending;
	size_t n_pending;
	/* RFC 3161 (ledger_set_tsa) */
	char *tsa_url;
	char *tsa_ca;
	int64_t tsa_timeout;
	struct ledger_tsa_counts tsa_counts;
	/* checkpoints.log as read by ledger_log_preload(), for verify */
	struct buf log_snapshot;
	int log_state; /* 0 not preloaded, 1 read, 2 absent */
};

const char *ledger_kind_name(int kind)
{
	switch (kind) {
	case LEDGER_MESSAGE: return "message";
	case LEDGER_DELIVERY: return "delivery";
	case LEDGER_AUDIT: return "audit";
	case LEDGER_DETECTION: return "detection";
	case LEDGER_RESPONSE: return "response";
	case LEDGER_SYSTEM: return "system";
	}
	return "unknown";
}

static const char schema_sql[] =
	"CREATE TABLE ledger("
	" seq INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" kind INTEGER NOT NULL,"
	" hash_alg INTEGER NOT NULL,"
	" subject BLOB NOT NULL,"
	" meta TEXT,"
	" meta_hash BLOB NOT NULL,"
	" prev BLOB NOT NULL,"
	" leaf_hash BLOB NOT NULL,"
	" chain BLOB NOT NULL);"
	"CREATE TABLE checkpoints("
	" tree_size INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" root BLOB NOT NULL,"
	" chain BLOB NOT NULL,"
	" text TEXT NOT NULL,"
	" sig_alg INTEGER NOT NULL,"
	" key_id TEXT NOT NULL,"
	" signature BLOB NOT NULL,"
	" frontier BLOB NOT NULL,"
	" tsa_token BLOB);";

int ledger_schema(sqlite3 *db, struct error *err)
{
	if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, err, "create ledger schema");
	return 0;
}

/* ---- keys ---- */

/* "SHA256:<hex>" of the raw public key; "SM3:<hex>" for SM2 keys, so that
 * an SM archive needs no algorithm outside its suite. */
static void fingerprint(struct ledger_keys *k)
{
	unsigned char h[CRYPTO_HASH_LEN];
	char hex[2 * CRYPTO_HASH_LEN + 1];
	int sm = k->sig_alg == SIG_SM2;
	if (cry_hash(sm ? HASH_SM3 : HASH_SHA256, k->pk, cry_sig_pk_len(k->sig_alg), h, NULL) <
	    0) {
		snprintf(k->fingerprint, sizeof(k->fingerprint), "unknown");
		return;
	}
	hex_encode(hex, h, sizeof(h));
	snprintf(k->fingerprint, sizeof(k->fingerprint), "%s:%s", sm ? "SM3" : "SHA256", hex);
}

int ledger_keys_generate(struct ledger_keys *k, int sig_alg, struct error *err)
{
	memset(k, 0, sizeof(*k));
	k->sig_alg = sig_alg;
	if (cry_sign_keypair(sig_alg, k->pk, k->sk, err) < 0)
		return -1;
	k->have_sk = 1;
	fingerprint(k);
	return 0;
}

int ledger_keys_save(const struct ledger_keys *k, const char *sk_path, const char *pk_path,
		     struct error *err)
{
	const char *alg = cry_sig_name(k->sig_alg);
	char *pk64 = cry_b64_encode(k->pk, cry_sig_pk_len(k->sig_alg));
	char *sk64 = cry_b64_encode(k->sk, cry_sig_sk_len(k->sig_alg));
	char *pub = xasprintf("custos-ledger-key %s %s\n", alg, pk64);
	char *sec = xasprintf("custos-ledger-secret %s %s\n", alg, sk64);
	int rc = fs_write_file_atomic(sk_path, sec, strlen(sec), 0600, 1, err);
	if (rc == 0)
		rc = fs_write_file_atomic(pk_path, pub, strlen(pub), 0644, 1, err);
	cry_wipe(sec, strlen(sec));
	cry_wipe(sk64, strlen(sk64));
	free(pk64);
	free(sk64);
	free(pub);
	free(sec);
	return rc;
}

/* Reads "MAGIC ALG BASE64\n": *alg_r is the algorithm named, out receives
 * the key of the length that algorithm (public or secret) requires. */
static int load_key_file(const char *path, const char *magic, int secret, int *alg_r,
			 unsigned char *out, size_t cap, struct error *err)
{
	struct buf b;
	buf_init(&b, 4096);
	int rc = -1;
	if (fs_read_file(path, &b, err) < 0)
		goto fail;
	char *text = (char *)b.data;
	if (text == NULL || b.len == 0) {
		error_set(err, ERR_INVALID, "%s is empty", path);
		goto fail;
	}
	char *nl = strchr(text, '\n');
	if (nl != NULL)
		*nl = '\0';
	size_t ml = strlen(magic);
	char *alg_word = text + ml + 1, *sp = NULL;
	if (strncmp(text, magic, ml) != 0 || text[ml] != ' ' ||
	    (sp = strchr(alg_word, ' ')) == NULL) {
		error_set(err, ERR_INVALID, "%s is not a custos ledger key (%s)", path, magic);
		goto fail;
	}
	*sp = '\0';
	int alg = cry_sig_by_name(alg_word);
	if (alg < 0) {
		error_set(err, ERR_INVALID, "%s: unknown signature algorithm '%.20s'", path,
			  alg_word);
		goto fail;
	}
	size_t len = secret ? cry_sig_sk_len(alg) : cry_sig_pk_len(alg), got = 0;
	if (len > cap || cry_b64_decode(sp + 1, out, cap, &got) < 0 || got != len) {
		error_set(err, ERR_INVALID, "%s: bad key encoding", path);
		goto fail;
	}
	*alg_r = alg;
	rc = 0;
fail:
	if (b.data != NULL)
		cry_wipe(b.data, b.len);
	buf_release(&b);
	return rc;
}

int ledger_keys_load_public(struct ledger_keys *k, const char *pk_path, struct error *err)
{
	memset(k, 0, sizeof(*k));
	if (load_key_file(pk_path, "custos-ledger-key", 0, &k->sig_alg, k->pk, sizeof(k->pk),
			  err) < 0)
		return -1;
	fingerprint(k);
	return 0;
}

int ledger_keys_load_secret(struct ledger_keys *k, const char *sk_path, struct error *err)
{
	int alg = 0;
	if (load_key_file(sk_path, "custos-ledger-secret", 1, &alg, k->sk, sizeof(k->sk), err) <
	    0)
		return -1;
	if (alg != k->sig_alg) {
		cry_wipe(k->sk, sizeof(k->sk));
		return error_set(err, ERR_CRYPTO, "%s is an %s key but the public key is %s",
				 sk_path, cry_sig_name(alg), cry_sig_name(k->sig_alg));
	}
	if (cry_sign_check_pair(alg, k->sk, k->pk, err) < 0) {
		cry_wipe(k->sk, sizeof(k->sk));
		return error_set(err, ERR_CRYPTO, "%s does not belong to the ledger public key",
				 sk_path);
	}
	k->have_sk = 1;
	return 0;
}

void ledger_keys_wipe(struct ledger_keys *k)
{
	cry_wipe(k, sizeof(*k));
}

/* ---- leaves ---- */

static void leaf_bytes(unsigned char out[LEDGER_LEAF_LEN], int64_t seq, int64_t time_us,
		       int kind, int hash_alg, const unsigned char *subject,
		       const unsigned char *meta_hash, const unsigned char *prev)
{
	memcpy(out, "CLE1", 4);
	put_u64be(out + 4, (uint64_t)seq);
	put_u64be(out + 12, (uint64_t)time_us);
	put_u16be(out + 20, (uint16_t)kind);
	out[22] = (unsigned char)hash_alg;
	out[23] = 0;
	memcpy(out + 24, subject, CRYPTO_HASH_LEN);
	memcpy(out + 56, meta_hash, CRYPTO_HASH_LEN);
	memcpy(out + 88, prev, CRYPTO_HASH_LEN);
}

static int genesis(int alg, const char *archive_id, merkle_hash out, struct error *err)
{
	char *g = xasprintf("custos-ledger-genesis/v1\n%s", archive_id);
	int rc = cry_hash(alg, g, strlen(g), out, err);
	free(g);
	return rc;
}

static int meta_digest(int alg, const char *meta, merkle_hash out, struct error *err)
{
	if (meta == NULL) {
		memset(out, 0, CRYPTO_HASH_LEN);
		return 0;
	}
	return cry_hash(alg, meta, strlen(meta), out, err);
}

/* ---- frontier (compact range) serialisation ---- */

static unsigned char *frontier_pack(const struct merkle_stream *m, size_t *len_r)
{
	size_t len = 8 + m->depth * (8 + CRYPTO_HASH_LEN);
	unsigned char *p = xmalloc(len);
	put_u64be(p, m->size);
	for (size_t i = 0; i < m->depth; i++) {
		put_u64be(p + 8 + i * 40, m->heights[i]);
		memcpy(p + 16 + i * 40, m->stack[i], CRYPTO_HASH_LEN);
	}
	*len_r = len;
	return p;
}

static int frontier_unpack(struct merkle_stream *m, int alg, const unsigned char *p, size_t len)
{
	merkle_stream_init(m, alg);
	if (len < 8 || (len - 8) % 40 != 0 || (len - 8) / 40 > MERKLE_MAX_PATH)
		return -1;
	m->size = get_u64be(p);
	m->depth = (len - 8) / 40;
	uint64_t total = 0;
	for (size_t i = 0; i < m->depth; i++) {
		m->heights[i] = get_u64be(p + 8 + i * 40);
		if (m->heights[i] >= 64)
			return -1;
		memcpy(m->stack[i], p + 16 + i * 40, CRYPTO_HASH_LEN);
		total += (uint64_t)1 << m->heights[i];
	}
	return total == m->size ? 0 : -1;
}

/* ---- open / load ---- */

static int load_head(struct ledger *l, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	merkle_stream_init(&l->frontier, l->hash_alg);
	l->cp_size = 0;
	l->cp_time = 0;
	if (genesis(l->hash_alg, l->archive_id, l->chain, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT tree_size, time, frontier FROM checkpoints"
			       " ORDER BY tree_size DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(l->db, err, "query checkpoints");
	if (sqlite3_step(st) == SQLITE_ROW) {
		l->cp_size = sqlite3_column_int64(st, 0);
		l->cp_time = sqlite3_column_int64(st, 1);
		if (frontier_unpack(&l->frontier, l->hash_alg, sqlite3_column_blob(st, 2),
				    (size_t)sqlite3_column_bytes(st, 2)) < 0 ||
		    (int64_t)l->frontier.size != l->cp_size) {
			sqlite3_finalize(st);
			return error_set(err, ERR_CORRUPT,
					 "checkpoint %" PRId64 " has a malformed frontier",
					 l->cp_size);
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT seq, leaf_hash, chain FROM ledger WHERE seq>=?"
				      " ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(l->db, err, "query ledger");
	/* the chain head at the checkpoint comes from its last entry */
	sqlite3_bind_int64(st, 1, l->cp_size > 0 ? l->cp_size : 1);
	int64_t expect = l->cp_size > 0 ? l->cp_size : 1;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		if (seq != expect || sqlite3_column_bytes(st, 1) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(st, 2) != CRYPTO_HASH_LEN) {
			error_set(err, ERR_CORRUPT,
				  "ledger entry %" PRId64 " is missing or malformed (run verify)",
				  expect);
			goto fail;
		}
		if (seq > l->cp_size &&
		    merkle_stream_add(&l->frontier, sqlite3_column_blob(st, 1), err) < 0)
			goto fail;
		memcpy(l->chain, sqlite3_column_blob(st, 2), CRYPTO_HASH_LEN);
		expect++;
	}
	if (step != SQLITE_DONE) {
		db_fail(l->db, err, "query ledger");
		goto fail;
	}
	l->size = expect - 1;
	if (l->size < l->cp_size) {
		error_set(err, ERR_CORRUPT,
			  "checkpoint covers %" PRId64 " entries but the ledger ends at %" PRId64,
			  l->cp_size, l->size);
		goto fail;
	}
	rc = 0;
fail:
	sqlite3_finalize(st);
	return rc;
}

int ledger_open(struct ledger **l_r, sqlite3 *db, const char *archive_dir,
		const char *archive_id, int hash_alg, const struct ledger_keys *keys,
		const struct ledger_policy *policy, struct error *err)
{
	struct ledger *l = xcalloc(1, sizeof(*l));
	l->db = db;
	l->log_path = xasprintf("%s/checkpoints.log", archive_dir);
	l->archive_id = xstrdup(archive_id);
	l->hash_alg = hash_alg;
	l->keys = keys;
	l->policy = *policy;
	if (load_head(l, err) < 0) {
		/* A damaged ledger can still be read and verified (verify names
		 * the damage), but never extended: appends fail on size < 0. */
		if (err->code != ERR_CORRUPT || (keys != NULL && keys->have_sk)) {
			ledger_close(l);
			return -1;
		}
		l->size = -1;
		error_clear(err);
	}
	*l_r = l;
	return 0;
}

static void drop_pending(struct ledger *l)
{
	for (size_t i = 0; i < l->n_pending; i++) {
		free(l->pending[i].line);
		free(l->pending[i].text);
	}
	free(l->pending);
	l->pending = NULL;
	l->n_pending = 0;
}

void ledger_close(struct ledger *l)
{
	if (l == NULL)
		return;
	buf_release(&l->log_snapshot);
	drop_pending(l);
	free(l->log_path);
	free(l->archive_id);
	free(l->tsa_url);
	free(l->tsa_ca);
	free(l);
}

void ledger_set_tsa(struct ledger *l, const char *url, const char *ca_file, int64_t timeout_s)
{
	free(l->tsa_url);
	free(l->tsa_ca);
	l->tsa_url = url != NULL && *url ? xstrdup(url) : NULL;
	l->tsa_ca = ca_file != NULL && *ca_file ? xstrdup(ca_file) : NULL;
	l->tsa_timeout = timeout_s;
}

void ledger_tsa_counts(const struct ledger *l, struct ledger_tsa_counts *c)
{
	*c = l->tsa_counts;
}

void ledger_rollback(struct ledger *l)
{
	struct error err;
	drop_pending(l);
	if (load_head(l, &err) < 0)
		l->size = -1; /* unusable: appends will fail */
}

int64_t ledger_size(const struct ledger *l)
{
	return l->size;
}

int64_t ledger_checkpointed_size(struct ledger *l)
{
	return l->cp_size;
}

int ledger_append(struct ledger *l, int kind, const unsigned char subject[CRYPTO_HASH_LEN],
		  const char *meta, int64_t time_us, int64_t *seq_r, struct error *err)
{
	return ledger_append_ex(l, kind, subject, meta, 1, time_us, seq_r, err);
}

int ledger_append_ex(struct ledger *l, int kind, const unsigned char subject[CRYPTO_HASH_LEN],
		     const char *meta, int keep_meta, int64_t time_us, int64_t *seq_r,
		     struct error *err)
{
	if (l->size < 0)
		return error_set(err, ERR_INTERNAL, "ledger state lost after a failed rollback");
	int64_t seq = l->size + 1;
	unsigned char leaf[LEDGER_LEAF_LEN];
	merkle_hash mh, lh, ch;
	if (meta_digest(l->hash_alg, meta, mh, err) < 0)
		return -1;
	leaf_bytes(leaf, seq, time_us, kind, l->hash_alg, subject, mh, l->chain);
	if (merkle_leaf_hash(l->hash_alg, leaf, sizeof(leaf), lh, err) < 0 ||
	    cry_hash(l->hash_alg, leaf, sizeof(leaf), ch, err) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(l->db,
				   "INSERT INTO ledger(seq, time, kind, hash_alg, subject, meta,"
				   " meta_hash, prev, leaf_hash, chain) VALUES(?,?,?,?,?,?,?,?,?,?)",
				   err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, time_us);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_int(st, 4, l->hash_alg);
	sqlite3_bind_blob(st, 5, subject, CRYPTO_HASH_LEN, SQLITE_STATIC);
	if (meta != NULL && keep_meta)
		sqlite3_bind_text(st, 6, meta, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, mh, CRYPTO_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, l->chain, CRYPTO_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, lh, CRYPTO_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, ch, CRYPTO_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(l->db, err, "insert ledger entry");
	if (merkle_stream_add(&l->frontier, lh, err) < 0)
		return -1;
	memcpy(l->chain, ch, CRYPTO_HASH_LEN);
	l->size = seq;
	if (seq_r != NULL)
		*seq_r = seq;
	return 0;
}

static char *checkpoint_text(const char *archive_id, int hash_alg, int64_t size,
			     const merkle_hash root, const merkle_hash chain, int64_t t)
{
	char rh[2 * CRYPTO_HASH_LEN + 1], chh[2 * CRYPTO_HASH_LEN + 1];
	hex_encode(rh, root, CRYPTO_HASH_LEN);
	hex_encode(chh, chain, CRYPTO_HASH_LEN);
	return xasprintf(CP_FORMAT "\narchive %s\nhash %s\nsize %" PRId64 "\nroot %s\nchain %s\n"
				   "time %" PRId64 "\n",
			 archive_id, cry_hash_name(hash_alg), size, rh, chh, t);
}

int ledger_checkpoint(struct ledger *l, int force, struct error *err)
{
	if (l->size <= l->cp_size)
		return 0;
	int64_t now = (int64_t)time(NULL);
	if (!force && l->size - l->cp_size < l->policy.checkpoint_entries &&
	    now - l->cp_time < l->policy.checkpoint_seconds)
		return 0;
	if (l->keys == NULL || !l->keys->have_sk)
		return error_set(err, ERR_CRYPTO, "no ledger signing key loaded");
	merkle_hash root;
	if (merkle_stream_root(&l->frontier, root, err) < 0)
		return -1;
	char *text = checkpoint_text(l->archive_id, l->hash_alg, l->size, root, l->chain, now);
	unsigned char sig[CRYPTO_SIG_MAX];
	size_t sig_len = 0;
	size_t fl = 0;
	unsigned char *front = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (cry_sign(l->keys->sig_alg, l->keys->sk, l->keys->pk, text, strlen(text), sig, &sig_len,
		     err) < 0)
		goto fail;
	front = frontier_pack(&l->frontier, &fl);
	if (sqlite3_prepare_v2(l->db,
			       "INSERT INTO checkpoints(tree_size, time, root, chain, text, sig_alg,"
			       " key_id, signature, frontier) VALUES(?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(l->db, err, "insert checkpoint");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, l->size);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_blob(st, 3, root, CRYPTO_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, l->chain, CRYPTO_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, l->keys->sig_alg);
	sqlite3_bind_text(st, 7, l->keys->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, sig, (int)sig_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, front, (int)fl, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(l->db, err, "insert checkpoint");
		goto fail;
	}
	char *sig64 = cry_b64_encode(sig, sig_len);
	json_t *line = json_pack("{s:I, s:s, s:s, s:s}", "size", (json_int_t)l->size, "text", text,
				 "signature", sig64, "key", l->keys->fingerprint);
	free(sig64);
	char *dump = line ? json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(line);
	if (dump == NULL) {
		error_set(err, ERR_INTERNAL, "cannot encode checkpoint line");
		goto fail;
	}
	l->pending = xrealloc(l->pending, (l->n_pending + 1) * sizeof(*l->pending));
	l->pending[l->n_pending].line = xasprintf("%s\n", dump);
	l->pending[l->n_pending].size = l->size;
	l->pending[l->n_pending].text = xstrdup(text);
	l->n_pending++;
	free(dump);
	l->cp_size = l->size;
	l->cp_time = now;
	rc = 0;
fail:
	sqlite3_finalize(st);
	free(front);
	free(text);
	return rc;
}

/* Asks the TSA for a token over one committed checkpoint and stores it.
 * Never fails the caller: a failure is logged and counted. */
static void timestamp(struct ledger *l, const struct pending_cp *cp)
{
	struct error e = ERROR_INIT;
	unsigned char *token = NULL;
	size_t len = 0;
	sqlite3_stmt *st = NULL;
	if (tsa_request(l->tsa_url, l->tsa_timeout, l->tsa_ca, l->hash_alg, cp->text, &token,
			&len, &e) == 0) {
		if (sqlite3_prepare_v2(l->db,
				       "UPDATE checkpoints SET tsa_token=? WHERE tree_size=?"
				       " AND tsa_token IS NULL",
				       -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_bind_blob(st, 1, token, (int)len, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, cp->size) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			db_fail(l->db, &e, "store time-stamp token");
	}
	sqlite3_finalize(st);
	free(token);
	if (e.code != ERR_NONE) {
		l->tsa_counts.failed++;
		log_warn("checkpoint at size %" PRId64 " has no RFC 3161 time-stamp (%" PRIu64
			 " failure(s) so far; the next checkpoint tries again): %s",
			 cp->size, l->tsa_counts.failed, e.msg);
		return;
	}
	l->tsa_counts.granted++;
}

/* A crash in the middle of an append can leave a last line without its
 * newline: such a torn line never described a complete checkpoint (the
 * database holds it), so it is cut before appending. */
static int drop_torn_line(int fd, const char *path, struct error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat %s", path);
	off_t end = st.st_size, pos = end;
	unsigned char c = '\n';
	if (end == 0 || fs_pread_all(fd, &c, 1, end - 1, err) < 0 || c == '\n')
		return end == 0 || c == '\n' ? 0 : -1;
	while (pos > 0) {
		if (fs_pread_all(fd, &c, 1, pos - 1, err) < 0)
			return -1;
		if (c == '\n')
			break;
		pos--;
	}
	if (ftruncate(fd, pos) < 0)
		return error_errno(err, "truncate torn line of %s", path);
	return 0;
}

int ledger_publish(struct ledger *l, struct error *err)
{
	if (l->n_pending == 0)
		return 0;
	int fd = open(l->log_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		drop_pending(l);
		return error_errno(err, "open %s", l->log_path);
	}
	int rc = drop_torn_line(fd, l->log_path, err);
	for (size_t i = 0; i < l->n_pending && rc == 0; i++)
		rc = fs_write_all(fd, l->pending[i].line, strlen(l->pending[i].line), err);
	if (rc == 0)
		rc = fs_fsync_fd(fd, l->log_path, err);
	close(fd);
	/* The newest checkpoint covers all before it: one token suffices. */
	if (l->tsa_url != NULL)
		timestamp(l, &l->pending[l->n_pending - 1]);
	drop_pending(l);
	return rc;
}

/* ---- reading ---- */

int ledger_entry(struct ledger *l, int64_t seq, int *kind_r,
		 unsigned char subject_r[CRYPTO_HASH_LEN], char **meta_r, struct error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT kind, subject, meta FROM ledger WHERE seq=?", -1,
			       &st, NULL) != SQLITE_OK)
		return db_fail(l->db, err, "query ledger");
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 1) != CRYPTO_HASH_LEN) {
		sqlite3_finalize(st);
		return error_set(err, ERR_NOTFOUND, "no ledger entry %" PRId64, seq);
	}
	if (kind_r != NULL)
		*kind_r = sqlite3_column_int(st, 0);
	if (subject_r != NULL)
		memcpy(subject_r, sqlite3_column_blob(st, 1), CRYPTO_HASH_LEN);
	if (meta_r != NULL) {
		const char *m = (const char *)sqlite3_column_text(st, 2);
		*meta_r = m != NULL ? xstrdup(m) : NULL;
	}
	sqlite3_finalize(st);
	return 0;
}

static int load_leaves(struct ledger *l, int64_t upto, merkle_hash **leaves_r, struct error *err)
{
	merkle_hash *leaves = xmalloc((size_t)(upto > 0 ? upto : 1) * sizeof(merkle_hash));
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT seq, leaf_hash FROM ledger WHERE seq<=? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		free(leaves);
		return db_fail(l->db, err, "query ledger");
	}
	sqlite3_bind_int64(st, 1, upto);
	int64_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) != n + 1 ||
		    sqlite3_column_bytes(st, 1) != CRYPTO_HASH_LEN)
			break;
		memcpy(leaves[n++], sqlite3_column_blob(st, 1), CRYPTO_HASH_LEN);
	}
	sqlite3_finalize(st);
	if (n != upto) {
		free(leaves);
		return error_set(err, ERR_CORRUPT, "ledger entries 1..%" PRId64 " are not all present",
				 upto);
	}
	*leaves_r = leaves;
	return 0;
}

struct cp_row {
	int64_t size;
	char *text;
	int sig_alg;
	char *key_id;
	unsigned char sig[CRYPTO_SIG_MAX];
	size_t sig_len;
	merkle_hash root, chain;
	int64_t time;
	unsigned char *tsa; /* DER time-stamp token, or NULL */
	size_t tsa_len;
};

static void cp_row_release(struct cp_row *c)
{
	free(c->text);
	free(c->key_id);
	free(c->tsa);
	c->text = c->key_id = NULL;
	c->tsa = NULL;
}

#define CP_COLUMNS "tree_size, time, root, chain, text, sig_alg, key_id, signature, tsa_token"

static int cp_row_read(sqlite3_stmt *st, struct cp_row *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sqlite3_column_int64(st, 0);
	c->time = sqlite3_column_int64(st, 1);
	const char *t = (const char *)sqlite3_column_text(st, 4);
	const char *k = (const char *)sqlite3_column_text(st, 6);
	c->text = xstrdup(t ? t : "");
	c->key_id = xstrdup(k ? k : "");
	c->sig_alg = sqlite3_column_int(st, 5);
	int sl = sqlite3_column_bytes(st, 7);
	if (sqlite3_column_bytes(st, 2) != CRYPTO_HASH_LEN ||
	    sqlite3_column_bytes(st, 3) != CRYPTO_HASH_LEN || sl <= 0 || sl > CRYPTO_SIG_MAX)
		return -1;
	memcpy(c->root, sqlite3_column_blob(st, 2), CRYPTO_HASH_LEN);
	memcpy(c->chain, sqlite3_column_blob(st, 3), CRYPTO_HASH_LEN);
	memcpy(c->sig, sqlite3_column_blob(st, 7), (size_t)sl);
	c->sig_len = (size_t)sl;
	int tl = sqlite3_column_bytes(st, 8);
	if (tl > TSA_MAX_TOKEN)
		return -1;
	if (tl > 0) {
		c->tsa = xmalloc((size_t)tl);
		memcpy(c->tsa, sqlite3_column_blob(st, 8), (size_t)tl);
		c->tsa_len = (size_t)tl;
	}
	return 0;
}

static int latest_checkpoint(struct ledger *l, struct cp_row *c, struct error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT " CP_COLUMNS " FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(l->db, err, "query checkpoints");
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return error_set(err, ERR_NOTFOUND, "the ledger has no checkpoint yet");
	}
	rc = cp_row_read(st, c);
	sqlite3_finalize(st);
	if (rc < 0) {
		cp_row_release(c);
		return error_set(err, ERR_CORRUPT, "latest checkpoint row is malformed");
	}
	return 0;
}

int ledger_checkpoint_tree(struct ledger *l, struct merkle_tree *tree, struct error *err)
{
	struct cp_row c;
	if (latest_checkpoint(l, &c, err) < 0)
		return -1;
	merkle_hash *leaves = NULL;
	int rc = load_leaves(l, c.size, &leaves, err);
	if (rc == 0)
		rc = merkle_tree_build(tree, l->hash_alg, leaves, (uint64_t)c.size, err);
	free(leaves);
	cp_row_release(&c);
	return rc;
}

static char *hexdup(const unsigned char *p, size_t n)
{
	char *s = xmalloc(2 * n + 1);
	hex_encode(s, p, n);
	return s;
}

int ledger_proof(struct ledger *l, int64_t seq, const struct merkle_tree *tree,
		 json_t **proof_r, struct error *err)
{
	struct cp_row c;
	struct merkle_tree own;
	int own_tree = 0, rc = -1;
	sqlite3_stmt *st = NULL;
	json_t *proof = NULL;
	if (latest_checkpoint(l, &c, err) < 0)
		return -1;
	if (seq < 1 || seq > c.size) {
		error_set(err, ERR_NOTFOUND,
			  "entry %" PRId64 " is not covered by the latest checkpoint (size %" PRId64
			  ")",
			  seq, c.size);
		goto fail;
	}
	if (tree == NULL || (int64_t)tree->level_len[0] != c.size) {
		if (ledger_checkpoint_tree(l, &own, err) < 0)
			goto fail;
		own_tree = 1;
		tree = &own;
	}
	merkle_hash path[MERKLE_MAX_PATH];
	size_t path_len = 0;
	if (merkle_tree_path(tree, (uint64_t)(seq - 1), path, &path_len, err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT time, kind, hash_alg, subject, meta, meta_hash, prev"
			       " FROM ledger WHERE seq=?",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(l->db, err, "query ledger");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 3) != CRYPTO_HASH_LEN ||
	    sqlite3_column_bytes(st, 5) != CRYPTO_HASH_LEN ||
	    sqlite3_column_bytes(st, 6) != CRYPTO_HASH_LEN) {
		error_set(err, ERR_CORRUPT, "ledger entry %" PRId64 " is missing or malformed", seq);
		goto fail;
	}
	json_t *pa = json_array();
	for (size_t i = 0; i < path_len; i++) {
		char *h = hexdup(path[i], CRYPTO_HASH_LEN);
		json_array_append_new(pa, json_string(h));
		free(h);
	}
	char *subject = hexdup(sqlite3_column_blob(st, 3), CRYPTO_HASH_LEN);
	char *mh = hexdup(sqlite3_column_blob(st, 5), CRYPTO_HASH_LEN);
	char *prev = hexdup(sqlite3_column_blob(st, 6), CRYPTO_HASH_LEN);
	char *sig64 = cry_b64_encode(c.sig, c.sig_len);
	const char *meta = (const char *)sqlite3_column_text(st, 4);
	int kind = sqlite3_column_int(st, 1);
	proof = json_pack(
		"{s:s, s:s, s:s, s:{s:I, s:I, s:i, s:s, s:s, s:s, s:s}, s:I, s:I, s:o,"
		" s:{s:s, s:s, s:s, s:s}}",
		"format", PROOF_FORMAT, "archive", l->archive_id, "hash_alg",
		cry_hash_name(sqlite3_column_int(st, 2)), "entry", "seq", (json_int_t)seq,
		"time_us", (json_int_t)sqlite3_column_int64(st, 0), "kind", kind, "kind_name",
		ledger_kind_name(kind), "subject", subject, "meta_hash", mh, "prev", prev,
		"leaf_index", (json_int_t)(seq - 1), "tree_size", (json_int_t)c.size, "path", pa,
		"checkpoint", "text", c.text, "sig_alg", cry_sig_name(c.sig_alg), "signature",
		sig64, "key", c.key_id);
	if (proof != NULL && meta != NULL)
		json_object_set_new(json_object_get(proof, "entry"), "meta", json_string(meta));
	if (proof != NULL && c.tsa != NULL) {
		char *t64 = cry_b64_encode(c.tsa, c.tsa_len);
		json_object_set_new(json_object_get(proof, "checkpoint"), "tsa_token",
				    json_string(t64));
		free(t64);
	}
	free(subject);
	free(mh);
	free(prev);
	free(sig64);
	if (proof == NULL) {
		error_set(err, ERR_INTERNAL, "cannot build proof JSON");
		goto fail;
	}
	*proof_r = proof;
	rc = 0;
fail:
	sqlite3_finalize(st);
	if (own_tree)
		merkle_tree_release(&own);
	cp_row_release(&c);
	return rc;
}

/* ---- offline proof verification ---- */

static int get_hex(json_t *obj, const char *key, unsigned char out[CRYPTO_HASH_LEN])
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s != NULL && hex_decode(out, CRYPTO_HASH_LEN, s) == 0 ? 0 : -1;
}

/* Parses "key value" lines of a checkpoint text. */
static const char *cp_field(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			const char *v = p + kl + 1, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);
			if (n >= cap)
				return NULL;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}

/* Checks the proof's optional time-stamp token; fills a note for `what`. */
static int verify_proof_tsa(json_t *cp, int alg, const char *text, const char *tsa_ca,
			    char *note, size_t cap, struct error *err)
{
	const char *t64 = json_string_value(json_object_get(cp, "tsa_token"));
	note[0] = '\0';
	if (t64 == NULL) {
		if (tsa_ca != NULL)
			return error_set(err, ERR_CRYPTO,
					 "the proof carries no RFC 3161 time-stamp token");
		return 0;
	}
	size_t n = strlen(t64);
	if (n > (size_t)TSA_MAX_TOKEN / 3 * 4 + 4)
		return error_set(err, ERR_LIMIT, "time-stamp token is too large");
	unsigned char *tok = xmalloc(n / 4 * 3 + 3);
	size_t len = 0;
	int64_t t = 0;
	int rc = -1;
	if (cry_b64_decode(t64, tok, n / 4 * 3 + 3, &len) < 0) {
		error_set(err, ERR_INVALID, "time-stamp token is not base64");
		goto fail;
	}
	if (tsa_verify(tok, len, alg, text, tsa_ca, &t, err) < 0) {
		error_prefix(err, "RFC 3161");
		goto fail;
	}
	char when[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)t);
	if (tsa_ca != NULL)
		snprintf(note, cap, "; time-stamped %s by a TSA trusted by %s", when, tsa_ca);
	else
		snprintf(note, cap, "; carries a time-stamp of %s (TSA signature not checked: "
				    "no --tsa-ca)", when);
	rc = 0;
fail:
	free(tok);
	return rc;
}

int ledger_verify_proof(json_t *proof, const struct ledger_keys *pub, const unsigned char *msg,
			size_t msg_len, const char *tsa_ca, char *what, size_t what_cap,
			struct error *err)
{
	const char *fmt = json_string_value(json_object_get(proof, "format"));
	if (fmt == NULL || strcmp(fmt, PROOF_FORMAT) != 0)
		return error_set(err, ERR_INVALID, "not a %s document", PROOF_FORMAT);
	const char *alg_name = json_string_value(json_object_get(proof, "hash_alg"));
	int alg = cry_hash_by_name(alg_name);
	if (alg < 0)
		return error_set(err, ERR_INVALID, "unknown hash algorithm");
	json_t *e = json_object_get(proof, "entry");
	json_t *cp = json_object_get(proof, "checkpoint");
	json_t *pa = json_object_get(proof, "path");
	const char *archive = json_string_value(json_object_get(proof, "archive"));
	if (!json_is_object(e) || !json_is_object(cp) || !json_is_array(pa) || archive == NULL ||
	    json_array_size(pa) > MERKLE_MAX_PATH)
		return error_set(err, ERR_INVALID, "proof is missing entry, checkpoint or path");
	json_int_t seq = json_integer_value(json_object_get(e, "seq"));
	json_int_t time_us = json_integer_value(json_object_get(e, "time_us"));
	json_int_t kind = json_integer_value(json_object_get(e, "kind"));
	json_int_t index = json_integer_value(json_object_get(proof, "leaf_index"));
	json_int_t size = json_integer_value(json_object_get(proof, "tree_size"));
	unsigned char subject[CRYPTO_HASH_LEN], mh[CRYPTO_HASH_LEN], prev[CRYPTO_HASH_LEN];
	if (seq < 1 || index != seq - 1 || size < seq || kind < 0 || kind > 65535 ||
	    get_hex(e, "subject", subject) < 0 || get_hex(e, "meta_hash", mh) < 0 ||
	    get_hex(e, "prev", prev) < 0)
		return error_set(err, ERR_INVALID, "proof entry fields are malformed");

	/* 1. The checkpoint is signed by the key we trust. */
	const char *text = json_string_value(json_object_get(cp, "text"));
	const char *sig64 = json_string_value(json_object_get(cp, "signature"));
	const char *sig_name = json_string_value(json_object_get(cp, "sig_alg"));
	unsigned char sig[CRYPTO_SIG_MAX];
	size_t sig_len = 0;
	if (text == NULL || sig64 == NULL ||
	    cry_b64_decode(sig64, sig, sizeof(sig), &sig_len) < 0)
		return error_set(err, ERR_INVALID, "checkpoint text or signature is malformed");
	/* The key file decides the algorithm; the proof must agree with it
	 * rather than choose it. */
	if (cry_sig_by_name(sig_name) != pub->sig_alg)
		return error_set(err, ERR_CRYPTO,
				 "checkpoint is signed with %s but the public key is %s",
				 sig_name ? sig_name : "(no sig_alg)", cry_sig_name(pub->sig_alg));
	if (cry_verify(pub->sig_alg, pub->pk, text, strlen(text), sig, sig_len, err) < 0)
		return error_prefix(err, "checkpoint signature (key %s)", pub->fingerprint);
	char tsa_note[256];
	if (verify_proof_tsa(cp, alg, text, tsa_ca, tsa_note, sizeof(tsa_note), err) < 0)
		return -1;

	/* 2. The signed text is about this archive and this tree. */
	char v[160];
	merkle_hash root;
	if (strncmp(text, CP_FORMAT "\n", strlen(CP_FORMAT) + 1) != 0 ||
	    cp_field(text, "archive", v, sizeof(v)) == NULL || strcmp(v, archive) != 0)
		return error_set(err, ERR_CRYPTO, "checkpoint is for another archive");
	if (cp_field(text, "size", v, sizeof(v)) == NULL || strtoll(v, NULL, 10) != size)
		return error_set(err, ERR_CRYPTO, "checkpoint size differs from the proof's tree size");
	if (cp_field(text, "hash", v, sizeof(v)) == NULL || strcmp(v, alg_name) != 0)
		return error_set(err, ERR_CRYPTO, "checkpoint hash algorithm differs");
	if (cp_field(text, "root", v, sizeof(v)) == NULL ||
	    hex_decode(root, CRYPTO_HASH_LEN, v) < 0)
		return error_set(err, ERR_INVALID, "checkpoint root is malformed");

	/* 3. Optional: the metadata and the message bytes match the entry. */
	const char *meta = json_string_value(json_object_get(e, "meta"));
	if (meta != NULL) {
		merkle_hash m2;
		if (meta_digest(alg, meta, m2, err) < 0)
			return -1;
		if (memcmp(m2, mh, CRYPTO_HASH_LEN) != 0)
			return error_set(err, ERR_CRYPTO, "metadata does not match its hash");
	}
	if (msg != NULL) {
		merkle_hash h;
		if (cry_hash(alg, msg, msg_len, h, err) < 0)
			return -1;
		if (memcmp(h, subject, CRYPTO_HASH_LEN) != 0)
			return error_set(err, ERR_CRYPTO,
					 "the message does not hash to the proven entry");
	}

	/* 4. The entry is a leaf of that tree. */
	unsigned char leaf[LEDGER_LEAF_LEN];
	merkle_hash lh, path[MERKLE_MAX_PATH];
	leaf_bytes(leaf, seq, time_us, (int)kind, alg, subject, mh, prev);
	if (merkle_leaf_hash(alg, leaf, sizeof(leaf), lh, err) < 0)
		return -1;
	size_t n = json_array_size(pa);
	for (size_t i = 0; i < n; i++) {
		const char *h = json_string_value(json_array_get(pa, i));
		if (h == NULL || hex_decode(path[i], CRYPTO_HASH_LEN, h) < 0)
			return error_set(err, ERR_INVALID, "path element %zu is malformed", i);
	}
	if (merkle_verify_inclusion(alg, (uint64_t)index, (uint64_t)size, lh, path, n, root, err) <
	    0)
		return -1;
	snprintf(what, what_cap,
		 "entry %lld (%s) is in the ledger of archive %s at tree size %lld, "
		 "signed by %s%s%s",
		 (long long)seq, ledger_kind_name((int)kind), archive, (long long)size,
		 pub->fingerprint, msg ? "; the message bytes match" : "", tsa_note);
	return 0;
}

/* ---- full verification ---- */

static int lfault(ledger_fault_cb cb, void *ctx, int64_t seq, const char *fmt, ...)
	CUSTOS_PRINTF(4, 5);
static int lfault(ledger_fault_cb cb, void *ctx, int64_t seq, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct ledger_fault f = {seq, what};
	return cb(ctx, &f);
}

static int verify_checkpoint_row(struct ledger *l, const struct cp_row *c,
				 const struct merkle_stream *m, const merkle_hash chain,
				 struct ledger_stats *stats, ledger_fault_cb cb, void *ctx)
{
	struct error e = ERROR_INIT;
	merkle_hash root;
	int bad = 0;
	if (merkle_stream_root(m, root, &e) < 0 || memcmp(root, c->root, CRYPTO_HASH_LEN) != 0) {
		bad = 1;
		if (lfault(cb, ctx, c->size,
			   "checkpoint at size %" PRId64 ": Merkle root of the entries differs "
			   "from the signed root (entries altered, reordered or removed)",
			   c->size) < 0)
			return -1;
	}
	if (memcmp(chain, c->chain, CRYPTO_HASH_LEN) != 0) {
		bad = 1;
		if (lfault(cb, ctx, c->size, "checkpoint at size %" PRId64 ": chain head differs",
			   c->size) < 0)
			return -1;
	}
	char *want = checkpoint_text(l->archive_id, l->hash_alg, c->size, c->root, c->chain,
				     c->time);
	int text_ok = strcmp(want, c->text) == 0;
	free(want);
	if (!text_ok && lfault(cb, ctx, c->size,
			       "checkpoint at size %" PRId64 ": signed text disagrees with its row",
			       c->size) < 0)
		return -1;
	if (c->sig_alg != l->keys->sig_alg) {
		if (lfault(cb, ctx, c->size,
			   "checkpoint at size %" PRId64 ": signed with %s, but the ledger key is %s",
			   c->size, cry_sig_name(c->sig_alg), cry_sig_name(l->keys->sig_alg)) < 0)
			return -1;
	} else if (cry_verify(c->sig_alg, l->keys->pk, c->text, strlen(c->text), c->sig,
			      c->sig_len, &e) < 0) {
		if (lfault(cb, ctx, c->size,
			   "checkpoint at size %" PRId64 ": signature does not verify with %s",
			   c->size, l->keys->fingerprint) < 0)
			return -1;
	}
	if (c->tsa != NULL) {
		struct error te = ERROR_INIT;
		stats->tsa_tokens++;
		if (tsa_verify(c->tsa, c->tsa_len, l->hash_alg, c->text, l->tsa_ca, NULL, &te) <
		    0) {
			if (lfault(cb, ctx, c->size,
				   "checkpoint at size %" PRId64 ": RFC 3161 %s", c->size,
				   te.msg) < 0)
				return -1;
		} else if (l->tsa_ca != NULL) {
			stats->tsa_signed++;
		}
	}
	(void)bad;
	return 0;
}

int ledger_log_preload(struct ledger *l, struct error *err)
{
	buf_release(&l->log_snapshot);
	buf_init(&l->log_snapshot, (size_t)1 << 30);
	l->log_state = 0;
	int ex = fs_exists(l->log_path, err);
	if (ex < 0)
		return -1;
	if (ex == 0) {
		l->log_state = 2;
		return 0;
	}
	if (fs_read_file(l->log_path, &l->log_snapshot, err) < 0)
		return -1;
	l->log_state = 1;
	return 0;
}

static int verify_log(struct ledger *l, ledger_fault_cb cb, void *ctx, struct error *err)
{
	/* The log must be read before the database snapshot is taken: lines are
	 * appended only after their COMMIT, so every line read then is in any
	 * later snapshot, even while an import runs. */
	if (l->log_state == 0 && ledger_log_preload(l, err) < 0)
		return -1;
	if (l->log_state == 2)
		return l->cp_size > 0 && lfault(cb, ctx, 0, "checkpoints.log is missing") < 0 ? -1
											 : 0;
	struct buf b = l->log_snapshot;
	buf_init(&l->log_snapshot, (size_t)1 << 30);
	l->log_state = 0;
	char *save = NULL;
	int lineno = 0, rc = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT text, signature FROM checkpoints WHERE tree_size=?",
			       -1, &st, NULL) != SQLITE_OK) {
		buf_release(&b);
		return db_fail(l->db, err, "query checkpoints");
	}
	if (b.data == NULL && buf_append(&b, "", 0, err) < 0) {
		sqlite3_finalize(st);
		buf_release(&b);
		return -1;
	}
	/* a torn last line (crash during an append) is not a checkpoint */
	while (b.len > 0 && b.data[b.len - 1] != '\n')
		b.data[--b.len] = '\0';
	for (char *line = strtok_r((char *)b.data, "\n", &save); line != NULL && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);
		json_int_t size = json_integer_value(json_object_get(j, "size"));
		const char *text = json_string_value(json_object_get(j, "text"));
		if (j == NULL || text == NULL || size <= 0) {
			rc = lfault(cb, ctx, 0, "checkpoints.log line %d is malformed", lineno);
			json_decref(j);
			continue;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, size);
		if (sqlite3_step(st) != SQLITE_ROW) {
			rc = lfault(cb, ctx, size,
				    "checkpoints.log line %d: checkpoint at size %lld is not in the "
				    "database (database rolled back or rows deleted)",
				    lineno, (long long)size);
		} else if (sqlite3_column_text(st, 0) == NULL ||
			   strcmp((const char *)sqlite3_column_text(st, 0), text) != 0) {
			rc = lfault(cb, ctx, size,
				    "checkpoints.log line %d: checkpoint at size %lld differs from "
				    "the database",
				    lineno, (long long)size);
		}
		json_decref(j);
	}
	sqlite3_finalize(st);
	buf_release(&b);
	return rc < 0 ? 0 : 0;
}

int ledger_verify(struct ledger *l, ledger_fault_cb cb, void *ctx, struct ledger_stats *stats,
		  struct error *err)
{
	memset(stats, 0, sizeof(*stats));
	sqlite3_stmt *es = NULL, *cs = NULL;
	struct merkle_stream m;
	merkle_hash chain;
	int rc = -1, have_cp = 0, stop = 0;
	struct cp_row c;
	memset(&c, 0, sizeof(c));
	merkle_stream_init(&m, l->hash_alg);
	if (genesis(l->hash_alg, l->archive_id, chain, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT seq, time, kind, hash_alg, subject, meta, meta_hash, prev,"
			       " leaf_hash, chain FROM ledger ORDER BY seq",
			       -1, &es, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, "SELECT " CP_COLUMNS " FROM checkpoints ORDER BY tree_size",
			       -1, &cs, NULL) != SQLITE_OK) {
		db_fail(l->db, err, "query ledger");
		goto fail;
	}
#define NEXT_CP()                                                                              \
	do {                                                                                   \
		cp_row_release(&c);                                                            \
		have_cp = sqlite3_step(cs) == SQLITE_ROW;                                      \
		if (have_cp && cp_row_read(cs, &c) < 0) {                                      \
			if (lfault(cb, ctx, c.size, "checkpoint row %" PRId64 " is malformed", \
				   c.size) < 0)                                                \
				stop = 1;                                                      \
		}                                                                              \
		if (have_cp)                                                                   \
			stats->checkpoints++;                                                  \
	} while (0)
	NEXT_CP();
	while (have_cp && c.size <= 0 && !stop)
		NEXT_CP();
	int64_t expect = 1;
	int step;
	while (!stop && (step = sqlite3_step(es)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(es, 0);
		if (seq != expect) {
			if (lfault(cb, ctx, expect,
				   "ledger entry %" PRId64 " is missing (next present is %" PRId64 ")",
				   expect, seq) < 0)
				break;
			/* Resynchronise on what is there; the chain check below
			 * then reports the break as well. */
			expect = seq;
		}
		int kind = sqlite3_column_int(es, 2), alg = sqlite3_column_int(es, 3);
		if (kind >= 0 && kind < 8)
			stats->by_kind[kind]++;
		stats->entries++;
		if (sqlite3_column_bytes(es, 4) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(es, 6) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(es, 7) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(es, 8) != CRYPTO_HASH_LEN ||
		    sqlite3_column_bytes(es, 9) != CRYPTO_HASH_LEN || alg != l->hash_alg) {
			if (lfault(cb, ctx, seq, "ledger entry %" PRId64 " has malformed columns",
				   seq) < 0)
				break;
			expect = seq + 1;
			continue;
		}
		const char *meta = (const char *)sqlite3_column_text(es, 5);
		const unsigned char *mh = sqlite3_column_blob(es, 6);
		merkle_hash mh2, lh, ch;
		if (meta != NULL && (meta_digest(alg, meta, mh2, err) < 0 ||
				     memcmp(mh2, mh, CRYPTO_HASH_LEN) != 0)) {
			if (lfault(cb, ctx, seq,
				   "ledger entry %" PRId64 ": metadata does not match its hash", seq) <
			    0)
				break;
		}
		if (memcmp(sqlite3_column_blob(es, 7), chain, CRYPTO_HASH_LEN) != 0) {
			if (lfault(cb, ctx, seq,
				   "ledger entry %" PRId64 ": does not chain to entry %" PRId64
				   " (altered, inserted or reordered)",
				   seq, seq - 1) < 0)
				break;
		}
		unsigned char leaf[LEDGER_LEAF_LEN];
		leaf_bytes(leaf, seq, sqlite3_column_int64(es, 1), kind, alg,
			   sqlite3_column_blob(es, 4), mh, sqlite3_column_blob(es, 7));
		if (merkle_leaf_hash(alg, leaf, sizeof(leaf), lh, err) < 0 ||
		    cry_hash(alg, leaf, sizeof(leaf), ch, err) < 0)
			goto fail;
		if (memcmp(lh, sqlite3_column_blob(es, 8), CRYPTO_HASH_LEN) != 0 ||
		    memcmp(ch, sqlite3_column_blob(es, 9), CRYPTO_HASH_LEN) != 0) {
			if (lfault(cb, ctx, seq,
				   "ledger entry %" PRId64 ": fields do not hash to its stored "
				   "leaf/chain hash (entry altered)",
				   seq) < 0)
				break;
		}
		/* Continue from the recomputed values: a later checkpoint
		 * root then also exposes the alteration. */
		memcpy(chain, ch, CRYPTO_HASH_LEN);
		if (merkle_stream_add(&m, lh, err) < 0)
			goto fail;
		while (have_cp && !stop && c.size == (int64_t)m.size) {
			if (verify_checkpoint_row(l, &c, &m, chain, stats, cb, ctx) < 0)
				stop = 1;
			NEXT_CP();
		}
		expect = seq + 1;
	}
	while (have_cp && !stop) {
		if (lfault(cb, ctx, c.size,
			   "checkpoint at size %" PRId64 " but the ledger holds only %" PRId64
			   " entries (entries deleted)",
			   c.size, (int64_t)m.size) < 0)
			break;
		NEXT_CP();
	}
#undef NEXT_CP
	if (!stop && verify_log(l, cb, ctx, err) < 0)
		goto fail;
	rc = 0;
fail:
	cp_row_release(&c);
	sqlite3_finalize(es);
	sqlite3_finalize(cs);
	return rc;
}
