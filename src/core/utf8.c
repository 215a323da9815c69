/*
 * utf8.c - see utf8.h. RFC 3629 section 4 (the syntax of UTF-8 byte
 * sequences) is implemented literally.
 */
#include "core/utf8.h"

#include <string.h>

#include "core/xalloc.h"

size_t utf8_encode(unsigned char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (unsigned char)(0xC0 | (cp >> 6));
		d[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (unsigned char)(0xE0 | (cp >> 12));
		d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (unsigned char)(0xF0 | (cp >> 18));
	d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r)
{
	if (n == 0)
		return 0;
	unsigned char c = p[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		len = 1;
		cp = c;
		min = 0;
	} else if (c >= 0xc2 && c <= 0xdf) {
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
		return 0; /* overlong, above U+10FFFF, surrogate */
	if (cp_r != NULL)
		*cp_r = cp;
	return len;
}

/* Length of the valid sequence at p (1..4), or 0 if invalid or NUL. */
static size_t seq_len(const unsigned char *p, size_t n)
{
	return p[0] == 0 ? 0 : utf8_decode(p, n, NULL);
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t k = seq_len(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

char *utf8_sanitize(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	/* worst case: every byte becomes the 3-byte U+FFFD */
	char *out = xmalloc(3 * n + 1), *o = out;
	size_t i = 0;
	while (i < n) {
		size_t k = seq_len(p + i, n - i);
		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(o, p + i, k);
			o += k;
			i += k;
		}
	}
	*o = '\0';
	return out;
}
