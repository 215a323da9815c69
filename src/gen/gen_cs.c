/*
 * gen_cs.c - charsets and MIME encodings for the generator.
 *
 * Charset conversion uses glibc iconv, but not per message: converting every
 * body with iconv costs about 35 us per 8 KB, too slow for tens of thousands
 * of messages a second. Instead each table (Unicode BMP -> GB2312, GBK,
 * Big5, GB18030, JIS X 0208 for ISO-2022-JP) is built once per process by
 * asking iconv about every code point, so the bytes are exactly iconv's.
 * GB18030 outside the BMP is algorithmic (GB 18030-2005, 4-byte linear
 * range from 0x90308130).
 *
 * Encodings: base64 and quoted-printable (RFC 2045 6.7, 6.8), encoded words
 * (RFC 2047: B and Q, each word at most 75 characters, split on character
 * boundaries, ISO-2022-JP words starting and ending in ASCII as RFC 1468
 * requires), parameter value continuations and charsets (RFC 2231), header
 * folding at 76 columns (RFC 5322 2.2.3).
 */
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "core/utf8.h"
#include "gen/gen_int.h"

enum { T_GB2312, T_GBK, T_BIG5, T_JIS, T_COUNT };

static uint16_t *tab16[T_COUNT];
static uint32_t *tab18030;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;
static int cs_ok;

/* Decodes one UTF-8 character at s (n > 0 bytes left); *len_r its length.
 * Invalid bytes decode as themselves with length 1 (our text is valid). */
static uint32_t utf8_get(const unsigned char *s, size_t n, size_t *len_r)
{
	unsigned c = s[0];
	if (c < 0x80 || n < 2) {
		*len_r = 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		*len_r = 2;
		return ((c & 0x1fu) << 6) | (s[1] & 0x3fu);
	}
	if ((c & 0xf0) == 0xe0 && n >= 3) {
		*len_r = 3;
		return ((c & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	}
	if ((c & 0xf8) == 0xf0 && n >= 4) {
		*len_r = 4;
		return ((c & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
		       (s[3] & 0x3fu);
	}
	*len_r = 1;
	return c;
}

/* Converts code point cp alone with cd; returns the number of output bytes
 * (including any shift sequences), 0 if iconv has no mapping. */
static size_t iconv_one(iconv_t cd, uint32_t cp, unsigned char *out, size_t cap)
{
	unsigned char in[4];
	size_t inl = utf8_encode(in, cp);
	char *ip = (char *)in, *op = (char *)out;
	size_t ol = cap;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &inl, &op, &ol) == (size_t)-1)
		return 0;
	if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		return 0;
	return cap - ol;
}

static void cs_build(void)
{
	static const char *const names[T_COUNT] = {"GB2312", "GBK", "BIG5", "ISO-2022-JP"};
	for (int t = 0; t < T_COUNT; t++) {
		iconv_t cd = iconv_open(names[t], "UTF-8");
		if (cd == (iconv_t)-1)
			return;
		uint16_t *tab = xcalloc(0x10000, sizeof(*tab));
		for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
			if (cp >= 0xd800 && cp < 0xe000)
				continue;
			unsigned char o[16];
			size_t k = iconv_one(cd, cp, o, sizeof(o));
			if (t == T_JIS) {
				/* ESC $ B hi lo ESC ( B (or ESC $ @ for JIS C 6226) */
				if (k == 8 && o[0] == 0x1b && o[1] == '$' &&
				    (o[2] == 'B' || o[2] == '@'))
					tab[cp] = (uint16_t)(o[3] << 8 | o[4]);
			} else if (k == 2 && o[0] >= 0x81) {
				uint16_t v = (uint16_t)(o[0] << 8 | o[1]);
				/* Big5 as everyone decodes it: without the ETEN
				 * extensions glibc adds (C6A1-C8FE, F9D6-F9FE) */
				if (t == T_BIG5 && ((v >= 0xc6a1 && v <= 0xc8fe) || v >= 0xf9d6))
					continue;
				tab[cp] = v;
			}
		}
		iconv_close(cd);
		tab16[t] = tab;
	}
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	if (cd == (iconv_t)-1)
		return;
	tab18030 = xcalloc(0x10000, sizeof(*tab18030));
	for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
		if (cp >= 0xd800 && cp < 0xe000)
			continue;
		unsigned char o[16];
		size_t k = iconv_one(cd, cp, o, sizeof(o));
		if (k == 2)
			tab18030[cp] = (uint32_t)(o[0] << 8 | o[1]);
		else if (k == 4)
			tab18030[cp] = (uint32_t)o[0] << 24 | (uint32_t)o[1] << 16 |
				       (uint32_t)o[2] << 8 | o[3];
	}
	iconv_close(cd);
	cs_ok = 1;
}

int cs_init(struct error *err)
{
	pthread_once(&cs_once, cs_build);
	if (!cs_ok)
		return error_set(err, ERR_INTERNAL,
				 "iconv lacks GB2312, GBK, BIG5, ISO-2022-JP or GB18030 "
				 "(glibc gconv modules missing?)");
	return 0;
}

const char *cs_label(enum gen_charset cs, int upper)
{
	static const char *const lower[GEN_CS_COUNT] = {
	    "us-ascii", "utf-8", "gb2312", "gbk", "gb18030", "big5", "iso-2022-jp", "iso-8859-1"};
	static const char *const up[GEN_CS_COUNT] = {
	    "US-ASCII", "UTF-8", "GB2312", "GBK", "GB18030", "Big5", "ISO-2022-JP", "ISO-8859-1"};
	if (cs == CS_GBK_AS_GB2312)
		cs = GEN_CS_GB2312;
	if ((unsigned)cs >= GEN_CS_COUNT)
		return "utf-8";
	return upper ? up[cs] : lower[cs];
}

/* Appends the bytes of cp in cs (not ISO-2022-JP); 0 or -1 if unmappable. */
static int put_cp(enum gen_charset cs, uint32_t cp, unsigned char *o, size_t *k_r)
{
	if (cs == CS_GBK_AS_GB2312)
		cs = GEN_CS_GBK;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		*k_r = 1;
		return 0;
	}
	uint16_t v;
	switch (cs) {
	case GEN_CS_US_ASCII:
		return -1;
	case GEN_CS_UTF8:
		*k_r = utf8_encode(o, cp);
		return 0;
	case GEN_CS_LATIN1:
		if (cp > 0xff)
			return -1;
		o[0] = (unsigned char)cp;
		*k_r = 1;
		return 0;
	case GEN_CS_GB2312:
	case GEN_CS_GBK:
	case GEN_CS_BIG5:
		if (cp > 0xffff)
			return -1;
		v = tab16[cs == GEN_CS_GB2312 ? T_GB2312 : cs == GEN_CS_GBK ? T_GBK : T_BIG5][cp];
		if (v == 0)
			return -1;
		o[0] = (unsigned char)(v >> 8);
		o[1] = (unsigned char)v;
		*k_r = 2;
		return 0;
	case GEN_CS_GB18030:
		if (cp > 0xffff) {
			uint32_t i = cp - 0x10000;
			o[0] = (unsigned char)(0x90 + i / 12600);
			i %= 12600;
			o[1] = (unsigned char)(0x30 + i / 1260);
			i %= 1260;
			o[2] = (unsigned char)(0x81 + i / 10);
			o[3] = (unsigned char)(0x30 + i % 10);
			*k_r = 4;
			return 0;
		}
		if (tab18030[cp] == 0)
			return -1;
		if (tab18030[cp] > 0xffff) {
			o[0] = (unsigned char)(tab18030[cp] >> 24);
			o[1] = (unsigned char)(tab18030[cp] >> 16);
			o[2] = (unsigned char)(tab18030[cp] >> 8);
			o[3] = (unsigned char)tab18030[cp];
			*k_r = 4;
		} else {
			o[0] = (unsigned char)(tab18030[cp] >> 8);
			o[1] = (unsigned char)tab18030[cp];
			*k_r = 2;
		}
		return 0;
	default:
		return -1;
	}
}

int cs_encode(enum gen_charset cs, const char *s, size_t n, struct buf *out, struct error *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = out->len;
	/* worst cases: 4 bytes per UTF-8 byte is more than any charset needs
	 * except ISO-2022-JP shifts (7 bytes per character at most) */
	if (buf_reserve(out, n * 3 + 16, err) < 0)
		return -1;
	if (cs == GEN_CS_UTF8) {
		memcpy(out->data + out->len, s, n);
		out->len += n;
		out->data[out->len] = '\0';
		return 0;
	}
	int jis = 0;
	size_t i = 0;
	while (i < n) {
		size_t l;
		uint32_t cp = utf8_get(p + i, n - i, &l);
		i += l;
		if (out->cap - out->len < 16 && buf_reserve(out, 64 + (n - i) * 3, err) < 0)
			return -1;
		unsigned char *o = out->data + out->len;
		if (cs == GEN_CS_ISO2022JP) {
			if (cp < 0x80) {
				if (jis) {
					memcpy(o, "\x1b(B", 3);
					o += 3;
					out->len += 3;
					jis = 0;
				}
				*o = (unsigned char)cp;
				out->len++;
				continue;
			}
			uint16_t v = cp < 0x10000 ? tab16[T_JIS][cp] : 0;
			if (v == 0)
				goto unmappable;
			if (!jis) {
				memcpy(o, "\x1b$B", 3);
				o += 3;
				out->len += 3;
				jis = 1;
			}
			o[0] = (unsigned char)(v >> 8);
			o[1] = (unsigned char)v;
			out->len += 2;
			continue;
		}
		size_t k;
		if (put_cp(cs, cp, o, &k) < 0)
			goto unmappable;
		out->len += k;
	}
	if (jis) {
		memcpy(out->data + out->len, "\x1b(B", 3);
		out->len += 3;
	}
	out->data[out->len] = '\0';
	return 0;
unmappable:
	out->len = start;
	out->data[start] = '\0';
	return -1;
}

int cs_can_encode(enum gen_charset cs, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	if (cs == GEN_CS_UTF8)
		return 1;
	for (size_t i = 0; i < n;) {
		size_t l;
		uint32_t cp = utf8_get(p + i, n - i, &l);
		i += l;
		if (cp < 0x80)
			continue;
		if (cs == GEN_CS_ISO2022JP) {
			if (cp > 0xffff || tab16[T_JIS][cp] == 0)
				return 0;
			continue;
		}
		unsigned char o[4];
		size_t k;
		if (put_cp(cs, cp, o, &k) < 0)
			return 0;
	}
	return 1;
}

/* ---- base64 and quoted-printable --------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Two output characters per 12 input bits. */
static char b64_pairs[4096][2];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_build(void)
{
	for (unsigned i = 0; i < 4096; i++) {
		b64_pairs[i][0] = b64[i >> 6];
		b64_pairs[i][1] = b64[i & 63];
	}
}

static size_t b64_raw(char *o, const unsigned char *p, size_t n)
{
	size_t k = 0, i = 0;
	pthread_once(&b64_once, b64_build);
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		memcpy(o + k, b64_pairs[v >> 12], 2);
		memcpy(o + k + 2, b64_pairs[v & 4095], 2);
		k += 4;
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		o[k++] = b64[v >> 18];
		o[k++] = b64[(v >> 12) & 63];
		o[k++] = '=';
		o[k++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		o[k++] = b64[v >> 18];
		o[k++] = b64[(v >> 12) & 63];
		o[k++] = b64[(v >> 6) & 63];
		o[k++] = '=';
	}
	return k;
}

int mime_base64(struct buf *out, const unsigned char *p, size_t n, struct error *err)
{
	size_t lines = n / 57 + 1;
	if (buf_reserve(out, lines * 78 + 4, err) < 0)
		return -1;
	char *o = (char *)out->data + out->len;
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		o += b64_raw(o, p + i, k);
		*o++ = '\n';
	}
	out->len = (size_t)((unsigned char *)o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

static const char hexu[] = "0123456789ABCDEF";

int mime_qp(struct buf *out, const unsigned char *p, size_t n, struct error *err)
{
	/* at most 3 output bytes per input byte plus a soft break per 25 */
	if (buf_reserve(out, n * 3 + n / 24 * 2 + 8, err) < 0)
		return -1;
	char *o = (char *)out->data + out->len;
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = p[i];
		if (c == '\n') {
			*o++ = '\n';
			col = 0;
			continue;
		}
		int last = i + 1 == n || p[i + 1] == '\n';
		int lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
		size_t w = lit ? 1 : 3;
		/* keep room for the soft break "=" within 76 columns */
		if (col + w > (last ? 76 : 75)) {
			*o++ = '=';
			*o++ = '\n';
			col = 0;
		}
		if (lit) {
			*o++ = (char)c;
		} else {
			*o++ = '=';
			*o++ = hexu[c >> 4];
			*o++ = hexu[c & 15];
		}
		col += w;
	}
	if (n > 0 && p[n - 1] != '\n')
		*o++ = '\n';
	out->len = (size_t)((unsigned char *)o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* ---- headers ------------------------------------------------------------ */

int hdr_begin(struct hdr *h, struct buf *out, const char *name, const char *fold, struct error *err)
{
	h->out = out;
	h->fold = fold;
	h->upper = 0;
	size_t n = strlen(name);
	h->col = n + 1;
	if (buf_append(out, name, n, err) < 0 || buf_append_byte(out, ':', err) < 0)
		return -1;
	return 0;
}

int hdr_token(struct hdr *h, const char *sep, const char *tok, size_t n, struct error *err)
{
	size_t sl = strlen(sep);
	/* an empty separator glues tokens: never fold there */
	if (sl > 0 && h->col + sl + n > 76 && h->col > 12) {
		/* the separator minus its trailing blanks, then the fold */
		size_t keep = sl;
		while (keep > 0 && sep[keep - 1] == ' ')
			keep--;
		if (buf_append(h->out, sep, keep, err) < 0 ||
		    buf_append_str(h->out, h->fold, err) < 0)
			return -1;
		h->col = 1;
	} else {
		if (buf_append(h->out, sep, sl, err) < 0)
			return -1;
		h->col += sl;
	}
	if (buf_append(h->out, tok, n, err) < 0)
		return -1;
	h->col += n;
	return 0;
}

int hdr_end(struct hdr *h, struct error *err)
{
	return buf_append_byte(h->out, '\n', err);
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Length of the character starting at p in charset cs (encoded bytes). */
static size_t cs_charlen(enum gen_charset cs, const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	if (cs == CS_GBK_AS_GB2312)
		cs = GEN_CS_GBK;
	size_t k = 1;
	switch (cs) {
	case GEN_CS_UTF8:
		k = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 1;
		break;
	case GEN_CS_GB2312:
	case GEN_CS_GBK:
	case GEN_CS_BIG5:
		k = 2;
		break;
	case GEN_CS_GB18030:
		k = (n >= 2 && p[1] >= 0x30 && p[1] <= 0x39) ? 4 : 2;
		break;
	default:
		k = 1;
	}
	return k <= n ? k : n;
}

/* Writes one encoded word for raw bytes p[0..n). */
static int ew_write(struct hdr *h, const char *sep, const char *label, int q,
		    const unsigned char *p, size_t n, struct error *err)
{
	char w[160];
	size_t k = (size_t)snprintf(w, sizeof(w), "=?%s?%c?", label, q ? 'Q' : 'B');
	if (q) {
		for (size_t i = 0; i < n; i++) {
			unsigned c = p[i];
			if (k + 6 > sizeof(w))
				return error_set(err, ERR_INTERNAL, "encoded word too long");
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
			    c == '-' || c == '/')
				w[k++] = (char)c;
			else if (c == ' ')
				w[k++] = '_';
			else {
				w[k++] = '=';
				w[k++] = hexu[c >> 4];
				w[k++] = hexu[c & 15];
			}
		}
	} else {
		if (k + (n + 2) / 3 * 4 + 3 > sizeof(w))
			return error_set(err, ERR_INTERNAL, "encoded word too long");
		k += b64_raw(w + k, p, n);
	}
	w[k++] = '?';
	w[k++] = '=';
	return hdr_token(h, sep, w, k, err);
}

static size_t q_width(unsigned c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == ' ' || c == '!' || c == '*' || c == '+' || c == '-' || c == '/')
		   ? 1
		   : 3;
}

/* ISO-2022-JP words: each starts in ASCII and ends in ASCII (RFC 1468), so
 * the shifts are recomputed per word rather than copied from the input. */
static int ew_split_jis(struct hdr *h, const char *sep, const char *label, size_t max_raw,
			const unsigned char *e, size_t n, struct error *err)
{
	unsigned char chunk[128];
	size_t cl = 0;
	int in_jis = 0, c_jis = 0, first = 1;
	for (size_t i = 0; i < n;) {
		if (e[i] == 0x1b && i + 2 < n) {
			in_jis = e[i + 1] == '$';
			i += 3;
			continue;
		}
		size_t ul = in_jis ? 2 : 1;
		if (ul > n - i)
			ul = n - i;
		size_t need = ul + (c_jis != in_jis ? 3 : 0) + (in_jis ? 3 : 0);
		if (cl + need > max_raw && cl > 0) {
			if (c_jis) {
				memcpy(chunk + cl, "\x1b(B", 3);
				cl += 3;
			}
			if (ew_write(h, first ? sep : " ", label, 0, chunk, cl, err) < 0)
				return -1;
			first = 0;
			cl = 0;
			c_jis = 0;
			max_raw = (75 - 7 - strlen(label)) / 4 * 3;
		}
		if (c_jis != in_jis) {
			memcpy(chunk + cl, in_jis ? "\x1b$B" : "\x1b(B", 3);
			cl += 3;
			c_jis = in_jis;
		}
		memcpy(chunk + cl, e + i, ul);
		cl += ul;
		i += ul;
	}
	if (cl == 0)
		return 0;
	if (c_jis) {
		memcpy(chunk + cl, "\x1b(B", 3);
		cl += 3;
	}
	return ew_write(h, first ? sep : " ", label, 0, chunk, cl, err);
}

/* Splits the encoded bytes e[0..n) into encoded words of at most 75
 * characters on character boundaries. */
static int ew_split(struct hdr *h, const char *sep, enum gen_charset cs, int q,
		    const unsigned char *e, size_t n, struct error *err)
{
	const char *label = cs_label(cs, h->upper);
	size_t over = 7 + strlen(label);
	size_t room = 75 - over; /* encoded characters per word */
	/* a line with encoded words is at most 76 characters (RFC 2047 2):
	 * the first word fills what is left of the current line, the others
	 * start a folded line of their own */
	size_t sl = strlen(sep);
	if (h->col + sl + 75 > 76 && h->col + sl + over + 8 <= 76)
		room = 76 - h->col - sl - over;
	size_t max_raw = q ? room : room / 4 * 3;
	if (cs == GEN_CS_ISO2022JP)
		return ew_split_jis(h, sep, label, max_raw, e, n, err);
	unsigned char chunk[128];
	size_t cl = 0, cw = 0; /* chunk bytes, chunk encoded width (Q) */
	int first = 1;
	for (size_t i = 0; i < n;) {
		size_t ul = cs_charlen(cs, e + i, n - i);
		size_t uw = 0;
		for (size_t j = 0; j < ul; j++)
			uw += q_width(e[i + j]);
		if ((q ? cw + uw : cl + ul) > max_raw && cl > 0) {
			if (ew_write(h, first ? sep : " ", label, q, chunk, cl, err) < 0)
				return -1;
			first = 0;
			cl = cw = 0;
			room = 75 - over;
			max_raw = q ? room : room / 4 * 3;
		}
		memcpy(chunk + cl, e + i, ul);
		cl += ul;
		cw += uw;
		i += ul;
	}
	if (cl > 0 && ew_write(h, first ? sep : " ", label, q, chunk, cl, err) < 0)
		return -1;
	return 0;
}

/* Encodes utf8 in cs (falling back to UTF-8) and writes encoded words. */
static int ew_text(struct hdr *h, const char *sep, const char *utf8, size_t n, enum gen_charset cs,
		   int q, struct error *err)
{
	struct buf e;
	buf_init(&e, 1 << 20);
	int rc = -1;
	if (cs == GEN_CS_US_ASCII)
		cs = GEN_CS_UTF8;
	if (cs == GEN_CS_ISO2022JP)
		q = 0;
	if (cs_encode(cs, utf8, n, &e, err) < 0) {
		if (e.len == 0 && n > 0 && (err == NULL || err->code != ERR_LIMIT)) {
			cs = GEN_CS_UTF8;
			if (cs_encode(cs, utf8, n, &e, err) < 0)
				goto fail;
		} else {
			goto fail;
		}
	}
	rc = ew_split(h, sep, cs, q, e.data, e.len, err);
fail:
	buf_release(&e);
	return rc;
}

int hdr_text(struct hdr *h, const char *sep, const char *utf8, enum gen_charset cs, int q,
	     int allow_plain, struct error *err)
{
	const char *s = utf8;
	if (allow_plain) {
		/* leading ASCII words stay plain ("Re: ", "[O32] ") */
		int first = 1;
		while (*s) {
			const char *e = s;
			while (*e && *e != ' ')
				e++;
			int ascii = 1;
			for (const char *c = s; c < e; c++)
				if ((unsigned char)*c >= 0x80 || (*c == '=' && c[1] == '?'))
					ascii = 0;
			if (!ascii)
				break;
			if (e > s && hdr_token(h, first ? sep : " ", s, (size_t)(e - s), err) < 0)
				return -1;
			if (e > s)
				first = 0;
			s = *e ? e + 1 : e;
		}
		if (!*s)
			return 0;
		if (!first)
			sep = " ";
	}
	return ew_text(h, sep, s, strlen(s), cs, q, err);
}

int hdr_phrase(struct hdr *h, const char *sep, const char *utf8, enum gen_charset cs, int q,
	       struct error *err)
{
	if (!is_ascii(utf8))
		return ew_text(h, sep, utf8, strlen(utf8), cs, q, err);
	int special = 0;
	for (const char *c = utf8; *c; c++)
		if (strchr("()<>[]:;@\\,.\"", *c) != NULL)
			special = 1;
	if (!special)
		return hdr_token(h, sep, utf8, strlen(utf8), err);
	char w[256];
	size_t k = 0;
	w[k++] = '"';
	for (const char *c = utf8; *c && k < sizeof(w) - 3; c++) {
		if (*c == '"' || *c == '\\')
			w[k++] = '\\';
		w[k++] = *c;
	}
	w[k++] = '"';
	return hdr_token(h, sep, w, k, err);
}

int hdr_param_plain(struct hdr *h, const char *name, const char *value, struct error *err)
{
	char w[320];
	int k = snprintf(w, sizeof(w), "%s=\"%s\"", name, value);
	if (k < 0 || (size_t)k >= sizeof(w))
		return error_set(err, ERR_LIMIT, "parameter too long");
	return hdr_token(h, "; ", w, (size_t)k, err);
}

int hdr_param_2231(struct hdr *h, const char *name, const char *utf8, struct error *err)
{
	/* percent-encode, then cut into segments of about 60 characters that
	 * never split a %XX triple (RFC 2231 3 and 4) */
	char enc[1024];
	size_t k = 0;
	for (const unsigned char *c = (const unsigned char *)utf8; *c; c++) {
		if (k + 4 > sizeof(enc))
			return error_set(err, ERR_LIMIT, "file name too long");
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("!#$&+-.^_`|~", *c) != NULL) {
			enc[k++] = (char)*c;
		} else {
			enc[k++] = '%';
			enc[k++] = hexu[*c >> 4];
			enc[k++] = hexu[*c & 15];
		}
	}
	enc[k] = '\0';
	char w[160];
	int wl;
	if (k <= 60) {
		wl = snprintf(w, sizeof(w), "%s*=utf-8''%s", name, enc);
		return hdr_token(h, "; ", w, (size_t)wl, err);
	}
	size_t i = 0;
	for (int seg = 0; i < k; seg++) {
		size_t take = k - i < 54 ? k - i : 54;
		/* do not end inside %XX */
		if (i + take < k) {
			if (enc[i + take - 1] == '%')
				take -= 1;
			else if (take >= 2 && enc[i + take - 2] == '%')
				take -= 2;
		}
		wl = snprintf(w, sizeof(w), "%s*%d*=%s%.*s", name, seg, seg == 0 ? "utf-8''" : "",
			      (int)take, enc + i);
		if (hdr_token(h, "; ", w, (size_t)wl, err) < 0)
			return -1;
		i += take;
	}
	return 0;
}

int hdr_param_2047(struct hdr *h, const char *name, const char *utf8, enum gen_charset cs,
		   struct error *err)
{
	/* name="=?cs?B?...?= =?cs?B?...?=" : encoded words inside a quoted
	 * string, as Outlook and Foxmail write them */
	char open[64];
	int k = snprintf(open, sizeof(open), "%s=\"", name);
	if (hdr_token(h, "; ", open, (size_t)k, err) < 0)
		return -1;
	if (ew_text(h, "", utf8, strlen(utf8), cs, 0, err) < 0)
		return -1;
	return hdr_token(h, "", "\"", 1, err);
}
