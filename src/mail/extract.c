/*
 * extract.c - the text of attachments, inside the parse worker.
 *
 * One entry point per attachment (mail_extract_attachment): the kind is
 * decided by content first (magic bytes: %PDF-, PK\3\4, {\rtf, the OLE2
 * signature), then by the declared content type, then by the file name's
 * extension. Then:
 *
 *   text types (plain, csv, html)  mail_text_part(): like body parts
 *   PDF                           pdf.c (poppler-glib)
 *   RTF                           rtf.c
 *   ZIP, OOXML (docx/xlsx/pptx),  libarchive reading from memory, every
 *   ODF (odt/ods/odp)             member name listed (plain ZIPs only);
 *                                 office XML parts read with libxml2's
 *                                 streaming reader; other members with a
 *                                 known kind extracted recursively
 *   OLE2 (.doc/.xls, encrypted    "encrypted" for an OOXML name or type
 *   OOXML)                        (Office encrypts into an OLE2 file),
 *                                 else "none"
 *
 * Bounds (struct mail_limits; 0 there means the default below): input
 * bytes per attachment or member (max_extract_input), text per attachment
 * (the out buffer's max), text per message (x->text_left, kept by the
 * caller), archive nesting (MAX_NEST), members per archive
 * (zip_max_members), uncompressed bytes per archive (zip_max_size) and
 * their ratio to the archive's size (zip_max_ratio, above 1 MiB: a bomb),
 * and the message's time budget (x->deadline_ms), checked between members
 * and pages. Every failure is an outcome; nothing here stops a message.
 *
 * XML is read with XML_PARSE_NONET and without entity substitution, DTD
 * loading or XML_PARSE_HUGE: no network, no external files, libxml2's
 * amplification limits in force.
 */
#include "mail/mail_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

#define MAX_NEST 3
#define BOMB_FLOOR (1024 * 1024) /* the ratio only counts above this */
#define MEMBER_NAME_MAX 1024

#define DEF_TEXT (4ULL << 20)
#define DEF_ATT_TEXT (1ULL << 20)
#define DEF_INPUT (32ULL << 20)
#define DEF_ZIP_MEMBERS 1000
#define DEF_ZIP_RATIO 100
#define DEF_ZIP_SIZE (64ULL << 20)
#define DEF_EXTRACT_S 10

uint64_t mail_lim_text(const struct mail_limits *l)
{
	uint64_t v = l->max_text_size ? l->max_text_size : DEF_TEXT;
	return v < MAIL_DOC_MAX_TEXT ? v : MAIL_DOC_MAX_TEXT;
}
uint64_t mail_lim_att_text(const struct mail_limits *l)
{
	uint64_t v = l->max_attachment_text ? l->max_attachment_text : DEF_ATT_TEXT;
	return v < mail_lim_text(l) ? v : mail_lim_text(l);
}
uint64_t mail_lim_input(const struct mail_limits *l)
{
	return l->max_extract_input ? l->max_extract_input : DEF_INPUT;
}
uint32_t mail_lim_zip_members(const struct mail_limits *l)
{
	uint32_t v = l->zip_max_members ? l->zip_max_members : DEF_ZIP_MEMBERS;
	return v < MAIL_DOC_MAX_MEMBERS ? v : MAIL_DOC_MAX_MEMBERS;
}
uint32_t mail_lim_zip_ratio(const struct mail_limits *l)
{
	return l->zip_max_ratio ? l->zip_max_ratio : DEF_ZIP_RATIO;
}
uint64_t mail_lim_zip_size(const struct mail_limits *l)
{
	return l->zip_max_size ? l->zip_max_size : DEF_ZIP_SIZE;
}
uint32_t mail_lim_extract_ms(const struct mail_limits *l)
{
	return (l->extract_time_s ? l->extract_time_s : DEF_EXTRACT_S) * 1000U;
}

/* --- text parts --------------------------------------------------------- */

static size_t crlf_to_lf(char *s, size_t n)
{
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		if (s[r] == '\r') {
			s[w++] = '\n';
			if (r + 1 < n && s[r + 1] == '\n')
				r++;
		} else {
			s[w++] = s[r];
		}
	}
	return w;
}

/* The charset of an HTML document's <meta>, from its first 1024 bytes. */
static const char *meta_charset(const unsigned char *p, size_t n, char *label, size_t cap)
{
	size_t lim = n < 1024 ? n : 1024;
	for (size_t i = 0; i + 8 < lim; i++) {
		if (strncasecmp((const char *)p + i, "charset=", 8) != 0)
			continue;
		size_t j = i + 8, k = 0;
		while (j < lim && (p[j] == '"' || p[j] == '\'' || p[j] == ' '))
			j++;
		while (j < lim && k + 1 < cap &&
		       ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
			(p[j] >= '0' && p[j] <= '9') || strchr("-_.:", p[j]) != NULL))
			label[k++] = (char)p[j++];
		label[k] = '\0';
		return k > 0 ? label : NULL;
	}
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = s != NULL ? strlen(s) : 0, k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static int is_html(const struct mail_part_info *pi)
{
	if (pi->content_type != NULL && strncmp(pi->content_type, "text/", 5) == 0)
		return strcmp(pi->content_type, "text/html") == 0;
	return ends_with(pi->filename, ".html") || ends_with(pi->filename, ".htm");
}

int mail_text_part(const struct mail_part_info *pi, const unsigned char *p, size_t n,
		   struct buf *out, uint32_t *flags_r)
{
	struct buf u;
	int html = is_html(pi), cut = 0;
	char label[64];
	const char *cs = pi->charset;
	if (cs == NULL && html)
		cs = meta_charset(p, n, label, sizeof(label));
	/* HTML needs all of it; plain text only what can be kept. */
	size_t room = out->max - out->len;
	buf_init(&u, html ? n * 3 + 16 : room + 16);
	if (mail_text_to_utf8(cs, p, n, &u, NULL, flags_r) < 0)
		cut = 1;
	size_t len = u.len > 0 ? crlf_to_lf((char *)u.data, u.len) : 0;
	if (pi->flowed && !html && len > 0)
		len = mail_unflow((char *)u.data, len, pi->delsp);
	if (html) {
		int r = mail_html_to_text(len > 0 ? (const char *)u.data : "", len, out);
		cut |= r == 1;
	} else if (len > 0) {
		cut |= mail_append_cut(out, (const char *)u.data, len);
	}
	buf_release(&u);
	return cut;
}

/* --- office XML ---------------------------------------------------------- */

struct xml_rules {
	const char *const *text_in;  /* text only inside these (NULL: all text) */
	const char *const *line_end; /* these end a line */
	const char *const *tabs;     /* these (empty) are tabs */
	const char *const *breaks;   /* these (empty) are line ends */
	const char *const *spaces;   /* these (empty) are spaces */
	int xlsx_cells;		     /* worksheet: skip <v> of shared-string cells */
};

static const char *const w_text[] = {"t", NULL};
static const char *const w_line[] = {"p", NULL};
static const char *const w_tab[] = {"tab", NULL};
static const char *const w_br[] = {"br", "cr", NULL};
static const char *const sst_line[] = {"si", NULL};
static const char *const sheet_text[] = {"t", "v", NULL};
static const char *const sheet_line[] = {"row", NULL};
static const char *const odf_line[] = {"p", "h", NULL};
static const char *const odf_br[] = {"line-break", NULL};
static const char *const odf_tab[] = {"tab", NULL};
static const char *const odf_space[] = {"s", NULL};

static const struct xml_rules docx_rules = {w_text, w_line, w_tab, w_br, NULL, 0};
static const struct xml_rules pptx_rules = {w_text, w_line, NULL, w_br, NULL, 0};
static const struct xml_rules sst_rules = {w_text, sst_line, NULL, NULL, NULL, 0};
static const struct xml_rules sheet_rules = {sheet_text, sheet_line, NULL, NULL, NULL, 1};
static const struct xml_rules odf_rules = {NULL, odf_line, odf_tab, odf_br, odf_space, 0};

static int name_in(const char *const *list, const xmlChar *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, (const char *)name) == 0)
			return 1;
	return 0;
}

static void xml_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Appends the text of an office XML part by its rules. 0 done, 1 out
 * full, -1 not well-formed (the text before the error is kept). */
static int xml_text(const unsigned char *p, size_t n, const struct xml_rules *r, struct buf *out)
{
	if (n > INT32_MAX)
		return -1;
	xmlSetGenericErrorFunc(NULL, xml_silent);
	xmlTextReaderPtr rd = xmlReaderForMemory((const char *)p, (int)n, NULL, NULL,
						 XML_PARSE_NONET | XML_PARSE_NOERROR |
						     XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (rd == NULL)
		return -1;
	int inside = 0, shared_cell = 0, rc = 0, sep = 0, ret;
	while ((ret = xmlTextReaderRead(rd)) == 1) {
		int type = xmlTextReaderNodeType(rd);
		const xmlChar *name = xmlTextReaderConstLocalName(rd);
		if (name == NULL)
			name = (const xmlChar *)"";
		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(rd);
			if (r->xlsx_cells && strcmp((const char *)name, "c") == 0) {
				xmlChar *t = xmlTextReaderGetAttribute(rd, (const xmlChar *)"t");
				shared_cell = t != NULL && strcmp((const char *)t, "s") == 0;
				xmlFree(t);
			}
			if (name_in(r->tabs, name))
				sep = '\t';
			else if (name_in(r->breaks, name))
				sep = '\n';
			else if (name_in(r->spaces, name) && sep == 0)
				sep = ' ';
			if (!empty && name_in(r->text_in, name) &&
			    !(shared_cell && strcmp((const char *)name, "v") == 0))
				inside++;
			if (empty && name_in(r->line_end, name))
				sep = '\n';
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (name_in(r->text_in, name) && inside > 0 &&
			    !(shared_cell && strcmp((const char *)name, "v") == 0))
				inside--;
			if (name_in(r->line_end, name))
				sep = '\n';
			else if (r->xlsx_cells && strcmp((const char *)name, "c") == 0 && sep == 0)
				sep = '\t';
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
			   type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
			   (type == XML_READER_TYPE_WHITESPACE && inside > 0)) {
			if (r->text_in != NULL && inside == 0)
				continue;
			const xmlChar *v = xmlTextReaderConstValue(rd);
			if (v == NULL)
				continue;
			if (sep != 0 && out->len > 0) {
				char s = (char)sep;
				if (mail_append_cut(out, &s, 1)) {
					rc = 1;
					break;
				}
			}
			sep = 0;
			if (mail_append_cut(out, (const char *)v, strlen((const char *)v))) {
				rc = 1;
				break;
			}
		}
	}
	if (ret < 0 && rc == 0)
		rc = -1;
	xmlFreeTextReader(rd);
	return rc;
}

/* --- kinds ---------------------------------------------------------------- */

enum kind { K_NONE, K_TEXT, K_PDF, K_ZIP, K_RTF, K_OLE };

static int type_in(const char *ct, const char *const *list)
{
	for (; ct != NULL && *list != NULL; list++)
		if (strcmp(ct, *list) == 0)
			return 1;
	return 0;
}

static const char *const office_ext[] = {".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".pptx",
					 ".pptm", ".ppsx", ".odt",  ".ods",  ".odp",  NULL};
static const char *const text_ext[] = {".txt", ".csv", ".tsv", ".htm", ".html",
				       ".log", ".md",  ".ics", ".vcf", NULL};

static int ext_in(const char *fn, const char *const *list)
{
	for (; fn != NULL && *list != NULL; list++)
		if (ends_with(fn, *list))
			return 1;
	return 0;
}

static enum kind kind_of(const struct mail_part_info *pi, const unsigned char *p, size_t n)
{
	static const char *const zip_types[] = {"application/zip", "application/x-zip-compressed",
						"application/x-zip", NULL};
	static const char *const rtf_types[] = {"application/rtf", "text/rtf", "text/richtext",
						NULL};
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return K_PDF;
	if (n >= 4 && (memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "PK\x05\x06", 4) == 0))
		return K_ZIP;
	if (n >= 5 && memcmp(p, "{\\rtf", 5) == 0)
		return K_RTF;
	if (n >= 8 && memcmp(p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
		return K_OLE;
	const char *ct = pi->content_type;
	if (type_in(ct, rtf_types))
		return K_RTF;
	if (ct != NULL && strcmp(ct, "application/pdf") == 0)
		return K_PDF;
	if (type_in(ct, zip_types) || (ct != NULL && (strstr(ct, "officedocument") != NULL ||
						      strstr(ct, "opendocument") != NULL)))
		return K_ZIP;
	if (ct != NULL && strncmp(ct, "text/", 5) == 0)
		return K_TEXT;
	if (ends_with(pi->filename, ".pdf"))
		return K_PDF;
	if (ends_with(pi->filename, ".rtf"))
		return K_RTF;
	if (ends_with(pi->filename, ".zip") || ext_in(pi->filename, office_ext))
		return K_ZIP;
	if (ext_in(pi->filename, text_ext))
		return K_TEXT;
	return K_NONE;
}

/* --- ZIP, OOXML, ODF ------------------------------------------------------ */

/* How a member is read: by office rules, as a marker, or as a file. */
static const struct xml_rules *office_part(const char *name, int *marker_r)
{
	*marker_r = 0;
	if (strcmp(name, "word/document.xml") == 0 || strcmp(name, "word/footnotes.xml") == 0 ||
	    strcmp(name, "word/endnotes.xml") == 0 || strcmp(name, "word/comments.xml") == 0 ||
	    ((strncmp(name, "word/header", 11) == 0 || strncmp(name, "word/footer", 11) == 0) &&
	     ends_with(name, ".xml") && strchr(name + 5, '/') == NULL))
		return &docx_rules;
	if (strcmp(name, "xl/sharedStrings.xml") == 0)
		return &sst_rules;
	if (strncmp(name, "xl/worksheets/sheet", 19) == 0 && ends_with(name, ".xml"))
		return &sheet_rules;
	if ((strncmp(name, "ppt/slides/slide", 16) == 0 ||
	     strncmp(name, "ppt/notesSlides/notesSlide", 26) == 0) &&
	    ends_with(name, ".xml"))
		return &pptx_rules;
	if (strcmp(name, "content.xml") == 0)
		return &odf_rules;
	if (strcmp(name, "[Content_Types].xml") == 0 || strcmp(name, "mimetype") == 0 ||
	    strcmp(name, "META-INF/manifest.xml") == 0)
		*marker_r = 1;
	return NULL;
}

/* The worse of two outcomes (the one reported). */
static enum mail_outcome worse(enum mail_outcome a, enum mail_outcome b)
{
	static const int rank[MAIL_X_COUNT] = {
	    [MAIL_X_OK] = 0,	  [MAIL_X_EMPTY] = 0,	[MAIL_X_NONE] = 0,
	    [MAIL_X_LIMITS] = 1,  [MAIL_X_CORRUPT] = 2, [MAIL_X_ENCRYPTED] = 3,
	    [MAIL_X_TIMEOUT] = 4, [MAIL_X_BOMB] = 5,	[MAIL_X_SKIPPED] = 0};
	return rank[b] > rank[a] ? b : a;
}

struct members {
	char **v;
	size_t n;
};

static void add_member(struct members *m, const char *raw)
{
	struct buf u;
	buf_init(&u, MEMBER_NAME_MAX * 3 + 16);
	size_t n = strlen(raw);
	if (n > MEMBER_NAME_MAX)
		n = MEMBER_NAME_MAX;
	mail_text_to_utf8(NULL, (const unsigned char *)raw, n, &u, NULL, NULL);
	char *s = mail_text_clean(buf_cstr(&u), u.len, MEMBER_NAME_MAX, NULL);
	buf_release(&u);
	if (*s == '\0') {
		free(s);
		return;
	}
	if ((m->n & (m->n - 1)) == 0)
		m->v = xrealloc(m->v, (m->n ? m->n * 2 : 1) * sizeof(*m->v));
	m->v[m->n++] = s;
}

/* Member names. A ZIP entry's name is raw bytes: UTF-8 when the entry's
 * general purpose flag bit 11 is set (APPNOTE.TXT 4.4.4, appendix D), else
 * an unnamed code page (CP437 by the letter, GBK or Big5 from Chinese
 * Windows). libarchive converts flagged names to the locale's charset and
 * drops a name it cannot convert; in the worker's C locale that is every
 * non-ASCII UTF-8 name. So the headers are read under a UTF-8 LC_CTYPE
 * (uselocale, this thread only): flagged names then come out as they are,
 * unflagged ones are copied raw (libarchive converts them only when told
 * a hdrcharset), and add_member() decodes both: UTF-8 when valid, else
 * the charset guess of text.c. The locale is made once, before the
 * sandbox shuts the file system (mail_extract_warm_up). */
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static locale_t utf8_ctype = (locale_t)0;

static void utf8_ctype_init(void)
{
	static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && utf8_ctype == (locale_t)0; i++)
		utf8_ctype = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
}

void mail_extract_warm_up(void)
{
	pthread_once(&utf8_once, utf8_ctype_init);
}

/* archive_read_next_header() under the UTF-8 LC_CTYPE (when there is one). */
static int next_header(struct archive *a, struct archive_entry **e)
{
	mail_extract_warm_up();
	locale_t old = utf8_ctype != (locale_t)0 ? uselocale(utf8_ctype) : (locale_t)0;
	int r = archive_read_next_header(a, e);
	if (old != (locale_t)0)
		uselocale(old);
	return r;
}

/* Reads the current member's data into data (max: the input limit),
 * counting the archive's uncompressed bytes. */
static enum mail_outcome read_member(struct mail_extract *x, struct archive *a, size_t arch_n,
				     uint64_t *total, struct buf *data)
{
	struct error err = ERROR_INIT;
	char tmp[65536];
	uint64_t ratio_cap = (uint64_t)mail_lim_zip_ratio(x->lim) * arch_n;
	for (;;) {
		la_ssize_t r = archive_read_data(a, tmp, sizeof(tmp));
		if (r == 0)
			return MAIL_X_OK;
		if (r < 0)
			return archive_read_has_encrypted_entries(a) > 0 ? MAIL_X_ENCRYPTED
									 : MAIL_X_CORRUPT;
		*total += (uint64_t)r;
		if (*total > mail_lim_zip_size(x->lim) ||
		    (*total > BOMB_FLOOR && *total > ratio_cap))
			return MAIL_X_BOMB;
		if (buf_append(data, tmp, (size_t)r, &err) < 0)
			return MAIL_X_LIMITS;
		if (mail_now_ms() > x->deadline_ms)
			return MAIL_X_TIMEOUT;
	}
}

static enum mail_outcome zip_text(struct mail_extract *x, const unsigned char *p, size_t n,
				  struct buf *out, struct members *m)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct buf data;
	enum mail_outcome res = MAIL_X_OK;
	uint64_t total = 0;
	uint32_t count = 0;
	int office = 0, odf_encrypted = 0, r;
	if (a == NULL)
		return MAIL_X_LIMITS; /* out of memory (the worker's RLIMIT_AS) */
	buf_init(&data, (size_t)mail_lim_input(x->lim));
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		archive_read_free(a);
		return MAIL_X_CORRUPT;
	}
	while ((r = next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (count++ >= mail_lim_zip_members(x->lim)) {
			res = worse(res, MAIL_X_LIMITS);
			break;
		}
		/* The raw bytes (see next_header); NULL only for a flagged name
		 * that is not UTF-8, or without a UTF-8 locale. */
		const char *name = archive_entry_pathname(e);
		if (name == NULL)
			continue;
		if (m != NULL)
			add_member(m, name);
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (mail_now_ms() > x->deadline_ms) {
			res = worse(res, MAIL_X_TIMEOUT);
			break;
		}
		int marker;
		const struct xml_rules *rules = office_part(name, &marker);
		struct mail_part_info mi = {NULL, name, NULL, 0, 0};
		enum kind k =
		    rules != NULL || marker ? K_TEXT : kind_of(&mi, (const unsigned char *)"", 0);
		if (k == K_NONE)
			continue;
		if (archive_entry_is_data_encrypted(e)) {
			res = worse(res, MAIL_X_ENCRYPTED);
			continue;
		}
		buf_reset(&data);
		enum mail_outcome got = read_member(x, a, n, &total, &data);
		if (got == MAIL_X_BOMB || got == MAIL_X_TIMEOUT) {
			res = worse(res, got);
			break;
		}
		if (got != MAIL_X_OK) {
			res = worse(res, got);
			continue;
		}
		if (marker) {
			const char *d = buf_cstr(&data);
			if (strcmp(name, "[Content_Types].xml") == 0 ||
			    (strcmp(name, "mimetype") == 0 &&
			     strncmp(d, "application/vnd.oasis.opendocument", 34) == 0))
				office = 1;
			if (strcmp(name, "META-INF/manifest.xml") == 0 &&
			    memmem(d, data.len, "encryption-data", 15) != NULL)
				odf_encrypted = 1;
			continue;
		}
		if (out->len > 0 && out->len < out->max)
			mail_append_cut(out, "\n\n", 2);
		if (rules != NULL) {
			int xr = xml_text(data.data, data.len, rules, out);
			if (xr == 1) {
				res = worse(res, MAIL_X_LIMITS);
				break;
			}
			if (xr < 0)
				res = worse(res, MAIL_X_CORRUPT);
			continue;
		}
		/* A file inside: its own kind, one level deeper. */
		if (x->nest + 1 > MAX_NEST) {
			res = worse(res, MAIL_X_LIMITS);
			continue;
		}
		x->nest++;
		mi.filename = name;
		enum mail_outcome sub =
		    mail_extract_attachment(x, &mi, data.data, data.len, out, NULL, NULL);
		x->nest--;
		if (sub == MAIL_X_LIMITS && out->len >= out->max) {
			res = worse(res, MAIL_X_LIMITS);
			break;
		}
		res = worse(res, sub);
	}
	if (r == ARCHIVE_FATAL)
		res = worse(res, MAIL_X_CORRUPT);
	if (odf_encrypted)
		res = worse(res, MAIL_X_ENCRYPTED);
	if (office && m != NULL) {
		/* An office document's parts are not what a user calls files. */
		for (size_t i = 0; i < m->n; i++)
			free(m->v[i]);
		free(m->v);
		m->v = NULL;
		m->n = 0;
	}
	buf_release(&data);
	archive_read_free(a);
	return res;
}

enum mail_outcome mail_extract_attachment(struct mail_extract *x, const struct mail_part_info *pi,
					  const unsigned char *p, size_t n, struct buf *out,
					  char ***members_r, size_t *n_members_r)
{
	if (members_r != NULL) {
		*members_r = NULL;
		*n_members_r = 0;
	}
	if (n == 0)
		return MAIL_X_EMPTY;
	if (n > mail_lim_input(x->lim))
		return MAIL_X_LIMITS;
	if (mail_now_ms() > x->deadline_ms)
		return MAIL_X_TIMEOUT;
	size_t before = out->len;
	enum mail_outcome res = MAIL_X_OK;
	switch (kind_of(pi, p, n)) {
	case K_TEXT:
		if (mail_text_part(pi, p, n, out, &x->flags))
			res = MAIL_X_LIMITS;
		break;
	case K_RTF: {
		int r = mail_rtf_to_text(p, n, out);
		res = r < 0 ? MAIL_X_CORRUPT : r > 0 ? MAIL_X_LIMITS : MAIL_X_OK;
		break;
	}
	case K_PDF:
		res = mail_pdf_to_text(x, p, n, out);
		break;
	case K_ZIP: {
		struct members m = {NULL, 0};
		res = zip_text(x, p, n, out, members_r != NULL ? &m : NULL);
		if (members_r != NULL) {
			*members_r = m.v;
			*n_members_r = m.n;
		}
		break;
	}
	case K_OLE:
		/* Office 2007+ encrypts a document into an OLE2 file. */
		res = ext_in(pi->filename, office_ext) ||
			      (pi->content_type != NULL &&
			       strstr(pi->content_type, "officedocument") != NULL)
			  ? MAIL_X_ENCRYPTED
			  : MAIL_X_NONE;
		break;
	default:
		res = MAIL_X_NONE;
		break;
	}
	if (res == MAIL_X_OK && out->len == before)
		res = MAIL_X_EMPTY;
	return res;
}
