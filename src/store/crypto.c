/*
 * crypto.c - hashing, AEAD, signatures and base64 over libsodium (the
 * default suite) and OpenSSL 3 (the SM suite). See crypto.h; formats in
 * doc/formats/store.md and doc/formats/ledger.md.
 *
 * Nonces are random (XChaCha20's 192-bit nonce makes collisions negligible;
 * for AES-GCM and SM4-CTR each data key encrypts exactly one blob, so the
 * random nonce is used once per key).
 *
 * AEAD_SM4CTR_HMACSM3 (GB/T 32907 SM4, GB/T 32905 SM3; OpenSSL 3.0 has no
 * SM4-GCM or SM4-CCM), encrypt-then-MAC:
 *   enc_key = first 16 bytes of HMAC-SM3(key, "custos-sm4ctr-hmacsm3/enc")
 *   mac_key = HMAC-SM3(key, "custos-sm4ctr-hmacsm3/mac")       (32 bytes)
 *   iv      = 16 random bytes, the initial 128-bit big-endian counter block
 *   c       = SM4-CTR(enc_key, iv, plaintext)
 *   tag     = HMAC-SM3(mac_key, u64be(len(ad)) || ad || iv || c)  (32 bytes)
 *   output  = iv || c || tag
 * The tag is compared in constant time before anything is decrypted.
 *
 * SIG_SM2 (GB/T 32918.2): SM2 signatures with SM3 over Z || message, Z
 * computed with the default distinguishing identifier "1234567812345678"
 * (GM/T 0009), set explicitly so that the result does not depend on the
 * OpenSSL version's default. Signatures are DER SEQUENCE{r, s}.
 */
#include "store/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

_Static_assert(sizeof(crypto_hash_sha256_state) <= 512, "hash state too small");

#define SM_IV_LEN 16
#define SM_TAG_LEN 32
#define SM_ENC_KEY_LEN 16
/* EVP_EncryptUpdate takes an int length: larger inputs go in chunks. */
#define SM_CHUNK (1 << 30)
#define SM2_PK_LEN 65
#define SM2_SK_LEN 32
#define SM2_ID "1234567812345678"

_Static_assert(SM_IV_LEN <= CRYPTO_MAX_NONCE && SM_TAG_LEN <= CRYPTO_MAX_TAG &&
		       SM_IV_LEN + SM_TAG_LEN <= CRYPTO_MAX_OVERHEAD &&
		       24 + CRYPTO_TAG_LEN <= CRYPTO_MAX_OVERHEAD,
	       "AEAD size limits");
_Static_assert(SM2_PK_LEN <= CRYPTO_PK_MAX && crypto_sign_ed25519_PUBLICKEYBYTES <= CRYPTO_PK_MAX &&
		       crypto_sign_ed25519_SECRETKEYBYTES <= CRYPTO_SK_MAX &&
		       crypto_sign_ed25519_BYTES <= CRYPTO_SIG_MAX,
	       "signature size limits");

/* Reports the oldest queued OpenSSL error (if any) and empties the queue,
 * so that a later failure is not blamed on an old error. */
static int ossl_fail(struct error *err, const char *what)
{
	char detail[256] = "no detail";
	unsigned long e = ERR_get_error();
	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	ERR_clear_error();
	return error_set(err, ERR_CRYPTO, "%s (OpenSSL: %s)", what, detail);
}

int cry_init(struct error *err)
{
	if (sodium_init() < 0)
		return error_set(err, ERR_CRYPTO, "libsodium failed to initialise");
	return 0;
}

/* The stored algorithm identifiers and their names, one table per kind. */
struct alg_name {
	int id;
	const char *name;
};
static const struct alg_name hash_names[] = {
	{HASH_SHA256, "sha256"}, {HASH_SM3, "sm3"}, {0, NULL}};
static const struct alg_name aead_names[] = {{AEAD_XCHACHA20POLY1305, "xchacha20poly1305"},
					      {AEAD_AES256GCM, "aes256gcm"},
					      {AEAD_SM4CTR_HMACSM3, "sm4ctr-hmacsm3"},
					      {0, NULL}};
static const struct alg_name sig_names[] = {
	{SIG_ED25519, "ed25519"}, {SIG_SM2, "sm2"}, {0, NULL}};

static const char *name_of(const struct alg_name *t, int id)
{
	for (; t->name != NULL; t++)
		if (t->id == id)
			return t->name;
	return "unknown";
}

static int id_of(const struct alg_name *t, const char *name)
{
	for (; name != NULL && t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t->id;
	return -1;
}

const char *cry_hash_name(int alg)
{
	return name_of(hash_names, alg);
}

const char *cry_aead_name(int alg)
{
	return name_of(aead_names, alg);
}

const char *cry_sig_name(int alg)
{
	return name_of(sig_names, alg);
}

int cry_hash_by_name(const char *name)
{
	return id_of(hash_names, name);
}

int cry_aead_by_name(const char *name)
{
	return id_of(aead_names, name);
}

int cry_sig_by_name(const char *name)
{
	return id_of(sig_names, name);
}

/* ---- hashing ---- */

int cry_hash_init(struct cry_hash_ctx *h, int alg, struct error *err)
{
	h->alg = alg;
	h->evp = NULL;
	if (alg == HASH_SHA256) {
		crypto_hash_sha256_init((crypto_hash_sha256_state *)(void *)h->state);
		return 0;
	}
	if (alg == HASH_SM3) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sm3(), NULL) != 1) {
			EVP_MD_CTX_free(ctx);
			return ossl_fail(err, "OpenSSL has no SM3");
		}
		h->evp = ctx;
		return 0;
	}
	return error_set(err, ERR_CRYPTO, "hash algorithm %d is not supported", alg);
}

void cry_hash_update(struct cry_hash_ctx *h, const void *p, size_t n)
{
	if (h->evp != NULL)
		EVP_DigestUpdate(h->evp, p, n);
	else
		crypto_hash_sha256_update((crypto_hash_sha256_state *)(void *)h->state, p, n);
}

void cry_hash_final(struct cry_hash_ctx *h, unsigned char out[CRYPTO_HASH_LEN])
{
	if (h->evp != NULL) {
		unsigned int len = 0;
		EVP_DigestFinal_ex(h->evp, out, &len);
		EVP_MD_CTX_free(h->evp);
		h->evp = NULL;
		return;
	}
	crypto_hash_sha256_final((crypto_hash_sha256_state *)(void *)h->state, out);
}

int cry_hash(int alg, const void *p, size_t n, unsigned char out[CRYPTO_HASH_LEN],
		struct error *err)
{
	struct cry_hash_ctx h;
	if (cry_hash_init(&h, alg, err) < 0)
		return -1;
	cry_hash_update(&h, p, n);
	cry_hash_final(&h, out);
	return 0;
}

/* ---- AEAD ---- */

size_t cry_aead_nonce_len(int alg)
{
	switch (alg) {
	case AEAD_XCHACHA20POLY1305: return crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	case AEAD_AES256GCM: return crypto_aead_aes256gcm_NPUBBYTES;
	case AEAD_SM4CTR_HMACSM3: return SM_IV_LEN;
	}
	return 0;
}

size_t cry_aead_tag_len(int alg)
{
	switch (alg) {
	case AEAD_XCHACHA20POLY1305: return crypto_aead_xchacha20poly1305_ietf_ABYTES;
	case AEAD_AES256GCM: return crypto_aead_aes256gcm_ABYTES;
	case AEAD_SM4CTR_HMACSM3: return SM_TAG_LEN;
	}
	return 0;
}

size_t cry_aead_overhead(int alg)
{
	return cry_aead_nonce_len(alg) + cry_aead_tag_len(alg);
}

static int check_alg(int alg, struct error *err)
{
	if (alg == AEAD_XCHACHA20POLY1305 || alg == AEAD_SM4CTR_HMACSM3)
		return 0;
	if (alg == AEAD_AES256GCM) {
		if (!crypto_aead_aes256gcm_is_available())
			return error_set(err, ERR_CRYPTO,
					 "aes256gcm needs AES-NI, which this CPU lacks");
		return 0;
	}
	return error_set(err, ERR_CRYPTO, "AEAD algorithm %d is not supported", alg);
}

struct part {
	const void *p;
	size_t n;
};

static int hmac_sm3(const unsigned char *key, size_t key_len, const struct part *parts,
		    size_t n_parts, unsigned char out[CRYPTO_HASH_LEN], struct error *err)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t len = 0;
	int rc = -1;
	if (ctx == NULL || EVP_MAC_init(ctx, key, key_len, params) != 1) {
		ossl_fail(err, "HMAC-SM3 is not available");
		goto fail;
	}
	for (size_t i = 0; i < n_parts; i++) {
		if (parts[i].n > 0 && EVP_MAC_update(ctx, parts[i].p, parts[i].n) != 1) {
			ossl_fail(err, "HMAC-SM3 failed");
			goto fail;
		}
	}
	if (EVP_MAC_final(ctx, out, &len, CRYPTO_HASH_LEN) != 1 || len != CRYPTO_HASH_LEN) {
		ossl_fail(err, "HMAC-SM3 failed");
		goto fail;
	}
	rc = 0;
fail:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

static int sm_derive(const unsigned char key[CRYPTO_KEY_LEN], unsigned char enc[SM_ENC_KEY_LEN],
		     unsigned char mac[CRYPTO_HASH_LEN], struct error *err)
{
	static const char enc_label[] = "custos-sm4ctr-hmacsm3/enc";
	static const char mac_label[] = "custos-sm4ctr-hmacsm3/mac";
	const struct part pe = {enc_label, sizeof(enc_label) - 1};
	const struct part pm = {mac_label, sizeof(mac_label) - 1};
	unsigned char t[CRYPTO_HASH_LEN];
	int rc = -1;
	if (hmac_sm3(key, CRYPTO_KEY_LEN, &pe, 1, t, err) == 0 &&
	    hmac_sm3(key, CRYPTO_KEY_LEN, &pm, 1, mac, err) == 0) {
		memcpy(enc, t, SM_ENC_KEY_LEN);
		rc = 0;
	}
	cry_wipe(t, sizeof(t));
	return rc;
}

/* CTR mode: encryption and decryption are the same operation. */
static int sm4_ctr(const unsigned char key[SM_ENC_KEY_LEN], const unsigned char iv[SM_IV_LEN],
		   const unsigned char *in, size_t n, unsigned char *out, struct error *err)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int rc = -1, outl = 0;
	if (c == NULL || EVP_EncryptInit_ex(c, EVP_sm4_ctr(), NULL, key, iv) != 1) {
		ossl_fail(err, "SM4-CTR is not available");
		goto fail;
	}
	while (n > 0) {
		int chunk = n > SM_CHUNK ? SM_CHUNK : (int)n;
		if (EVP_EncryptUpdate(c, out, &outl, in, chunk) != 1 || outl != chunk) {
			ossl_fail(err, "SM4-CTR failed");
			goto fail;
		}
		in += chunk;
		out += chunk;
		n -= (size_t)chunk;
	}
	if (EVP_EncryptFinal_ex(c, out, &outl) != 1 || outl != 0) {
		ossl_fail(err, "SM4-CTR failed");
		goto fail;
	}
	rc = 0;
fail:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static int sm_tag(const unsigned char mac_key[CRYPTO_HASH_LEN], const void *ad, size_t ad_len,
		  const unsigned char iv[SM_IV_LEN], const unsigned char *c, size_t n,
		  unsigned char tag[SM_TAG_LEN], struct error *err)
{
	unsigned char adl[8];
	put_u64be(adl, (uint64_t)ad_len);
	const struct part parts[] = {{adl, 8}, {ad, ad_len}, {iv, SM_IV_LEN}, {c, n}};
	return hmac_sm3(mac_key, CRYPTO_HASH_LEN, parts, 4, tag, err);
}

static int sm_seal(const unsigned char key[CRYPTO_KEY_LEN], const void *ad, size_t ad_len,
		   const void *p, size_t n, unsigned char *out, size_t *out_len_r,
		   struct error *err)
{
	unsigned char ek[SM_ENC_KEY_LEN], mk[CRYPTO_HASH_LEN];
	unsigned char *iv = out, *c = out + SM_IV_LEN;
	int rc = -1;
	randombytes_buf(iv, SM_IV_LEN);
	if (sm_derive(key, ek, mk, err) < 0 || sm4_ctr(ek, iv, p, n, c, err) < 0 ||
	    sm_tag(mk, ad, ad_len, iv, c, n, c + n, err) < 0)
		goto fail;
	*out_len_r = SM_IV_LEN + n + SM_TAG_LEN;
	rc = 0;
fail:
	cry_wipe(ek, sizeof(ek));
	cry_wipe(mk, sizeof(mk));
	return rc;
}

static int sm_open(const unsigned char key[CRYPTO_KEY_LEN], const void *ad, size_t ad_len,
		   const unsigned char *in, size_t in_len, unsigned char *out, size_t *out_len_r,
		   struct error *err)
{
	unsigned char ek[SM_ENC_KEY_LEN], mk[CRYPTO_HASH_LEN], tag[SM_TAG_LEN];
	size_t n = in_len - SM_IV_LEN - SM_TAG_LEN; /* caller checked in_len */
	const unsigned char *iv = in, *c = in + SM_IV_LEN;
	int rc = -1;
	if (sm_derive(key, ek, mk, err) < 0 || sm_tag(mk, ad, ad_len, iv, c, n, tag, err) < 0)
		goto fail;
	if (CRYPTO_memcmp(tag, c + n, SM_TAG_LEN) != 0) {
		error_set(err, ERR_CRYPTO, "authentication failed (data or key altered)");
		goto fail;
	}
	if (sm4_ctr(ek, iv, c, n, out, err) < 0)
		goto fail;
	*out_len_r = n;
	rc = 0;
fail:
	cry_wipe(ek, sizeof(ek));
	cry_wipe(mk, sizeof(mk));
	return rc;
}

int cry_aead_seal(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const void *p, size_t n, unsigned char *out, size_t *out_len_r,
		     struct error *err)
{
	if (check_alg(alg, err) < 0)
		return -1;
	if (alg == AEAD_SM4CTR_HMACSM3)
		return sm_seal(key, ad, ad_len, p, n, out, out_len_r, err);
	size_t nl = cry_aead_nonce_len(alg);
	randombytes_buf(out, nl);
	unsigned long long clen = 0;
	int rc;
	if (alg == AEAD_XCHACHA20POLY1305)
		rc = crypto_aead_xchacha20poly1305_ietf_encrypt(out + nl, &clen, p, n, ad, ad_len,
								NULL, out, key);
	else
		rc = crypto_aead_aes256gcm_encrypt(out + nl, &clen, p, n, ad, ad_len, NULL, out,
						   key);
	if (rc != 0)
		return error_set(err, ERR_CRYPTO, "encryption failed");
	*out_len_r = nl + (size_t)clen;
	return 0;
}

int cry_aead_open(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const unsigned char *in, size_t in_len, unsigned char *out,
		     size_t *out_len_r, struct error *err)
{
	if (check_alg(alg, err) < 0)
		return -1;
	if (in_len < cry_aead_overhead(alg))
		return error_set(err, ERR_CORRUPT, "ciphertext too short");
	if (alg == AEAD_SM4CTR_HMACSM3)
		return sm_open(key, ad, ad_len, in, in_len, out, out_len_r, err);
	size_t nl = cry_aead_nonce_len(alg);
	unsigned long long mlen = 0;
	int rc;
	if (alg == AEAD_XCHACHA20POLY1305)
		rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, in + nl,
								in_len - nl, ad, ad_len, in, key);
	else
		rc = crypto_aead_aes256gcm_decrypt(out, &mlen, NULL, in + nl, in_len - nl, ad,
						   ad_len, in, key);
	if (rc != 0)
		return error_set(err, ERR_CRYPTO, "authentication failed (data or key altered)");
	*out_len_r = (size_t)mlen;
	return 0;
}

void cry_random(void *p, size_t n)
{
	randombytes_buf(p, n);
}

void cry_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

/* ---- signatures ---- */

size_t cry_sig_pk_len(int alg)
{
	switch (alg) {
	case SIG_ED25519: return crypto_sign_ed25519_PUBLICKEYBYTES;
	case SIG_SM2: return SM2_PK_LEN;
	}
	return 0;
}

size_t cry_sig_sk_len(int alg)
{
	switch (alg) {
	case SIG_ED25519: return crypto_sign_ed25519_SECRETKEYBYTES;
	case SIG_SM2: return SM2_SK_LEN;
	}
	return 0;
}

/* An SM2 key from raw bytes: the public point alone (sk NULL) or the pair.
 * EVP_PKEY_fromdata rejects a point that is not on the curve. */
static EVP_PKEY *sm2_key(const unsigned char *sk, const unsigned char *pk, struct error *err)
{
	if (pk[0] != 0x04) {
		error_set(err, ERR_CRYPTO, "SM2 public key is not an uncompressed point");
		return NULL;
	}
	/* OSSL_PARAM integers are native-endian; the file holds big-endian. */
	unsigned char native[SM2_SK_LEN];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pk,
						  SM2_PK_LEN),
		OSSL_PARAM_construct_end(),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	if (sk != NULL) {
		BIGNUM *d = BN_bin2bn(sk, SM2_SK_LEN, NULL);
		int ok = d != NULL && BN_bn2nativepad(d, native, SM2_SK_LEN) == SM2_SK_LEN;
		BN_clear_free(d);
		if (!ok) {
			ossl_fail(err, "bad SM2 private key");
			goto fail;
		}
		params[2] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, SM2_SK_LEN);
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, sk != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
		ossl_fail(err, "bad SM2 key (not a point of the SM2 curve?)");
	}
fail:
	cry_wipe(native, sizeof(native));
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static int sm2_keypair(unsigned char *pk, unsigned char *sk, struct error *err)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	BIGNUM *d = NULL;
	size_t pl = 0;
	int rc = -1;
	if (key == NULL || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
	    BN_bn2binpad(d, sk, SM2_SK_LEN) != SM2_SK_LEN ||
	    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pk, SM2_PK_LEN, &pl) !=
		    1 ||
	    pl != SM2_PK_LEN || pk[0] != 0x04) {
		ossl_fail(err, "SM2 key generation failed");
		cry_wipe(sk, SM2_SK_LEN);
		goto fail;
	}
	rc = 0;
fail:
	BN_clear_free(d);
	EVP_PKEY_free(key);
	return rc;
}

/* A digest-sign/verify context for SM2 with SM3 and the GM/T 0009 ID.
 * The caller frees *md_r, then *pc_r (EVP_MD_CTX_set_pkey_ctx keeps
 * ownership with the caller). */
static int sm2_ctx(EVP_PKEY *key, int sign, EVP_MD_CTX **md_r, EVP_PKEY_CTX **pc_r,
		   struct error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	*md_r = md;
	*pc_r = pc;
	if (md == NULL || pc == NULL || EVP_PKEY_CTX_set1_id(pc, SM2_ID, strlen(SM2_ID)) <= 0)
		return ossl_fail(err, "SM2 context");
	EVP_MD_CTX_set_pkey_ctx(md, pc);
	int ok = sign ? EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, key)
		      : EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, key);
	if (ok != 1)
		return ossl_fail(err, "SM2 with SM3 is not available");
	return 0;
}

static int sm2_sign(const unsigned char *sk, const unsigned char *pk, const void *msg, size_t n,
		    unsigned char *sig, size_t *sig_len_r, struct error *err)
{
	EVP_PKEY *key = sm2_key(sk, pk, err);
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pc = NULL;
	size_t len = CRYPTO_SIG_MAX;
	int rc = -1;
	if (key == NULL || sm2_ctx(key, 1, &md, &pc, err) < 0)
		goto fail;
	if (EVP_DigestSign(md, sig, &len, msg, n) != 1) {
		ossl_fail(err, "SM2 signing failed");
		goto fail;
	}
	*sig_len_r = len;
	rc = 0;
fail:
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(key);
	return rc;
}

static int sm2_verify(const unsigned char *pk, const void *msg, size_t n,
		      const unsigned char *sig, size_t sig_len, struct error *err)
{
	EVP_PKEY *key = sm2_key(NULL, pk, err);
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pc = NULL;
	int rc = -1;
	if (key == NULL || sm2_ctx(key, 0, &md, &pc, err) < 0)
		goto fail;
	/* 1 valid; 0 invalid; < 0 malformed (e.g. not DER): all but 1 fail. */
	if (EVP_DigestVerify(md, sig, sig_len, msg, n) != 1) {
		ERR_clear_error();
		error_set(err, ERR_CRYPTO, "signature does not verify");
		goto fail;
	}
	rc = 0;
fail:
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(key);
	return rc;
}

int cry_sign_keypair(int alg, unsigned char *pk, unsigned char *sk, struct error *err)
{
	if (alg == SIG_SM2)
		return sm2_keypair(pk, sk, err);
	if (alg != SIG_ED25519)
		return error_set(err, ERR_CRYPTO, "signature algorithm %d is not supported", alg);
	if (crypto_sign_ed25519_keypair(pk, sk) != 0)
		return error_set(err, ERR_CRYPTO, "key generation failed");
	return 0;
}

int cry_sign_check_pair(int alg, const unsigned char *sk, const unsigned char *pk,
			struct error *err)
{
	if (alg == SIG_ED25519) {
		unsigned char derived[crypto_sign_ed25519_PUBLICKEYBYTES];
		if (crypto_sign_ed25519_sk_to_pk(derived, sk) != 0 ||
		    sodium_memcmp(derived, pk, sizeof(derived)) != 0)
			return error_set(err, ERR_CRYPTO, "secret key does not match public key");
		return 0;
	}
	if (alg != SIG_SM2)
		return error_set(err, ERR_CRYPTO, "signature algorithm %d is not supported", alg);
	/* A signature by sk must verify under pk. */
	static const char probe[] = "custos key pair check";
	unsigned char sig[CRYPTO_SIG_MAX];
	size_t sl = 0;
	struct error e2 = ERROR_INIT;
	if (sm2_sign(sk, pk, probe, sizeof(probe) - 1, sig, &sl, err) < 0)
		return -1;
	if (sm2_verify(pk, probe, sizeof(probe) - 1, sig, sl, &e2) < 0)
		return error_set(err, ERR_CRYPTO, "secret key does not match public key");
	return 0;
}

int cry_sign(int alg, const unsigned char *sk, const unsigned char *pk, const void *msg,
	     size_t n, unsigned char *sig, size_t *sig_len_r, struct error *err)
{
	if (alg == SIG_SM2)
		return sm2_sign(sk, pk, msg, n, sig, sig_len_r, err);
	if (alg != SIG_ED25519)
		return error_set(err, ERR_CRYPTO, "signature algorithm %d is not supported", alg);
	unsigned long long sl = 0;
	if (crypto_sign_ed25519_detached(sig, &sl, msg, n, sk) != 0)
		return error_set(err, ERR_CRYPTO, "signing failed");
	*sig_len_r = (size_t)sl;
	return 0;
}

int cry_verify(int alg, const unsigned char *pk, const void *msg, size_t n,
		  const unsigned char *sig, size_t sig_len, struct error *err)
{
	if (alg == SIG_SM2) {
		if (sig_len == 0 || sig_len > CRYPTO_SIG_MAX)
			return error_set(err, ERR_CRYPTO, "signature does not verify");
		return sm2_verify(pk, msg, n, sig, sig_len, err);
	}
	if (alg != SIG_ED25519)
		return error_set(err, ERR_CRYPTO, "signature algorithm %d is not supported", alg);
	if (sig_len != crypto_sign_ed25519_BYTES ||
	    crypto_sign_ed25519_verify_detached(sig, msg, n, pk) != 0)
		return error_set(err, ERR_CRYPTO, "signature does not verify");
	return 0;
}

/* ---- base64 ---- */

char *cry_b64_encode(const unsigned char *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(cap);
	sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

int cry_b64_decode(const char *s, unsigned char *out, size_t cap, size_t *len_r)
{
	size_t len = 0;
	const char *end = NULL;
	if (sodium_base642bin(out, cap, s, strlen(s), NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *end != '\0')
		return -1;
	*len_r = len;
	return 0;
}
