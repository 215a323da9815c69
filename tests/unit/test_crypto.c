/*
 * test_crypto.c - the algorithm-agile primitives: hash known answers (SHA-256,
 * SM3 from GB/T 32905), every AEAD's round trip and its rejection of each
 * kind of tampering, a known-answer vector of the SM4-CTR + HMAC-SM3
 * composition computed independently with the openssl command line, Ed25519
 * and SM2 signatures, and ledger key files (save, load, mismatches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hex.h"
#include "ledger/ledger.h"
#include "store/crypto.h"

static int init(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	if (cry_init(&err) < 0)
		fail_msg("cry_init: %s", err.msg);
	return 0;
}

static void assert_hash_hex(int alg, const void *p, size_t n, const char *want)
{
	unsigned char h[CRYPTO_HASH_LEN];
	char got[2 * CRYPTO_HASH_LEN + 1];
	struct error err = ERROR_INIT;
	if (cry_hash(alg, p, n, h, &err) < 0)
		fail_msg("cry_hash: %s", err.msg);
	hex_encode(got, h, sizeof(h));
	assert_string_equal(got, want);
}

static void test_hash_vectors(void **state)
{
	(void)state;
	static const struct {
		int alg;
		const char *in;
		const char *want;
	} v[] = {
	    /* GB/T 32905-2016 appendix A, examples 1 and 2 */
	    {HASH_SM3, "abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
	    {HASH_SM3, "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd",
	     "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
	    /* FIPS 180-2 */
	    {HASH_SHA256, "abc",
	     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {HASH_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_hash_hex(v[i].alg, v[i].in, strlen(v[i].in), v[i].want);

	/* incremental = one shot, for both */
	static const int algs[] = {HASH_SHA256, HASH_SM3};
	unsigned char buf[1000], a[CRYPTO_HASH_LEN], b[CRYPTO_HASH_LEN];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7);
	for (size_t k = 0; k < 2; k++) {
		struct cry_hash_ctx h;
		assert_int_equal(cry_hash_init(&h, algs[k], NULL), 0);
		for (size_t off = 0; off < sizeof(buf); off += 97)
			cry_hash_update(&h, buf + off,
					sizeof(buf) - off < 97 ? sizeof(buf) - off : 97);
		cry_hash_final(&h, a);
		assert_int_equal(cry_hash(algs[k], buf, sizeof(buf), b, NULL), 0);
		assert_memory_equal(a, b, CRYPTO_HASH_LEN);
	}
	struct error err = ERROR_INIT;
	assert_int_equal(cry_hash(99, "x", 1, a, &err), -1);

	/* names round trip */
	for (size_t k = 0; k < 2; k++)
		assert_int_equal(cry_hash_by_name(cry_hash_name(algs[k])), algs[k]);
	assert_int_equal(cry_hash_by_name("md5"), -1);
	assert_int_equal(cry_hash_by_name(NULL), -1);
}

static const int aead_algs[] = {AEAD_XCHACHA20POLY1305, AEAD_AES256GCM, AEAD_SM4CTR_HMACSM3};

/* Seals p; returns 0 when the algorithm is unavailable here (AES-GCM
 * without AES-NI). */
static int seal(int alg, const unsigned char *key, const void *ad, size_t ad_len,
		const unsigned char *p, size_t n, unsigned char *out, size_t *out_len)
{
	struct error err = ERROR_INIT;
	if (cry_aead_seal(alg, key, ad, ad_len, p, n, out, out_len, &err) < 0) {
		if (alg == AEAD_AES256GCM && strstr(err.msg, "AES-NI") != NULL)
			return 0;
		fail_msg("seal %s: %s", cry_aead_name(alg), err.msg);
	}
	return 1;
}

static int opens(int alg, const unsigned char *key, const void *ad, size_t ad_len,
		 const unsigned char *in, size_t in_len, unsigned char *out, size_t *out_len)
{
	struct error err = ERROR_INIT;
	int rc = cry_aead_open(alg, key, ad, ad_len, in, in_len, out, out_len, &err);
	if (rc < 0)
		assert_true(err.code == ERR_CRYPTO || err.code == ERR_CORRUPT);
	return rc == 0;
}

static void test_aead_round_trip_and_tamper(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 15, 16, 17, 1000, 70000};
	unsigned char key[CRYPTO_KEY_LEN], key2[CRYPTO_KEY_LEN];
	unsigned char ad[64];
	cry_random(key, sizeof(key));
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 1;
	cry_random(ad, sizeof(ad));
	for (size_t a = 0; a < sizeof(aead_algs) / sizeof(aead_algs[0]); a++) {
		int alg = aead_algs[a];
		size_t nl = cry_aead_nonce_len(alg), tl = cry_aead_tag_len(alg);
		assert_true(nl > 0 && nl <= CRYPTO_MAX_NONCE && tl > 0 && tl <= CRYPTO_MAX_TAG);
		assert_int_equal(cry_aead_overhead(alg), nl + tl);
		assert_true(cry_aead_overhead(alg) <= CRYPTO_MAX_OVERHEAD);
		assert_int_equal(cry_aead_by_name(cry_aead_name(alg)), alg);
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t n = sizes[s], cl = 0, ml = 0;
			unsigned char *p = malloc(n + 1), *c = malloc(n + CRYPTO_MAX_OVERHEAD);
			unsigned char *m = malloc(n + 1);
			for (size_t i = 0; i < n; i++)
				p[i] = (unsigned char)(i * 31 + s);
			if (!seal(alg, key, ad, sizeof(ad), p, n, c, &cl)) {
				free(p), free(c), free(m);
				continue;
			}
			assert_int_equal(cl, n + cry_aead_overhead(alg));
			assert_true(opens(alg, key, ad, sizeof(ad), c, cl, m, &ml));
			assert_int_equal(ml, n);
			if (n > 0)
				assert_memory_equal(m, p, n);
			/* the same plaintext seals differently (random nonce) */
			unsigned char *c2 = malloc(n + CRYPTO_MAX_OVERHEAD);
			size_t cl2 = 0;
			assert_true(seal(alg, key, ad, sizeof(ad), p, n, c2, &cl2));
			assert_memory_not_equal(c, c2, nl);
			free(c2);

			/* every region tampered: nonce, ciphertext, tag */
			size_t spots[] = {0, nl - 1, nl, nl + n / 2, cl - tl, cl - 1};
			for (size_t k = 0; k < sizeof(spots) / sizeof(spots[0]); k++) {
				if (spots[k] >= cl)
					continue;
				c[spots[k]] ^= 0x01;
				if (opens(alg, key, ad, sizeof(ad), c, cl, m, &ml))
					fail_msg("%s n=%zu: byte %zu flipped, still opens",
						 cry_aead_name(alg), n, spots[k]);
				c[spots[k]] ^= 0x01;
			}
			/* associated data altered, shortened, absent */
			ad[5] ^= 0x80;
			assert_false(opens(alg, key, ad, sizeof(ad), c, cl, m, &ml));
			ad[5] ^= 0x80;
			assert_false(opens(alg, key, ad, sizeof(ad) - 1, c, cl, m, &ml));
			assert_false(opens(alg, key, NULL, 0, c, cl, m, &ml));
			/* wrong key, truncated, too short for the overhead */
			assert_false(opens(alg, key2, ad, sizeof(ad), c, cl, m, &ml));
			assert_false(opens(alg, key, ad, sizeof(ad), c, cl - 1, m, &ml));
			assert_false(
			    opens(alg, key, ad, sizeof(ad), c, cry_aead_overhead(alg) - 1, m, &ml));
			/* still fine after all that */
			assert_true(opens(alg, key, ad, sizeof(ad), c, cl, m, &ml));
			free(p);
			free(c);
			free(m);
		}
	}
	/* an algorithm that does not exist */
	unsigned char out[64];
	size_t ol;
	struct error err = ERROR_INIT;
	assert_int_equal(cry_aead_seal(42, key, NULL, 0, "x", 1, out, &ol, &err), -1);
	assert_int_equal(cry_aead_open(42, key, NULL, 0, out, sizeof(out), out, &ol, &err), -1);
	assert_int_equal(cry_aead_overhead(42), 0);
	assert_int_equal(cry_aead_by_name("sm4gcm"), -1);
}

/* iv || c || tag computed with the openssl command line from the
 * construction in crypto.c (HMAC-SM3 key derivation, SM4-CTR, HMAC-SM3 over
 * u64be(len ad) || ad || iv || c): key 00..1f, iv f0..ff, ad "header". */
static void test_sm4ctr_hmacsm3_vector(void **state)
{
	(void)state;
	static const char vec[] =
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	    "f0017e7c7db54f56f2a3957f66f7741054c047e95714d07f1bf3e13c044725cea515f8b9694f8d98ae0e33"
	    "8dda5f728ce4899f38224911bf5af92181d12bb70c44ab3e14276b92edb4223e";
	static const char pt[] = "The quick brown fox jumps over the lazy dog";
	unsigned char key[CRYPTO_KEY_LEN], in[sizeof(vec) / 2], out[sizeof(pt)];
	size_t in_len = (sizeof(vec) - 1) / 2, out_len = 0;
	for (int i = 0; i < CRYPTO_KEY_LEN; i++)
		key[i] = (unsigned char)i;
	assert_int_equal(hex_decode(in, in_len, vec), 0);
	struct error err = ERROR_INIT;
	if (cry_aead_open(AEAD_SM4CTR_HMACSM3, key, "header", 6, in, in_len, out, &out_len, &err) <
	    0)
		fail_msg("known vector does not open: %s", err.msg);
	assert_int_equal(out_len, strlen(pt));
	assert_memory_equal(out, pt, out_len);
	/* the length prefix of ad matters: "heade" || "r"... is another input */
	assert_int_equal(
	    cry_aead_open(AEAD_SM4CTR_HMACSM3, key, "header\0", 7, in, in_len, out, &out_len, &err),
	    -1);
}

static const int sig_algs[] = {SIG_ED25519, SIG_SM2};

static void test_signatures(void **state)
{
	(void)state;
	static const char msg[] = "custos-checkpoint/v1\narchive 00\nsize 1\n";
	for (size_t a = 0; a < sizeof(sig_algs) / sizeof(sig_algs[0]); a++) {
		int alg = sig_algs[a];
		unsigned char pk[CRYPTO_PK_MAX], sk[CRYPTO_SK_MAX], pk2[CRYPTO_PK_MAX],
		    sk2[CRYPTO_SK_MAX];
		unsigned char sig[CRYPTO_SIG_MAX];
		size_t sl = 0;
		struct error err = ERROR_INIT;
		assert_int_equal(cry_sig_by_name(cry_sig_name(alg)), alg);
		assert_true(cry_sig_pk_len(alg) <= CRYPTO_PK_MAX);
		assert_true(cry_sig_sk_len(alg) <= CRYPTO_SK_MAX);
		if (cry_sign_keypair(alg, pk, sk, &err) < 0 ||
		    cry_sign_keypair(alg, pk2, sk2, &err) < 0)
			fail_msg("%s keypair: %s", cry_sig_name(alg), err.msg);
		assert_int_equal(cry_sign_check_pair(alg, sk, pk, &err), 0);
		assert_int_equal(cry_sign_check_pair(alg, sk, pk2, &err), -1);
		assert_int_equal(cry_sign_check_pair(alg, sk2, pk, &err), -1);
		if (cry_sign(alg, sk, pk, msg, strlen(msg), sig, &sl, &err) < 0)
			fail_msg("%s sign: %s", cry_sig_name(alg), err.msg);
		assert_true(sl > 0 && sl <= CRYPTO_SIG_MAX);
		if (alg == SIG_SM2)
			assert_int_equal(sig[0], 0x30); /* DER SEQUENCE */
		if (cry_verify(alg, pk, msg, strlen(msg), sig, sl, &err) < 0)
			fail_msg("%s verify: %s", cry_sig_name(alg), err.msg);
		/* altered message */
		assert_int_equal(cry_verify(alg, pk, msg, strlen(msg) - 1, sig, sl, &err), -1);
		assert_int_equal(err.code, ERR_CRYPTO);
		/* every byte of the signature altered, one at a time */
		for (size_t i = 0; i < sl; i++) {
			sig[i] ^= 0x04;
			if (cry_verify(alg, pk, msg, strlen(msg), sig, sl, &err) == 0)
				fail_msg("%s: signature byte %zu altered, still verifies",
					 cry_sig_name(alg), i);
			sig[i] ^= 0x04;
		}
		/* truncated, extended, empty */
		assert_int_equal(cry_verify(alg, pk, msg, strlen(msg), sig, sl - 1, &err), -1);
		unsigned char longer[CRYPTO_SIG_MAX + 8];
		memcpy(longer, sig, sl);
		longer[sl] = 0;
		assert_int_equal(cry_verify(alg, pk, msg, strlen(msg), longer, sl + 1, &err), -1);
		assert_int_equal(cry_verify(alg, pk, msg, strlen(msg), sig, 0, &err), -1);
		/* another key */
		assert_int_equal(cry_verify(alg, pk2, msg, strlen(msg), sig, sl, &err), -1);
		/* the other algorithm with these bytes */
		int other = alg == SIG_SM2 ? SIG_ED25519 : SIG_SM2;
		unsigned char zpk[CRYPTO_PK_MAX];
		memset(zpk, 0, sizeof(zpk));
		memcpy(zpk, pk,
		       cry_sig_pk_len(alg) < cry_sig_pk_len(other) ? cry_sig_pk_len(alg)
								   : cry_sig_pk_len(other));
		assert_int_equal(cry_verify(other, zpk, msg, strlen(msg), sig, sl, &err), -1);
		/* still valid */
		assert_int_equal(cry_verify(alg, pk, msg, strlen(msg), sig, sl, &err), 0);
		cry_wipe(sk, sizeof(sk));
		cry_wipe(sk2, sizeof(sk2));
	}
	/* SM2 public keys that are not points of the curve are refused cleanly */
	unsigned char bad[CRYPTO_PK_MAX], sig[CRYPTO_SIG_MAX] = {0x30, 0x00};
	struct error err = ERROR_INIT;
	memset(bad, 0x11, sizeof(bad));
	bad[0] = 0x04;
	assert_int_equal(cry_verify(SIG_SM2, bad, "x", 1, sig, 2, &err), -1);
	bad[0] = 0x02; /* compressed: not our encoding */
	assert_int_equal(cry_verify(SIG_SM2, bad, "x", 1, sig, 2, &err), -1);
	assert_int_equal(cry_sign_keypair(7, bad, bad, &err), -1);
}

static void test_base64(void **state)
{
	(void)state;
	unsigned char in[70], out[70];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 13);
	for (size_t n = 0; n <= sizeof(in); n += 7) {
		char *s = cry_b64_encode(in, n);
		size_t got = 99;
		assert_int_equal(cry_b64_decode(s, out, sizeof(out), &got), 0);
		assert_int_equal(got, n);
		if (n)
			assert_memory_equal(out, in, n);
		free(s);
	}
	size_t got;
	assert_int_equal(cry_b64_decode("QUJD!", out, sizeof(out), &got), -1);
	assert_int_equal(cry_b64_decode("QUJD QUJD", out, sizeof(out), &got), -1);
	assert_int_equal(cry_b64_decode("QUJDRA==", out, 3, &got), -1); /* overflow */
}

/* ---- ledger key files ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_key_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/custos-keys-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sk[96], pk[96], sk2[96], pk2[96], bad[96];
	snprintf(sk, sizeof(sk), "%s/a.key", dir);
	snprintf(pk, sizeof(pk), "%s/a.pub", dir);
	snprintf(sk2, sizeof(sk2), "%s/b.key", dir);
	snprintf(pk2, sizeof(pk2), "%s/b.pub", dir);
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	for (size_t a = 0; a < sizeof(sig_algs) / sizeof(sig_algs[0]); a++) {
		int alg = sig_algs[a];
		struct ledger_keys k, k2, l;
		struct error err = ERROR_INIT;
		assert_int_equal(ledger_keys_generate(&k, alg, &err), 0);
		assert_int_equal(
		    ledger_keys_generate(&k2, alg == SIG_SM2 ? SIG_ED25519 : SIG_SM2, &err), 0);
		assert_int_equal(ledger_keys_save(&k, sk, pk, &err), 0);
		assert_int_equal(ledger_keys_save(&k2, sk2, pk2, &err), 0);
		/* the files name the algorithm */
		FILE *f = fopen(pk, "r");
		char line[256];
		assert_non_null(fgets(line, sizeof(line), f));
		fclose(f);
		char want[64];
		snprintf(want, sizeof(want), "custos-ledger-key %s ", cry_sig_name(alg));
		assert_int_equal(strncmp(line, want, strlen(want)), 0);
		/* round trip */
		if (ledger_keys_load_public(&l, pk, &err) < 0 ||
		    ledger_keys_load_secret(&l, sk, &err) < 0)
			fail_msg("load %s: %s", cry_sig_name(alg), err.msg);
		assert_int_equal(l.sig_alg, alg);
		assert_true(l.have_sk);
		assert_memory_equal(l.pk, k.pk, cry_sig_pk_len(alg));
		assert_memory_equal(l.sk, k.sk, cry_sig_sk_len(alg));
		assert_string_equal(l.fingerprint, k.fingerprint);
		assert_non_null(strstr(l.fingerprint, alg == SIG_SM2 ? "SM3:" : "SHA256:"));
		/* a secret key of another algorithm, or of another key pair */
		assert_int_equal(ledger_keys_load_public(&l, pk, &err), 0);
		assert_int_equal(ledger_keys_load_secret(&l, sk2, &err), -1);
		assert_false(l.have_sk);
		struct ledger_keys k3;
		assert_int_equal(ledger_keys_generate(&k3, alg, &err), 0);
		unlink(sk2);
		unlink(pk2);
		assert_int_equal(ledger_keys_save(&k3, sk2, pk2, &err), 0);
		assert_int_equal(ledger_keys_load_secret(&l, sk2, &err), -1);
		assert_int_equal(err.code, ERR_CRYPTO);
		ledger_keys_wipe(&k3);
		unlink(sk);
		unlink(pk);
		unlink(sk2);
		unlink(pk2);
		ledger_keys_wipe(&k);
		ledger_keys_wipe(&k2);
		ledger_keys_wipe(&l);
	}
	/* malformed public key files */
	static const char *const bads[] = {
	    "",
	    "custos-ledger-key\n",
	    "custos-ledger-key ed25519\n",
	    "custos-ledger-key rsa AAAA\n",
	    "custos-ledger-key ed25519 AAAA\n", /* too short */
	    /* 32 bytes: an Ed25519 length under sm2 */
	    "custos-ledger-key sm2 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	    "custos-ledger-key ed25519 !!!!\n",
	    "custos-ledger-secret ed25519 AAAA\n",
	    "custos-ledger-keyed25519 AAAA\n",
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct ledger_keys l;
		struct error err = ERROR_INIT;
		write_file(bad, bads[i]);
		if (ledger_keys_load_public(&l, bad, &err) == 0)
			fail_msg("accepted key file: %s", bads[i]);
	}
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_vectors),
	    cmocka_unit_test(test_aead_round_trip_and_tamper),
	    cmocka_unit_test(test_sm4ctr_hmacsm3_vector),
	    cmocka_unit_test(test_signatures),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_key_files),
	};
	return cmocka_run_group_tests(tests, init, NULL);
}
