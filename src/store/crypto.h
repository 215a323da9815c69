/*
 * crypto.h - the algorithm-agile primitives of the store and ledger.
 *
 * Every stored object records the identifiers below, so an archive can hold
 * objects of several suites at once and new suites can be added without
 * rewriting old data (20-year retention outlives algorithm choices).
 * Identifiers are stored on disk: never renumber them.
 */
#ifndef CUSTOS_STORE_CRYPTO_H
#define CUSTOS_STORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CRYPTO_HASH_LEN 32   /* both SHA-256 and SM3 */
#define CRYPTO_KEY_LEN 32
#define CRYPTO_MAX_NONCE 24
#define CRYPTO_TAG_LEN 16

enum crypto_hash_alg {
	HASH_SHA256 = 1,
	HASH_SM3 = 2,
};

enum crypto_aead_alg {
	AEAD_XCHACHA20POLY1305 = 1, /* libsodium, 24-byte random nonce */
	AEAD_AES256GCM = 2,         /* libsodium (needs AES-NI), 12-byte random nonce */
	AEAD_SM4CTR_HMACSM3 = 3,    /* OpenSSL: encrypt-then-MAC (reserved, see doc) */
};

enum crypto_sig_alg {
	SIG_ED25519 = 1,
	SIG_SM2 = 2, /* reserved */
};

int cry_init(struct error *err);
const char *cry_hash_name(int alg);
const char *cry_aead_name(int alg);
int cry_aead_by_name(const char *name);

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

size_t cry_aead_nonce_len(int alg);
/* out receives nonce || ciphertext || tag: n + nonce_len + CRYPTO_TAG_LEN bytes. */
int cry_aead_seal(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const void *p, size_t n, unsigned char *out, size_t *out_len_r,
		     struct error *err);
/* in is nonce || ciphertext || tag; out receives in_len - overhead bytes. */
int cry_aead_open(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const unsigned char *in, size_t in_len, unsigned char *out,
		     size_t *out_len_r, struct error *err);
size_t cry_aead_overhead(int alg);

void cry_random(void *p, size_t n);
void cry_wipe(void *p, size_t n);

/* Signatures for ledger checkpoints. */
#define CRYPTO_SIG_MAX 64
#define CRYPTO_PK_MAX 32
#define CRYPTO_SK_MAX 64
int cry_sign_keypair(int alg, unsigned char *pk, unsigned char *sk, struct error *err);
int cry_sign(int alg, const unsigned char *sk, const void *msg, size_t n,
		unsigned char *sig, size_t *sig_len_r, struct error *err);
/* 0 if the signature is valid, -1 (ERR_CRYPTO) if not. */
int cry_verify(int alg, const unsigned char *pk, const void *msg, size_t n,
		  const unsigned char *sig, size_t sig_len, struct error *err);

/* Base64 (standard alphabet, padded) for keys and signatures in text. */
char *cry_b64_encode(const unsigned char *p, size_t n); /* caller frees */
/* Decodes into out (cap bytes); -1 on bad input or overflow. */
int cry_b64_decode(const char *s, unsigned char *out, size_t cap, size_t *len_r);

#endif
