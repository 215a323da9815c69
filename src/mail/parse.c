/*
 * parse.c - a message to a struct mail_doc, with GMime 3.2.
 *
 * Runs inside the sandboxed parse worker (and in tests and the fuzz
 * target); every byte is hostile. The order of work:
 *
 *  1. Cheap facts from the raw bytes: NUL bytes, 8-bit header bytes.
 *  2. Limits before GMime sees the body: message size, then scan.c's
 *     bounded walk of the MIME structure (depth, parts, header block
 *     sizes). Over a limit, GMime gets only the top-level header section
 *     (itself cut to max_header_bytes) and the doc says so (MAIL_F_LIMITS,
 *     doc->error).
 *  3. GMime parses from a memory stream over the caller's bytes (no copy;
 *     parts stay substreams of it; the one exception is a header section
 *     that no empty line ends, copied with one inserted where the body
 *     starts). Parser warnings become flags.
 *  4. Header fields are decoded from their raw values: unfolded (RFC 5322
 *     section 2.2.3), charset labels rewritten to supersets (text.c), RFC
 *     2047 / RFC 2231 decoded by GMime with fallback charsets for
 *     undeclared 8-bit text (RFC 6532 UTF-8 first, then GB18030, Big5,
 *     windows-1252).
 *     Raw 8-bit header text gets one charset guess for the whole header
 *     section (text.c), recorded in doc->header_charset.
 *  5. The MIME tree is walked with the same limits again (a safety net for
 *     where scan.c and GMime disagree): part count, depth, attachments
 *     (name, type, decoded size), transfer encodings checked while they
 *     are decoded in bounded chunks (RFC 2045 section 6.7 and 6.8); a
 *     "base64" part holding 8-bit bytes is taken as it is. A multipart
 *     without parts gives its preamble as text.
 *  6. Text (issue 3): the decoded bytes of text parts that are not
 *     attachments become doc->body (charsets, RFC 3676 format=flowed and
 *     HTML by extract.c, text.c, html.c); each attachment's decoded bytes
 *     go to extract.c for its text, members and outcome, unless the
 *     request said MAIL_PARSE_NO_EXTRACT. An attached message's header
 *     lines and text parts become its text. All text shares one budget
 *     (parse.max_text_size) and one deadline (parse.extract_time); the
 *     rules are in doc/search.md, "How messages become text".
 *
 * Invariants: every string put in the doc went through mail_text_clean()
 * (text: mail_text_clean_lines());
 * the doc stays within the MAIL_DOC_MAX_* bounds (anything cut is flagged
 * MAIL_F_LIMITS and named in doc->error); memory is O(message size) and
 * time O(message size x max_depth).
 *
 * Not thread-safe across threads sharing one doc; GMime itself is
 * initialised once per process.
 */
#include "core/utf8.h"
#include "mail/mail_internal.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* doc->error holds at most this many bytes of reasons. */
#define WHY_MAX 1024
/* Content is decoded in chunks of this size. */
#define CHUNK (64 * 1024)

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_init_once(void)
{
	g_mime_init();
}

void mail_gmime_init(void)
{
	pthread_once(&gmime_once, gmime_init_once);
}

/* Undeclared 8-bit header text is tried in this order (GMime keeps the
 * first charset that converts without error). Header fields are decoded
 * with the charset the message declares for its text inserted after UTF-8
 * (what mail readers do: a message's raw header text is almost always in
 * the charset of its body). */
static const char *fallback_charsets[] = {"utf-8", "gb18030", "big5", "windows-1252", NULL};

struct pctx {
	const struct mail_limits *lim;
	struct mail_doc *doc;
	GMimeParserOptions *opts;
	int headers_only; /* the body was not given to GMime */
	int stopped;	  /* the tree walk met a limit */
	uint64_t warned;  /* GMime warning codes already handled */
	struct buf why;	  /* becomes doc->error */
	size_t att_cap;
	uint64_t leaf_bytes; /* decoded bytes of the leaves walked so far */
	char *in, *out;	     /* decoding buffers */
	size_t out_cap;
	int have_subject, have_date, have_id;
	uint32_t popts;	       /* enum mail_parse_opt */
	struct mail_extract x; /* extraction limits and budget */
	struct buf body;       /* doc->body being built */
	struct buf *sink;      /* where text parts go: body, or an attached
				* message's text; NULL: nowhere */
	int sink_cut;	       /* the sink met its bound */
};

static void note(struct pctx *c, uint32_t flag, const char *fmt, ...) CUSTOS_PRINTF(3, 4);
static void note(struct pctx *c, uint32_t flag, const char *fmt, ...)
{
	struct error err = ERROR_INIT;
	char msg[256];
	va_list ap;
	c->doc->flags |= flag;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->why.len > 0 && strstr(buf_cstr(&c->why), msg) != NULL)
		return;
	if (c->why.len + strlen(msg) + 2 > WHY_MAX) {
		if (c->why.len < 4 || strcmp(buf_cstr(&c->why) + c->why.len - 3, "...") != 0)
			buf_append_str(&c->why, "; ...", &err);
		return;
	}
	if (c->why.len > 0)
		buf_append_str(&c->why, "; ", &err);
	buf_append_str(&c->why, msg, &err);
}

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer user)
{
	struct pctx *c = user;
	(void)item;
	if ((unsigned)code < 64) {
		if (c->warned & (1ULL << code))
			return;
		c->warned |= 1ULL << code;
	}
	/* Warnings that flag the message; body: only when the body was
	 * parsed (a header-only parse of a huge message sees no parts).
	 * Others (duplicated or conflicting fields, bad parameters or address
	 * lists, a missing closing delimiter) are usual in real mail and
	 * harmless to the metadata. */
	static const struct {
		GMimeParserWarning code;
		uint32_t flag;
		int body;
		const char *what;
	} flagged[] = {
		{GMIME_WARN_UNENCODED_8BIT_HEADER, MAIL_F_8BIT_HEADERS, 0, NULL},
		{GMIME_WARN_INVALID_RFC2047_HEADER_VALUE, MAIL_F_BAD_ENCODING, 0,
		 "invalid RFC 2047 encoded word"},
		{GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY, MAIL_F_NOT_MIME, 1,
		 "multipart without a boundary parameter"},
		{GMIME_WARN_MALFORMED_MULTIPART, MAIL_F_NOT_MIME, 1, "multipart without parts"},
		{GMIME_WARN_MALFORMED_MESSAGE, MAIL_F_NOT_MIME, 1, "malformed message structure"},
		{GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT, MAIL_F_NOT_MIME, 1,
		 "MIME part without headers or content"},
		{GMIME_CRIT_NESTING_OVERFLOW, MAIL_F_LIMITS, 0,
		 "MIME nesting deeper than GMime's own limit"},
		{GMIME_WARN_INVALID_CONTENT_TYPE, MAIL_F_NOT_MIME, 1, "invalid Content-Type"},
	};
	if (code == GMIME_CRIT_INVALID_HEADER_NAME) {
		note(c, MAIL_F_NOT_MIME, "invalid header field at offset %lld", (long long)offset);
		return;
	}
	for (size_t i = 0; i < sizeof(flagged) / sizeof(flagged[0]); i++) {
		if (flagged[i].code != code)
			continue;
		if (!flagged[i].body || !c->headers_only)
			note(c, flagged[i].flag, flagged[i].what == NULL ? NULL : "%s",
			     flagged[i].what);
		return;
	}
}

/* A cleaned copy of p[0..n) bounded to MAIL_DOC_MAX_STRING; NULL if it
 * cleans to nothing. A cut is flagged and named. */
static char *clean(struct pctx *c, const char *what, const char *p, size_t n)
{
	int cut = 0;
	char *s = mail_text_clean(p, n, MAIL_DOC_MAX_STRING, &cut);
	if (cut)
		note(c, MAIL_F_LIMITS, "%s longer than %d bytes was cut", what,
		     MAIL_DOC_MAX_STRING);
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* The raw value of a field made ready for GMime's decoders: unfolded, the
 * charset labels rewritten, its problems flagged. Caller frees. */
static char *prepare(struct pctx *c, const char *raw, const char *what)
{
	char *unf = g_mime_utils_header_unfold(raw != NULL ? raw : "");
	/* Checked as written: the fix-up merges broken words into clean ones. */
	if (mail_header_encoding_bad(unf))
		note(c, MAIL_F_BAD_ENCODING, "undecodable encoded text in %s", what);
	char *v = mail_charset_fixup(unf);
	if (v == NULL)
		v = xstrdup(unf);
	g_free(unf);
	size_t n = strlen(v);
	if (mail_text_needs_guess(v, n))
		note(c, MAIL_F_CHARSET_GUESSED,
		     "undeclared 8-bit text in %s decoded with a guessed "
		     "charset",
		     what);
	return v;
}

static const char *raw_value(GMimeHeader *h)
{
	const char *v = g_mime_header_get_raw_value(h);
	if (v == NULL)
		v = g_mime_header_get_value(h);
	return v != NULL ? v : "";
}

static int id_usable(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 998 || !utf8_valid(id, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>')
			return 0;
	}
	return 1;
}

static void add_address(struct pctx *c, struct mail_addr_list *l, const char *what,
			const char *name, const char *addr)
{
	if (addr == NULL)
		return;
	char *a = clean(c, what, addr, strlen(addr));
	if (a == NULL)
		return;
	if (l->n >= MAIL_DOC_MAX_ADDRS) {
		note(c, MAIL_F_LIMITS, "more than %d addresses in %s", MAIL_DOC_MAX_ADDRS, what);
		free(a);
		return;
	}
	char *at = strrchr(a, '@');
	for (char *d = at; d != NULL && *d; d++)
		if (*d >= 'A' && *d <= 'Z')
			*d = (char)(*d - 'A' + 'a');
	/* Grows by doubling; the count is bounded above. */
	if ((l->n & (l->n - 1)) == 0)
		l->v = xrealloc(l->v, (l->n ? l->n * 2 : 1) * sizeof(*l->v));
	l->v[l->n].addr = a;
	l->v[l->n].name = name != NULL ? clean(c, what, name, strlen(name)) : NULL;
	l->n++;
}

static void add_addresses(struct pctx *c, struct mail_addr_list *l, const char *what,
			  InternetAddressList *ial, int group_depth)
{
	int n = internet_address_list_length(ial);
	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(ial, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			/* RFC 5322 groups do not nest; GMime's do not either, but
			 * do not trust that. */
			if (group_depth == 0)
				add_addresses(
				    c, l, what,
				    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
				    1);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			add_address(
			    c, l, what, internet_address_get_name(ia),
			    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
		}
	}
}

static void take_field(struct pctx *c, const char *name, const char *raw)
{
	struct mail_doc *doc = c->doc;
	if (!c->have_subject && g_ascii_strcasecmp(name, "Subject") == 0) {
		c->have_subject = 1;
		char *v = prepare(c, raw, "Subject");
		char *d = g_mime_utils_header_decode_text(c->opts, v);
		if (d != NULL)
			doc->subject = clean(c, "Subject", d, strlen(d));
		g_free(d);
		free(v);
		return;
	}
	if (!c->have_date && g_ascii_strcasecmp(name, "Date") == 0) {
		c->have_date = 1;
		char *v = prepare(c, raw, "Date");
		doc->date_raw = clean(c, "Date", v, strlen(v));
		GDateTime *dt = g_mime_utils_header_decode_date(v);
		if (dt != NULL) {
			doc->date = g_date_time_to_unix(dt);
			g_date_time_unref(dt);
		} else {
			note(c, MAIL_F_BAD_DATE, NULL);
		}
		free(v);
		return;
	}
	if (!c->have_id && g_ascii_strcasecmp(name, "Message-ID") == 0) {
		c->have_id = 1;
		char *v = prepare(c, raw, "Message-ID");
		char *id = g_mime_utils_decode_message_id(v);
		if (id != NULL && id_usable(id))
			doc->message_id = xstrdup(id);
		else
			note(c, MAIL_F_NO_MESSAGE_ID, "unusable Message-ID");
		g_free(id);
		free(v);
		return;
	}
	for (size_t i = 0; i < MAIL_DOC_N_LISTS; i++) {
		const char *field = mail_doc_lists[i].field;
		if (g_ascii_strcasecmp(name, field) != 0)
			continue;
		char *v = prepare(c, raw, field);
		InternetAddressList *ial = internet_address_list_parse(c->opts, v);
		if (ial != NULL) {
			add_addresses(c, mail_doc_list_at(doc, i), field, ial, 0);
			g_object_unref(ial);
		}
		free(v);
		return;
	}
}

/* The charset the message declares for its first text part (following
 * the first child of multiparts), usable as a guess for raw 8-bit header
 * text, or NULL. Copied into buf (cap bytes). */
static const char *declared_charset(GMimeMessage *msg, char *buf, size_t cap)
{
	GMimeObject *o = g_mime_message_get_mime_part(msg);
	for (int hops = 0; o != NULL && GMIME_IS_MULTIPART(o) && hops < 8; hops++)
		o = g_mime_multipart_get_count(GMIME_MULTIPART(o)) > 0
			? g_mime_multipart_get_part(GMIME_MULTIPART(o), 0)
			: NULL;
	const char *cs = o != NULL ? g_mime_object_get_content_type_parameter(o, "charset") : NULL;
	if (cs == NULL)
		return NULL;
	size_t n = strlen(cs);
	if (n == 0 || n >= cap || g_ascii_strcasecmp(cs, "utf-8") == 0 ||
	    g_ascii_strcasecmp(cs, "us-ascii") == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(cs[i]) && strchr("-_.:+", cs[i]) == NULL)
			return NULL;
	const char *sup = mail_charset_superset(cs, n);
	snprintf(buf, cap, "%s", sup != NULL ? sup : cs);
	return buf;
}

static int has_8bit(const unsigned char *p, size_t n);

static void take_headers(struct pctx *c, GMimeMessage *m)
{
	GMimeObject *msg = GMIME_OBJECT(m);
	char csbuf[64];
	const char *cs = declared_charset(m, csbuf, sizeof(csbuf));
	GMimeHeaderList *hl = g_mime_object_get_header_list(msg);
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	/* Raw 8-bit header text: one guess for all of it (the declared body
	 * charset as the hint), recorded, and tried first after UTF-8. */
	const char *guess = NULL;
	if (c->doc->flags & MAIL_F_8BIT_HEADERS) {
		struct error err = ERROR_INIT;
		struct buf raw8;
		buf_init(&raw8, (size_t)c->lim->max_header_bytes + 16);
		for (int i = 0; i < n; i++) {
			const char *v = raw_value(g_mime_header_list_get_header_at(hl, i));
			size_t vn = strlen(v);
			if (has_8bit((const unsigned char *)v, vn) &&
			    (buf_append(&raw8, v, vn, &err) < 0 ||
			     buf_append(&raw8, "\n", 1, &err) < 0))
				break;
		}
		if (raw8.len > 0) {
			guess = mail_charset_guess(raw8.data, raw8.len, cs);
			c->doc->header_charset = g_ascii_strdown(guess, -1);
			/* g_ascii_strdown's memory is g_malloc'ed: copy for free(). */
			char *own = xstrdup(c->doc->header_charset);
			g_free(c->doc->header_charset);
			c->doc->header_charset = own;
		}
		buf_release(&raw8);
	}
	if (cs != NULL || guess != NULL) {
		const char *order[] = {"utf-8",
				       guess != NULL ? guess : cs,
				       cs != NULL ? cs : "gb18030",
				       "gb18030",
				       "big5",
				       "windows-1252",
				       NULL};
		g_mime_parser_options_set_fallback_charsets(c->opts, order);
	}
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		if (name != NULL)
			take_field(c, name, raw_value(h));
	}
	if (c->doc->message_id == NULL)
		c->doc->flags |= MAIL_F_NO_MESSAGE_ID;
	if (!c->have_date)
		c->doc->flags |= MAIL_F_BAD_DATE;
}

/* The first raw value of a field of a part, or NULL. */
static const char *part_field(GMimeObject *o, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *hn = g_mime_header_get_name(h);
		if (hn != NULL && g_ascii_strcasecmp(hn, name) == 0)
			return raw_value(h);
	}
	return NULL;
}

/* The part's file name (Content-Disposition filename, else Content-Type
 * name), decoded, or NULL; *attachment_r says if the disposition is
 * "attachment". */
static char *part_filename(struct pctx *c, GMimeObject *o, int *attachment_r)
{
	char *fn = NULL;
	*attachment_r = 0;
	/* Content-Disposition's filename first (k 0), else Content-Type's name. */
	for (int k = 0; k < 2 && fn == NULL; k++) {
		const char *raw = part_field(o, k == 0 ? "Content-Disposition" : "Content-Type");
		if (raw == NULL)
			continue;
		char *v = prepare(c, raw, "a file name");
		const char *p = NULL;
		GObject *parsed = NULL;
		if (k == 0) {
			GMimeContentDisposition *d = g_mime_content_disposition_parse(c->opts, v);
			if (d != NULL) {
				*attachment_r = g_mime_content_disposition_is_attachment(d);
				p = g_mime_content_disposition_get_parameter(d, "filename");
				parsed = G_OBJECT(d);
			}
		} else {
			GMimeContentType *ct = g_mime_content_type_parse(c->opts, v);
			if (ct != NULL) {
				p = g_mime_content_type_get_parameter(ct, "name");
				parsed = G_OBJECT(ct);
			}
		}
		if (p != NULL)
			fn = clean(c, "a file name", p, strlen(p));
		if (parsed != NULL)
			g_object_unref(parsed);
		free(v);
	}
	return fn;
}

/* "type/subtype" in lower case, or application/octet-stream when GMime's
 * idea of it is not a plain token pair. */
static char *content_type_of(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *mt = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	const char *s = mt != NULL ? mt : "";
	size_t n = strlen(s), slashes = 0;
	int ok = n >= 3 && n <= MAIL_DOC_MAX_CONTENT_TYPE;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '/')
			slashes++;
		else if (ch <= 0x20 || ch >= 0x7f || strchr("()<>@,;:\\\"[]?=", ch) != NULL)
			ok = 0;
	}
	char *r = xstrdup(
	    ok && slashes == 1 && s[0] != '/' && s[n - 1] != '/' ? s : "application/octet-stream");
	g_free(mt);
	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

/* Streaming checks of transfer-encoded content (RFC 2045 6.7, 6.8). */
struct enc_check {
	GMimeContentEncoding enc;
	uint64_t chars; /* base64: alphabet characters */
	int pad;	/* base64: '=' seen */
	int state;	/* quoted-printable: after '=' */
	int bad;
};

static int is_hex(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') || (ch >= 'a' && ch <= 'f');
}

static void enc_check_step(struct enc_check *k, const unsigned char *p, size_t n)
{
	if (k->enc == GMIME_CONTENT_ENCODING_BASE64) {
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = p[i];
			if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/') {
				if (k->pad)
					k->bad = 1; /* data after the padding */
				k->chars++;
			} else if (ch == '=') {
				k->pad = 1;
			} else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
				k->bad = 1;
			}
		}
	} else if (k->enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		/* state 0: text; 1: after '='; 2: after '=' and one hex digit;
		 * 3: after '=' and white space (a soft break must follow). */
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = p[i];
			switch (k->state) {
			case 0:
				if (ch == '=')
					k->state = 1;
				break;
			case 1:
				if (is_hex(ch))
					k->state = 2;
				else if (ch == '\n')
					k->state = 0;
				else if (ch == ' ' || ch == '\t' || ch == '\r')
					k->state = 3;
				else {
					k->bad = 1;
					k->state = ch == '=' ? 1 : 0;
				}
				break;
			case 2:
				if (!is_hex(ch))
					k->bad = 1;
				k->state = ch == '=' && !is_hex(ch) ? 1 : 0;
				break;
			default:
				if (ch == '\n')
					k->state = 0;
				else if (ch != ' ' && ch != '\t' && ch != '\r') {
					k->bad = 1;
					k->state = 0;
				}
				break;
			}
		}
	}
}

static void enc_check_end(struct enc_check *k)
{
	if (k->enc == GMIME_CONTENT_ENCODING_BASE64 && k->chars % 4 == 1)
		k->bad = 1;
	if (k->enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE && k->state == 2)
		k->bad = 1;
}

/* 1 if what is left of the stream holds a byte >= 0x80; the stream is
 * left where it was. */
static int rest_has_8bit(GMimeStream *st)
{
	gint64 pos = g_mime_stream_tell(st);
	unsigned char tmp[4096];
	int found = 0;
	for (;;) {
		ssize_t r = g_mime_stream_read(st, (char *)tmp, sizeof(tmp));
		if (r <= 0 || (found = has_8bit(tmp, (size_t)r)))
			break;
	}
	if (pos >= 0)
		g_mime_stream_seek(st, pos, GMIME_STREAM_SEEK_SET);
	return found;
}

/* Decodes transfer-encoded content in bounded chunks: its decoded size,
 * and its transfer encoding checked. With keep (empty on entry), the
 * decoded bytes are also kept there up to its maximum (*over_r set when
 * they did not fit).
 *
 * Content labelled base64 that holds a byte >= 0x80 is not base64 at all
 * (8-bit text sent with a wrong label, common in Chinese spam): it is
 * taken as it is, flagged MAIL_F_BAD_ENCODING (doc/search.md, "Text
 * parts"). The check costs a pass only when the decoding stumbles: the
 * base64 check meets a character outside the alphabet. */
static uint64_t decode_stream(struct pctx *c, GMimeStream *st, GMimeContentEncoding enc,
			      struct buf *keep, int *over_r)
{
	struct error err = ERROR_INIT;
	int decode = enc == GMIME_CONTENT_ENCODING_BASE64 ||
		     enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
		     enc == GMIME_CONTENT_ENCODING_UUENCODE;
	GMimeEncoding state;
	struct enc_check k = {.enc = enc};
	uint64_t size = 0;
	int over0 = over_r != NULL ? *over_r : 0, checked = 0;
	g_mime_encoding_init_decode(&state, enc);
	size_t need = g_mime_encoding_outlen(&state, CHUNK) + 16;
	if (need > c->out_cap) {
		free(c->out);
		c->out = xmalloc(need);
		c->out_cap = need;
	}
	if (g_mime_stream_reset(st) < 0)
		return 0;
	for (;;) {
		ssize_t r = g_mime_stream_read(st, c->in, CHUNK);
		if (r <= 0)
			break;
		enc_check_step(&k, (const unsigned char *)c->in, (size_t)r);
		/* The chunks before this one were clean base64: this one and
		 * the rest need a look, once. */
		if (k.bad && !checked && enc == GMIME_CONTENT_ENCODING_BASE64) {
			checked = 1;
			if (has_8bit((const unsigned char *)c->in, (size_t)r) ||
			    rest_has_8bit(st)) {
				note(c, MAIL_F_BAD_ENCODING,
				     "8-bit content labelled base64 taken as it is");
				if (keep != NULL) {
					buf_reset(keep);
					*over_r = over0;
				}
				return decode_stream(c, st, GMIME_CONTENT_ENCODING_8BIT, keep,
						     over_r);
			}
		}
		size_t got =
		    decode ? g_mime_encoding_step(&state, c->in, (size_t)r, c->out) : (size_t)r;
		if (keep != NULL && !*over_r &&
		    buf_append(keep, decode ? c->out : c->in, got, &err) < 0)
			*over_r = 1;
		size += got;
	}
	if (decode) {
		size_t got = g_mime_encoding_flush(&state, c->in, 0, c->out);
		if (keep != NULL && !*over_r && buf_append(keep, c->out, got, &err) < 0)
			*over_r = 1;
		size += got;
	}
	enc_check_end(&k);
	if (k.bad)
		note(c, MAIL_F_BAD_ENCODING, "broken %s content",
		     enc == GMIME_CONTENT_ENCODING_BASE64 ? "base64" : "quoted-printable");
	return size;
}

/* A leaf's decoded size (and bytes, into keep), as decode_stream(). */
static uint64_t leaf_size(struct pctx *c, GMimePart *part, struct buf *keep, int *over_r)
{
	const char *cte = part_field(GMIME_OBJECT(part), "Content-Transfer-Encoding");
	if (cte != NULL && g_mime_part_get_content_encoding(part) == GMIME_CONTENT_ENCODING_DEFAULT)
		note(c, MAIL_F_BAD_ENCODING, "unknown Content-Transfer-Encoding");
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *st = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	if (st == NULL)
		return 0;
	return decode_stream(c, st, g_mime_data_wrapper_get_encoding(dw), keep, over_r);
}

/* Records an attachment; returns its index, or SIZE_MAX past the bound. */
static size_t add_attachment(struct pctx *c, GMimeObject *o, char *filename)
{
	struct mail_doc *doc = c->doc;
	if (doc->n_att >= MAIL_DOC_MAX_ATTACHMENTS) {
		note(c, MAIL_F_LIMITS, "more than %d attachments", MAIL_DOC_MAX_ATTACHMENTS);
		free(filename);
		return SIZE_MAX;
	}
	if (doc->n_att == c->att_cap) {
		c->att_cap = c->att_cap ? c->att_cap * 2 : 4;
		doc->att = xrealloc(doc->att, c->att_cap * sizeof(*doc->att));
	}
	struct mail_attachment *a = &doc->att[doc->n_att];
	a->filename = filename;
	a->content_type = content_type_of(o);
	a->size = 0;
	a->text = NULL;
	a->extract = NULL;
	a->members = NULL;
	a->n_members = 0;
	return doc->n_att++;
}

/* Appends a piece of text (cleaned here) to a sink, after a blank line
 * when the sink holds text already; bounded by the sink's maximum and the
 * message's text budget, a cut flagged and named. */
static void sink_add(struct pctx *c, struct buf *sink, const char *p, size_t n, const char *what)
{
	struct error err = ERROR_INIT;
	if (sink == NULL || n == 0)
		return;
	size_t sep = sink->len > 0 ? 2 : 0;
	uint64_t room = sink->max - sink->len;
	if (room > c->x.text_left)
		room = c->x.text_left;
	int cut = 0;
	char *t = mail_text_clean_lines(p, n, room > sep ? (size_t)room - sep : 0, &cut);
	size_t len = strlen(t);
	if (len > 0 && buf_append(sink, "\n\n", sep, &err) == 0 &&
	    buf_append(sink, t, len, &err) == 0)
		c->x.text_left -= sep + len;
	if (cut) {
		c->sink_cut = 1;
		note(c, MAIL_F_LIMITS, "text of %s cut at the text limit", what);
	}
	free(t);
}

/* What the part's Content-Type says about its text. */
static void part_info(GMimeObject *o, const char *ctype, const char *fn, struct mail_part_info *pi)
{
	const char *cs = g_mime_object_get_content_type_parameter(o, "charset");
	const char *f = g_mime_object_get_content_type_parameter(o, "format");
	const char *d = g_mime_object_get_content_type_parameter(o, "delsp");
	pi->content_type = ctype;
	pi->filename = fn;
	pi->charset = cs != NULL && strlen(cs) < 64 ? cs : NULL;
	pi->flowed = f != NULL && g_ascii_strcasecmp(f, "flowed") == 0;
	pi->delsp = d != NULL && g_ascii_strcasecmp(d, "yes") == 0;
}

static void text_flags(struct pctx *c, uint32_t fl, const char *what)
{
	if (fl & MAIL_F_CHARSET_GUESSED)
		note(c, MAIL_F_CHARSET_GUESSED,
		     "undeclared 8-bit text in %s decoded with a guessed charset", what);
	if (fl & MAIL_F_BAD_ENCODING)
		note(c, MAIL_F_BAD_ENCODING, "bytes invalid in the charset of %s", what);
}

/* The decoded bytes of a text part of the body (raw; over: they were cut
 * at the input limit) as text into the sink: charset, format=flowed and
 * HTML by mail_text_part(), with the part's Content-Type parameters. */
static void text_to_sink(struct pctx *c, GMimeObject *o, const char *ctype, const struct buf *raw,
			 int over, const char *what)
{
	if (over)
		note(c, MAIL_F_LIMITS, "a text part larger than %llu bytes was cut",
		     (unsigned long long)mail_lim_input(c->lim));
	uint64_t room = c->sink->max - c->sink->len;
	if (room > c->x.text_left)
		room = c->x.text_left;
	struct buf t;
	buf_init(&t, (size_t)room);
	struct mail_part_info pi;
	uint32_t fl = 0;
	part_info(o, ctype, NULL, &pi);
	if (mail_text_part(&pi, (const unsigned char *)buf_cstr(raw), raw->len, &t, &fl))
		note(c, MAIL_F_LIMITS, "text of the body cut at the text limit");
	text_flags(c, fl, what);
	sink_add(c, c->sink, buf_cstr(&t), t.len, "the body");
	buf_release(&t);
}

/* A leaf that is not an attachment: its size, and its text (text/ types)
 * into the sink. */
static void body_leaf(struct pctx *c, GMimeObject *o)
{
	char *ctype = content_type_of(o);
	if (strncmp(ctype, "text/", 5) != 0 || c->sink == NULL) {
		c->leaf_bytes += leaf_size(c, GMIME_PART(o), NULL, NULL);
		free(ctype);
		return;
	}
	struct buf raw;
	int over = 0;
	buf_init(&raw, (size_t)mail_lim_input(c->lim));
	c->leaf_bytes += leaf_size(c, GMIME_PART(o), &raw, &over);
	text_to_sink(c, o, ctype, &raw, over, "a text part");
	buf_release(&raw);
	free(ctype);
}

/* A multipart without any part (its boundary never appears, or only its
 * closing delimiter does): GMime keeps what it holds as the preamble,
 * which is then the text of the message (doc/search.md, "Text parts"):
 * a text/plain part with the multipart's charset parameter and transfer
 * encoding. */
static void childless_multipart(struct pctx *c, GMimeObject *o)
{
	const char *pre = g_mime_multipart_get_prologue(GMIME_MULTIPART(o));
	if (c->sink == NULL || pre == NULL || pre[0] == '\0')
		return;
	const char *cte = part_field(o, "Content-Transfer-Encoding");
	GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
	if (cte != NULL) {
		char *v = g_strstrip(g_strdup(cte));
		enc = g_mime_content_encoding_from_string(v);
		g_free(v);
	}
	struct buf raw;
	int over = 0;
	buf_init(&raw, (size_t)mail_lim_input(c->lim));
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(pre, strlen(pre));
	c->leaf_bytes += decode_stream(c, st, enc, &raw, &over);
	g_object_unref(st);
	text_to_sink(c, o, "text/plain", &raw, over, "a multipart without parts");
	buf_release(&raw);
}

static void set_outcome(struct mail_attachment *a, enum mail_outcome o)
{
	free(a->extract);
	a->extract = xstrdup(mail_outcome_name(o));
}

/* At least how many bytes the part decodes to, from its encoded length
 * (0 when unknown). */
static uint64_t encoded_estimate(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *st = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	gint64 len = st != NULL ? g_mime_stream_length(st) : -1;
	if (len <= 0)
		return 0;
	switch (g_mime_data_wrapper_get_encoding(dw)) {
	case GMIME_CONTENT_ENCODING_BASE64:
		return (uint64_t)len / 100 * 70; /* 3/4, less line ends and slack */
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_UUENCODE:
		return (uint64_t)len / 3;
	default:
		return (uint64_t)len;
	}
}

/* An attached leaf: its size, and its text and members when extracting. */
static void attachment_leaf(struct pctx *c, GMimeObject *o, size_t idx)
{
	struct mail_doc *doc = c->doc;
	if (idx == SIZE_MAX || (c->popts & MAIL_PARSE_NO_EXTRACT)) {
		uint64_t size = leaf_size(c, GMIME_PART(o), NULL, NULL);
		c->leaf_bytes += size;
		if (idx != SIZE_MAX) {
			doc->att[idx].size = size;
			set_outcome(&doc->att[idx], MAIL_X_SKIPPED);
		}
		return;
	}
	struct buf raw, t;
	int over = 0;
	/* Images, sound, video and fonts hold no text: not copied at all; nor
	 * what is certainly larger than the input limit. */
	const char *ct = doc->att[idx].content_type;
	int media = strncmp(ct, "image/", 6) == 0 || strncmp(ct, "audio/", 6) == 0 ||
		    strncmp(ct, "video/", 6) == 0 || strncmp(ct, "font/", 5) == 0;
	if (!media && encoded_estimate(GMIME_PART(o)) > mail_lim_input(c->lim))
		over = 1;
	buf_init(&raw, (size_t)mail_lim_input(c->lim));
	uint64_t size = leaf_size(c, GMIME_PART(o), media || over ? NULL : &raw, &over);
	c->leaf_bytes += size;
	struct mail_attachment *a = &doc->att[idx];
	a->size = size;
	if (media) {
		set_outcome(a, MAIL_X_NONE);
		buf_release(&raw);
		return;
	}
	enum mail_outcome res;
	uint64_t room = mail_lim_att_text(c->lim);
	if (room > c->x.text_left)
		room = c->x.text_left;
	buf_init(&t, (size_t)room);
	if (over) {
		res = MAIL_X_LIMITS;
	} else {
		struct mail_part_info pi;
		part_info(o, a->content_type, a->filename, &pi);
		c->x.flags = 0;
		res = mail_extract_attachment(&c->x, &pi, (const unsigned char *)buf_cstr(&raw),
					      raw.len, &t, &a->members, &a->n_members);
		text_flags(c, c->x.flags, "an attachment");
	}
	int cut = 0;
	char *text = mail_text_clean_lines(buf_cstr(&t), t.len, (size_t)room, &cut);
	size_t len = strlen(text);
	if (len == 0) {
		free(text);
		text = NULL;
	}
	a->text = text;
	c->x.text_left -= len;
	for (size_t i = 0; i < a->n_members; i++) {
		size_t l = strlen(a->members[i]);
		c->x.text_left -= l < c->x.text_left ? l : c->x.text_left;
	}
	if (cut && res == MAIL_X_OK)
		res = MAIL_X_LIMITS;
	if (res == MAIL_X_OK && text == NULL)
		res = MAIL_X_EMPTY;
	if (res == MAIL_X_LIMITS && !over)
		note(c, MAIL_F_LIMITS,
		     "attachment text not extracted in full (a size or text limit)");
	else if (res == MAIL_X_TIMEOUT)
		note(c, MAIL_F_LIMITS, "attachment text extraction ran out of time");
	set_outcome(a, res);
	buf_release(&t);
	buf_release(&raw);
}

/* The Subject, From, To and Cc lines of an attached message, decoded. */
static void message_header_text(struct pctx *c, GMimeMessage *m, struct buf *sink)
{
	struct error err = ERROR_INIT;
	struct buf h;
	buf_init(&h, MAIL_DOC_MAX_STRING * 8);
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(hd);
		if (name == NULL)
			continue;
		if (g_ascii_strcasecmp(name, "Subject") == 0) {
			char *v = prepare(c, raw_value(hd), "Subject");
			char *d = g_mime_utils_header_decode_text(c->opts, v);
			buf_printf(&h, &err, "Subject: %s\n", d != NULL ? d : "");
			g_free(d);
			free(v);
		} else if (g_ascii_strcasecmp(name, "From") == 0 ||
			   g_ascii_strcasecmp(name, "To") == 0 ||
			   g_ascii_strcasecmp(name, "Cc") == 0) {
			char *v = prepare(c, raw_value(hd), name);
			InternetAddressList *ial = internet_address_list_parse(c->opts, v);
			struct mail_addr_list l = {NULL, 0};
			if (ial != NULL) {
				add_addresses(c, &l, name, ial, 0);
				g_object_unref(ial);
			}
			buf_printf(&h, &err, "%s:", name);
			for (size_t k = 0; k < l.n; k++) {
				if (l.v[k].name != NULL)
					buf_printf(&h, &err, "%s %s <%s>", k ? "," : "",
						   l.v[k].name, l.v[k].addr);
				else
					buf_printf(&h, &err, "%s %s", k ? "," : "", l.v[k].addr);
				free(l.v[k].name);
				free(l.v[k].addr);
			}
			free(l.v);
			buf_append_byte(&h, '\n', &err);
			free(v);
		}
	}
	sink_add(c, sink, buf_cstr(&h), h.len, "an attached message");
	buf_release(&h);
}

static void walk(struct pctx *c, GMimeObject *o, uint32_t depth)
{
	struct mail_doc *doc = c->doc;
	if (c->stopped || o == NULL)
		return;
	if (doc->n_parts >= c->lim->max_parts) {
		c->stopped = 1;
		note(c, MAIL_F_LIMITS, "more than %u MIME parts: the rest was not parsed",
		     c->lim->max_parts);
		return;
	}
	doc->n_parts++;
	if (depth > doc->depth)
		doc->depth = depth;
	if (depth > c->lim->max_depth) {
		c->stopped = 1;
		note(c, MAIL_F_LIMITS,
		     "MIME nesting deeper than %u levels: the rest was not parsed",
		     c->lim->max_depth);
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);
		if (n == 0)
			childless_multipart(c, o);
		for (int i = 0; i < n && !c->stopped; i++)
			walk(c, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		/* An attached message: listed when it is an attachment, with the
		 * decoded size of its parts and, as its text, its header lines
		 * and text parts; its attachments are listed on their own. An
		 * inline message's text goes where the text around it goes. */
		int attachment;
		char *fn = part_filename(c, o, &attachment);
		int is_att = fn != NULL || attachment;
		size_t idx = is_att ? add_attachment(c, o, fn) : SIZE_MAX;
		uint64_t before = c->leaf_bytes;
		struct buf *saved = c->sink, t;
		int saved_cut = c->sink_cut;
		buf_init(&t, (size_t)mail_lim_att_text(c->lim));
		if (is_att)
			c->sink = idx == SIZE_MAX || (c->popts & MAIL_PARSE_NO_EXTRACT) ? NULL : &t;
		c->sink_cut = 0;
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (m != NULL && c->sink != NULL)
			message_header_text(c, m, c->sink);
		if (m != NULL)
			walk(c, g_mime_message_get_mime_part(m), depth + 1);
		int cut = c->sink_cut;
		c->sink = saved;
		c->sink_cut = saved_cut || (!is_att && cut);
		if (idx != SIZE_MAX) {
			struct mail_attachment *a = &doc->att[idx];
			a->size = c->leaf_bytes - before;
			if (c->popts & MAIL_PARSE_NO_EXTRACT) {
				set_outcome(a, MAIL_X_SKIPPED);
			} else {
				a->text = t.len > 0 ? xstrdup((const char *)t.data) : NULL;
				set_outcome(a, cut		 ? MAIL_X_LIMITS
					       : a->text != NULL ? MAIL_X_OK
								 : MAIL_X_EMPTY);
			}
		}
		buf_release(&t);
	} else if (GMIME_IS_PART(o)) {
		int attachment;
		char *fn = part_filename(c, o, &attachment);
		if (fn != NULL || attachment)
			attachment_leaf(c, o, add_attachment(c, o, fn));
		else
			body_leaf(c, o);
	}
}

static int has_8bit(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return 1;
	return 0;
}

/* The top-level header section alone, cut to max_header_bytes at a line
 * end, followed by the empty line. Caller frees. */
static unsigned char *headers_only_copy(const unsigned char *m, size_t hlen, uint64_t max,
					size_t *len_r)
{
	size_t keep = hlen;
	if (keep > max) {
		keep = (size_t)max;
		while (keep > 0 && m[keep - 1] != '\n')
			keep--;
	}
	unsigned char *h = xmalloc(keep + 2);
	memcpy(h, m, keep);
	size_t len = keep;
	if (len > 0 && h[len - 1] != '\n')
		h[len++] = '\n';
	h[len++] = '\n';
	*len_r = len;
	return h;
}

/* A header section that no empty line ends: where the body starts, at the
 * first line that is neither a field nor a continuation line (what
 * RFC 5322 readers do; GMime would skip such lines as broken fields and
 * take the whole message as its header section). 0 when there is none. */
static size_t unended_header(const unsigned char *m, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const unsigned char *nl = memchr(m + i, '\n', n - i);
		size_t e = nl != NULL ? (size_t)(nl - m) : n;
		size_t len = e > i && m[e - 1] == '\r' ? e - 1 - i : e - i;
		if (i > 0 && m[i] != ' ' && m[i] != '\t' && !mail_is_field_line(m + i, len))
			return i;
		i = e + 1;
	}
	return 0;
}

/* A copy of m[0..n) with an empty line (the line end of the line before
 * it) inserted at offset at. Caller frees. */
static unsigned char *with_empty_line(const unsigned char *m, size_t n, size_t at, size_t *n_r)
{
	size_t eol = at >= 2 && m[at - 2] == '\r' ? 2 : 1;
	unsigned char *f = xmalloc(n + eol);
	memcpy(f, m, at);
	memcpy(f + at, eol == 2 ? "\r\n" : "\n", eol);
	memcpy(f + at + eol, m + at, n - at);
	*n_r = n + eol;
	return f;
}

int mail_parse(const unsigned char *p, size_t n, const struct mail_limits *lim,
	       struct mail_doc *doc, struct error *err)
{
	return mail_parse_opts(p, n, lim, 0, doc, err);
}

int mail_parse_opts(const unsigned char *p, size_t n, const struct mail_limits *lim, uint32_t opts,
		    struct mail_doc *doc, struct error *err)
{
	struct pctx c;
	(void)err;
	if (p == NULL) {
		p = (const unsigned char *)"";
		n = 0;
	}
	mail_doc_release(doc);
	mail_gmime_init();
	memset(&c, 0, sizeof(c));
	c.lim = lim;
	c.doc = doc;
	c.popts = opts;
	buf_init(&c.why, WHY_MAX + 16);
	c.x.lim = lim;
	c.x.text_left = mail_lim_text(lim);
	c.x.deadline_ms = mail_now_ms() + mail_lim_extract_ms(lim);
	buf_init(&c.body, (size_t)mail_lim_text(lim));
	c.sink = &c.body;

	if (n > 0 && memchr(p, 0, n) != NULL)
		doc->flags |= MAIL_F_NUL_BYTES;
	size_t start = mail_header_start(p, n);
	const unsigned char *m = p + start;
	size_t mn = n - start, body;
	size_t hlen = mail_header_len(m, mn, &body);
	unsigned char *fixed = NULL;
	if (hlen == mn && n <= lim->max_message_size) { /* no empty line */
		size_t at = unended_header(m, mn);
		if (at > 0) {
			fixed = with_empty_line(m, mn, at, &mn);
			m = fixed;
			hlen = mail_header_len(m, mn, &body);
			note(&c, MAIL_F_NOT_MIME,
			     "no empty line after the header section: the body starts at "
			     "offset %zu",
			     start + at);
		}
	}
	if (has_8bit(m, hlen < lim->max_header_bytes ? hlen : lim->max_header_bytes))
		doc->flags |= MAIL_F_8BIT_HEADERS;

	if (n > lim->max_message_size) {
		c.headers_only = 1;
		note(&c, MAIL_F_LIMITS,
		     "message of %zu bytes is larger than %llu: only the header section was parsed",
		     n, (unsigned long long)lim->max_message_size);
	} else if (mn > G_MAXUINT) {
		c.headers_only = 1;
		note(&c, MAIL_F_LIMITS,
		     "message larger than 4 GiB: only the header section was "
		     "parsed");
	} else {
		struct mail_scan s;
		mail_scan_structure(m, mn, lim, &s);
		if (s.header_8bit)
			doc->flags |= MAIL_F_8BIT_HEADERS;
		if (s.over) {
			c.headers_only = 1;
			note(&c, MAIL_F_LIMITS, "%s: only the header section was parsed", s.why);
		}
	}

	unsigned char *copy = NULL;
	const unsigned char *data = m;
	size_t len = mn;
	if (c.headers_only) {
		copy = headers_only_copy(m, hlen, lim->max_header_bytes, &len);
		data = copy;
	}

	c.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(c.opts, fallback_charsets);
	g_mime_parser_options_set_warning_callback(c.opts, on_warning, &c);
	c.in = xmalloc(CHUNK);
	/* A read-only memory stream over the bytes, without copying them:
	 * the stream does not own the array, and the array is freed with
	 * free_segment FALSE, after every GMime object that could read it. */
	GByteArray *arr = g_byte_array_new_take((guint8 *)data, len);
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, c.opts);
	if (msg == NULL) {
		note(&c, MAIL_F_NOT_MIME, "GMime found no message");
		doc->flags |= MAIL_F_NO_MESSAGE_ID | MAIL_F_BAD_DATE;
	} else {
		take_headers(&c, msg);
		if (!c.headers_only)
			walk(&c, g_mime_message_get_mime_part(msg), 0);
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_byte_array_free(arr, FALSE);
	g_mime_parser_options_free(c.opts);
	free(c.in);
	free(c.out);
	free(copy);
	free(fixed);
	if (c.body.len > 0)
		doc->body = (char *)buf_detach(&c.body, NULL);
	buf_release(&c.body);
	if (c.why.len > 0)
		doc->error =
		    mail_text_clean((const char *)c.why.data, c.why.len, MAIL_DOC_MAX_STRING, NULL);
	buf_release(&c.why);
	return 0;
}
