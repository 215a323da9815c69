/*
 * db.h - small helpers over SQLite shared by every subsystem that keeps
 * tables: a cache of prepared statements and uniform error reporting.
 *
 * db_stmt() returns a prepared statement for an SQL text, preparing it once
 * per connection (SQLITE_PREPARE_PERSISTENT) and resetting and clearing its
 * bindings on every later call: the hot paths (one insert per message)
 * then never re-parse SQL. The SQL text is the cache key by content, so
 * the caller may pass any string. Statements are borrowed: never finalize
 * them; db_stmt_release_all() does, before sqlite3_close().
 */
#ifndef CUSTOS_CORE_DB_H
#define CUSTOS_CORE_DB_H

#include <sqlite3.h>

#include "core/err.h"

/* NULL on failure, with err set ("prepare: <sqlite message>"). */
sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql, struct error *err);
/* Finalizes every cached statement of db. */
void db_stmt_release_all(sqlite3 *db);
/* Sets err to "what: <sqlite message>" and returns -1. */
int db_fail(sqlite3 *db, struct error *err, const char *what);
/* Runs SQL without results; -1 with err set on failure. */
int db_exec(sqlite3 *db, const char *sql, struct error *err);

#endif
