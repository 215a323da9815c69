/*
 * crypto.c - hashing, AEAD, signatures and base64 over libsodium (and, for
 * the SM suite, OpenSSL 3). See crypto.h; formats in doc/formats/store.md.
 *
 * Nonces are random (XChaCha20's 192-bit nonce makes collisions negligible;
 * for AES-GCM each data key encrypts exactly one blob, so the 96-bit random
 * nonce is used once per key).
 */
#include "store/crypto.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "core/xalloc.h"

_Static_assert(sizeof(crypto_hash_sha256_state) <= 512, "hash state too small");

int cry_init(struct error *err)
{
	if (sodium_init() < 0)
		return error_set(err, ERR_CRYPTO, "libsodium failed to initialise");
	return 0;
}

const char *cry_hash_name(int alg)
{
	switch (alg) {
	case HASH_SHA256: return "sha256";
	case HASH_SM3: return "sm3";
	}
	return "unknown";
}

const char *cry_aead_name(int alg)
{
	switch (alg) {
	case AEAD_XCHACHA20POLY1305: return "xchacha20poly1305";
	case AEAD_AES256GCM: return "aes256gcm";
	case AEAD_SM4CTR_HMACSM3: return "sm4ctr-hmacsm3";
	}
	return "unknown";
}

int cry_aead_by_name(const char *name)
{
	if (strcmp(name, "xchacha20poly1305") == 0)
		return AEAD_XCHACHA20POLY1305;
	if (strcmp(name, "aes256gcm") == 0)
		return AEAD_AES256GCM;
	return -1;
}

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
			return error_set(err, ERR_CRYPTO, "OpenSSL has no SM3");
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

size_t cry_aead_nonce_len(int alg)
{
	switch (alg) {
	case AEAD_XCHACHA20POLY1305: return crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	case AEAD_AES256GCM: return crypto_aead_aes256gcm_NPUBBYTES;
	}
	return 0;
}

size_t cry_aead_overhead(int alg)
{
	return cry_aead_nonce_len(alg) + CRYPTO_TAG_LEN;
}

static int check_alg(int alg, struct error *err)
{
	if (alg == AEAD_XCHACHA20POLY1305)
		return 0;
	if (alg == AEAD_AES256GCM) {
		if (!crypto_aead_aes256gcm_is_available())
			return error_set(err, ERR_CRYPTO,
					 "aes256gcm needs AES-NI, which this CPU lacks");
		return 0;
	}
	return error_set(err, ERR_CRYPTO, "AEAD algorithm %d is not supported", alg);
}

int cry_aead_seal(int alg, const unsigned char key[CRYPTO_KEY_LEN], const void *ad,
		     size_t ad_len, const void *p, size_t n, unsigned char *out, size_t *out_len_r,
		     struct error *err)
{
	if (check_alg(alg, err) < 0)
		return -1;
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
	size_t nl = cry_aead_nonce_len(alg);
	if (in_len < nl + CRYPTO_TAG_LEN)
		return error_set(err, ERR_CORRUPT, "ciphertext too short");
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

int cry_sign_keypair(int alg, unsigned char *pk, unsigned char *sk, struct error *err)
{
	if (alg != SIG_ED25519)
		return error_set(err, ERR_CRYPTO, "signature algorithm %d is not supported", alg);
	if (crypto_sign_ed25519_keypair(pk, sk) != 0)
		return error_set(err, ERR_CRYPTO, "key generation failed");
	return 0;
}

int cry_sign(int alg, const unsigned char *sk, const void *msg, size_t n,
		unsigned char *sig, size_t *sig_len_r, struct error *err)
{
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
	if (alg != SIG_ED25519)
		return error_set(err, ERR_CRYPTO, "signature algorithm %d is not supported", alg);
	if (sig_len != crypto_sign_ed25519_BYTES ||
	    crypto_sign_ed25519_verify_detached(sig, msg, n, pk) != 0)
		return error_set(err, ERR_CRYPTO, "signature does not verify");
	return 0;
}

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
	if (sodium_base642bin(out, cap, s, strlen(s), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	*len_r = len;
	return 0;
}
