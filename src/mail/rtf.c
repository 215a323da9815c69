/*
 * rtf.c - the text of an RTF document (RTF 1.9.1 specification), written
 * by hand: no well-kept C library reads RTF, and text is a small subset.
 *
 * Kept: plain text, \'hh bytes decoded in the code page in force (the
 * document's \ansicpgN, or the \fcharsetN of the current font from the
 * font table: 134 is GBK, 136 Big5, 128 Shift_JIS...), \uN characters
 * (with \ucN fallback bytes skipped, UTF-16 surrogate pairs joined),
 * \par \line \row \sect \page as line ends, \tab \cell as tabs, and the
 * usual symbol words (\emdash, \lquote...).
 * Skipped with their groups: {\* ...} destinations and the known
 * non-text destinations (fonttbl, colortbl, stylesheet, info, pict,
 * object, fldinst, themedata, ...). \binN data is skipped.
 *
 * Bounded: group nesting at RTF_MAX_DEPTH (deeper groups are read as if
 * flat), control word names at 32 bytes, output at out's maximum.
 * Linear in the input.
 */
#include "core/utf8.h"
#include "mail/mail_internal.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/xalloc.h"

#define RTF_MAX_DEPTH 256
#define MAX_FONTS 512

struct rtf_group {
	int skip;    /* inside a skipped destination */
	int fonttbl; /* inside the font table */
	int uc;	     /* fallback bytes after \uN */
	int cp;	     /* code page of \'hh bytes */
};

struct rtf {
	struct buf *out;
	int full;
	struct rtf_group g[RTF_MAX_DEPTH];
	int depth;    /* index of the current group */
	int overflow; /* groups opened past RTF_MAX_DEPTH */
	int ansicpg;
	int skip_n; /* fallback characters still to skip */
	unsigned hi_surrogate;
	int font_num; /* font being defined in the font table */
	struct {
		int num, cp;
	} fonts[MAX_FONTS];
	int n_fonts;
	unsigned char pend[512];
	size_t pend_n;
	int pend_cp;
	iconv_t cd;
	int cd_cp;
};

static void put(struct rtf *r, const char *p, size_t n)
{
	struct error err = ERROR_INIT;
	if (r->full)
		return;
	if (buf_append(r->out, p, n, &err) < 0)
		r->full = 1;
}

static const char *cp_name(int cp, char *tmp, size_t cap)
{
	switch (cp) {
	case 936:
	case 20936:
		return "GB18030";
	case 950:
		return "BIG5";
	case 932:
		return "CP932";
	case 949:
		return "CP949";
	case 65001:
		return "UTF-8";
	case 10000:
		return "MACINTOSH";
	case 0:
		return "CP1252";
	default:
		snprintf(tmp, cap, "CP%d", cp);
		return tmp;
	}
}

static void flush(struct rtf *r)
{
	if (r->pend_n == 0)
		return;
	if (r->cd == (iconv_t)-1 || r->cd_cp != r->pend_cp) {
		char tmp[16];
		if (r->cd != (iconv_t)-1)
			iconv_close(r->cd);
		r->cd = iconv_open("UTF-8", cp_name(r->pend_cp, tmp, sizeof(tmp)));
		if (r->cd == (iconv_t)-1)
			r->cd = iconv_open("UTF-8", "CP1252");
		r->cd_cp = r->pend_cp;
	}
	char *in = (char *)r->pend;
	size_t inleft = r->pend_n;
	while (inleft > 0 && r->cd != (iconv_t)-1) {
		char tmp[2048], *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t k = iconv(r->cd, &in, &inleft, &o, &oleft);
		int e = k == (size_t)-1 ? errno : 0;
		put(r, tmp, (size_t)(o - tmp));
		if (e == EILSEQ || e == EINVAL) {
			put(r, "\xef\xbf\xbd", 3);
			in++;
			inleft--;
			iconv(r->cd, NULL, NULL, NULL, NULL);
		} else if (e != 0 && e != E2BIG) {
			break;
		}
	}
	r->pend_n = 0;
}

static void byte(struct rtf *r, unsigned char b)
{
	struct rtf_group *g = &r->g[r->depth];
	if (g->skip || g->fonttbl)
		return;
	if (r->skip_n > 0) {
		r->skip_n--;
		return;
	}
	if (r->pend_n > 0 && (r->pend_n == sizeof(r->pend) || r->pend_cp != g->cp))
		flush(r);
	r->pend_cp = g->cp;
	r->pend[r->pend_n++] = b;
}

static void text(struct rtf *r, const char *s)
{
	struct rtf_group *g = &r->g[r->depth];
	if (g->skip || g->fonttbl)
		return;
	flush(r);
	put(r, s, strlen(s));
}

static void codepoint(struct rtf *r, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp >= 0xd800 && cp < 0xdc00) {
		r->hi_surrogate = cp;
		return;
	}
	if (cp >= 0xdc00 && cp < 0xe000) {
		if (r->hi_surrogate == 0)
			return;
		cp = 0x10000 + ((r->hi_surrogate - 0xd800) << 10) + (cp - 0xdc00);
	}
	r->hi_surrogate = 0;
	if (cp == 0)
		return;
	n = utf8_encode((unsigned char *)u, (uint32_t)cp);
	struct rtf_group *g = &r->g[r->depth];
	if (g->skip || g->fonttbl)
		return;
	flush(r);
	put(r, u, n);
}

static int charset_cp(int charset, int ansicpg)
{
	static const int map[][2] = {{77, 10000}, {128, 932},  {129, 949},  {134, 936},
				     {136, 950},  {161, 1253}, {162, 1254}, {163, 1258},
				     {177, 1255}, {178, 1256}, {186, 1257}, {204, 1251},
				     {222, 874},  {238, 1250}, {255, 437}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i][0] == charset)
			return map[i][1];
	return ansicpg;
}

/* Destinations whose text is not document text. */
static int skipped_destination(const char *w)
{
	static const char *const names[] = {"colortbl",
					    "stylesheet",
					    "info",
					    "pict",
					    "object",
					    "objdata",
					    "fldinst",
					    "themedata",
					    "colorschememapping",
					    "datastore",
					    "latentstyles",
					    "listtable",
					    "listoverridetable",
					    "rsidtbl",
					    "generator",
					    "xmlnstbl",
					    "filetbl",
					    "revtbl",
					    "pgdsctbl",
					    "bkmkstart",
					    "bkmkend",
					    "shppict",
					    "nonshppict",
					    "sp",
					    "sn",
					    "sv",
					    "mmathPr",
					    "wgrffmtfilter",
					    "userprops",
					    "docvar",
					    "xmlopen",
					    "template",
					    "operator",
					    "password",
					    NULL};
	for (const char *const *n = names; *n != NULL; n++)
		if (strcmp(*n, w) == 0)
			return 1;
	return 0;
}

static void word(struct rtf *r, const char *w, int has_param, long param, int first,
		 const unsigned char **p, const unsigned char *end)
{
	struct rtf_group *g = &r->g[r->depth];
	if (strcmp(w, "bin") == 0) {
		long n = has_param && param > 0 ? param : 0;
		*p += (long)(end - *p) < n ? (end - *p) : n;
		return;
	}
	if (first && skipped_destination(w)) {
		g->skip = 1;
		return;
	}
	if (strcmp(w, "fonttbl") == 0) {
		g->fonttbl = 1;
		return;
	}
	if (g->fonttbl) {
		if (strcmp(w, "f") == 0)
			r->font_num = (int)param;
		else if (strcmp(w, "fcharset") == 0 && r->n_fonts < MAX_FONTS) {
			r->fonts[r->n_fonts].num = r->font_num;
			r->fonts[r->n_fonts].cp = (int)param;
			r->n_fonts++;
		}
		return;
	}
	if (strcmp(w, "ansicpg") == 0 && has_param) {
		r->ansicpg = (int)param;
		g->cp = r->ansicpg;
	} else if (strcmp(w, "f") == 0 && has_param) {
		g->cp = r->ansicpg;
		for (int i = 0; i < r->n_fonts; i++)
			if (r->fonts[i].num == (int)param)
				g->cp = charset_cp(r->fonts[i].cp, r->ansicpg);
	} else if (strcmp(w, "uc") == 0 && has_param) {
		g->uc = param >= 0 && param < 16 ? (int)param : 1;
	} else if (strcmp(w, "u") == 0 && has_param) {
		codepoint(r, (unsigned)(param < 0 ? param + 65536 : param) & 0xffff);
		r->skip_n = g->uc;
	} else if (strcmp(w, "par") == 0 || strcmp(w, "line") == 0 || strcmp(w, "row") == 0 ||
		   strcmp(w, "sect") == 0 || strcmp(w, "page") == 0) {
		text(r, "\n");
	} else if (strcmp(w, "tab") == 0 || strcmp(w, "cell") == 0) {
		text(r, "\t");
	} else {
		static const struct {
			const char *w, *s;
		} symbols[] = {{"emdash", "\xe2\x80\x94"},
			       {"endash", "\xe2\x80\x93"},
			       {"bullet", "\xe2\x80\xa2"},
			       {"lquote", "\xe2\x80\x98"},
			       {"rquote", "\xe2\x80\x99"},
			       {"ldblquote", "\xe2\x80\x9c"},
			       {"rdblquote", "\xe2\x80\x9d"},
			       {"emspace", " "},
			       {"enspace", " "},
			       {"qmspace", " "}};
		for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
			if (strcmp(w, symbols[i].w) == 0)
				text(r, symbols[i].s);
	}
}

int mail_rtf_to_text(const unsigned char *p, size_t n, struct buf *out)
{
	const unsigned char *end = p + n;
	if (n < 5 || memcmp(p, "{\\rtf", 5) != 0)
		return -1;
	struct rtf *r = xcalloc(1, sizeof(*r));
	r->out = out;
	r->ansicpg = 1252;
	r->g[0].uc = 1;
	r->g[0].cp = 1252;
	r->cd = (iconv_t)-1;
	r->depth = 0;
	int first = 0; /* the next control word opens its group */
	while (p < end && !r->full) {
		unsigned char c = *p++;
		if (c == '{') {
			flush(r);
			r->skip_n = 0;
			if (r->depth + 1 < RTF_MAX_DEPTH) {
				r->g[r->depth + 1] = r->g[r->depth];
				r->depth++;
			} else {
				r->overflow++;
			}
			first = 1;
			continue;
		}
		if (c == '}') {
			flush(r);
			r->skip_n = 0;
			if (r->overflow > 0)
				r->overflow--;
			else if (r->depth > 0)
				r->depth--;
			first = 0;
			continue;
		}
		if (c == '\\' && p < end) {
			unsigned char d = *p;
			if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')) {
				char w[33];
				size_t wl = 0;
				while (p < end &&
				       ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
					if (wl < sizeof(w) - 1)
						w[wl++] = (char)*p;
					p++;
				}
				w[wl] = '\0';
				int neg = 0, has = 0;
				long param = 0;
				if (p < end && *p == '-') {
					neg = 1;
					p++;
				}
				while (p < end && *p >= '0' && *p <= '9') {
					if (param < 100000000)
						param = param * 10 + (*p - '0');
					has = 1;
					p++;
				}
				if (neg)
					param = -param;
				if (p < end && *p == ' ')
					p++;
				int was_first = first;
				first = 0;
				if (r->skip_n > 0 && strcmp(w, "u") != 0 && !r->g[r->depth].skip) {
					r->skip_n--; /* a control word as fallback character */
					continue;
				}
				word(r, w, has, param, was_first, &p, end);
				continue;
			}
			p++;
			if (d == '*') {
				if (first)
					r->g[r->depth].skip = 1;
				continue;
			}
			first = 0;
			if (d == '\'') {
				int hi = p < end ? hex_nibble(*p) : -1;
				int lo = p + 1 < end ? hex_nibble(p[1]) : -1;
				if (hi >= 0 && lo >= 0) {
					p += 2;
					byte(r, (unsigned char)(hi << 4 | lo));
				}
			} else if (d == '\\' || d == '{' || d == '}') {
				char s[2] = {(char)d, '\0'};
				if (r->skip_n > 0)
					r->skip_n--;
				else
					text(r, s);
			} else if (d == '~') {
				text(r, "\xc2\xa0");
			} else if (d == '_') {
				text(r, "-");
			} else if (d == '\n' || d == '\r') {
				text(r, "\n");
			}
			continue;
		}
		first = 0;
		if (c == '\r' || c == '\n')
			continue;
		if (c < 0x80 && !r->g[r->depth].skip && !r->g[r->depth].fonttbl) {
			if (r->skip_n > 0) {
				r->skip_n--;
				continue;
			}
			char s[2] = {(char)c, '\0'};
			text(r, s);
		} else {
			byte(r, c);
		}
	}
	flush(r);
	int full = r->full;
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	free(r);
	return full ? 1 : 0;
}
