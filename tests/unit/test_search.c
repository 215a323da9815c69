/*
 * test_search.c - unit tests of src/search/: the query language of
 * doc/search.md. A parser table (query -> compiled SQL and FTS5 text, or
 * the error and its column); the same language run against an in-memory
 * archive index (idx_schema + idx_fts_open, rows inserted directly) with
 * the expected result set of every operator and field; cursor pagination
 * in every order over a few hundred messages (no duplicates, nothing
 * missed, the same as one big page); relevance; counts; bad cursors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/xalloc.h"
#include "index/fts.h"
#include "index/meta.h"
#include "search/search.h"

/* 2024-02-02 00:00:00 UTC: "now" of every test. */
#define NOW INT64_C(1706832000)
#define DAY INT64_C(86400)
#define JAN10 INT64_C(1704888000) /* 2024-01-10 12:00 UTC */

static const char *const domains[] = {"corp.com", "Corp.CN"};
static const struct search_env env = {NOW, domains, 2};
static const struct search_env env_nodomains = {NOW, NULL, 0};

/* ---- parser and compiler: query -> explain ----------------------------- */

struct explain_case {
	const char *query;
	const char *explain; /* exact, or NULL */
	const char *error;   /* "column N: ..." prefix, or NULL */
};

static const struct explain_case explain_cases[] = {
    {"hello",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n?1 = '\"hello\"'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"Hello   WORLD",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"hello\" AND \"world\"'\nrelevance: bm25 of ?1",
     NULL},
    {"\"hello world\"",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"hello\" + \"world\"'\nrelevance: bm25 of ?1",
     NULL},
    {"a OR b -c",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"a\" OR (\"b\" NOT \"c\")'\nrelevance: bm25 of ?1",
     NULL},
    {"a | b",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"a\" OR \"b\"'\nrelevance: bm25 of ?1",
     NULL},
    {"a AND b OR c",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '(\"a\" AND \"b\") OR \"c\"'\nrelevance: bm25 of ?1",
     NULL},
    {"a (b OR c)",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"a\" AND (\"b\" OR \"c\")'\nrelevance: bm25 of ?1",
     NULL},
    {"NOT a",
     "where: m.id NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n?1 = '\"a\"'\n"
     "relevance: none (sorted by date)",
     NULL},
    {"-a -b",
     "where: m.id NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"a\" OR \"b\"'\nrelevance: none (sorted by date)",
     NULL},
    {"--a",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n?1 = '\"a\"'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"x -(a b)",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"x\" NOT (\"a\" AND \"b\")'\nrelevance: bm25 of ?1",
     NULL},
    {"from:alice",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '{from_addr} : \"alice\"'\nrelevance: bm25 of ?1",
     NULL},
    {"FROM:alice@corp.com",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '{from_addr} : \"alice\" + \"corp\" + \"com\"'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"subject:\"big deal\" x",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '({subject} : \"big\" + \"deal\") AND \"x\"'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"to:(a OR b)",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '({to_addr} : \"a\") OR ({to_addr} : \"b\")'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"bcc:bob",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1) OR m.id IN "
     "(SELECT d.message FROM deliveries d WHERE d.id IN (SELECT rowid FROM fts_env "
     "WHERE fts_env MATCH ?2))\n?1 = '{bcc_addr} : \"bob\"'\n?2 = '\"bob\"'\n"
     "relevance: none (sorted by date)",
     NULL},
    {"基金",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n?1 = '\"基金\"'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"有限公司",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"有限\" + \"限公\" + \"公司\"'\nrelevance: bm25 of ?1",
     NULL},
    {"金",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n?1 = '\"金\"*'\n"
     "relevance: bm25 of ?1",
     NULL},
    {"label:Work",
     "where: m.id IN (SELECT l.message FROM labels l WHERE l.label = ?1 "
     "COLLATE NOCASE)\n?1 = 'Work'\nrelevance: none (sorted by date)",
     NULL},
    {"folder:\"Sent Items\"",
     "where: m.id IN (SELECT l.message FROM labels l WHERE "
     "l.label = ?1 COLLATE NOCASE)\n?1 = 'Sent Items'\n"
     "relevance: none (sorted by date)",
     NULL},
    {"msgid:<a'b@x>",
     "where: m.message_id = ?1\n?1 = 'a''b@x'\n"
     "relevance: none (sorted by date)",
     NULL},
    {"has:attachment",
     "where: EXISTS (SELECT 1 FROM attachments t WHERE t.message = m.id)\n"
     "relevance: none (sorted by date)",
     NULL},
    {"after:2024-01-01 before:2024-02-01",
     "where: m.date >= ?1 AND m.date < ?2\n"
     "?1 = 1704067200\n?2 = 1706745600\n"
     "relevance: none (sorted by date)",
     NULL},
    {"on:2024-02-29",
     "where: m.date >= ?1 AND m.date < ?2\n?1 = 1709164800\n"
     "?2 = 1709251200\nrelevance: none (sorted by date)",
     NULL},
    {"after:30d", "where: m.date >= ?1\n?1 = 1704240000\nrelevance: none (sorted by date)", NULL},
    {"after:2w", "where: m.date >= ?1\n?1 = 1705622400\nrelevance: none (sorted by date)", NULL},
    {"after:1m", "where: m.date >= ?1\n?1 = 1704153600\nrelevance: none (sorted by date)", NULL},
    {"before:1y", "where: m.date < ?1\n?1 = 1675296000\nrelevance: none (sorted by date)", NULL},
    {"size>10M", "where: m.size > ?1\n?1 = 10485760\nrelevance: none (sorted by date)", NULL},
    {"size>=1k size<=2GB size<100 size:>5",
     "where: m.size >= ?1 AND m.size <= ?2 AND m.size < ?3 AND m.size > ?4\n?1 = 1024\n"
     "?2 = 2147483648\n?3 = 100\n?4 = 5\nrelevance: none (sorted by date)",
     NULL},
    {"x -after:2024-01-01",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1) AND "
     "(m.date >= ?2) IS NOT 1\n?1 = '\"x\"'\n?2 = 1704067200\n"
     "relevance: bm25 of ?1",
     NULL},
    {"x OR label:a",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1) OR m.id IN "
     "(SELECT l.message FROM labels l WHERE l.label = ?2 COLLATE NOCASE)\n"
     "?1 = '\"x\"'\n?2 = 'a'\nrelevance: none (sorted by date)",
     NULL},
    {"a - b & c",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"a\" AND \"b\" AND \"c\"'\nrelevance: bm25 of ?1",
     NULL},
    {"say \"\\\"hi\\\"\"",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"say\" AND \"hi\"'\nrelevance: bm25 of ?1",
     NULL},
    {"x\xe3\x80\x80y",
     "where: m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)\n"
     "?1 = '\"x\" AND \"y\"'\nrelevance: bm25 of ?1",
     NULL},

    /* errors: the column is a character position */
    {"", NULL, "column 1: empty query"},
    {"   ", NULL, "column 1: empty query"},
    {"!!! ...", NULL, "column 1: nothing to search for"},
    {"frm:alice", NULL, "column 1: unknown field \"frm:\" (did you mean \"from:\"?)"},
    {"x subjet:y", NULL, "column 3: unknown field \"subjet:\" (did you mean \"subject:\"?)"},
    {"http://x", NULL, "column 1: unknown field \"http:\""},
    {"基金 frm:a", NULL, "column 4: unknown field"},
    {"(a b", NULL, "column 1: unbalanced parenthesis"},
    {"a b)", NULL, "column 4: unbalanced parenthesis"},
    {"a ((b) c", NULL, "column 3: unbalanced parenthesis"},
    {"()", NULL, "column 1: nothing inside parentheses"},
    {"a OR", NULL, "column 3: OR needs a term on each side"},
    {"OR a", NULL, "column 1: OR needs a term on each side"},
    {"a OR !!", NULL, "column 3: OR needs something to search for"},
    {"AND a", NULL, "column 1: AND needs a term"},
    {"a AND", NULL, "column 3: AND needs a term"},
    {"NOT", NULL, "column 1: nothing after NOT"},
    {"a NOT", NULL, "column 3: nothing after NOT"},
    {"\"abc", NULL, "column 1: unterminated quotation mark"},
    {"from:", NULL, "column 1: from: needs a value"},
    {"from: alice", NULL, "column 1: from: needs a value"},
    {"from:!!!", NULL, "column 6: nothing to search for after from:"},
    {"from:(label:x)", NULL, "column 7: label: inside from:( )"},
    {"from:()", NULL, "column 6: nothing inside parentheses"},
    {"label:(a b)", NULL, "column 7: label: takes one value"},
    {"has:pdf", NULL, "column 5: has: takes \"attachment\""},
    {"before:2024-13-01", NULL, "column 8: bad date \"2024-13-01\": no such day"},
    {"on:2023-02-29", NULL, "column 4: bad date"},
    {"after:yesterday", NULL, "column 7: bad date \"yesterday\""},
    {"after:5x", NULL, "column 7: bad date"},
    {"on:3d", NULL, "column 4: on: takes a day"},
    {"size>10X", NULL, "column 6: bad size \"10X\""},
    {"size>", NULL, "column 6: bad size"},
    {"size>99999999999999999999", NULL, "column 6: bad size"},
    {"size>9999999999G", NULL, "column 6: bad size \"9999999999G\": too large"},
    {"size:10", NULL, "column 6: size needs a comparison"},
    {"size=10", NULL, "column 1: size needs a comparison"},
    {"direction:sideways", NULL, "column 11: direction: takes in, out or internal"},
    {"msgid:<>", NULL, "column 7: empty msgid:"},
    {"a \xff", NULL, "column 3: not valid UTF-8"},
    {"\xe4\xb8", NULL, "column 1: not valid UTF-8"},
};

static void test_explain_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(explain_cases) / sizeof(explain_cases[0]); i++) {
		const struct explain_case *c = &explain_cases[i];
		struct error err = ERROR_INIT;
		char *text = NULL;
		int rc = search_explain(&env, c->query, &text, &err);
		if (c->error == NULL) {
			if (rc != 0 || strcmp(text, c->explain) != 0)
				fail_msg("query [%s]\nwant:\n%s\ngot (%d):\n%s\n%s", c->query,
					 c->explain, rc, text ? text : "(none)", err.msg);
		} else {
			if (rc != -1 || text != NULL || err.code != ERR_INVALID ||
			    strncmp(err.msg, c->error, strlen(c->error)) != 0)
				fail_msg("query [%s]: want error [%s], got %d [%s] %s", c->query,
					 c->error, rc, err.msg, text ? text : "");
		}
		free(text);
	}
}

static void test_explain_direction(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	char *text = NULL;
	assert_int_equal(search_explain(&env, "direction:out", &text, &err), 0);
	/* the domains are one parameter, lower-cased, comma-framed */
	assert_non_null(strstr(text, "?1 = ',corp.com,corp.cn,'"));
	free(text);
	text = NULL;
	assert_int_equal(search_explain(&env_nodomains, "direction:in", &text, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "internal domains"));

	/* a domain that could break the comma framing is refused */
	static const char *const bad[] = {"a,b"};
	const struct search_env env_bad = {NOW, bad, 1};
	assert_int_equal(search_explain(&env_bad, "x", &text, &err), -1);
	assert_int_equal(err.code, ERR_USAGE);
}

static void test_limits(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	char *text = NULL;
	struct buf b;

	/* too long */
	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < SEARCH_MAX_QUERY + 1; i++)
		assert_int_equal(buf_append_byte(&b, 'a', &err), 0);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), -1);
	assert_non_null(strstr(err.msg, "query too long"));
	buf_release(&b);

	/* nesting: SEARCH_MAX_DEPTH levels are fine, one more is not */
	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < SEARCH_MAX_DEPTH; i++)
		buf_append_byte(&b, '(', &err);
	buf_append_byte(&b, 'x', &err);
	for (int i = 0; i < SEARCH_MAX_DEPTH; i++)
		buf_append_byte(&b, ')', &err);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), 0);
	free(text);
	buf_reset(&b);
	for (int i = 0; i < SEARCH_MAX_DEPTH + 1; i++)
		buf_append_byte(&b, '(', &err);
	buf_append_byte(&b, 'x', &err);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), -1);
	char want[80];
	snprintf(want, sizeof(want), "column %d: nesting too deep (at most %d)",
		 SEARCH_MAX_DEPTH + 1, SEARCH_MAX_DEPTH);
	assert_string_equal(err.msg, want);
	buf_reset(&b);
	for (int i = 0; i < 2000; i++)
		buf_append_str(&b, "-", &err);
	buf_append_byte(&b, 'x', &err);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), -1);
	assert_non_null(strstr(err.msg, "nesting too deep"));
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, "NOT ", &err);
	buf_append_byte(&b, 'x', &err);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), -1);
	assert_non_null(strstr(err.msg, "nesting too deep"));

	/* terms: SEARCH_MAX_TERMS are fine, one more is not */
	buf_reset(&b);
	for (int i = 0; i < SEARCH_MAX_TERMS; i++)
		buf_printf(&b, &err, "w%d ", i);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), 0);
	free(text);
	buf_append_str(&b, "one-more", &err);
	assert_int_equal(search_explain(&env, buf_cstr(&b), &text, &err), -1);
	assert_non_null(strstr(err.msg, "too many terms"));
	buf_release(&b);
}

/* ---- an index to search ------------------------------------------------ */

struct msg {
	int64_t id;
	int64_t date; /* 0: unknown (NULL) */
	const char *subject, *body, *attachment, *filename;
	const char *from, *to, *cc, *bcc; /* "Name addr" lines, ';'-separated */
	int64_t size;
	const char *msgid, *label;
	const char *env_rcpts; /* envelope recipients, ';'-separated, or NULL */
};

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static sqlite3 *open_index(void)
{
	sqlite3 *db = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (idx_schema(db, &err) < 0 || idx_fts_open(db, 1, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	return db;
}

/* Inserts the addresses of a ';'-separated list; the addr is the last word. */
static void add_addrs(sqlite3 *db, int64_t id, int role, const char *list, struct buf *line)
{
	if (list == NULL)
		return;
	char *copy = xstrdup(list), *save = NULL;
	int pos = 0;
	struct error err = ERROR_INIT;
	for (char *it = strtok_r(copy, ";", &save); it; it = strtok_r(NULL, ";", &save)) {
		const char *sp = strrchr(it, ' ');
		const char *addr = sp ? sp + 1 : it;
		char *sql = sqlite3_mprintf("INSERT INTO addresses VALUES(%lld, %d, %d, %Q, NULL)",
					    (long long)id, role, pos++, addr);
		exec(db, sql);
		sqlite3_free(sql);
		buf_append_str(line, it, &err);
		buf_append_byte(line, '\n', &err);
	}
	free(copy);
}

static void add_msg(sqlite3 *db, const struct msg *m)
{
	char date[32] = "NULL";
	if (m->date != 0)
		snprintf(date, sizeof(date), "%" PRId64, m->date);
	char *sql = sqlite3_mprintf(
	    "INSERT INTO messages(id, blob, hash, message_id, date, subject, size, flags, n_parts,"
	    " archived, source) VALUES(%lld, %lld, 'h', %Q, %s, %Q, %lld, 0, 1, 0, 'test')",
	    (long long)m->id, (long long)m->id, m->msgid, date, m->subject, (long long)m->size);
	exec(db, sql);
	sqlite3_free(sql);
	struct buf a[4];
	const char *lists[4] = {m->from, m->to, m->cc, m->bcc};
	for (int r = 0; r < 4; r++) {
		buf_init(&a[r], BUF_UNLIMITED);
		add_addrs(db, m->id, r + 1, lists[r], &a[r]);
	}
	sql = sqlite3_mprintf(
	    "INSERT INTO fts(rowid, subject, body, attachment, filename,"
	    " from_addr, to_addr, cc_addr, bcc_addr)"
	    " VALUES(%lld, %Q, %Q, %Q, %Q, %Q, %Q, %Q, %Q)",
	    (long long)m->id, m->subject ? m->subject : "", m->body ? m->body : "",
	    m->attachment ? m->attachment : "", m->filename ? m->filename : "",
	    buf_cstr(&a[0]) ? buf_cstr(&a[0]) : "", buf_cstr(&a[1]) ? buf_cstr(&a[1]) : "",
	    buf_cstr(&a[2]) ? buf_cstr(&a[2]) : "", buf_cstr(&a[3]) ? buf_cstr(&a[3]) : "");
	exec(db, sql);
	sqlite3_free(sql);
	for (int r = 0; r < 4; r++)
		buf_release(&a[r]);
	if (m->label != NULL) {
		sql = sqlite3_mprintf("INSERT INTO labels VALUES(%lld, %Q)", (long long)m->id,
				      m->label);
		exec(db, sql);
		sqlite3_free(sql);
	}
	if (m->filename != NULL) {
		sql = sqlite3_mprintf("INSERT INTO attachments(message, pos, filename, content_type, size) VALUES(%lld, 0, %Q, 'x/y', 10)",
				      (long long)m->id, m->filename);
		exec(db, sql);
		sqlite3_free(sql);
	}
	if (m->env_rcpts != NULL) {
		struct error err = ERROR_INIT;
		sql = sqlite3_mprintf("INSERT INTO deliveries(message, source, origin, env_from,"
				      " received) VALUES(%lld, 'test', 'o%lld', NULL, 0)",
				      (long long)m->id, (long long)m->id);
		exec(db, sql);
		sqlite3_free(sql);
		int64_t did = sqlite3_last_insert_rowid(db);
		char *copy = xstrdup(m->env_rcpts), *save = NULL;
		const char *v[16];
		size_t n = 0;
		for (char *it = strtok_r(copy, ";", &save); it && n < 16;
		     it = strtok_r(NULL, ";", &save)) {
			sql = sqlite3_mprintf("INSERT INTO delivery_rcpts VALUES(%lld, %d, %Q)",
					      (long long)did, (int)n, it);
			exec(db, sql);
			sqlite3_free(sql);
			v[n++] = it;
		}
		if (idx_fts_insert_env(db, did, v, n, &err) < 0)
			fail_msg("%s", err.msg);
		free(copy);
	}
}

/* Date order (newest first, undated last): 3 2 5 1 6 4. */
static const struct msg corpus[] = {
    {1, JAN10, "Quarterly report", "The fund 基金 performance was good", "revenue figures",
     "report.pdf", "Alice Smith alice@corp.com", "bob@client.org", NULL, NULL, 1000, "m1@corp.com",
     "Work", NULL},
    {2, JAN10 + DAY, "Lunch", "pizza or sushi", NULL, NULL, "Bob bob@client.org", "alice@corp.com",
     "carol@corp.com", NULL, 5000, "m2@client.org", "INBOX", NULL},
    {3, INT64_C(1706788800), "发票 invoice", "请查收发票，谢谢", "总金额", "invoice.xlsx",
     "carol@corp.com", "dave@corp.cn", NULL, NULL, 2 * 1024 * 1024, NULL, NULL, NULL},
    {4, 0, "no date", "spam offer", NULL, NULL, "spammer@evil.net", "alice@corp.com", NULL, NULL,
     100, NULL, NULL, NULL},
    {5, JAN10, "report draft", "draft of the report", NULL, NULL, "alice@corp.com",
     "carol@corp.com", NULL, "eve@outside.com", 3000, NULL, NULL,
     "eve@outside.com;frank@corp.com;carol@corp.com"},
    {6, INT64_C(1704067199), "year end", "happy new year", NULL, NULL, "dave@corp.com",
     "ext@partner.com", NULL, NULL, 10 * 1024 * 1024 + 1, NULL, NULL, NULL},
};

static sqlite3 *small_index(void)
{
	sqlite3 *db = open_index();
	exec(db, "BEGIN");
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		add_msg(db, &corpus[i]);
	exec(db, "COMMIT");
	return db;
}

/* Runs q (all hits, newest first) and renders the ids "3,2,5". */
static char *run_ids(sqlite3 *db, const struct search_env *e, const char *q,
		     enum search_order order, uint64_t *total_r, struct error *err)
{
	struct search_opts o = {q, order, SEARCH_MAX_LIMIT, NULL};
	struct search_result r;
	search_result_init(&r);
	if (search_run(db, e, &o, &r, err) < 0)
		return NULL;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b, "", err);
	for (size_t i = 0; i < r.n; i++)
		buf_printf(&b, err, "%s%" PRId64, i ? "," : "", r.v[i].id);
	if (total_r != NULL)
		*total_r = r.total;
	assert_int_equal(r.total, r.n);
	assert_null(r.next_cursor);
	search_result_release(&r);
	return (char *)buf_detach(&b, NULL);
}

struct run_case {
	const char *query;
	const char *ids; /* newest first */
};

static const struct run_case run_cases[] = {
    {"report", "5,1"},
    {"REPORT", "5,1"},
    {"基金", "1"},
    {"金", "3,1"}, /* one character: 基金 in 1, 总金额 in 3 */
    {"发票", "3"},
    {"查收发票", "3"},
    {"收发", "3"},
    {"发票 谢谢", "3"},
    {"\"发票谢谢\"", ""},
    {"from:alice", "5,1"},
    {"from:alice@corp.com", "5,1"},
    {"from:\"alice smith\"", "1"},
    {"to:alice", "2,4"},
    {"cc:carol", "2"},
    {"to:corp.cn", "3"},
    {"-report", "3,2,6,4"},
    {"NOT report", "3,2,6,4"},
    {"report OR pizza", "2,5,1"},
    {"report | pizza", "2,5,1"},
    {"report -draft", "1"},
    {"report AND draft", "5"},
    {"(report OR pizza) -draft", "2,1"},
    {"-report -pizza", "3,6,4"},
    {"-(report OR pizza)", "3,6,4"},
    {"-report -label:work", "3,2,6,4"},
    {"report OR label:inbox", "2,5,1"},
    {"report label:work", "1"},
    {"\"happy new year\"", "6"},
    {"\"new happy\"", ""},
    {"subject:report", "5,1"},
    {"body:report", "5"},
    {"attachment:revenue", "1"},
    {"revenue", "1"},
    {"filename:pdf", "1"},
    {"filename:invoice.xlsx", "3"},
    {"subject:(draft OR lunch)", "2,5"},
    {"subject:(report -draft)", "1"},
    {"bcc:eve", "5"},
    {"bcc:frank", "5"}, /* envelope only */
    {"bcc:carol", "5"}, /* envelope (To in 5 too, but not Bcc) */
    {"to:frank", ""},
    {"participant:frank", "5"},
    {"participant:carol", "3,2,5"},
    {"participant:(eve OR dave)", "3,5,6"},
    {"-bcc:eve", "3,2,1,6,4"},
    {"has:attachment", "3,1"},
    {"-has:attachment", "2,5,6,4"},
    {"label:work", "1"},
    {"folder:INBOX", "2"},
    {"label:nothere", ""},
    {"msgid:<m1@corp.com>", "1"},
    {"msgid:m1@corp.com", "1"},
    {"-msgid:m1@corp.com", "3,2,5,6,4"},
    {"after:2024-01-11", "3,2"},
    {"before:2024-01-10", "6"},
    {"on:2024-01-10", "5,1"},
    {"on:2023-12-31", "6"},
    {"-on:2024-01-10", "3,2,6,4"},
    {"after:2d", "3"},
    {"after:1m", "3,2,5,1"},
    {"before:1y", ""},
    {"size>1M", "3,6"},
    {"size>=10M", "6"},
    {"size>10M", "6"},
    {"size<1K", "1,4"},
    {"size<=1000", "1,4"},
    {"size>1000 size<5000", "5"},
    {"direction:out", "5,1,6"},
    {"direction:in", "2,4"},
    {"direction:internal", "3"},
    {"-direction:out", "3,2,4"},
    {"direction:out report", "5,1"},
    {"report OR direction:internal", "3,5,1"},
    {"after:2024-01-01 (report OR lunch) -has:attachment", "2,5"},
};

static void test_run_table(void **state)
{
	(void)state;
	sqlite3 *db = small_index();
	for (size_t i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
		const struct run_case *c = &run_cases[i];
		struct error err = ERROR_INIT;
		char *got = run_ids(db, &env, c->query, SEARCH_BY_DATE, NULL, &err);
		if (got == NULL || strcmp(got, c->ids) != 0)
			fail_msg("query [%s]: want [%s], got [%s] %s", c->query, c->ids,
				 got ? got : "(error)", err.msg);
		free(got);
	}
	sqlite3_close(db);
}

static void test_run_orders(void **state)
{
	(void)state;
	sqlite3 *db = small_index();
	struct error err = ERROR_INIT;
	char *got = run_ids(db, &env, "-nothing", SEARCH_BY_DATE, NULL, &err);
	assert_string_equal(got, "3,2,5,1,6,4");
	free(got);
	got = run_ids(db, &env, "-nothing", SEARCH_BY_DATE_ASC, NULL, &err);
	assert_string_equal(got, "4,6,1,5,2,3");
	free(got);
	/* relevance without a full-text part: by date */
	got = run_ids(db, &env, "size>0", SEARCH_BY_RELEVANCE, NULL, &err);
	assert_string_equal(got, "3,2,5,1,6,4");
	free(got);
	/* "report": subject and body of 5 beats subject of 1 (and the file name) */
	got = run_ids(db, &env, "report", SEARCH_BY_RELEVANCE, NULL, &err);
	assert_non_null(got);
	assert_string_equal(got, "5,1");
	free(got);

	/* count only */
	struct search_opts o = {"report OR pizza", SEARCH_BY_DATE, 0, NULL};
	struct search_result r;
	search_result_init(&r);
	assert_int_equal(search_run(db, &env, &o, &r, &err), 0);
	assert_int_equal(r.total, 3);
	assert_int_equal(r.n, 0);
	assert_null(r.next_cursor);

	/* errors */
	o.limit = SEARCH_MAX_LIMIT + 1;
	assert_int_equal(search_run(db, &env, &o, &r, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	o.limit = 1;
	o.query = "frm:x";
	assert_int_equal(search_run(db, &env, &o, &r, &err), -1);
	assert_string_equal(err.msg, "column 1: unknown field \"frm:\" (did you mean \"from:\"?)");
	search_result_release(&r);
	sqlite3_close(db);
}

/* ---- pagination -------------------------------------------------------- */

/* n messages with repeating dates, some undated, words with known
 * frequencies: "every" in all, "half" in even ids, "rare" in every 37th. */
static sqlite3 *paging_index(int n)
{
	sqlite3 *db = open_index();
	exec(db, "BEGIN");
	for (int i = 1; i <= n; i++) {
		char body[200];
		snprintf(body, sizeof(body), "every %s %s %s", i % 2 == 0 ? "half" : "odd",
			 i % 37 == 0 ? "rare" : "", i % 5 == 0 ? "half half half" : "");
		struct msg m = {i,
				i % 11 == 0 ? 0 : INT64_C(1700000000) + (i % 17) * DAY,
				i % 3 == 0 ? "half subject" : "subject",
				body,
				NULL,
				NULL,
				"x@corp.com",
				"y@corp.com",
				NULL,
				NULL,
				100 + i,
				NULL,
				NULL,
				NULL};
		add_msg(db, &m);
	}
	exec(db, "COMMIT");
	return db;
}

/* All hits of q in one page, then page by page with limit; they must be the
 * same sequence. */
static void check_paging(sqlite3 *db, const char *q, enum search_order order, size_t limit)
{
	struct error err = ERROR_INIT;
	struct search_opts o = {q, order, SEARCH_MAX_LIMIT, NULL};
	struct search_result all, page;
	search_result_init(&all);
	search_result_init(&page);
	if (search_run(db, &env, &o, &all, &err) < 0)
		fail_msg("%s: %s", q, err.msg);
	assert_int_equal(all.n, all.total);
	size_t at = 0, pages = 0;
	char *cursor = NULL;
	o.limit = limit;
	for (;;) {
		o.cursor = cursor;
		if (search_run(db, &env, &o, &page, &err) < 0)
			fail_msg("%s page %zu: %s", q, pages, err.msg);
		assert_int_equal(page.total, all.total);
		for (size_t i = 0; i < page.n; i++, at++) {
			assert_true(at < all.n);
			if (page.v[i].id != all.v[at].id)
				fail_msg("%s order %d limit %zu: hit %zu is %" PRId64
					 ", one page says %" PRId64,
					 q, (int)order, limit, at, page.v[i].id, all.v[at].id);
		}
		pages++;
		free(cursor);
		cursor = page.next_cursor ? xstrdup(page.next_cursor) : NULL;
		if (cursor == NULL)
			break;
		assert_int_equal(page.n, limit);
	}
	assert_int_equal(at, all.n);
	assert_int_equal(pages, all.n == 0 ? 1 : (all.n + limit - 1) / limit);
	/* order checks */
	for (size_t i = 1; i < all.n; i++) {
		const struct search_hit *a = &all.v[i - 1], *b = &all.v[i];
		if (order == SEARCH_BY_RELEVANCE && (a->rank != 0 || b->rank != 0))
			assert_true(a->rank < b->rank || (a->rank == b->rank && a->id < b->id));
	}
	search_result_release(&all);
	search_result_release(&page);
}

static void test_paging(void **state)
{
	(void)state;
	sqlite3 *db = paging_index(300);
	static const char *const queries[] = {
	    "every",  "half", "rare", "-half", "odd OR rare", "size>200", "half -rare size<300",
	    "nothing"};
	static const size_t limits[] = {1, 7, 50, 299, 300, 301};
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++)
		for (int order = 0; order < 3; order++)
			for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++)
				if (limits[l] > 1 || q < 3)
					check_paging(db, queries[q], (enum search_order)order,
						     limits[l]);

	/* newest first: dates non-increasing, undated (0) at the end */
	struct error err = ERROR_INIT;
	struct search_opts o = {"every", SEARCH_BY_DATE, 300, NULL};
	struct search_result r;
	search_result_init(&r);
	assert_int_equal(search_run(db, &env, &o, &r, &err), 0);
	assert_int_equal(r.n, 300);
	for (size_t i = 1; i < r.n; i++) {
		const struct search_hit *a = &r.v[i - 1], *b = &r.v[i];
		if (a->date == 0)
			assert_true(b->date == 0 && b->id < a->id);
		else if (b->date != 0)
			assert_true(a->date > b->date || (a->date == b->date && a->id > b->id));
	}
	assert_int_equal(r.v[r.n - 1].date, 0);
	search_result_release(&r);
	sqlite3_close(db);
}

static void test_cursor_errors(void **state)
{
	(void)state;
	sqlite3 *db = paging_index(40);
	struct error err = ERROR_INIT;
	struct search_opts o = {"every", SEARCH_BY_DATE, 5, NULL};
	struct search_result r;
	search_result_init(&r);
	assert_int_equal(search_run(db, &env, &o, &r, &err), 0);
	assert_non_null(r.next_cursor);
	char *good = xstrdup(r.next_cursor);

	static const char *const bad[] = {"",	  "x",	"zz",	"0",  "abc",
					  "4400", "44", "443a", "52", "523a3030303030303030303a31"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.cursor = bad[i];
		if (search_run(db, &env, &o, &r, &err) != -1 || err.code != ERR_INVALID)
			fail_msg("cursor [%s] accepted", bad[i]);
	}
	/* upper-case hex, a flipped character, one more digit */
	char *mut = xstrdup(good);
	for (char *p = mut; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	o.cursor = mut;
	assert_int_equal(search_run(db, &env, &o, &r, &err), -1);
	free(mut);
	mut = xstrdup(good);
	mut[1] = '1'; /* "D" becomes "A" */
	o.cursor = mut;
	assert_int_equal(search_run(db, &env, &o, &r, &err), -1);
	assert_string_equal(err.msg, "cursor belongs to another order");
	free(mut);
	mut = xasprintf("%s30", good);
	o.cursor = mut; /* a longer id: well-formed, continues elsewhere */
	assert_int_equal(search_run(db, &env, &o, &r, &err), 0);
	free(mut);

	/* relevance: an offset whose next page would overflow is refused */
	o.order = SEARCH_BY_RELEVANCE;
	o.cursor = NULL;
	assert_int_equal(search_run(db, &env, &o, &r, &err), 0);
	assert_non_null(r.next_cursor);
	size_t hn = strlen(r.next_cursor) / 2;
	unsigned char plain[128];
	assert_true(hn < sizeof(plain));
	assert_int_equal(hex_decode(plain, hn, r.next_cursor), 0);
	plain[hn] = '\0';
	assert_string_equal((const char *)plain + 10, ":5");
	static const struct {
		int64_t offset;
		int ok;
	} offsets[] = {{INT64_MAX - SEARCH_MAX_LIMIT, 1},
		       {INT64_MAX - SEARCH_MAX_LIMIT + 1, 0},
		       {INT64_MAX, 0}};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		char text[64], hex[129];
		snprintf(text, sizeof(text), "%.10s:%" PRId64, (const char *)plain,
			 offsets[i].offset);
		hex_encode(hex, (const unsigned char *)text, strlen(text));
		o.cursor = hex;
		int rc = search_run(db, &env, &o, &r, &err);
		if (offsets[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(r.n, 0);
			assert_null(r.next_cursor);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err.msg, "bad cursor");
		}
	}
	o.order = SEARCH_BY_DATE;

	/* another query, another order */
	o.cursor = good;
	o.query = "every -rare";
	assert_int_equal(search_run(db, &env, &o, &r, &err), -1);
	assert_string_equal(err.msg, "cursor belongs to another query or order");
	o.query = "every";
	o.order = SEARCH_BY_DATE_ASC;
	assert_int_equal(search_run(db, &env, &o, &r, &err), -1);
	o.order = SEARCH_BY_DATE;
	assert_int_equal(search_run(db, &env, &o, &r, &err), 0);
	free(good);
	search_result_release(&r);
	sqlite3_close(db);
}

/* Appends s with every "%d" replaced by i. */
static void put_numbered(struct buf *b, const char *s, int i)
{
	struct error err = ERROR_INIT;
	for (; *s; s++) {
		if (s[0] == '%' && s[1] == 'd') {
			buf_printf(b, &err, "%d", i);
			s++;
		} else {
			buf_append_byte(b, (unsigned char)*s, &err);
		}
	}
}

/* The nesting a piece of query adds: its '(', NOT and leading '-'. */
static int nesting(const char *s)
{
	int n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '(' || (*p == '-' && (p == s || p[-1] == ' ' || p[-1] == '(')) ||
		     strncmp(p, "NOT ", 4) == 0;
	return n;
}

/* A query with many terms and deep nesting must also run (SQLite and FTS5
 * have their own expression depth limits). */
static void test_run_big(void **state)
{
	(void)state;
	sqlite3 *db = small_index();
	struct error err = ERROR_INIT;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < 255; i++)
		buf_printf(&b, &err, "w%d OR ", i);
	buf_append_str(&b, "report", &err);
	char *got = run_ids(db, &env, buf_cstr(&b), SEARCH_BY_DATE, NULL, &err);
	if (got == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(got, "5,1");
	free(got);

	buf_reset(&b);
	for (int i = 0; i < 150; i++)
		buf_printf(&b, &err, "%s-w%d ", i % 2 ? "" : "label:x OR ", i);
	got = run_ids(db, &env, buf_cstr(&b), SEARCH_BY_DATE, NULL, &err);
	if (got == NULL)
		fail_msg("%s", err.msg);
	free(got);

	/* the deepest nesting of each shape: SQLite's parsers must take it */
	static const char *const shapes[][3] = {
	    {"(w%d ", "report", ")"},
	    {"(w%d OR label:x ", "report", ")"},
	    {"(w%d OR -size>%d ", "report", ")"},
	    {"-(label:y%d OR ", "report", ")"},
	    {"(bcc:x%d OR to:y (", "report", "))"},
	    {"(w%d OR -(direction:out ", "label:x", "))"},
	    {"(w%d OR on:2024-01-01 -(", "report after:1d", "))"},
	    {"-(w%d OR ", "report", ")"},
	    {"-(w%d ", "report", ")"},
	    {"-(w%d OR -participant:x ", "report", ")"},
	    {"(w%d (z OR ", "-report", "))"},
	    {"(label:a OR label:b%d (", "direction:in participant:q", "))"},
	    {"(label:a OR -label:b%d OR (", "direction:in participant:q", "))"},
	    {"(size>1 OR NOT (", "direction:internal", "))"},
	    {"(label:a -label:b%d OR (", "x OR direction:in", ")) label:c"},
	    {"(x%d -(y OR (", "z", ")))"},
	    {"-(-(-(x%d OR ", "y", ")))"},
	};
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (int order = 0; order < 3; order++) {
			buf_reset(&b);
			int depth = nesting(shapes[s][1]), i;
			for (i = 0; depth < SEARCH_MAX_DEPTH; i++) {
				const char *open = shapes[s][0];
				int units = nesting(open);
				if (depth + units > SEARCH_MAX_DEPTH)
					break;
				depth += units;
				put_numbered(&b, open, i);
			}
			buf_append_str(&b, shapes[s][1], &err);
			for (int k = 0; k < i; k++)
				buf_append_str(&b, shapes[s][2], &err);
			got = run_ids(db, &env, buf_cstr(&b), (enum search_order)order, NULL, &err);
			if (got == NULL)
				fail_msg("shape %zu depth %d [%s]: %s", s, depth, buf_cstr(&b),
					 err.msg);
			free(got);
		}
	}
	/* a field's group, nested inside */
	buf_reset(&b);
	buf_append_str(&b, "from:(", &err);
	for (int i = 1; i < SEARCH_MAX_DEPTH / 2; i++) /* 1 + 2 per level */
		buf_printf(&b, &err, "w%d OR -(", i);
	buf_append_str(&b, "alice", &err);
	for (int i = 0; i < SEARCH_MAX_DEPTH / 2; i++)
		buf_append_byte(&b, ')', &err);
	got = run_ids(db, &env, buf_cstr(&b), SEARCH_BY_RELEVANCE, NULL, &err);
	if (got == NULL)
		fail_msg("[%s]: %s", buf_cstr(&b), err.msg);
	free(got);
	buf_release(&b);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_explain_table), cmocka_unit_test(test_explain_direction),
	    cmocka_unit_test(test_limits),	  cmocka_unit_test(test_run_table),
	    cmocka_unit_test(test_run_orders),	  cmocka_unit_test(test_paging),
	    cmocka_unit_test(test_cursor_errors), cmocka_unit_test(test_run_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
