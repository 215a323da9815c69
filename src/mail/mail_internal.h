/*
 * mail_internal.h - what the files of src/mail share and nobody else uses.
 *
 * Pointers passed in are borrowed for the duration of the call; returned
 * strings are newly allocated (free() them) unless said otherwise.
 */
#ifndef CUSTOS_MAIL_INTERNAL_H
#define CUSTOS_MAIL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"

/* --- text.c: UTF-8 and charsets ------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), 0 if none starts there
 * (overlong forms, surrogates and values past U+10FFFF are invalid). */
size_t mail_utf8_seq(const unsigned char *p, size_t n);
/* 1 if p[0..n) is valid UTF-8 without NUL bytes. */
int mail_utf8_valid(const char *p, size_t n);
/* 1 if p[0..n) holds 8-bit bytes that are not UTF-8: a charset must be
 * guessed for it. */
int mail_text_needs_guess(const char *p, size_t n);
/* A clean copy of p[0..n): valid UTF-8 (invalid bytes become U+FFFD), no
 * control characters (they become spaces), leading and trailing white
 * space trimmed, at most max bytes (cut at a character boundary, *cut_r
 * set to 1; cut_r may be NULL). Never NULL. */
char *mail_text_clean(const char *p, size_t n, size_t max, int *cut_r);

/* The encoding to decode a charset label with, when real mail is known to
 * mislabel it (GB2312 used for GBK, ISO-8859-1 for windows-1252...): the
 * superset, after the WHATWG Encoding Standard. NULL if the label is fine
 * as it is. Case-insensitive. */
const char *mail_charset_superset(const char *label, size_t n);
/* Rewrites the charset labels of RFC 2047 encoded words and RFC 2231
 * extended parameters in s to their supersets. NULL when nothing changes. */
char *mail_charset_fixup(const char *s);

/* Checks the RFC 2047 encoded words and RFC 2231 charsets of a header
 * value (raw or unfolded): 1 if one names an unknown charset, has a broken
 * base64/Q payload, bytes invalid in its charset or a NUL; 0 if all fine. */
int mail_header_encoding_bad(const char *s);

/* --- sniff.c: the header section ----------------------------------- */

/* Where the header section starts: after a UTF-8 byte order mark, empty
 * lines, an mbox "From " line, and the indentation of a first field. */
size_t mail_header_start(const unsigned char *p, size_t n);
/* Length of the header section at p (up to the empty line that ends it,
 * or n); *body_r is where the body starts (after that line, or n). */
size_t mail_header_len(const unsigned char *p, size_t n, size_t *body_r);
/* 1 if the line at p (n bytes, without its end) starts a header field:
 * a name of printable ASCII without ':', optional blanks, then ':'. */
int mail_is_field_line(const unsigned char *p, size_t n);

/* --- scan.c: a bounded look at the MIME structure before GMime ------- */

struct mail_scan {
	uint32_t parts;	 /* parts found (at least what GMime will build) */
	uint32_t depth;	 /* deepest nesting found */
	int header_8bit; /* a header block holds bytes >= 0x80 */
	int over;	 /* a limit is exceeded: only the headers are parsed */
	char why[256];	 /* which limit, when over */
};

void mail_scan_structure(const unsigned char *p, size_t n, const struct mail_limits *lim,
			 struct mail_scan *s);

/* --- parse.c --------------------------------------------------------- */

/* g_mime_init() once per process. */
void mail_gmime_init(void);

#endif
