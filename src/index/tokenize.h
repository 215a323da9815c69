/*
 * tokenize.h - custos's word segmentation, used by the full-text index
 * (as the SQLite FTS5 tokenizer "custos") and by the query compiler, so
 * that a query is cut into words exactly as the indexed text was.
 *
 * The rules (doc/search.md, "How text becomes words"):
 *  - text is normalised with NFKC and full case folding (utf8proc);
 *  - a word is a maximal run of letters, marks and digits outside the CJK
 *    ranges; everything else separates words; words longer than
 *    IDX_TOKEN_MAX bytes are not indexed;
 *  - a CJK run (Han, kana, Hangul; a single line break between two CJK
 *    characters does not end a run) c1..cn gives the overlapping bigrams
 *    c1c2 .. c(n-1)cn followed by the unigram cn; a run of one character
 *    gives that character. Every token takes the next position.
 *  - IDX_TOK_QUERY: the same, except that the closing unigram cn (n >= 2)
 *    of a run is left out when nothing follows the run in the input
 *    (nothing but separators: no word, no other run), and such a
 *    one-character run at the end is flagged IDX_TOK_PREFIX (it must
 *    match every bigram starting with it). So cut a whole query word or
 *    phrase in one call: "基金 公司" gives 基金 金 公司, which is not the
 *    concatenation of the tokens of "基金" and of "公司".
 *
 * A query string q then matches exactly the texts containing q: a CJK
 * string as a substring, Latin text as a sequence of whole words.
 * Tokenizing a token again in query mode gives that token (idempotent), so
 * FTS5 may re-tokenize quoted tokens of a compiled query safely.
 */
#ifndef CUSTOS_INDEX_TOKENIZE_H
#define CUSTOS_INDEX_TOKENIZE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define IDX_TOKENIZER_NAME "custos"
/* Bumped whenever the rules above change: an index built by another
 * version must be rebuilt (custos reindex). */
#define IDX_TOKENIZER_VERSION 1
#define IDX_TOKEN_MAX 128

enum idx_tok_mode {
	IDX_TOK_DOCUMENT = 0,
	IDX_TOK_QUERY = 1,
};

enum idx_tok_flag {
	IDX_TOK_PREFIX = 1, /* query mode: match as a prefix */
};

/* Called once per token: tok is the normalised token (borrowed for the
 * call, not NUL-terminated), start/end are byte offsets of the source
 * text it came from (exact for ASCII and CJK ideographs; otherwise they
 * may widen to the character and its combining marks: best effort, the
 * index does not use them). Return 0 to go on, non-zero to stop (the
 * value is returned by idx_tokenize). */
typedef int (*idx_token_fn)(void *ctx, const char *tok, size_t len, size_t start, size_t end,
			    int flags);

/* Tokenizes n bytes of text (UTF-8; invalid bytes separate words and are
 * otherwise ignored; NUL is a separator like any control character).
 * Works in constant memory whatever n is. Returns 0, the callback's
 * non-zero value, or -1 with err set (reserved: the current rules cannot
 * fail). */
int idx_tokenize(const char *text, size_t n, enum idx_tok_mode mode, idx_token_fn fn, void *ctx,
		 struct error *err);

/* Registers the FTS5 tokenizer IDX_TOKENIZER_NAME on db. Query-mode
 * tokens reach FTS5 without IDX_TOK_PREFIX (its xToken has no such flag):
 * the query compiler writes '*' after the quoted token itself. */
int idx_tokenizer_register(sqlite3 *db, struct error *err);

/* 1 if cp (a normalised code point) is in the CJK table of doc/search.md. */
int idx_tok_is_cjk(int32_t cp);
/* 1 if cp may compose with or be reordered before a preceding character
 * in normalisation (combining class != 0, or the second half of a
 * composite such as a Hangul vowel or trailing jamo): not a safe place to
 * cut text, nor to join two CJK characters across a line break. */
int idx_tok_composes_backward(int32_t cp);

#endif
