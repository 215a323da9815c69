/*
 * test_archiver.c - unit tests of src/daemon/archiver.h: journal entries
 * in a real spool drained into a real archive through real parse workers;
 * the envelope recorded per delivery (journal-form recipients decoded,
 * plain ones kept), duplicates stored once with a delivery each, and a
 * replay of entries that were archived but not yet marked done (a crash
 * between the two commits) adding nothing, and an entry larger than the
 * parse pool copies archived in its place all the same.
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

#include "archive/archive.h"
#include "core/config.h"
#include "core/db.h"
#include "daemon/archiver.h"
#include "intake/spool.h"
#include "mail/mail.h"

static const char *worker_exe(void)
{
	const char *e = getenv("CUSTOS_WORKER");
	return e != NULL && *e != '\0' && access(e, X_OK) == 0 ? e : NULL;
}

static int64_t count(struct archive *a, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(a->db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *column_text(struct archive *a, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(a->db, sql, -1, &st, NULL), SQLITE_OK);
	char *r = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		r = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r;
}

static void append(struct spool_writer *w, const char *from, const char *const *rcpts, size_t n,
		   const char *msg)
{
	struct spool_envelope env = {
	    .mail_from = from,
	    .rcpts = rcpts,
	    .n_rcpts = n,
	    .client_addr = "127.0.0.1",
	    .helo = "mx.bank.test",
	    .protocol = "ESMTP",
	    .received_us = 1700000000000000LL,
	};
	uint64_t id;
	struct error err = ERROR_INIT;
	if (spool_append(w, &env, msg, strlen(msg), &id, &err) < 0)
		fail_msg("append: %s", err.msg);
}

static void drain(const char *arch, const char *spool, const struct config *cfg,
		  struct drain_stats *st)
{
	struct archive *a;
	struct mail_pool *pool;
	struct spool_reader *r;
	struct error err = ERROR_INIT;
	struct spool_opts so;
	struct mail_limits lim;
	spool_opts_default(&so);
	mail_limits_init(&lim, cfg);
	assert_int_equal(archive_open(&a, arch, cfg, 1, &err), 0);
	if (mail_pool_start(&pool, worker_exe(), &lim, 2, 1u << 20, &err) < 0)
		fail_msg("pool: %s", err.msg);
	if (spool_reader_open(&r, spool, &so, &err) < 0)
		fail_msg("reader: %s", err.msg);
	memset(st, 0, sizeof(*st));
	if (archiver_drain(a, pool, r, cfg, st, &err) < 0)
		fail_msg("drain: %s", err.msg);
	spool_reader_close(r);
	mail_pool_stop(pool);
	archive_close(a);
}

/* A temporary directory with a new archive (top/archive), the place of its
 * spool (top/spool) and a configuration committing every 2 messages. */
struct fixture {
	char top[64];
	char arch[300], spool[300];
	struct config cfg;
};

static void fixture_init(struct fixture *fx)
{
	snprintf(fx->top, sizeof(fx->top), "/tmp/custos-test-archiver-XXXXXX");
	assert_non_null(mkdtemp(fx->top));
	snprintf(fx->arch, sizeof(fx->arch), "%s/archive", fx->top);
	snprintf(fx->spool, sizeof(fx->spool), "%s/spool", fx->top);
	struct error err = ERROR_INIT;
	char *fp = NULL;
	struct archive_create_opts co = {NULL, NULL};
	if (archive_create(fx->arch, &co, &fp, &err) < 0)
		fail_msg("create: %s", err.msg);
	free(fp);
	config_defaults(&fx->cfg);
	fx->cfg.import_batch_messages = 2; /* several commits per drain */
}

static void fixture_release(struct fixture *fx)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->top);
	assert_int_equal(system(cmd), 0);
	config_release(&fx->cfg);
}

static void test_drain(void **state)
{
	(void)state;
	if (worker_exe() == NULL)
		skip();
	struct fixture fx;
	fixture_init(&fx);
	const char *arch = fx.arch, *spool = fx.spool;
	const struct config *cfgp = &fx.cfg;
	char copy[300], cmd[1000];
	snprintf(copy, sizeof(copy), "%s/spool-copy", fx.top);
	struct error err = ERROR_INIT;

	struct spool_opts so;
	spool_opts_default(&so);
	struct spool_writer *w;
	assert_int_equal(spool_writer_open(&w, spool, &so, &err), 0);
	static const char *const journal[] = {
	    "from+ext=outside.test@archive.test",
	    "rcpt+alice=bank.test@archive.test",
	    "rcpt+carol=bank.test@archive.test",
	};
	static const char *const plain[] = {"journal@archive.test"};
	static const char m1[] = "From: ext@outside.test\r\nTo: alice@bank.test\r\n"
				 "Message-ID: <j1@outside.test>\r\nSubject: verify 1\r\n\r\nhello\r\n";
	static const char m2[] = "From: a@bank.test\r\nMessage-ID: <j2@bank.test>\r\n"
				 "Subject: =?UTF-8?B?5Z+66YeR?=\r\n\r\n基金 report\r\n";
	static const char m3[] = "not really mail, but the journal refuses nothing\r\n";
	append(w, "ext@outside.test", journal, 3, m1);
	append(w, "a@bank.test", plain, 1, m2);
	append(w, "", journal + 1, 1, m3);
	append(w, "ext@outside.test", journal + 2, 1, m1); /* same bytes, another delivery */
	assert_int_equal(spool_sync(w, &err), 0);

	struct drain_stats st;
	drain(arch, spool, cfgp, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.new_messages, 3);
	assert_int_equal(st.journal_rcpts, 2 + 0 + 1 + 1);
	assert_true(st.commits >= 2);

	struct archive *a;
	assert_int_equal(archive_open(&a, arch, cfgp, 0, &err), 0);
	assert_int_equal(count(a, "SELECT count(*) FROM messages"), 3);
	assert_int_equal(count(a, "SELECT count(*) FROM deliveries WHERE source='journal'"), 4);
	assert_int_equal(count(a, "SELECT count(*) FROM deliveries WHERE origin LIKE 'spool:%'"), 4);
	/* the journal form decoded: alice and carol, in order; no from+ */
	char *r = column_text(a, "SELECT group_concat(addr, ',') FROM (SELECT addr FROM "
				 "delivery_rcpts dr JOIN deliveries d ON d.id=dr.delivery WHERE "
				 "d.origin='spool:1' ORDER BY pos)");
	assert_string_equal(r, "alice@bank.test,carol@bank.test");
	free(r);
	/* a plain envelope is kept as given */
	r = column_text(a, "SELECT addr FROM delivery_rcpts dr JOIN deliveries d ON "
			   "d.id=dr.delivery WHERE d.origin='spool:2'");
	assert_string_equal(r, "journal@archive.test");
	free(r);
	r = column_text(a, "SELECT env_from FROM deliveries WHERE origin='spool:1'");
	assert_string_equal(r, "ext@outside.test");
	free(r);
	assert_int_equal(count(a, "SELECT received FROM deliveries WHERE origin='spool:1'"),
			 1700000000000000LL);
	archive_close(a);

	/* nothing left: a second drain archives nothing */
	drain(arch, spool, cfgp, &st);
	assert_int_equal(st.entries, 0);

	/* two more entries; a copy of the spool taken before they are marked
	 * done stands for a crash between the archive commit and the done
	 * commit: draining the copy replays them and adds nothing */
	append(w, "b@bank.test", journal + 1, 2, m2);
	static const char m4[] = "Message-ID: <j4@x>\r\nSubject: four\r\n\r\nfour\r\n";
	append(w, "b@bank.test", journal + 1, 1, m4);
	assert_int_equal(spool_sync(w, &err), 0);
	spool_writer_close(w);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", spool, copy);
	assert_int_equal(system(cmd), 0);
	drain(arch, spool, cfgp, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.new_messages, 1);
	drain(arch, copy, cfgp, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.new_messages, 0);
	assert_int_equal(archive_open(&a, arch, cfgp, 0, &err), 0);
	assert_int_equal(count(a, "SELECT count(*) FROM messages"), 4);
	assert_int_equal(count(a, "SELECT count(*) FROM deliveries"), 6);
	archive_close(a);

	fixture_release(&fx);
}

/* The pool in drain() copies at most 1 MiB: a larger entry is parsed
 * directly, after the entries before it and before those after it. */
static void test_large_entry(void **state)
{
	(void)state;
	if (worker_exe() == NULL)
		skip();
	struct fixture fx;
	fixture_init(&fx);
	const char *arch = fx.arch, *spool = fx.spool;
	const struct config *cfgp = &fx.cfg;
	struct error err = ERROR_INIT;
	struct spool_opts so;
	spool_opts_default(&so);
	struct spool_writer *w;
	assert_int_equal(spool_writer_open(&w, spool, &so, &err), 0);
	static const char *const rcpt[] = {"rcpt+alice=bank.test@archive.test"};
	static const char head[] = "Message-ID: <big@x>\r\nSubject: big\r\n\r\n";
	size_t big_len = (3u << 20) / 2;
	char *big = malloc(big_len + 1);
	assert_non_null(big);
	memset(big, 'b', big_len);
	memcpy(big, head, strlen(head));
	for (size_t i = 100; i < big_len; i += 100) {
		big[i - 2] = '\r';
		big[i - 1] = '\n';
	}
	big[big_len] = '\0';
	append(w, "a@bank.test", rcpt, 1, "Message-ID: <s1@x>\r\n\r\none\r\n");
	append(w, "a@bank.test", rcpt, 1, "Message-ID: <s2@x>\r\n\r\ntwo\r\n");
	append(w, "a@bank.test", rcpt, 1, big);
	append(w, "a@bank.test", rcpt, 1, "Message-ID: <s3@x>\r\n\r\nthree\r\n");
	assert_int_equal(spool_sync(w, &err), 0);
	spool_writer_close(w);
	free(big);

	struct drain_stats st;
	drain(arch, spool, cfgp, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.new_messages, 4);
	assert_int_equal(st.journal_rcpts, 4);
	struct archive *a;
	assert_int_equal(archive_open(&a, arch, cfgp, 0, &err), 0);
	assert_int_equal(count(a, "SELECT count(*) FROM messages"), 4);
	char *order = column_text(a, "SELECT group_concat(origin, ',') FROM (SELECT origin FROM "
				     "deliveries ORDER BY id)");
	assert_string_equal(order, "spool:1,spool:2,spool:3,spool:4");
	free(order);
	archive_close(a);
	/* all of it marked done */
	drain(arch, spool, cfgp, &st);
	assert_int_equal(st.entries, 0);

	fixture_release(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drain),
	    cmocka_unit_test(test_large_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
