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

/* --- doc.c ----------------------------------------------------------- */

/* The address lists of a doc (struct mail_addr_list at offset), in
 * document order: their JSON keys, their order on the wire (wire.c) and
 * the header field each comes from (parse.c). */
struct mail_doc_list {
	const char *name;
	const char *field;
	size_t offset;
};
#define MAIL_DOC_N_LISTS 5
extern const struct mail_doc_list mail_doc_lists[MAIL_DOC_N_LISTS];
/* The list at mail_doc_lists[i] of doc. */
struct mail_addr_list *mail_doc_list_at(struct mail_doc *doc, size_t i);
const struct mail_addr_list *mail_doc_list_at_c(const struct mail_doc *doc, size_t i);
/* Frees every attachment of doc and leaves it without any. */
void mail_doc_drop_attachments(struct mail_doc *doc);

/* --- utf8.c: UTF-8 hygiene (both sides of the worker protocol) ------- */

/* Appends as much of p[0..n) as out can still hold, cut at a UTF-8
 * character boundary; 1 if it was cut, else 0. */
int mail_append_cut(struct buf *out, const void *p, size_t n);
/* 1 if p[0..n) holds 8-bit bytes that are not UTF-8: a charset must be
 * guessed for it. */
int mail_text_needs_guess(const char *p, size_t n);
/* A clean copy of p[0..n): valid UTF-8 (invalid bytes become U+FFFD), no
 * control characters (they become spaces), leading and trailing white
 * space trimmed, at most max bytes (cut at a character boundary, *cut_r
 * set to 1; cut_r may be NULL). Never NULL. */
char *mail_text_clean(const char *p, size_t n, size_t max, int *cut_r);
/* The same for text that keeps its lines: CR LF and lone CR become LF,
 * LF and TAB are kept, other control characters become spaces; leading
 * and trailing white space (space, TAB, LF) trimmed. */
char *mail_text_clean_lines(const char *p, size_t n, size_t max, int *cut_r);

/* --- text.c: charsets ---------------------------------------------- */

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

/* The charset (an iconv name) to decode undeclared 8-bit text with:
 * UTF-8 after a UTF-8 BOM or when the bytes are valid UTF-8 (7-bit text
 * with ISO-2022-JP escapes: ISO-2022-JP), UTF-16 after its BOM; else the
 * hint (a label) if the bytes convert from it without error; else BIG5 if
 * they convert from it and look like Big5 (or do not convert from
 * GB18030), else GB18030 if they convert, else CP1252, else ISO-8859-1.
 * Returns a static string. */
const char *mail_charset_guess(const unsigned char *p, size_t n, const char *hint);

/* Appends p[0..n), in charset label (NULL or empty: undeclared), to out as
 * UTF-8: a UTF-8 BOM removed (and then UTF-8 assumed when valid), labels
 * mapped to their supersets, ASCII and UTF-8 labels and undeclared or
 * unknown charsets checked and guessed (mail_charset_guess with hint;
 * MAIL_F_CHARSET_GUESSED added to *flags_r unless the guess is UTF-8),
 * bytes invalid in the charset replaced by U+FFFD (MAIL_F_BAD_ENCODING).
 * The result may still hold invalid UTF-8 from a UTF-8 source: clean it.
 * -1 when out is full (what fit is kept). */
int mail_text_to_utf8(const char *label, const unsigned char *p, size_t n, struct buf *out,
		      const char *hint, uint32_t *flags_r);

/* Undoes RFC 3676 format=flowed in place on s[0..n) (LF line ends);
 * returns the new length. */
size_t mail_unflow(char *s, size_t n, int delsp);

/* --- html.c, rtf.c: documents to text --------------------------------- */

/* Appends the text of an HTML document (UTF-8) to out by the rules in
 * html.c. 0 done, 1 out was full (cut), -1 not parsable. */
int mail_html_to_text(const char *p, size_t n, struct buf *out);
/* Appends the text of an RTF document to out. 0 done, 1 out was full,
 * -1 not RTF. */
int mail_rtf_to_text(const unsigned char *p, size_t n, struct buf *out);

/* --- extract.c: attachment text --------------------------------------- */

/* Extraction outcomes (their names are the JSON values of "extract"). */
enum mail_outcome {
	MAIL_X_OK,
	MAIL_X_NONE,
	MAIL_X_EMPTY,
	MAIL_X_ENCRYPTED,
	MAIL_X_CORRUPT,
	MAIL_X_LIMITS,
	MAIL_X_BOMB,
	MAIL_X_TIMEOUT,
	MAIL_X_SKIPPED,
	MAIL_X_COUNT
};
const char *mail_outcome_name(enum mail_outcome o);

/* The message's extraction state: limits, the text budget left, the
 * deadline, and the archive nesting. */
struct mail_extract {
	const struct mail_limits *lim;
	uint64_t text_left;  /* bytes of text the message may still get */
	int64_t deadline_ms; /* monotonic clock, mail_now_ms() */
	unsigned nest;	     /* archives being read around this one */
	uint32_t flags;	     /* MAIL_F_* found while extracting */
};
/* The monotonic clock in milliseconds (worker.c). */
int64_t mail_now_ms(void);
/* Effective limits (0 in struct mail_limits means the default). */
uint64_t mail_lim_text(const struct mail_limits *lim);
uint64_t mail_lim_att_text(const struct mail_limits *lim);
uint64_t mail_lim_input(const struct mail_limits *lim);
uint32_t mail_lim_zip_members(const struct mail_limits *lim);
uint32_t mail_lim_zip_ratio(const struct mail_limits *lim);
uint64_t mail_lim_zip_size(const struct mail_limits *lim);
uint32_t mail_lim_extract_ms(const struct mail_limits *lim);

/* What is known of one part or member. */
struct mail_part_info {
	const char *content_type; /* lower-case, or NULL */
	const char *filename;	  /* or NULL */
	const char *charset;	  /* declared, or NULL */
	int flowed, delsp;	  /* RFC 3676 parameters */
};

/* The text of a text/ part (body or attachment): charset decoded, format
 * flowed undone, HTML converted (subtype "html"). Appended to out (a buf
 * with a max); flags as mail_text_to_utf8. 1 if out was full. */
int mail_text_part(const struct mail_part_info *pi, const unsigned char *p, size_t n,
		   struct buf *out, uint32_t *flags_r);

/* Extracts the text of one attachment's decoded bytes into out (a buf
 * whose max is the attachment's share). Member names of a ZIP go to
 * *members_r (allocated, n in *n_members_r). Returns the outcome. */
enum mail_outcome mail_extract_attachment(struct mail_extract *x, const struct mail_part_info *pi,
					  const unsigned char *p, size_t n, struct buf *out,
					  char ***members_r, size_t *n_members_r);
/* Loads what ZIP member names need (a UTF-8 LC_CTYPE locale), before the
 * sandbox; called again lazily, so optional outside it. */
void mail_extract_warm_up(void);

/* --- pdf.c ------------------------------------------------------------ */

/* Appends the text of a PDF (poppler-glib), page by page, checking the
 * deadline between pages. */
enum mail_outcome mail_pdf_to_text(struct mail_extract *x, const unsigned char *p, size_t n,
				   struct buf *out);
/* Loads what poppler loads lazily (before the sandbox). */
void mail_pdf_warm_up(void);

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
