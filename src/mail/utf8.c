/*
 * utf8.c - the UTF-8 hygiene of src/mail, on top of core/utf8.h's one
 * decoder (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF): mail_text_clean(), which makes any byte string a valid,
 * NUL-free, bounded UTF-8 string, and mail_append_cut(), which fills a
 * bounded buffer without splitting a character. Both sides of the worker
 * protocol use them, so they live apart from the parser and its libraries
 * (the main custos binary does not link GMime, poppler or libxml2; only
 * custos-worker does).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xalloc.h"
#include "mail/mail_internal.h"

int mail_append_cut(struct buf *out, const void *p, size_t n)
{
	const unsigned char *u = p;
	size_t room = out->max - out->len;
	int cut = n > room;
	if (cut) {
		n = room;
		while (n > 0 && (u[n] & 0xc0) == 0x80)
			n--; /* u[n] starts the first character left out */
	}
	(void)buf_append(out, u, n, NULL); /* fits */
	return cut;
}

int mail_text_needs_guess(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = utf8_decode(u + i, n - i, NULL);
		if (l == 0)
			return 1;
		i += l;
	}
	return 0;
}

/* mail_text_clean() and, with lines, mail_text_clean_lines(). */
static char *clean(const char *p, size_t n, size_t max, int lines, int *cut_r)
{
	static const unsigned char repl[3] = {0xef, 0xbf, 0xbd}; /* U+FFFD */
	const unsigned char *u = (const unsigned char *)p;
	/* Each input byte yields at most 3 output bytes. */
	size_t cap = n <= (max + 3) / 3 ? n * 3 : max;
	unsigned char *out = xmalloc(cap + 1);
	size_t len = 0, i = 0;
	int cut = 0;
	/* Skip leading white space and controls. */
	while (i < n && (u[i] <= 0x20 || u[i] == 0x7f))
		i++;
	while (i < n) {
		const unsigned char *src;
		size_t l;
		unsigned char one;
		if (u[i] < 0x80) {
			int ctl = u[i] < 0x20 || u[i] == 0x7f;
			one = !ctl				  ? u[i]
			      : !lines				  ? ' '
			      : u[i] == '\r'			  ? '\n'
			      : u[i] == '\n' || u[i] == '\t' ? u[i]
								  : ' ';
			/* CR LF is one line end; a lone CR is one too. */
			if (lines && u[i] == '\r' && i + 1 < n && u[i + 1] == '\n')
				i++;
			src = &one;
			l = 1;
			i++;
		} else if ((l = utf8_decode(u + i, n - i, NULL)) > 0) {
			src = u + i;
			i += l;
		} else {
			src = repl;
			l = sizeof(repl);
			i++;
		}
		if (l > cap - len) {
			cut = 1;
			break;
		}
		memcpy(out + len, src, l);
		len += l;
	}
	while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == '\n' || out[len - 1] == '\t'))
		len--;
	out[len] = '\0';
	if (cut_r != NULL)
		*cut_r = cut;
	return (char *)out;
}

char *mail_text_clean(const char *p, size_t n, size_t max, int *cut_r)
{
	return clean(p, n, max, 0, cut_r);
}

char *mail_text_clean_lines(const char *p, size_t n, size_t max, int *cut_r)
{
	return clean(p, n, max, 1, cut_r);
}

const char *mail_outcome_name(enum mail_outcome o)
{
	static const char *const names[MAIL_X_COUNT] = {
	    "ok", "none", "empty", "encrypted", "corrupt", "limits", "bomb", "timeout", "skipped"};
	return (unsigned)o < MAIL_X_COUNT ? names[o] : "corrupt";
}
