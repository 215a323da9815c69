/*
 * tokenize.c - custos's word segmentation (see tokenize.h and
 * doc/search.md, "How text becomes words").
 *
 * Two stages, both streaming, so that text of any size is handled in
 * constant memory without allocating:
 *
 *  1. The normaliser decodes UTF-8 (RFC 3629, strictly: overlongs,
 *     surrogates and values above U+10FFFF are invalid; each byte that does
 *     not start a valid sequence is a separator) and applies NFKC with full
 *     case folding (Unicode, UAX #15; utf8proc's STABLE|COMPAT|COMPOSE|
 *     CASEFOLD, no stripping of default-ignorables). It works piece by
 *     piece: a piece starts at a code point whose decomposition begins with
 *     a starter that never composes with what precedes it (a "safe"
 *     boundary: canonical reordering and composition never cross it), so
 *     each piece can be decomposed, reordered and composed on its own and
 *     the result equals normalising the whole text (utf8proc_map). ASCII
 *     followed by ASCII and the CJK Unified Ideographs (the block and
 *     Extension A) are their own normal form and skip utf8proc entirely;
 *     Hangul syllables skip the decomposition (only a trailing jamo can
 *     change them).
 *  2. The segmenter consumes normalised code points and keeps its state
 *     (current word, current CJK run, a pending line break) across pieces,
 *     so the rules hold whatever the piece boundaries are.
 *
 * Offsets given to the callback: exact for ASCII and for the CJK Unified
 * Ideographs; otherwise each normalised code point is attributed the source
 * range of its whole piece (usually one character and its combining marks).
 *
 * Invariants: every token is non-empty, valid UTF-8, at most IDX_TOKEN_MAX
 * bytes and consists only of word characters (a Latin word) or of one or
 * two CJK characters.
 *
 * Limit: a piece holds at most NORM_CAP code points; a character followed by
 * more combining marks than that (never in real text; the Stream-Safe Text
 * Format of UAX #15 allows 30) is normalised in slices.
 */
#include "index/tokenize.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "core/utf8.h"

#define NORM_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)
#define NORM_CAP 1024
/* The longest full decomposition of one code point (U+FDFA gives 18). */
#define DECOMP_MAX 32

/* The CJK ranges of doc/search.md (the Python oracle has the same table);
 * sorted, for a binary search. Assigned or not, a code point in a range
 * is CJK. */
static const struct cjk_range {
	int32_t lo, hi;
} cjk_ranges[] = {
    {0x1100, 0x11FF},	/* Hangul Jamo */
    {0x3005, 0x3007},	/* iteration mark, closing mark, ideographic zero */
    {0x3021, 0x3029},	/* Hangzhou numerals */
    {0x3038, 0x303B},	/* Hangzhou numerals, vertical iteration mark */
    {0x3040, 0x309F},	/* Hiragana */
    {0x30A0, 0x30FF},	/* Katakana */
    {0x3100, 0x312F},	/* Bopomofo */
    {0x3130, 0x318F},	/* Hangul Compatibility Jamo */
    {0x31A0, 0x31BF},	/* Bopomofo Extended */
    {0x31F0, 0x31FF},	/* Katakana Phonetic Extensions */
    {0x3400, 0x4DBF},	/* CJK Unified Ideographs Extension A */
    {0x4E00, 0x9FFF},	/* CJK Unified Ideographs */
    {0xA960, 0xA97F},	/* Hangul Jamo Extended-A */
    {0xAC00, 0xD7AF},	/* Hangul Syllables */
    {0xD7B0, 0xD7FF},	/* Hangul Jamo Extended-B */
    {0xF900, 0xFAFF},	/* CJK Compatibility Ideographs */
    {0x20000, 0x2A6DF}, /* Extension B */
    {0x2A700, 0x2B73F}, /* Extension C */
    {0x2B740, 0x2B81F}, /* Extension D */
    {0x2B820, 0x2CEAF}, /* Extension E */
    {0x2CEB0, 0x2EBEF}, /* Extension F */
    {0x2F800, 0x2FA1F}, /* CJK Compatibility Ideographs Supplement */
    {0x30000, 0x3134F}, /* Extension G */
    {0x31350, 0x323AF}, /* Extension H */
};

int idx_tok_is_cjk(int32_t cp)
{
	if (cp >= 0x4E00 && cp <= 0x9FFF)
		return 1;
	size_t lo = 0, hi = sizeof(cjk_ranges) / sizeof(cjk_ranges[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < cjk_ranges[mid].lo)
			hi = mid;
		else if (cp > cjk_ranges[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Starters (combining class 0) that are the second half of a primary
 * composite (Unicode 15.0; tests/unit/test_tokenize.c checks this list
 * against utf8proc's data), besides the Hangul vowel and trailing jamo. */
static const int32_t comp_second_starters[] = {
    0x09BE,  0x09D7,  0x0B3E,  0x0B56,	0x0B57,	 0x0BBE,  0x0BD7,  0x0CC2,
    0x0CD5,  0x0CD6,  0x0D3E,  0x0D57,	0x0DCF,	 0x0DDF,  0x102E,  0x1B35,
    0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930,
};

int idx_tok_composes_backward(int32_t cp)
{
	if (cp < 0x0900)
		return utf8proc_get_property(cp)->combining_class != 0;
	if ((cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11A8 && cp <= 0x11C2))
		return 1; /* Hangul V and T: L+V and LV+T compose */
	if (cp >= 0x4E00 && cp <= 0x9FFF)
		return 0;
	if (utf8proc_get_property(cp)->combining_class != 0)
		return 1;
	if (cp < 0x09BE || cp > 0x11930 || (cp > 0x1B35 && cp < 0x11127))
		return 0; /* outside the list below: kana, Hangul syllables, ... */
	size_t n = sizeof(comp_second_starters) / sizeof(comp_second_starters[0]);
	for (size_t i = 0; i < n; i++)
		if (comp_second_starters[i] == cp)
			return 1;
	return 0;
}

/* ---- segmenter ---- */

/* ASCII letters and digits, case folded; 0 for every other byte. */
static const unsigned char ascii_fold[128] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5', ['6'] = '6',
    ['7'] = '7', ['8'] = '8', ['9'] = '9', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',
    ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k',
    ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',
    ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
    ['Z'] = 'z', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
    ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm',
    ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
    ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z',
};

enum cls {
	CLS_SEP = 0,
	CLS_WORD,
	CLS_CJK,
};

enum brk {
	BRK_NONE = 0,
	BRK_CR,
	BRK_LF,
};

struct seg {
	enum idx_tok_mode mode;
	idx_token_fn fn;
	void *ctx;
	int rc; /* the callback's non-zero value: stop */

	/* the Latin word being collected (word_len == 0: none) */
	size_t word_len;
	int word_long; /* longer than IDX_TOKEN_MAX: skipped */
	size_t word_start, word_end;

	/* the CJK run (run_n == 0: none): its last character */
	size_t run_n;
	enum brk brk;
	unsigned char last[4];
	size_t last_len, last_start, last_end;

	/* query mode: a run's closing unigram, emitted only if a token follows */
	int held;
	size_t held_n;
	unsigned char held_tok[4];
	size_t held_len, held_start, held_end;

	unsigned char word[IDX_TOKEN_MAX];
};

static void emit(struct seg *s, const unsigned char *tok, size_t len, size_t start, size_t end,
		 int flags)
{
	if (s->rc == 0)
		s->rc = s->fn(s->ctx, (const char *)tok, len, start, end, flags);
}

static void word_end(struct seg *s)
{
	if (!s->word_long)
		emit(s, s->word, s->word_len, s->word_start, s->word_end, 0);
	s->word_len = 0;
	s->word_long = 0;
}

static void held_release(struct seg *s)
{
	if (s->held) {
		emit(s, s->held_tok, s->held_len, s->held_start, s->held_end, 0);
		s->held = 0;
	}
}

static void run_end(struct seg *s)
{
	if (s->mode == IDX_TOK_QUERY) {
		s->held = 1;
		s->held_n = s->run_n;
		memcpy(s->held_tok, s->last, s->last_len);
		s->held_len = s->last_len;
		s->held_start = s->last_start;
		s->held_end = s->last_end;
	} else {
		emit(s, s->last, s->last_len, s->last_start, s->last_end, 0);
	}
	s->run_n = 0;
	s->brk = BRK_NONE;
}

static enum cls classify(int32_t cp)
{
	if (cp < 0x80) {
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
		    (cp >= 'A' && cp <= 'Z'))
			return CLS_WORD;
		return CLS_SEP;
	}
	if (idx_tok_is_cjk(cp))
		return CLS_CJK;
	utf8proc_category_t cat = utf8proc_category(cp);
	if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO)
		return CLS_WORD; /* L*, M*, N* */
	return CLS_SEP;
}

/* Feeds one normalised code point (cp < 0: an invalid byte) taken from
 * source bytes [start, end). */
static void seg_feed(struct seg *s, int32_t cp, size_t start, size_t end)
{
	enum cls c = cp < 0 ? CLS_SEP : classify(cp);

	if (s->run_n > 0) {
		if (c == CLS_CJK) {
			/* A single LF or CRLF joins, unless the character after it
			 * would have composed with the one before: joining them
			 * would make a token that is not in normal form. */
			if (s->brk == BRK_NONE ||
			    (s->brk == BRK_LF && !idx_tok_composes_backward(cp))) {
				unsigned char big[8];
				memcpy(big, s->last, s->last_len);
				size_t n = utf8_encode(big + s->last_len, (uint32_t)cp);
				emit(s, big, s->last_len + n, s->last_start, end, 0);
				s->last_len = utf8_encode(s->last, (uint32_t)cp);
				s->last_start = start;
				s->last_end = end;
				s->run_n++;
				s->brk = BRK_NONE;
				return;
			}
		} else if (cp == '\n' && s->brk != BRK_LF) {
			s->brk = BRK_LF;
			return;
		} else if (cp == '\r' && s->brk == BRK_NONE) {
			s->brk = BRK_CR;
			return;
		}
		run_end(s);
	}

	switch (c) {
	case CLS_WORD: {
		if (s->word_len == 0 && !s->word_long) {
			held_release(s);
			s->word_start = start;
		}
		s->word_end = end;
		if (s->word_long)
			return;
		unsigned char u[4];
		size_t n = utf8_encode(u, (uint32_t)cp);
		if (s->word_len + n > IDX_TOKEN_MAX) {
			s->word_long = 1;
			return;
		}
		memcpy(s->word + s->word_len, u, n);
		s->word_len += n;
		return;
	}
	case CLS_CJK:
		if (s->word_len > 0 || s->word_long)
			word_end(s);
		held_release(s);
		s->run_n = 1;
		s->brk = BRK_NONE;
		s->last_len = utf8_encode(s->last, (uint32_t)cp);
		s->last_start = start;
		s->last_end = end;
		return;
	case CLS_SEP:
		if (s->word_len > 0 || s->word_long)
			word_end(s);
		return;
	}
}

static void seg_finish(struct seg *s)
{
	if (s->word_len > 0 || s->word_long)
		word_end(s);
	if (s->run_n > 0)
		run_end(s);
	if (s->held) {
		/* nothing follows the run: its closing unigram is left out, a
		 * one-character run becomes a prefix */
		if (s->held_n == 1)
			emit(s, s->held_tok, s->held_len, s->held_start, s->held_end,
			     IDX_TOK_PREFIX);
		s->held = 0;
	}
}

/* ---- normaliser ---- */

struct norm {
	size_t n;	   /* code points in the piece */
	size_t start, end; /* its source bytes */
	int32_t cp[NORM_CAP + DECOMP_MAX];
};

/* Canonical ordering (stable by combining class between starters). */
static void norm_reorder(int32_t *b, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int32_t c = b[i];
		int cc = utf8proc_get_property(c)->combining_class;
		if (cc == 0)
			continue;
		size_t j = i;
		while (j > 0 && utf8proc_get_property(b[j - 1])->combining_class > cc) {
			b[j] = b[j - 1];
			j--;
		}
		b[j] = c;
	}
}

static void norm_flush(struct norm *nm, struct seg *s)
{
	size_t n = nm->n;
	if (n == 0)
		return;
	nm->n = 0;
	if (n > 1) {
		norm_reorder(nm->cp, n);
		utf8proc_ssize_t r = utf8proc_normalize_utf32(nm->cp, (utf8proc_ssize_t)n,
							      UTF8PROC_COMPOSE | UTF8PROC_STABLE);
		if (r < 0 || (size_t)r > n) {
			/* ALWAYS: composition only shortens; if utf8proc ever
			 * failed, the piece separates words. */
			seg_feed(s, -1, nm->start, nm->end);
			return;
		}
		n = (size_t)r;
	}
	for (size_t i = 0; i < n && s->rc == 0; i++)
		seg_feed(s, nm->cp[i], nm->start, nm->end);
}

/* Appends the decomposition of one source character [start, end). */
static void norm_add(struct norm *nm, struct seg *s, const int32_t *d, size_t k, size_t start,
		     size_t end)
{
	if (nm->n > 0 && (!idx_tok_composes_backward(d[0]) || nm->n + k > NORM_CAP))
		norm_flush(nm, s);
	if (nm->n == 0)
		nm->start = start;
	memcpy(nm->cp + nm->n, d, k * sizeof(d[0]));
	nm->n += k;
	nm->end = end;
}

int idx_tokenize(const char *text, size_t n, enum idx_tok_mode mode, idx_token_fn fn, void *ctx,
		 struct error *err)
{
	(void)err; /* constant memory: nothing can fail but the callback */
	const unsigned char *p = (const unsigned char *)text;
	struct seg s;
	struct norm nm;
	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.fn = fn;
	s.ctx = ctx;
	nm.n = 0;

	size_t i = 0;
	while (i < n && s.rc == 0) {
		unsigned char c = p[i];
		if (c < 0x80 && s.run_n == 0 && nm.n == 0) {
			/* The hot path: ASCII outside a CJK run, followed by ASCII
			 * (so nothing can compose with it). Same effect as
			 * seg_feed() of the lowercased byte. */
			while (i + 1 < n && p[i + 1] < 0x80 && s.rc == 0) {
				unsigned char lc = ascii_fold[c];
				if (lc != 0) {
					if (s.word_len == 0 && !s.word_long) {
						held_release(&s);
						s.word_start = i;
					}
					s.word_end = i + 1;
					if (s.word_len < IDX_TOKEN_MAX)
						s.word[s.word_len++] = lc;
					else
						s.word_long = 1;
				} else if (s.word_len > 0 || s.word_long) {
					word_end(&s);
				}
				c = p[++i];
			}
			if (s.rc != 0)
				break;
		}
		if (c < 0x80) {
			int32_t lc = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
			if (i + 1 < n && p[i + 1] >= 0x80) {
				/* may compose with what follows */
				norm_add(&nm, &s, &lc, 1, i, i + 1);
			} else {
				norm_flush(&nm, &s);
				seg_feed(&s, lc, i, i + 1);
			}
			i++;
			continue;
		}
		uint32_t ucp = 0;
		size_t len = utf8_decode(p + i, n - i, &ucp);
		int32_t cp = (int32_t)ucp;
		if (len == 0) {
			norm_flush(&nm, &s);
			seg_feed(&s, -1, i, i + 1);
			i++;
			continue;
		}
		if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)) {
			/* their own normal form, and safe boundaries */
			norm_flush(&nm, &s);
			seg_feed(&s, cp, i, i + len);
		} else if (cp >= 0xAC00 && cp <= 0xD7A3) {
			/* Hangul syllables are composed already; an LV syllable may
			 * still take a trailing jamo, so it opens a piece */
			norm_add(&nm, &s, &cp, 1, i, i + len);
		} else {
			int32_t d[DECOMP_MAX];
			utf8proc_ssize_t k =
			    utf8proc_decompose_char(cp, d, DECOMP_MAX, NORM_OPTS, NULL);
			if (k <= 0 || k > DECOMP_MAX) {
				/* ALWAYS: no character decomposes this far */
				norm_flush(&nm, &s);
				seg_feed(&s, -1, i, i + len);
			} else {
				norm_add(&nm, &s, d, (size_t)k, i, i + len);
			}
		}
		i += len;
	}
	if (s.rc == 0)
		norm_flush(&nm, &s);
	if (s.rc == 0)
		seg_finish(&s);
	return s.rc;
}

/* ---- the FTS5 tokenizer ---- */

struct fts_call {
	void *pctx;
	int (*xtoken)(void *, int, const char *, int, int, int);
};

static int fts_clamp(size_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

static int fts_token(void *ctx, const char *tok, size_t len, size_t start, size_t end, int flags)
{
	struct fts_call *c = ctx;
	(void)flags; /* the query compiler writes '*' itself */
	return c->xtoken(c->pctx, 0, tok, (int)len, fts_clamp(start), fts_clamp(end));
}

/* The tokenizer has no state: every instance is this one object. */
static int fts_instance;

static int fts_create(void *udata, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)udata;
	(void)argv;
	if (argc != 0)
		return SQLITE_ERROR; /* the rules have no options */
	*out = (Fts5Tokenizer *)(void *)&fts_instance;
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int fts_tokenize(Fts5Tokenizer *t, void *pctx, int flags, const char *text, int ntext,
			int (*xtoken)(void *, int, const char *, int, int, int))
{
	(void)t;
	struct fts_call c = {pctx, xtoken};
	struct error err = ERROR_INIT;
	/* FTS5_TOKENIZE_QUERY, with or without FTS5_TOKENIZE_PREFIX, is a
	 * quoted string of a MATCH expression; DOCUMENT and AUX are text. */
	enum idx_tok_mode mode = (flags & FTS5_TOKENIZE_QUERY) ? IDX_TOK_QUERY : IDX_TOK_DOCUMENT;
	int rc = idx_tokenize(text, ntext > 0 ? (size_t)ntext : 0, mode, fts_token, &c, &err);
	return rc < 0 ? SQLITE_NOMEM : rc;
}

int idx_tokenizer_register(sqlite3 *db, struct error *err)
{
	static fts5_tokenizer tok = {fts_create, fts_delete, fts_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return error_set(err, ERR_INTERNAL, "SQLite without FTS5: %s", sqlite3_errmsg(db));
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->iVersion < 2)
		return error_set(err, ERR_INTERNAL, "SQLite's FTS5 API is missing or too old");
	int rc = api->xCreateTokenizer(api, IDX_TOKENIZER_NAME, NULL, &tok, NULL);
	if (rc != SQLITE_OK)
		return error_set(err, ERR_INTERNAL, "registering tokenizer %s: %s",
				 IDX_TOKENIZER_NAME, sqlite3_errstr(rc));
	return 0;
}
