/*
 * wire.c - the binary form of struct mail_doc that the parse worker sends
 * back (protocol version 3, doc/formats/worker.md).
 *
 * Layout: fields in a fixed order, no keys, no padding. Integers are
 * big-endian (u8, u32, i64/u64 as two's complement). A string is a u32
 * byte count followed by that many bytes (no terminating NUL); the count
 * 0xFFFFFFFF means the string is absent (NULL in the doc). An array is a
 * u32 count followed by its entries. In order:
 *
 *   u8 version (3), u32 flags, str message_id, i64 date, str date_raw,
 *   str subject, addrs from, to, cc, bcc, reply_to, atts attachments,
 *   u32 n_parts, u32 depth, str error, str body, str header_charset
 *
 *   addrs: u32 count, then per entry: str addr (present), str name
 *   atts:  u32 count, then per entry: str filename, str content_type
 *          (present), u64 size (at most INT64_MAX), str text, str extract,
 *          u32 member count (0: no member list), then the member strings
 *
 * mail_doc_decode() is the parent's trust boundary: the worker may be
 * compromised. It accepts exactly this shape and nothing else: the version,
 * no byte after the document, no length or count running past the end (a
 * count is checked against the bytes left, at the smallest size an entry
 * can have, before anything is allocated), every string valid UTF-8
 * (RFC 3629) without NUL, non-empty, within MAIL_DOC_MAX_STRING (text:
 * MAIL_DOC_MAX_TEXT, and no control character but LF and TAB; content
 * type, outcome and charset name: their own bounds and syntax), every
 * count within its MAIL_DOC_MAX_* bound, flags only of known bits.
 *
 * The encoder does not check the strings: the decoder at the other end
 * does, and the worker's own doc comes from mail_parse(), which keeps to
 * these rules (tests/fuzz/fuzz_mail.c checks that it does).
 */
#include "mail/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xalloc.h"
#include "mail/mail_internal.h"

#define WIRE_VERSION 3
#define ABSENT UINT32_MAX
#define ALL_FLAGS                                                                                  \
	(MAIL_F_NOT_MIME | MAIL_F_LIMITS | MAIL_F_NO_MESSAGE_ID | MAIL_F_8BIT_HEADERS |            \
	 MAIL_F_BAD_DATE | MAIL_F_NUL_BYTES | MAIL_F_PARSE_FAILED | MAIL_F_CHARSET_GUESSED |       \
	 MAIL_F_BAD_ENCODING)

/* The smallest encodings of one entry, to check a count against the bytes
 * left before allocating: an address (addr of 1 byte, name absent), an
 * attachment (content type "a/b", everything else absent or empty), a
 * member name of 1 byte. */
#define MIN_ADDR (4 + 1 + 4)
#define MIN_ATT (4 + 4 + 3 + 8 + 4 + 4 + 4)
#define MIN_MEMBER (4 + 1)

/* --- encoding --------------------------------------------------------- */

static int put_str(struct buf *out, const char *s, struct error *err)
{
	if (s == NULL)
		return buf_put_u32be(out, ABSENT, err);
	size_t n = strlen(s);
	if (n >= ABSENT)
		return error_set(err, ERR_LIMIT, "a string of %zu bytes", n);
	return buf_put_u32be(out, (uint32_t)n, err) < 0 || buf_append(out, s, n, err) < 0 ? -1 : 0;
}

static int put_count(struct buf *out, size_t n, struct error *err)
{
	if (n >= ABSENT)
		return error_set(err, ERR_LIMIT, "a list of %zu entries", n);
	return buf_put_u32be(out, (uint32_t)n, err);
}

static int put_att(struct buf *out, const struct mail_attachment *a, struct error *err)
{
	if (a->size > INT64_MAX)
		return error_set(err, ERR_INVALID, "attachment size %llu out of range",
				 (unsigned long long)a->size);
	if (put_str(out, a->filename, err) < 0 || put_str(out, a->content_type, err) < 0 ||
	    buf_put_u64be(out, a->size, err) < 0 || put_str(out, a->text, err) < 0 ||
	    put_str(out, a->extract, err) < 0 || put_count(out, a->n_members, err) < 0)
		return -1;
	for (size_t k = 0; k < a->n_members; k++)
		if (put_str(out, a->members[k], err) < 0)
			return -1;
	return 0;
}

static int put_doc(struct buf *out, const struct mail_doc *doc, struct error *err)
{
	if (buf_put_u8(out, WIRE_VERSION, err) < 0 || buf_put_u32be(out, doc->flags, err) < 0 ||
	    put_str(out, doc->message_id, err) < 0 ||
	    buf_put_u64be(out, (uint64_t)doc->date, err) < 0 ||
	    put_str(out, doc->date_raw, err) < 0 || put_str(out, doc->subject, err) < 0)
		return -1;
	for (size_t i = 0; i < MAIL_DOC_N_LISTS; i++) {
		const struct mail_addr_list *l = mail_doc_list_at_c(doc, i);
		if (put_count(out, l->n, err) < 0)
			return -1;
		for (size_t k = 0; k < l->n; k++)
			if (put_str(out, l->v[k].addr, err) < 0 ||
			    put_str(out, l->v[k].name, err) < 0)
				return -1;
	}
	if (put_count(out, doc->n_att, err) < 0)
		return -1;
	for (size_t i = 0; i < doc->n_att; i++)
		if (put_att(out, &doc->att[i], err) < 0)
			return -1;
	if (buf_put_u32be(out, doc->n_parts, err) < 0 || buf_put_u32be(out, doc->depth, err) < 0 ||
	    put_str(out, doc->error, err) < 0 || put_str(out, doc->body, err) < 0 ||
	    put_str(out, doc->header_charset, err) < 0)
		return -1;
	return 0;
}

int mail_doc_encode(const struct mail_doc *doc, struct buf *out, struct error *err)
{
	size_t start = out->len;
	if (put_doc(out, doc, err) < 0) {
		/* Nothing half-written is left behind. */
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* --- decoding: the trust boundary ------------------------------------- */

/* What is left of the input. */
struct rd {
	const unsigned char *p;
	size_t left;
	struct error *err;
};

/* Takes n bytes (borrowed from the input) or fails: the input ends. */
static const unsigned char *rd_take(struct rd *r, size_t n, const char *what)
{
	if (n > r->left) {
		error_set(r->err, ERR_INVALID, "%s: %zu bytes needed, %zu left", what, n, r->left);
		return NULL;
	}
	const unsigned char *q = r->p;
	r->p += n;
	r->left -= n;
	return q;
}

static int rd_u32(struct rd *r, const char *what, uint32_t *v)
{
	const unsigned char *q = rd_take(r, 4, what);
	if (q == NULL)
		return -1;
	*v = get_u32be(q);
	return 0;
}

static int rd_u64(struct rd *r, const char *what, uint64_t *v)
{
	const unsigned char *q = rd_take(r, 8, what);
	if (q == NULL)
		return -1;
	*v = get_u64be(q);
	return 0;
}

/* An array's count: within max, and not more entries (of at least min
 * bytes each) than the bytes left could hold. */
static int rd_count(struct rd *r, const char *what, uint32_t max, size_t min, uint32_t *n)
{
	if (rd_u32(r, what, n) < 0)
		return -1;
	if (*n > max)
		return error_set(r->err, ERR_INVALID, "%s: %u entries, more than %u", what, *n,
				 max);
	if (*n > r->left / min)
		return error_set(r->err, ERR_INVALID, "%s: %u entries cannot fit in %zu bytes",
				 what, *n, r->left);
	return 0;
}

enum {
	STR_REQUIRED = 1 << 0, /* absent is an error */
	STR_TEXT = 1 << 1,     /* text: LF and TAB allowed, other control characters not */
};

/* Why p[0..n) is not a string of the doc, or NULL: valid UTF-8 without
 * NUL, and for text no control character but LF and TAB. One pass, ASCII
 * bytes checked in line (most of the text), other sequences by the one
 * UTF-8 decoder (core/utf8.h). */
static const char *str_fault(const unsigned char *p, size_t n, int text)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t k = utf8_decode(p + i, n - i, NULL);
			if (k == 0)
				return "not valid UTF-8";
			i += k;
			continue;
		}
		if (c == 0)
			return "holds NUL";
		if (text && ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f))
			return "holds a control character";
		i++;
	}
	return NULL;
}

/* A string field: NULL (absent, unless required) or a non-empty copy
 * within max bytes that passes str_fault(). */
static int rd_str(struct rd *r, const char *what, size_t max, int opts, char **dst)
{
	uint32_t n;
	if (rd_u32(r, what, &n) < 0)
		return -1;
	if (n == ABSENT) {
		if (opts & STR_REQUIRED)
			return error_set(r->err, ERR_INVALID, "%s: missing", what);
		return 0;
	}
	if (n > max)
		return error_set(r->err, ERR_INVALID, "%s: longer than %zu bytes", what, max);
	if (n == 0)
		return error_set(r->err, ERR_INVALID, "%s: empty", what);
	const unsigned char *q = rd_take(r, n, what);
	if (q == NULL)
		return -1;
	const char *fault = str_fault(q, n, opts & STR_TEXT);
	if (fault != NULL)
		return error_set(r->err, ERR_INVALID, "%s: %s", what, fault);
	char *s = xmalloc((size_t)n + 1);
	memcpy(s, q, n);
	s[n] = '\0';
	*dst = s;
	return 0;
}

static int outcome_ok(const char *s)
{
	for (int o = 0; o < MAIL_X_COUNT; o++)
		if (strcmp(s, mail_outcome_name((enum mail_outcome)o)) == 0)
			return 1;
	return 0;
}

/* A charset name: 1 to 40 of [A-Za-z0-9._:+-]. */
static int charset_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:+-", c) != NULL))
			return 0;
	}
	return 1;
}

/* A lower-case "type/subtype" of RFC 2045 token characters. */
static int content_type_ok(const char *s)
{
	size_t n = strlen(s), slashes = 0;
	if (n < 3 || s[0] == '/' || s[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/')
			slashes++;
		else if (c <= 0x20 || c >= 0x7f || (c >= 'A' && c <= 'Z') ||
			 strchr("()<>@,;:\\\"[]?=", c) != NULL)
			return 0;
	}
	return slashes == 1;
}

static int rd_addrs(struct rd *r, const char *name, struct mail_addr_list *l)
{
	uint32_t n;
	char what[48];
	if (rd_count(r, name, MAIL_DOC_MAX_ADDRS, MIN_ADDR, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	l->v = xcalloc(n, sizeof(*l->v));
	for (uint32_t i = 0; i < n; i++) {
		l->n = i + 1; /* entries so far are released with the doc */
		snprintf(what, sizeof(what), "%s[%u].addr", name, i);
		if (rd_str(r, what, MAIL_DOC_MAX_STRING, STR_REQUIRED, &l->v[i].addr) < 0)
			return -1;
		snprintf(what, sizeof(what), "%s[%u].name", name, i);
		if (rd_str(r, what, MAIL_DOC_MAX_STRING, 0, &l->v[i].name) < 0)
			return -1;
	}
	return 0;
}

/* "attachments[i].field", for errors, in what. */
static const char *att_what(char *what, size_t n, uint32_t i, const char *field)
{
	snprintf(what, n, "attachments[%u].%s", i, field);
	return what;
}

static int rd_att(struct rd *r, uint32_t i, struct mail_attachment *at)
{
	char w[64];
	uint64_t size;
	uint32_t n;
	if (rd_str(r, att_what(w, sizeof(w), i, "filename"), MAIL_DOC_MAX_STRING, 0,
		   &at->filename) < 0 ||
	    rd_str(r, att_what(w, sizeof(w), i, "content_type"), MAIL_DOC_MAX_CONTENT_TYPE,
		   STR_REQUIRED, &at->content_type) < 0)
		return -1;
	if (!content_type_ok(at->content_type))
		return error_set(r->err, ERR_INVALID, "%s: not a lower-case type/subtype", w);
	if (rd_u64(r, att_what(w, sizeof(w), i, "size"), &size) < 0)
		return -1;
	if (size > INT64_MAX)
		return error_set(r->err, ERR_INVALID, "%s: %llu out of range", w,
				 (unsigned long long)size);
	at->size = size;
	if (rd_str(r, att_what(w, sizeof(w), i, "text"), MAIL_DOC_MAX_TEXT, STR_TEXT, &at->text) <
		0 ||
	    rd_str(r, att_what(w, sizeof(w), i, "extract"), 16, 0, &at->extract) < 0)
		return -1;
	if (at->extract != NULL && !outcome_ok(at->extract))
		return error_set(r->err, ERR_INVALID, "%s: unknown outcome", w);
	if (rd_count(r, att_what(w, sizeof(w), i, "members"), MAIL_DOC_MAX_MEMBERS, MIN_MEMBER,
		     &n) < 0)
		return -1;
	if (n > 0)
		at->members = xcalloc(n, sizeof(*at->members));
	for (uint32_t k = 0; k < n; k++) {
		at->n_members = k + 1; /* members so far are released with the doc */
		if (rd_str(r, w, MAIL_DOC_MAX_STRING, STR_REQUIRED, &at->members[k]) < 0)
			return -1;
	}
	return 0;
}

static int rd_doc(struct rd *r, struct mail_doc *doc)
{
	const unsigned char *v = rd_take(r, 1, "version");
	uint64_t date;
	uint32_t n;
	if (v == NULL)
		return -1;
	if (*v != WIRE_VERSION)
		return error_set(r->err, ERR_INVALID, "version %u, not %d", *v, WIRE_VERSION);
	if (rd_u32(r, "flags", &doc->flags) < 0)
		return -1;
	if (doc->flags & ~(uint32_t)ALL_FLAGS)
		return error_set(r->err, ERR_INVALID, "flags: unknown bits 0x%x",
				 doc->flags & ~(uint32_t)ALL_FLAGS);
	if (rd_str(r, "message_id", MAIL_DOC_MAX_STRING, 0, &doc->message_id) < 0 ||
	    rd_u64(r, "date", &date) < 0 ||
	    rd_str(r, "date_raw", MAIL_DOC_MAX_STRING, 0, &doc->date_raw) < 0 ||
	    rd_str(r, "subject", MAIL_DOC_MAX_STRING, 0, &doc->subject) < 0)
		return -1;
	doc->date = (int64_t)date; /* modulo 2^64: gcc and clang define it so */
	for (size_t i = 0; i < MAIL_DOC_N_LISTS; i++)
		if (rd_addrs(r, mail_doc_lists[i].name, mail_doc_list_at(doc, i)) < 0)
			return -1;
	if (rd_count(r, "attachments", MAIL_DOC_MAX_ATTACHMENTS, MIN_ATT, &n) < 0)
		return -1;
	if (n > 0)
		doc->att = xcalloc(n, sizeof(*doc->att));
	for (uint32_t i = 0; i < n; i++) {
		doc->n_att = i + 1;
		if (rd_att(r, i, &doc->att[i]) < 0)
			return -1;
	}
	if (rd_u32(r, "n_parts", &doc->n_parts) < 0 || rd_u32(r, "depth", &doc->depth) < 0 ||
	    rd_str(r, "error", MAIL_DOC_MAX_STRING, 0, &doc->error) < 0 ||
	    rd_str(r, "body", MAIL_DOC_MAX_TEXT, STR_TEXT, &doc->body) < 0 ||
	    rd_str(r, "header_charset", 40, 0, &doc->header_charset) < 0)
		return -1;
	if (doc->header_charset != NULL && !charset_name_ok(doc->header_charset))
		return error_set(r->err, ERR_INVALID, "header_charset: not a charset name");
	if (r->left != 0)
		return error_set(r->err, ERR_INVALID, "%zu bytes after the document", r->left);
	return 0;
}

int mail_doc_decode(const unsigned char *p, size_t n, struct mail_doc *doc, struct error *err)
{
	mail_doc_release(doc);
	if (n > MAIL_DOC_MAX_WIRE)
		return error_set(err, ERR_INVALID, "document of %zu bytes is larger than %d", n,
				 MAIL_DOC_MAX_WIRE);
	struct rd r = {p, n, err};
	if (rd_doc(&r, doc) < 0) {
		mail_doc_release(doc);
		return error_prefix(err, "bad document");
	}
	return 0;
}
