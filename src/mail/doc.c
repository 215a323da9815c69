/*
 * doc.c - struct mail_doc: lifecycle, the JSON form for people and tools
 * (custos parse), address normalisation. The worker protocol sends the doc
 * in a binary encoding instead (wire.c).
 *
 * The JSON form (RFC 8259, UTF-8) of a doc, version 2:
 *
 *   {"v":2, "flags":N, "message_id":S, "date":N, "date_raw":S, "subject":S,
 *    "from":[{"addr":S,"name":S}...], "to":[...], "cc":[...], "bcc":[...],
 *    "reply_to":[...],
 *    "attachments":[{"filename":S,"content_type":S,"size":N,"text":T,
 *                    "extract":S,"members":[S...]}...],
 *    "n_parts":N, "depth":N, "error":S, "body":T, "header_charset":S}
 *
 * T is text: up to MAIL_DOC_MAX_TEXT bytes, line ends (LF) and tabs
 * allowed, no other control character. Version 2 added body, text,
 * extract, members and header_charset (issue 3).
 *
 * Strings that are NULL in the doc are left out; "v", "flags", "date",
 * "n_parts" and "depth" are always there. New fields get new keys; the
 * version only moves when a key changes meaning. Nothing reads this form
 * back: the trust boundary is mail_doc_decode() (wire.c).
 */
#include "mail/mail.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/xalloc.h"
#include "core/utf8.h"
#include "mail/mail_internal.h"

#define JSON_VERSION 2

const struct mail_doc_list mail_doc_lists[MAIL_DOC_N_LISTS] = {
    {"from", "From", offsetof(struct mail_doc, from)},
    {"to", "To", offsetof(struct mail_doc, to)},
    {"cc", "Cc", offsetof(struct mail_doc, cc)},
    {"bcc", "Bcc", offsetof(struct mail_doc, bcc)},
    {"reply_to", "Reply-To", offsetof(struct mail_doc, reply_to)},
};

struct mail_addr_list *mail_doc_list_at(struct mail_doc *doc, size_t i)
{
	return (struct mail_addr_list *)((char *)doc + mail_doc_lists[i].offset);
}

const struct mail_addr_list *mail_doc_list_at_c(const struct mail_doc *doc, size_t i)
{
	return (const struct mail_addr_list *)((const char *)doc + mail_doc_lists[i].offset);
}

void mail_doc_init(struct mail_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
}

static void addr_list_release(struct mail_addr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addr);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void mail_doc_drop_attachments(struct mail_doc *doc)
{
	for (size_t i = 0; i < doc->n_att; i++) {
		struct mail_attachment *a = &doc->att[i];
		free(a->filename);
		free(a->content_type);
		free(a->text);
		free(a->extract);
		for (size_t k = 0; k < a->n_members; k++)
			free(a->members[k]);
		free(a->members);
	}
	free(doc->att);
	doc->att = NULL;
	doc->n_att = 0;
}

void mail_doc_release(struct mail_doc *doc)
{
	free(doc->message_id);
	free(doc->date_raw);
	free(doc->subject);
	for (size_t i = 0; i < MAIL_DOC_N_LISTS; i++)
		addr_list_release(mail_doc_list_at(doc, i));
	mail_doc_drop_attachments(doc);
	free(doc->error);
	free(doc->body);
	free(doc->header_charset);
	mail_doc_init(doc);
}

const char *mail_flag_name(uint32_t bit)
{
	switch (bit) {
	case MAIL_F_NOT_MIME:
		return "not_mime";
	case MAIL_F_LIMITS:
		return "limits";
	case MAIL_F_NO_MESSAGE_ID:
		return "no_message_id";
	case MAIL_F_8BIT_HEADERS:
		return "8bit_headers";
	case MAIL_F_BAD_DATE:
		return "bad_date";
	case MAIL_F_NUL_BYTES:
		return "nul_bytes";
	case MAIL_F_PARSE_FAILED:
		return "parse_failed";
	case MAIL_F_CHARSET_GUESSED:
		return "charset_guessed";
	case MAIL_F_BAD_ENCODING:
		return "bad_encoding";
	default:
		return NULL;
	}
}

void mail_limits_init(struct mail_limits *lim, const struct config *cfg)
{
	/* The configuration table bounds every value (config.c). */
	lim->max_message_size = (uint64_t)cfg->parse_max_message_size;
	lim->max_depth = (uint32_t)cfg->parse_max_depth;
	lim->max_parts = (uint32_t)cfg->parse_max_parts;
	lim->max_header_bytes = (uint64_t)cfg->parse_max_header_bytes;
	lim->timeout_s = (uint32_t)cfg->parse_timeout;
	lim->memory = (uint64_t)cfg->parse_memory;
	lim->recycle_after = (uint32_t)cfg->parse_recycle_after;
	lim->max_text_size = (uint64_t)cfg->parse_max_text_size;
	lim->max_attachment_text = (uint64_t)cfg->parse_max_attachment_text;
	lim->max_extract_input = (uint64_t)cfg->parse_max_extract_input;
	lim->zip_max_members = (uint32_t)cfg->parse_zip_max_members;
	lim->zip_max_ratio = (uint32_t)cfg->parse_zip_max_ratio;
	lim->zip_max_size = (uint64_t)cfg->parse_zip_max_size;
	lim->extract_time_s = (uint32_t)cfg->parse_extract_time;
}

/* --- to JSON --------------------------------------------------------- */

static int set_str(json_t *o, const char *key, const char *s)
{
	if (s == NULL)
		return 0;
	json_t *v = json_stringn(s, strlen(s)); /* NULL if not UTF-8 */
	return v != NULL && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static json_t *addrs_to_json(const struct mail_addr_list *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < l->n; i++) {
		json_t *o = json_object();
		if (o == NULL || set_str(o, "addr", l->v[i].addr) < 0 ||
		    set_str(o, "name", l->v[i].name) < 0) {
			json_decref(o);
			o = NULL;
		}
		/* append_new takes o, also when it fails */
		if (o == NULL || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

struct dump_ctx {
	struct buf *out;
	struct error *err;
	int failed;
};

static int dump_cb(const char *p, size_t n, void *data)
{
	struct dump_ctx *d = data;
	if (buf_append(d->out, p, n, d->err) < 0) {
		d->failed = 1;
		return -1;
	}
	return 0;
}

int mail_doc_to_json(const struct mail_doc *doc, struct buf *out, struct error *err)
{
	json_t *o = json_object();
	if (o == NULL)
		return error_set(err, ERR_NOMEM, "out of memory");
	int bad = json_object_set_new(o, "v", json_integer(JSON_VERSION)) < 0 ||
		  json_object_set_new(o, "flags", json_integer(doc->flags)) < 0 ||
		  set_str(o, "message_id", doc->message_id) < 0 ||
		  json_object_set_new(o, "date", json_integer(doc->date)) < 0 ||
		  set_str(o, "date_raw", doc->date_raw) < 0 ||
		  set_str(o, "subject", doc->subject) < 0;
	for (size_t i = 0; !bad && i < MAIL_DOC_N_LISTS; i++) {
		json_t *a = addrs_to_json(mail_doc_list_at_c(doc, i));
		bad = a == NULL || json_object_set_new(o, mail_doc_lists[i].name, a) < 0;
	}
	json_t *atts = bad ? NULL : json_array();
	bad = bad || atts == NULL;
	for (size_t i = 0; !bad && i < doc->n_att; i++) {
		const struct mail_attachment *at = &doc->att[i];
		json_t *a = json_object();
		bad = a == NULL || set_str(a, "filename", at->filename) < 0 ||
		      set_str(a, "content_type", at->content_type) < 0 || at->size > INT64_MAX ||
		      json_object_set_new(a, "size", json_integer((json_int_t)at->size)) < 0 ||
		      set_str(a, "text", at->text) < 0 || set_str(a, "extract", at->extract) < 0;
		if (!bad && at->n_members > 0) {
			json_t *m = json_array();
			bad = m == NULL;
			for (size_t k = 0; !bad && k < at->n_members; k++)
				bad = json_array_append_new(
					  m, json_stringn(at->members[k], strlen(at->members[k]))) <
				      0;
			if (bad)
				json_decref(m);
			else
				bad = json_object_set_new(a, "members", m) < 0; /* takes m */
		}
		if (bad)
			json_decref(a);
		else
			bad = json_array_append_new(atts, a) < 0; /* takes a */
	}
	if (!bad) {
		bad = json_object_set_new(o, "attachments", atts) < 0;
		atts = NULL;
	}
	json_decref(atts);
	bad = bad || json_object_set_new(o, "n_parts", json_integer(doc->n_parts)) < 0 ||
	      json_object_set_new(o, "depth", json_integer(doc->depth)) < 0 ||
	      set_str(o, "error", doc->error) < 0 || set_str(o, "body", doc->body) < 0 ||
	      set_str(o, "header_charset", doc->header_charset) < 0;
	if (bad) {
		json_decref(o);
		return error_set(err, ERR_INVALID, "document holds a string that is not UTF-8");
	}
	struct dump_ctx d = {out, err, 0};
	int rc = json_dump_callback(o, dump_cb, &d, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc < 0) {
		if (!d.failed)
			error_set(err, ERR_INTERNAL, "cannot write the document as JSON");
		return -1;
	}
	return 0;
}

/* --- addresses -------------------------------------------------------- */

char *mail_addr_normalize(const char *addr)
{
	if (addr == NULL)
		return NULL;
	size_t n = strlen(addr);
	while (n > 0 && strchr(" \t\r\n", addr[n - 1]) != NULL)
		n--;
	while (n > 0 && strchr(" \t\r\n", addr[0]) != NULL) {
		addr++;
		n--;
	}
	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		addr++;
		n -= 2;
	}
	/* RFC 5321: 64 for the local part, 255 for the domain. */
	if (n < 3 || n > 320 || !utf8_valid(addr, n))
		return NULL;
	const char *at = NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';')
			return NULL;
		if (c == '@')
			at = addr + i;
	}
	if (at == NULL || at == addr || at == addr + n - 1)
		return NULL;
	/* The domain: dot-separated non-empty labels, or an address literal. */
	const char *d = at + 1, *end = addr + n;
	if (*d == '.' || end[-1] == '.' || memmem(d, (size_t)(end - d), "..", 2) != NULL)
		return NULL;
	if (*d == '[' ? end[-1] != ']' : memchr(d, '[', (size_t)(end - d)) != NULL)
		return NULL;
	char *r = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		char c = addr[i];
		r[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	r[n] = '\0';
	return r;
}
