/*
 * query.c - the query language of doc/search.md ("Query language"):
 * lexer, recursive-descent parser, and compiler to an SQL predicate over
 * the metadata tables (src/index/meta.c) and FTS5 expressions over the
 * full-text tables (src/index/fts.h).
 *
 * Grammar (precedence NOT > AND > OR):
 *   query   := or EOF
 *   or      := and (("OR" | "|") and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | field ":" value | word | "phrase" | size-comparison
 *
 * Invariants:
 *  - Every value taken from the query reaches SQLite as a bound parameter.
 *    The SQL text is built only from fixed fragments and parameter numbers.
 *  - FTS5 expressions are built only from the tokenizer's output (each
 *    token double-quoted, '"' doubled): the query text itself never
 *    reaches the FTS5 parser, so no FTS5 syntax can be injected.
 *  - Text is tokenized with idx_tokenize in query mode, the same code that
 *    tokenized the indexed text, so a query word matches exactly the words
 *    the index holds (doc/search.md, "How text becomes words").
 *  - Input is bounded: SEARCH_MAX_QUERY bytes, Q_MAX_DEPTH nesting (so the
 *    recursion is bounded), Q_MAX_TERMS terms, Q_MAX_TEXT bytes of
 *    generated text. Hostile input gets ERR_INVALID (or ERR_LIMIT) with the
 *    column, never a crash.
 *  - Under NOT, a predicate that SQL evaluates to NULL (an unknown date, a
 *    message without Message-ID) counts as false, so NOT x is exactly the
 *    messages x does not return: NOT compiles to "(x) IS NOT 1".
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "index/tokenize.h"
#include "search/search.h"
#include "search/search_int.h"

/* SQLite's SQL and FTS5 parsers hold about 25 and 32 levels of nested
 * parentheses (a fixed parser stack): the depth limit keeps every compiled
 * query within both (tests/unit/test_search.c runs the worst shapes). */
#define Q_MAX_DEPTH SEARCH_MAX_DEPTH
#define Q_MAX_TERMS SEARCH_MAX_TERMS
#define Q_MAX_TEXT (1024 * 1024) /* bytes of SQL or FTS5 text one query yields */
#define Q_MAX_RELATIVE 100000	 /* largest N of a relative date (Nd, Nw, Nm, Ny) */

/* The columns of the fts table, in table order (src/index/fts.h). */
enum { C_SUBJECT, C_BODY, C_ATTACHMENT, C_FILENAME, C_FROM, C_TO, C_CC, C_BCC, C_N };
static const char *const col_names[C_N] = {
    "subject", "body", "attachment", "filename", "from_addr", "to_addr", "cc_addr", "bcc_addr",
};
#define ALL_COLS ((1u << C_N) - 1)
#define ADDR_COLS (1u << C_FROM | 1u << C_TO | 1u << C_CC | 1u << C_BCC)

enum field_kind { F_TEXT, F_HAS, F_LABEL, F_MSGID, F_BEFORE, F_AFTER, F_ON, F_SIZE, F_DIRECTION };

struct field {
	const char *name;
	enum field_kind kind;
	unsigned cols; /* F_TEXT: fts columns */
	int env;       /* F_TEXT: also the envelope recipients (fts_env) */
};

static const struct field fields[] = {
    {"from", F_TEXT, 1u << C_FROM, 0},
    {"to", F_TEXT, 1u << C_TO, 0},
    {"cc", F_TEXT, 1u << C_CC, 0},
    {"bcc", F_TEXT, 1u << C_BCC, 1},
    {"participant", F_TEXT, ADDR_COLS, 1},
    {"subject", F_TEXT, 1u << C_SUBJECT, 0},
    {"body", F_TEXT, 1u << C_BODY, 0},
    {"attachment", F_TEXT, 1u << C_ATTACHMENT, 0},
    {"filename", F_TEXT, 1u << C_FILENAME, 0},
    {"has", F_HAS, 0, 0},
    {"label", F_LABEL, 0, 0},
    {"folder", F_LABEL, 0, 0},
    {"msgid", F_MSGID, 0, 0},
    {"before", F_BEFORE, 0, 0},
    {"after", F_AFTER, 0, 0},
    {"on", F_ON, 0, 0},
    {"size", F_SIZE, 0, 0},
    {"direction", F_DIRECTION, 0, 0},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* ---- the tree ---------------------------------------------------------- */

enum qn_kind {
	QN_AND,
	QN_OR,
	QN_NOT,
	QN_TEXT,
	QN_ATTACH,
	QN_LABEL,
	QN_MSGID,
	QN_DATE,
	QN_SIZE,
	QN_DIR
};
enum size_op { S_GT, S_GE, S_LT, S_LE };
enum dir_kind { D_IN, D_OUT, D_INTERNAL };

struct qnode {
	enum qn_kind kind;
	struct qnode **kid; /* AND, OR: two or more; NOT: one */
	size_t n_kid;
	unsigned cols;	/* TEXT: fts columns */
	int env;	/* TEXT: also fts_env (envelope recipients) */
	char *text;	/* TEXT: FTS5 phrase; LABEL, MSGID: the value */
	int op;		/* SIZE: enum size_op; DIR: enum dir_kind */
	int64_t lo, hi; /* DATE: lo <= date < hi (has_lo/has_hi); SIZE: lo */
	int has_lo, has_hi;
	int height; /* 0 for a leaf, else 1 + the highest kid */
};

/* A term with nothing to search for (only punctuation): it is dropped as
 * if it had not been written. Never freed. */
static struct qnode empty_node;
#define Q_EMPTY (&empty_node)

static void node_free(struct qnode *n)
{
	if (n == NULL || n == Q_EMPTY)
		return;
	for (size_t i = 0; i < n->n_kid; i++)
		node_free(n->kid[i]);
	free(n->kid);
	free(n->text);
	free(n);
}

static struct qnode *node_new(enum qn_kind kind)
{
	struct qnode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	return n;
}

static void node_add(struct qnode *n, struct qnode *kid)
{
	/* Flatten: AND(AND(a,b),c) is AND(a,b,c). */
	if (kid->kind == n->kind && (n->kind == QN_AND || n->kind == QN_OR)) {
		for (size_t i = 0; i < kid->n_kid; i++)
			node_add(n, kid->kid[i]);
		kid->n_kid = 0;
		node_free(kid);
		return;
	}
	n->kid = xrealloc(n->kid, (n->n_kid + 1) * sizeof(*n->kid));
	n->kid[n->n_kid++] = kid;
}

/* ---- the parser -------------------------------------------------------- */

enum tk { T_END, T_LPAREN, T_RPAREN, T_OR, T_AND, T_NOT, T_NEG, T_WORD, T_PHRASE };

struct tok {
	enum tk t;
	size_t s, e; /* bytes [s, e) of the query; a phrase includes its quotes */
};

struct parser {
	const char *q;
	size_t n, pos;
	const struct search_env *env;
	int depth;
	size_t n_terms;
	/* inside a text field's group, e.g. from:( ... ) */
	const struct field *group;
	struct error *err;
};

/* 1-based character (code point) column of byte offset off. */
static size_t column_of(const char *q, size_t off)
{
	size_t col = 1;
	for (size_t i = 0; i < off; i++)
		if (((unsigned char)q[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static int perr(struct parser *p, size_t off, const char *fmt, ...) CUSTOS_PRINTF(3, 4);
static int perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(p->err, ERR_INVALID, fmt, ap);
	va_end(ap);
	return error_prefix(p->err, "column %zu", column_of(p->q, off));
}

/* Bytes of white space at q[i] (ASCII controls and space, NO-BREAK SPACE,
 * IDEOGRAPHIC SPACE as typed by Chinese input methods), or 0. */
static size_t space_at(const struct parser *p, size_t i)
{
	unsigned char c = (unsigned char)p->q[i];
	if (c <= 0x20 || c == 0x7F)
		return 1;
	uint32_t cp = 0;
	size_t len = utf8_decode((const unsigned char *)p->q + i, p->n - i, &cp);
	return len > 1 && (cp == 0xA0 || cp == 0x3000) ? len : 0;
}

static int word_end_at(const struct parser *p, size_t i)
{
	char c = p->q[i];
	return i >= p->n || space_at(p, i) || c == '(' || c == ')' || c == '"' || c == '|';
}

/* Scans a phrase starting at the opening quote q[s]; *e_r is after the
 * closing quote. A backslash escapes '"' and '\'. */
static int scan_phrase(struct parser *p, size_t s, size_t *e_r)
{
	for (size_t i = s + 1; i < p->n; i++) {
		if (p->q[i] == '\\' && i + 1 < p->n && (p->q[i + 1] == '"' || p->q[i + 1] == '\\'))
			i++;
		else if (p->q[i] == '"') {
			*e_r = i + 1;
			return 0;
		}
	}
	return perr(p, s, "unterminated quotation mark");
}

/* The text of the phrase q[s..e) without quotes and escapes (caller frees). */
static char *phrase_text(const struct parser *p, size_t s, size_t e)
{
	char *t = xmalloc(e - s + 1);
	size_t k = 0;
	for (size_t i = s + 1; i + 1 < e; i++) {
		if (p->q[i] == '\\' && i + 2 < e && (p->q[i + 1] == '"' || p->q[i + 1] == '\\'))
			i++;
		t[k++] = p->q[i];
	}
	t[k] = '\0';
	return t;
}

static int is_word(const struct parser *p, const struct tok *t, const char *w)
{
	size_t len = strlen(w);
	return t->e - t->s == len && memcmp(p->q + t->s, w, len) == 0;
}

/* Reads the token at p->pos without consuming it. */
static int peek(struct parser *p, struct tok *t)
{
	size_t i = p->pos, sp;
	while (i < p->n && (sp = space_at(p, i)) > 0)
		i += sp;
	t->s = i;
	t->e = i + 1;
	if (i >= p->n) {
		t->t = T_END;
		t->e = i;
		return 0;
	}
	switch (p->q[i]) {
	case '(':
		t->t = T_LPAREN;
		return 0;
	case ')':
		t->t = T_RPAREN;
		return 0;
	case '|':
		t->t = T_OR;
		return 0;
	case '"':
		t->t = T_PHRASE;
		return scan_phrase(p, i, &t->e);
	case '-':
		if (i + 1 < p->n && !space_at(p, i + 1) && p->q[i + 1] != ')' &&
		    p->q[i + 1] != '|') {
			t->t = T_NEG;
			return 0;
		}
		break;
	default:
		break;
	}
	size_t e = i + 1;
	while (!word_end_at(p, e))
		e++;
	t->t = T_WORD;
	t->e = e;
	if (is_word(p, t, "OR"))
		t->t = T_OR;
	else if (is_word(p, t, "AND"))
		t->t = T_AND;
	else if (is_word(p, t, "NOT"))
		t->t = T_NOT;
	return 0;
}

static void take(struct parser *p, const struct tok *t)
{
	p->pos = t->e;
}

/* ---- text terms -------------------------------------------------------- */

struct phrase_build {
	struct buf *b;
	size_t n_tokens;
	struct error *err;
	int failed;
};

static int on_token(void *ctx, const char *tok, size_t len, size_t start, size_t end, int flags)
{
	struct phrase_build *pb = ctx;
	(void)start;
	(void)end;
	if (len == 0 || memchr(tok, '\0', len) != NULL)
		return 0; /* nothing the index could hold */
	int rc = 0;
	if (pb->n_tokens++ > 0)
		rc |= buf_append_str(pb->b, " + ", pb->err);
	rc |= buf_append_byte(pb->b, '"', pb->err);
	for (size_t i = 0; i < len && rc == 0; i++) {
		if (tok[i] == '"')
			rc |= buf_append_byte(pb->b, '"', pb->err);
		rc |= buf_append_byte(pb->b, (unsigned char)tok[i], pb->err);
	}
	rc |= buf_append_byte(pb->b, '"', pb->err);
	if (flags & IDX_TOK_PREFIX)
		rc |= buf_append_byte(pb->b, '*', pb->err);
	if (rc != 0) {
		pb->failed = 1;
		return 1;
	}
	return 0;
}

/* The FTS5 phrase for text[0..n) in *phrase_r (caller frees), or NULL when
 * the text holds no token. */
static int make_phrase(struct parser *p, size_t off, const char *text, size_t n, char **phrase_r)
{
	struct buf b;
	struct phrase_build pb = {&b, 0, p->err, 0};
	buf_init(&b, Q_MAX_TEXT);
	*phrase_r = NULL;
	int rc = idx_tokenize(text, n, IDX_TOK_QUERY, on_token, &pb, p->err);
	if (rc != 0 || pb.failed) {
		buf_release(&b);
		if (pb.failed || rc > 0)
			return perr(p, off, "query text too long");
		return -1;
	}
	if (pb.n_tokens > 0)
		*phrase_r = (char *)buf_detach(&b, NULL);
	buf_release(&b);
	return 0;
}

static int count_term(struct parser *p, size_t off)
{
	if (++p->n_terms > Q_MAX_TERMS)
		return perr(p, off, "too many terms (at most %d)", Q_MAX_TERMS);
	return 0;
}

/* A text leaf for text[0..n) over cols (+ envelope); Q_EMPTY if the text has
 * nothing to search for. */
static int text_leaf(struct parser *p, size_t off, const char *text, size_t n, unsigned cols,
		     int env, struct qnode **r)
{
	char *phrase;
	if (make_phrase(p, off, text, n, &phrase) < 0)
		return -1;
	if (phrase == NULL) {
		*r = Q_EMPTY;
		return 0;
	}
	if (count_term(p, off) < 0) {
		free(phrase);
		return -1;
	}
	struct qnode *leaf = node_new(QN_TEXT);
	leaf->text = phrase;
	leaf->cols = cols;
	leaf->env = env;
	*r = leaf;
	return 0;
}

/* ---- field values ------------------------------------------------------ */

static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[32];
	if (na >= 31 || nb >= 31)
		return 99;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != b[j - 1];
			size_t best = diag + cost;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

static const struct field *field_find(const char *name, size_t n)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (strlen(fields[i].name) == n && strncasecmp(fields[i].name, name, n) == 0)
			return &fields[i];
	return NULL;
}

static int unknown_field(struct parser *p, size_t off, const char *name, size_t n)
{
	const struct field *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < N_FIELDS; i++) {
		size_t d = edit_distance(name, n, fields[i].name);
		if (d < best_d && d < strlen(fields[i].name)) {
			best_d = d;
			best = &fields[i];
		}
	}
	if (best != NULL)
		return perr(p, off, "unknown field \"%.*s:\" (did you mean \"%s:\"?)", (int)n, name,
			    best->name);
	return perr(p, off, "unknown field \"%.*s:\" (put text with a colon in quotes)", (int)n,
		    name);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y_r, unsigned *m_r, unsigned *d_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d_r = doy - (153 * mp + 2) / 5 + 1;
	*m_r = mp < 10 ? mp + 3 : mp - 9;
	*y_r = (int64_t)yoe + era * 400 + (*m_r <= 2);
}

/* Digits only, at most 9 of them: *v_r. */
static int small_number(const char *s, size_t n, int64_t *v_r)
{
	if (n == 0 || n > 9)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*v_r = v;
	return 0;
}

/* "YYYY-MM-DD" -> *day_r (00:00 UTC, seconds) and *relative_r = 0;
 * "N[dwmy]" -> env->now minus that and *relative_r = 1. */
static int parse_date(struct parser *p, size_t off, const char *v, int64_t *t_r, int *relative_r)
{
	size_t n = strlen(v);
	int64_t y, m, d;
	if (n == 10 && v[4] == '-' && v[7] == '-' && small_number(v, 4, &y) == 0 &&
	    small_number(v + 5, 2, &m) == 0 && small_number(v + 8, 2, &d) == 0) {
		if (y < 1 || m < 1 || m > 12 || d < 1 || d > month_days(y, (unsigned)m))
			return perr(p, off, "bad date \"%s\": no such day", v);
		*t_r = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
		*relative_r = 0;
		return 0;
	}
	int64_t k;
	if (n >= 2 && small_number(v, n - 1, &k) == 0 && k <= Q_MAX_RELATIVE &&
	    strchr("dwmyDWMY", v[n - 1]) != NULL) {
		int64_t now = p->env->now;
		int64_t days = now / 86400 - (now % 86400 < 0), secs = now - days * 86400;
		switch (tolower((unsigned char)v[n - 1])) {
		case 'd':
			*t_r = now - k * 86400;
			break;
		case 'w':
			*t_r = now - k * 7 * 86400;
			break;
		default: {
			/* calendar months: the same day and time N months ago (the
			 * day clamped to the length of that month) */
			int64_t cy;
			unsigned cm, cd;
			civil_from_days(days, &cy, &cm, &cd);
			int64_t months = cy * 12 + (cm - 1) -
					 (tolower((unsigned char)v[n - 1]) == 'y' ? k * 12 : k);
			int64_t ty = months >= 0 ? months / 12 : -((-months + 11) / 12);
			unsigned tm = (unsigned)(months - ty * 12) + 1;
			unsigned td = cd <= month_days(ty, tm) ? cd : month_days(ty, tm);
			*t_r = days_from_civil(ty, tm, td) * 86400 + secs;
			break;
		}
		}
		*relative_r = 1;
		return 0;
	}
	return perr(p, off, "bad date \"%s\": use YYYY-MM-DD or an age like 30d, 2w, 6m, 1y", v);
}

/* "N", "NK", "NM", "NG" (1024-based, case-insensitive, optional "B"). */
static int parse_size(struct parser *p, size_t off, const char *v, int64_t *r)
{
	size_t n = strlen(v), i = 0;
	int64_t x = 0;
	while (i < n && v[i] >= '0' && v[i] <= '9') {
		if (x > (INT64_MAX - 9) / 10)
			return perr(p, off, "bad size \"%s\": too large", v);
		x = x * 10 + (v[i++] - '0');
	}
	if (i == 0)
		return perr(p, off, "bad size \"%s\": use a number of bytes, or with K, M, G", v);
	int shift = 0;
	if (i < n) {
		switch (v[i]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			shift = -1;
			break;
		}
		i++;
		if (shift > 0 && i < n && (v[i] == 'b' || v[i] == 'B'))
			i++;
	}
	if (shift < 0 || i != n)
		return perr(p, off, "bad size \"%s\": use a number of bytes, or with K, M, G", v);
	if (x > (INT64_MAX >> shift))
		return perr(p, off, "bad size \"%s\": too large", v);
	*r = x << shift;
	return 0;
}

static int parse_unary(struct parser *p, struct qnode **r);
static int parse_or(struct parser *p, struct qnode **r);

/* size>N, size>=N, size<N, size<=N (also size:>N ...); q[s..e) is the word. */
static int size_term(struct parser *p, size_t s, size_t e, struct qnode **r)
{
	size_t i = s + 4;
	if (i < e && p->q[i] == ':')
		i++;
	int op;
	if (i + 1 < e && p->q[i] == '>' && p->q[i + 1] == '=')
		op = S_GE, i += 2;
	else if (i + 1 < e && p->q[i] == '<' && p->q[i + 1] == '=')
		op = S_LE, i += 2;
	else if (i < e && p->q[i] == '>')
		op = S_GT, i++;
	else if (i < e && p->q[i] == '<')
		op = S_LT, i++;
	else
		return perr(p, s, "size needs a comparison: size>N, size>=N, size<N or size<=N");
	char *v = xstrndup(p->q + i, e - i);
	int64_t x = 0;
	p->pos = e;
	int rc = parse_size(p, i, v, &x);
	free(v);
	if (rc < 0 || count_term(p, s) < 0)
		return -1;
	struct qnode *n = node_new(QN_SIZE);
	n->op = op;
	n->lo = x;
	*r = n;
	return 0;
}

static int metadata_term(struct parser *p, const struct field *f, size_t off, char *v,
			 struct qnode **r)
{
	struct qnode *n = NULL;
	if (count_term(p, off) < 0)
		return -1;
	switch (f->kind) {
	case F_HAS:
		if (strcasecmp(v, "attachment") != 0 && strcasecmp(v, "attachments") != 0)
			return perr(p, off, "has: takes \"attachment\"");
		n = node_new(QN_ATTACH);
		break;
	case F_LABEL:
		if (*v == '\0')
			return perr(p, off, "empty %s:", f->name);
		n = node_new(QN_LABEL);
		n->text = xstrdup(v);
		break;
	case F_MSGID: {
		size_t len = strlen(v);
		const char *s = v;
		if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
			s++, len -= 2;
		if (len == 0)
			return perr(p, off, "empty msgid:");
		n = node_new(QN_MSGID);
		n->text = xstrndup(s, len);
		break;
	}
	case F_BEFORE:
	case F_AFTER:
	case F_ON: {
		int64_t t = 0;
		int relative = 0;
		if (parse_date(p, off, v, &t, &relative) < 0)
			return -1;
		if (f->kind == F_ON && relative)
			return perr(p, off, "on: takes a day, YYYY-MM-DD");
		n = node_new(QN_DATE);
		if (f->kind == F_BEFORE) {
			n->hi = t, n->has_hi = 1;
		} else {
			n->lo = t, n->has_lo = 1;
			if (f->kind == F_ON)
				n->hi = t + 86400, n->has_hi = 1;
		}
		break;
	}
	case F_DIRECTION:
		if (p->env->n_internal_domains == 0)
			return perr(p, off,
				    "direction: needs the internal domains "
				    "(search.internal_domains in the configuration)");
		n = node_new(QN_DIR);
		if (strcasecmp(v, "in") == 0)
			n->op = D_IN;
		else if (strcasecmp(v, "out") == 0)
			n->op = D_OUT;
		else if (strcasecmp(v, "internal") == 0)
			n->op = D_INTERNAL;
		else {
			free(n);
			return perr(p, off, "direction: takes in, out or internal");
		}
		break;
	case F_SIZE:
		return perr(p, off, "size needs a comparison: size>N, size>=N, size<N or size<=N");
	case F_TEXT:
		break;
	}
	*r = n;
	return n != NULL ? 0 : error_set(p->err, ERR_INTERNAL, "field %s", f->name);
}

/* field ":" value, with q[s..colon) the field name. */
static int field_term(struct parser *p, const struct field *f, size_t s, size_t colon, size_t e,
		      struct qnode **r)
{
	size_t v = colon + 1;
	if (p->group != NULL)
		return perr(p, s, "%s: inside %s:( ) (a group holds words, phrases and operators)",
			    f->name, p->group->name);
	if (v < e) { /* field:word */
		p->pos = e;
		if (f->kind == F_TEXT) {
			if (text_leaf(p, v, p->q + v, e - v, f->cols, f->env, r) < 0)
				return -1;
			if (*r == Q_EMPTY)
				return perr(p, v, "nothing to search for after %s:", f->name);
			return 0;
		}
		char *val = xstrndup(p->q + v, e - v);
		int rc = metadata_term(p, f, v, val, r);
		free(val);
		return rc;
	}
	if (v < p->n && p->q[v] == '"') { /* field:"phrase" */
		size_t pe = 0;
		if (scan_phrase(p, v, &pe) < 0)
			return -1;
		p->pos = pe;
		char *val = phrase_text(p, v, pe);
		int rc;
		if (f->kind == F_TEXT) {
			rc = text_leaf(p, v, val, strlen(val), f->cols, f->env, r);
			if (rc == 0 && *r == Q_EMPTY)
				rc = perr(p, v, "nothing to search for after %s:", f->name);
		} else {
			rc = metadata_term(p, f, v, val, r);
		}
		free(val);
		return rc;
	}
	if (v < p->n && p->q[v] == '(') { /* field:( group ) */
		if (f->kind != F_TEXT)
			return perr(p, v, "%s: takes one value, not a group", f->name);
		p->pos = v;
		p->group = f;
		int rc = parse_unary(p, r);
		p->group = NULL;
		if (rc < 0)
			return -1;
		if (*r == NULL || *r == Q_EMPTY)
			return perr(p, v, "nothing to search for in %s:( )", f->name);
		return 0;
	}
	return perr(p, s, "%s: needs a value", f->name);
}

static int parse_word(struct parser *p, const struct tok *t, struct qnode **r)
{
	const char *w = p->q + t->s;
	size_t len = t->e - t->s, name = 0;
	while (name < len && (isalpha((unsigned char)w[name]) || w[name] == '_'))
		name++;
	if (name == 4 && strncasecmp(w, "size", 4) == 0 && len > 4 &&
	    (w[4] == '<' || w[4] == '>' ||
	     (w[4] == ':' && len > 5 && (w[5] == '<' || w[5] == '>'))))
		return size_term(p, t->s, t->e, r);
	if (name == 4 && strncasecmp(w, "size", 4) == 0 && len > 4 && w[4] == '=')
		return perr(p, t->s, "size needs a comparison: size>N, size>=N, size<N or size<=N");
	if (name > 0 && name < len && w[name] == ':') {
		const struct field *f = field_find(w, name);
		if (f == NULL)
			return unknown_field(p, t->s, w, name);
		return field_term(p, f, t->s, t->s + name, t->e, r);
	}
	take(p, t);
	unsigned cols = p->group ? p->group->cols : ALL_COLS;
	int env = p->group ? p->group->env : 0;
	return text_leaf(p, t->s, w, len, cols, env, r);
}

static int parse_primary(struct parser *p, struct qnode **r)
{
	struct tok t;
	*r = NULL;
	if (peek(p, &t) < 0)
		return -1;
	switch (t.t) {
	case T_LPAREN: {
		if (++p->depth > Q_MAX_DEPTH)
			return perr(p, t.s, "nesting too deep (at most %d)", Q_MAX_DEPTH);
		take(p, &t);
		if (parse_or(p, r) < 0)
			return -1;
		struct tok c;
		if (peek(p, &c) < 0)
			return -1;
		if (c.t != T_RPAREN) {
			node_free(*r);
			*r = NULL;
			return perr(p, t.s, "unbalanced parenthesis: this ( is not closed");
		}
		take(p, &c);
		p->depth--;
		if (*r == NULL)
			return perr(p, t.s, "nothing inside parentheses");
		return 0;
	}
	case T_PHRASE: {
		take(p, &t);
		char *text = phrase_text(p, t.s, t.e);
		unsigned cols = p->group ? p->group->cols : ALL_COLS;
		int env = p->group ? p->group->env : 0;
		int rc = text_leaf(p, t.s, text, strlen(text), cols, env, r);
		free(text);
		return rc;
	}
	case T_WORD:
		return parse_word(p, &t, r);
	default:
		return 0; /* no term here: the caller decides */
	}
}

static int parse_unary(struct parser *p, struct qnode **r)
{
	struct tok t;
	*r = NULL;
	if (peek(p, &t) < 0)
		return -1;
	if (t.t != T_NOT && t.t != T_NEG)
		return parse_primary(p, r);
	if (++p->depth > Q_MAX_DEPTH)
		return perr(p, t.s, "nesting too deep (at most %d)", Q_MAX_DEPTH);
	take(p, &t);
	struct qnode *kid;
	if (parse_unary(p, &kid) < 0)
		return -1;
	p->depth--;
	if (kid == NULL)
		return perr(p, t.s, "nothing after %s", t.t == T_NOT ? "NOT" : "-");
	if (kid == Q_EMPTY) {
		*r = Q_EMPTY;
	} else if (kid->kind == QN_NOT) { /* NOT NOT x is x */
		*r = kid->kid[0];
		kid->n_kid = 0;
		node_free(kid);
	} else {
		*r = node_new(QN_NOT);
		node_add(*r, kid);
	}
	return 0;
}

/* *r: a node, Q_EMPTY (only empty terms), or NULL (no term at all). */
/* acc kind kid, flattened: acc becomes (or stays) an n-ary node of kind
 * with kid as its last operand. */
static struct qnode *join(enum qn_kind kind, struct qnode *acc, struct qnode *kid)
{
	if (acc->kind != kind) {
		struct qnode *n = node_new(kind);
		node_add(n, acc);
		acc = n;
	}
	node_add(acc, kid);
	return acc;
}

static int parse_and(struct parser *p, struct qnode **r)
{
	struct qnode *acc = NULL;
	int seen = 0;
	*r = NULL;
	for (;;) {
		struct tok t;
		if (peek(p, &t) < 0)
			goto fail;
		if (t.t == T_AND) {
			struct tok nx;
			take(p, &t);
			if (peek(p, &nx) < 0)
				goto fail;
			if (!seen || nx.t == T_END || nx.t == T_OR || nx.t == T_RPAREN ||
			    nx.t == T_AND) {
				perr(p, t.s, "AND needs a term on each side");
				goto fail;
			}
			continue;
		}
		if (t.t == T_END || t.t == T_OR || t.t == T_RPAREN)
			break;
		struct qnode *kid;
		if (parse_unary(p, &kid) < 0)
			goto fail;
		if (kid == NULL) { /* cannot happen: every other token starts a term */
			error_set(p->err, ERR_INTERNAL, "parser stuck at byte %zu", p->pos);
			goto fail;
		}
		seen = 1;
		if (kid == Q_EMPTY)
			continue;
		acc = acc == NULL ? kid : join(QN_AND, acc, kid);
	}
	*r = acc != NULL ? acc : seen ? Q_EMPTY : NULL;
	return 0;
fail:
	node_free(acc);
	return -1;
}

static int parse_or(struct parser *p, struct qnode **r)
{
	struct qnode *acc = NULL;
	*r = NULL;
	if (parse_and(p, &acc) < 0)
		return -1;
	for (;;) {
		struct tok t;
		if (peek(p, &t) < 0)
			goto fail;
		if (t.t != T_OR)
			break;
		take(p, &t);
		struct qnode *right;
		if (parse_and(p, &right) < 0)
			goto fail;
		if (acc == NULL || right == NULL) {
			node_free(right);
			perr(p, t.s, "OR needs a term on each side");
			goto fail;
		}
		if (acc == Q_EMPTY || right == Q_EMPTY) {
			node_free(right);
			perr(p, t.s, "OR needs something to search for on each side");
			goto fail;
		}
		acc = join(QN_OR, acc, right);
	}
	*r = acc;
	return 0;
fail:
	node_free(acc);
	return -1;
}

static int parse(const struct search_env *env, const char *query, struct qnode **r,
		 struct error *err)
{
	struct parser p = {query, 0, 0, env, 0, 0, NULL, err};
	*r = NULL;
	if (query == NULL)
		return error_set(err, ERR_USAGE, "no query");
	p.n = strlen(query);
	if (p.n > SEARCH_MAX_QUERY)
		return error_set(err, ERR_INVALID, "column %zu: query too long (at most %d bytes)",
				 column_of(query, SEARCH_MAX_QUERY), SEARCH_MAX_QUERY);
	for (size_t i = 0; i < p.n;) {
		size_t len = utf8_decode((const unsigned char *)query + i, p.n - i, NULL);
		if (len == 0)
			return perr(&p, i, "not valid UTF-8");
		i += len;
	}
	struct qnode *root;
	if (parse_or(&p, &root) < 0)
		return -1;
	struct tok t;
	if (peek(&p, &t) < 0) {
		node_free(root);
		return -1;
	}
	if (t.t != T_END) { /* only ')' stops parse_or early */
		node_free(root);
		return perr(&p, t.s, "unbalanced parenthesis: ) without (");
	}
	if (root == NULL)
		return perr(&p, 0, "empty query");
	if (root == Q_EMPTY)
		return perr(&p, 0, "nothing to search for (only punctuation)");
	*r = root;
	return 0;
}

/* Nodes higher than this put their deepest operands first. */
#define Q_DEEP 3

/* Computes heights; in deep nodes, orders the operands by height, highest
 * first (stable). SQLite's SQL and FTS5 parsers keep everything left of an
 * open parenthesis on a fixed-size stack: "(deep ...) AND a OR b" costs
 * one entry per level where "a OR b AND (deep ...)" costs four or five, so
 * this is what lets SEARCH_MAX_DEPTH levels compile. AND and OR commute;
 * FTS5's NOT operands are kept apart (fts_and) and stay on the right. */
static int settle(struct qnode *n)
{
	int h = 0;
	for (size_t i = 0; i < n->n_kid; i++) {
		int k = settle(n->kid[i]) + 1;
		if (k > h)
			h = k;
	}
	n->height = h;
	if (h > Q_DEEP)
		for (size_t i = 1; i < n->n_kid; i++) /* insertion sort: stable */
			for (size_t j = i; j > 0 && n->kid[j - 1]->height < n->kid[j]->height;
			     j--) {
				struct qnode *t = n->kid[j - 1];
				n->kid[j - 1] = n->kid[j];
				n->kid[j] = t;
			}
	return h;
}

/* ---- the compiler ------------------------------------------------------ */

struct compiler {
	struct buf *sql; /* where SQL goes (switched while building FTS text) */
	struct sq *q;
	const struct search_env *env;
	int dom_param; /* parameter holding ",dom1,dom2," (0: not yet) */
	struct error *err;
	int failed; /* a buffer limit was hit */
};

static int add_param(struct compiler *c, int is_text, int64_t i, char *s)
{
	struct sq *q = c->q;
	q->p = xrealloc(q->p, (q->np + 1) * sizeof(*q->p));
	q->p[q->np].is_text = is_text;
	q->p[q->np].i = i;
	q->p[q->np].s = s;
	return (int)++q->np;
}

static void put(struct compiler *c, struct buf *b, const char *fmt, ...) CUSTOS_PRINTF(3, 4);
static void put(struct compiler *c, struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!c->failed && buf_vprintf(b, c->err, fmt, ap) < 0)
		c->failed = 1;
	va_end(ap);
}

/* Can n be one FTS5 expression over the fts table alone? NOT only as
 * "positive NOT negative" inside an AND with a positive part. */
static int fts_ok(const struct qnode *n)
{
	switch (n->kind) {
	case QN_TEXT:
		return !n->env;
	case QN_OR:
		for (size_t i = 0; i < n->n_kid; i++)
			if (!fts_ok(n->kid[i]))
				return 0;
		return 1;
	case QN_AND: {
		int pos = 0;
		for (size_t i = 0; i < n->n_kid; i++) {
			const struct qnode *k = n->kid[i];
			if (k->kind == QN_NOT && fts_ok(k->kid[0]))
				continue;
			if (!fts_ok(k))
				return 0;
			pos = 1;
		}
		return pos;
	}
	default:
		return 0;
	}
}

static void fts_render(struct compiler *c, struct buf *b, const struct qnode *n);

/* An operand of an FTS5 operator: a bare phrase as is, anything else in
 * parentheses. */
static void fts_operand(struct compiler *c, struct buf *b, const struct qnode *n)
{
	if (n->kind == QN_TEXT && n->cols == ALL_COLS) {
		fts_render(c, b, n);
		return;
	}
	put(c, b, "(");
	fts_render(c, b, n);
	put(c, b, ")");
}

static void fts_cols(struct compiler *c, struct buf *b, unsigned cols)
{
	const char *sep = "{";
	for (int i = 0; i < C_N; i++)
		if (cols & (1u << i)) {
			put(c, b, "%s%s", sep, col_names[i]);
			sep = " ";
		}
	put(c, b, "} : ");
}

/* AND: the positive operands joined by AND, then "NOT operand" for each
 * negated one; negs only when pos is non-empty. */
static void fts_and(struct compiler *c, struct buf *b, const struct qnode *const *pos, size_t npos,
		    const struct qnode *const *neg, size_t nneg)
{
	if (nneg > 0 && npos > 1)
		put(c, b, "(");
	for (size_t i = 0; i < npos; i++) {
		if (i > 0)
			put(c, b, " AND ");
		fts_operand(c, b, pos[i]);
	}
	if (nneg > 0 && npos > 1)
		put(c, b, ")");
	for (size_t i = 0; i < nneg; i++) {
		put(c, b, " NOT ");
		fts_operand(c, b, neg[i]);
	}
}

static void fts_render(struct compiler *c, struct buf *b, const struct qnode *n)
{
	switch (n->kind) {
	case QN_TEXT:
		if (n->cols != ALL_COLS)
			fts_cols(c, b, n->cols);
		put(c, b, "%s", n->text);
		return;
	case QN_OR:
		for (size_t i = 0; i < n->n_kid; i++) {
			if (i > 0)
				put(c, b, " OR ");
			fts_operand(c, b, n->kid[i]);
		}
		return;
	case QN_AND: {
		const struct qnode **pos = xcalloc(n->n_kid, sizeof(*pos));
		const struct qnode **neg = xcalloc(n->n_kid, sizeof(*neg));
		size_t np = 0, nn = 0;
		for (size_t i = 0; i < n->n_kid; i++) {
			if (n->kid[i]->kind == QN_NOT)
				neg[nn++] = n->kid[i]->kid[0];
			else
				pos[np++] = n->kid[i];
		}
		fts_and(c, b, pos, np, neg, nn);
		free(pos);
		free(neg);
		return;
	}
	default:
		/* cannot happen (fts_ok was checked): keep the output valid */
		c->failed = 1;
		error_set(c->err, ERR_INTERNAL, "not a full-text node");
		return;
	}
}

/* Renders an FTS5 expression into a new text parameter; returns its number. */
static int fts_param(struct compiler *c, const struct qnode *const *pos, size_t npos,
		     const struct qnode *const *neg, size_t nneg, int join_or)
{
	struct buf b;
	buf_init(&b, Q_MAX_TEXT);
	if (join_or) {
		for (size_t i = 0; i < npos; i++) {
			if (i > 0)
				put(c, &b, " OR ");
			fts_operand(c, &b, pos[i]);
		}
	} else if (npos == 1 && nneg == 0) {
		fts_render(c, &b, pos[0]);
	} else {
		fts_and(c, &b, pos, npos, neg, nneg);
	}
	if (c->failed) {
		buf_release(&b);
		return 0;
	}
	return add_param(c, 1, 0, (char *)buf_detach(&b, NULL));
}

static void sql_node(struct compiler *c, const struct qnode *n);

/* Does the SQL of n, as an operand of AND, need parentheses? Only what
 * has an OR at its top: AND binds tighter than OR, and every other leaf is
 * an AND chain or a single comparison. Fewer parentheses keep deep queries
 * within SQLite's parser stack. */
static int has_top_or(const struct qnode *n)
{
	return n->kind == QN_OR || (n->kind == QN_TEXT && n->env);
}

/* An operand of AND (in_and) or OR. */
static void sql_operand(struct compiler *c, const struct qnode *n, int in_and)
{
	if (in_and && has_top_or(n)) {
		put(c, c->sql, "(");
		sql_node(c, n);
		put(c, c->sql, ")");
	} else {
		sql_node(c, n);
	}
}

/* is_internal(x): the domain of address expression x is an internal one. */
static void sql_internal(struct compiler *c, const char *x)
{
	put(c, c->sql, "instr(?%d, ',' || substr(%s, instr(%s, '@') + 1) || ',') > 0", c->dom_param,
	    x, x);
}

static void sql_rcpt_exists(struct compiler *c, const char *neg)
{
	put(c, c->sql,
	    "EXISTS (SELECT 1 FROM addresses a WHERE a.message = m.id AND a.role IN (2, 3, 4)"
	    " AND %s",
	    neg);
	sql_internal(c, "a.addr");
	put(c, c->sql,
	    ") OR EXISTS (SELECT 1 FROM deliveries d JOIN delivery_rcpts r ON r.delivery = d.id"
	    " WHERE d.message = m.id AND %s",
	    neg);
	sql_internal(c, "r.addr");
	put(c, c->sql, ")");
}

static void sql_direction(struct compiler *c, const struct qnode *n)
{
	if (c->dom_param == 0) {
		struct buf b;
		buf_init(&b, Q_MAX_TEXT);
		put(c, &b, ",");
		for (size_t i = 0; i < c->env->n_internal_domains; i++) {
			for (const char *s = c->env->internal_domains[i]; *s; s++)
				put(c, &b, "%c", tolower((unsigned char)*s));
			put(c, &b, ",");
		}
		if (c->failed) {
			buf_release(&b);
			return;
		}
		c->dom_param = add_param(c, 1, 0, (char *)buf_detach(&b, NULL));
	}
	static const char sender[] = "(SELECT s.addr FROM addresses s WHERE s.message = m.id"
				     " AND s.role = 1 ORDER BY s.pos LIMIT 1)";
	switch (n->op) {
	case D_IN:
		put(c, c->sql, "NOT ");
		sql_internal(c, sender);
		put(c, c->sql, " AND (");
		sql_rcpt_exists(c, "");
		put(c, c->sql, ")");
		break;
	case D_OUT:
		sql_internal(c, sender);
		put(c, c->sql, " AND (");
		sql_rcpt_exists(c, "NOT ");
		put(c, c->sql, ")");
		break;
	default:
		sql_internal(c, sender);
		put(c, c->sql,
		    " AND (EXISTS (SELECT 1 FROM addresses a WHERE a.message = m.id"
		    " AND a.role IN (2, 3, 4)) OR EXISTS (SELECT 1 FROM deliveries d JOIN"
		    " delivery_rcpts r ON r.delivery = d.id WHERE d.message = m.id))"
		    " AND NOT (");
		sql_rcpt_exists(c, "NOT ");
		put(c, c->sql, ")");
		break;
	}
}

static void sql_match(struct compiler *c, int param, int negate)
{
	put(c, c->sql, "m.id %sIN (SELECT rowid FROM fts WHERE fts MATCH ?%d)",
	    negate ? "NOT " : "", param);
}

/* AND: the full-text operands become one MATCH, the rest SQL. */
static void sql_and(struct compiler *c, const struct qnode *n)
{
	const struct qnode **pos = xcalloc(n->n_kid, sizeof(*pos));
	const struct qnode **neg = xcalloc(n->n_kid, sizeof(*neg));
	const struct qnode **other = xcalloc(n->n_kid, sizeof(*other));
	size_t np = 0, nn = 0, no = 0, parts = 0;
	for (size_t i = 0; i < n->n_kid; i++) {
		const struct qnode *k = n->kid[i];
		if (k->kind == QN_NOT && fts_ok(k->kid[0]))
			neg[nn++] = k->kid[0];
		else if (fts_ok(k))
			pos[np++] = k;
		else
			other[no++] = k;
	}
	int deep = n->height > Q_DEEP; /* the full-text part last, see settle() */
	for (size_t i = 0; deep && i < no; i++) {
		if (parts++ > 0)
			put(c, c->sql, " AND ");
		sql_operand(c, other[i], 1);
	}
	if (parts++ > 0 && (np > 0 || nn > 0))
		put(c, c->sql, " AND ");
	if (np > 0)
		sql_match(c, fts_param(c, pos, np, neg, nn, 0), 0);
	else if (nn > 0) /* NOT a AND NOT b = NOT (a OR b) */
		sql_match(c, fts_param(c, neg, nn, NULL, 0, 1), 1);
	else
		parts--;
	for (size_t i = 0; !deep && i < no; i++) {
		if (parts++ > 0)
			put(c, c->sql, " AND ");
		sql_operand(c, other[i], 1);
	}
	free(pos);
	free(neg);
	free(other);
}

static void sql_or(struct compiler *c, const struct qnode *n)
{
	const struct qnode **f = xcalloc(n->n_kid, sizeof(*f));
	size_t nf = 0, parts = 0;
	for (size_t i = 0; i < n->n_kid; i++)
		if (fts_ok(n->kid[i]))
			f[nf++] = n->kid[i];
	int deep = n->height > Q_DEEP; /* the full-text part last, see settle() */
	if (nf > 0 && !deep) {
		sql_match(c, fts_param(c, f, nf, NULL, 0, 1), 0);
		parts++;
	}
	for (size_t i = 0; i < n->n_kid; i++) {
		if (fts_ok(n->kid[i]))
			continue;
		if (parts++ > 0)
			put(c, c->sql, " OR ");
		sql_operand(c, n->kid[i], 0);
	}
	if (nf > 0 && deep) {
		if (parts++ > 0)
			put(c, c->sql, " OR ");
		sql_match(c, fts_param(c, f, nf, NULL, 0, 1), 0);
	}
	free(f);
}

static void sql_node(struct compiler *c, const struct qnode *n)
{
	if (c->failed)
		return;
	switch (n->kind) {
	case QN_AND:
		sql_and(c, n);
		return;
	case QN_OR:
		sql_or(c, n);
		return;
	case QN_NOT:
		if (fts_ok(n->kid[0])) {
			sql_match(
			    c, fts_param(c, (const struct qnode *const *)n->kid, 1, NULL, 0, 0), 1);
			return;
		}
		put(c, c->sql, "(");
		sql_node(c, n->kid[0]);
		put(c, c->sql, ") IS NOT 1");
		return;
	case QN_TEXT: {
		const struct qnode *one[1] = {n};
		if (!n->env) {
			sql_match(c, fts_param(c, one, 1, NULL, 0, 0), 0);
			return;
		}
		/* the header columns, or the envelope recipients of a delivery */
		sql_match(c, fts_param(c, one, 1, NULL, 0, 0), 0);
		int env = add_param(c, 1, 0, xstrdup(n->text));
		put(c, c->sql,
		    " OR m.id IN (SELECT d.message FROM deliveries d WHERE d.id IN"
		    " (SELECT rowid FROM fts_env WHERE fts_env MATCH ?%d))",
		    env);
		return;
	}
	case QN_ATTACH:
		put(c, c->sql, "EXISTS (SELECT 1 FROM attachments t WHERE t.message = m.id)");
		return;
	case QN_LABEL:
		put(c, c->sql,
		    "m.id IN (SELECT l.message FROM labels l WHERE l.label = ?%d COLLATE NOCASE)",
		    add_param(c, 1, 0, xstrdup(n->text)));
		return;
	case QN_MSGID:
		put(c, c->sql, "m.message_id = ?%d", add_param(c, 1, 0, xstrdup(n->text)));
		return;
	case QN_DATE:
		if (n->has_lo)
			put(c, c->sql, "m.date >= ?%d", add_param(c, 0, n->lo, NULL));
		if (n->has_lo && n->has_hi)
			put(c, c->sql, " AND ");
		if (n->has_hi)
			put(c, c->sql, "m.date < ?%d", add_param(c, 0, n->hi, NULL));
		return;
	case QN_SIZE: {
		static const char *const ops[] = {">", ">=", "<", "<="};
		put(c, c->sql, "m.size %s ?%d", ops[n->op], add_param(c, 0, n->lo, NULL));
		return;
	}
	case QN_DIR:
		sql_direction(c, n);
		return;
	}
}

/* The root: a full-text conjunct every hit must match becomes q->match. */
static int compile(const struct search_env *env, const struct qnode *root, struct sq *q,
		   struct error *err)
{
	struct buf sql;
	buf_init(&sql, Q_MAX_TEXT);
	struct compiler c = {&sql, q, env, 0, err, 0};
	const struct qnode **pos = xcalloc(root->n_kid + 1, sizeof(*pos));
	const struct qnode **neg = xcalloc(root->n_kid + 1, sizeof(*neg));
	size_t np = 0, nn = 0, parts = 0;
	if (root->kind == QN_AND && !fts_ok(root))
		for (size_t i = 0; i < root->n_kid; i++) {
			const struct qnode *k = root->kid[i];
			if (k->kind == QN_NOT && fts_ok(k->kid[0]))
				neg[nn++] = k->kid[0];
			else if (fts_ok(k))
				pos[np++] = k;
		}
	if (fts_ok(root)) {
		q->match_param = fts_param(&c, &root, 1, NULL, 0, 0);
	} else if (np > 0) {
		q->match_param = fts_param(&c, pos, np, neg, nn, 0);
		for (size_t i = 0; i < root->n_kid; i++) {
			const struct qnode *k = root->kid[i];
			if (fts_ok(k) || (k->kind == QN_NOT && fts_ok(k->kid[0])))
				continue;
			if (parts++ > 0)
				put(&c, &sql, " AND ");
			sql_operand(&c, k, 1);
		}
	} else {
		sql_node(&c, root);
	}
	free(pos);
	free(neg);
	if (c.failed) {
		buf_release(&sql);
		if (err != NULL && err->code == ERR_LIMIT)
			return error_set(err, ERR_INVALID, "query too complex");
		return -1;
	}
	if (q->match_param > 0)
		q->match = xstrdup(q->p[q->match_param - 1].s);
	if (sql.len > 0)
		q->rest = (char *)buf_detach(&sql, NULL);
	buf_release(&sql);
	return 0;
}

int sq_compile(const struct search_env *env, const char *query, struct sq *q, struct error *err)
{
	memset(q, 0, sizeof(*q));
	if (env == NULL)
		return error_set(err, ERR_USAGE, "no search environment");
	for (size_t i = 0; i < env->n_internal_domains; i++) {
		const char *d = env->internal_domains[i];
		if (d == NULL || *d == '\0' || strcspn(d, ",@ \t\r\n") != strlen(d) ||
		    strlen(d) > 253)
			return error_set(err, ERR_USAGE, "internal domain \"%s\" is not a domain",
					 d ? d : "(null)");
	}
	struct qnode *root;
	if (parse(env, query, &root, err) < 0)
		return -1;
	settle(root);
	int rc = compile(env, root, q, err);
	node_free(root);
	if (rc < 0)
		sq_release(q);
	return rc;
}

void sq_release(struct sq *q)
{
	for (size_t i = 0; i < q->np; i++)
		free(q->p[i].s);
	free(q->p);
	free(q->match);
	free(q->rest);
	memset(q, 0, sizeof(*q));
}

char *sq_where(const struct sq *q, int probe)
{
	char *m =
	    q->match == NULL ? NULL
	    : probe
		? xasprintf("EXISTS (SELECT 1 FROM fts WHERE fts MATCH ?%d AND rowid = m.id)",
			    q->match_param)
		: xasprintf("m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?%d)", q->match_param);
	char *w;
	if (m != NULL && q->rest != NULL)
		w = xasprintf("%s AND %s", m, q->rest);
	else
		w = xstrdup(m != NULL ? m : q->rest != NULL ? q->rest : "1");
	free(m);
	return w;
}

int sq_bind(sqlite3_stmt *st, const struct sq *q)
{
	/* a statement may use only the first parameters (the match alone) */
	size_t n = (size_t)sqlite3_bind_parameter_count(st);
	for (size_t i = 0; i < q->np && i < n; i++) {
		int rc = q->p[i].is_text
			     ? sqlite3_bind_text(st, (int)i + 1, q->p[i].s, -1, SQLITE_STATIC)
			     : sqlite3_bind_int64(st, (int)i + 1, q->p[i].i);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

int search_explain(const struct search_env *env, const char *query, char **explain_r,
		   struct error *err)
{
	struct sq q;
	*explain_r = NULL;
	if (sq_compile(env, query, &q, err) < 0)
		return -1;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	char *where = sq_where(&q, 0);
	int rc = buf_printf(&b, err, "where: %s\n", where);
	free(where);
	for (size_t i = 0; i < q.np && rc == 0; i++) {
		if (!q.p[i].is_text) {
			rc = buf_printf(&b, err, "?%zu = %" PRId64 "\n", i + 1, q.p[i].i);
			continue;
		}
		rc = buf_printf(&b, err, "?%zu = '", i + 1);
		for (const char *s = q.p[i].s; *s && rc == 0; s++)
			rc = *s == '\'' ? buf_append_str(&b, "''", err)
					: buf_append_byte(&b, (unsigned char)*s, err);
		if (rc == 0)
			rc = buf_append_str(&b, "'\n", err);
	}
	if (rc == 0)
		rc = q.match != NULL ? buf_printf(&b, err, "relevance: bm25 of ?%d", q.match_param)
				     : buf_append_str(&b, "relevance: none (sorted by date)", err);
	sq_release(&q);
	if (rc < 0) {
		buf_release(&b);
		return -1;
	}
	*explain_r = (char *)buf_detach(&b, NULL);
	return 0;
}
