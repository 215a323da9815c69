/*
 * test_source.c - unit tests of src/intake/source.h: the mbox splitter
 * (table-driven, every case fed whole, byte by byte and in odd chunk sizes),
 * the walker over eml files, directory trees, Maildir/Maildir++, PST
 * failures, limits and progress, and, when present, the real corpora
 * ($CORPORA, default ../shared/corpora beside the source tree or
 * /work/shared/corpora; unpacked at run time into a temporary directory,
 * never copied into the repository).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "intake/source.h"

/* ---- collecting what a splitter or a walk hands over ------------------- */

struct got_item {
	char *data; /* NUL-terminated copy */
	size_t len;
	uint64_t offset;
	char *env;
	char *origin;
	char *label;
	enum source_kind kind;
};

struct got_fail {
	char *origin;
	enum err_code code;
	char msg[512];
};

struct got {
	struct got_item *items;
	size_t n, cap;
	struct got_fail *fails;
	size_t nf, capf;
	int stop_after; /* on_item fails at this item (1-based), 0: never */
	uint64_t last_done, last_total;
	int progress_calls;
};

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static char *dup_bytes(const void *p, size_t n)
{
	char *d = malloc(n + 1);
	assert_non_null(d);
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static struct got_item *got_push(struct got *g)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->items = realloc(g->items, g->cap * sizeof(*g->items));
		assert_non_null(g->items);
	}
	struct got_item *it = &g->items[g->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

static int on_mbox_message(void *ctx, const struct mbox_message *m, struct error *err)
{
	struct got *g = ctx;
	struct got_item *it = got_push(g);
	it->data = dup_bytes(m->data, m->len);
	it->len = m->len;
	it->offset = m->offset;
	it->env = dup_or_null(m->env_from);
	if (g->stop_after != 0 && g->n == (size_t)g->stop_after)
		return error_set(err, ERR_IO, "archive full");
	return 0;
}

static int on_item(void *ctx, const struct source_item *item, struct error *err)
{
	struct got *g = ctx;
	struct got_item *it = got_push(g);
	it->data = dup_bytes(item->data, item->len);
	it->len = item->len;
	it->env = dup_or_null(item->env_from);
	it->origin = dup_or_null(item->origin);
	it->label = dup_or_null(item->label);
	it->kind = item->kind;
	if (g->stop_after != 0 && g->n == (size_t)g->stop_after)
		return error_set(err, ERR_IO, "archive full");
	return 0;
}

static void on_fail(void *ctx, const char *origin, const struct error *why)
{
	struct got *g = ctx;
	if (g->nf == g->capf) {
		g->capf = g->capf ? g->capf * 2 : 8;
		g->fails = realloc(g->fails, g->capf * sizeof(*g->fails));
		assert_non_null(g->fails);
	}
	struct got_fail *f = &g->fails[g->nf++];
	f->origin = strdup(origin);
	f->code = why->code;
	snprintf(f->msg, sizeof(f->msg), "%s", why->msg);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct got *g = ctx;
	assert_true(done >= g->last_done); /* monotonic */
	g->last_done = done;
	g->last_total = total;
	g->progress_calls++;
}

static void got_release(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->items[i].data);
		free(g->items[i].env);
		free(g->items[i].origin);
		free(g->items[i].label);
	}
	for (size_t i = 0; i < g->nf; i++)
		free(g->fails[i].origin);
	free(g->items);
	free(g->fails);
	memset(g, 0, sizeof(*g));
}

/* ---- the mbox splitter table ------------------------------------------- */

struct want_msg {
	uint64_t offset;
	const char *env; /* NULL: no env_from */
	const char *data;
};

struct want_fail {
	uint64_t offset;
	enum err_code code;
};

struct mbox_case {
	const char *name;
	const char *input;
	uint64_t max; /* 0: default */
	struct want_msg msgs[6];
	size_t nmsgs;
	struct want_fail fails[3];
	size_t nfails;
};

#define FROM1 "From alice@example.com Mon Jan  1 00:00:00 2001\n"
#define FROM2 "From bob@example.com  Tue Jan  2 10:11:12 2001\n"
#define FROM1_LEN (sizeof(FROM1) - 1)

static const struct mbox_case mbox_cases[] = {
    {"empty stream", "", 0, {{0}}, 0, {{0}}, 0},
    {"single message",
     FROM1 "Subject: a\n\nbody\n\n",
     0,
     {{0, "alice@example.com", "Subject: a\n\nbody\n"}},
     1,
     {{0}},
     0},
    {"several messages",
     FROM1 "Subject: a\n\nA\n\n" FROM2 "Subject: b\n\nB\n\n",
     0,
     {{0, "alice@example.com", "Subject: a\n\nA\n"},
      {FROM1_LEN + 15, "bob@example.com", "Subject: b\n\nB\n"}},
     2,
     {{0}},
     0},
    {"mboxrd quoting undone",
     FROM1 "S: q\n\n>From here\n>>From there\n>>>From far\n> From not\n>Fromage\nx>From y\n\n",
     0,
     {{0, "alice@example.com",
       "S: q\n\nFrom here\n>From there\n>>From far\n> From not\n>Fromage\nx>From y\n"}},
     1,
     {{0}},
     0},
    {"From in a body, not after an empty line",
     FROM1 "S: x\n\nquoting:\nFrom me to you\nFrom - what\nend\n\n",
     0,
     {{0, "alice@example.com", "S: x\n\nquoting:\nFrom me to you\nFrom - what\nend\n"}},
     1,
     {{0}},
     0},
    {"unquoted From after an empty line (MimeKit unmunged)",
     FROM1 "S: x\n\nmovie:\n\nFrom Russia with love\nYear: 1963\n\nend\n\n",
     0,
     {{0, "alice@example.com", "S: x\n\nmovie:\n\nFrom Russia with love\nYear: 1963\n\nend\n"}},
     1,
     {{0}},
     0},
    {"full From_ line without an empty line before it",
     FROM1 "S: a\n\nA\n" FROM2 "S: b\n\nB\n",
     0,
     {{0, "alice@example.com", "S: a\n\nA\n"}, {FROM1_LEN + 8, "bob@example.com", "S: b\n\nB\n"}},
     2,
     {{0}},
     0},
    {"bare From - lines before header lines (GMime substring, Netscape)",
     "From - \nFrom: a@x\n\nHello\nFrom - \nFrom: b@x\n\nWorld\n",
     0,
     {{0, "-", "From: a@x\n\nHello\n"}, {25, "-", "From: b@x\n\nWorld\n"}},
     2,
     {{0}},
     0},
    {"bare From line before body text stays",
     "From - \nS: a\n\nx\nFrom -\nnot a header\nFrom a@b\n",
     0,
     {{0, "-", "S: a\n\nx\nFrom -\nnot a header\nFrom a@b\n"}},
     1,
     {{0}},
     0},
    {"bare From line with words after an empty line",
     FROM1 "S: a\n\nA\n\nFrom MAILER-DAEMON some words\nReceived: x\n\nB\n",
     0,
     {{0, "alice@example.com", "S: a\n\nA\n"},
      {FROM1_LEN + 9, "MAILER-DAEMON", "Received: x\n\nB\n"}},
     2,
     {{0}},
     0},
    {"CRLF mbox",
     "From a@b Mon Jan  1 00:00:00 2001\r\nS: a\r\n\r\nA\r\n\r\n"
     "From c@d Mon Jan  1 00:00:00 2001\r\nS: b\r\n\r\n>From B\r\n\r\n",
     0,
     {{0, "a@b", "S: a\r\n\r\nA\r\n"}, {48, "c@d", "S: b\r\n\r\nFrom B\r\n"}},
     2,
     {{0}},
     0},
    {"last message without a final newline",
     FROM1 "S: a\n\nA\n\n" FROM2 "S: b\n\nno newline",
     0,
     {{0, "alice@example.com", "S: a\n\nA\n"},
      {FROM1_LEN + 9, "bob@example.com", "S: b\n\nno newline"}},
     2,
     {{0}},
     0},
    {"truncated mid-line",
     FROM1 "S: a\n\nA\n\n" FROM2 "S: b\n\nBody is cu",
     0,
     {{0, "alice@example.com", "S: a\n\nA\n"},
      {FROM1_LEN + 9, "bob@example.com", "S: b\n\nBody is cu"}},
     2,
     {{0}},
     0},
    {"only one empty line is the writer's",
     FROM1 "S: a\n\nA\n\n\n\n" FROM2 "S: b\n\nB\n",
     0,
     {{0, "alice@example.com", "S: a\n\nA\n\n\n"},
      {FROM1_LEN + 11, "bob@example.com", "S: b\n\nB\n"}},
     2,
     {{0}},
     0},
    {"message over the limit is reported, the rest goes on",
     FROM1 "S: a\n\nsmall\n\n" FROM2 "S: b\n\n0123456789012345678901234567890123456789\n\n"
	   "From c@d Wed Jan  3 00:00:00 2001\nS: c\n\nC\n",
     32,
     {{0, "alice@example.com", "S: a\n\nsmall\n"},
      {FROM1_LEN + 13 + 47 + 48, "c@d", "S: c\n\nC\n"}},
     2,
     {{FROM1_LEN + 13, ERR_LIMIT}},
     1},
    {"message of exactly the limit",
     FROM1 "12345678\n\n",
     9,
     {{0, "alice@example.com", "12345678\n"}},
     1,
     {{0}},
     0},
    {"empty message is reported",
     FROM1 "\n" FROM2 "S: b\n\nB\n",
     0,
     {{FROM1_LEN + 1, "bob@example.com", "S: b\n\nB\n"}},
     1,
     {{0, ERR_INVALID}},
     1},
    {"a From_ line and nothing else", FROM1, 0, {{0}}, 0, {{0, ERR_INVALID}}, 1},
    {"UTF-8 BOM before the first From_ line",
     "\xef\xbb\xbf"
     "From -\nS: a\n\nA\n",
     0,
     {{3, "-", "S: a\n\nA\n"}},
     1,
     {{0}},
     0},
    {"bytes before the first From_ line",
     "stray\nbytes\n" FROM1 "S: a\n\nA\n",
     0,
     {{0, NULL, "stray\nbytes\n"}, {12, "alice@example.com", "S: a\n\nA\n"}},
     2,
     {{0}},
     0},
    {"From_ line without an address (Pony Mail no_date)",
     "From \nList-Id: <t>\n\nNo date\n\n",
     0,
     {{0, NULL, "List-Id: <t>\n\nNo date\n"}},
     1,
     {{0}},
     0},
    {"MAILER-DAEMON and quoted readpst address",
     "From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nS: a\n\nA\n\n"
     "From \"John Smith\" Sat, 11 Nov 2000 12:00:00 +0000\nS: b\n\nB\n",
     0,
     {{0, "MAILER-DAEMON", "S: a\n\nA\n"}, {53, "\"John Smith\"", "S: b\n\nB\n"}},
     2,
     {{0}},
     0},
    {"From_ date variants: zone, zone before year, remote from",
     "From a@b Fri Sep 26 17:18:40 +0000 2025\nS: 1\n\n1\n"
     "From a@b Thu Nov 29 14:01:12 PST 2001\nS: 2\n\n2\n"
     "From a@b Mon Jan  1 00:00 1996 remote from uucp\nS: 3\n\n3\n"
     "From a@b Mon Jan  1 0:00:00 1996 extra\nS: 4\n\n4\n",
     0,
     {{0, "a@b", "S: 1\n\n1\n"},
      {48, "a@b", "S: 2\n\n2\n"},
      {94, "a@b",
       "S: 3\n\n3\n"
       "From a@b Mon Jan  1 0:00:00 1996 extra\nS: 4\n\n4\n"}},
     3,
     {{0}},
     0},
    {"Content-Length vetoes separators inside the declared body (mboxcl2)",
     FROM1 "Content-Length: 61\n\n"
	   "From bob@example.com  Tue Jan  2 10:11:12 2001\nnot a message\n"
	   "\n" FROM2 "S: b\n\nB\n",
     0,
     {{0, "alice@example.com",
       "Content-Length: 61\n\nFrom bob@example.com  Tue Jan  2 10:11:12 2001\nnot a message\n"},
      {FROM1_LEN + 20 + 61 + 1, "bob@example.com", "S: b\n\nB\n"}},
     2,
     {{0}},
     0},
    {"wrong Content-Length merges, loses nothing",
     FROM1 "Content-Length: 1000\n\nA\n\n" FROM2 "S: b\n\nB\n",
     0,
     {{0, "alice@example.com", "Content-Length: 1000\n\nA\n\n" FROM2 "S: b\n\nB\n"}},
     1,
     {{0}},
     0},
};

static void check_got(const struct mbox_case *c, const struct got *g, const char *how)
{
	if (g->n != c->nmsgs || g->nf != c->nfails) {
		fprintf(stderr, "case \"%s\" (%s): %zu messages, %zu failures\n", c->name, how,
			g->n, g->nf);
		for (size_t i = 0; i < g->n; i++)
			fprintf(stderr, "  @%" PRIu64 " [%s]\n", g->items[i].offset,
				g->items[i].data);
	}
	assert_int_equal(g->n, c->nmsgs);
	assert_int_equal(g->nf, c->nfails);
	for (size_t i = 0; i < c->nmsgs; i++) {
		const struct want_msg *w = &c->msgs[i];
		const struct got_item *it = &g->items[i];
		if (strcmp(it->data, w->data) != 0 || it->offset != w->offset)
			fprintf(stderr, "case \"%s\" (%s) message %zu: @%" PRIu64 " [%s]\n",
				c->name, how, i, it->offset, it->data);
		assert_int_equal(it->len, strlen(w->data));
		assert_string_equal(it->data, w->data);
		assert_int_equal(it->offset, w->offset);
		if (w->env == NULL)
			assert_null(it->env);
		else
			assert_string_equal(it->env, w->env);
	}
	for (size_t i = 0; i < c->nfails; i++) {
		char want[64];
		snprintf(want, sizeof(want), "test@%" PRIu64, c->fails[i].offset);
		assert_string_equal(g->fails[i].origin, want);
		assert_int_equal(g->fails[i].code, c->fails[i].code);
	}
}

/* Feeds input in chunks of size chunk (0: all at once). */
static void run_splitter(const char *input, size_t len, uint64_t max, size_t chunk, struct got *g)
{
	struct error err = ERROR_INIT;
	struct mbox_splitter *s = mbox_new(max, on_mbox_message, on_fail, g, "test");
	assert_non_null(s);
	size_t step = chunk ? chunk : (len ? len : 1);
	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;
		assert_int_equal(mbox_feed(s, (const unsigned char *)input + i, k, &err), 0);
	}
	assert_int_equal(mbox_finish(s, &err), 0);
	mbox_free(s);
}

static void test_mbox_table(void **state)
{
	(void)state;
	static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 13, 64, 1023};
	for (size_t i = 0; i < sizeof(mbox_cases) / sizeof(mbox_cases[0]); i++) {
		const struct mbox_case *c = &mbox_cases[i];
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			struct got g = {0};
			char how[32];
			snprintf(how, sizeof(how), "chunks of %zu", chunks[k]);
			run_splitter(c->input, strlen(c->input), c->max, chunks[k], &g);
			check_got(c, &g, how);
			got_release(&g);
		}
	}
}

/* Compares two runs item by item. */
static void assert_same_got(const struct got *a, const struct got *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->nf, b->nf);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->items[i].len, b->items[i].len);
		assert_memory_equal(a->items[i].data, b->items[i].data, a->items[i].len);
		assert_int_equal(a->items[i].offset, b->items[i].offset);
		assert_true((a->items[i].env == NULL) == (b->items[i].env == NULL));
		if (a->items[i].env != NULL)
			assert_string_equal(a->items[i].env, b->items[i].env);
	}
	for (size_t i = 0; i < a->nf; i++) {
		assert_string_equal(a->fails[i].origin, b->fails[i].origin);
		assert_int_equal(a->fails[i].code, b->fails[i].code);
	}
}

/* Lines longer than the splitter's line head (1 KiB), fed byte by byte and
 * in one piece: the results must be identical. */
static void test_mbox_long_lines(void **state)
{
	(void)state;
	size_t cap = 64 * 1024, len = 0;
	char *in = malloc(cap);
	assert_non_null(in);
#define ADD(s) (memcpy(in + len, (s), strlen(s)), len += strlen(s))
	/* a From_ line with a 2000-byte address: a separator (first line), no env */
	ADD("From ");
	memset(in + len, 'a', 2000);
	len += 2000;
	ADD(" Mon Jan  1 00:00:00 2001\nS: long\n\n");
	/* a 3000-byte content line that contains "\nFrom " only at its start */
	memset(in + len, 'x', 3000);
	len += 3000;
	ADD("\n>");
	memset(in + len, '>', 1500); /* too many '>' to see the From: stays quoted */
	len += 1500;
	ADD("From deep\n\n" FROM2 "S: b\n\nB\n");
#undef ADD
	struct got one = {0}, bytes = {0};
	run_splitter(in, len, 0, 0, &one);
	run_splitter(in, len, 0, 1, &bytes);
	assert_same_got(&one, &bytes);
	assert_int_equal(one.n, 2);
	assert_null(one.items[0].env);
	assert_int_equal(one.items[0].offset, 0);
	assert_int_equal(one.items[0].len, 9 + 3001 + 1 + 1500 + 10);
	assert_memory_equal(one.items[0].data + 9 + 3001, ">>>", 3);
	assert_string_equal(one.items[1].env, "bob@example.com");
	got_release(&one);
	got_release(&bytes);

	/* a long From_ line after the first line is body text */
	len = 0;
	memcpy(in, FROM1 "S: a\n\nA\n", FROM1_LEN + 8);
	len = FROM1_LEN + 8;
	memcpy(in + len, "From a@b ", 9);
	len += 9;
	memset(in + len, ' ', 1100);
	len += 1100;
	memcpy(in + len, "Mon Jan  1 00:00:00 2001\nS: b\n", 30);
	len += 30;
	run_splitter(in, len, 0, 0, &one);
	run_splitter(in, len, 0, 1, &bytes);
	assert_same_got(&one, &bytes);
	assert_int_equal(one.n, 1);
	assert_int_equal(one.items[0].len, len - FROM1_LEN);
	got_release(&one);
	got_release(&bytes);
	free(in);
}

static void test_mbox_stop(void **state)
{
	(void)state;
	static const char in[] = FROM1 "S: a\n\nA\n\n" FROM2 "S: b\n\nB\n\n" FROM1 "S: c\n\nC\n";
	struct got g = {.stop_after = 1};
	struct error err = ERROR_INIT;
	struct mbox_splitter *s = mbox_new(0, on_mbox_message, on_fail, &g, "t");
	assert_int_equal(mbox_feed(s, (const unsigned char *)in, sizeof(in) - 1, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	assert_string_equal(err.msg, "archive full");
	error_clear(&err);
	assert_int_equal(mbox_feed(s, (const unsigned char *)"x", 1, &err), -1);
	assert_int_equal(mbox_finish(s, &err), -1);
	assert_int_equal(g.n, 1);
	mbox_free(s);
	got_release(&g);
}

static void test_mbox_sniff(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int want;
	} t[] = {
	    {"From a@b Mon Jan  1 00:00:00 2001\n", 1},
	    {"From \n", 1},
	    {"\xef\xbb\xbf"
	     "From -\n",
	     1},
	    {"From: a@b\n", 0},
	    {"from a@b\n", 0},
	    {" From a\n", 0},
	    {"From", 0},
	    {"", 0},
	    {"!BDN", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(mbox_sniff((const unsigned char *)t[i].in, strlen(t[i].in)),
				 t[i].want);
}

/* ---- fixtures for the walker ------------------------------------------- */

static char *fixture_dir(void)
{
	char tmpl[] = "/tmp/custos-test-source-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_fixture(char *dir)
{
	chmod(dir, 0700);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static void mkdirs(const char *path)
{
	char *p = strdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0700);
			*s = '/';
		}
	}
	mkdir(p, 0700);
	free(p);
}

static void put_file(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put(const char *dir, const char *rel, const char *text)
{
	put_file(dir, rel, text, strlen(text));
}

static const char *suffix(const char *origin, const char *dir)
{
	size_t n = strlen(dir);
	assert_memory_equal(origin, dir, n);
	return origin + n;
}

static int walk(const char *path, const struct source_opts *o, struct got *g)
{
	struct error err = ERROR_INIT;
	int rc = source_walk(path, o, on_item, on_fail, g, &err);
	if (rc < 0)
		fprintf(stderr, "walk %s: %s\n", path, err.msg);
	for (size_t i = 0; i < g->nf; i++)
		fprintf(stderr, "  fail %s: %s\n", g->fails[i].origin, g->fails[i].msg);
	return rc;
}

static void test_walk_eml(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	static const char msg[] = "From: a@b\r\nSubject: exact\r\n\r\nbytes \x00\xff kept\r\n";
	put_file(dir, "one.eml", msg, sizeof(msg) - 1);
	char path[4096];
	snprintf(path, sizeof(path), "%s/one.eml", dir);
	struct source_opts o = {0};
	struct got g = {0};
	assert_int_equal(walk(path, &o, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nf, 0);
	assert_int_equal(g.items[0].kind, SOURCE_EML);
	assert_int_equal(g.items[0].len, sizeof(msg) - 1);
	assert_memory_equal(g.items[0].data, msg, sizeof(msg) - 1);
	assert_string_equal(g.items[0].origin, path);
	assert_null(g.items[0].label);
	assert_null(g.items[0].env);
	got_release(&g);
	assert_int_equal(source_total_bytes(path), sizeof(msg) - 1);
	assert_string_equal(source_kind_name(SOURCE_MAILDIR), "maildir");
	rm_fixture(dir);
}

static void test_walk_tree(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	put(dir, "b.eml", "Subject: b\n\nb\n");
	put(dir, "a.eml", "Subject: a\n\na\n");
	put(dir, "10.eml", "Subject: 10\n\n10\n");
	put(dir, "9.eml", "Subject: 9\n\n9\n");
	put(dir, ".hidden.eml", "Subject: hidden\n\nh\n");
	put(dir, ".git/x.eml", "Subject: hidden dir\n\nh\n");
	put(dir, "sub/c.eml", "Subject: c\n\nc\n");
	put(dir, "sub/box.mbox", FROM1 "Subject: m1\n\n1\n\n" FROM2 "Subject: m2\n\n2\n");
	put(dir, "sub/empty", "");
	put(dir, "z/Maildir/cur/1:2,S", "Subject: md\n\nmd\n");
	put(dir, "z/Maildir/new/.junk", "not a message");
	char link[4096], target[4096];
	snprintf(link, sizeof(link), "%s/link.eml", dir);
	snprintf(target, sizeof(target), "%s/a.eml", dir);
	assert_int_equal(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/loop", dir);
	assert_int_equal(symlink(dir, link), 0);

	struct source_opts o = {0};
	struct got g = {0};
	assert_int_equal(walk(dir, &o, &g), 0);
	static const struct {
		const char *origin;
		enum source_kind kind;
		const char *label;
		const char *env;
	} want[] = {
	    {"/9.eml", SOURCE_EML, NULL, NULL},
	    {"/10.eml", SOURCE_EML, NULL, NULL},
	    {"/a.eml", SOURCE_EML, NULL, NULL},
	    {"/b.eml", SOURCE_EML, NULL, NULL},
	    {"/sub/box.mbox@0", SOURCE_MBOX, NULL, "alice@example.com"},
	    {"/sub/box.mbox@64", SOURCE_MBOX, NULL, "bob@example.com"},
	    {"/sub/c.eml", SOURCE_EML, NULL, NULL},
	    {"/z/Maildir/cur/1:2,S", SOURCE_MAILDIR, "INBOX", NULL},
	};
	for (size_t i = 0; i < g.n; i++)
		fprintf(stderr, "  got %s\n", suffix(g.items[i].origin, dir));
	assert_int_equal(g.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(suffix(g.items[i].origin, dir), want[i].origin);
		assert_int_equal(g.items[i].kind, want[i].kind);
		if (want[i].label)
			assert_string_equal(g.items[i].label, want[i].label);
		else
			assert_null(g.items[i].label);
		if (want[i].env)
			assert_string_equal(g.items[i].env, want[i].env);
		else
			assert_null(g.items[i].env);
	}
	assert_string_equal(g.items[4].data, "Subject: m1\n\n1\n");
	/* symlinks are reported, not followed; the empty file is reported */
	static const char *want_fail[] = {"/link.eml", "/loop", "/sub/empty"};
	assert_int_equal(g.nf, 3);
	for (size_t i = 0; i < g.nf; i++)
		assert_string_equal(suffix(g.fails[i].origin, dir), want_fail[i]);
	assert_non_null(strstr(g.fails[0].msg, "symbolic link"));
	got_release(&g);

	/* a trailing slash changes nothing */
	char slash[4096];
	snprintf(slash, sizeof(slash), "%s/", dir);
	assert_int_equal(walk(slash, &o, &g), 0);
	assert_int_equal(g.n, 8);
	assert_string_equal(suffix(g.items[0].origin, dir), "/9.eml");
	got_release(&g);

	/* an unreadable file is reported and the walk goes on (not as root) */
	if (geteuid() != 0) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/a.eml", dir);
		chmod(p, 0);
		assert_int_equal(walk(dir, &o, &g), 0);
		assert_int_equal(g.n, 7);
		assert_int_equal(g.nf, 4);
		got_release(&g);
	}
	rm_fixture(dir);
}

static void test_walk_maildir(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	char md[4096];
	snprintf(md, sizeof(md), "%s/Maildir", dir);
	static const char *files[][2] = {
	    {"cur/1000.M1.host:2,S", "Subject: cur\n\n"},
	    {"new/1001.M2.host", "Subject: new\n\n"},
	    {"tmp/1002.M3.host", "Subject: tmp (never)\n\n"},
	    {".Sent/cur/2000.M1.host:2,S", "Subject: sent\n\n"},
	    {".Sent/tmp/2001.M1.host", "Subject: sent tmp (never)\n\n"},
	    {".Sent/maildirfolder", ""},
	    {".INBOX.Clients/new/3000.M1.host", "Subject: clients\n\n"},
	    {".NotAFolder/x", "Subject: no cur/new\n\n"},
	    {"dovecot-uidlist", "3 V1 N4\n"},
	    {"courierimapkeywords/:list", "junk\n"},
	    {"Archive/2020/cur/4000.M1.host:2,", "Subject: fs layout\n\n"},
	    {"Archive/2020/new/.nfs0001", "hidden\n"},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[512];
		snprintf(rel, sizeof(rel), "Maildir/%s", files[i][0]);
		put(dir, rel, files[i][1]);
	}
	struct source_opts o = {0};
	struct got g = {0};
	assert_int_equal(walk(md, &o, &g), 0);
	static const char *want[][2] = {
	    {"/Maildir/cur/1000.M1.host:2,S", "INBOX"},
	    {"/Maildir/new/1001.M2.host", "INBOX"},
	    {"/Maildir/.INBOX.Clients/new/3000.M1.host", "INBOX.Clients"},
	    {"/Maildir/.Sent/cur/2000.M1.host:2,S", "Sent"},
	    {"/Maildir/Archive/2020/cur/4000.M1.host:2,", "Archive/2020"},
	};
	for (size_t i = 0; i < g.n; i++)
		fprintf(stderr, "  got %s [%s]\n", suffix(g.items[i].origin, dir),
			g.items[i].label);
	assert_int_equal(g.n, sizeof(want) / sizeof(want[0]));
	assert_int_equal(g.nf, 0);
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(suffix(g.items[i].origin, dir), want[i][0]);
		assert_string_equal(g.items[i].label, want[i][1]);
		assert_int_equal(g.items[i].kind, SOURCE_MAILDIR);
	}
	assert_string_equal(g.items[0].data, "Subject: cur\n\n");
	got_release(&g);

	/* the same Maildir found inside a plain directory tree */
	assert_int_equal(walk(dir, &o, &g), 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.items[3].label, "Sent");
	got_release(&g);

	/* a Maildir message starting with "From " is handed over as it is */
	put(dir, "Maildir/new/1005.M9.host", FROM1 "Subject: x\n\n");
	assert_int_equal(walk(md, &o, &g), 0);
	assert_int_equal(g.n, 6);
	assert_string_equal(g.items[2].data, FROM1 "Subject: x\n\n");
	got_release(&g);
	rm_fixture(dir);
}

static void test_walk_limits(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	put(dir, "1.eml", "Subject: 1\n\nsmall\n");
	put(dir, "2.eml", "Subject: 2\n\nthis one is far too large for the limit\n");
	put(dir, "3.mbox",
	    FROM1 "S: a\n\nsmall\n\n" FROM2 "S: b\n\nthis one is much too large!!\n\n" FROM1
		  "S: c\n\nc\n");
	put(dir, "4.eml", "Subject: 4\n\nsmall\n");
	struct source_opts o = {.max_message_size = 20};
	struct got g = {0};
	assert_int_equal(walk(dir, &o, &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(suffix(g.items[0].origin, dir), "/1.eml");
	assert_string_equal(suffix(g.items[1].origin, dir), "/3.mbox@0");
	assert_string_equal(suffix(g.items[2].origin, dir), "/3.mbox@144");
	assert_string_equal(suffix(g.items[3].origin, dir), "/4.eml");
	assert_int_equal(g.nf, 2);
	assert_string_equal(suffix(g.fails[0].origin, dir), "/2.eml");
	assert_int_equal(g.fails[0].code, ERR_LIMIT);
	assert_non_null(strstr(g.fails[0].msg, "larger than the limit of 20 bytes"));
	assert_string_equal(suffix(g.fails[1].origin, dir), "/3.mbox@61");
	assert_int_equal(g.fails[1].code, ERR_LIMIT);
	got_release(&g);

	/* an mbox over max_mbox_size is not read at all */
	o.max_message_size = 0;
	o.max_mbox_size = 100;
	assert_int_equal(walk(dir, &o, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.nf, 1);
	assert_string_equal(suffix(g.fails[0].origin, dir), "/3.mbox");
	assert_non_null(strstr(g.fails[0].msg, "max_mbox_size"));
	got_release(&g);
	rm_fixture(dir);
}

static void test_walk_pst(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	char tmp[4096], pst[4096], ok[4096];
	snprintf(tmp, sizeof(tmp), "%s/scratch", dir);
	mkdirs(tmp);
	unsigned char junk[4096];
	memcpy(junk, "!BDN", 4);
	for (size_t i = 4; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	junk[8] = 'S';
	junk[9] = 'M';
	junk[10] = 23; /* looks like a Unicode PST header, garbage after */
	junk[11] = 0;
	put_file(dir, "in/bad.pst", junk, sizeof(junk));
	put(dir, "in/ok.eml", "Subject: ok\n\n");
	snprintf(pst, sizeof(pst), "%s/in/bad.pst", dir);
	snprintf(ok, sizeof(ok), "%s/in", dir);

	static const struct {
		const char *readpst;
		const char *want;
	} t[] = {
	    {NULL, "readpst exited with status 1: "}, /* the real one: says why */
	    {"/nonexistent/readpst", "cannot run /nonexistent/readpst"}, /* missing */
	    {"false", "readpst exited with status 1"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (i == 0 && access("/usr/bin/readpst", X_OK) != 0)
			continue; /* pst-utils not installed */
		struct source_opts o = {.tmpdir = tmp, .readpst = t[i].readpst};
		struct got g = {0};
		assert_int_equal(walk(ok, &o, &g), 0);
		assert_int_equal(g.n, 1); /* ok.eml: the walk went on */
		assert_int_equal(g.nf, 1);
		assert_string_equal(g.fails[0].origin, pst);
		fprintf(stderr, "  PST failure: %s\n", g.fails[0].msg);
		assert_non_null(strstr(g.fails[0].msg, t[i].want));
		got_release(&g);
		/* the scratch directory is empty again */
		assert_int_equal(rmdir(tmp), 0);
		mkdirs(tmp);
	}

	/* a missing tmpdir is reported as well */
	struct source_opts o = {.tmpdir = "/nonexistent-custos-tmp"};
	struct got g = {0};
	assert_int_equal(walk(pst, &o, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nf, 1);
	assert_int_equal(g.fails[0].code, ERR_IO);
	got_release(&g);
	rm_fixture(dir);
}

/* A fake readpst (a shell script) that writes what readpst -e writes, to
 * test walking its output: labels from folders, origins, cleanup. */
static void test_walk_pst_output(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	char tmp[4096], script[4096], pst[4096];
	snprintf(tmp, sizeof(tmp), "%s/scratch", dir);
	mkdirs(tmp);
	put(dir, "fake-readpst",
	    "#!/bin/sh\n"
	    "# args: -q -e -t e -j 0 -o DIR -- FILE\n"
	    "[ \"$7\" = -o ] && [ \"$9\" = -- ] || exit 9\n"
	    "d=\"$8\"\n"
	    "mkdir -p \"$d/Personal Folders/Inbox\" \"$d/Personal Folders/Sent Items\"\n"
	    "printf 'Subject: one\\n\\n1\\n' > \"$d/Personal Folders/Inbox/1.eml\"\n"
	    "printf 'Subject: two\\n\\n2\\n' > \"$d/Personal Folders/Inbox/2.eml\"\n"
	    "printf 'Subject: ten\\n\\n10\\n' > \"$d/Personal Folders/Inbox/10.eml\"\n"
	    "printf 'Subject: sent\\n\\n' > \"$d/Personal Folders/Sent Items/1.eml\"\n");
	snprintf(script, sizeof(script), "%s/fake-readpst", dir);
	chmod(script, 0755);
	put(dir, "mail.pst", "!BDN not really");
	snprintf(pst, sizeof(pst), "%s/mail.pst", dir);
	struct source_opts o = {.tmpdir = tmp, .readpst = script, .on_progress = on_progress};
	struct got g = {0};
	assert_int_equal(walk(pst, &o, &g), 0);
	static const char *want[][2] = {
	    {"#Personal Folders/Inbox/1.eml", "Personal Folders/Inbox"},
	    {"#Personal Folders/Inbox/2.eml", "Personal Folders/Inbox"},
	    {"#Personal Folders/Inbox/10.eml", "Personal Folders/Inbox"},
	    {"#Personal Folders/Sent Items/1.eml", "Personal Folders/Sent Items"},
	};
	assert_int_equal(g.nf, 0);
	assert_int_equal(g.n, 4);
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(suffix(g.items[i].origin, pst), want[i][0]);
		assert_string_equal(g.items[i].label, want[i][1]);
		assert_int_equal(g.items[i].kind, SOURCE_PST);
	}
	assert_string_equal(g.items[2].data, "Subject: ten\n\n10\n");
	assert_int_equal(g.last_done, strlen("!BDN not really"));
	assert_int_equal(g.last_total, g.last_done);
	got_release(&g);
	assert_int_equal(rmdir(tmp), 0); /* empty again */

	/* the callback stopping mid-PST still removes the scratch directory */
	mkdirs(tmp);
	g.stop_after = 2;
	struct error err = ERROR_INIT;
	assert_int_equal(source_walk(pst, &o, on_item, on_fail, &g, &err), -1);
	assert_string_equal(err.msg, "archive full");
	assert_int_equal(g.n, 2);
	got_release(&g);
	assert_int_equal(rmdir(tmp), 0);
	rm_fixture(dir);
}

static void test_walk_progress_and_stop(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	static const char *files[][2] = {
	    {"a.eml", "Subject: a\n\n"},
	    {"b/c.mbox", FROM1 "S: 1\n\n1\n\n" FROM2 "S: 2\n\n2\n"},
	    {"d/cur/x", "Subject: md\n\n"},
	    {"d/new/y", "Subject: md2\n\n"},
	};
	uint64_t want = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		put(dir, files[i][0], files[i][1]);
		want += strlen(files[i][1]);
	}
	put(dir, "d/tmp/z", "never counted");
	put(dir, ".hidden", "never counted");
	uint64_t total = source_total_bytes(dir);
	assert_int_equal(total, want);
	struct source_opts o = {.on_progress = on_progress};
	struct got g = {0};
	assert_int_equal(walk(dir, &o, &g), 0);
	assert_int_equal(g.n, 5);
	assert_true(g.progress_calls >= 4);
	assert_int_equal(g.last_done, total);
	assert_int_equal(g.last_total, total);
	got_release(&g);

	/* on_item failing stops the walk with its error */
	g.stop_after = 3;
	struct error err = ERROR_INIT;
	assert_int_equal(source_walk(dir, &o, on_item, on_fail, &g, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	assert_string_equal(err.msg, "archive full");
	assert_int_equal(g.n, 3);
	got_release(&g);

	/* a PATH that cannot be opened fails the walk itself */
	char missing[4096];
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	assert_int_equal(source_walk(missing, &o, on_item, on_fail, &g, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	assert_int_equal(source_total_bytes(missing), 0);
	got_release(&g);
	rm_fixture(dir);
}

/* A FIFO at the top level is streamed (e.g. `custos import /dev/stdin`). */
static void test_walk_fifo(void **state)
{
	(void)state;
	char *dir = fixture_dir();
	char fifo[4096];
	snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	static const char in[] = FROM1 "S: 1\n\n1\n\n" FROM2 "S: 2\n\n2\n";
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(fifo, O_WRONLY);
		for (size_t i = 0; fd >= 0 && i < sizeof(in) - 1; i += 7) {
			size_t k = sizeof(in) - 1 - i < 7 ? sizeof(in) - 1 - i : 7;
			if (write(fd, in + i, k) != (ssize_t)k)
				_exit(1);
			usleep(1000);
		}
		_exit(fd < 0);
	}
	struct source_opts o = {.on_progress = on_progress};
	struct got g = {0};
	assert_int_equal(walk(fifo, &o, &g), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.items[1].data, "S: 2\n\n2\n");
	got_release(&g);
	rm_fixture(dir);
}

/* ---- real corpora ------------------------------------------------------ */

static char *corpora_root(void)
{
	const char *env = getenv("CORPORA");
	if (env != NULL && *env != '\0')
		return strdup(env);
	const char *src = getenv("CUSTOS_SRCDIR");
	if (src != NULL) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/../shared/corpora", src);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return strdup(p);
	}
	return strdup("/work/shared/corpora");
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The unpacked folder top (under one of the names) of corpus set, from
 * $CORPORA/SET/... if unpacked there, else unpacked from SET.tar.zst into
 * *scratch_r (a new temporary directory). NULL when absent. */
static char *corpus(const char *set, const char *const *tops, char **scratch_r)
{
	char *root = corpora_root();
	char p[4096];
	*scratch_r = NULL;
	for (const char *const *t = tops; *t; t++) {
		snprintf(p, sizeof(p), "%s/%s", root, *t);
		if (is_dir(p)) {
			free(root);
			return strdup(p);
		}
	}
	snprintf(p, sizeof(p), "%s/%s.tar.zst", root, set);
	free(root);
	if (access(p, R_OK) != 0 || system("zstd --version >/dev/null 2>&1") != 0)
		return NULL;
	char *scratch = fixture_dir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "zstd -dc --long=27 '%s' | tar -xf - -C '%s'", p, scratch);
	if (system(cmd) != 0) {
		rm_fixture(scratch);
		return NULL;
	}
	*scratch_r = scratch;
	for (const char *const *t = tops; *t; t++) {
		snprintf(p, sizeof(p), "%s/%s", scratch, *t);
		if (is_dir(p))
			return strdup(p);
	}
	return NULL;
}

/* The unfolded Message-ID of a message's header section, or NULL. */
static char *message_id(const char *m, size_t len)
{
	const char *end = m + len;
	for (const char *line = m; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		if (le == line || (le - line == 1 && line[0] == '\r'))
			return NULL; /* end of the header */
		if (le - line >= 11 && strncasecmp(line, "message-id:", 11) == 0) {
			char out[1024];
			size_t n = 0;
			const char *p = line + 11;
			for (;;) {
				for (; p < le && n < sizeof(out) - 1; p++)
					if (*p != ' ' && *p != '\t' && *p != '\r')
						out[n++] = *p;
				if (!nl || nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
					break;
				p = nl + 1;
				nl = memchr(p, '\n', (size_t)(end - p));
				le = nl ? nl : end;
			}
			return n ? strndup(out, n) : NULL;
		}
		line = nl ? nl + 1 : end;
	}
	return NULL;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus_apache(void **state)
{
	(void)state;
	static const char *const tops[] = {"apache-mailing-lists-mbox",
					   "english-apache-mailing-lists-mbox", NULL};
	char *scratch;
	char *top = corpus("english-apache-mailing-lists-mbox", tops, &scratch);
	if (top == NULL)
		skip();
	struct source_opts o = {0};
	struct got g = {0};
	assert_int_equal(walk(top, &o, &g), 0);
	size_t mbox = 0, eml = 0, files = 0;
	char **ids = calloc(g.n, sizeof(char *));
	size_t nids = 0;
	const char *last = "";
	for (size_t i = 0; i < g.n; i++) {
		if (g.items[i].kind == SOURCE_MBOX) {
			mbox++;
			const char *at = strrchr(g.items[i].origin, '@');
			if (strncmp(last, g.items[i].origin, (size_t)(at - g.items[i].origin)) != 0)
				files++;
			last = g.items[i].origin;
			char *id = message_id(g.items[i].data, g.items[i].len);
			if (id)
				ids[nids++] = id;
		} else {
			eml++; /* PONYMAIL-UNIT-TESTS-README.md: a plain file is a message */
		}
	}
	qsort(ids, nids, sizeof(*ids), str_cmp);
	size_t distinct = 0;
	for (size_t i = 0; i < nids; i++)
		if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0)
			distinct++;
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	fprintf(stderr,
		"  apache corpus: %zu mbox messages in %zu mbox files, %zu other files, %zu "
		"failures, %zu distinct Message-IDs\n",
		mbox, files, eml, g.nf, distinct);
	assert_int_equal(mbox, 2039);	 /* README: 2,039 messages */
	assert_int_equal(distinct, 807); /* README: 807 distinct Message-IDs */
	assert_int_equal(eml, 1);
	assert_int_equal(g.nf, 0);
	got_release(&g);
	free(top);
	if (scratch)
		rm_fixture(scratch);
}

static void test_corpus_mime_edge(void **state)
{
	(void)state;
	static const char *const tops[] = {"mime-edge-cases", NULL};
	char *scratch;
	char *top = corpus("mime-edge-cases", tops, &scratch);
	if (top == NULL)
		skip();
	static const struct {
		const char *rel;
		size_t messages;
	} t[] = {
	    /* GMime expects 3: bare "From - " lines right after body text */
	    {"gmime/tests/data/mbox/input/substring.mbox", 3},
	    /* MimeKit: Netscape mbox with Content-Length, 29 mboxMarkerOffsets */
	    {"mimekit/UnitTests/TestData/mbox/content-length.mbox.txt", 29},
	    {"mimekit/UnitTests/TestData/mbox/issue1189.mbox.txt", 4},
	    {"mimekit/UnitTests/TestData/mbox/simple.mbox.txt", 3},
	    /* BOM, and "From Russia with love" unquoted after an empty line */
	    {"mimekit/UnitTests/TestData/mbox/unmunged.mbox.txt", 2},
	    {"james-mime4j/mbox/src/test/resources/test-1/mbox.rlug", 5},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", top, t[i].rel);
		struct source_opts o = {0};
		struct got g = {0};
		assert_int_equal(walk(p, &o, &g), 0);
		fprintf(stderr, "  %s: %zu messages\n", t[i].rel, g.n);
		assert_int_equal(g.n, t[i].messages);
		assert_int_equal(g.nf, 0);
		for (size_t k = 0; k < g.n; k++)
			assert_int_equal(g.items[k].kind, SOURCE_MBOX);

		if (strstr(t[i].rel, "content-length")) {
			/* same From_ offsets as MimeKit's reference */
			char jp[4096];
			snprintf(jp, sizeof(jp),
				 "%s/mimekit/UnitTests/TestData/mbox/"
				 "content-length.unix-offsets.json",
				 top);
			FILE *f = fopen(jp, "r");
			assert_non_null(f);
			char line[512];
			size_t k = 0;
			while (fgets(line, sizeof(line), f)) {
				const char *m = strstr(line, "\"mboxMarkerOffset\": ");
				if (!m)
					continue;
				char want[4200];
				snprintf(want, sizeof(want), "%s@%s", p, m + 20);
				want[strcspn(want, ",\n")] = '\0';
				assert_true(k < g.n);
				assert_string_equal(g.items[k].origin, want);
				k++;
			}
			fclose(f);
			assert_int_equal(k, g.n);
		}
		if (strstr(t[i].rel, "rlug")) {
			/* mime4j's expected messages keep the writer's empty line */
			for (size_t k = 0; k < g.n; k++) {
				char ep[4200];
				snprintf(ep, sizeof(ep), "%s-%zu", p, k);
				FILE *f = fopen(ep, "rb");
				assert_non_null(f);
				static char want[65536];
				size_t n = fread(want, 1, sizeof(want), f);
				fclose(f);
				assert_int_equal(g.items[k].len + 1, n);
				assert_memory_equal(g.items[k].data, want, g.items[k].len);
				assert_int_equal(want[n - 1], '\n');
			}
		}
		got_release(&g);
	}
	free(top);
	if (scratch)
		rm_fixture(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mbox_table),
	    cmocka_unit_test(test_mbox_long_lines),
	    cmocka_unit_test(test_mbox_stop),
	    cmocka_unit_test(test_mbox_sniff),
	    cmocka_unit_test(test_walk_eml),
	    cmocka_unit_test(test_walk_tree),
	    cmocka_unit_test(test_walk_maildir),
	    cmocka_unit_test(test_walk_limits),
	    cmocka_unit_test(test_walk_pst),
	    cmocka_unit_test(test_walk_pst_output),
	    cmocka_unit_test(test_walk_progress_and_stop),
	    cmocka_unit_test(test_walk_fifo),
	    cmocka_unit_test(test_corpus_apache),
	    cmocka_unit_test(test_corpus_mime_edge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
