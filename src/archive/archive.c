/*
 * archive.c - creating, opening and writing an archive. See archive.h.
 *
 * Write path of one message (inside a transaction):
 *   hash the bytes -> store_put (dedup, compress, encrypt, append)
 *   -> if new: index rows -> canonical metadata -> ledger entry.
 * Commit: ledger_checkpoint (if due) -> store_flush (fsync the segment)
 *   -> COMMIT (SQLite WAL, synchronous=FULL) -> ledger_publish.
 * A crash before COMMIT leaves only an uncommitted segment tail, removed on
 * the next writable open; the import can simply be re-run (dedup).
 */
#include "archive/archive.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/xalloc.h"
#include "index/fts.h"
#include "index/meta.h"
#include "index/tokenize.h"

#define MASTER_MAGIC "CUSTOSMK"
#define MASTER_FILE_LEN (8 + 2 + 2 + CRYPTO_KEY_LEN)

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int open_db(const char *dir, int create, sqlite3 **db_r, struct error *err)
{
	char *path = xasprintf("%s/custos.db", dir);
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		error_set(err, ERR_IO, "open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		free(path);
		return -1;
	}
	free(path);
	sqlite3_busy_timeout(db, 10000);
	/* No memory-mapped I/O (SQLite's default): a short-lived reader such
	 * as `custos search` spent more time unmapping the pages it had
	 * faulted in than searching (100,000 messages: 13 -> 9 ms per query),
	 * and an I/O error on a mapped page is a SIGBUS, not an error code. */
	if (db_exec(db, "PRAGMA journal_mode=WAL", err) < 0 ||
	    db_exec(db, "PRAGMA synchronous=FULL", err) < 0 ||
	    db_exec(db, "PRAGMA foreign_keys=ON", err) < 0) {
		sqlite3_close(db);
		return -1;
	}
	*db_r = db;
	return 0;
}

static int write_master_key(const char *path, struct error *err)
{
	unsigned char f[MASTER_FILE_LEN];
	memcpy(f, MASTER_MAGIC, 8);
	put_u16be(f + 8, 1);
	put_u16be(f + 10, 0);
	cry_random(f + 12, CRYPTO_KEY_LEN);
	int rc = fs_write_file_atomic(path, f, sizeof(f), 0600, 1, err);
	cry_wipe(f, sizeof(f));
	return rc;
}

static int read_master_key(const char *path, unsigned char key[CRYPTO_KEY_LEN],
			   struct error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return error_errno(err, "master key %s", path);
	if (st.st_mode & 077)
		return error_set(err, ERR_CRYPTO,
				 "master key %s is readable by group or others (mode %03o): "
				 "refusing to use it; chmod 600 it",
				 path, st.st_mode & 0777);
	struct buf b;
	buf_init(&b, MASTER_FILE_LEN);
	int rc = fs_read_file(path, &b, err);
	if (rc == 0 && (b.len != MASTER_FILE_LEN || memcmp(b.data, MASTER_MAGIC, 8) != 0 ||
			get_u16be(b.data + 8) != 1))
		rc = error_set(err, ERR_CRYPTO, "%s is not a custos master key", path);
	if (rc == 0)
		memcpy(key, b.data + 12, CRYPTO_KEY_LEN);
	if (b.data != NULL)
		cry_wipe(b.data, b.cap);
	buf_release(&b);
	return rc;
}

static int dir_is_empty_or_absent(const char *dir, struct error *err)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		return error_errno(err, "stat %s", dir);
	}
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ERR_EXISTS, "%s exists and is not a directory", dir);
	char *marker = xasprintf("%s/ARCHIVE", dir), *db = xasprintf("%s/custos.db", dir);
	int ex = fs_exists(marker, err) || fs_exists(db, err);
	free(marker);
	free(db);
	if (ex)
		return error_set(err, ERR_EXISTS,
				 "%s already holds an archive: refusing to touch it", dir);
	return 1;
}

/* The crypto suites an archive can be created with. The choice is recorded
 * in the meta table and fixed for the archive's life; every object also
 * records its own algorithms (doc/formats/store.md). */
struct suite {
	const char *name;
	int hash_alg;
	int aead_alg; /* 0: store.cipher chooses (default suite) */
	int wrap_alg;
	int sig_alg;
};

static const struct suite suites[] = {
	{"default", HASH_SHA256, 0, AEAD_XCHACHA20POLY1305, SIG_ED25519},
	{"sm", HASH_SM3, AEAD_SM4CTR_HMACSM3, AEAD_SM4CTR_HMACSM3, SIG_SM2},
};

static const struct suite *suite_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strcmp(suites[i].name, name) == 0)
			return &suites[i];
	return NULL;
}

/* The default suite's AEAD from store.cipher: only its own AEADs. */
static int default_cipher(const char *name, struct error *err)
{
	int alg = cry_aead_by_name(name != NULL && *name ? name : "xchacha20poly1305");
	if (alg != AEAD_XCHACHA20POLY1305 && alg != AEAD_AES256GCM)
		return error_set(err, ERR_USAGE,
				 "store.cipher '%s' is not a cipher of the default suite "
				 "(xchacha20poly1305 or aes256gcm)",
				 name);
	return alg;
}

int archive_create(const char *dir, const struct archive_create_opts *o, char **fingerprint_r,
		   struct error *err)
{
	const struct suite *su = suite_by_name(o->suite != NULL ? o->suite : "default");
	if (su == NULL)
		return error_set(err, ERR_USAGE,
				 "unknown crypto suite '%s': use 'default' (SHA-256, "
				 "XChaCha20-Poly1305/AES-256-GCM, Ed25519) or 'sm' (SM3, "
				 "SM4-CTR + HMAC-SM3, SM2)",
				 o->suite);
	int aead = su->aead_alg;
	if (aead == 0 && (aead = default_cipher(o->cipher, err)) < 0)
		return -1;
	if (cry_init(err) < 0)
		return -1;
	if (dir_is_empty_or_absent(dir, err) < 0)
		return -1;
	char *keys = xasprintf("%s/keys", dir), *segs = xasprintf("%s/segments", dir);
	char *mk = xasprintf("%s/master.key", keys), *sk = xasprintf("%s/ledger.key", keys);
	char *pk = xasprintf("%s/ledger.pub", keys), *marker = xasprintf("%s/ARCHIVE", dir);
	sqlite3 *db = NULL;
	struct ledger_keys lk;
	struct ledger *ledger = NULL;
	char *meta = NULL, *text = NULL;
	int rc = -1;
	memset(&lk, 0, sizeof(lk));

	if (fs_mkdir_p(dir, 0700, err) < 0 || fs_mkdir_p(keys, 0700, err) < 0 ||
	    fs_mkdir_p(segs, 0700, err) < 0)
		goto fail;
	if (write_master_key(mk, err) < 0 || ledger_keys_generate(&lk, su->sig_alg, err) < 0 ||
	    ledger_keys_save(&lk, sk, pk, err) < 0 || fs_fsync_dir(keys, err) < 0)
		goto fail;

	unsigned char idb[16];
	char id[33];
	cry_random(idb, sizeof(idb));
	hex_encode(id, idb, sizeof(idb));

	if (open_db(dir, 1, &db, err) < 0 || db_exec(db, "BEGIN IMMEDIATE", err) < 0 ||
	    db_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)", err) < 0 ||
	    store_schema(db, err) < 0 || ledger_schema(db, err) < 0 || idx_schema(db, err) < 0 ||
	    idx_fts_open(db, 1, NULL, err) < 0)
		goto fail;
	char *ins = sqlite3_mprintf("INSERT INTO meta VALUES('format','%d'),('archive_id','%q'),"
				    "('created','%lld'),('suite','%q'),('hash_alg','%q'),"
				    "('sig_alg','%q'),('cipher','%q'),('key_wrap','%q'),"
				    "('fts_version','%d')",
				    ARCHIVE_FORMAT_VERSION, id, (long long)time(NULL), su->name,
				    cry_hash_name(su->hash_alg), cry_sig_name(su->sig_alg),
				    cry_aead_name(aead), cry_aead_name(su->wrap_alg),
				    IDX_TOKENIZER_VERSION);
	int x = db_exec(db, ins, err);
	sqlite3_free(ins);
	if (x < 0)
		goto fail;
	/* The first ledger entry records the archive's creation, suite and key. */
	struct ledger_policy pol = {1, 1};
	if (ledger_open(&ledger, db, dir, id, su->hash_alg, &lk, &pol, err) < 0)
		goto fail;
	meta = xasprintf("{\"archive\":\"%s\",\"event\":\"created\",\"format\":%d,\"key\":\"%s\","
			 "\"suite\":\"%s\"}",
			 id, ARCHIVE_FORMAT_VERSION, lk.fingerprint, su->name);
	unsigned char subject[CRYPTO_HASH_LEN];
	if (cry_hash(su->hash_alg, lk.pk, cry_sig_pk_len(lk.sig_alg), subject, err) < 0 ||
	    ledger_append(ledger, LEDGER_SYSTEM, subject, meta, now_us(), NULL, err) < 0 ||
	    ledger_checkpoint(ledger, 1, err) < 0 || db_exec(db, "COMMIT", err) < 0 ||
	    ledger_publish(ledger, err) < 0)
		goto fail;
	text = xasprintf("custos archive\nformat %d\nid %s\n", ARCHIVE_FORMAT_VERSION, id);
	if (fs_write_file_atomic(marker, text, strlen(text), 0644, 1, err) < 0 ||
	    fs_fsync_dir(dir, err) < 0)
		goto fail;
	*fingerprint_r = xstrdup(lk.fingerprint);
	rc = 0;
fail:
	ledger_close(ledger);
	if (db != NULL) {
		db_stmt_release_all(db);
		sqlite3_close(db);
	}
	ledger_keys_wipe(&lk);
	free(meta);
	free(text);
	free(keys);
	free(segs);
	free(mk);
	free(sk);
	free(pk);
	free(marker);
	return rc;
}

static char *meta_value(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* Reads the archive's suite from the meta table. Archives made before the
 * suite was recorded are 'default'. In the default suite store.cipher
 * chooses the AEAD of new blobs; the sm suite ignores it (its cipher is
 * fixed: only SM4 keeps an SM archive within GB/T 39786). */
static int load_suite(struct archive *a, const struct config *cfg, struct error *err)
{
	char *name = meta_value(a->db, "suite"), *hash = meta_value(a->db, "hash_alg");
	char *sig = meta_value(a->db, "sig_alg");
	const struct suite *su = suite_by_name(name != NULL ? name : "default");
	int rc = -1;
	if (su == NULL) {
		error_set(err, ERR_INVALID,
			  "archive uses crypto suite '%s', unknown to this custos", name);
		goto fail;
	}
	if (cry_hash_by_name(hash) != su->hash_alg || cry_sig_by_name(sig) != su->sig_alg) {
		error_set(err, ERR_CORRUPT,
			  "archive meta table names hash '%s' and signature '%s', which are not "
			  "those of its suite '%s'",
			  hash ? hash : "(none)", sig ? sig : "(none)", su->name);
		goto fail;
	}
	snprintf(a->suite, sizeof(a->suite), "%s", su->name);
	a->hash_alg = su->hash_alg;
	a->sig_alg = su->sig_alg;
	a->wrap_alg = su->wrap_alg;
	a->aead_alg = su->aead_alg;
	if (a->aead_alg == 0 && (a->aead_alg = default_cipher(cfg->store_cipher, err)) < 0)
		goto fail;
	rc = 0;
fail:
	free(name);
	free(hash);
	free(sig);
	return rc;
}

/* The full-text index: tokenizer registered on this connection; tables
 * created (and marked as needing a rebuild) in an archive made before
 * they existed. */
static int open_fts(struct archive *a, struct error *err)
{
	int created = 0;
	if (idx_fts_open(a->db, a->writable, &created, err) < 0)
		return -1;
	if (created && db_exec(a->db, "INSERT OR REPLACE INTO meta VALUES('fts_version','0')",
			       err) < 0)
		return -1;
	if (a->writable && idx_upgrade(a->db, err) < 0)
		return -1;
	char *v = meta_value(a->db, "fts_version");
	a->fts_version = v != NULL ? atoi(v) : 0;
	free(v);
	return 0;
}

int archive_open(struct archive **a_r, const char *dir, const struct config *cfg, int writable,
		 struct error *err)
{
	if (cry_init(err) < 0)
		return -1;
	struct archive *a = xcalloc(1, sizeof(*a));
	a->dir = xstrdup(dir);
	a->lock_fd = -1;
	a->writable = writable;
	unsigned char master[CRYPTO_KEY_LEN];
	char *marker = xasprintf("%s/ARCHIVE", dir);
	char *mk = xasprintf("%s/keys/master.key", dir), *sk = xasprintf("%s/keys/ledger.key", dir);
	char *pk = xasprintf("%s/keys/ledger.pub", dir), *lock = xasprintf("%s/lock", dir);
	char *id = NULL, *fmt = NULL;
	int rc = -1;

	int ex = fs_exists(marker, err);
	if (ex <= 0) {
		if (ex == 0)
			error_set(err, ERR_NOTFOUND, "%s is not a custos archive (no ARCHIVE file)",
				  dir);
		goto fail;
	}
	if (writable) {
		a->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (a->lock_fd < 0) {
			error_errno(err, "open %s", lock);
			goto fail;
		}
		if (flock(a->lock_fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK)
				error_set(err, ERR_IO,
					  "archive %s is in use by another writer (lock held)", dir);
			else
				error_errno(err, "lock %s", lock);
			goto fail;
		}
	}
	if (open_db(dir, 0, &a->db, err) < 0)
		goto fail;
	id = meta_value(a->db, "archive_id");
	fmt = meta_value(a->db, "format");
	if (id == NULL || strlen(id) != 32 || fmt == NULL) {
		error_set(err, ERR_CORRUPT, "%s/custos.db has no archive identity", dir);
		goto fail;
	}
	if (atoi(fmt) != ARCHIVE_FORMAT_VERSION) {
		error_set(err, ERR_INVALID, "archive format %s is not supported by this custos",
			  fmt);
		goto fail;
	}
	memcpy(a->archive_id, id, 33);
	if (load_suite(a, cfg, err) < 0 || open_fts(a, err) < 0)
		goto fail;
	if (read_master_key(mk, master, err) < 0 || ledger_keys_load_public(&a->keys, pk, err) < 0)
		goto fail;
	if (a->keys.sig_alg != a->sig_alg) {
		error_set(err, ERR_CRYPTO, "%s is an %s key, but the archive signs with %s", pk,
			  cry_sig_name(a->keys.sig_alg), cry_sig_name(a->sig_alg));
		goto fail;
	}
	if (writable && ledger_keys_load_secret(&a->keys, sk, err) < 0)
		goto fail;
	struct store_opts so = {
		.segment_size = (uint64_t)cfg->store_segment_size,
		.zstd_level = (int)cfg->store_zstd_level,
		.aead_alg = a->aead_alg,
		.hash_alg = a->hash_alg,
		.wrap_alg = a->wrap_alg,
	};
	struct ledger_policy pol = {cfg->ledger_checkpoint_entries, cfg->ledger_checkpoint_seconds};
	if (store_open(&a->store, dir, a->db, master, &so, writable, err) < 0 ||
	    ledger_open(&a->ledger, a->db, dir, a->archive_id, a->hash_alg, &a->keys, &pol, err) <
		    0)
		goto fail;
	/* Checkpoints are time-stamped only by writers; readers (verify) use
	 * the CA file to check stored tokens. */
	ledger_set_tsa(a->ledger, writable ? cfg->ledger_tsa_url : NULL, cfg->ledger_tsa_ca_file,
		       cfg->ledger_tsa_timeout);
	*a_r = a;
	a = NULL;
	rc = 0;
fail:
	cry_wipe(master, sizeof(master));
	archive_close(a);
	free(marker);
	free(mk);
	free(sk);
	free(pk);
	free(lock);
	free(id);
	free(fmt);
	return rc;
}

void archive_close(struct archive *a)
{
	if (a == NULL)
		return;
	if (a->in_txn)
		archive_rollback(a);
	ledger_close(a->ledger);
	store_close(a->store);
	if (a->db != NULL) {
		db_stmt_release_all(a->db);
		sqlite3_close(a->db);
	}
	ledger_keys_wipe(&a->keys);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	free(a->dir);
	free(a);
}

int archive_begin(struct archive *a, struct error *err)
{
	if (a->in_txn)
		return 0;
	if (db_exec(a->db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	a->in_txn = 1;
	a->txn_messages = 0;
	a->txn_bytes = 0;
	return 0;
}

int archive_commit(struct archive *a, int force_checkpoint, struct error *err)
{
	if (!a->in_txn) {
		if (!force_checkpoint || ledger_size(a->ledger) <= ledger_checkpointed_size(a->ledger))
			return 0;
		if (archive_begin(a, err) < 0)
			return -1;
	}
	if (ledger_checkpoint(a->ledger, force_checkpoint, err) < 0 ||
	    store_flush(a->store, err) < 0 || db_exec(a->db, "COMMIT", err) < 0) {
		archive_rollback(a);
		return -1;
	}
	a->in_txn = 0;
	/* Durable now; the log mirror is best effort after this point and a
	 * missing line is tolerated by verify (database is a superset). */
	return ledger_publish(a->ledger, err);
}

void archive_rollback(struct archive *a)
{
	if (!a->in_txn)
		return;
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	a->in_txn = 0;
	store_rollback(a->store);
	ledger_rollback(a->ledger);
}

int archive_add(struct archive *a, const struct archive_msg_in *in, struct archive_msg_out *out,
		struct error *err)
{
	if (!a->in_txn && archive_begin(a, err) < 0)
		return -1;
	unsigned char hash[CRYPTO_HASH_LEN];
	int64_t blob_id = 0;
	char *meta = NULL;
	memset(out, 0, sizeof(*out));
	if (cry_hash(a->hash_alg, in->data, in->len, hash, err) < 0 ||
	    store_put(a->store, in->data, in->len, hash, &blob_id, &out->is_new, &out->stored_bytes,
		      err) < 0)
		return -1;
	if (!out->is_new) {
		int found = idx_message_by_blob(a->db, blob_id, &out->msg_id, err);
		if (found < 0)
			return -1;
		if (found == 0)
			return error_set(err, ERR_CORRUPT,
					 "blob %" PRId64 " has no message row (run verify)",
					 blob_id);
	} else {
		struct idx_new_message m = {
			blob_id, hash, cry_hash_name(a->hash_alg), in->len, in->doc,
			now_us(), in->source ? in->source : "import", in->origin,
		};
		if (idx_insert_message(a->db, &m, &out->msg_id, err) < 0 ||
		    idx_fts_insert(a->db, out->msg_id, in->doc, err) < 0 ||
		    idx_meta_json(a->db, out->msg_id, &meta, err) < 0 ||
		    ledger_append_ex(a->ledger, LEDGER_MESSAGE, hash, meta, 0, m.archived_us,
				     &out->seq, err) < 0 ||
		    idx_set_ledger_seq(a->db, out->msg_id, out->seq, err) < 0) {
			free(meta);
			return -1;
		}
		free(meta);
		a->txn_messages++;
		a->txn_bytes += in->len;
	}
	if (in->label != NULL && *in->label && idx_add_label(a->db, out->msg_id, in->label, err) < 0)
		return -1;
	if (in->env_from != NULL || in->n_rcpts > 0) {
		struct idx_new_delivery d = {
			out->msg_id, in->source ? in->source : "import",
			in->origin ? in->origin : "", in->env_from, in->rcpts, in->n_rcpts,
			in->received_us > 0 ? in->received_us : now_us(),
		};
		int64_t did = 0;
		int isnew = idx_insert_delivery(a->db, &d, &did, err);
		if (isnew < 0)
			return -1;
		if (isnew) {
			/* The envelope gets its own ledger entry: it is the only
			 * record of Bcc recipients and must be as provable as the
			 * bytes. Its subject is the message's hash. */
			char *dmeta = NULL;
			int rc = idx_delivery_json(a->db, did, &dmeta, err);
			if (rc == 0)
				rc = ledger_append_ex(a->ledger, LEDGER_DELIVERY, hash, dmeta, 0,
						      d.received_us, &out->delivery_seq, err);
			if (rc == 0)
				rc = idx_set_delivery_seq(a->db, did, out->delivery_seq, err);
			if (rc == 0)
				rc = idx_fts_insert_env(a->db, did, in->rcpts, in->n_rcpts, err);
			free(dmeta);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* "sha256:HEX" or "sm3:HEX" with 64 hex digits. */
static int is_hash_ref(const char *ref)
{
	const char *colon = strchr(ref, ':');
	if (colon == NULL || colon - ref > 15)
		return 0;
	char alg[16];
	for (size_t i = 0; i < (size_t)(colon - ref); i++)
		alg[i] = (char)tolower((unsigned char)ref[i]);
	alg[colon - ref] = '\0';
	return cry_hash_by_name(alg) > 0 && strlen(colon + 1) == 2 * CRYPTO_HASH_LEN &&
	       strspn(colon + 1, "0123456789abcdefABCDEF") == 2 * CRYPTO_HASH_LEN;
}

int archive_resolve(struct archive *a, const char *ref, int64_t *msg_id_r, struct error *err)
{
	sqlite3_stmt *st = NULL;
	const char *sql;
	char *arg = NULL;
	size_t n = strlen(ref);
	if (n > 0 && strspn(ref, "0123456789") == n) {
		sql = "SELECT id FROM messages WHERE id=CAST(?1 AS INTEGER)";
		arg = xstrdup(ref);
	} else if (is_hash_ref(ref)) {
		/* messages.hash is "alg:lowercase-hex" */
		sql = "SELECT id FROM messages WHERE hash=?1";
		arg = xstrdup(ref);
		for (char *p = arg; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else {
		sql = "SELECT id FROM messages WHERE message_id=?1 ORDER BY id";
		if (n >= 2 && ref[0] == '<' && ref[n - 1] == '>')
			arg = xstrndup(ref + 1, n - 2);
		else
			arg = xstrdup(ref);
	}
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK) {
		free(arg);
		return db_fail(a->db, err, "resolve message");
	}
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t first = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int more = rc == SQLITE_ROW && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		error_set(err, ERR_NOTFOUND, "no message matches '%s'", ref);
		free(arg);
		return -1;
	}
	free(arg);
	if (more)
		return error_set(err, ERR_INVALID,
				 "several messages carry Message-ID '%s' (different bytes): use "
				 "the numeric id or %s:HASH",
				 ref, cry_hash_name(a->hash_alg));
	*msg_id_r = first;
	return 0;
}

int archive_msg_info(struct archive *a, int64_t msg_id, struct archive_msg_info *info,
		     struct error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(a->db,
			       "SELECT id, blob, COALESCE(ledger_seq,0), hash, size, COALESCE(date,0)"
			       " FROM messages WHERE id=?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(a->db, err, "query message");
	sqlite3_bind_int64(st, 1, msg_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return error_set(err, ERR_NOTFOUND, "no message %" PRId64, msg_id);
	}
	memset(info, 0, sizeof(*info));
	info->id = sqlite3_column_int64(st, 0);
	info->blob = sqlite3_column_int64(st, 1);
	info->seq = sqlite3_column_int64(st, 2);
	snprintf(info->hash, sizeof(info->hash), "%s", (const char *)sqlite3_column_text(st, 3));
	info->size = sqlite3_column_int64(st, 4);
	info->date = sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	return 0;
}

int archive_read(struct archive *a, int64_t msg_id, struct buf *out, struct error *err)
{
	struct archive_msg_info info;
	if (archive_msg_info(a, msg_id, &info, err) < 0)
		return -1;
	return store_get(a->store, info.blob, out, err);
}

int archive_proof(struct archive *a, int64_t msg_id, const struct merkle_tree *tree,
		  json_t **proof_r, struct error *err)
{
	struct archive_msg_info info;
	json_t *proof = NULL;
	char *meta = NULL;
	if (archive_msg_info(a, msg_id, &info, err) < 0 ||
	    ledger_proof(a->ledger, info.seq, tree, &proof, err) < 0)
		return -1;
	/* A message entry records only its metadata's hash; the metadata comes
	 * from the index, and verify-proof checks it against that hash. */
	json_t *entry = json_object_get(proof, "entry");
	if (json_object_get(entry, "meta") == NULL) {
		if (idx_meta_json(a->db, msg_id, &meta, err) < 0) {
			json_decref(proof);
			return -1;
		}
		json_object_set_new(entry, "meta", json_string(meta));
		free(meta);
	}
	json_object_set_new(proof, "message",
			    json_pack("{s:I, s:s, s:I}", "id", (json_int_t)info.id, "hash",
				      info.hash, "size", (json_int_t)info.size));
	*proof_r = proof;
	return 0;
}
