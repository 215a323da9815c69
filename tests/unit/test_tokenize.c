/*
 * test_tokenize.c - unit tests of src/index/tokenize.c: the segmentation
 * rules of doc/search.md ("How text becomes words") as tables, the
 * properties the query compiler relies on (idempotence, normalisation
 * first), and the FTS5 tokenizer end to end against a brute-force
 * substring oracle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "index/tokenize.h"

/* ---- helpers ---- */

struct tok {
	char *s;
	size_t len, start, end;
	int flags;
};

struct toks {
	struct tok *v;
	size_t n, cap;
	int stop_after; /* > 0: return 99 after this many tokens */
};

static int collect(void *ctx, const char *tok, size_t len, size_t start, size_t end, int flags)
{
	struct toks *t = ctx;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->v = xrealloc(t->v, t->cap * sizeof(t->v[0]));
	}
	t->v[t->n++] = (struct tok){xstrndup(tok, len), len, start, end, flags};
	if (t->stop_after > 0 && (int)t->n == t->stop_after)
		return 99;
	return 0;
}

static void toks_release(struct toks *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].s);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void run(const char *text, size_t n, enum idx_tok_mode mode, struct toks *t)
{
	struct error err = ERROR_INIT;
	memset(t, 0, sizeof(*t));
	assert_int_equal(idx_tokenize(text, n, mode, collect, t, &err), 0);
}

/* The tokens as "a b c*" (a '*' after a token flagged IDX_TOK_PREFIX). */
static char *render(const struct toks *t)
{
	struct buf b;
	struct error err = ERROR_INIT;
	buf_init(&b, BUF_UNLIMITED);
	for (size_t i = 0; i < t->n; i++) {
		if (i > 0)
			buf_append_byte(&b, ' ', &err);
		buf_append(&b, t->v[i].s, t->v[i].len, &err);
		if (t->v[i].flags & IDX_TOK_PREFIX)
			buf_append_byte(&b, '*', &err);
	}
	buf_append_byte(&b, '\0', &err);
	return (char *)buf_detach(&b, NULL);
}

/* A case: input (len 0: strlen), mode, expected rendering. */
struct tcase {
	const char *in;
	size_t len;
	enum idx_tok_mode mode;
	const char *want;
};

#define D IDX_TOK_DOCUMENT
#define Q IDX_TOK_QUERY

static void check_cases(const struct tcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct toks t;
		size_t len = c[i].len ? c[i].len : strlen(c[i].in);
		run(c[i].in, len, c[i].mode, &t);
		char *got = render(&t);
		if (strcmp(got, c[i].want) != 0)
			fail_msg("case %zu %s \"%s\": got \"%s\", want \"%s\"", i,
				 c[i].mode == Q ? "query" : "doc", c[i].in, got, c[i].want);
		free(got);
		toks_release(&t);
	}
}

/* ---- rule tables ---- */

static void test_latin(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"Hello World", 0, D, "hello world"},
	    {"  HeLLo,\tWORLD!  ", 0, D, "hello world"},
	    {"\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3 \xef\xbd\x84\xef\xbd\x85", 0, D, "abc de"},
	    {"\xc3\x80\xc3\x89\xc3\x8e", 0, D, "\xc3\xa0\xc3\xa9\xc3\xae"}, /* ÀÉÎ */
	    {"Straße", 0, D, "strasse"},				    /* ß */
	    {"\xef\xac\x81nance", 0, D, "finance"},			    /* ﬁ */
	    {"e\xcc\x81t\xc3\xa9", 0, D, "\xc3\xa9t\xc3\xa9"},		    /* e+◌́ */
	    {"\xce\xa3\xce\x91\xce\xa3 \xcf\x82", 0, D, "\xcf\x83\xce\xb1\xcf\x83 \xcf\x83"},
	    {"\xe2\x85\xab", 0, D, "xii"},		   /* Ⅻ */
	    {"x\xc2\xb2 H\xe2\x82\x82O", 0, D, "x2 h2o"},  /* x² H₂O */
	    {"\xc4\xb0stanbul", 0, D, "i\xcc\x87stanbul"}, /* İ */
	    {"ab\u200bcd", 0, D, "ab cd"},		   /* ZWSP (Cf) */
	    {"ab\u00adcd", 0, D, "ab cd"},		   /* soft hyphen */
	    {"ab\u2013cd", 0, D, "ab cd"},		   /* en dash */
	    {"caf\xc3\xa9_bar", 0, D, "caf\xc3\xa9 bar"},
	    {"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0", 0, D,
	     "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"}, /* Москва */
	    {"Hello World", 0, Q, "hello world"},
	    {"", 0, D, ""},
	    {"...", 0, Q, ""},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_numbers_addresses(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"123 4.56 7,890", 0, D, "123 4 56 7 890"},
	    {"\xe2\x91\xa0\xe2\x91\xa1 \xe2\x91\xb4", 0, D, "12 1"}, /* ①② ⑴ */
	    {"\xc2\xbd", 0, D, "1 2"},				     /* ½ = 1⁄2 */
	    {"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", 0, D, "123"},   /* fullwidth 123 */
	    {"alice.wang@hengxin-fund.com", 0, D, "alice wang hengxin fund com"},
	    {"<ALICE@Example.COM>", 0, D, "alice example com"},
	    {"2024-01-31", 0, D, "2024 01 31"},
	    {"v1.2.3", 0, D, "v1 2 3"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_cjk_runs(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"中", 0, D, "中"},
	    {"中文", 0, D, "中文 文"},
	    {"中文字", 0, D, "中文 文字 字"},
	    {"有限公司", 0, D, "有限 限公 公司 司"},
	    {"基金管理人", 0, D, "基金 金管 管理 理人 人"},
	    {"A股", 0, D, "a 股"},
	    {"Windows系统", 0, D, "windows 系统 统"},
	    {"系统Windows10", 0, D, "系统 统 windows10"},
	    {"你好，世界。", 0, D, "你好 好 世界 界"},
	    {"「公司」、基金", 0, D, "公司 司 基金 金"},
	    {"《基金法》第1条", 0, D, "基金 金法 法 第 1 条"},
	    {"中 文", 0, D, "中 文"},
	    {"㈱日立", 0, D, "株 日立 立"},	       /* ㈱ = (株) */
	    {"\xef\xa4\x80", 0, D, "\xe8\xb1\x88"},    /* U+F900 -> U+8C48 */
	    {"\xf0\xa0\x80\x80\xf0\xa0\x80\x81", 0, D, /* Ext B */
	     "\xf0\xa0\x80\x80\xf0\xa0\x80\x81 \xf0\xa0\x80\x81"},
	    {"々〆〇", 0, D, "々〆 〆〇 〇"},
	    {"中\xcc\x81", 0, D, "中 \xcc\x81"}, /* a mark after Han is a word of its own */
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_line_breaks(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"中\n文", 0, D, "中文 文"},
	    {"中\r\n文", 0, D, "中文 文"},
	    {"基金\n管理", 0, D, "基金 金管 管理 理"},
	    {"中\n\n文", 0, D, "中 文"},
	    {"中\r\n\r\n文", 0, D, "中 文"},
	    {"中 \n文", 0, D, "中 文"},
	    {"中\n 文", 0, D, "中 文"},
	    {"中\r文", 0, D, "中 文"},
	    {"中\n\r文", 0, D, "中 文"},
	    {"中\nabc", 0, D, "中 abc"},
	    {"abc\n文", 0, D, "abc 文"},
	    {"中\n", 0, D, "中"},
	    /* the next character would compose with the one before the break */
	    {"か\n\xe3\x82\x99", 0, D, "か \xe3\x82\x99"},
	    {"か\xe3\x82\x99", 0, D, "が"},
	    {"中\n文", 0, Q, "中文"},
	    {"中\n", 0, Q, "中*"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_kana_hangul(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"ひらがな", 0, D, "ひら らが がな な"},
	    {"カタカナ", 0, D, "カタ タカ カナ ナ"},
	    {"ｶﾀｶﾅ", 0, D, "カタ タカ カナ ナ"}, /* halfwidth */
	    {"ｶﾞｷﾞ", 0, D, "ガギ ギ"},
	    {"コーヒー", 0, D, "コー ーヒ ヒー ー"},
	    {"東京タワー", 0, D, "東京 京タ タワ ワー ー"},
	    {"한국어", 0, D, "한국 국어 어"},
	    {"한국어 사전", 0, D, "한국 국어 어 사전 전"},
	    {"\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 0, D, "한"}, /* conjoining jamo */
	    {"\xe3\x84\xb1", 0, D, "\xe1\x84\x80"},		  /* compat jamo ㄱ */
	    {"ㄅㄆㄇ", 0, D, "ㄅㄆ ㄆㄇ ㄇ"},			  /* Bopomofo */
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_bytes(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"ab\377cd", 0, D, "ab cd"},      {"ab\0cd", 5, D, "ab cd"},  {"\0\0\0", 3, D, ""},
	    {"\xe4\xb8", 0, D, ""},					/* truncated 中 */
	    {"\xe4\xb8xy", 0, D, "xy"},	      {"\300\257a", 0, D, "a"}, /* overlong '/' */
	    {"\355\240\200a", 0, D, "a"},				/* surrogate */
	    {"\364\220\200\200a", 0, D, "a"},				/* above U+10FFFF */
	    {"中\xff文", 0, D, "中 文"},      {"\x80\x80中", 0, D, "中"}, {"a\xcc", 0, D, "a"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_long_words(void **state)
{
	(void)state;
	char in[600], want[300];
	/* exactly IDX_TOKEN_MAX bytes: kept */
	memset(in, 'A', IDX_TOKEN_MAX);
	in[IDX_TOKEN_MAX] = '\0';
	memset(want, 'a', IDX_TOKEN_MAX);
	want[IDX_TOKEN_MAX] = '\0';
	struct tcase c1[] = {{in, 0, D, want}};
	check_cases(c1, 1);
	/* one more: skipped, without taking a position */
	snprintf(in, sizeof(in), "x %0*d y", IDX_TOKEN_MAX + 1, 0);
	struct tcase c2[] = {{in, 0, D, "x y"}};
	check_cases(c2, 1);
	/* the limit applies after normalisation: 43 x "ﬃ" is 129 bytes */
	size_t o = 0;
	for (int i = 0; i < 43; i++) {
		memcpy(in + o, "\xef\xac\x83", 3); /* ﬃ -> ffi */
		o += 3;
	}
	in[o] = '\0';
	struct tcase c3[] = {{in, 0, D, ""}};
	check_cases(c3, 1);
}

static void test_query_mode(void **state)
{
	(void)state;
	static const struct tcase cases[] = {
	    {"中", 0, Q, "中*"},
	    {"中文", 0, Q, "中文"},
	    {"中文字", 0, Q, "中文 文字"},
	    {"有限公司", 0, Q, "有限 限公 公司"},
	    {"中文 ", 0, Q, "中文"},
	    {"中文。", 0, Q, "中文"},
	    {"中 ", 0, Q, "中*"},
	    {"中 abc", 0, Q, "中 abc"},
	    {"中文abc", 0, Q, "中文 文 abc"},
	    {"abc 中", 0, Q, "abc 中*"},
	    {"A股", 0, Q, "a 股*"},
	    {"中，文字", 0, Q, "中 文字"},
	    {"中文，字", 0, Q, "中文 文 字*"},
	    {"hello", 0, Q, "hello"},
	    {"ガ", 0, Q, "ガ*"},
	    {"ｶﾞ", 0, Q, "ガ*"},
	    /* a skipped long word still follows the run */
	    {"中文 "
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     0, Q, "中文 文"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_offsets_and_stop(void **state)
{
	(void)state;
	struct toks t;
	const char *in = "ab 中文\nx\xc3\xa9";
	run(in, strlen(in), D, &t);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[0].s, "ab");
	assert_int_equal(t.v[0].start, 0);
	assert_int_equal(t.v[0].end, 2);
	assert_string_equal(t.v[1].s, "中文");
	assert_int_equal(t.v[1].start, 3);
	assert_int_equal(t.v[1].end, 9);
	assert_string_equal(t.v[2].s, "文");
	assert_int_equal(t.v[2].start, 6);
	assert_int_equal(t.v[2].end, 9);
	assert_string_equal(t.v[3].s, "x\xc3\xa9");
	assert_int_equal(t.v[3].start, 10);
	assert_int_equal(t.v[3].end, 13);
	toks_release(&t);

	/* the callback's non-zero value stops and is returned */
	struct error err = ERROR_INIT;
	memset(&t, 0, sizeof(t));
	t.stop_after = 2;
	assert_int_equal(idx_tokenize("a b c d", 7, D, collect, &t, &err), 99);
	assert_int_equal(t.n, 2);
	toks_release(&t);
}

/* ---- properties ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Interesting pieces of text: the random inputs are made of these. ASCII
 * and line breaks, Han and CJK punctuation, kana (halfwidth, U+3099), Hangul
 * and conjoining jamo, combining marks (U+0345 too), compatibility forms,
 * Greek sigma, format characters, invalid bytes, U+F900, Extension B,
 * U+FDFA, an Oriya composing pair, Thai, Arabic, Cherokee, the Kelvin sign. */
/* clang-format off */
static const char *const pieces[] = {
	"a", "Z", "q", "0", "7", " ", " ", "\n", "\n", "\r\n", "\r", "\t", ".", "@", "-", "\0",
	"中", "文", "基", "金", "公", "司", "有", "限", "\xe3\x80\x82", "\xef\xbc\x8c", "「", "ひ", "が",
	"カ", "ー", "ｶ", "ﾞ", "\xe3\x82\x99", "・", "々", "한", "국", "\xe1\x84\x92", "\xe1\x85\xa1",
	"\xe1\x86\xab", "\xe3\x84\xb1", "\xcc\x81", "\xcc\x88", "\xcd\x85", "\xcc\xa3",
	"\xe2\x83\x9d", "\xc3\xa9", "\xc3\x9f", "\xc4\xb0", "\xef\xac\x81", "\xef\xbc\xa1",
	"\xe2\x91\xa0", "\xe3\x88\xb1", "\xc2\xbd", "\xce\xa3", "\xcf\x82", "\xce\x90",
	"\xe1\xbe\xb3", "\xe2\x80\x8b", "\xc2\xad", "\xe2\x80\x8d", "\xef\xbb\xbf", "\xff",
	"\xc0", "\x80", "\xe4\xb8", "\xed\xa0\x80", "\xef\xa4\x80", "\xf0\xa0\x80\x80",
	"\xef\xb7\xba", "\xe0\xad\x87", "\xe0\xac\xbe", "\xe0\xb8\x81", "\xd8\xa7",
	"\xe1\x8f\xb8", "\xea\xad\xb0", "\xe2\x84\xaa",
};
/* clang-format on */

/* Appends a random text of about n pieces; sometimes a random code point. */
static size_t random_text(char *out, size_t cap, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char tmp[8];
		size_t len;
		if (rnd(8) == 0) {
			int32_t cp = (int32_t)rnd(rnd(4) == 0 ? 0x110000 : 0x3000);
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			len = (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)tmp);
		} else {
			size_t k = rnd(sizeof(pieces) / sizeof(pieces[0]));
			len = strcmp(pieces[k], "") == 0 ? 1 : strlen(pieces[k]);
			memcpy(tmp, pieces[k], len);
		}
		if (o + len > cap)
			break;
		memcpy(out + o, tmp, len);
		o += len;
	}
	return o;
}

static int is_single_cjk(const char *s, size_t len)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k =
	    utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &cp);
	return k == (utf8proc_ssize_t)len && idx_tok_is_cjk(cp);
}

/* Every document token, tokenized again in query mode, is itself (one CJK
 * character: itself as a prefix). And the invariants of tokenize.h. */
static void test_idempotent(void **state)
{
	(void)state;
	char text[512];
	size_t ntok = 0;
	for (int round = 0; round < 20000; round++) {
		size_t n = random_text(text, sizeof(text), 1 + rnd(40));
		struct toks t;
		run(text, n, D, &t);
		for (size_t i = 0; i < t.n; i++) {
			const struct tok *k = &t.v[i];
			assert_true(k->len > 0 && k->len <= IDX_TOKEN_MAX);
			assert_true(k->start < k->end && k->end <= n);
			assert_int_equal(k->flags, 0);
			struct toks q;
			run(k->s, k->len, Q, &q);
			int want_flags = is_single_cjk(k->s, k->len) ? IDX_TOK_PREFIX : 0;
			if (q.n != 1 || q.v[0].len != k->len ||
			    memcmp(q.v[0].s, k->s, k->len) != 0 || q.v[0].flags != want_flags) {
				char *got = render(&q);
				fail_msg("round %d: token \"%s\" re-tokenizes as \"%s\"", round,
					 k->s, got);
			}
			toks_release(&q);
			ntok++;
		}
		toks_release(&t);
	}
	assert_true(ntok > 100000);
}

/* Normalisation comes first: tokenizing a text and tokenizing its NFKC
 * case fold (utf8proc_map over the whole text) give the same tokens. */
static void test_normalise_first(void **state)
{
	(void)state;
	char text[512];
	int checked = 0;
	for (int round = 0; round < 20000; round++) {
		size_t n = random_text(text, sizeof(text), 1 + rnd(40));
		utf8proc_uint8_t *norm = NULL;
		utf8proc_ssize_t m = utf8proc_map(
		    (const utf8proc_uint8_t *)text, (utf8proc_ssize_t)n, &norm,
		    UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
		if (m < 0)
			continue; /* invalid UTF-8 or NUL in the text */
		struct toks a, b;
		run(text, n, D, &a);
		run((const char *)norm, (size_t)m, D, &b);
		char *ra = render(&a), *rb = render(&b);
		if (strcmp(ra, rb) != 0)
			fail_msg("round %d: \"%s\" vs normalised \"%s\"", round, ra, rb);
		free(ra);
		free(rb);
		toks_release(&a);
		toks_release(&b);
		free(norm);
		checked++;
	}
	assert_true(checked > 1000);
}

/* The list of starters that compose backward matches utf8proc's data: the
 * last character of every primary composite's decomposition. */
static void test_composes_backward_table(void **state)
{
	(void)state;
	for (int32_t c = 0; c < 0x110000; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		int32_t d[32];
		utf8proc_ssize_t k = utf8proc_decompose_char(c, d, 32, UTF8PROC_DECOMPOSE, NULL);
		if (k < 2 || k > 32)
			continue;
		utf8proc_ssize_t m =
		    utf8proc_normalize_utf32(d, k, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
		if (m != 1 || d[0] != c)
			continue; /* not a primary composite */
		utf8proc_decompose_char(c, d, 32, UTF8PROC_DECOMPOSE, NULL);
		if (!idx_tok_composes_backward(d[k - 1]))
			fail_msg("U+%04X (last of U+%04X) composes backward", (unsigned)d[k - 1],
				 (unsigned)c);
	}
	assert_false(idx_tok_composes_backward('a'));
	assert_false(idx_tok_composes_backward(0x4E2D));
	assert_true(idx_tok_composes_backward(0x0301));
	assert_true(idx_tok_composes_backward(0x3099));
}

static void test_cjk_table(void **state)
{
	(void)state;
	static const struct {
		int32_t cp;
		int cjk;
	} cases[] = {
	    {0x4E00, 1},  {0x9FFF, 1},	{0x3400, 1}, {0x4DBF, 1},  {0x20000, 1}, {0x323AF, 1},
	    {0x323B0, 0}, {0x2A6E0, 0}, {0xF900, 1}, {0x2F800, 1}, {0x3005, 1},	 {0x3008, 0},
	    {0x3001, 0},  {0x3002, 0},	{0x300C, 0}, {0xFF0C, 0},  {0x3040, 1},	 {0x30FC, 1},
	    {0x31F0, 1},  {0xAC00, 1},	{0xD7FF, 1}, {0x1100, 1},  {0x3131, 1},	 {0xA960, 1},
	    {0x3105, 1},  {0x31A0, 1},	{0x2E80, 0}, {0x2F00, 0},  {'a', 0},	 {0xFF76, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (idx_tok_is_cjk(cases[i].cp) != cases[i].cjk)
			fail_msg("U+%04X", (unsigned)cases[i].cp);
}

/* A text of several MB: a CJK run over a line break far from the start,
 * the same tokens as the short text. */
static void test_large(void **state)
{
	(void)state;
	size_t unit = strlen("Hello 世界，基金\n管理 ok\n\n");
	size_t reps = 200000, n = unit * reps;
	char *big = xmalloc(n);
	for (size_t i = 0; i < reps; i++)
		memcpy(big + i * unit, "Hello 世界，基金\n管理 ok\n\n", unit);
	struct toks t;
	run(big, n, D, &t);
	assert_int_equal(t.n, 8 * reps);
	assert_string_equal(t.v[8 * (reps - 1) + 4].s, "金管");
	assert_int_equal(t.v[8 * (reps - 1) + 4].start, (reps - 1) * unit + 18);
	toks_release(&t);
	free(big);
}

/* ---- FTS5 end to end ---- */

static const char *const fts_texts[] = {
    "中华人民共和国证券法，第一章。",
    "基金管理人应当履行下列职责：\n依法募集基金，办理基金备案手续。",
    "本公司（恒信基金管理有限公司）\r\n董事会",
    "有限\n\n公司 A股 Windows系统升级",
    "请联系 alice.wang@hengxin-fund.com 了解发票",
    "東京タワーとｶﾀｶﾅ、ひらがな。한국어 사전",
    "中",
    "中文 文字 字中文",
    "公司公司公司",
    "ＦＵＮＤ基金\n　公司",
};

#define FTS_ROWS 60

/* The text as the oracle sees it: NFKC case folded, and a single LF or
 * CRLF between two CJK characters removed. */
static char *oracle_text(const char *s)
{
	utf8proc_uint8_t *norm = NULL;
	utf8proc_ssize_t m =
	    utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s), &norm,
			 UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	assert_true(m >= 0);
	char *out = xmalloc((size_t)m + 1);
	size_t o = 0;
	int32_t prev = -1;
	for (utf8proc_ssize_t i = 0; i < m;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(norm + i, m - i, &cp);
		size_t skip = 0;
		if (cp == '\n')
			skip = 1;
		else if (cp == '\r' && i + 1 < m && norm[i + 1] == '\n')
			skip = 2;
		if (skip && prev >= 0 && idx_tok_is_cjk(prev) && i + (utf8proc_ssize_t)skip < m) {
			utf8proc_int32_t next;
			utf8proc_iterate(norm + i + skip, m - i - (utf8proc_ssize_t)skip, &next);
			if (idx_tok_is_cjk(next)) {
				i += (utf8proc_ssize_t)skip;
				prev = -1;
				continue;
			}
		}
		memcpy(out + o, norm + i, (size_t)k);
		o += (size_t)k;
		prev = cp;
		i += k;
	}
	out[o] = '\0';
	free(norm);
	return out;
}

/* The MATCH expression the query compiler would write for s. */
static char *match_for(const char *s)
{
	struct toks q;
	struct buf b;
	struct error err = ERROR_INIT;
	run(s, strlen(s), Q, &q);
	assert_true(q.n > 0);
	buf_init(&b, BUF_UNLIMITED);
	for (size_t i = 0; i < q.n; i++) {
		if (i > 0)
			buf_append_str(&b, " + ", &err);
		buf_append_byte(&b, '"', &err);
		for (size_t j = 0; j < q.v[i].len; j++) {
			if (q.v[i].s[j] == '"')
				buf_append_byte(&b, '"', &err);
			buf_append_byte(&b, (unsigned char)q.v[i].s[j], &err);
		}
		buf_append_byte(&b, '"', &err);
		if (q.v[i].flags & IDX_TOK_PREFIX)
			buf_append_byte(&b, '*', &err);
	}
	toks_release(&q);
	return (char *)buf_detach(&b, NULL);
}

/* The rows (bit i: rowid i + 1) matching a MATCH expression. */
static uint64_t fts_rows(sqlite3 *db, const char *match)
{
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	uint64_t rows = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rows |= UINT64_C(1) << (sqlite3_column_int64(st, 0) - 1);
	if (rc != SQLITE_DONE)
		fail_msg("MATCH %s: %s", match, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rows;
}

static int64_t fts_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_fts5(void **state)
{
	(void)state;
	sqlite3 *db;
	struct error err = ERROR_INIT;
	/* the fixed texts, then texts over a small alphabet, so that every
	 * substring occurs in several rows, across runs and line breaks */
	static const char *const alphabet[] = {"公", "司", "基",   "金",   "有", "限",
					       "，", "\n", "\r\n", "\n\n", " ",	 "a"};
	char *texts[FTS_ROWS];
	size_t ntexts = 0;
	for (size_t i = 0; i < sizeof(fts_texts) / sizeof(fts_texts[0]); i++)
		texts[ntexts++] = xstrdup(fts_texts[i]);
	while (ntexts < FTS_ROWS) {
		char buf[256];
		size_t o = 0;
		for (int k = 0; k < 30; k++) {
			const char *a = alphabet[rnd(sizeof(alphabet) / sizeof(alphabet[0]))];
			memcpy(buf + o, a, strlen(a));
			o += strlen(a);
		}
		buf[o] = '\0';
		texts[ntexts++] = xstrdup(buf);
	}
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(idx_tokenizer_register(db, &err), 0);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='custos', "
				      "content='')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	/* the rules take no arguments */
	assert_int_not_equal(sqlite3_exec(db,
					  "CREATE VIRTUAL TABLE u USING fts5(x, tokenize='custos "
					  "porter', content='')",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	for (size_t i = 0; i < ntexts; i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, x) VALUES (?1, ?2)",
						    -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_text(st, 2, texts[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}

	/* what a contentless table offers */
	assert_int_equal(fts_int(db, "SELECT count(*) FROM t"), (int64_t)ntexts);
	assert_int_equal(fts_int(db, "SELECT max(rowid) FROM t"), (int64_t)ntexts);
	assert_int_equal(fts_int(db, "SELECT count(*) FROM t WHERE x IS NULL"), (int64_t)ntexts);

	char *oracle[FTS_ROWS];
	for (size_t i = 0; i < ntexts; i++)
		oracle[i] = oracle_text(texts[i]);

	/* every CJK substring of 1..4 characters of every text */
	size_t nq = 0;
	for (size_t i = 0; i < ntexts; i++) {
		const char *o = oracle[i];
		size_t m = strlen(o);
		for (size_t a = 0; a < m;) {
			size_t b = a;
			for (int len = 1; len <= 4 && b < m; len++) {
				utf8proc_int32_t cp;
				utf8proc_ssize_t k =
				    utf8proc_iterate((const utf8proc_uint8_t *)o + b,
						     (utf8proc_ssize_t)(m - b), &cp);
				if (!idx_tok_is_cjk(cp))
					break;
				b += (size_t)k;
				char s[64];
				memcpy(s, o + a, b - a);
				s[b - a] = '\0';
				uint64_t want = 0;
				for (size_t r = 0; r < ntexts; r++)
					if (strstr(oracle[r], s))
						want |= UINT64_C(1) << r;
				char *match = match_for(s);
				uint64_t got = fts_rows(db, match);
				if (got != want)
					fail_msg("\"%s\" (MATCH %s): rows %#llx, want %#llx", s,
						 match, (unsigned long long)got,
						 (unsigned long long)want);
				free(match);
				nq++;
			}
			utf8proc_int32_t cp;
			a += (size_t)utf8proc_iterate((const utf8proc_uint8_t *)o + a,
						      (utf8proc_ssize_t)(m - a), &cp);
		}
	}
	assert_true(nq > 1000);

	/* Latin words and mixed queries */
	static const struct {
		const char *q;
		uint32_t rows;
	} words[] = {
	    {"WINDOWS", 1u << 3},
	    {"windows系统", 1u << 3},
	    {"a股", 1u << 3},
	    {"Ａ股", 1u << 3},
	    {"hengxin", 1u << 4},
	    {"alice.wang", 1u << 4},
	    {"fund", (1u << 4) | (1u << 9)},
	    {"fund基金", 1u << 9},
	    {"基金 公司", 1u << 9},
	    {"有限公司", 1u << 2},
	    {"有限", (1u << 2) | (1u << 3)},
	    {"限公", 1u << 2},
	    {"ｶﾀｶﾅ", 1u << 5},
	    {"がな", 1u << 5},
	    {"国어", 0},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char *match = match_for(words[i].q);
		uint64_t got = fts_rows(db, match) & ((UINT64_C(1) << 10) - 1); /* fixed texts */
		if (got != words[i].rows)
			fail_msg("\"%s\" (MATCH %s): rows %#llx, want %#x", words[i].q, match,
				 (unsigned long long)got, (unsigned)words[i].rows);
		free(match);
	}

	for (size_t i = 0; i < ntexts; i++) {
		free(oracle[i]);
		free(texts[i]);
	}
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_latin),
	    cmocka_unit_test(test_numbers_addresses),
	    cmocka_unit_test(test_cjk_runs),
	    cmocka_unit_test(test_line_breaks),
	    cmocka_unit_test(test_kana_hangul),
	    cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_long_words),
	    cmocka_unit_test(test_query_mode),
	    cmocka_unit_test(test_offsets_and_stop),
	    cmocka_unit_test(test_idempotent),
	    cmocka_unit_test(test_normalise_first),
	    cmocka_unit_test(test_composes_backward_table),
	    cmocka_unit_test(test_cjk_table),
	    cmocka_unit_test(test_large),
	    cmocka_unit_test(test_fts5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
