/*
 * search.h - the query language of doc/search.md: parsing, compiling to
 * SQL over the metadata tables (src/index/meta.c) and the full-text tables
 * (src/index/fts.h), and running a search with exact counts and cursor
 * pagination. Used identically by the CLI and the HTTP API.
 *
 * Ownership: results are owned by struct search_result until
 * search_result_release().
 */
#ifndef CUSTOS_SEARCH_SEARCH_H
#define CUSTOS_SEARCH_SEARCH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SEARCH_MAX_QUERY 4096 /* bytes of one query */
#define SEARCH_MAX_LIMIT 10000
#define SEARCH_MAX_DEPTH 32  /* nesting of parentheses and NOT/- in a query */
#define SEARCH_MAX_TERMS 256 /* words, phrases and fields of one query */

struct search_env {
	int64_t now; /* seconds since the epoch: relative dates ("30d") */
	/* the organisation's own domains, lower case (direction:) */
	const char *const *internal_domains;
	size_t n_internal_domains;
};

enum search_order {
	SEARCH_BY_DATE = 0,	 /* newest first (default) */
	SEARCH_BY_DATE_ASC = 1,	 /* oldest first */
	SEARCH_BY_RELEVANCE = 2, /* bm25, best first */
};

struct search_opts {
	const char *query;
	enum search_order order;
	size_t limit;	    /* 1 .. SEARCH_MAX_LIMIT; 0: count only */
	const char *cursor; /* from a previous result's next_cursor, or NULL */
};

struct search_hit {
	int64_t id;   /* messages.id */
	int64_t date; /* messages.date */
	double rank;  /* bm25 (relevance order), else 0 */
};

struct search_result {
	struct search_hit *v;
	size_t n;
	uint64_t total;	   /* exact number of matching messages */
	char *next_cursor; /* NULL when there are no more */
};

void search_result_init(struct search_result *r);
void search_result_release(struct search_result *r);

/* Runs a query. A query error (ERR_INVALID) names the column (1-based
 * character offset) and the reason: "column 7: unbalanced parenthesis". */
int search_run(sqlite3 *db, const struct search_env *env, const struct search_opts *o,
	       struct search_result *r, struct error *err);

/* Parses and compiles without running; *explain_r (caller frees) is a
 * readable rendering of the compiled SQL and FTS5 expressions, for
 * `custos search --explain` and the tests. */
int search_explain(const struct search_env *env, const char *query, char **explain_r,
		   struct error *err);

#endif
