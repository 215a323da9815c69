/*
 * test_store.c - the blob store: round trips, dedup, segment sealing,
 * recovery of an uncommitted tail, and detection of every kind of damage.
 * Every test runs twice: with the default suite (SHA-256, XChaCha20-Poly1305
 * wraps and records) and with the SM suite (SM3, SM4-CTR + HMAC-SM3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	sqlite3 *db;
	struct store *s;
	unsigned char key[CRYPTO_KEY_LEN];
	struct store_opts opts;
};

static void open_store(struct fixture *f)
{
	struct error err = ERROR_INIT;
	if (store_open(&f->s, f->dir, f->db, f->key, &f->opts, 1, &err) < 0)
		fail_msg("store_open: %s", err.msg);
}

static const struct store_opts default_opts = {
	.segment_size = 64 * 1024,
	.zstd_level = 3,
	.aead_alg = AEAD_XCHACHA20POLY1305,
	.hash_alg = HASH_SHA256,
	.wrap_alg = AEAD_XCHACHA20POLY1305,
};
static const struct store_opts sm_opts = {
	.segment_size = 64 * 1024,
	.zstd_level = 3,
	.aead_alg = AEAD_SM4CTR_HMACSM3,
	.hash_alg = HASH_SM3,
	.wrap_alg = AEAD_SM4CTR_HMACSM3,
};

static int setup_opts(void **state, const struct store_opts *opts)
{
	struct fixture *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/custos-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cry_init(NULL), 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/t.db", f->dir);
	assert_int_equal(sqlite3_open(path, &f->db), SQLITE_OK);
	assert_int_equal(store_schema(f->db, NULL), 0);
	cry_random(f->key, sizeof(f->key));
	f->opts = *opts;
	open_store(f);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, &default_opts);
}

static int setup_sm(void **state)
{
	return setup_opts(state, &sm_opts);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	db_stmt_release_all(f->db);
	sqlite3_close(f->db);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Text-like and noisy stretches (noise only for seeds >= 100, which do
 * not compress, so segments fill predictably). */
static unsigned char *make_data(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		/* half text-like, half noise: exercises compression both ways */
		p[i] = seed >= 100 || (i / 4096) % 2 ? (unsigned char)(x >> 16)
						      : (unsigned char)("abcde \n"[x % 7]);
	}
	return p;
}

static int64_t put(struct fixture *f, const unsigned char *p, size_t n, int *is_new)
{
	unsigned char h[CRYPTO_HASH_LEN];
	int64_t id = 0;
	struct error err = ERROR_INIT;
	assert_int_equal(cry_hash(f->opts.hash_alg, p, n, h, NULL), 0);
	if (store_put(f->s, p, n, h, &id, is_new, NULL, &err) < 0)
		fail_msg("store_put: %s", err.msg);
	return id;
}

static void commit(struct fixture *f)
{
	struct error err = ERROR_INIT;
	if (store_flush(f->s, &err) < 0)
		fail_msg("flush: %s", err.msg);
	assert_int_equal(sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

static void begin(struct fixture *f)
{
	assert_int_equal(sqlite3_exec(f->db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
}

struct faults {
	int n;
	int64_t last_offset;
	char last[512];
};

static int on_fault(void *ctx, const struct store_fault *fl)
{
	struct faults *fs = ctx;
	fs->n++;
	fs->last_offset = fl->offset;
	snprintf(fs->last, sizeof(fs->last), "%s", fl->what);
	return 0;
}

static struct faults verify(struct fixture *f)
{
	struct faults fs = {0, -1, ""};
	struct error err = ERROR_INIT;
	uint64_t blobs = 0;
	if (store_verify(f->s, 0, on_fault, NULL, &fs, &blobs, &err) < 0)
		fail_msg("verify: %s", err.msg);
	return fs;
}

static void fill(struct fixture *f, int n);

/* Mail-like blobs: headers and boilerplate shared, a varying middle. */
static size_t mail_like(unsigned char *out, size_t cap, int i)
{
	int n = snprintf((char *)out, cap,
			 "Received: from mx%d.bank.test by archive.bank.test with ESMTPS\n"
			 "From: Desk %d <desk%d@bank.test>\nTo: risk@bank.test\n"
			 "Subject: daily position report %d\nMIME-Version: 1.0\n"
			 "Content-Type: text/plain; charset=utf-8\n\n"
			 "Dear colleagues, please find the figures for book %d below.\n"
			 "Net asset value %d.%02d, subscriptions %d, redemptions %d.\n"
			 "--\nHengxin Fund Management Co., Ltd. Confidential.\n",
			 i % 7, i, i, i, i * 3, i * 17, i % 100, i * 11, i * 5);
	return (size_t)n;
}

static struct faults verify(struct fixture *f);

/* After DICT_TRAIN_SAMPLES blobs a dictionary is trained and used; every
 * blob (before and after) reads back; a dictionary trained in a rolled-back
 * transaction is forgotten; an altered dictionary is detected. */
static void test_dictionary(void **state)
{
	struct fixture *f = *state;
	unsigned char m[1024];
	int is_new;
	begin(f);
	for (int i = 0; i < 999; i++)
		put(f, m, mail_like(m, sizeof(m), i), &is_new);
	commit(f);
	/* the 1000th blob trains the dictionary, then the transaction is lost */
	begin(f);
	put(f, m, mail_like(m, sizeof(m), 999), &is_new);
	put(f, m, mail_like(m, sizeof(m), 1000), &is_new);
	assert_int_equal(sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	store_rollback(f->s);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(f->db, "SELECT COUNT(*) FROM dicts", -1, &st, NULL);
	sqlite3_step(st);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	/* the samples were dropped with the rollback: 1000 more train it */
	begin(f);
	for (int i = 999; i < 2100; i++)
		put(f, m, mail_like(m, sizeof(m), i), &is_new);
	commit(f);
	sqlite3_prepare_v2(f->db, "SELECT COUNT(*) FROM dicts", -1, &st, NULL);
	sqlite3_step(st);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	/* later blobs are smaller thanks to the dictionary */
	sqlite3_prepare_v2(f->db, "SELECT AVG(stored) FROM blobs WHERE id<=100", -1, &st, NULL);
	sqlite3_step(st);
	double before = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(f->db, "SELECT AVG(stored) FROM blobs WHERE id>2000", -1, &st, NULL);
	sqlite3_step(st);
	double after = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	if (!(after < before * 0.8))
		fail_msg("dictionary did not help: %.0f -> %.0f bytes per blob", before, after);
	/* a fresh (read-only) store reads everything back */
	store_close(f->s);
	struct error err = ERROR_INIT;
	assert_int_equal(store_open(&f->s, f->dir, f->db, f->key, &f->opts, 0, &err), 0);
	struct buf b;
	buf_init(&b, STORE_MAX_BLOB);
	for (int64_t id = 1; id <= 2100; id += 37) {
		size_t n = mail_like(m, sizeof(m), (int)id - 1);
		if (store_get(f->s, id, &b, &err) < 0)
			fail_msg("get %lld: %s", (long long)id, err.msg);
		assert_int_equal(b.len, n);
		assert_memory_equal(b.data, m, n);
	}
	buf_release(&b);
	assert_int_equal(verify(f).n, 0);
	/* an altered dictionary makes its blobs unreadable: detected */
	assert_int_equal(sqlite3_exec(f->db,
				      "UPDATE dicts SET sealed=substr(sealed,1,100)||"
				      "CASE WHEN substr(sealed,101,1)=x'00' THEN x'01' ELSE x'00' END"
				      "||substr(sealed,102)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	store_close(f->s);
	assert_int_equal(store_open(&f->s, f->dir, f->db, f->key, &f->opts, 0, &err), 0);
	assert_true(verify(f).n > 0);
}

static void test_round_trip_dedup(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = {0, 1, 100, 4096, 100000, 300000};
	int64_t ids[6];
	begin(f);
	fill(f, 0);
	for (size_t i = 0; i < 6; i++) {
		unsigned char *p = make_data(sizes[i], (unsigned)i);
		int is_new = 0;
		ids[i] = put(f, p, sizes[i], &is_new);
		assert_true(is_new);
		int64_t again = put(f, p, sizes[i], &is_new);
		assert_false(is_new);
		assert_int_equal(again, ids[i]);
		free(p);
	}
	commit(f);
	for (size_t i = 0; i < 6; i++) {
		unsigned char *p = make_data(sizes[i], (unsigned)i);
		struct buf b;
		struct error err = ERROR_INIT;
		buf_init(&b, STORE_MAX_BLOB);
		if (store_get(f->s, ids[i], &b, &err) < 0)
			fail_msg("get: %s", err.msg);
		assert_int_equal(b.len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(b.data, p, sizes[i]);
		buf_release(&b);
		free(p);
	}
	/* several segments were sealed (64 KiB segments) and all verify */
	sqlite3_stmt *st;
	sqlite3_prepare_v2(f->db, "SELECT COUNT(*) FROM segments WHERE state='sealed'", -1, &st,
			   NULL);
	sqlite3_step(st);
	assert_true(sqlite3_column_int(st, 0) >= 1);
	sqlite3_finalize(st);
	assert_int_equal(verify(f).n, 0);
}

static void test_uncommitted_tail_recovered(void **state)
{
	struct fixture *f = *state;
	unsigned char *a = make_data(5000, 1), *b = make_data(7000, 2);
	int is_new;
	begin(f);
	int64_t ida = put(f, a, 5000, &is_new);
	commit(f);
	/* A crash after append, before COMMIT: */
	begin(f);
	put(f, b, 7000, &is_new);
	assert_int_equal(sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	store_close(f->s);
	/* the segment file is longer than committed... */
	open_store(f); /* ...and a writable open truncates it */
	assert_int_equal(verify(f).n, 0);
	begin(f);
	int64_t idb = put(f, b, 7000, &is_new);
	assert_true(is_new);
	commit(f);
	struct buf out;
	struct error err = ERROR_INIT;
	buf_init(&out, STORE_MAX_BLOB);
	assert_int_equal(store_get(f->s, ida, &out, &err), 0);
	assert_memory_equal(out.data, a, 5000);
	assert_int_equal(store_get(f->s, idb, &out, &err), 0);
	assert_memory_equal(out.data, b, 7000);
	buf_release(&out);
	assert_int_equal(verify(f).n, 0);
	free(a);
	free(b);
}

static char *seg_path(struct fixture *f, int id)
{
	static char p[160];
	snprintf(p, sizeof(p), "%s/segments/%012d.seg", f->dir, id);
	return p;
}

static void fill(struct fixture *f, int n)
{
	if (n == 0)
		return;
	begin(f);
	for (int i = 0; i < n; i++) {
		unsigned char *p = make_data(3000 + (size_t)i * 10, (unsigned)i + 100);
		int is_new;
		put(f, p, 3000 + (size_t)i * 10, &is_new);
		free(p);
	}
	commit(f);
}

static void flip_byte(const char *path, off_t off)
{
	chmod(path, 0600);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static void test_bit_flip_located(void **state)
{
	struct fixture *f = *state;
	fill(f, 10);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(f->db, "SELECT segment, offset, stored FROM blobs WHERE id=5", -1, &st,
			   NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int seg = sqlite3_column_int(st, 0);
	int64_t off = sqlite3_column_int64(st, 1), len = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	flip_byte(seg_path(f, seg), (off_t)(off + len - 20));
	struct faults fs = verify(f);
	assert_true(fs.n >= 1);
	assert_int_equal(fs.last_offset, off);
	assert_non_null(strstr(fs.last, "authentication failed"));
}

static void test_damage_kinds(void **state)
{
	struct fixture *f = *state;
	fill(f, 12);
	assert_int_equal(verify(f).n, 0);
	static const char *const edits[] = {
		/* swap two blobs' locations */
		"CREATE TEMP TABLE s AS SELECT id, offset FROM blobs WHERE id IN (2,3);"
		"UPDATE blobs SET offset=-offset-1 WHERE id IN (2,3);"
		"UPDATE blobs SET offset=(SELECT offset FROM s WHERE id=3) WHERE id=2;"
		"UPDATE blobs SET offset=(SELECT offset FROM s WHERE id=2) WHERE id=3;"
		"DROP TABLE s",
		/* a wrapped key of another blob */
		"UPDATE blobs SET wrapped_key=(SELECT wrapped_key FROM blobs WHERE id=1) WHERE id=4",
		/* index forgets a blob */
		"DELETE FROM blobs WHERE id=6",
		/* committed length shrunk/grown */
		"UPDATE segments SET length=length+100 WHERE state='active'",
		"UPDATE segments SET records=records+1 WHERE id=1",
		/* a row pointing into nowhere */
		"UPDATE blobs SET segment=999 WHERE id=7",
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		assert_int_equal(sqlite3_exec(f->db, "SAVEPOINT t", NULL, NULL, NULL), SQLITE_OK);
		char *msg = NULL;
		if (sqlite3_exec(f->db, edits[i], NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("%s: %s", edits[i], msg);
		if (verify(f).n == 0)
			fail_msg("damage not detected: %s", edits[i]);
		assert_int_equal(sqlite3_exec(f->db, "ROLLBACK TO t; RELEASE t", NULL, NULL, NULL),
				 SQLITE_OK);
		assert_int_equal(verify(f).n, 0);
	}
}

static void test_truncation_and_sealed_digest(void **state)
{
	struct fixture *f = *state;
	fill(f, 40); /* > 64 KiB: segment 1 is sealed */
	assert_int_equal(verify(f).n, 0);
	/* a byte in the sealed segment's header area changes its digest */
	flip_byte(seg_path(f, 1), 30);
	assert_true(verify(f).n >= 1);
	flip_byte(seg_path(f, 1), 30);
	assert_int_equal(verify(f).n, 0);
	/* truncate the active segment */
	sqlite3_stmt *st;
	sqlite3_prepare_v2(f->db, "SELECT id, length FROM segments WHERE state='active'", -1, &st,
			   NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int id = sqlite3_column_int(st, 0);
	int64_t len = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	assert_int_equal(truncate(seg_path(f, id), (off_t)(len - 10)), 0);
	struct faults fs = verify(f);
	assert_true(fs.n >= 1);
}

static void test_wrong_master_key(void **state)
{
	struct fixture *f = *state;
	fill(f, 2);
	store_close(f->s);
	f->key[0] ^= 1;
	open_store(f);
	struct buf b;
	struct error err = ERROR_INIT;
	buf_init(&b, STORE_MAX_BLOB);
	assert_int_equal(store_get(f->s, 1, &b, &err), -1);
	assert_int_equal(err.code, ERR_CRYPTO);
	buf_release(&b);
}

/* Blobs of both suites in one store (algorithms are per object), and a
 * wrapped key whose version byte names the other wrapping is refused. */
static void test_mixed_suites(void **state)
{
	struct fixture *f = *state;
	const struct store_opts *other =
		f->opts.aead_alg == AEAD_SM4CTR_HMACSM3 ? &default_opts : &sm_opts;
	unsigned char *a = make_data(5000, 1), *b = make_data(6000, 2);
	int is_new;
	begin(f);
	int64_t ida = put(f, a, 5000, &is_new);
	commit(f);
	store_close(f->s);
	struct store_opts mine = f->opts;
	f->opts = *other;
	open_store(f);
	begin(f);
	int64_t idb = put(f, b, 6000, &is_new);
	commit(f);
	struct buf out;
	struct error err = ERROR_INIT;
	buf_init(&out, STORE_MAX_BLOB);
	if (store_get(f->s, ida, &out, &err) < 0)
		fail_msg("get: %s", err.msg);
	assert_memory_equal(out.data, a, 5000);
	assert_int_equal(store_get(f->s, idb, &out, &err), 0);
	assert_memory_equal(out.data, b, 6000);
	assert_int_equal(verify(f).n, 0);
	/* the records say which AEAD, the rows agree */
	sqlite3_stmt *st;
	sqlite3_prepare_v2(f->db, "SELECT aead_alg, hash_alg, hex(substr(wrapped_key,1,1))"
				  " FROM blobs ORDER BY id", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), mine.aead_alg);
	assert_int_equal(sqlite3_column_int(st, 1), mine.hash_alg);
	assert_string_equal((const char *)sqlite3_column_text(st, 2),
			    mine.wrap_alg == AEAD_SM4CTR_HMACSM3 ? "02" : "01");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), other->aead_alg);
	sqlite3_finalize(st);
	/* a wrapped key relabelled as the other version does not unwrap */
	static const char relabel[] =
		"UPDATE blobs SET wrapped_key=CASE hex(substr(wrapped_key,1,1))"
		" WHEN '01' THEN x'02' ELSE x'01' END || substr(wrapped_key,2) WHERE id=1";
	assert_int_equal(sqlite3_exec(f->db, relabel, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_get(f->s, ida, &out, &err), -1);
	assert_int_equal(err.code, ERR_CRYPTO);
	assert_true(verify(f).n >= 1);
	buf_release(&out);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted_tail_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bit_flip_located, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_and_sealed_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_master_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_suites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dictionary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dictionary, setup_sm, teardown),
		/* the same with the SM suite */
		cmocka_unit_test_setup_teardown(test_round_trip_dedup, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted_tail_recovered, setup_sm,
						teardown),
		cmocka_unit_test_setup_teardown(test_bit_flip_located, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_damage_kinds, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_and_sealed_digest, setup_sm,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_master_key, setup_sm, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_suites, setup_sm, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
