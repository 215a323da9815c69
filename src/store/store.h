/*
 * store.h - content-addressed, compressed, encrypted blob store on
 * append-only segment files (format: doc/formats/store.md).
 *
 * A blob is the exact bytes of one message. Its address is the hash of
 * those bytes; the same bytes are stored once. Each blob is zstd-compressed
 * and sealed with an AEAD under its own random data key; the data key is
 * wrapped by the master key and kept in the database (blobs.wrapped_key),
 * not in the segment, so that deleting it destroys the blob even on WORM
 * media (crypto-shredding).
 *
 * Durability protocol (the caller owns the SQLite transaction):
 *   BEGIN; store_put()...; store_flush(); COMMIT;
 * store_put appends records past the committed length of the active
 * segment; store_flush fsyncs the segment and records its new committed
 * length in the same transaction. Bytes past the committed length are
 * leftovers of a crash before COMMIT: store_open(writable) truncates them.
 */
#ifndef CUSTOS_STORE_STORE_H
#define CUSTOS_STORE_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/crypto.h"

#define STORE_SEGMENT_MAGIC "CUSTOSSG"
#define STORE_SEGMENT_HEADER_LEN 32
#define STORE_RECORD_MAGIC 0x43424C42u /* "CBLB" */
#define STORE_RECORD_HEADER_LEN 64
#define STORE_MAX_BLOB ((uint64_t)16 << 30)

struct store_opts {
	uint64_t segment_size;
	int zstd_level;
	int aead_alg; /* for new blobs; each record names its own */
	int hash_alg; /* the archive's: blob addresses, sealed segment digests */
	/* AEAD that wraps new data keys under the master key:
	 * AEAD_XCHACHA20POLY1305 (0 also means this) or AEAD_SM4CTR_HMACSM3.
	 * Each wrapped key names its own (version byte), so reading never
	 * depends on this. */
	int wrap_alg;
};

/* A record header, parsed and bounds-checked (doc/formats/store.md). */
struct store_record {
	int hash_alg;
	int aead_alg;
	uint32_t dict_id;
	uint64_t raw_len;
	uint64_t payload_len;
	uint64_t rec_len;          /* header + payload */
	const unsigned char *hash; /* CRYPTO_HASH_LEN bytes inside the header */
};

/* Parses the record header h found at offset of a segment whose valid bytes
 * end at limit. Hostile input: every field is checked, lengths against
 * limit, without overflow. 0 ok; -1 with ERR_CORRUPT and a reason. */
int store_record_parse(const unsigned char h[STORE_RECORD_HEADER_LEN], uint64_t offset,
		       uint64_t limit, struct store_record *r, struct error *err);
/* Checks a segment header (first STORE_SEGMENT_HEADER_LEN bytes). */
int store_segment_header_parse(const unsigned char *p, size_t n, int64_t *id_r,
			       struct error *err);

struct store;

/* Creates the store's tables (inside the caller's transaction). */
int store_schema(sqlite3 *db, struct error *err);

/* Opens the store of an archive directory. db and master_key are borrowed
 * for the life of the store. writable: repairs uncommitted tails and allows
 * store_put. */
int store_open(struct store **s_r, const char *archive_dir, sqlite3 *db,
	       const unsigned char master_key[CRYPTO_KEY_LEN], const struct store_opts *opts,
	       int writable, struct error *err);
void store_close(struct store *s);

/* Looks a blob up by hash: 1 found (*blob_id_r set), 0 not found. */
int store_lookup(struct store *s, const unsigned char hash[CRYPTO_HASH_LEN], int64_t *blob_id_r,
		 struct error *err);
/* Stores p[0..n) whose hash (opts.hash_alg) the caller computed, unless
 * present. *is_new_r tells which. Within the caller's transaction. */
int store_put(struct store *s, const unsigned char *p, size_t n,
	      const unsigned char hash[CRYPTO_HASH_LEN], int64_t *blob_id_r, int *is_new_r,
	      uint64_t *stored_len_r, struct error *err);
/* Makes every store_put since the last flush durable; call before COMMIT. */
int store_flush(struct store *s, struct error *err);
/* After a failed transaction (ROLLBACK): forget uncommitted appends. */
void store_rollback(struct store *s);
/* Reads, decrypts, decompresses and hash-checks a blob into out. */
int store_get(struct store *s, int64_t blob_id, struct buf *out, struct error *err);

/* Verification: every fault found is reported through this callback with
 * the exact location; returning -1 from it stops. */
struct store_fault {
	int64_t segment;     /* segment id, or 0 */
	const char *path;    /* segment file, or NULL */
	int64_t offset;      /* byte offset in the segment, or -1 */
	int64_t blob_id;     /* blobs.id, or 0 */
	const char *hash_hex;/* blob address, or NULL */
	const char *what;
};
typedef int (*store_fault_cb)(void *ctx, const struct store_fault *f);
typedef void (*store_progress_cb)(void *ctx, uint64_t done, uint64_t total);
/* Checks every segment record by record and every blob row: decrypts,
 * decompresses and re-hashes each blob; checks sealed segment digests and
 * that rows and records agree one to one. min_blob_id > 0 limits the blob
 * checks to newer blobs (verify --since). *blobs_r counts blobs checked. */
int store_verify(struct store *s, int64_t min_blob_id, store_fault_cb on_fault,
		 store_progress_cb on_progress, void *ctx, uint64_t *blobs_r, struct error *err);

#endif
