/*
 * utf8.c - the UTF-8 hygiene both sides of the worker protocol share:
 * validation (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF) and mail_text_clean(), which makes any byte string a valid,
 * NUL-free, bounded UTF-8 string. The parent checks every string of a
 * worker's answer with these, so they live apart from the parser and its
 * libraries (the main custos binary does not link GMime, poppler or
 * libxml2; only custos-worker does).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_internal.h"

size_t mail_utf8_seq(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int mail_utf8_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		if (u[i] == 0)
			return 0;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = mail_utf8_seq(u + i, n - i);
		if (l == 0)
			return 0;
		i += l;
	}
	return 1;
}

int mail_text_needs_guess(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = mail_utf8_seq(u + i, n - i);
		if (l == 0)
			return 1;
		i += l;
	}
	return 0;
}

char *mail_text_clean(const char *p, size_t n, size_t max, int *cut_r)
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
		unsigned char space = ' ';
		if (u[i] < 0x20 || u[i] == 0x7f) {
			src = &space;
			l = 1;
			i++;
		} else if (u[i] < 0x80) {
			src = u + i;
			l = 1;
			i++;
		} else if ((l = mail_utf8_seq(u + i, n - i)) > 0) {
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
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	if (cut_r != NULL)
		*cut_r = cut;
	return (char *)out;
}

const char *mail_outcome_name(enum mail_outcome o)
{
	static const char *const names[MAIL_X_COUNT] = {
	    "ok", "none", "empty", "encrypted", "corrupt", "limits", "bomb", "timeout", "skipped"};
	return (unsigned)o < MAIL_X_COUNT ? names[o] : "corrupt";
}
