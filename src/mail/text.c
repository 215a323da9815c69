/*
 * text.c - UTF-8 hygiene and charset labels for the parse worker.
 *
 * Every string custos takes out of a message goes through mail_text_clean():
 * the result is valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), free of NULs and control characters, and bounded.
 *
 * Real mail mislabels its charsets: GBK and GB18030 text goes out labelled
 * "gb2312", windows-1252 as "iso-8859-1", CP949 as "euc-kr". Decoding with
 * the label as written turns every character outside the labelled set into
 * '?'. Like browsers (WHATWG Encoding Standard, section 4.2 "Names and
 * labels"), custos decodes such labels with the superset encoding; the
 * rewrite happens on the raw header text (RFC 2047 encoded words, RFC 2231
 * extended parameters) before GMime decodes it.
 *
 * In the same pass, each run of adjacent encoded words of one charset
 * (separated by nothing but linear white space) becomes a single B word:
 * RFC 2047 section 6.2 says such words are concatenated, and mailers split
 * multi-byte characters across them, so the payloads are decoded and their
 * bytes joined before the one charset conversion. (GMime 3.2 joins such
 * words itself, but drops everything after a word that ends in base64
 * padding: "=?utf-8?B?MQ==?= =?utf-8?B?5pyI?=" gave "1".)
 *
 * mail_header_encoding_bad() re-checks what GMime decodes silently: GMime
 * turns an unknown charset or broken bytes into '?' without telling; the
 * archive wants MAIL_F_BAD_ENCODING for those. Adjacent encoded words of
 * one charset are joined before the check (RFC 2047 section 6.2), since
 * mailers split multi-byte characters across words.
 */
#include "core/hex.h"
#include "core/utf8.h"
#include "mail/mail_internal.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* Labels decoded with a superset encoding (WHATWG Encoding Standard). The
 * names are glibc iconv names. Big5 stays as it is: glibc's BIG5 already
 * holds the ETEN and CP950 additions, while BIG5-HKSCS lacks some of them. */
static const struct {
	const char *label;
	const char *name;
} supersets[] = {
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},
    {"ms936", "GB18030"},
    {"windows-936", "GB18030"},
    {"euc-cn", "GB18030"},
    {"x-euc-cn", "GB18030"},
    {"csgb2312", "GB18030"},
    {"gb_2312", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"iso-ir-58", "GB18030"},
    {"chinese", "GB18030"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"ksc5601", "CP949"},
    {"ksc_5601", "CP949"},
    {"korean", "CP949"},
    {"windows-949", "CP949"},
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"windows-31j", "CP932"},
    {"iso-8859-1", "CP1252"},
    {"iso8859-1", "CP1252"},
    {"iso_8859-1", "CP1252"},
    {"latin1", "CP1252"},
    {"l1", "CP1252"},
    {"us-ascii", "CP1252"},
    {"ascii", "CP1252"},
    {"iso-8859-9", "CP1254"},
    {"latin5", "CP1254"},
    {"iso-8859-11", "CP874"},
    {"tis-620", "CP874"},
    {"iso-8859-8-i", "ISO-8859-8"},
};

const char *mail_charset_superset(const char *label, size_t n)
{
	for (size_t i = 0; i < sizeof(supersets) / sizeof(supersets[0]); i++)
		if (strlen(supersets[i].label) == n &&
		    strncasecmp(supersets[i].label, label, n) == 0)
			return supersets[i].name;
	return NULL;
}

static int is_charset_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
}

/* Length of the charset label at s (charset characters, at most 64). */
static size_t label_len(const char *s)
{
	size_t n = 0;
	while (n <= 64 && is_charset_char((unsigned char)s[n]))
		n++;
	return n <= 64 ? n : 0;
}

struct word {
	const char *cs;
	size_t cs_n;
	char enc;
	const char *text;
	size_t text_n;
	size_t end; /* offset after "?=" */
};

static int word_parse(const char *s, size_t n, size_t i, struct word *w);
static int word_decode(char enc, const char *p, size_t n, unsigned char *out, size_t *len);

/* The charset a word is decoded with: its label's superset, else the
 * label itself. */
static const char *word_charset(const struct word *w, size_t *n_r)
{
	const char *sup = mail_charset_superset(w->cs, w->cs_n);
	*n_r = sup != NULL ? strlen(sup) : w->cs_n;
	return sup != NULL ? sup : w->cs;
}

static int same_charset(const struct word *a, const struct word *b)
{
	size_t an, bn;
	const char *as = word_charset(a, &an), *bs = word_charset(b, &bn);
	return an == bn && strncasecmp(as, bs, an) == 0;
}

/* The encoded word of the same charset as w that follows it after only
 * linear white space (RFC 2047 section 6.2), if any. */
static int word_next(const char *s, size_t n, const struct word *w, struct word *next)
{
	size_t k = w->end;
	while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
		k++;
	return k + 1 < n && s[k] == '=' && s[k + 1] == '?' && word_parse(s, n, k, next) &&
	       same_charset(w, next);
}

/* Appends the run of adjacent encoded words of one charset that starts
 * with first as a single B word: the payloads decoded and concatenated
 * (bytes, not characters: a character may be split across words), then
 * encoded once. *end_r is where the run ends. 0 if the run is a single
 * word (nothing appended), 1 if appended, -1 if out is full. A broken
 * payload is merged with what could be decoded of it (the caller checks
 * the value as written with mail_header_encoding_bad()). */
static int run_merge(const char *s, size_t n, const struct word *first, struct buf *out,
		     size_t *end_r)
{
	struct error err = ERROR_INIT;
	struct word w = *first, next;
	size_t words = 1, bytes = first->text_n;
	while (word_next(s, n, &w, &next)) {
		w = next;
		words++;
		bytes += w.text_n;
	}
	if (words == 1)
		return 0;
	/* Decoded payloads are never longer than their text. */
	unsigned char *raw = xmalloc(bytes + 1);
	size_t len = 0, cs_n;
	w = *first;
	for (size_t k = 0; k < words; k++) {
		word_decode(w.enc, w.text, w.text_n, raw, &len);
		if (k + 1 < words && word_next(s, n, &w, &next))
			w = next;
	}
	const char *cs = word_charset(first, &cs_n);
	gchar *b64 = g_base64_encode(raw, len);
	int rc = buf_append(out, "=?", 2, &err) < 0 || buf_append(out, cs, cs_n, &err) < 0 ||
			 buf_append(out, "?B?", 3, &err) < 0 ||
			 buf_append_str(out, b64, &err) < 0 || buf_append(out, "?=", 2, &err) < 0
		     ? -1
		     : 1;
	g_free(b64);
	*end_r = w.end;
	free(raw);
	return rc;
}

char *mail_charset_fixup(const char *s)
{
	size_t n = strlen(s);
	struct buf out;
	struct error err = ERROR_INIT;
	int changed = 0;
	size_t i = 0, copied = 0, no_word = 0;
	/* A rewritten label grows from at least 2 bytes to at most 10; a run
	 * of words shrinks to one word of at most 4/3 of its payloads. */
	buf_init(&out, n * 6 + 16);
	while (i < n) {
		size_t at = 0, l = 0;
		struct word w;
		if (s[i] == '=' && s[i + 1] == '?') {
			/* RFC 2047: =?charset[*lang]?enc?text?=, only whole words */
			if (i < no_word || !word_parse(s, n, i, &w)) {
				if (i >= no_word)
					no_word = w.end;
				i++;
				continue;
			}
			size_t end;
			if (buf_append(&out, s + copied, i - copied, &err) < 0)
				goto fail;
			int r = run_merge(s, n, &w, &out, &end);
			if (r < 0)
				goto fail;
			if (r > 0) {
				copied = i = end;
				changed = 1;
				continue;
			}
			copied = i; /* appended up to here */
			at = i + 2;
			l = w.cs_n;
		} else if (s[i] == '*' && s[i + 1] == '=') {
			/* RFC 2231: name*=charset'lang'value (maybe quoted) */
			at = i + 2;
			if (s[at] == '"')
				at++;
			l = label_len(s + at);
			if (l == 0 || s[at + l] != '\'')
				l = 0;
		}
		const char *sup = l > 0 ? mail_charset_superset(s + at, l) : NULL;
		if (sup == NULL) {
			i++;
			continue;
		}
		if (buf_append(&out, s + copied, at - copied, &err) < 0 ||
		    buf_append_str(&out, sup, &err) < 0)
			goto fail;
		copied = at + l;
		i = copied;
		changed = 1;
	}
	if (!changed) {
		buf_release(&out);
		return NULL;
	}
	if (buf_append(&out, s + copied, n - copied, &err) < 0)
		goto fail;
	return (char *)buf_detach(&out, NULL);
fail:
	/* Cannot happen (the maximum covers the worst case); decode as is. */
	buf_release(&out);
	return NULL;
}

static iconv_t open_decoder(const char *label, size_t n)
{
	char name[72];
	const char *sup = mail_charset_superset(label, n);
	if (sup == NULL) {
		if (n == 0 || n >= sizeof(name))
			return (iconv_t)-1;
		memcpy(name, label, n);
		name[n] = '\0';
		mail_gmime_init(); /* GMime's charset table */
		sup = g_mime_charset_iconv_name(name);
	}
	return iconv_open("UTF-8", sup);
}

/* Converts p[0..n) with cd. With out, appends the UTF-8 to it, an invalid
 * or cut sequence (EILSEQ, EINVAL) becoming U+FFFD: 1 if there was one,
 * -1 when out is full, else 0. Without out, only checks: 1 at the first
 * invalid sequence, else 0. */
static int iconv_append(iconv_t cd, const unsigned char *p, size_t n, struct buf *out)
{
	struct error err = ERROR_INIT;
	char *in = (char *)p;
	size_t inleft = n;
	int bad = 0;
	while (inleft > 0) {
		char tmp[8192], *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = r == (size_t)-1 ? errno : 0;
		if (e != 0 && e != E2BIG && out == NULL)
			return 1;
		if (out != NULL && buf_append(out, tmp, (size_t)(o - tmp), &err) < 0)
			return -1;
		if (e == EILSEQ || e == EINVAL) {
			bad = 1;
			if (buf_append(out, "\xef\xbf\xbd", 3, &err) < 0)
				return -1;
			in++;
			inleft--;
		} else if (e != 0 && e != E2BIG) {
			return bad;
		}
	}
	return bad;
}

/* 1 if every byte of p[0..n) converts with cd (closed here). */
static int converts_all(iconv_t cd, const unsigned char *p, size_t n)
{
	int bad = iconv_append(cd, p, n, NULL);
	iconv_close(cd);
	return !bad;
}

/* 1 if bytes p[0..n) are not valid text in the charset. */
static int convert_bad(const char *label, size_t label_n, const unsigned char *p, size_t n)
{
	if (memchr(p, 0, n) != NULL)
		return 1;
	iconv_t cd = open_decoder(label, label_n);
	return cd == (iconv_t)-1 || !converts_all(cd, p, n);
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes an encoded word's payload, appending at out[*len] (out has room
 * for n more bytes). Leniently, so that one broken word in a run does not
 * cost the others: B skips characters outside the base64 alphabet and
 * '=' (a dangling sixth bit group is dropped), Q keeps a '=' that does not
 * start "=XX" as it is (one at the very end is dropped). Returns 1 if the
 * payload is broken. */
static int word_decode(char enc, const char *p, size_t n, unsigned char *out, size_t *len)
{
	int bad = 0;
	if (enc == 'b' || enc == 'B') {
		uint32_t acc = 0;
		size_t chars = 0, pads = 0;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '=') {
				pads++;
				continue;
			}
			int v = b64_value((unsigned char)p[i]);
			if (v < 0 || pads > 0)
				bad = 1;
			if (v < 0)
				continue;
			acc = (acc << 6) | (uint32_t)v;
			if (++chars % 4 == 0) {
				out[(*len)++] = (unsigned char)(acc >> 16);
				out[(*len)++] = (unsigned char)(acc >> 8);
				out[(*len)++] = (unsigned char)acc;
				acc = 0;
			}
		}
		if (chars % 4 == 1 || pads > 2)
			bad = 1;
		if (chars % 4 == 2) {
			out[(*len)++] = (unsigned char)(acc >> 4);
		} else if (chars % 4 == 3) {
			out[(*len)++] = (unsigned char)(acc >> 10);
			out[(*len)++] = (unsigned char)(acc >> 2);
		}
		return bad;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = i + 2 < n ? hex_nibble((unsigned char)p[i + 1]) : -1;
		int lo = i + 2 < n ? hex_nibble((unsigned char)p[i + 2]) : -1;
		if (p[i] == '_') {
			out[(*len)++] = ' ';
		} else if (p[i] == '=' && hi >= 0 && lo >= 0) {
			out[(*len)++] = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (p[i] == '=') {
			bad = 1;
			if (i + 1 < n)
				out[(*len)++] = '=';
		} else {
			out[(*len)++] = (unsigned char)p[i];
		}
	}
	return bad;
}

/* Parses an encoded word at s[i] ("=?..."); 0 if there is none, and then
 * w->end is where the next word may start: past the white space or end
 * where the payload ran out without "?=" (no word starting before can
 * end sooner), else i + 1. This keeps the scans of a value linear. */
static int word_parse(const char *s, size_t n, size_t i, struct word *w)
{
	size_t p = i + 2, l = label_len(s + p);
	w->end = i + 1;
	if (l == 0)
		return 0;
	w->cs = s + p;
	w->cs_n = l;
	p += l;
	if (p < n && s[p] == '*') { /* RFC 2231 language suffix */
		while (p < n && s[p] != '?' && s[p] != ' ')
			p++;
	}
	if (p + 3 > n || s[p] != '?' || strchr("BbQq", s[p + 1]) == NULL || s[p + 1] == '\0' ||
	    s[p + 2] != '?')
		return 0;
	w->enc = s[p + 1];
	p += 3;
	w->text = s + p;
	while (p + 1 < n && !(s[p] == '?' && s[p + 1] == '=')) {
		if (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n') {
			w->end = p;
			return 0;
		}
		p++;
	}
	if (p + 1 >= n) {
		w->end = n;
		return 0;
	}
	w->text_n = (size_t)(s + p - w->text);
	w->end = p + 2;
	return 1;
}

/* RFC 2231 extended values: charset known and %XX well formed. */
static int rfc2231_bad(const char *s, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] != '*' || s[i + 1] != '=')
			continue;
		size_t p = i + 2;
		if (p < n && s[p] == '"')
			p++;
		size_t l = label_len(s + p);
		if (s[p + l] != '\'')
			continue; /* a continuation without charset */
		if (l > 0) {
			iconv_t cd = open_decoder(s + p, l);
			if (cd == (iconv_t)-1)
				return 1;
			iconv_close(cd);
		}
		p += l + 1;
		while (p < n && s[p] != '\'')
			p++; /* language */
		for (p++; p < n && s[p] != ';' && s[p] != '"' && s[p] != ' '; p++)
			if (s[p] == '%' && (p + 2 >= n || hex_nibble((unsigned char)s[p + 1]) < 0 ||
					    hex_nibble((unsigned char)s[p + 2]) < 0))
				return 1;
	}
	return 0;
}

int mail_header_encoding_bad(const char *s)
{
	size_t n = strlen(s);
	unsigned char *pend = xmalloc(n + 1);
	size_t pend_n = 0, no_word = 0;
	struct word run = {0}; /* the first word of the pending run */
	struct word prev = {0};
	int bad = 0, have = 0;
	for (size_t i = 0; i + 1 < n && !bad;) {
		struct word w;
		if (s[i] != '=' || s[i + 1] != '?') {
			i++;
			continue;
		}
		if (i < no_word || !word_parse(s, n, i, &w)) {
			if (i >= no_word)
				no_word = w.end;
			i++;
			continue;
		}
		/* One run as in mail_charset_fixup(): same charset, white space. */
		int adjacent = have && same_charset(&prev, &w);
		for (size_t k = prev.end; adjacent && k < i; k++)
			if (strchr(" \t\r\n", s[k]) == NULL)
				adjacent = 0;
		if (!adjacent && have) {
			bad |= convert_bad(run.cs, run.cs_n, pend, pend_n);
			pend_n = 0;
		}
		if (!adjacent)
			run = w;
		have = 1;
		/* Decoded payloads are never longer than their text. */
		bad |= word_decode(w.enc, w.text, w.text_n, pend, &pend_n);
		prev = w;
		i = w.end;
	}
	if (!bad && have)
		bad |= convert_bad(run.cs, run.cs_n, pend, pend_n);
	free(pend);
	if (!bad)
		bad = rfc2231_bad(s, n);
	return bad;
}

/* --- text of parts: charsets to UTF-8 -------------------------------- */

static int is_ascii_label(const char *l)
{
	return strcasecmp(l, "us-ascii") == 0 || strcasecmp(l, "ascii") == 0 ||
	       strcasecmp(l, "ansi_x3.4-1968") == 0;
}

static int is_utf8_label(const char *l)
{
	return strcasecmp(l, "utf-8") == 0 || strcasecmp(l, "utf8") == 0;
}

/* 1 if p[0..n) converts from cs without an invalid or cut sequence. */
static int converts(const char *cs, const unsigned char *p, size_t n)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	return cd != (iconv_t)-1 && converts_all(cd, p, n);
}

/* 1 if the double-byte pairs of p look like Big5 rather than GB: Big5
 * puts a second byte below 0xA1 in about 40% of common characters, GB2312
 * never (GBK only for rare ones). */
static int looks_big5(const unsigned char *p, size_t n)
{
	size_t pairs = 0, low = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] < 0x81 || p[i] == 0xff)
			continue;
		pairs++;
		if (p[i + 1] >= 0x40 && p[i + 1] < 0xa1)
			low++;
		i++;
	}
	return pairs > 0 && low * 5 >= pairs;
}

const char *mail_charset_guess(const unsigned char *p, size_t n, const char *hint)
{
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return "UTF-8";
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return "UTF-16";
	if (!mail_text_needs_guess((const char *)p, n)) {
		int has8 = 0;
		for (size_t i = 0; i < n && !has8; i++)
			has8 = p[i] >= 0x80;
		/* 7-bit text with ISO 2022 escapes (RFC 1468) */
		if (!has8 &&
		    (memmem(p, n, "\x1b$B", 3) != NULL || memmem(p, n, "\x1b$@", 3) != NULL))
			return "ISO-2022-JP";
		return "UTF-8";
	}
	if (hint != NULL && hint[0] != '\0' && !is_utf8_label(hint) && !is_ascii_label(hint)) {
		const char *sup = mail_charset_superset(hint, strlen(hint));
		mail_gmime_init();
		const char *name = sup != NULL ? sup : g_mime_charset_iconv_name(hint);
		if (converts(name, p, n))
			return name;
	}
	int gb = converts("GB18030", p, n);
	if ((!gb || looks_big5(p, n)) && converts("BIG5", p, n))
		return "BIG5";
	if (gb)
		return "GB18030";
	if (converts("CP1252", p, n))
		return "CP1252";
	return "ISO-8859-1";
}

int mail_text_to_utf8(const char *label, const unsigned char *p, size_t n, struct buf *out,
		      const char *hint, uint32_t *flags_r)
{
	const char *cs = NULL;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3; /* a UTF-8 byte order mark decides, whatever the label */
		n -= 3;
		if (!mail_text_needs_guess((const char *)p, n))
			cs = "UTF-8";
	}
	if (cs == NULL && label != NULL && label[0] != '\0' && !is_ascii_label(label) &&
	    !is_utf8_label(label)) {
		const char *sup = mail_charset_superset(label, strlen(label));
		mail_gmime_init();
		cs = sup != NULL ? sup : g_mime_charset_iconv_name(label);
		iconv_t probe = iconv_open("UTF-8", cs);
		if (probe == (iconv_t)-1)
			cs = NULL; /* unknown label: guessed below */
		else
			iconv_close(probe);
	}
	if (cs == NULL) {
		/* Undeclared, ASCII or UTF-8 labels: as they are when valid UTF-8
		 * (no ISO 2022 escapes), else a guess. */
		cs = mail_charset_guess(p, n, hint);
		if (strcmp(cs, "UTF-8") != 0 && flags_r != NULL)
			*flags_r |= MAIL_F_CHARSET_GUESSED;
	}
	/* A text longer than out keeps its beginning, as converted text does
	 * (doc/search.md: text is cut, not dropped). */
	iconv_t cd = strcmp(cs, "UTF-8") == 0 ? (iconv_t)-1 : iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1) /* UTF-8, or no converter: cleaned later */
		return mail_append_cut(out, p, n) ? -1 : 0;
	size_t start = out->len;
	int r = iconv_append(cd, p, n, out);
	iconv_close(cd);
	if (r > 0 && flags_r != NULL)
		*flags_r |= MAIL_F_BAD_ENCODING;
	/* A BOM the conversion produced (UTF-16 input). */
	if (out->len - start >= 3 && memcmp(out->data + start, "\xef\xbb\xbf", 3) == 0) {
		memmove(out->data + start, out->data + start + 3, out->len - start - 3);
		out->len -= 3;
		out->data[out->len] = '\0';
	}
	return r < 0 ? -1 : 0;
}

size_t mail_unflow(char *s, size_t n, int delsp)
{
	/* RFC 3676 section 4: a line ending in a space (other than the
	 * signature separator "-- ") is joined with the next; space-stuffing
	 * (one leading space) is removed; with DelSp=yes the trailing space
	 * goes too. s holds LF line ends; rewritten in place. */
	size_t r = 0, w = 0;
	while (r < n) {
		size_t e = r;
		while (e < n && s[e] != '\n')
			e++;
		size_t a = r;
		if (a < e && s[a] == ' ')
			a++; /* space-stuffing */
		size_t len = e - a;
		int sig = len == 3 && memcmp(s + a, "-- ", 3) == 0;
		int soft = !sig && len > 0 && s[e - 1] == ' ' && e < n;
		if (soft && delsp)
			len--;
		memmove(s + w, s + a, len);
		w += len;
		if (e < n && !soft)
			s[w++] = '\n';
		r = e < n ? e + 1 : e;
	}
	if (w < n)
		s[w] = '\0';
	return w;
}
