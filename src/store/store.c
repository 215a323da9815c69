/*
 * store.c - the blob store: segment files, records, keys. See store.h and
 * doc/formats/store.md for the byte layout.
 *
 * Invariants:
 *  - at most one segment has state 'active'; only it is ever written;
 *  - bytes [0, segments.length) of every segment are committed records;
 *    the active segment may hold an uncommitted tail past that, which a
 *    writable open truncates;
 *  - every blobs row names (segment, offset) of a record whose header holds
 *    the same hash; the record's AEAD binds the header (hash, lengths,
 *    algorithms) to the ciphertext, and the wrapped data key is bound to
 *    the hash, so moving or swapping records or keys fails authentication;
 *  - algorithms are read from each record (hash, AEAD) and each wrapped key
 *    (version byte), never assumed from the configuration, so one store can
 *    hold blobs of several suites.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zdict.h>
#include <zstd.h>

#include "core/db.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/xalloc.h"

/* Wrapped data key: version byte || AEAD(master, data key). The version
 * names the AEAD: 1 XChaCha20-Poly1305 (24-byte nonce, 16-byte tag),
 * 2 SM4-CTR + HMAC-SM3 (16-byte IV, 32-byte tag). */
#define WRAP_V1_XCHACHA 1
#define WRAP_V2_SM 2
#define WRAP_MAX_LEN (1 + CRYPTO_MAX_OVERHEAD + CRYPTO_KEY_LEN)

/* Compression dictionaries (doc/formats/store.md): small messages share most
 * of their bytes (headers, signatures, boilerplate), which per-message zstd
 * cannot exploit; a dictionary trained on the archive's first messages can.
 * A dictionary holds fragments of real mail, so it is sealed with the master
 * key like a data key. */
#define DICT_TRAIN_SAMPLES 1000         /* messages to train on */
#define DICT_SAMPLE_MAX (16 * 1024)     /* bytes of one message used */
#define DICT_SIZE (112 * 1024)          /* zstd's recommended size */
#define DICT_MAX ((size_t)1 << 20)      /* largest dictionary accepted */
#define DICT_CACHE 16                   /* dictionaries kept for reading */

struct store {
	sqlite3 *db;
	char *dir; /* archive_dir/segments */
	unsigned char master[CRYPTO_KEY_LEN];
	struct store_opts opts;
	int writable;
	/* the active segment (writable stores only) */
	int64_t seg_id;
	int seg_fd;
	uint64_t seg_committed; /* segments.length */
	uint64_t seg_pending;   /* committed + appended in this transaction */
	int64_t seg_records;
	int dirty;
	/* zstd dictionaries: the one new blobs use, and a cache for reading */
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	uint32_t cdict_id; /* 0: none yet */
	ZSTD_CDict *cdict;
	struct {
		uint32_t id;
		ZSTD_DDict *ddict;
	} ddicts[DICT_CACHE];
	size_t n_ddicts;
	/* samples gathered to train the first dictionary */
	struct buf samples;
	size_t sample_sizes[DICT_TRAIN_SAMPLES];
	size_t n_samples;
	int dict_failed;
};

static void dict_forget(struct store *s);
static int dict_load_newest(struct store *s, struct error *err);

static const char schema_sql[] =
	"CREATE TABLE segments("
	" id INTEGER PRIMARY KEY,"
	" state TEXT NOT NULL CHECK(state IN ('active','sealed')),"
	" length INTEGER NOT NULL,"
	" records INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" sealed INTEGER,"
	" digest BLOB);"
	"CREATE TABLE blobs("
	" id INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL UNIQUE,"
	" hash_alg INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" stored INTEGER NOT NULL,"
	" segment INTEGER NOT NULL REFERENCES segments(id),"
	" offset INTEGER NOT NULL,"
	" aead_alg INTEGER NOT NULL,"
	" wrapped_key BLOB,"
	" created INTEGER NOT NULL,"
	" UNIQUE(segment, offset));"
	"CREATE TABLE dicts("
	" id INTEGER PRIMARY KEY,"
	" created INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" sealed BLOB NOT NULL);";

int store_schema(sqlite3 *db, struct error *err)
{
	if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, err, "create store schema");
	return 0;
}

static char *segment_path(const struct store *s, int64_t id)
{
	return xasprintf("%s/%012" PRId64 ".seg", s->dir, id);
}

/* Loads the active segment and truncates any uncommitted tail. */
static int load_active(struct store *s, struct error *err)
{
	sqlite3_stmt *st = NULL;
	s->seg_id = 0;
	s->seg_fd = -1;
	s->dirty = 0;
	if ((st = db_stmt(s->db, "SELECT id, length, records FROM segments WHERE state='active'", NULL)) == NULL)
		return db_fail(s->db, err, "query active segment");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->seg_id = sqlite3_column_int64(st, 0);
		s->seg_committed = (uint64_t)sqlite3_column_int64(st, 1);
		s->seg_records = sqlite3_column_int64(st, 2);
		s->seg_pending = s->seg_committed;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s->db, err, "query active segment");
	if (s->seg_id == 0)
		return 0;
	char *path = segment_path(s, s->seg_id);
	s->seg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (s->seg_fd < 0) {
		error_errno(err, "open active segment %s", path);
		free(path);
		return -1;
	}
	struct stat stt;
	if (fstat(s->seg_fd, &stt) < 0) {
		error_errno(err, "stat %s", path);
		free(path);
		return -1;
	}
	if ((uint64_t)stt.st_size < s->seg_committed) {
		error_set(err, ERR_CORRUPT,
			  "segment %s is %lld bytes but %" PRIu64 " are committed: truncated",
			  path, (long long)stt.st_size, s->seg_committed);
		free(path);
		return -1;
	}
	if ((uint64_t)stt.st_size > s->seg_committed) {
		/* Leftover of a crash between append and COMMIT: never acknowledged. */
		if (ftruncate(s->seg_fd, (off_t)s->seg_committed) < 0 ||
		    fs_fsync_fd(s->seg_fd, path, err) < 0) {
			if (err->code == ERR_NONE)
				error_errno(err, "truncate %s", path);
			free(path);
			return -1;
		}
	}
	free(path);
	return 0;
}

int store_open(struct store **s_r, const char *archive_dir, sqlite3 *db,
	       const unsigned char master_key[CRYPTO_KEY_LEN], const struct store_opts *opts,
	       int writable, struct error *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	s->db = db;
	s->dir = xasprintf("%s/segments", archive_dir);
	memcpy(s->master, master_key, CRYPTO_KEY_LEN);
	s->opts = *opts;
	s->writable = writable;
	s->seg_fd = -1;
	if (writable && (load_active(s, err) < 0 || dict_load_newest(s, err) < 0)) {
		store_close(s);
		return -1;
	}
	*s_r = s;
	return 0;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->seg_fd >= 0)
		close(s->seg_fd);
	cry_wipe(s->master, sizeof(s->master));
	dict_forget(s);
	ZSTD_freeCCtx(s->cctx);
	ZSTD_freeDCtx(s->dctx);
	free(s->dir);
	free(s);
}

void store_rollback(struct store *s)
{
	if (!s->writable)
		return;
	if (s->seg_fd >= 0)
		close(s->seg_fd);
	struct error err;
	/* Re-read the committed state (segment and dictionary: one trained in
	 * the rolled-back transaction is gone); a failure leaves the store
	 * unwritable. */
	dict_forget(s);
	if (load_active(s, &err) < 0 || dict_load_newest(s, &err) < 0)
		s->writable = 0;
}

int store_lookup(struct store *s, const unsigned char hash[CRYPTO_HASH_LEN], int64_t *blob_id_r,
		 struct error *err)
{
	sqlite3_stmt *st = NULL;
	if ((st = db_stmt(s->db, "SELECT id FROM blobs WHERE hash=?", NULL)) == NULL)
		return db_fail(s->db, err, "look up blob");
	sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		*blob_id_r = sqlite3_column_int64(st, 0);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_fail(s->db, err, "look up blob");
	}
	sqlite3_reset(st);
	return found;
}

static int write_segment_header(int fd, int64_t id, struct error *err)
{
	unsigned char h[STORE_SEGMENT_HEADER_LEN];
	memset(h, 0, sizeof(h));
	memcpy(h, STORE_SEGMENT_MAGIC, 8);
	put_u16be(h + 8, 1);
	put_u16be(h + 10, STORE_SEGMENT_HEADER_LEN);
	put_u64be(h + 16, (uint64_t)id);
	put_u64be(h + 24, (uint64_t)time(NULL));
	return fs_pwrite_all(fd, h, sizeof(h), 0, err);
}

static int new_segment(struct store *s, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 1;
	if ((st = db_stmt(s->db, "SELECT COALESCE(MAX(id),0)+1 FROM segments", NULL)) == NULL)
		return db_fail(s->db, err, "next segment id");
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (fs_mkdir_p(s->dir, 0700, err) < 0)
		return -1;
	char *path = segment_path(s, id);
	/* A file of this name can only be the leftover of a transaction that
	 * never committed (no row names it): it is safe to replace. */
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_errno(err, "create segment %s", path);
		free(path);
		return -1;
	}
	if (write_segment_header(fd, id, err) < 0 || fs_fsync_fd(fd, path, err) < 0 ||
	    fs_fsync_dir(s->dir, err) < 0) {
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	if ((st = db_stmt(s->db, "INSERT INTO segments(id, state, length, records, created)"
			       " VALUES(?, 'active', ?, 0, ?)", NULL)) == NULL) {
		close(fd);
		return db_fail(s->db, err, "insert segment");
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, STORE_SEGMENT_HEADER_LEN);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		close(fd);
		return db_fail(s->db, err, "insert segment");
	}
	if (s->seg_fd >= 0)
		close(s->seg_fd);
	s->seg_fd = fd;
	s->seg_id = id;
	s->seg_committed = STORE_SEGMENT_HEADER_LEN;
	s->seg_pending = STORE_SEGMENT_HEADER_LEN;
	s->seg_records = 0;
	s->dirty = 1;
	return 0;
}

/* Digest of bytes [0, len) of fd, with the archive's hash algorithm. */
static int digest_file(const struct store *s, int fd, uint64_t len,
		       unsigned char out[CRYPTO_HASH_LEN], struct error *err)
{
	struct cry_hash_ctx h;
	if (cry_hash_init(&h, s->opts.hash_alg, err) < 0)
		return -1;
	unsigned char *chunk = xmalloc(1 << 20);
	uint64_t off = 0;
	int rc = 0;
	while (off < len) {
		size_t n = len - off < (1 << 20) ? (size_t)(len - off) : (1 << 20);
		if (fs_pread_all(fd, chunk, n, (off_t)off, err) < 0) {
			rc = -1;
			break;
		}
		cry_hash_update(&h, chunk, n);
		off += n;
	}
	unsigned char tmp[CRYPTO_HASH_LEN];
	cry_hash_final(&h, tmp);
	if (rc == 0)
		memcpy(out, tmp, CRYPTO_HASH_LEN);
	free(chunk);
	return rc;
}

static int seal_segment(struct store *s, struct error *err)
{
	char *path = segment_path(s, s->seg_id);
	unsigned char digest[CRYPTO_HASH_LEN];
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (fs_fsync_fd(s->seg_fd, path, err) < 0 ||
	    digest_file(s, s->seg_fd, s->seg_pending, digest, err) < 0)
		goto fail;
	if ((st = db_stmt(s->db, "UPDATE segments SET state='sealed', length=?, records=?, sealed=?,"
			       " digest=? WHERE id=?", NULL)) == NULL) {
		db_fail(s->db, err, "seal segment");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, (int64_t)s->seg_pending);
	sqlite3_bind_int64(st, 2, s->seg_records);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	sqlite3_bind_blob(st, 4, digest, sizeof(digest), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->seg_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(s->db, err, "seal segment");
		goto fail;
	}
	/* Sealed segments are never written again; a later issue moves them to
	 * WORM object storage. */
	(void)fchmod(s->seg_fd, 0400);
	close(s->seg_fd);
	s->seg_fd = -1;
	s->seg_id = 0;
	rc = 0;
fail:
	sqlite3_reset(st);
	free(path);
	return rc;
}

static void wrap_ad(unsigned char ad[16 + CRYPTO_HASH_LEN], int hash_alg,
		    const unsigned char hash[CRYPTO_HASH_LEN])
{
	memset(ad, 0, 16);
	memcpy(ad, "custos-dk-v1", 12);
	ad[15] = (unsigned char)hash_alg;
	memcpy(ad + 16, hash, CRYPTO_HASH_LEN);
}

static int wrap_alg_of_version(int version)
{
	switch (version) {
	case WRAP_V1_XCHACHA: return AEAD_XCHACHA20POLY1305;
	case WRAP_V2_SM: return AEAD_SM4CTR_HMACSM3;
	}
	return -1;
}

/* Wraps dk under the master key, bound to the blob's hash. */
static int wrap_key(const struct store *s, const unsigned char dk[CRYPTO_KEY_LEN],
		    const unsigned char hash[CRYPTO_HASH_LEN], unsigned char out[WRAP_MAX_LEN],
		    size_t *len_r, struct error *err)
{
	int sm = s->opts.wrap_alg == AEAD_SM4CTR_HMACSM3;
	unsigned char ad[16 + CRYPTO_HASH_LEN];
	size_t wl = 0;
	out[0] = sm ? WRAP_V2_SM : WRAP_V1_XCHACHA;
	wrap_ad(ad, s->opts.hash_alg, hash);
	if (cry_aead_seal(wrap_alg_of_version(out[0]), s->master, ad, sizeof(ad), dk,
			  CRYPTO_KEY_LEN, out + 1, &wl, err) < 0)
		return -1;
	*len_r = 1 + wl;
	return 0;
}

/* Unwraps a data key; any failure reads as "does not unwrap". */
static int unwrap_key(const struct store *s, int hash_alg, const unsigned char *hash,
		      const unsigned char *wrapped, size_t wrapped_len,
		      unsigned char dk[CRYPTO_KEY_LEN], struct error *err)
{
	unsigned char ad[16 + CRYPTO_HASH_LEN];
	size_t dkl = 0;
	int alg = wrapped_len > 0 ? wrap_alg_of_version(wrapped[0]) : -1;
	wrap_ad(ad, hash_alg, hash);
	if (alg < 0 || wrapped_len != 1 + cry_aead_overhead(alg) + CRYPTO_KEY_LEN ||
	    cry_aead_open(alg, s->master, ad, sizeof(ad), wrapped + 1, wrapped_len - 1, dk, &dkl,
			  err) < 0 ||
	    dkl != CRYPTO_KEY_LEN) {
		cry_wipe(dk, CRYPTO_KEY_LEN);
		return error_set(err, ERR_CRYPTO, "data key does not unwrap (key or hash altered)");
	}
	return 0;
}

/* ---- compression dictionaries ---- */

static void dict_ad(unsigned char ad[20], uint32_t id)
{
	memset(ad, 0, 20);
	memcpy(ad, "custos-dict-v1", 14);
	put_u32be(ad + 16, id);
}

/* Reads dictionary id from the database and opens it into out. */
static int dict_load(struct store *s, uint32_t id, struct buf *out, struct error *err)
{
	sqlite3_stmt *st = db_stmt(s->db, "SELECT sealed FROM dicts WHERE id=?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		error_set(err, ERR_CORRUPT, "compression dictionary %u is missing", id);
		goto fail;
	}
	const unsigned char *sealed = sqlite3_column_blob(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	int alg = n > 1 ? wrap_alg_of_version(sealed[0]) : -1;
	unsigned char ad[20];
	dict_ad(ad, id);
	buf_reset(out);
	if (alg < 0 || n - 1 > DICT_MAX + CRYPTO_MAX_OVERHEAD ||
	    buf_reserve(out, n, err) < 0 ||
	    cry_aead_open(alg, s->master, ad, sizeof(ad), sealed + 1, n - 1, out->data, &out->len,
			  err) < 0) {
		error_set(err, ERR_CRYPTO, "compression dictionary %u does not open (altered)", id);
		goto fail;
	}
	rc = 0;
fail:
	sqlite3_reset(st);
	return rc;
}

static void dict_forget(struct store *s)
{
	ZSTD_freeCDict(s->cdict);
	s->cdict = NULL;
	s->cdict_id = 0;
	for (size_t i = 0; i < s->n_ddicts; i++)
		ZSTD_freeDDict(s->ddicts[i].ddict);
	s->n_ddicts = 0;
	buf_release(&s->samples);
	s->n_samples = 0;
}

/* Makes the newest committed dictionary the one new blobs use. */
static int dict_load_newest(struct store *s, struct error *err)
{
	sqlite3_stmt *st = db_stmt(s->db, "SELECT COALESCE(MAX(id), 0) FROM dicts", err);
	if (st == NULL)
		return -1;
	uint32_t id = sqlite3_step(st) == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (id == 0)
		return 0;
	struct buf d;
	buf_init(&d, DICT_MAX + 64);
	int rc = dict_load(s, id, &d, err);
	if (rc == 0) {
		s->cdict = ZSTD_createCDict(d.data, d.len, s->opts.zstd_level);
		s->cdict_id = s->cdict != NULL ? id : 0;
	}
	cry_wipe(d.data, d.cap);
	buf_release(&d);
	return rc;
}

static ZSTD_DDict *dict_for_reading(struct store *s, uint32_t id, struct error *err)
{
	for (size_t i = 0; i < s->n_ddicts; i++)
		if (s->ddicts[i].id == id)
			return s->ddicts[i].ddict;
	struct buf d;
	buf_init(&d, DICT_MAX + 64);
	ZSTD_DDict *dd = NULL;
	if (dict_load(s, id, &d, err) == 0) {
		dd = ZSTD_createDDict(d.data, d.len);
		if (dd == NULL)
			error_set(err, ERR_CORRUPT, "compression dictionary %u is malformed", id);
	}
	cry_wipe(d.data, d.cap);
	buf_release(&d);
	if (dd == NULL)
		return NULL;
	if (s->n_ddicts == DICT_CACHE) {
		ZSTD_freeDDict(s->ddicts[0].ddict);
		memmove(&s->ddicts[0], &s->ddicts[1], (DICT_CACHE - 1) * sizeof(s->ddicts[0]));
		s->n_ddicts--;
	}
	s->ddicts[s->n_ddicts].id = id;
	s->ddicts[s->n_ddicts++].ddict = dd;
	return dd;
}

/* Trains the archive's first dictionary once DICT_TRAIN_SAMPLES messages
 * were seen, inside the current transaction (store_rollback forgets it if
 * that transaction does not commit). Training failure is not an error:
 * blobs are then compressed without a dictionary. */
static int dict_sample(struct store *s, const unsigned char *p, size_t n, struct error *err)
{
	size_t take = n < DICT_SAMPLE_MAX ? n : DICT_SAMPLE_MAX;
	if (take == 0)
		return 0;
	if (s->samples.max == 0)
		buf_init(&s->samples, (size_t)DICT_TRAIN_SAMPLES * DICT_SAMPLE_MAX);
	if (buf_append(&s->samples, p, take, err) < 0)
		return -1;
	s->sample_sizes[s->n_samples++] = take;
	if (s->n_samples < DICT_TRAIN_SAMPLES)
		return 0;
	unsigned char *dict = xmalloc(DICT_SIZE);
	size_t len = ZDICT_trainFromBuffer(dict, DICT_SIZE, s->samples.data, s->sample_sizes,
					   (unsigned)s->n_samples);
	int rc = 0;
	cry_wipe(s->samples.data, s->samples.cap);
	buf_release(&s->samples);
	s->n_samples = 0;
	if (ZDICT_isError(len)) {
		s->dict_failed = 1;
		goto out;
	}
	sqlite3_stmt *st = db_stmt(s->db, "SELECT COALESCE(MAX(id), 0) + 1 FROM dicts", err);
	if (st == NULL) {
		rc = -1;
		goto out;
	}
	uint32_t id = sqlite3_step(st) == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 1;
	sqlite3_reset(st);
	int alg = s->opts.wrap_alg == AEAD_SM4CTR_HMACSM3 ? AEAD_SM4CTR_HMACSM3
							 : AEAD_XCHACHA20POLY1305;
	unsigned char ad[20];
	unsigned char *sealed = xmalloc(1 + len + CRYPTO_MAX_OVERHEAD);
	size_t sl = 0;
	sealed[0] = alg == AEAD_SM4CTR_HMACSM3 ? WRAP_V2_SM : WRAP_V1_XCHACHA;
	dict_ad(ad, id);
	rc = cry_aead_seal(alg, s->master, ad, sizeof(ad), dict, len, sealed + 1, &sl, err);
	if (rc == 0 && (st = db_stmt(s->db,
				      "INSERT INTO dicts(id, created, size, sealed) VALUES(?,?,?,?)",
				      err)) == NULL)
		rc = -1;
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
		sqlite3_bind_int64(st, 3, (int64_t)len);
		sqlite3_bind_blob(st, 4, sealed, (int)(1 + sl), SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(s->db, err, "insert dictionary");
		sqlite3_reset(st);
	}
	free(sealed);
	if (rc == 0) {
		s->cdict = ZSTD_createCDict(dict, len, s->opts.zstd_level);
		s->cdict_id = s->cdict != NULL ? id : 0;
	}
out:
	cry_wipe(dict, DICT_SIZE);
	free(dict);
	return rc;
}

static void fill_record_header(unsigned char h[STORE_RECORD_HEADER_LEN], int hash_alg,
			       int aead_alg, uint32_t dict_id, uint64_t raw_len,
			       uint64_t payload_len, const unsigned char hash[CRYPTO_HASH_LEN])
{
	memset(h, 0, STORE_RECORD_HEADER_LEN);
	put_u32be(h, STORE_RECORD_MAGIC);
	put_u16be(h + 4, 1);
	put_u16be(h + 6, STORE_RECORD_HEADER_LEN);
	h[8] = (unsigned char)hash_alg;
	h[9] = (unsigned char)aead_alg;
	h[10] = 1; /* zstd */
	put_u32be(h + 12, dict_id);
	put_u64be(h + 16, raw_len);
	put_u64be(h + 24, payload_len);
	memcpy(h + 32, hash, CRYPTO_HASH_LEN);
}

int store_put(struct store *s, const unsigned char *p, size_t n,
	      const unsigned char hash[CRYPTO_HASH_LEN], int64_t *blob_id_r, int *is_new_r,
	      uint64_t *stored_len_r, struct error *err)
{
	if (!s->writable)
		return error_set(err, ERR_INTERNAL, "store opened read-only");
	if (n > STORE_MAX_BLOB)
		return error_set(err, ERR_LIMIT, "blob of %zu bytes exceeds the store maximum", n);
	int found = store_lookup(s, hash, blob_id_r, err);
	if (found < 0)
		return -1;
	if (found) {
		*is_new_r = 0;
		if (stored_len_r != NULL)
			*stored_len_r = 0;
		return 0;
	}
	if (s->seg_id != 0 && s->seg_pending >= s->opts.segment_size &&
	    seal_segment(s, err) < 0)
		return -1;
	if (s->seg_id == 0 && new_segment(s, err) < 0)
		return -1;

	int rc = -1;
	unsigned char dk[CRYPTO_KEY_LEN];
	unsigned char *z = NULL, *rec = NULL;
	sqlite3_stmt *st = NULL;
	cry_random(dk, sizeof(dk));

	if (s->cdict == NULL && !s->dict_failed && dict_sample(s, p, n, err) < 0)
		goto fail;
	if (s->cctx == NULL)
		s->cctx = ZSTD_createCCtx();
	size_t zcap = ZSTD_compressBound(n);
	z = xmalloc(zcap);
	size_t zlen = s->cdict != NULL
			      ? ZSTD_compress_usingCDict(s->cctx, z, zcap, p, n, s->cdict)
			      : ZSTD_compressCCtx(s->cctx, z, zcap, p, n, s->opts.zstd_level);
	if (ZSTD_isError(zlen)) {
		error_set(err, ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(zlen));
		goto fail;
	}
	size_t payload_len = zlen + cry_aead_overhead(s->opts.aead_alg);
	rec = xmalloc(STORE_RECORD_HEADER_LEN + payload_len);
	fill_record_header(rec, s->opts.hash_alg, s->opts.aead_alg, s->cdict_id, n, payload_len,
			   hash);
	size_t sealed_len = 0;
	if (cry_aead_seal(s->opts.aead_alg, dk, rec, STORE_RECORD_HEADER_LEN, z, zlen,
			     rec + STORE_RECORD_HEADER_LEN, &sealed_len, err) < 0)
		goto fail;
	if (sealed_len != payload_len) {
		error_set(err, ERR_INTERNAL, "AEAD output length mismatch");
		goto fail;
	}
	uint64_t offset = s->seg_pending;
	size_t rec_len = STORE_RECORD_HEADER_LEN + payload_len;
	if (fs_pwrite_all(s->seg_fd, rec, rec_len, (off_t)offset, err) < 0)
		goto fail;

	unsigned char wrapped[WRAP_MAX_LEN];
	size_t wl = 0;
	if (wrap_key(s, dk, hash, wrapped, &wl, err) < 0)
		goto fail;

	if ((st = db_stmt(s->db, "INSERT INTO blobs(hash, hash_alg, size, stored, segment, offset,"
			       " aead_alg, wrapped_key, created) VALUES(?,?,?,?,?,?,?,?,?)", NULL)) == NULL) {
		db_fail(s->db, err, "insert blob");
		goto fail;
	}
	sqlite3_bind_blob(st, 1, hash, CRYPTO_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, s->opts.hash_alg);
	sqlite3_bind_int64(st, 3, (int64_t)n);
	sqlite3_bind_int64(st, 4, (int64_t)rec_len);
	sqlite3_bind_int64(st, 5, s->seg_id);
	sqlite3_bind_int64(st, 6, (int64_t)offset);
	sqlite3_bind_int(st, 7, s->opts.aead_alg);
	sqlite3_bind_blob(st, 8, wrapped, (int)wl, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(s->db, err, "insert blob");
		goto fail;
	}
	*blob_id_r = sqlite3_last_insert_rowid(s->db);
	*is_new_r = 1;
	if (stored_len_r != NULL)
		*stored_len_r = rec_len;
	s->seg_pending = offset + rec_len;
	s->seg_records++;
	s->dirty = 1;
	rc = 0;
fail:
	sqlite3_reset(st);
	cry_wipe(dk, sizeof(dk));
	free(z);
	free(rec);
	return rc;
}

int store_flush(struct store *s, struct error *err)
{
	if (!s->writable || !s->dirty || s->seg_id == 0) {
		s->dirty = 0;
		return 0;
	}
	char *path = segment_path(s, s->seg_id);
	int rc = fs_fsync_fd(s->seg_fd, path, err);
	free(path);
	if (rc < 0)
		return -1;
	sqlite3_stmt *st = NULL;
	if ((st = db_stmt(s->db, "UPDATE segments SET length=?, records=? WHERE id=?", NULL)) == NULL)
		return db_fail(s->db, err, "update segment");
	sqlite3_bind_int64(st, 1, (int64_t)s->seg_pending);
	sqlite3_bind_int64(st, 2, s->seg_records);
	sqlite3_bind_int64(st, 3, s->seg_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s->db, err, "update segment");
	sqlite3_reset(st);
	if (rc == 0) {
		/* Counted as committed once the caller's COMMIT succeeds; if it
		 * fails the caller calls store_rollback(), which re-reads. */
		s->seg_committed = s->seg_pending;
		s->dirty = 0;
	}
	return rc;
}

int store_record_parse(const unsigned char h[STORE_RECORD_HEADER_LEN], uint64_t offset,
		       uint64_t limit, struct store_record *r, struct error *err)
{
	if (offset > limit || limit - offset < STORE_RECORD_HEADER_LEN)
		return error_set(err, ERR_CORRUPT, "record header beyond the end of the segment");
	if (get_u32be(h) != STORE_RECORD_MAGIC || get_u16be(h + 4) != 1 ||
	    get_u16be(h + 6) != STORE_RECORD_HEADER_LEN)
		return error_set(err, ERR_CORRUPT, "no record header here (bad magic or version)");
	r->hash_alg = h[8];
	r->aead_alg = h[9];
	r->dict_id = get_u32be(h + 12);
	r->raw_len = get_u64be(h + 16);
	r->payload_len = get_u64be(h + 24);
	r->hash = h + 32;
	if ((r->hash_alg != HASH_SHA256 && r->hash_alg != HASH_SM3) || h[10] != 1 || h[11] != 0)
		return error_set(err, ERR_CORRUPT, "record names an unknown hash or compression");
	size_t overhead = cry_aead_overhead(r->aead_alg);
	if (overhead == 0)
		return error_set(err, ERR_CORRUPT, "record names an unknown cipher (%d)",
				 r->aead_alg);
	if (r->payload_len > limit - offset - STORE_RECORD_HEADER_LEN ||
	    r->payload_len < overhead || r->raw_len > STORE_MAX_BLOB ||
	    r->payload_len > STORE_MAX_BLOB + STORE_MAX_BLOB / 64 + 4096)
		return error_set(err, ERR_CORRUPT, "record lengths out of bounds");
	r->rec_len = STORE_RECORD_HEADER_LEN + r->payload_len;
	return 0;
}

int store_segment_header_parse(const unsigned char *p, size_t n, int64_t *id_r,
			       struct error *err)
{
	if (n < STORE_SEGMENT_HEADER_LEN || memcmp(p, STORE_SEGMENT_MAGIC, 8) != 0 ||
	    get_u16be(p + 8) != 1 || get_u16be(p + 10) != STORE_SEGMENT_HEADER_LEN)
		return error_set(err, ERR_CORRUPT, "bad segment header (magic or version)");
	uint64_t id = get_u64be(p + 16);
	if (id == 0 || id > INT64_MAX)
		return error_set(err, ERR_CORRUPT, "bad segment id in the header");
	*id_r = (int64_t)id;
	return 0;
}

/* Reads and opens one record at (fd, offset) that must hold `hash`. */
static int record_open(struct store *s, int fd, uint64_t offset, uint64_t limit,
		       const unsigned char hash[CRYPTO_HASH_LEN], const unsigned char *wrapped,
		       size_t wrapped_len, struct buf *out, uint64_t *rec_len_r, struct error *err)
{
	unsigned char h[STORE_RECORD_HEADER_LEN];
	struct store_record rh;
	if (offset > limit || limit - offset < STORE_RECORD_HEADER_LEN)
		return error_set(err, ERR_CORRUPT, "record header beyond the end of the segment");
	if (fs_pread_all(fd, h, sizeof(h), (off_t)offset, err) < 0 ||
	    store_record_parse(h, offset, limit, &rh, err) < 0)
		return -1;
	int hash_alg = rh.hash_alg, aead_alg = rh.aead_alg;
	uint64_t raw_len = rh.raw_len, payload_len = rh.payload_len;
	if (rec_len_r != NULL)
		*rec_len_r = rh.rec_len;
	if (memcmp(h + 32, hash, CRYPTO_HASH_LEN) != 0) {
		char want[2 * CRYPTO_HASH_LEN + 1], got[2 * CRYPTO_HASH_LEN + 1];
		hex_encode(want, hash, CRYPTO_HASH_LEN);
		hex_encode(got, h + 32, CRYPTO_HASH_LEN);
		return error_set(err, ERR_CORRUPT, "record holds blob %s, index expects %s", got,
				 want);
	}
	if (wrapped == NULL)
		return error_set(err, ERR_CRYPTO, "data key destroyed (blob shredded)");
	unsigned char dk[CRYPTO_KEY_LEN];
	if (unwrap_key(s, hash_alg, hash, wrapped, wrapped_len, dk, err) < 0)
		return -1;
	int rc = -1;
	unsigned char *payload = xmalloc((size_t)payload_len);
	unsigned char *z = xmalloc((size_t)payload_len);
	size_t zlen = 0;
	if (fs_pread_all(fd, payload, (size_t)payload_len,
			 (off_t)(offset + STORE_RECORD_HEADER_LEN), err) < 0)
		goto fail;
	if (cry_aead_open(aead_alg, dk, h, sizeof(h), payload, (size_t)payload_len, z, &zlen,
			     err) < 0)
		goto fail;
	unsigned long long content = ZSTD_getFrameContentSize(z, zlen);
	if (content != raw_len) {
		error_set(err, ERR_CORRUPT, "compressed frame size disagrees with the header");
		goto fail;
	}
	buf_reset(out);
	if (buf_reserve(out, (size_t)raw_len, err) < 0)
		goto fail;
	uint32_t dict_id = rh.dict_id;
	ZSTD_DDict *dd = NULL;
	if (dict_id != 0 && (dd = dict_for_reading(s, dict_id, err)) == NULL)
		goto fail;
	if (s->dctx == NULL)
		s->dctx = ZSTD_createDCtx();
	size_t got = dd != NULL ? ZSTD_decompress_usingDDict(s->dctx, out->data, (size_t)raw_len,
							      z, zlen, dd)
				: ZSTD_decompressDCtx(s->dctx, out->data, (size_t)raw_len, z, zlen);
	if (ZSTD_isError(got) || got != raw_len) {
		error_set(err, ERR_CORRUPT, "decompression failed");
		goto fail;
	}
	out->len = got;
	out->data[got] = '\0';
	unsigned char check[CRYPTO_HASH_LEN];
	if (cry_hash(hash_alg, out->data, out->len, check, err) < 0)
		goto fail;
	if (memcmp(check, hash, CRYPTO_HASH_LEN) != 0) {
		error_set(err, ERR_CORRUPT, "content does not hash to its address");
		goto fail;
	}
	rc = 0;
fail:
	cry_wipe(dk, sizeof(dk));
	free(payload);
	free(z);
	return rc;
}

struct blob_row {
	int64_t id;
	int64_t segment;
	int64_t offset;
	unsigned char hash[CRYPTO_HASH_LEN];
	unsigned char *wrapped;
	size_t wrapped_len;
	int seen;
};

static void blob_row_release(struct blob_row *r)
{
	free(r->wrapped);
	r->wrapped = NULL;
}

static int blob_row_read(sqlite3_stmt *st, struct blob_row *r, int col)
{
	r->id = sqlite3_column_int64(st, col);
	r->segment = sqlite3_column_int64(st, col + 1);
	r->offset = sqlite3_column_int64(st, col + 2);
	const void *h = sqlite3_column_blob(st, col + 3);
	if (h == NULL || sqlite3_column_bytes(st, col + 3) != CRYPTO_HASH_LEN)
		return -1;
	memcpy(r->hash, h, CRYPTO_HASH_LEN);
	const void *w = sqlite3_column_blob(st, col + 4);
	r->wrapped_len = (size_t)sqlite3_column_bytes(st, col + 4);
	r->wrapped = w != NULL ? xmalloc(r->wrapped_len) : NULL;
	if (w != NULL)
		memcpy(r->wrapped, w, r->wrapped_len);
	r->seen = 0;
	return 0;
}

int store_get(struct store *s, int64_t blob_id, struct buf *out, struct error *err)
{
	sqlite3_stmt *st = NULL;
	struct blob_row r = {0};
	uint64_t seg_len = 0;
	if ((st = db_stmt(s->db, "SELECT b.id, b.segment, b.offset, b.hash, b.wrapped_key, s.length"
			       " FROM blobs b JOIN segments s ON s.id=b.segment WHERE b.id=?", NULL)) == NULL)
		return db_fail(s->db, err, "query blob");
	sqlite3_bind_int64(st, 1, blob_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return error_set(err, ERR_NOTFOUND, "no blob %" PRId64, blob_id);
		return db_fail(s->db, err, "query blob");
	}
	if (blob_row_read(st, &r, 0) < 0) {
		sqlite3_reset(st);
		return error_set(err, ERR_CORRUPT, "blob %" PRId64 ": bad hash column", blob_id);
	}
	seg_len = (uint64_t)sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	char *path = segment_path(s, r.segment);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno(err, "open %s", path);
		rc = -1;
	} else {
		rc = record_open(s, fd, (uint64_t)r.offset, seg_len, r.hash, r.wrapped,
				 r.wrapped_len, out, NULL, err);
		if (rc < 0)
			error_prefix(err, "blob %" PRId64 " (%s offset %" PRId64 ")", blob_id, path,
				     r.offset);
		close(fd);
	}
	free(path);
	blob_row_release(&r);
	return rc;
}

/* ---- verification ---- */

struct verify_state {
	struct store *s;
	store_fault_cb on_fault;
	store_progress_cb on_progress;
	void *ctx;
	uint64_t done, total;
	uint64_t blobs;
	int stop;
};

static void fault(struct verify_state *v, int64_t seg, const char *path, int64_t off,
		  int64_t blob_id, const unsigned char *hash, const char *what)
{
	char hex[2 * CRYPTO_HASH_LEN + 1];
	if (hash != NULL)
		hex_encode(hex, hash, CRYPTO_HASH_LEN);
	struct store_fault f = {seg, path, off, blob_id, hash ? hex : NULL, what};
	if (v->on_fault(v->ctx, &f) < 0)
		v->stop = 1;
}

static int cmp_row_offset(const void *a, const void *b)
{
	const struct blob_row *x = a, *y = b;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

static struct blob_row *find_row(struct blob_row *rows, size_t n, int64_t offset)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rows[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && rows[lo].offset == offset ? &rows[lo] : NULL;
}

static int verify_segment(struct verify_state *v, int64_t seg, const char *state,
			  uint64_t length, int64_t records, const void *digest, int digest_len,
			  int64_t min_blob_id, struct error *err)
{
	struct store *s = v->s;
	char *path = segment_path(s, seg);
	struct blob_row *rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	struct buf out;
	buf_init(&out, STORE_MAX_BLOB);
	int rc = -1, fd = -1;

	if ((st = db_stmt(s->db, "SELECT id, segment, offset, hash, wrapped_key FROM blobs"
			       " WHERE segment=? ORDER BY offset", NULL)) == NULL) {
		db_fail(s->db, err, "query blobs");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, seg);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap)
			rows = xrealloc(rows, (cap = cap ? cap * 2 : 256) * sizeof(*rows));
		if (blob_row_read(st, &rows[n], 0) < 0) {
			fault(v, seg, path, -1, sqlite3_column_int64(st, 0), NULL,
			      "index row has a malformed hash");
			continue;
		}
		n++;
	}
	if (step != SQLITE_DONE) {
		db_fail(s->db, err, "query blobs");
		goto fail;
	}
	qsort(rows, n, sizeof(*rows), cmp_row_offset);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fault(v, seg, path, -1, 0, NULL, "segment file is missing or unreadable");
		rc = 0;
		goto fail;
	}
	struct stat stt;
	if (fstat(fd, &stt) < 0) {
		error_errno(err, "stat %s", path);
		goto fail;
	}
	uint64_t size = (uint64_t)stt.st_size;
	if (size < length) {
		char what[160];
		snprintf(what, sizeof(what),
			 "segment truncated: %" PRIu64 " bytes on disk, %" PRIu64 " committed",
			 size, length);
		fault(v, seg, path, (int64_t)size, 0, NULL, what);
	} else if (size > length && strcmp(state, "sealed") == 0) {
		fault(v, seg, path, (int64_t)length, 0, NULL,
		      "sealed segment has bytes past its sealed length");
	}
	uint64_t limit = size < length ? size : length;
	unsigned char sh[STORE_SEGMENT_HEADER_LEN];
	struct error e2 = ERROR_INIT;
	int64_t hdr_id = 0;
	if (limit < STORE_SEGMENT_HEADER_LEN ||
	    fs_pread_all(fd, sh, sizeof(sh), 0, &e2) < 0 ||
	    store_segment_header_parse(sh, sizeof(sh), &hdr_id, &e2) < 0 || hdr_id != seg)
		fault(v, seg, path, 0, 0, NULL, "bad segment header (magic or segment id)");
	if (strcmp(state, "sealed") == 0 && size >= length) {
		unsigned char d[CRYPTO_HASH_LEN];
		if (digest_file(s, fd, length, d, &e2) < 0 || digest == NULL ||
		    digest_len != CRYPTO_HASH_LEN || memcmp(d, digest, CRYPTO_HASH_LEN) != 0)
			fault(v, seg, path, -1, 0, NULL,
			      "sealed segment digest does not match (segment altered)");
	}

	/* Walk the records in order: each must be exactly the one the index
	 * names at that offset. */
	uint64_t off = STORE_SEGMENT_HEADER_LEN;
	int64_t walked = 0;
	while (off < limit && !v->stop) {
		unsigned char h[STORE_RECORD_HEADER_LEN];
		struct store_record rh;
		if (limit - off < STORE_RECORD_HEADER_LEN ||
		    fs_pread_all(fd, h, sizeof(h), (off_t)off, &e2) < 0 ||
		    get_u32be(h) != STORE_RECORD_MAGIC) {
			fault(v, seg, path, (int64_t)off, 0, NULL,
			      "no valid record header: the record chain is broken here");
			break;
		}
		uint64_t payload_len = get_u64be(h + 24);
		if (payload_len > limit - off - STORE_RECORD_HEADER_LEN) {
			fault(v, seg, path, (int64_t)off, 0, h + 32,
			      "record length runs past the committed end");
			break;
		}
		/* A damaged field other than the length: report it, and keep
		 * walking, since the length still leads to the next record. */
		if (store_record_parse(h, off, limit, &rh, &e2) < 0)
			fault(v, seg, path, (int64_t)off, 0, h + 32, e2.msg);
		uint64_t rec_len = STORE_RECORD_HEADER_LEN + payload_len;
		struct blob_row *r = find_row(rows, n, (int64_t)off);
		walked++;
		if (r == NULL) {
			fault(v, seg, path, (int64_t)off, 0, h + 32,
			      "record is not in the index (inserted or moved)");
		} else {
			r->seen = 1;
			if (r->id >= min_blob_id) {
				e2.msg[0] = '\0';
				if (record_open(s, fd, off, limit, r->hash, r->wrapped,
						r->wrapped_len, &out, NULL, &e2) < 0)
					fault(v, seg, path, (int64_t)off, r->id, r->hash, e2.msg);
				v->blobs++;
			}
		}
		off += rec_len;
		v->done += rec_len;
		if (v->on_progress != NULL)
			v->on_progress(v->ctx, v->done, v->total);
	}
	if (!v->stop && off == limit && walked != records && size >= length) {
		char what[128];
		snprintf(what, sizeof(what), "segment holds %" PRId64 " records, index says %" PRId64,
			 walked, records);
		fault(v, seg, path, -1, 0, NULL, what);
	}
	for (size_t i = 0; i < n && !v->stop; i++) {
		if (!rows[i].seen)
			fault(v, seg, path, rows[i].offset, rows[i].id, rows[i].hash,
			      "index names a blob at this offset, but no record starts there");
	}
	rc = 0;
fail:
	if (fd >= 0)
		close(fd);
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++)
		blob_row_release(&rows[i]);
	free(rows);
	free(path);
	buf_release(&out);
	return rc;
}

int store_verify(struct store *s, int64_t min_blob_id, store_fault_cb on_fault,
		 store_progress_cb on_progress, void *ctx, uint64_t *blobs_r, struct error *err)
{
	struct verify_state v = {s, on_fault, on_progress, ctx, 0, 0, 0, 0};
	sqlite3_stmt *st = NULL;
	if ((st = db_stmt(s->db, "SELECT COALESCE(SUM(length),0) FROM segments", NULL)) != NULL &&
	    sqlite3_step(st) == SQLITE_ROW)
		v.total = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = db_stmt(s->db, "SELECT id, state, length, records, digest FROM segments ORDER BY id", NULL)) == NULL)
		return db_fail(s->db, err, "query segments");
	int rc = 0, step;
	while (!v.stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 1);
		char *state_copy = xstrdup(state ? state : "");
		rc = verify_segment(&v, sqlite3_column_int64(st, 0), state_copy,
				    (uint64_t)sqlite3_column_int64(st, 2),
				    sqlite3_column_int64(st, 3), sqlite3_column_blob(st, 4),
				    sqlite3_column_bytes(st, 4), min_blob_id, err);
		free(state_copy);
		if (rc < 0)
			break;
	}
	sqlite3_reset(st);
	/* Rows naming segments that do not exist. */
	if (rc == 0 && !v.stop &&
	    (st = db_stmt(s->db, "SELECT b.id, b.segment, b.offset, b.hash FROM blobs b"
			       " LEFT JOIN segments s ON s.id=b.segment WHERE s.id IS NULL", NULL)) != NULL) {
		while (sqlite3_step(st) == SQLITE_ROW && !v.stop) {
			const void *h = sqlite3_column_blob(st, 3);
			fault(&v, sqlite3_column_int64(st, 1), NULL, sqlite3_column_int64(st, 2),
			      sqlite3_column_int64(st, 0),
			      sqlite3_column_bytes(st, 3) == CRYPTO_HASH_LEN ? h : NULL,
			      "index names a segment that does not exist");
		}
		sqlite3_reset(st);
	}
	if (blobs_r != NULL)
		*blobs_r = v.blobs;
	return rc;
}
