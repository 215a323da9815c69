/*
 * fuzz_query.c - fuzz target for the query language (src/search/).
 *
 * Input: byte 0 picks the order (bits 0-1) and whether the text holds a
 * cursor after its first line break (bit 2); the rest is the query. The
 * query is explained and run against a small in-memory index. Whatever
 * the input: no crash; explain and run agree (both succeed, or both fail
 * with the same ERR_INVALID "column N: ..." message); a query that
 * compiles also runs, so the SQL and FTS5 text the compiler writes is
 * always accepted by SQLite; a bad cursor is ERR_INVALID.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/fts.h"
#include "index/meta.h"
#include "search/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static sqlite3 *index_db(void)
{
	static sqlite3 *db;
	if (db != NULL)
		return db;
	struct error err = ERROR_INIT;
	check(sqlite3_open(":memory:", &db) == SQLITE_OK);
	check(idx_schema(db, &err) == 0 && idx_fts_open(db, 1, NULL, &err) == 0);
	static const char rows[] =
	    "INSERT INTO messages(id, blob, hash, message_id, date, subject, size, flags,"
	    " n_parts, archived, source) VALUES"
	    " (1, 1, 'h', 'a@b', 1704067200, 's', 100, 0, 1, 0, 't'),"
	    " (2, 2, 'h', NULL, NULL, 's', 5000000, 0, 1, 0, 't'),"
	    " (3, 3, 'h', 'c@d', 1600000000, 's', 10, 0, 1, 0, 't');"
	    "INSERT INTO addresses VALUES (1, 1, 0, 'a@corp.com', NULL),"
	    " (1, 2, 0, 'b@x.org', NULL), (2, 1, 0, 'b@x.org', NULL),"
	    " (2, 2, 0, 'a@corp.com', NULL), (3, 1, 0, 'a@corp.com', NULL),"
	    " (3, 3, 0, 'c@corp.com', NULL);"
	    "INSERT INTO labels VALUES (1, 'Inbox'), (3, 'Sent');"
	    "INSERT INTO attachments(message, pos, filename, content_type, size) VALUES (2, 0, 'r.pdf', 'application/pdf', 10);"
	    "INSERT INTO deliveries(id, message, source, origin, received)"
	    " VALUES (1, 3, 't', 'o', 0);"
	    "INSERT INTO delivery_rcpts VALUES (1, 0, 'd@corp.com');"
	    "INSERT INTO fts(rowid, subject, body, attachment, filename, from_addr, to_addr,"
	    " cc_addr, bcc_addr) VALUES"
	    " (1, 'hello world', '基金 公司 report', '', '', 'a@corp.com', 'b@x.org', '', ''),"
	    " (2, 'lunch', 'pizza 发票', 'revenue', 'r.pdf', 'b@x.org', 'a@corp.com', '', ''),"
	    " (3, 'x', 'y', '', '', 'a@corp.com', '', 'c@corp.com', '');"
	    "INSERT INTO fts_env(rowid, rcpt) VALUES (1, 'd@corp.com');";
	check(sqlite3_exec(db, rows, NULL, NULL, NULL) == SQLITE_OK);
	return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 2 * SEARCH_MAX_QUERY)
		return 0;
	static const char *const domains[] = {"corp.com"};
	const struct search_env env = {1706832000, domains, 1};
	char *text = malloc(size);
	check(text != NULL);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	const char *cursor = NULL;
	if (data[0] & 4) {
		char *nl = strchr(text, '\n');
		if (nl != NULL) {
			*nl = '\0';
			cursor = nl + 1;
		}
	}

	struct error e1 = ERROR_INIT, e2 = ERROR_INIT;
	char *explain = NULL;
	int rc1 = search_explain(&env, text, &explain, &e1);
	check(rc1 == 0 || rc1 == -1);
	if (rc1 == 0) {
		check(explain != NULL && strncmp(explain, "where: ", 7) == 0);
	} else {
		check(explain == NULL && e1.code == ERR_INVALID &&
		      strncmp(e1.msg, "column ", 7) == 0);
	}
	free(explain);

	struct search_opts o = {text, (enum search_order)(data[0] % 3), 2, cursor};
	struct search_result r;
	search_result_init(&r);
	int rc2 = search_run(index_db(), &env, &o, &r, &e2);
	if (rc1 < 0) {
		check(rc2 == -1 && strcmp(e1.msg, e2.msg) == 0);
	} else if (cursor == NULL) {
		if (rc2 != 0)
			fprintf(stderr, "query [%s] compiles but does not run: %s\n", text, e2.msg);
		check(rc2 == 0 && r.n <= 2 && r.total <= 3 && r.n <= r.total);
	} else {
		check(rc2 == 0 || (rc2 == -1 && e2.code == ERR_INVALID));
	}
	search_result_release(&r);
	free(text);
	return 0;
}
