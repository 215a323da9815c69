/*
 * cmd_search.c - custos search: the query language of doc/search.md from
 * the command line (the same code as the HTTP API: src/search/).
 */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "index/tokenize.h"
#include "search/search.h"

/* Splits a comma/space separated domain list (search.internal_domains)
 * into lower-case entries; *v_r and its strings are owned by the caller. */
static size_t split_domains(const char *s, char ***v_r)
{
	char **v = NULL;
	size_t n = 0;
	while (s != NULL && *s) {
		size_t skip = strspn(s, ", \t");
		s += skip;
		size_t len = strcspn(s, ", \t");
		if (len == 0)
			break;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n] = xstrndup(s, len);
		for (char *p = v[n]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		n++;
		s += len;
	}
	*v_r = v;
	return n;
}

static void free_domains(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct hit_view {
	char *hash, *message_id, *subject, *from;
	int64_t date;
};

static void hit_view_release(struct hit_view *h)
{
	free(h->hash);
	free(h->message_id);
	free(h->subject);
	free(h->from);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t != NULL ? xstrdup((const char *)t) : NULL;
}

static int load_hit(sqlite3 *db, int64_t id, struct hit_view *h, struct error *err)
{
	memset(h, 0, sizeof(*h));
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT m.hash, m.message_id, m.subject, m.date,"
				   " (SELECT COALESCE(a.name || ' <' || a.addr || '>', a.addr)"
				   "  FROM addresses a WHERE a.message=m.id AND a.role=1"
				   "  ORDER BY a.pos LIMIT 1)"
				   " FROM messages m WHERE m.id=?",
				   err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->hash = column_dup(st, 0);
		h->message_id = column_dup(st, 1);
		h->subject = column_dup(st, 2);
		h->date = sqlite3_column_int64(st, 3);
		h->from = column_dup(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return error_set(err, ERR_INTERNAL, "message %" PRId64 " vanished", id);
	return 0;
}

static void print_text_hit(int64_t id, const struct hit_view *h)
{
	char day[16] = "----------";
	if (h->date > 0) {
		time_t t = (time_t)h->date;
		struct tm tm;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	}
	/* The sender column holds at most 32 bytes, cut at a character
	 * boundary: a byte cut would print broken UTF-8 (Chinese names). */
	const char *from = h->from ? h->from : "";
	int n = (int)strlen(from);
	if (n > 32) {
		n = 32;
		while (n > 0 && ((unsigned char)from[n] & 0xc0) == 0x80)
			n--;
	}
	printf("%8" PRId64 "  %s  %.*s%*s  %s\n", id, day, n, from, 32 - n, "",
	       h->subject ? h->subject : "");
}

static int parse_order(const char *s, enum search_order *o)
{
	if (strcmp(s, "date") == 0 || strcmp(s, "newest") == 0)
		*o = SEARCH_BY_DATE;
	else if (strcmp(s, "oldest") == 0 || strcmp(s, "date-asc") == 0)
		*o = SEARCH_BY_DATE_ASC;
	else if (strcmp(s, "relevance") == 0)
		*o = SEARCH_BY_RELEVANCE;
	else
		return -1;
	return 0;
}

/* a[0..len) is the option name (before any '='). */
static int is_opt(const char *a, size_t len, const char *name)
{
	return strlen(name) == len && strncmp(a, name, len) == 0;
}

/* Options are recognised by name anywhere on the line; every other
 * argument is part of the query, so an exclusion like `-spam` needs no
 * `--` in front of it (after `--`, everything is query). Returns 0, or 2
 * for a usage error (printed). */
static int parse_args(int argc, char **argv, struct search_opts *so, int *json, int *count,
		      int *explain, long *limit, char **query, int *n_query)
{
	int rest = 0;
	*n_query = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (!rest && strcmp(a, "--") == 0) {
			rest = 1;
			continue;
		}
		if (rest || strncmp(a, "--", 2) != 0) {
			query[(*n_query)++] = argv[i];
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
		int is_limit = is_opt(a, name_len, "--limit"), is_sort = is_opt(a, name_len, "--sort"),
		    is_cursor = is_opt(a, name_len, "--cursor");
		if (is_limit || is_sort || is_cursor) {
			if (eq != NULL) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				fprintf(stderr, "custos search: %s needs a value\n", a);
				return 2;
			}
		} else if (eq != NULL) {
			fprintf(stderr, "custos search: %.*s takes no value\n", (int)name_len, a);
			return 2;
		}
		if (strcmp(a, "--json") == 0) {
			*json = 1;
		} else if (strcmp(a, "--count") == 0) {
			*count = 1;
		} else if (strcmp(a, "--explain") == 0) {
			*explain = 1;
		} else if (is_cursor) {
			so->cursor = val;
		} else if (is_limit) {
			char *end = NULL;
			*limit = strtol(val, &end, 10);
			if (end == val || *end || *limit < 1 || *limit > SEARCH_MAX_LIMIT) {
				fprintf(stderr, "custos search: --limit must be 1..%d\n",
					SEARCH_MAX_LIMIT);
				return 2;
			}
		} else if (is_sort) {
			if (parse_order(val, &so->order) < 0) {
				fprintf(stderr, "custos search: --sort is date, oldest or relevance\n");
				return 2;
			}
		} else {
			fprintf(stderr, "custos search: unknown option %s (use -- before a query "
					"that starts with --)\n", a);
			return 2;
		}
	}
	if (*n_query == 0) {
		cli_usage(cli_find("search"), stderr);
		return 2;
	}
	return 0;
}

CMD(search)
{
	int json = 0, count = 0, explain = 0, n_query = 0;
	long limit = 20;
	struct search_opts so = {NULL, SEARCH_BY_DATE, 20, NULL};
	char **query = xcalloc((size_t)argc, sizeof(*query));
	int u = parse_args(argc, argv, &so, &json, &count, &explain, &limit, query, &n_query);
	if (u != 0) {
		free(query);
		return u;
	}
	/* The query is the remaining arguments joined by spaces, so that
	 * `custos search from:alice 基金` needs no quoting. */
	struct buf q;
	struct error err = ERROR_INIT;
	buf_init(&q, SEARCH_MAX_QUERY);
	for (int i = 0; i < n_query; i++)
		if ((i > 0 && buf_append_byte(&q, ' ', &err) < 0) ||
		    buf_append_str(&q, query[i], &err) < 0) {
			buf_release(&q);
			free(query);
			error_set(&err, ERR_LIMIT, "query longer than %d bytes", SEARCH_MAX_QUERY);
			return cli_fail("search", &err);
		}
	free(query);
	so.query = buf_cstr(&q);
	so.limit = count ? 0 : (size_t)limit;

	char **domains = NULL;
	size_t n_domains = split_domains(cli->cfg.search_internal_domains, &domains);
	struct search_env env = {(int64_t)time(NULL), (const char *const *)domains, n_domains};
	struct archive *a = NULL;
	struct search_result r;
	int status = 1, in_txn = 0;
	search_result_init(&r);

	if (explain) {
		char *text = NULL;
		if (search_explain(&env, so.query, &text, &err) < 0) {
			status = cli_fail("search", &err);
			goto out;
		}
		printf("%s\n", text);
		free(text);
		status = 0;
		goto out;
	}
	if (cli_open_archive(cli, "search", 0, &a) < 0)
		goto out;
	if (a->fts_version != IDX_TOKENIZER_VERSION) {
		error_set(&err, ERR_INVALID,
			  a->fts_version == 0
				  ? "the full-text index is missing or incomplete: run custos reindex"
				  : "the full-text index was built by another version: run custos "
				    "reindex");
		status = cli_fail("search", &err);
		goto out;
	}
	/* One read transaction: the count, the page and the hits' metadata
	 * come from one snapshot even while an import commits (and SQLite
	 * takes its locks once instead of per statement). */
	if (db_exec(a->db, "BEGIN", &err) < 0) {
		status = cli_fail("search", &err);
		goto out;
	}
	in_txn = 1;
	if (search_run(a->db, &env, &so, &r, &err) < 0) {
		status = cli_fail("search", &err);
		goto out;
	}
	json_t *results = json ? json_array() : NULL;
	for (size_t i = 0; i < r.n; i++) {
		struct hit_view h;
		if (load_hit(a->db, r.v[i].id, &h, &err) < 0) {
			json_decref(results);
			status = cli_fail("search", &err);
			goto out;
		}
		if (json) {
			json_t *o = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)r.v[i].id, "hash",
					      h.hash ? h.hash : "", "date", (json_int_t)h.date);
			if (h.message_id)
				json_object_set_new(o, "message_id", json_string(h.message_id));
			if (h.subject)
				json_object_set_new(o, "subject", json_string(h.subject));
			if (h.from)
				json_object_set_new(o, "from", json_string(h.from));
			if (so.order == SEARCH_BY_RELEVANCE)
				json_object_set_new(o, "rank", json_real(r.v[i].rank));
			json_array_append_new(results, o);
		} else {
			print_text_hit(r.v[i].id, &h);
		}
		hit_view_release(&h);
	}
	if (json) {
		json_t *out = json_pack("{s:I, s:o, s:o}", "total", (json_int_t)r.total, "results",
					results, "next",
					r.next_cursor ? json_string(r.next_cursor) : json_null());
		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(out);
	} else if (count) {
		printf("%" PRIu64 "\n", r.total);
	} else {
		printf("%" PRIu64 " message%s", r.total, r.total == 1 ? "" : "s");
		if (r.next_cursor != NULL)
			printf(" (showing %zu; more with --cursor %s)", r.n, r.next_cursor);
		putchar('\n');
	}
	status = 0;
out:
	if (in_txn)
		sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL); /* read only: ends the snapshot */
	search_result_release(&r);
	archive_close(a);
	free_domains(domains, n_domains);
	buf_release(&q);
	return status;
}
