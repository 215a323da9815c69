/*
 * db.c - prepared-statement cache and error helpers. See db.h.
 *
 * The cache is a small open-addressing table per process, keyed by
 * (connection, SQL text); custos has a handful of connections and a few
 * dozen distinct statements, so it stays tiny and needs no eviction.
 * Invariant: every cached statement belongs to a live connection; a
 * connection's entries are removed by db_stmt_release_all() before close.
 */
#include "core/db.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct entry {
	sqlite3 *db;
	char *sql;
	sqlite3_stmt *st;
};

static struct entry *table;
static size_t cap, used;

static size_t hash(const sqlite3 *db, const char *sql)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)db;
	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)h;
}

static void grow(void)
{
	struct entry *old = table;
	size_t old_cap = cap;
	cap = cap ? cap * 2 : 64;
	table = xcalloc(cap, sizeof(*table));
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].db == NULL)
			continue;
		size_t j = hash(old[i].db, old[i].sql) & (cap - 1);
		while (table[j].db != NULL)
			j = (j + 1) & (cap - 1);
		table[j] = old[i];
	}
	free(old);
}

int db_fail(sqlite3 *db, struct error *err, const char *what)
{
	return error_set(err, ERR_IO, "%s: %s", what, sqlite3_errmsg(db));
}

sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql, struct error *err)
{
	if (cap == 0 || (used + 1) * 2 > cap)
		grow();
	size_t j = hash(db, sql) & (cap - 1);
	while (table[j].db != NULL) {
		if (table[j].db == db && strcmp(table[j].sql, sql) == 0) {
			sqlite3_reset(table[j].st);
			sqlite3_clear_bindings(table[j].st);
			return table[j].st;
		}
		j = (j + 1) & (cap - 1);
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		db_fail(db, err, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	table[j].db = db;
	table[j].sql = xstrdup(sql);
	table[j].st = st;
	used++;
	return st;
}

void db_stmt_release_all(sqlite3 *db)
{
	if (cap == 0)
		return;
	/* Rebuild without db's entries (deleting in place would break probes). */
	struct entry *old = table;
	size_t old_cap = cap;
	table = xcalloc(cap, sizeof(*table));
	used = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].db == NULL)
			continue;
		if (old[i].db == db) {
			sqlite3_finalize(old[i].st);
			free(old[i].sql);
			continue;
		}
		size_t j = hash(old[i].db, old[i].sql) & (cap - 1);
		while (table[j].db != NULL)
			j = (j + 1) & (cap - 1);
		table[j] = old[i];
		used++;
	}
	free(old);
}

int db_exec(sqlite3 *db, const char *sql, struct error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, ERR_IO, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}
