/*
 * crypto.h - the algorithm-agile primitives of the store and ledger.
 *
 * Every stored object records the identifiers below, so an archive can hold
 * objects of several suites at once and new suites can be added without
 * rewriting old data (20-year retention outlives algorithm choices).
 * Identifiers are stored on disk: never renumber them.
 *
 * Two suites exist (doc/formats/store.md):
 *   default  SHA-256, XChaCha20-Poly1305 (or AES-256-GCM), Ed25519 (libsodium)
 *   sm       SM3, SM4-CTR + HMAC-SM3, SM2 with SM3 (GB/T 39786; OpenSSL 3)
 */
#ifndef CUSTOS_STORE_CRYPTO_H
#define CUSTOS_STORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CRYPTO_HASH_LEN 32   /* both SHA-256 and SM3 */
#define CRYPTO_KEY_LEN 32    /* every AEAD takes a 256-bit key */
#define CRYPTO_MAX_NONCE 24
#define CRYPTO_TAG_LEN 16    /* the Poly1305 / GCM tag */
#define CRYPTO_MAX_TAG 32    /* the HMAC-SM3 tag of AEAD_SM4CTR_HMACSM3 */
#define CRYPTO_MAX_OVERHEAD 48 /* largest cry_aead_overhead() */

enum crypto_hash_alg {
	HASH_SHA256 = 1,
	HASH_SM3 = 2,
};

enum crypto_aead_alg {
	AEAD_XCHACHA20POLY1305 = 1, /* libsodium, 24-byte random nonce, 16-byte tag */
	AEAD_AES256GCM = 2,         /* libsodium (needs AES-NI), 12-byte random nonce */
	AEAD_SM4CTR_HMACSM3 = 3,    /* OpenSSL: encrypt-then-MAC, 16-byte IV, 32-byte tag */
};

enum crypto_sig_alg {
	SIG_ED25519 = 1,
	SIG_SM2 = 2, /* SM2 with SM3, ID "1234567812345678" (GM/T 0009), DER signature */
};

int cry_init(struct error *err);

/* Names as written in files, JSON and the archive's meta table; the
 * by_name functions return -1 for an unknown name. */
const char *cry_hash_name(int alg);
const char *cry_aead_name(int alg);
const char *cry_sig_name(int alg);
int cry_hash_by_name(const char *name);
int cry_aead_by_name(const char *name);
int cry_sig_by_name(const char *name);

/* Incremental hashing (for large inputs and multi-part ledger leaves). */
struct cry_hash_ctx {
	int alg;
	void *evp;                /* OpenSSL EVP_MD_CTX for SM3, else NULL */
	unsigned char state[512]; /* large enough for libsodium's state */
};
int cry_hash_init(struct cry_hash_ctx *h, int alg, struct error *err);
void cry_hash_update(struct cry_hash_ctx *h, const void *p, size_t n);
void cry_hash_final(struct cry_hash_ctx *h, unsigned char out[CRYPTO_HASH_LEN]);
int cry_hash(int alg, const void *p, size_t n, unsigned char out[CRYPTO_HASH_LEN],
		struct error *err);

/* Per-algorithm sizes; 0 for an unknown algorithm. */
size_t cry_aead_nonce_len(int alg);
size_t cry_aead_tag_len(int alg);
/* nonce_len + tag_len: what sealing adds to the plaintext length. */
size_t cry_aead_overhead(int alg);
/* out receives nonce || ciphertext || tag: n + cry_aead_overhead(alg) bytes.
 * The key is used as is for XChaCha20-Poly1305 and AES-256-GCM; for
 * SM4-CTR + HMAC-SM3 an encryption and a MAC key are derived from it. */
int cry_aead_seal(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const void *p, size_t n, unsigned char *out, size_t *out_len_r,
		     struct error *err);
/* in is nonce || ciphertext || tag; out receives in_len - overhead bytes.
 * On failure out may hold garbage: callers must ignore it. */
int cry_aead_open(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const unsigned char *in, size_t in_len, unsigned char *out,
		     size_t *out_len_r, struct error *err);

void cry_random(void *p, size_t n);
void cry_wipe(void *p, size_t n);

/* Signatures for ledger checkpoints. Raw key encodings:
 *   Ed25519  public 32 bytes; secret 64 bytes (seed || public, libsodium)
 *   SM2      public 65 bytes (uncompressed point 04 || x || y);
 *            secret 32 bytes (the private scalar, big-endian)
 * Signatures: Ed25519 64 bytes; SM2 DER SEQUENCE{r, s}, at most 72 bytes. */
#define CRYPTO_SIG_MAX 72
#define CRYPTO_PK_MAX 65
#define CRYPTO_SK_MAX 64
size_t cry_sig_pk_len(int alg);
size_t cry_sig_sk_len(int alg);
/* pk receives cry_sig_pk_len(alg) bytes, sk cry_sig_sk_len(alg). */
int cry_sign_keypair(int alg, unsigned char *pk, unsigned char *sk, struct error *err);
/* 0 if sk is the secret half of pk; -1 (ERR_CRYPTO) if not. */
int cry_sign_check_pair(int alg, const unsigned char *sk, const unsigned char *pk,
			struct error *err);
/* Signs msg with the key pair (sk, pk); SM2 needs the public key for its
 * Z value, Ed25519 ignores pk. sig has room for CRYPTO_SIG_MAX bytes. */
int cry_sign(int alg, const unsigned char *sk, const unsigned char *pk, const void *msg,
	     size_t n, unsigned char *sig, size_t *sig_len_r, struct error *err);
/* 0 if the signature is valid, -1 (ERR_CRYPTO) if not. */
int cry_verify(int alg, const unsigned char *pk, const void *msg, size_t n,
		  const unsigned char *sig, size_t sig_len, struct error *err);

/* Base64 (standard alphabet, padded) for keys and signatures in text. */
char *cry_b64_encode(const unsigned char *p, size_t n); /* caller frees */
/* Decodes into out (cap bytes); -1 on bad input or overflow. */
int cry_b64_decode(const char *s, unsigned char *out, size_t cap, size_t *len_r);

#endif
