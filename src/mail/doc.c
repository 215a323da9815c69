/*
 * doc.c - struct mail_doc: lifecycle, the JSON codec of the worker
 * protocol, address normalisation.
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
 * "n_parts" and "depth" are always there. New fields (body text, ...) get
 * new keys; both ends are the same binary, so the version only moves when
 * a key changes meaning.
 *
 * mail_doc_from_json() is the parent's trust boundary: the worker may be
 * compromised, so it accepts only exactly this shape: no unknown or
 * duplicate keys, every string valid UTF-8 without NUL and within
 * MAIL_DOC_MAX_STRING, every count within the MAIL_DOC_MAX_* bounds, flags
 * only of known bits, content types lower-case "type/subtype" tokens.
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
#define ALL_FLAGS                                                                                  \
	(MAIL_F_NOT_MIME | MAIL_F_LIMITS | MAIL_F_NO_MESSAGE_ID | MAIL_F_8BIT_HEADERS |            \
	 MAIL_F_BAD_DATE | MAIL_F_NUL_BYTES | MAIL_F_PARSE_FAILED | MAIL_F_CHARSET_GUESSED |       \
	 MAIL_F_BAD_ENCODING)

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

void mail_doc_release(struct mail_doc *doc)
{
	free(doc->message_id);
	free(doc->date_raw);
	free(doc->subject);
	addr_list_release(&doc->from);
	addr_list_release(&doc->to);
	addr_list_release(&doc->cc);
	addr_list_release(&doc->bcc);
	addr_list_release(&doc->reply_to);
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
		    set_str(o, "name", l->v[i].name) < 0 || json_array_append_new(a, o) < 0) {
			json_decref(o);
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

/* The address lists of a doc and their JSON keys. */
static const struct {
	const char *key;
	size_t offset;
} lists[] = {
    {"from", offsetof(struct mail_doc, from)},
    {"to", offsetof(struct mail_doc, to)},
    {"cc", offsetof(struct mail_doc, cc)},
    {"bcc", offsetof(struct mail_doc, bcc)},
    {"reply_to", offsetof(struct mail_doc, reply_to)},
};

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
	for (size_t i = 0; !bad && i < sizeof(lists) / sizeof(lists[0]); i++) {
		const struct mail_addr_list *l =
		    (const struct mail_addr_list *)((const char *)doc + lists[i].offset);
		json_t *a = addrs_to_json(l);
		bad = a == NULL || json_object_set_new(o, lists[i].key, a) < 0;
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
			bad = bad || json_object_set_new(a, "members", m) < 0;
			if (bad && m != NULL && json_object_get(a, "members") != m)
				json_decref(m);
		}
		bad = bad || json_array_append_new(atts, a) < 0;
		if (bad)
			json_decref(a);
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

/* --- from JSON: the trust boundary ------------------------------------ */

/* A copy of a JSON string within the bounds, or NULL with err set. */
static char *take_str(const json_t *v, const char *what, size_t max, int nonempty,
		      struct error *err)
{
	if (!json_is_string(v)) {
		error_set(err, ERR_INVALID, "%s: not a string", what);
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n > max) {
		error_set(err, ERR_INVALID, "%s: longer than %zu bytes", what, max);
		return NULL;
	}
	if (nonempty && n == 0) {
		error_set(err, ERR_INVALID, "%s: empty", what);
		return NULL;
	}
	if (!utf8_valid(s, n)) {
		error_set(err, ERR_INVALID, "%s: not valid UTF-8 or holds NUL", what);
		return NULL;
	}
	char *r = xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* A copy of a text value: take_str's rules with the text bound, and no
 * control character but LF and TAB. */
static char *take_text(const json_t *v, const char *what, struct error *err)
{
	char *s = take_str(v, what, MAIL_DOC_MAX_TEXT, 1, err);
	for (const char *p = s; p != NULL && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			error_set(err, ERR_INVALID, "%s: holds a control character", what);
			free(s);
			return NULL;
		}
	}
	return s;
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

static int members_from_json(const json_t *v, const char *what, struct mail_attachment *at,
			     struct error *err)
{
	if (!json_is_array(v))
		return error_set(err, ERR_INVALID, "%s: not an array", what);
	size_t n = json_array_size(v);
	if (n == 0 || n > MAIL_DOC_MAX_MEMBERS)
		return error_set(err, ERR_INVALID, "%s: %zu members (1 to %d)", what, n,
				 MAIL_DOC_MAX_MEMBERS);
	at->members = xcalloc(n, sizeof(*at->members));
	for (size_t k = 0; k < n; k++) {
		at->n_members = k + 1;
		if ((at->members[k] =
			 take_str(json_array_get(v, k), what, MAIL_DOC_MAX_STRING, 1, err)) == NULL)
			return -1;
	}
	return 0;
}

static int take_int(const json_t *v, const char *what, json_int_t min, json_int_t max,
		    json_int_t *r, struct error *err)
{
	if (!json_is_integer(v))
		return error_set(err, ERR_INVALID, "%s: not an integer", what);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return error_set(err, ERR_INVALID, "%s: %lld out of range", what, (long long)i);
	*r = i;
	return 0;
}

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

static int addrs_from_json(const json_t *a, const char *key, struct mail_addr_list *l,
			   struct error *err)
{
	if (!json_is_array(a))
		return error_set(err, ERR_INVALID, "%s: not an array", key);
	size_t n = json_array_size(a);
	if (n > MAIL_DOC_MAX_ADDRS)
		return error_set(err, ERR_INVALID, "%s: more than %d addresses", key,
				 MAIL_DOC_MAX_ADDRS);
	if (n == 0)
		return 0;
	l->v = xcalloc(n, sizeof(*l->v));
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(a, i);
		const char *k;
		json_t *v;
		char what[64];
		if (!json_is_object(o))
			return error_set(err, ERR_INVALID, "%s[%zu]: not an object", key, i);
		l->n = i + 1; /* entries so far are released with the doc */
		json_object_foreach((json_t *)o, k, v)
		{
			snprintf(what, sizeof(what), "%s[%zu].%.16s", key, i, k);
			char **dst;
			if (strcmp(k, "addr") == 0)
				dst = &l->v[i].addr;
			else if (strcmp(k, "name") == 0)
				dst = &l->v[i].name;
			else
				return error_set(err, ERR_INVALID, "%s: unknown key", what);
			if ((*dst = take_str(v, what, MAIL_DOC_MAX_STRING, 1, err)) == NULL)
				return -1;
		}
		if (l->v[i].addr == NULL)
			return error_set(err, ERR_INVALID, "%s[%zu]: no addr", key, i);
	}
	return 0;
}

static int atts_from_json(const json_t *a, struct mail_doc *doc, struct error *err)
{
	if (!json_is_array(a))
		return error_set(err, ERR_INVALID, "attachments: not an array");
	size_t n = json_array_size(a);
	if (n > MAIL_DOC_MAX_ATTACHMENTS)
		return error_set(err, ERR_INVALID, "attachments: more than %d",
				 MAIL_DOC_MAX_ATTACHMENTS);
	if (n == 0)
		return 0;
	doc->att = xcalloc(n, sizeof(*doc->att));
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(a, i);
		const char *k;
		json_t *v;
		char what[64];
		int have_size = 0;
		if (!json_is_object(o))
			return error_set(err, ERR_INVALID, "attachments[%zu]: not an object", i);
		doc->n_att = i + 1;
		struct mail_attachment *at = &doc->att[i];
		json_object_foreach((json_t *)o, k, v)
		{
			snprintf(what, sizeof(what), "attachments[%zu].%.16s", i, k);
			if (strcmp(k, "filename") == 0) {
				at->filename = take_str(v, what, MAIL_DOC_MAX_STRING, 1, err);
				if (at->filename == NULL)
					return -1;
			} else if (strcmp(k, "content_type") == 0) {
				at->content_type =
				    take_str(v, what, MAIL_DOC_MAX_CONTENT_TYPE, 1, err);
				if (at->content_type == NULL)
					return -1;
				if (!content_type_ok(at->content_type))
					return error_set(err, ERR_INVALID,
							 "%s: not a lower-case type/subtype", what);
			} else if (strcmp(k, "size") == 0) {
				json_int_t s = 0;
				if (take_int(v, what, 0, INT64_MAX, &s, err) < 0)
					return -1;
				at->size = (uint64_t)s;
				have_size = 1;
			} else if (strcmp(k, "text") == 0) {
				if ((at->text = take_text(v, what, err)) == NULL)
					return -1;
			} else if (strcmp(k, "extract") == 0) {
				if ((at->extract = take_str(v, what, 16, 1, err)) == NULL)
					return -1;
				if (!outcome_ok(at->extract))
					return error_set(err, ERR_INVALID, "%s: unknown outcome",
							 what);
			} else if (strcmp(k, "members") == 0) {
				if (members_from_json(v, what, at, err) < 0)
					return -1;
			} else {
				return error_set(err, ERR_INVALID, "%s: unknown key", what);
			}
		}
		if (at->content_type == NULL || !have_size)
			return error_set(err, ERR_INVALID,
					 "attachments[%zu]: content_type or size missing", i);
	}
	return 0;
}

static int doc_from_object(json_t *root, struct mail_doc *doc, struct error *err)
{
	static const struct {
		const char *key;
		size_t offset;
		int nonempty;
	} strs[] = {
	    {"message_id", offsetof(struct mail_doc, message_id), 1},
	    {"date_raw", offsetof(struct mail_doc, date_raw), 1},
	    {"subject", offsetof(struct mail_doc, subject), 1},
	    {"error", offsetof(struct mail_doc, error), 1},
	};
	const char *k;
	json_t *v;
	int have_v = 0, have_flags = 0, have_date = 0, have_parts = 0, have_depth = 0;
	if (!json_is_object(root))
		return error_set(err, ERR_INVALID, "not a JSON object");
	json_object_foreach(root, k, v)
	{
		json_int_t i = 0; /* set by take_int(); gcc -O3 cannot see it */
		int known = 0;
		for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++) {
			if (strcmp(k, strs[s].key) != 0)
				continue;
			char **dst = (char **)((char *)doc + strs[s].offset);
			if ((*dst = take_str(v, k, MAIL_DOC_MAX_STRING, strs[s].nonempty, err)) ==
			    NULL)
				return -1;
			known = 1;
		}
		for (size_t s = 0; s < sizeof(lists) / sizeof(lists[0]); s++) {
			if (strcmp(k, lists[s].key) != 0)
				continue;
			if (addrs_from_json(
				v, k, (struct mail_addr_list *)((char *)doc + lists[s].offset),
				err) < 0)
				return -1;
			known = 1;
		}
		if (known)
			continue;
		if (strcmp(k, "v") == 0) {
			if (take_int(v, k, JSON_VERSION, JSON_VERSION, &i, err) < 0)
				return -1;
			have_v = 1;
		} else if (strcmp(k, "flags") == 0) {
			if (take_int(v, k, 0, ALL_FLAGS, &i, err) < 0)
				return -1;
			if ((uint32_t)i & ~(uint32_t)ALL_FLAGS)
				return error_set(err, ERR_INVALID, "flags: unknown bits");
			doc->flags = (uint32_t)i;
			have_flags = 1;
		} else if (strcmp(k, "date") == 0) {
			if (take_int(v, k, INT64_MIN, INT64_MAX, &i, err) < 0)
				return -1;
			doc->date = i;
			have_date = 1;
		} else if (strcmp(k, "n_parts") == 0) {
			if (take_int(v, k, 0, UINT32_MAX, &i, err) < 0)
				return -1;
			doc->n_parts = (uint32_t)i;
			have_parts = 1;
		} else if (strcmp(k, "depth") == 0) {
			if (take_int(v, k, 0, UINT32_MAX, &i, err) < 0)
				return -1;
			doc->depth = (uint32_t)i;
			have_depth = 1;
		} else if (strcmp(k, "attachments") == 0) {
			if (atts_from_json(v, doc, err) < 0)
				return -1;
		} else if (strcmp(k, "body") == 0) {
			if ((doc->body = take_text(v, k, err)) == NULL)
				return -1;
		} else if (strcmp(k, "header_charset") == 0) {
			if ((doc->header_charset = take_str(v, k, 40, 1, err)) == NULL)
				return -1;
			if (!charset_name_ok(doc->header_charset))
				return error_set(err, ERR_INVALID,
						 "header_charset: not a charset name");
		} else {
			char show[40];
			snprintf(show, sizeof(show), "%s", k);
			return error_set(err, ERR_INVALID, "unknown key \"%s\"",
					 utf8_valid(show, strlen(show)) ? show : "?");
		}
	}
	if (!have_v || !have_flags || !have_date || !have_parts || !have_depth)
		return error_set(err, ERR_INVALID, "v, flags, date, n_parts or depth missing");
	return 0;
}

int mail_doc_from_json(const char *json, size_t n, struct mail_doc *doc, struct error *err)
{
	json_error_t jerr;
	mail_doc_release(doc);
	if (n > MAIL_DOC_MAX_JSON)
		return error_set(err, ERR_INVALID, "document of %zu bytes is larger than %d", n,
				 MAIL_DOC_MAX_JSON);
	json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return error_set(err, ERR_INVALID, "not JSON: %.100s (byte %d)", jerr.text,
				 jerr.position);
	int rc = doc_from_object(root, doc, err);
	json_decref(root);
	if (rc < 0) {
		mail_doc_release(doc);
		return error_prefix(err, "bad document");
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
