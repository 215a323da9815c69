/*
 * test_ledger.c - Merkle tree (RFC 6962 vectors, every inclusion proof of
 * small trees), the ledger's chain, checkpoints, proofs and tamper checks.
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

#include "core/db.h"
#include "core/hex.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"

static void leaf_of(int i, merkle_hash out)
{
	unsigned char b[4] = {(unsigned char)(i >> 24), (unsigned char)(i >> 16),
			      (unsigned char)(i >> 8), (unsigned char)i};
	assert_int_equal(merkle_leaf_hash(HASH_SHA256, b, 4, out, NULL), 0);
}

static void assert_hex(const merkle_hash h, const char *want)
{
	char got[65];
	hex_encode(got, h, 32);
	assert_string_equal(got, want);
}

/* The Certificate Transparency reference leaves and roots (RFC 6962). */
static void test_rfc6962_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *leaf;
		size_t len;
	} leaves[] = {
		{"", 0},
		{"\x00", 1},
		{"\x10", 1},
		{"\x20\x21", 2},
		{"\x30\x31", 2},
		{"\x40\x41\x42\x43", 4},
		{"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
		{"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
	};
	static const char *roots[] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	merkle_hash lh[8], root;
	struct merkle_stream m;
	merkle_stream_init(&m, HASH_SHA256);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(merkle_leaf_hash(HASH_SHA256, leaves[i].leaf, leaves[i].len, lh[i],
						  NULL),
				 0);
		assert_int_equal(merkle_stream_add(&m, lh[i], NULL), 0);
		assert_int_equal(merkle_stream_root(&m, root, NULL), 0);
		assert_hex(root, roots[i]);
		struct merkle_tree t;
		assert_int_equal(merkle_tree_build(&t, HASH_SHA256, lh, (uint64_t)i + 1, NULL), 0);
		assert_int_equal(merkle_tree_root(&t, root, NULL), 0);
		assert_hex(root, roots[i]);
		merkle_tree_release(&t);
	}
}

/* Roots of larger trees, computed independently with the recursive
 * definition of RFC 6962 2.1 (Python hashlib) over 4-byte leaves. */
static void test_larger_roots(void **state)
{
	(void)state;
	static const struct {
		int n;
		const char *root;
	} want[] = {
		{100, "740488a3c43c052bfb21dd92199095914175ef355679e09a446f569db63e3f5b"},
		{513, "e2fb5b6d08e33ff1530434b93dec78fb5496532460ce17bf8a7fb3a34bdf9031"},
		{999, "688a65e84580d016d751503ab66f3886578e77659c6acff4cfc2c00a0d0588c9"},
		{1000, "ed58fe22105717ceedf760a43eedfb173a60c44ef40fd61b6cd86bd4ebb59b61"},
	};
	merkle_hash *lh = calloc(1000, sizeof(merkle_hash));
	for (int i = 0; i < 1000; i++)
		leaf_of(i, lh[i]);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		struct merkle_stream m;
		merkle_hash root;
		merkle_stream_init(&m, HASH_SHA256);
		for (int i = 0; i < want[k].n; i++)
			merkle_stream_add(&m, lh[i], NULL);
		merkle_stream_root(&m, root, NULL);
		assert_hex(root, want[k].root);
		struct merkle_tree t;
		merkle_tree_build(&t, HASH_SHA256, lh, (uint64_t)want[k].n, NULL);
		merkle_tree_root(&t, root, NULL);
		assert_hex(root, want[k].root);
		merkle_tree_release(&t);
	}
	free(lh);
}

/* Every leaf of every tree up to 70 proves; every altered proof fails. */
static void test_all_inclusion_proofs(void **state)
{
	(void)state;
	merkle_hash lh[70];
	for (int i = 0; i < 70; i++)
		leaf_of(i, lh[i]);
	for (uint64_t n = 1; n <= 70; n++) {
		struct merkle_tree t;
		merkle_hash root, path[MERKLE_MAX_PATH];
		assert_int_equal(merkle_tree_build(&t, HASH_SHA256, lh, n, NULL), 0);
		merkle_tree_root(&t, root, NULL);
		for (uint64_t i = 0; i < n; i++) {
			size_t len = 0;
			struct error err;
			assert_int_equal(merkle_tree_path(&t, i, path, &len, NULL), 0);
			assert_int_equal(merkle_verify_inclusion(HASH_SHA256, i, n, lh[i], path, len,
								 root, &err),
					 0);
			/* wrong leaf, wrong index, wrong size, flipped path */
			assert_int_equal(merkle_verify_inclusion(HASH_SHA256, i, n, lh[(i + 1) % 70],
								 path, len, root, &err),
					 -1);
			if (n > 1)
				assert_int_equal(merkle_verify_inclusion(HASH_SHA256, (i + 1) % n, n,
									 lh[i], path, len, root,
									 &err),
						 -1);
			/* (A path can be valid for another size with the same root, e.g.
			 * leaf 0 of 3 as leaf 0 of 4: the signed checkpoint binds size
			 * and root together, which the ledger tests cover.) */
			if (len > 0) {
				path[len / 2][3] ^= 1;
				assert_int_equal(merkle_verify_inclusion(HASH_SHA256, i, n, lh[i],
									 path, len, root, &err),
						 -1);
			}
		}
		merkle_tree_release(&t);
	}
}

struct fixture {
	char dir[64];
	sqlite3 *db;
	int hash_alg;
	struct ledger_keys keys;
	struct ledger *l;
};

/* The ledger tests run with the default suite (SHA-256, Ed25519) and the
 * SM suite (SM3, SM2). */
static int setup_suite(void **state, int hash_alg, int sig_alg)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->hash_alg = hash_alg;
	strcpy(f->dir, "/tmp/custos-ledger-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cry_init(NULL), 0);
	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	assert_int_equal(ledger_schema(f->db, NULL), 0);
	assert_int_equal(ledger_keys_generate(&f->keys, sig_alg, NULL), 0);
	struct ledger_policy pol = {10, 3600};
	struct error err;
	assert_int_equal(ledger_open(&f->l, f->db, f->dir, "0123456789abcdef0123456789abcdef",
				     hash_alg, &f->keys, &pol, &err),
			 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_suite(state, HASH_SHA256, SIG_ED25519);
}

static int setup_sm(void **state)
{
	return setup_suite(state, HASH_SM3, SIG_SM2);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ledger_close(f->l);
	db_stmt_release_all(f->db);
	sqlite3_close(f->db);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void append_n(struct fixture *f, int n)
{
	struct error err;
	for (int i = 0; i < n; i++) {
		unsigned char subj[32];
		char meta[64];
		int64_t seq;
		memset(subj, i & 0xff, sizeof(subj));
		snprintf(meta, sizeof(meta), "{\"i\":%d}", i);
		assert_int_equal(ledger_append(f->l, LEDGER_MESSAGE, subj, meta, 1000 + i, &seq, &err),
				 0);
		assert_int_equal(ledger_checkpoint(f->l, 0, &err), 0);
	}
	assert_int_equal(ledger_checkpoint(f->l, 1, &err), 0);
	assert_int_equal(ledger_publish(f->l, &err), 0);
}

static int count_faults(void *ctx, const struct ledger_fault *fl)
{
	(void)fl;
	(*(int *)ctx)++;
	return 0;
}

static int verify_faults(struct fixture *f)
{
	int n = 0;
	struct ledger_stats st;
	struct error err;
	assert_int_equal(ledger_verify(f->l, count_faults, &n, &st, &err), 0);
	return n;
}

static void test_chain_checkpoints_verify(void **state)
{
	struct fixture *f = *state;
	append_n(f, 35);
	assert_int_equal(ledger_size(f->l), 35);
	/* checkpoints every 10 entries + the forced one */
	assert_int_equal(ledger_checkpointed_size(f->l), 35);
	assert_int_equal(verify_faults(f), 0);
}

static void test_tamper_detected(void **state)
{
	struct fixture *f = *state;
	append_n(f, 25);
	static const char *const edits[] = {
		"UPDATE ledger SET meta='{\"i\":99}' WHERE seq=5",
		"UPDATE ledger SET time=time+1 WHERE seq=7",
		"DELETE FROM ledger WHERE seq=12",
		"UPDATE ledger SET seq=-1 WHERE seq=3; UPDATE ledger SET seq=3 WHERE seq=4;"
		" UPDATE ledger SET seq=4 WHERE seq=-1",
		"DELETE FROM ledger WHERE seq=25",
		"UPDATE checkpoints SET signature=zeroblob(64)"
		" WHERE tree_size=(SELECT MIN(tree_size) FROM checkpoints)",
		"UPDATE checkpoints SET text=replace(text, 'time ', 'time 1')"
		" WHERE tree_size=(SELECT MAX(tree_size) FROM checkpoints)",
		"DELETE FROM checkpoints WHERE tree_size=(SELECT MAX(tree_size) FROM checkpoints)",
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		assert_int_equal(sqlite3_exec(f->db, "SAVEPOINT t", NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(f->db, edits[i], NULL, NULL, NULL), SQLITE_OK);
		if (verify_faults(f) == 0)
			fail_msg("tampering not detected: %s", edits[i]);
		assert_int_equal(sqlite3_exec(f->db, "ROLLBACK TO t; RELEASE t", NULL, NULL, NULL),
				 SQLITE_OK);
		assert_int_equal(verify_faults(f), 0);
	}
}

static int vp(json_t *proof, const struct ledger_keys *k, const unsigned char *msg, size_t n,
	      struct error *err)
{
	char what[512];
	return ledger_verify_proof(proof, k, msg, n, NULL, what, sizeof(what), err);
}

static void test_proof_offline(void **state)
{
	struct fixture *f = *state;
	append_n(f, 21);
	struct ledger_keys pub;
	memcpy(&pub, &f->keys, sizeof(pub));
	pub.have_sk = 0;
	memset(pub.sk, 0, sizeof(pub.sk));
	for (int64_t seq = 1; seq <= 21; seq++) {
		json_t *proof = NULL;
		struct error err;
		assert_int_equal(ledger_proof(f->l, seq, NULL, &proof, &err), 0);
		unsigned char msg[1] = {0};
		assert_int_equal(vp(proof, &pub, NULL, 0, &err), 0);
		/* message bytes that are not the subject */
		assert_int_equal(vp(proof, &pub, msg, 1, &err), -1);
		/* altered entry time */
		json_t *e = json_object_get(proof, "entry");
		json_int_t t = json_integer_value(json_object_get(e, "time_us"));
		json_object_set_new(e, "time_us", json_integer(t + 1));
		assert_int_equal(vp(proof, &pub, NULL, 0, &err), -1);
		json_object_set_new(e, "time_us", json_integer(t));
		/* another key of the same algorithm, and of the other one */
		struct ledger_keys other;
		ledger_keys_generate(&other, f->keys.sig_alg, NULL);
		assert_int_equal(vp(proof, &other, NULL, 0, &err), -1);
		ledger_keys_generate(&other, f->keys.sig_alg == SIG_SM2 ? SIG_ED25519 : SIG_SM2,
				     NULL);
		assert_int_equal(vp(proof, &other, NULL, 0, &err), -1);
		assert_non_null(strstr(err.msg, "signed with"));
		/* the proof names the real algorithms; relabelling them fails */
		json_t *cp = json_object_get(proof, "checkpoint");
		assert_string_equal(json_string_value(json_object_get(cp, "sig_alg")),
				    cry_sig_name(f->keys.sig_alg));
		assert_string_equal(json_string_value(json_object_get(proof, "hash_alg")),
				    cry_hash_name(f->hash_alg));
		json_object_set_new(cp, "sig_alg", json_string(f->keys.sig_alg == SIG_SM2
									? "ed25519"
									: "sm2"));
		assert_int_equal(vp(proof, &pub, NULL, 0, &err), -1);
		json_object_del(cp, "sig_alg");
		assert_int_equal(vp(proof, &pub, NULL, 0, &err), -1);
		json_object_set_new(proof, "hash_alg", json_string(f->hash_alg == HASH_SM3
									   ? "sha256"
									   : "sm3"));
		json_object_set_new(cp, "sig_alg", json_string(cry_sig_name(f->keys.sig_alg)));
		assert_int_equal(vp(proof, &pub, NULL, 0, &err), -1);
		json_object_set_new(proof, "hash_alg", json_string(cry_hash_name(f->hash_alg)));
		assert_int_equal(vp(proof, &pub, NULL, 0, &err), 0);
		json_decref(proof);
	}
}

static void test_reopen_continues_chain(void **state)
{
	struct fixture *f = *state;
	append_n(f, 13);
	ledger_close(f->l);
	struct ledger_policy pol = {10, 3600};
	struct error err;
	assert_int_equal(ledger_open(&f->l, f->db, f->dir, "0123456789abcdef0123456789abcdef",
				     f->hash_alg, &f->keys, &pol, &err),
			 0);
	assert_int_equal(ledger_size(f->l), 13);
	append_n(f, 9);
	assert_int_equal(ledger_size(f->l), 22);
	assert_int_equal(verify_faults(f), 0);
}

/* RFC 3161 without a TSA: an unreachable TSA never fails a publish (the
 * failure is counted); a damaged stored token is a verify fault; a proof's
 * token must be one for its checkpoint, and --tsa-ca requires one. */
static void test_tsa_failures(void **state)
{
	struct fixture *f = *state;
	ledger_set_tsa(f->l, "http://127.0.0.1:1/tsa", NULL, 2);
	append_n(f, 3); /* publishes: the request is refused */
	struct ledger_tsa_counts c;
	ledger_tsa_counts(f->l, &c);
	assert_int_equal(c.granted, 0);
	assert_true(c.failed >= 1);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(f->db, "SELECT COUNT(*) FROM checkpoints WHERE tsa_token IS NOT NULL",
			   -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	assert_int_equal(verify_faults(f), 0);

	/* a stored token that is not one */
	assert_int_equal(sqlite3_exec(f->db,
				      "UPDATE checkpoints SET tsa_token=x'30820001ff'"
				      " WHERE tree_size=(SELECT MAX(tree_size) FROM checkpoints)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(verify_faults(f), 1);

	/* proofs: the damaged token travels with the proof and is refused */
	struct ledger_keys pub = f->keys;
	pub.have_sk = 0;
	json_t *proof = NULL;
	struct error err = ERROR_INIT;
	char what[512];
	assert_int_equal(ledger_proof(f->l, 2, NULL, &proof, &err), 0);
	json_t *cp = json_object_get(proof, "checkpoint");
	assert_non_null(json_object_get(cp, "tsa_token"));
	assert_int_equal(vp(proof, &pub, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "RFC 3161"));
	json_object_set_new(cp, "tsa_token", json_string("not base64!"));
	assert_int_equal(vp(proof, &pub, NULL, 0, &err), -1);
	json_object_del(cp, "tsa_token");
	assert_int_equal(vp(proof, &pub, NULL, 0, &err), 0);
	assert_int_equal(ledger_verify_proof(proof, &pub, NULL, 0, "/nonexistent/ca.pem", what,
					     sizeof(what), &err),
			 -1);
	assert_non_null(strstr(err.msg, "no RFC 3161 time-stamp token"));
	json_decref(proof);
}

/* A checkpoint row whose algorithm is not the ledger key's is a fault. */
static void test_checkpoint_alg_mismatch(void **state)
{
	struct fixture *f = *state;
	append_n(f, 12);
	assert_int_equal(verify_faults(f), 0);
	assert_int_equal(sqlite3_exec(f->db, "UPDATE checkpoints SET sig_alg=1 WHERE tree_size=11",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(verify_faults(f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6962_vectors),
		cmocka_unit_test(test_larger_roots),
		cmocka_unit_test(test_all_inclusion_proofs),
		cmocka_unit_test_setup_teardown(test_chain_checkpoints_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proof_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_continues_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_checkpoints_verify, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_detected, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_proof_offline, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_continues_chain, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_alg_mismatch, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_tsa_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsa_failures, setup_sm, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
