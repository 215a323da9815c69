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
	struct ledger_keys keys;
	struct ledger *l;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/custos-ledger-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cry_init(NULL), 0);
	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	assert_int_equal(ledger_schema(f->db, NULL), 0);
	assert_int_equal(ledger_keys_generate(&f->keys, SIG_ED25519, NULL), 0);
	struct ledger_policy pol = {10, 3600};
	struct error err;
	assert_int_equal(ledger_open(&f->l, f->db, f->dir, "0123456789abcdef0123456789abcdef",
				     HASH_SHA256, &f->keys, &pol, &err),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ledger_close(f->l);
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
		char what[512];
		assert_int_equal(ledger_proof(f->l, seq, NULL, &proof, &err), 0);
		unsigned char msg[1] = {0};
		assert_int_equal(ledger_verify_proof(proof, &pub, NULL, 0, what, sizeof(what), &err),
				 0);
		/* message bytes that are not the subject */
		assert_int_equal(
			ledger_verify_proof(proof, &pub, msg, 1, what, sizeof(what), &err), -1);
		/* altered entry time */
		json_t *e = json_object_get(proof, "entry");
		json_int_t t = json_integer_value(json_object_get(e, "time_us"));
		json_object_set_new(e, "time_us", json_integer(t + 1));
		assert_int_equal(ledger_verify_proof(proof, &pub, NULL, 0, what, sizeof(what), &err),
				 -1);
		json_object_set_new(e, "time_us", json_integer(t));
		/* another key */
		struct ledger_keys other;
		ledger_keys_generate(&other, SIG_ED25519, NULL);
		assert_int_equal(
			ledger_verify_proof(proof, &other, NULL, 0, what, sizeof(what), &err), -1);
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
				     HASH_SHA256, &f->keys, &pol, &err),
			 0);
	assert_int_equal(ledger_size(f->l), 13);
	append_n(f, 9);
	assert_int_equal(ledger_size(f->l), 22);
	assert_int_equal(verify_faults(f), 0);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
