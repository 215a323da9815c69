/*
 * scan.c - a bounded look at a message's MIME structure before GMime.
 *
 * GMime builds the whole tree of a message recursively, one stack frame
 * chain per nesting level, before custos can look at it. A message of
 * 10,000 nested multiparts (or of a million empty parts) must not get that
 * far. mail_scan_structure() walks the same structure without recursion:
 * header blocks (RFC 5322), Content-Type boundaries and delimiter lines
 * (RFC 2046 section 5.1.1), message encapsulation (RFC 2046 section 5.2),
 * the multipart/digest default (RFC 2046 section 5.1.5). It stops as soon
 * as the depth, the number of parts or the size of a header block passes
 * its limit, so it costs O(message size x open boundaries) time and
 * O(max_depth) memory.
 *
 * It is deliberately generous where it is unsure, so that it counts at
 * least what GMime will build: any line that starts with "--" and an open
 * boundary is a delimiter (GMime wants only white space after it), any
 * "boundary" parameter counts (even after a missing ';'), every message
 * type nests. parse.c still checks the tree GMime built (a safety net for
 * the cases where both disagree), and GMime itself stops at 1024 levels.
 */
#include "core/hex.h"
#include "mail/mail_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* GMime compares every line that starts with "--" against every open
 * boundary: a message of millions of "--x" lines under 60 nested
 * multiparts costs it seconds per 10 MB, which an attacker can repeat.
 * Past this many comparisons (about a second of GMime's time; real mail
 * needs a tiny fraction) only the headers are parsed. */
#define DELIMITER_CHECKS (64ULL * 1024 * 1024)

enum kind { K_LEAF, K_MESSAGE, K_MULTIPART };

struct frame {
	char *b; /* boundary, without the leading "--" */
	size_t blen;
	uint32_t depth; /* depth of the multipart itself */
	int digest;	/* its parts default to message/rfc822 */
};

struct scanner {
	const unsigned char *p;
	size_t n;
	const struct mail_limits *lim;
	struct mail_scan *s;
	struct frame *f;
	size_t nf, cap;
	uint64_t checks; /* boundary comparisons so far */
	/* The header block being read: its best Content-Type so far. */
	enum kind kind;
	char *boundary;
	size_t blen;
	int digest;
};

static void over(struct scanner *sc, const char *fmt, ...) CUSTOS_PRINTF(2, 3);
static void over(struct scanner *sc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sc->s->why, sizeof(sc->s->why), fmt, ap);
	va_end(ap);
	sc->s->over = 1;
}

/* Index of the open frame whose delimiter the line is, or -1. Counts the
 * comparisons a line starting with "--" costs (see DELIMITER_CHECKS). */
static int match(struct scanner *sc, const unsigned char *l, size_t len, int *close_r)
{
	if (len < 2 || l[0] != '-' || l[1] != '-')
		return -1;
	sc->checks += sc->nf;
	for (size_t k = sc->nf; k-- > 0;) {
		const struct frame *f = &sc->f[k];
		if (len - 2 >= f->blen && memcmp(l + 2, f->b, f->blen) == 0) {
			size_t rest = len - 2 - f->blen;
			*close_r = rest >= 2 && l[2 + f->blen] == '-' && l[3 + f->blen] == '-';
			return (int)k;
		}
	}
	return -1;
}

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The boundary parameter of a Content-Type value (newly allocated), or
 * NULL. Quoted strings, RFC 2231 extended values (boundary*=cs'lang'%XX)
 * and the first segment of a continuation are understood. */
static char *find_boundary(const char *v, size_t n, size_t *len_r)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		if (strncasecmp(v + i, "boundary", 8) != 0 ||
		    (i > 0 && v[i - 1] != ';' && !is_wsp(v[i - 1])))
			continue;
		size_t p = i + 8;
		int ext = 0;
		if (p < n && v[p] == '*') {
			p++;
			while (p < n && v[p] >= '0' && v[p] <= '9')
				p++;
			if (p < n && v[p] == '*')
				p++;
			ext = 1;
		}
		while (p < n && is_wsp(v[p]))
			p++;
		if (p >= n || v[p] != '=')
			continue;
		p++;
		while (p < n && is_wsp(v[p]))
			p++;
		char *b = xmalloc(n - p + 1);
		size_t l = 0;
		if (p < n && v[p] == '"') {
			for (p++; p < n && v[p] != '"'; p++) {
				if (v[p] == '\\' && p + 1 < n)
					p++;
				b[l++] = v[p];
			}
		} else {
			while (p < n && v[p] != ';' && !is_wsp(v[p]))
				b[l++] = v[p++];
		}
		b[l] = '\0';
		if (ext) {
			/* charset'language'percent-encoded */
			char *q1 = memchr(b, '\'', l);
			char *q2 =
			    q1 != NULL ? memchr(q1 + 1, '\'', l - (size_t)(q1 + 1 - b)) : NULL;
			if (q2 != NULL) {
				size_t o = 0;
				for (char *c = q2 + 1; c < b + l; c++) {
					if (*c == '%' && c + 2 < b + l && hex_nibble(c[1]) >= 0 &&
					    hex_nibble(c[2]) >= 0) {
						b[o++] = (char)(hex_nibble(c[1]) << 4 | hex_nibble(c[2]));
						c += 2;
					} else {
						b[o++] = *c;
					}
				}
				l = o;
				b[l] = '\0';
			}
		}
		if (l == 0) {
			free(b);
			continue;
		}
		*len_r = l;
		return b;
	}
	return NULL;
}

/* Folds one Content-Type value into the block's best guess: a multipart
 * with a boundary beats message, which beats a leaf. */
static void content_type(struct scanner *sc, const char *v, size_t n)
{
	size_t i = 0;
	while (i < n && is_wsp(v[i]))
		i++;
	size_t t = i;
	while (i < n && v[i] != '/' && v[i] != ';' && !is_wsp(v[i]))
		i++;
	size_t tlen = i - t;
	size_t st = i < n && v[i] == '/' ? i + 1 : i, sl = 0;
	while (st + sl < n && v[st + sl] != ';' && v[st + sl] != '(' && !is_wsp(v[st + sl]))
		sl++;
	if (tlen == 9 && strncasecmp(v + t, "multipart", 9) == 0) {
		size_t blen;
		char *b = find_boundary(v, n, &blen);
		if (b == NULL)
			return; /* GMime builds no parts for it */
		if (sc->kind == K_MULTIPART) {
			free(b); /* the first one wins */
			return;
		}
		sc->kind = K_MULTIPART;
		sc->boundary = b;
		sc->blen = blen;
		sc->digest = sl == 6 && strncasecmp(v + st, "digest", 6) == 0;
	} else if (tlen == 7 && strncasecmp(v + t, "message", 7) == 0) {
		if (sc->kind == K_LEAF)
			sc->kind = K_MESSAGE;
	}
}

static int line_8bit(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return 1;
	return 0;
}

void mail_scan_structure(const unsigned char *p, size_t n, const struct mail_limits *lim,
			 struct mail_scan *s)
{
	struct scanner sc;
	struct buf ct;
	struct error err = ERROR_INIT;
	memset(s, 0, sizeof(*s));
	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.n = n;
	sc.lim = lim;
	sc.s = s;
	/* Frames never outnumber max_depth + 1: deeper is over the limit. */
	sc.cap = (lim->max_depth < 1000000 ? lim->max_depth : 1000000) + 2;
	sc.f = xcalloc(sc.cap, sizeof(*sc.f));
	buf_init(&ct,
		 lim->max_header_bytes < SIZE_MAX - 16 ? lim->max_header_bytes + 16 : SIZE_MAX);

	size_t pos = 0;
	uint32_t depth = 0;
	int implicit_message = 0, in_content = 0;
	while (!s->over) {
		if (in_content) {
			/* Lines until the delimiter of an open multipart. */
			int found = 0;
			while (pos < n && sc.nf > 0) {
				const unsigned char *nl = memchr(p + pos, '\n', n - pos);
				size_t e = nl != NULL ? (size_t)(nl - (p + pos)) : n - pos;
				size_t next = nl != NULL ? pos + e + 1 : n;
				size_t l = e > 0 && p[pos + e - 1] == '\r' ? e - 1 : e;
				int close;
				int k = match(&sc, p + pos, l, &close);
				pos = next;
				if (sc.checks > DELIMITER_CHECKS) {
					over(&sc,
					     "too many lines that look like MIME delimiters "
					     "(over %llu boundary comparisons)",
					     DELIMITER_CHECKS);
					break;
				}
				if (k < 0)
					continue;
				while (sc.nf > (size_t)k + 1)
					free(sc.f[--sc.nf].b);
				if (close) {
					free(sc.f[--sc.nf].b);
					continue;
				}
				depth = sc.f[k].depth + 1;
				implicit_message = sc.f[k].digest;
				found = 1;
				break;
			}
			if (!found || s->over)
				break;
			in_content = 0;
		}

		/* An entity: its header block starts at pos. */
		if (++s->parts > lim->max_parts) {
			over(&sc, "more than %u MIME parts", lim->max_parts);
			break;
		}
		if (depth > s->depth)
			s->depth = depth;
		if (depth > lim->max_depth) {
			over(&sc, "MIME nesting deeper than %u levels", lim->max_depth);
			break;
		}
		sc.kind = implicit_message ? K_MESSAGE : K_LEAF;
		sc.boundary = NULL;
		implicit_message = 0;
		uint64_t hbytes = 0;
		int capturing = 0, delimited = 0;
		buf_reset(&ct);
		while (pos < n) {
			const unsigned char *nl = memchr(p + pos, '\n', n - pos);
			size_t e = nl != NULL ? (size_t)(nl - (p + pos)) : n - pos;
			size_t next = nl != NULL ? pos + e + 1 : n;
			size_t l = e > 0 && p[pos + e - 1] == '\r' ? e - 1 : e;
			int close;
			if (l == 0) {
				pos = next; /* the empty line: the body follows */
				break;
			}
			if (match(&sc, p + pos, l, &close) >= 0) {
				delimited = 1; /* a part without body */
				break;
			}
			int folded = p[pos] == ' ' || p[pos] == '\t';
			if (!folded && !mail_is_field_line(p + pos, l))
				break; /* not a header: the content starts here */
			hbytes += next - pos;
			if (hbytes > lim->max_header_bytes) {
				over(&sc, "a header block larger than %llu bytes",
				     (unsigned long long)lim->max_header_bytes);
				break;
			}
			if (!s->header_8bit && line_8bit(p + pos, l))
				s->header_8bit = 1;
			if (!folded) {
				if (capturing)
					content_type(&sc, (const char *)ct.data, ct.len);
				buf_reset(&ct);
				capturing =
				    l > 12 &&
				    strncasecmp((const char *)p + pos, "content-type", 12) == 0 &&
				    (p[pos + 12] == ':' || p[pos + 12] == ' ' ||
				     p[pos + 12] == '\t');
				if (capturing) {
					const unsigned char *colon = memchr(p + pos, ':', l);
					size_t off = (size_t)(colon - (p + pos)) + 1;
					buf_append(&ct, p + pos + off, l - off, &err);
				}
			} else if (capturing) {
				buf_append(&ct, p + pos, l, &err);
			}
			pos = next;
		}
		if (capturing && !s->over)
			content_type(&sc, (const char *)ct.data, ct.len);
		if (s->over) {
			free(sc.boundary);
			break;
		}
		if (delimited || sc.kind == K_LEAF) {
			free(sc.boundary);
			in_content = 1;
		} else if (sc.kind == K_MESSAGE) {
			depth++; /* the encapsulated message's header block follows */
		} else {
			if (sc.nf == sc.cap) { /* only with absurd max_depth values */
				free(sc.boundary);
				over(&sc, "more than %zu open multiparts", sc.cap);
				break;
			}
			struct frame *f = &sc.f[sc.nf++];
			f->b = sc.boundary;
			f->blen = sc.blen;
			f->depth = depth;
			f->digest = sc.digest;
			in_content = 1;
		}
		if (pos >= n && in_content)
			break;
	}
	while (sc.nf > 0)
		free(sc.f[--sc.nf].b);
	free(sc.f);
	buf_release(&ct);
}
