/*
 * fuzz_tokenize.c - the tokenizer on arbitrary bytes, in both modes. Every
 * token must be non-empty, valid UTF-8, at most IDX_TOKEN_MAX bytes, and
 * either a run of word characters (L*, M*, N* outside the CJK table) or one
 * or two CJK characters; offsets lie in the input; only the last query token
 * may be a prefix, and only a single CJK character. Each document token,
 * tokenized again in query mode, must give itself (the idempotence the
 * query compiler relies on).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "index/tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	enum idx_tok_mode mode;
	size_t size;
	int n_prefix;
	int after_prefix; /* a token followed a prefix token */
	int recheck;	  /* document mode: re-tokenize each token */
};

struct again {
	const char *tok;
	size_t len;
	int n;
	int ok;
};

static int check_again(void *ctx, const char *tok, size_t len, size_t start, size_t end, int flags)
{
	struct again *a = ctx;
	(void)start;
	(void)end;
	(void)flags;
	a->n++;
	a->ok = len == a->len && memcmp(tok, a->tok, len) == 0;
	return 0;
}

/* Returns the number of code points of tok, all CJK or all word
 * characters; aborts on anything else. */
static size_t check_chars(const char *tok, size_t len, int *cjk_r)
{
	size_t ncp = 0;
	int cjk = -1;
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)tok + i,
						      (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0 || cp == 0)
			abort(); /* invalid UTF-8 */
		int is_cjk = idx_tok_is_cjk(cp);
		if (!is_cjk) {
			utf8proc_category_t cat = utf8proc_category(cp);
			if (cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_NO)
				abort(); /* a separator inside a token */
		}
		if (cjk >= 0 && cjk != is_cjk)
			abort(); /* CJK and word characters mixed */
		cjk = is_cjk;
		ncp++;
		i += (size_t)k;
	}
	*cjk_r = cjk;
	return ncp;
}

static int on_token(void *ctx, const char *tok, size_t len, size_t start, size_t end, int flags)
{
	struct fuzz_ctx *c = ctx;
	if (len == 0 || len > IDX_TOKEN_MAX || start >= end || end > c->size)
		abort();
	if (c->n_prefix > 0)
		c->after_prefix = 1;
	int cjk;
	size_t ncp = check_chars(tok, len, &cjk);
	if (cjk && ncp > 2)
		abort();
	if (flags & IDX_TOK_PREFIX) {
		if (c->mode != IDX_TOK_QUERY || !cjk || ncp != 1)
			abort();
		c->n_prefix++;
	}
	if (c->recheck) {
		struct again a = {tok, len, 0, 0};
		struct error err = ERROR_INIT;
		if (idx_tokenize(tok, len, IDX_TOK_QUERY, check_again, &a, &err) != 0 || a.n != 1 ||
		    !a.ok)
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int m = 0; m < 2; m++) {
		struct fuzz_ctx c = {m ? IDX_TOK_QUERY : IDX_TOK_DOCUMENT, size, 0, 0, !m};
		struct error err = ERROR_INIT;
		if (idx_tokenize((const char *)data, size, c.mode, on_token, &c, &err) != 0)
			abort();
		if (c.n_prefix > 1 || c.after_prefix)
			abort(); /* only the last token may be a prefix */
	}
	return 0;
}
