/*
 * search.c - runs a compiled query (query.c): the exact count, one page of
 * hits in the asked order, and the cursor that continues after it.
 *
 * Orders: date (newest first) and date ascending page by keyset, so a
 * cursor is "the last (date, id) seen" and pages never skip or repeat a
 * message, even while new mail is archived. Messages without a date
 * (messages.date NULL) come after all dated ones when newest first and
 * before them when oldest first, by id; each page is fetched in at most two
 * index-ordered phases (dated, undated) so the date index serves both.
 * Relevance ranks by bm25 over the full-text conjunct every hit must
 * match and pages by offset (bm25 shifts as the archive grows, so a keyset
 * would not be stable either); a query without such a conjunct is sorted
 * by date.
 *
 * Cursor: lower-case hex of "D:<qh>:<date|n>:<id>" (date order, "A" for
 * ascending) or "R:<qh>:<offset>", qh being a hash of the query and order
 * it belongs to. A cursor is accepted only in its canonical form and only
 * with the same query and order: anything else is ERR_INVALID.
 *
 * Plan: with a full-text conjunct, SQLite may either collect the matching
 * ids from FTS5 and sort them, or walk the date index and test membership.
 * The first is right for rare terms, the second for frequent ones with a
 * small page; the count (needed anyway) tells which case we are in. See
 * choose_plan().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/hex.h"
#include "core/xalloc.h"
#include "search/search.h"
#include "search/search_int.h"

#define CURSOR_MAX 128 /* bytes of a decoded cursor */

/* bm25 weights of the fts columns (subject, body, attachment, filename,
 * from, to, cc, bcc): a word in the subject, a file name or an address
 * says more about a message than one in a long body. */
#define BM25_WEIGHTS "3.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0"

void search_result_init(struct search_result *r)
{
	memset(r, 0, sizeof(*r));
}

void search_result_release(struct search_result *r)
{
	free(r->v);
	free(r->next_cursor);
	memset(r, 0, sizeof(*r));
}

struct cursor {
	char kind;	/* 'D', 'A', 'R'; 0: none */
	int undated;	/* D/A: the last hit had no date */
	int64_t date;	/* D/A */
	int64_t id;	/* D/A */
	int64_t offset; /* R */
};

/* FNV-1a over the query and the order. */
static uint32_t query_hash(const char *q, int order)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *s = (const unsigned char *)q; *s; s++)
		h = (h ^ *s) * 16777619u;
	return (h ^ (unsigned)order) * 16777619u;
}

static char *cursor_text(const struct cursor *c, uint32_t qh)
{
	char plain[CURSOR_MAX];
	if (c->kind == 'R')
		snprintf(plain, sizeof(plain), "R:%08x:%" PRId64, qh, c->offset);
	else if (c->undated)
		snprintf(plain, sizeof(plain), "%c:%08x:n:%" PRId64, c->kind, qh, c->id);
	else
		snprintf(plain, sizeof(plain), "%c:%08x:%" PRId64 ":%" PRId64, c->kind, qh, c->date,
			 c->id);
	size_t n = strlen(plain);
	char *hex = xmalloc(2 * n + 1);
	hex_encode(hex, (const unsigned char *)plain, n);
	return hex;
}

/* A decimal int64, optionally negative (dates before 1970), without
 * leading zeros or overflow; *s advanced. */
static int strict_int(const char **s, int64_t *v_r)
{
	const char *p = *s;
	int neg = 0;
	if (*p == '-')
		neg = 1, p++;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return -1;
	int64_t v = 0;
	while (*p >= '0' && *p <= '9') {
		int d = *p++ - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*v_r = neg ? -v : v;
	*s = p;
	return 0;
}

static int cursor_parse(const char *text, uint32_t qh, struct cursor *c, struct error *err)
{
	size_t n = strlen(text);
	unsigned char plain[CURSOR_MAX + 1];
	memset(c, 0, sizeof(*c));
	if (n == 0 || n % 2 != 0 || n / 2 > CURSOR_MAX || hex_decode(plain, n / 2, text) < 0)
		goto bad;
	plain[n / 2] = '\0';
	const char *s = (const char *)plain;
	if (strlen(s) != n / 2 || (s[0] != 'D' && s[0] != 'A' && s[0] != 'R') || s[1] != ':')
		goto bad;
	c->kind = s[0];
	uint32_t got_qh = 0;
	for (int i = 2; i < 10; i++) {
		int d = hex_nibble(s[i]); /* stops at the NUL */
		if (d < 0)
			goto bad;
		got_qh = got_qh << 4 | (uint32_t)d;
	}
	if (s[10] != ':')
		goto bad;
	s += 11;
	if (c->kind == 'R') {
		/* the next page's offset (offset + limit) must stay an int64 */
		if (strict_int(&s, &c->offset) < 0 || c->offset < 1 ||
		    c->offset > INT64_MAX - SEARCH_MAX_LIMIT)
			goto bad;
	} else {
		if (s[0] == 'n' && s[1] == ':') {
			c->undated = 1;
			s += 2;
		} else if (strict_int(&s, &c->date) < 0 || *s++ != ':') {
			goto bad;
		}
		if (strict_int(&s, &c->id) < 0 || c->id < 1)
			goto bad;
	}
	if (*s != '\0')
		goto bad;
	/* only the canonical spelling: re-encode and compare */
	char *again = cursor_text(c, got_qh);
	int same = strcmp(again, text) == 0;
	free(again);
	if (!same)
		goto bad;
	if (got_qh != qh)
		return error_set(err, ERR_INVALID, "cursor belongs to another query or order");
	return 0;
bad:
	return error_set(err, ERR_INVALID, "bad cursor");
}

struct run {
	sqlite3 *db;
	const struct sq *q;
	char *where; /* sq_where(q, 0) */
	struct search_result *r;
	size_t want;		/* limit + 1: one more tells whether there is a next page */
	unsigned char *undated; /* per hit: messages.date is NULL */
	uint64_t n_match;	/* messages matching q->match alone */
	struct error *err;
};

static int prepare(struct run *x, const char *sql, sqlite3_stmt **st_r)
{
	*st_r = NULL;
	if (sqlite3_prepare_v2(x->db, sql, -1, st_r, NULL) != SQLITE_OK ||
	    sq_bind(*st_r, x->q) < 0) {
		db_fail(x->db, x->err, "search");
		sqlite3_finalize(*st_r);
		*st_r = NULL;
		return -1;
	}
	return 0;
}

static int count_sql(struct run *x, const char *sql, uint64_t *n_r)
{
	sqlite3_stmt *st;
	if (prepare(x, sql, &st) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(x->db, x->err, "search count");
		sqlite3_finalize(st);
		return -1;
	}
	*n_r = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* The exact total. The full-text part is counted in the fts table alone
 * first: its rowids are messages ids (fts.h: written, and removed, in the
 * same transaction as the message), so when it is the whole query that
 * is the answer, and a frequent word costs no lookup per hit. */
static int count(struct run *x)
{
	char *sql;
	int rc;
	if (x->q->match != NULL) {
		sql = xasprintf("SELECT count(*) FROM fts WHERE fts MATCH ?%d", x->q->match_param);
		rc = count_sql(x, sql, &x->n_match);
		free(sql);
		if (rc < 0)
			return -1;
		if (x->q->rest == NULL || x->n_match == 0) {
			x->r->total = x->n_match;
			return 0;
		}
	}
	sql = xasprintf("SELECT count(*) FROM messages m WHERE %s", x->where);
	rc = count_sql(x, sql, &x->r->total);
	free(sql);
	return rc;
}

/* Appends rows (id, date[, rank]) of st to the result, up to x->want. */
static int collect(struct run *x, sqlite3_stmt *st, int ranked)
{
	int rc = SQLITE_DONE;
	while (x->r->n < x->want && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct search_hit *h = &x->r->v[x->r->n++];
		h->id = sqlite3_column_int64(st, 0);
		x->undated[x->r->n - 1] = sqlite3_column_type(st, 1) == SQLITE_NULL;
		h->date = sqlite3_column_int64(st, 1); /* NULL reads as 0 */
		h->rank = ranked ? sqlite3_column_double(st, 2) : 0;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(x->db, x->err, "search");
	return 0;
}

enum plan { PLAN_AUTO, PLAN_LIST, PLAN_WALK };

/* With a full-text conjunct there are two ways to a date-ordered page.
 * List: take every matching id from FTS5, look each message up, sort:
 * about n_match * 0.7 us here. Walk: go down the date index and probe
 * FTS5 for each message until the page is full: about want * N / total
 * probes (N messages) of 30-130 us each. Measured on 100,000 generated
 * messages (see the commit message); a word in half of all messages pages
 * in 3 ms by walking and 30-80 ms by listing, a word in 8 % the other way
 * round. Without a full-text conjunct SQLite chooses. */
static enum plan choose_plan(struct run *x)
{
	if (x->q->match == NULL)
		return PLAN_AUTO;
	sqlite3_stmt *st;
	int64_t n = 0;
	if (sqlite3_prepare_v2(x->db, "SELECT max(id) FROM messages", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	double walk = (double)x->want * (double)n * 70.0;
	double list = (double)x->r->total * (double)x->n_match;
	return list > walk ? PLAN_WALK : PLAN_LIST;
}

/* One phase of a date-ordered page: dated or undated messages, after the
 * cursor position (keyset) or from the start. */
static int date_phase(struct run *x, enum plan plan, int desc, int undated, int64_t after_date,
		      int64_t after_id, int keyset)
{
	int k = (int)x->q->np;
	const char *hint = plan == PLAN_LIST   ? " NOT INDEXED"
			   : plan == PLAN_WALK ? " INDEXED BY messages_date"
					       : "";
	char pos[160] = "";
	if (keyset && undated)
		snprintf(pos, sizeof(pos), " AND m.id %s ?%d", desc ? "<" : ">", k + 1);
	else if (keyset)
		snprintf(pos, sizeof(pos), " AND (m.date, m.id) %s (?%d, ?%d)", desc ? "<" : ">",
			 k + 2, k + 1);
	const char *dir = desc ? "DESC" : "ASC";
	char *where = plan == PLAN_WALK ? sq_where(x->q, 1) : NULL;
	const char *w = where != NULL ? where : x->where;
	char *sql = undated ? xasprintf("SELECT m.id, m.date FROM messages m%s WHERE (%s)"
					" AND m.date IS NULL%s ORDER BY m.id %s LIMIT ?%d",
					hint, w, pos, dir, k + 3)
			    : xasprintf("SELECT m.id, m.date FROM messages m%s WHERE (%s)"
					" AND m.date IS NOT NULL%s ORDER BY m.date %s, m.id %s"
					" LIMIT ?%d",
					hint, w, pos, dir, dir, k + 3);
	free(where);
	sqlite3_stmt *st;
	int rc = prepare(x, sql, &st);
	free(sql);
	if (rc < 0)
		return -1;
	sqlite3_bind_int64(st, k + 1, after_id);
	sqlite3_bind_int64(st, k + 2, after_date);
	sqlite3_bind_int64(st, k + 3, (int64_t)(x->want - x->r->n));
	rc = collect(x, st, 0);
	sqlite3_finalize(st);
	return rc;
}

static int date_page(struct run *x, int desc, const struct cursor *c)
{
	enum plan plan = choose_plan(x);
	/* newest first: dated, then undated; oldest first: the reverse */
	int first_undated = !desc, start = 0;
	if (c->kind != 0)
		start = c->undated == first_undated ? 0 : 1;
	for (int phase = start; phase < 2 && x->r->n < x->want; phase++) {
		int undated = phase == 0 ? first_undated : !first_undated;
		int keyset = c->kind != 0 && phase == start;
		/* the undated few: listing is always right */
		if (date_phase(x, undated && plan == PLAN_WALK ? PLAN_LIST : plan, desc, undated,
			       c->date, c->id, keyset) < 0)
			return -1;
	}
	return 0;
}

static int relevance_page(struct run *x, const struct cursor *c)
{
	int k = (int)x->q->np;
	char *sql =
	    xasprintf("SELECT m.id, m.date, f.r FROM (SELECT rowid AS id, bm25(fts, " BM25_WEIGHTS
		      ") AS r FROM fts WHERE fts MATCH ?%d) f"
		      " JOIN messages m ON m.id = f.id WHERE %s"
		      " ORDER BY f.r, m.id LIMIT ?%d OFFSET ?%d",
		      x->q->match_param, x->q->rest ? x->q->rest : "1", k + 1, k + 2);
	sqlite3_stmt *st;
	int rc = prepare(x, sql, &st);
	free(sql);
	if (rc < 0)
		return -1;
	sqlite3_bind_int64(st, k + 1, (int64_t)x->want);
	sqlite3_bind_int64(st, k + 2, c->kind == 'R' ? c->offset : 0);
	rc = collect(x, st, 1);
	sqlite3_finalize(st);
	return rc;
}

int search_run(sqlite3 *db, const struct search_env *env, const struct search_opts *o,
	       struct search_result *r, struct error *err)
{
	struct sq q;
	struct run x = {db, &q, NULL, r, 0, NULL, 0, err};
	struct cursor c;
	int rc = -1;
	search_result_release(r);
	if (o == NULL || o->query == NULL)
		return error_set(err, ERR_USAGE, "no query");
	if (o->limit > SEARCH_MAX_LIMIT)
		return error_set(err, ERR_INVALID, "limit %zu is above %d", o->limit,
				 SEARCH_MAX_LIMIT);
	if (o->order != SEARCH_BY_DATE && o->order != SEARCH_BY_DATE_ASC &&
	    o->order != SEARCH_BY_RELEVANCE)
		return error_set(err, ERR_INVALID, "unknown order %d", (int)o->order);
	if (sq_compile(env, o->query, &q, err) < 0)
		return -1;
	int order = o->order;
	if (order == SEARCH_BY_RELEVANCE && q.match == NULL)
		order = SEARCH_BY_DATE; /* nothing to rank by */
	uint32_t qh = query_hash(o->query, (int)o->order);
	memset(&c, 0, sizeof(c));
	if (o->cursor != NULL) {
		if (cursor_parse(o->cursor, qh, &c, err) < 0)
			goto out;
		char want = order == SEARCH_BY_RELEVANCE ? 'R'
			    : order == SEARCH_BY_DATE	 ? 'D'
							 : 'A';
		if (c.kind != want) {
			error_set(err, ERR_INVALID, "cursor belongs to another order");
			goto out;
		}
	}
	x.where = sq_where(&q, 0);
	if (count(&x) < 0)
		goto out;
	if (o->limit == 0 || r->total == 0) {
		rc = 0;
		goto out;
	}
	x.want = o->limit + 1;
	r->v = xcalloc(x.want, sizeof(*r->v));
	x.undated = xcalloc(x.want, 1);
	if (order == SEARCH_BY_RELEVANCE)
		rc = relevance_page(&x, &c);
	else
		rc = date_page(&x, order == SEARCH_BY_DATE, &c);
	if (rc < 0)
		goto out;
	if (r->n > o->limit) {
		r->n = o->limit;
		const struct search_hit *last = &r->v[r->n - 1];
		struct cursor next = {0};
		if (order == SEARCH_BY_RELEVANCE) {
			next.kind = 'R';
			next.offset = c.offset + (int64_t)o->limit;
		} else {
			next.kind = order == SEARCH_BY_DATE ? 'D' : 'A';
			next.id = last->id;
			next.date = last->date;
			next.undated = x.undated[r->n - 1];
		}
		r->next_cursor = cursor_text(&next, qh);
	}
	rc = 0;
out:
	if (rc < 0)
		search_result_release(r);
	free(x.where);
	free(x.undated);
	sq_release(&q);
	return rc;
}
