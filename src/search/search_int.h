/*
 * search_int.h - between the query compiler (query.c) and the runner
 * (search.c); not part of the public interface.
 *
 * A compiled query is an SQL predicate over "messages m" plus its
 * parameters. Every value from the query is a parameter: the SQL text is
 * made only of fixed fragments and parameter numbers (?N), never of query
 * text. The full-text conjunct every hit must match, when there is one,
 * is kept apart (match / match_param) so that the runner can rank by it
 * (bm25) and drive the plan from it.
 *
 * Ownership: everything in struct sq is owned by it until sq_release().
 */
#ifndef CUSTOS_SEARCH_SEARCH_INT_H
#define CUSTOS_SEARCH_SEARCH_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "search/search.h"

struct sq_param {
	int is_text;
	int64_t i;
	char *s;
};

struct sq {
	char *match;	 /* FTS5 expression every hit matches, or NULL */
	int match_param; /* its parameter number, when match != NULL */
	char *rest;	 /* SQL predicate over m for the rest, or NULL */
	struct sq_param *p;
	size_t np;
};

/* Parses and compiles; ERR_INVALID "column N: reason" for a bad query. */
int sq_compile(const struct search_env *env, const char *query, struct sq *q, struct error *err);
void sq_release(struct sq *q);
/* The whole predicate: the match conjunct AND the rest (caller frees).
 * probe: the match as a per-row probe of the fts table (for a walk of the
 * date index) instead of a list of all matching ids. */
char *sq_where(const struct sq *q, int probe);
/* Binds parameters 1..np of st. */
int sq_bind(sqlite3_stmt *st, const struct sq *q);

#endif
