/*
 * gen_att.c - attachments: PDF written by hand (ISO 32000-1: header,
 * objects, a cross-reference table whose offsets are exact, trailer,
 * startxref; text in the standard Helvetica font, ASCII only, so that any
 * PDF text extractor finds it), DOCX and XLSX (minimal valid Office Open XML
 * packages, ECMA-376, zipped with libarchive), ZIP archives of CSV and text
 * files, CSV files (GBK or UTF-8 with a byte-order mark, as Excel writes
 * them) and the PNG logo of the company (RFC 2083, stored deflate blocks).
 *
 * Attachment idx of message n draws from the stream RS_ATT + idx of n, so a
 * forward carries byte-identical copies of its parent's attachments.
 * Zip members carry the message date as their time: no wall clock.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gen/gen_int.h"

/* ---- fast formatting (printf dominates otherwise) ----------------------------- */

static int app_u64(struct buf *b, uint64_t v, struct error *err)
{
	char t[24];
	size_t k = sizeof(t);
	do {
		t[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return buf_append(b, t + k, sizeof(t) - k, err);
}

/* v / 10^digits with exactly digits decimals ("12.05"). */
static int app_fixed(struct buf *b, uint64_t v, unsigned digits, struct error *err)
{
	uint64_t p = 1;
	for (unsigned i = 0; i < digits; i++)
		p *= 10;
	if (app_u64(b, v / p, err) < 0 || buf_append_byte(b, '.', err) < 0)
		return -1;
	char t[24];
	uint64_t f = v % p;
	for (unsigned i = digits; i > 0; i--) {
		t[i - 1] = (char)('0' + f % 10);
		f /= 10;
	}
	return buf_append(b, t, digits, err);
}

static int app_signed_fixed(struct buf *b, int64_t v, unsigned digits, struct error *err)
{
	if (v < 0) {
		if (buf_append_byte(b, '-', err) < 0)
			return -1;
		v = -v;
	}
	return app_fixed(b, (uint64_t)v, digits, err);
}

static int app_date(struct buf *b, int64_t t, int tz, int dashes, struct error *err)
{
	int y, mo, d, h, mi, s, wd;
	gen_civil(t, tz, &y, &mo, &d, &h, &mi, &s, &wd);
	char o[11];
	o[0] = (char)('0' + y / 1000 % 10);
	o[1] = (char)('0' + y / 100 % 10);
	o[2] = (char)('0' + y / 10 % 10);
	o[3] = (char)('0' + y % 10);
	size_t k = 4;
	if (dashes)
		o[k++] = '-';
	o[k++] = (char)('0' + mo / 10);
	o[k++] = (char)('0' + mo % 10);
	if (dashes)
		o[k++] = '-';
	o[k++] = (char)('0' + d / 10);
	o[k++] = (char)('0' + d % 10);
	return buf_append(b, o, k, err);
}

/* ---- tables shared by XLSX, CSV and PDF ----------------------------------- */

enum tbl_kind { TBL_NAV, TBL_HOLD, TBL_TRADE, TBL_CLIENT, TBL_PBC, TBL_COUNT };

static const char *const tbl_head_zh[TBL_COUNT][8] = {
    [TBL_NAV] = {"日期", "基金代码", "基金名称", "单位净值", "累计净值", "日增长率(%)"},
    [TBL_HOLD] = {"证券代码", "证券名称", "行业", "持仓数量", "市值(元)", "占净值比例(%)"},
    [TBL_TRADE] = {"成交日期", "证券代码", "证券名称", "买卖方向", "成交数量", "成交价格",
		   "成交金额", "券商"},
    [TBL_CLIENT] = {"客户名称", "联系人", "手机", "邮箱", "持有份额", "客户经理"},
    [TBL_PBC] = {"序号", "资料名称", "负责部门", "截止日期", "状态"},
};
static const char *const tbl_head_en[TBL_COUNT][8] = {
    [TBL_NAV] = {"Date", "Fund code", "Fund", "NAV", "Accumulated NAV", "Change (%)"},
    [TBL_HOLD] = {"Code", "Security", "Sector", "Shares", "Market value (CNY)", "Weight (%)"},
    [TBL_TRADE] = {"Trade date", "Code", "Security", "Side", "Quantity", "Price", "Amount",
		   "Broker"},
    [TBL_CLIENT] = {"Client", "Contact", "Mobile", "Email", "Units held", "Sales"},
    [TBL_PBC] = {"No.", "Document", "Owner", "Due date", "Status"},
};

static unsigned tbl_cols(int kind)
{
	unsigned n = 0;
	while (n < 8 && tbl_head_zh[kind][n] != NULL)
		n++;
	return n;
}

struct tbl_state {
	int64_t nav, acc; /* in units of 0.0001 */
	int64_t day;
};

static const char *const pbc_docs[] = {
    "试算平衡表",	"银行对账单及余额调节表", "托管行估值复核记录", "证券持仓明细",
    "申购赎回确认明细", "管理费计提明细",	  "关联交易清单",	"董事会决议",
    "重大合同",		"应收应付明细账",
};

/* Appends cell (row >= 1, col) of a table; *num_r tells whether it is a number. */
static int tbl_cell(struct gen *g, const struct gen_meta *m, struct gen_rng *r,
		    struct tbl_state *st, int kind, int en, unsigned row, unsigned col,
		    struct buf *out, int *num_r, struct error *err)
{
	*num_r = 0;
	switch (kind) {
	case TBL_NAV:
		switch (col) {
		case 0:
			return app_date(out, st->day * 86400, 0, 1, err);
		case 1:
			return buf_append_str(out, gen_products[m->product].code, err);
		case 2:
			return buf_append_str(out,
					      en ? gen_products[m->product].en
						 : gen_products[m->product].short_zh,
					      err);
		case 3:
			*num_r = 1;
			return app_fixed(out, (uint64_t)st->nav, 4, err);
		case 4:
			*num_r = 1;
			return app_fixed(out, (uint64_t)st->acc, 4, err);
		default: {
			/* daily change in basis points, -200..200 */
			int64_t ch = (int64_t)gen_below(r, 401) - 200;
			st->nav += st->nav * ch / 10000;
			st->acc += st->acc * ch / 10000;
			st->day--;
			*num_r = 1;
			return app_signed_fixed(out, ch, 2, err);
		}
		}
	case TBL_HOLD: {
		const struct gen_stock *sk = &gen_stocks[(m->stock + row) % gen_n_stocks];
		switch (col) {
		case 0:
			return buf_append_str(out, sk->code, err);
		case 1:
			return buf_append_str(out, en ? sk->en : sk->zh, err);
		case 2:
			return buf_append_str(out,
					      en ? gen_industries[sk->industry].en
						 : gen_industries[sk->industry].zh,
					      err);
		case 3:
			*num_r = 1;
			return app_u64(out, (uint64_t)(100 + gen_below(r, 90000)) * 100, err);
		case 4:
			*num_r = 1;
			return app_fixed(out,
					 (uint64_t)(100000 + gen_below(r, 90000000)) * 100 +
					     gen_below(r, 100),
					 2, err);
		default:
			*num_r = 1;
			return app_fixed(out, gen_below(r, 1000), 2, err);
		}
	}
	case TBL_TRADE: {
		const struct gen_stock *sk = &gen_stocks[gen_below(r, (uint32_t)gen_n_stocks)];
		switch (col) {
		case 0:
			return app_date(out, m->date, 480, 0, err);
		case 1:
			return buf_append_str(out, sk->code, err);
		case 2:
			return buf_append_str(out, en ? sk->en : sk->zh, err);
		case 3:
			return buf_append_str(
			    out, gen_below(r, 2) ? (en ? "Buy" : "买入") : (en ? "Sell" : "卖出"),
			    err);
		case 4:
			*num_r = 1;
			return app_u64(out, (uint64_t)(1 + gen_below(r, 500)) * 100, err);
		case 5:
			*num_r = 1;
			return app_fixed(out, 300 + gen_below(r, 20000), 2, err);
		case 6:
			*num_r = 1;
			return app_fixed(
			    out, (uint64_t)(1000 + gen_below(r, 9000000)) * 100 + gen_below(r, 100),
			    2, err);
		default:
			return buf_append_str(
			    out, gen_org_name(&gen_orgs[m->broker], en ? LANG_EN : LANG_ZH), err);
		}
	}
	case TBL_CLIENT: {
		const struct gen_party *p =
		    &g->party[g->contact0 + (row * 7 + m->n) % g->n_contact];
		switch (col) {
		case 0:
			return buf_append_str(
			    out, gen_org_name(&gen_orgs[p->org], en ? LANG_EN : LANG_ZH), err);
		case 1:
			return buf_append_str(out, gen_party_name(p, en ? LANG_EN : LANG_ZH), err);
		case 2:
			return buf_append_str(out, "139 0000 ", err) < 0
				   ? -1
				   : app_u64(out, 1000 + gen_below(r, 9000), err);
		case 3:
			return buf_append_str(out, p->addr, err);
		case 4:
			*num_r = 1;
			return app_fixed(out,
					 (uint64_t)(10000 + gen_below(r, 50000000)) * 100 +
					     gen_below(r, 100),
					 2, err);
		default:
			return buf_append_str(
			    out, gen_party_name(&g->party[m->from], en ? LANG_EN : LANG_ZH), err);
		}
	}
	default:
		switch (col) {
		case 0:
			*num_r = 1;
			return app_u64(out, row, err);
		case 1:
			return buf_append_str(
			    out, en ? "Supporting document" : pbc_docs[(row - 1) % NELEM(pbc_docs)],
			    err);
		case 2:
			return buf_append_str(
			    out, en ? "Operations" : gen_depts[row % 3 ? DEPT_OPS : DEPT_CMP].zh,
			    err);
		case 3:
			return app_date(out, m->date + (int64_t)(7 + row % 10) * 86400, 480, 1,
					err);
		default:
			return buf_append_str(out,
					      gen_below(r, 3) ? (en ? "Open" : "待提供")
							      : (en ? "Done" : "已提供"),
					      err);
		}
	}
}

static void tbl_start(struct tbl_state *st, const struct gen_meta *m, struct gen_rng *r)
{
	st->nav = 8000 + gen_below(r, 20000);
	st->acc = st->nav + gen_below(r, 8000);
	st->day = m->date / 86400;
}

static int tbl_kind_for(const struct gen_meta *m)
{
	const char *k = gen_topics[m->topic].key;
	if (m->special == SP_EXFIL)
		return TBL_CLIENT;
	if (strcmp(k, "nav") == 0 || strcmp(k, "ops") == 0 || strcmp(k, "report") == 0)
		return TBL_NAV;
	if (strcmp(k, "trading") == 0 || strcmp(k, "system") == 0)
		return TBL_TRADE;
	if (strcmp(k, "audit") == 0)
		return TBL_PBC;
	if (strcmp(k, "marketing") == 0 || strcmp(k, "subscription") == 0 || strcmp(k, "mass") == 0)
		return gen_topics[m->topic].key[0] == 'm' && m->n % 4 == 0 ? TBL_CLIENT : TBL_NAV;
	return TBL_HOLD;
}

/* ---- XML helpers ---------------------------------------------------------- */

int gen_xml_escape(struct buf *out, const char *s, size_t n, struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		const char *rep = c == '<'   ? "&lt;"
				  : c == '>' ? "&gt;"
				  : c == '&' ? "&amp;"
				  : c == '"' ? "&quot;"
					     : NULL;
		int rc = rep ? buf_append_str(out, rep, err)
			     : buf_append_byte(out, (unsigned char)c, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int w3cdtf(char *out, size_t cap, int64_t t)
{
	int y, mo, d, h, mi, s, wd;
	gen_civil(t, 0, &y, &mo, &d, &h, &mi, &s, &wd);
	return snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
}

/* ---- ZIP through libarchive ---------------------------------------------- */

struct zipw {
	struct archive *a;
	struct buf *out;
	int64_t mtime;
	int failed;
};

static la_ssize_t zip_write_cb(struct archive *a, void *cd, const void *p, size_t n)
{
	struct zipw *z = cd;
	if (buf_append(z->out, p, n, NULL) < 0) {
		archive_set_error(a, ENOMEM, "attachment too large");
		z->failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

static int zip_open(struct zipw *z, struct buf *out, int64_t mtime, struct error *err)
{
	z->out = out;
	z->mtime = mtime;
	z->failed = 0;
	z->a = archive_write_new();
	if (z->a == NULL)
		return error_set(err, ERR_NOMEM, "archive_write_new failed");
	if (archive_write_set_format_zip(z->a) != ARCHIVE_OK ||
	    archive_write_zip_set_compression_deflate(z->a) != ARCHIVE_OK ||
	    archive_write_set_options(z->a, "zip:hdrcharset=UTF-8,zip:compression-level=1") !=
		ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(z->a, 0) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(z->a, 1) != ARCHIVE_OK ||
	    archive_write_open(z->a, z, NULL, zip_write_cb, NULL) != ARCHIVE_OK) {
		error_set(err, ERR_INTERNAL, "zip: %s", archive_error_string(z->a));
		archive_write_free(z->a);
		z->a = NULL;
		return -1;
	}
	return 0;
}

static int zip_add(struct zipw *z, const char *name, const void *p, size_t n, struct error *err)
{
	/* small boilerplate parts are stored, the rest deflated: both are
	 * valid everywhere, and deflate's per-entry setup costs more than
	 * it saves on a few hundred bytes */
	if ((n < 1024 ? archive_write_zip_set_compression_store(z->a)
		      : archive_write_zip_set_compression_deflate(z->a)) != ARCHIVE_OK)
		return error_set(err, ERR_INTERNAL, "zip: %s", archive_error_string(z->a));
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return error_set(err, ERR_NOMEM, "archive_entry_new failed");
	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_mtime(e, z->mtime, 0);
	int rc = 0;
	if (archive_write_header(z->a, e) != ARCHIVE_OK ||
	    (n > 0 && archive_write_data(z->a, p, n) != (la_ssize_t)n))
		rc = error_set(err, z->failed ? ERR_LIMIT : ERR_INTERNAL, "zip %s: %s", name,
			       archive_error_string(z->a));
	archive_entry_free(e);
	return rc;
}

static int zip_close(struct zipw *z, struct error *err)
{
	int rc = 0;
	if (archive_write_close(z->a) != ARCHIVE_OK)
		rc = error_set(err, ERR_INTERNAL, "zip: %s", archive_error_string(z->a));
	archive_write_free(z->a);
	z->a = NULL;
	return rc;
}

/* ---- DOCX ----------------------------------------------------------------- */

static const char core_fmt[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<cp:coreProperties "
    "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    "<dc:title>%s</dc:title><dc:creator>%s</dc:creator>"
    "<dcterms:created xsi:type=\"dcterms:W3CDTF\">%s</dcterms:created>"
    "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">%s</dcterms:modified>"
    "</cp:coreProperties>";

static int core_xml(struct buf *x, const char *title, const char *creator, int64_t t,
		    struct error *err)
{
	char dt[32];
	w3cdtf(dt, sizeof(dt), t);
	struct buf et;
	buf_init(&et, 4096);
	int rc = gen_xml_escape(&et, title, strlen(title), err);
	if (rc == 0)
		rc =
		    gen_printf(x, err, core_fmt, (const char *)et.data ? (const char *)et.data : "",
			       creator, dt, dt);
	buf_release(&et);
	return rc;
}

/* The last part every OOXML package here gets (docProps/core.xml), then the
 * archive is closed; z->a is consumed either way. */
static int office_finish(struct zipw *z, struct buf *x, const char *title, const char *creator,
			 int64_t t, struct error *err)
{
	buf_reset(x);
	if (core_xml(x, title, creator, t, err) < 0 ||
	    zip_add(z, "docProps/core.xml", x->data, x->len, err) < 0)
		return -1;
	int rc = zip_close(z, err);
	z->a = NULL;
	return rc;
}

static int build_docx(struct gen *g, const struct gen_meta *m, struct gen_rng *r, const char *title,
		      struct buf *out, struct error *err)
{
	struct text_ctx c = {g,
			     m,
			     r,
			     m->lang == LANG_EN ? LANG_EN : LANG_ZH,
			     &g->party[m->from],
			     m->n_to ? &g->party[m->to[0]] : NULL};
	struct buf x;
	buf_init(&x, 8u << 20);
	struct zipw z = {0};
	int rc = -1;
	if (zip_open(&z, out, m->date, err) < 0)
		goto fail;
	static const char ct[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	    "<Default Extension=\"rels\" "
	    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	    "<Override PartName=\"/word/document.xml\" "
	    "ContentType=\"application/"
	    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
	    "<Override PartName=\"/docProps/core.xml\" "
	    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
	    "</Types>";
	static const char rels[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId1\" "
	    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	    "officeDocument\" Target=\"word/document.xml\"/>"
	    "<Relationship Id=\"rId2\" "
	    "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
	    "core-properties\" Target=\"docProps/core.xml\"/>"
	    "</Relationships>";
	if (zip_add(&z, "[Content_Types].xml", ct, sizeof(ct) - 1, err) < 0 ||
	    zip_add(&z, "_rels/.rels", rels, sizeof(rels) - 1, err) < 0)
		goto fail;
	if (buf_append_str(
		&x,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<w:document "
		"xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
		"<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:r><w:rPr><w:b/><w:sz "
		"w:val=\"32\"/></w:rPr>"
		"<w:t xml:space=\"preserve\">",
		err) < 0 ||
	    gen_xml_escape(&x, title, strlen(title), err) < 0 ||
	    buf_append_str(&x, "</w:t></w:r></w:p>", err) < 0)
		goto fail;
	const struct gen_topic *t = &gen_topics[m->topic];
	const char *const *pool = t->body[c.lang] ? t->body[c.lang] : t->body[LANG_ZH];
	unsigned np = 4 + gen_below(r, 12);
	struct buf para;
	buf_init(&para, 1u << 20);
	for (unsigned i = 0; i < np; i++) {
		buf_reset(&para);
		const char *const *src = i % 3 == 2 ? gen_pool_commentary[c.lang] : pool;
		size_t n = gen_pool_len(src);
		if (n == 0 || text_expand(&c, src[gen_below(r, (uint32_t)n)], &para, err) < 0 ||
		    buf_append_str(&x, "<w:p><w:r><w:t xml:space=\"preserve\">", err) < 0 ||
		    gen_xml_escape(&x, (const char *)para.data, para.len, err) < 0 ||
		    buf_append_str(&x, "</w:t></w:r></w:p>", err) < 0) {
			buf_release(&para);
			goto fail;
		}
	}
	buf_release(&para);
	if (buf_append_str(&x, "<w:sectPr/></w:body></w:document>", err) < 0 ||
	    zip_add(&z, "word/document.xml", x.data, x.len, err) < 0)
		goto fail;
	rc = office_finish(&z, &x, title, g->party[m->from].name_en, m->date, err);
fail:
	if (z.a != NULL)
		archive_write_free(z.a);
	buf_release(&x);
	return rc;
}

/* ---- XLSX ----------------------------------------------------------------- */

/* Shared strings of a sheet: a list plus a small open-addressing index. */
struct sst {
	char **s;
	size_t n, cap;
	size_t refs;
	uint32_t *slot; /* index + 1, 0 = empty; 2 * cap entries */
};

static uint32_t sst_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static size_t sst_index(struct sst *t, const char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->s = xrealloc(t->s, t->cap * sizeof(*t->s));
		free(t->slot);
		t->slot = xcalloc(2 * t->cap, sizeof(*t->slot));
		for (size_t i = 0; i < t->n; i++) {
			size_t k = sst_hash(t->s[i]) & (2 * t->cap - 1);
			while (t->slot[k] != 0)
				k = (k + 1) & (2 * t->cap - 1);
			t->slot[k] = (uint32_t)i + 1;
		}
	}
	size_t mask = 2 * t->cap - 1, k = sst_hash(s) & mask;
	for (; t->slot[k] != 0; k = (k + 1) & mask)
		if (strcmp(t->s[t->slot[k] - 1], s) == 0)
			return t->slot[k] - 1;
	t->s[t->n] = xstrdup(s);
	t->slot[k] = (uint32_t)t->n + 1;
	return t->n++;
}

static void sst_free(struct sst *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
}

static int build_xlsx(struct gen *g, const struct gen_meta *m, struct gen_rng *r, const char *title,
		      struct buf *out, struct error *err)
{
	int kind = tbl_kind_for(m);
	int en = m->lang == LANG_EN;
	unsigned cols = tbl_cols(kind);
	unsigned rows = kind == TBL_CLIENT ? 60 + gen_below(r, 140) : 8 + gen_below(r, 40);
	struct buf x, cell;
	buf_init(&x, 16u << 20);
	buf_init(&cell, 4096);
	struct sst t = {0};
	struct zipw z = {0};
	struct tbl_state st;
	tbl_start(&st, m, r);
	int rc = -1;
	if (buf_append_str(
		&x,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<worksheet "
		"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
		err) < 0)
		goto fail;
	for (unsigned row = 0; row <= rows; row++) {
		if (buf_append_str(&x, "<row r=\"", err) < 0 || app_u64(&x, row + 1, err) < 0 ||
		    buf_append_str(&x, "\">", err) < 0)
			goto fail;
		for (unsigned col = 0; col < cols; col++) {
			int num = 0;
			buf_reset(&cell);
			if (row == 0) {
				if (buf_append_str(
					&cell, en ? tbl_head_en[kind][col] : tbl_head_zh[kind][col],
					err) < 0)
					goto fail;
			} else if (tbl_cell(g, m, r, &st, kind, en, row, col, &cell, &num, err) <
				   0) {
				goto fail;
			}
			if (buf_append_str(&x, "<c r=\"", err) < 0 ||
			    buf_append_byte(&x, (unsigned char)('A' + col), err) < 0 ||
			    app_u64(&x, row + 1, err) < 0)
				goto fail;
			if (num) {
				if (buf_append_str(&x, "\"><v>", err) < 0 ||
				    buf_append(&x, cell.data, cell.len, err) < 0 ||
				    buf_append_str(&x, "</v></c>", err) < 0)
					goto fail;
			} else {
				t.refs++;
				if (buf_append_str(&x, "\" t=\"s\"><v>", err) < 0 ||
				    app_u64(&x, sst_index(&t, (const char *)cell.data), err) < 0 ||
				    buf_append_str(&x, "</v></c>", err) < 0)
					goto fail;
			}
		}
		if (buf_append_str(&x, "</row>", err) < 0)
			goto fail;
	}
	if (buf_append_str(&x, "</sheetData></worksheet>", err) < 0)
		goto fail;
	if (zip_open(&z, out, m->date, err) < 0)
		goto fail;
	static const char ct[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	    "<Default Extension=\"rels\" "
	    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	    "<Override PartName=\"/xl/workbook.xml\" "
	    "ContentType=\"application/"
	    "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
	    "<Override PartName=\"/xl/worksheets/sheet1.xml\" "
	    "ContentType=\"application/"
	    "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
	    "<Override PartName=\"/xl/sharedStrings.xml\" "
	    "ContentType=\"application/"
	    "vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
	    "<Override PartName=\"/docProps/core.xml\" "
	    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
	    "</Types>";
	static const char rels[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId1\" "
	    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	    "officeDocument\" Target=\"xl/workbook.xml\"/>"
	    "<Relationship Id=\"rId2\" "
	    "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
	    "core-properties\" Target=\"docProps/core.xml\"/>"
	    "</Relationships>";
	static const char wbrels[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId1\" "
	    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	    "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	    "<Relationship Id=\"rId2\" "
	    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	    "sharedStrings\" Target=\"sharedStrings.xml\"/>"
	    "</Relationships>";
	char wb[512];
	int wl = snprintf(
	    wb, sizeof(wb),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	    "<sheets><sheet name=\"%s\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
	    en ? "Sheet1" : "数据");
	if (zip_add(&z, "[Content_Types].xml", ct, sizeof(ct) - 1, err) < 0 ||
	    zip_add(&z, "_rels/.rels", rels, sizeof(rels) - 1, err) < 0 ||
	    zip_add(&z, "xl/workbook.xml", wb, (size_t)wl, err) < 0 ||
	    zip_add(&z, "xl/_rels/workbook.xml.rels", wbrels, sizeof(wbrels) - 1, err) < 0 ||
	    zip_add(&z, "xl/worksheets/sheet1.xml", x.data, x.len, err) < 0)
		goto fail;
	buf_reset(&x);
	if (gen_printf(&x, err,
		       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		       "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
		       "count=\"%zu\" uniqueCount=\"%zu\">",
		       t.refs, t.n) < 0)
		goto fail;
	for (size_t i = 0; i < t.n; i++)
		if (buf_append_str(&x, "<si><t>", err) < 0 ||
		    gen_xml_escape(&x, t.s[i], strlen(t.s[i]), err) < 0 ||
		    buf_append_str(&x, "</t></si>", err) < 0)
			goto fail;
	if (buf_append_str(&x, "</sst>", err) < 0 ||
	    zip_add(&z, "xl/sharedStrings.xml", x.data, x.len, err) < 0)
		goto fail;
	rc = office_finish(&z, &x, title, g->party[m->from].name_en, m->date, err);
fail:
	if (z.a != NULL)
		archive_write_free(z.a);
	sst_free(&t);
	buf_release(&x);
	buf_release(&cell);
	return rc;
}

/* ---- CSV -------------------------------------------------------------------- */

/* CSV text (UTF-8, CRLF as Excel writes it) of a table with rows rows. */
static int csv_text(struct gen *g, const struct gen_meta *m, struct gen_rng *r, int kind, int en,
		    unsigned rows, struct buf *out, struct error *err)
{
	unsigned cols = tbl_cols(kind);
	struct tbl_state st;
	tbl_start(&st, m, r);
	for (unsigned row = 0; row <= rows; row++) {
		for (unsigned col = 0; col < cols; col++) {
			int num;
			if (col > 0 && buf_append_byte(out, ',', err) < 0)
				return -1;
			if (row == 0) {
				if (buf_append_str(
					out, en ? tbl_head_en[kind][col] : tbl_head_zh[kind][col],
					err) < 0)
					return -1;
			} else if (tbl_cell(g, m, r, &st, kind, en, row, col, out, &num, err) < 0) {
				return -1;
			}
		}
		if (buf_append_str(out, "\r\n", err) < 0)
			return -1;
	}
	return 0;
}

/* ---- PDF -------------------------------------------------------------------- */

/* A PDF literal string; bytes outside printable ASCII become '?'. */
static int pdf_string(struct buf *out, const char *s, struct error *err)
{
	size_t n = strlen(s);
	if (buf_reserve(out, 2 * n + 2, err) < 0)
		return -1;
	unsigned char *o = out->data + out->len;
	*o++ = '(';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f)
			ch = '?';
		if (ch == '(' || ch == ')' || ch == '\\')
			*o++ = '\\';
		*o++ = ch;
	}
	*o++ = ')';
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

#define PDF_LINES_PER_PAGE 52
#define PDF_MAX_PAGES 4000

int att_pdf(struct buf *out, const char *title, const char *const *lines, size_t n_lines,
	    int64_t date, struct error *err)
{
	size_t pages = n_lines / PDF_LINES_PER_PAGE + 1;
	if (pages > PDF_MAX_PAGES)
		return error_set(err, ERR_LIMIT, "PDF of %zu pages", pages);
	size_t nobj = 4 + 2 * pages;
	size_t *off = xcalloc(nobj + 1, sizeof(*off));
	size_t base = out->len;
	struct buf content;
	buf_init(&content, 1u << 20);
	int rc = -1;
	int y, mo, d, h, mi, s, wd;
	gen_civil(date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
	/* the binary comment marks the file as binary for transfer programs */
	if (buf_append_str(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", err) < 0)
		goto fail;
	off[1] = out->len - base;
	if (buf_append_str(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", err) < 0)
		goto fail;
	off[3] = out->len - base;
	if (buf_append_str(out,
			   "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
			   "/Encoding /WinAnsiEncoding >>\nendobj\n",
			   err) < 0)
		goto fail;
	off[4] = out->len - base;
	if (buf_append_str(out, "4 0 obj\n<< /Title ", err) < 0 ||
	    pdf_string(out, title, err) < 0 ||
	    gen_printf(out, err,
		       " /Author (Hengxin Fund Management) /Producer (custos gen) "
		       "/CreationDate (D:%04d%02d%02d%02d%02d%02d+08'00') >>\nendobj\n",
		       y, mo, d, h, mi, s) < 0)
		goto fail;
	for (size_t p = 0; p < pages; p++) {
		size_t po = 5 + 2 * p, co = po + 1;
		buf_reset(&content);
		if (buf_append_str(&content, "BT\n/F1 10 Tf\n14 TL\n50 800 Td\n", err) < 0)
			goto fail;
		size_t first = p * PDF_LINES_PER_PAGE;
		for (size_t i = first; i < n_lines && i < first + PDF_LINES_PER_PAGE; i++) {
			if (i > first && buf_append_str(&content, "T*\n", err) < 0)
				goto fail;
			if (pdf_string(&content, lines[i], err) < 0 ||
			    buf_append_str(&content, " Tj\n", err) < 0)
				goto fail;
		}
		if (buf_append_str(&content, "ET\n", err) < 0)
			goto fail;
		off[po] = out->len - base;
		if (gen_printf(
			out, err,
			"%zu 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
			"/Resources << /Font << /F1 3 0 R >> >> /Contents %zu 0 R >>\nendobj\n",
			po, co) < 0)
			goto fail;
		off[co] = out->len - base;
		if (gen_printf(out, err, "%zu 0 obj\n<< /Length %zu >>\nstream\n", co,
			       content.len) < 0 ||
		    buf_append(out, content.data, content.len, err) < 0 ||
		    buf_append_str(out, "endstream\nendobj\n", err) < 0)
			goto fail;
	}
	off[2] = out->len - base;
	if (buf_append_str(out, "2 0 obj\n<< /Type /Pages /Kids [", err) < 0)
		goto fail;
	for (size_t p = 0; p < pages; p++)
		if (gen_printf(out, err, "%s%zu 0 R", p ? " " : "", 5 + 2 * p) < 0)
			goto fail;
	if (gen_printf(out, err, "] /Count %zu >>\nendobj\n", pages) < 0)
		goto fail;
	size_t xref = out->len - base;
	if (gen_printf(out, err, "xref\n0 %zu\n0000000000 65535 f \n", nobj + 1) < 0)
		goto fail;
	for (size_t i = 1; i <= nobj; i++)
		if (gen_printf(out, err, "%010zu 00000 n \n", off[i]) < 0)
			goto fail;
	if (gen_printf(
		out, err,
		"trailer\n<< /Size %zu /Root 1 0 R /Info 4 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
		nobj + 1, xref) < 0)
		goto fail;
	rc = 0;
fail:
	buf_release(&content);
	free(off);
	return rc;
}

/* Lines of an English report: title, facts, a table, commentary. */
static int build_pdf(struct gen *g, const struct gen_meta *m, struct gen_rng *r, const char *title,
		     int large, struct buf *out, struct error *err)
{
	struct text_ctx c = {g, m, r, LANG_EN, &g->party[m->from], NULL};
	struct buf text;
	buf_init(&text, 64u << 20);
	size_t cap = 256, n = 0;
	size_t *starts = xmalloc(cap * sizeof(*starts));
	const char **lines = NULL;
	int rc = -1;
#define LINE_BEGIN()                                                                               \
	do {                                                                                       \
		if (n == cap) {                                                                    \
			cap *= 2;                                                                  \
			starts = xrealloc(starts, cap * sizeof(*starts));                          \
		}                                                                                  \
		starts[n++] = text.len;                                                            \
	} while (0)
#define LINE_END() buf_append_byte(&text, '\0', err)
	/* Helvetica has no Chinese: a Chinese file name gets an English title */
	char t_ascii[256]; /* holds any att_out.filename */
	int ascii = 1;
	for (const char *q = title; *q; q++)
		ascii &= (unsigned char)*q < 0x80;
	if (ascii) {
		snprintf(t_ascii, sizeof(t_ascii), "%s", title);
	} else {
		struct buf tb;
		buf_init(&tb, sizeof(t_ascii) - 1);
		int trc = text_expand(&c, "{K} {Q} Report", &tb, err);
		if (trc == 0)
			memcpy(t_ascii, tb.data, tb.len + 1);
		buf_release(&tb);
		if (trc < 0)
			goto fail;
	}
	title = t_ascii;
	LINE_BEGIN();
	if (buf_append_str(&text, title, err) < 0 || LINE_END() < 0)
		goto fail;
	LINE_BEGIN();
	if (text_expand(&c, "Hengxin Fund Management Co., Ltd. - {P} ({K})", &text, err) < 0 ||
	    LINE_END() < 0)
		goto fail;
	LINE_BEGIN();
	if (text_expand(&c, "Report date: {D}    Prepared by: {M}", &text, err) < 0 ||
	    LINE_END() < 0)
		goto fail;
	LINE_BEGIN();
	if (LINE_END() < 0)
		goto fail;
	int kind = tbl_kind_for(m);
	if (kind == TBL_CLIENT)
		kind = TBL_HOLD;
	/* a large report repeats its first 600 rows: pages are cheap to make */
	unsigned total = large ? 6000 + gen_below(r, 24000) : 8 + gen_below(r, 60);
	unsigned rows = total < 600 ? total : 600;
	unsigned cols = tbl_cols(kind);
	struct tbl_state st;
	tbl_start(&st, m, r);
	for (unsigned row = 0; row <= rows; row++) {
		LINE_BEGIN();
		for (unsigned col = 0; col < cols; col++) {
			size_t before = text.len;
			int num;
			if (row == 0) {
				if (buf_append_str(&text, tbl_head_en[kind][col], err) < 0)
					goto fail;
			} else if (tbl_cell(g, m, r, &st, kind, 1, row, col, &text, &num, err) <
				   0) {
				goto fail;
			}
			size_t w = text.len - before;
			for (; w < 16 && col + 1 < cols; w++)
				if (buf_append_byte(&text, ' ', err) < 0)
					goto fail;
			if (w >= 16 && col + 1 < cols && buf_append_byte(&text, ' ', err) < 0)
				goto fail;
		}
		if (LINE_END() < 0)
			goto fail;
	}
	LINE_BEGIN();
	if (LINE_END() < 0)
		goto fail;
	unsigned paras = 2 + gen_below(r, 6);
	struct buf para;
	buf_init(&para, 1u << 20);
	for (unsigned i = 0; i < paras; i++) {
		size_t np = gen_pool_len(gen_pool_commentary[LANG_EN]);
		buf_reset(&para);
		if (text_expand(&c, gen_pool_commentary[LANG_EN][gen_below(r, (uint32_t)np)], &para,
				err) < 0) {
			buf_release(&para);
			goto fail;
		}
		/* lines of at most 90 characters, cut at spaces */
		const char *t = (const char *)para.data;
		size_t len = para.len, s0 = 0;
		while (s0 < len) {
			size_t e = len - s0 <= 90 ? len : s0 + 90;
			if (e < len) {
				size_t sp = e;
				while (sp > s0 && t[sp] != ' ')
					sp--;
				if (sp > s0)
					e = sp;
			}
			LINE_BEGIN();
			if (buf_append(&text, t + s0, e - s0, err) < 0 || LINE_END() < 0) {
				buf_release(&para);
				goto fail;
			}
			s0 = e;
			while (s0 < len && t[s0] == ' ')
				s0++;
		}
	}
	buf_release(&para);
	/* lines: head (4), rows + 1 (header row first), then the rest */
	size_t head = 4, body = (size_t)rows + 1, tail = n - head - body;
	size_t extra = total > rows ? total - rows : 0;
	size_t nl = n + extra;
	lines = xmalloc(nl * sizeof(*lines));
	size_t k = 0;
	for (size_t i = 0; i < head + body; i++)
		lines[k++] = (const char *)text.data + starts[i];
	for (size_t i = 0; i < extra; i++)
		lines[k++] = (const char *)text.data + starts[head + 1 + i % rows];
	for (size_t i = 0; i < tail; i++)
		lines[k++] = (const char *)text.data + starts[head + body + i];
	rc = att_pdf(out, title, lines, nl, m->date, err);
fail:
#undef LINE_BEGIN
#undef LINE_END
	free(lines);
	free(starts);
	buf_release(&text);
	return rc;
}

/* ---- PNG ----------------------------------------------------------------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_of(uint32_t crc, const unsigned char *p, size_t n)
{
	pthread_once(&crc_once, crc_build);
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void png_chunk(struct buf *b, const char *type, const unsigned char *p, size_t n)
{
	unsigned char hdr[8];
	put_u32be(hdr, (uint32_t)n);
	memcpy(hdr + 4, type, 4);
	buf_append(b, hdr, 8, NULL);
	buf_append(b, p, n, NULL);
	uint32_t crc = crc32_of(crc32_of(0, (const unsigned char *)type, 4), p, n);
	unsigned char c[4];
	put_u32be(c, crc);
	buf_append(b, c, 4, NULL);
}

int att_png_logo(unsigned char **png_r, size_t *len_r)
{
	enum { W = 160, H = 48 };
	struct buf b, raw, z;
	buf_init(&b, BUF_UNLIMITED);
	buf_init(&raw, BUF_UNLIMITED);
	buf_init(&z, BUF_UNLIMITED);
	/* a palette image: navy band, gold rule, a white "H" */
	for (int y = 0; y < H; y++) {
		buf_append_byte(&raw, 0, NULL); /* filter: none */
		for (int x = 0; x < W; x++) {
			unsigned char c = 0;
			if (y >= 40 && y < 43)
				c = 2;
			else if (y < 40 && x >= 8 && x < 36 && y >= 8 && y < 32 &&
				 (x < 13 || x >= 31 || (y >= 18 && y < 22)))
				c = 1;
			else if (y < 40)
				c = 0;
			else
				c = 1;
			buf_append_byte(&raw, c, NULL);
		}
	}
	/* zlib stream of stored blocks (RFC 1950, 1951 3.2.4) */
	static const unsigned char zh[2] = {0x78, 0x01};
	buf_append(&z, zh, 2, NULL);
	uint32_t a = 1, bsum = 0;
	for (size_t i = 0; i < raw.len; i++) {
		a = (a + raw.data[i]) % 65521;
		bsum = (bsum + a) % 65521;
	}
	for (size_t i = 0; i < raw.len; i += 65535) {
		size_t k = raw.len - i < 65535 ? raw.len - i : 65535;
		unsigned char h[5] = {(unsigned char)(i + k == raw.len), (unsigned char)k,
				      (unsigned char)(k >> 8), (unsigned char)~k,
				      (unsigned char)(~k >> 8)};
		buf_append(&z, h, 5, NULL);
		buf_append(&z, raw.data + i, k, NULL);
	}
	unsigned char ad[4];
	put_u32be(ad, bsum << 16 | a);
	buf_append(&z, ad, 4, NULL);
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	buf_append(&b, sig, 8, NULL);
	unsigned char ihdr[13];
	put_u32be(ihdr, W);
	put_u32be(ihdr + 4, H);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 3;  /* indexed colour */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering */
	ihdr[12] = 0; /* no interlace */
	png_chunk(&b, "IHDR", ihdr, 13);
	static const unsigned char plte[9] = {0x1f, 0x3a, 0x6e, 0xff, 0xff, 0xff, 0xc8, 0xa0, 0x3c};
	png_chunk(&b, "PLTE", plte, 9);
	png_chunk(&b, "IDAT", z.data, z.len);
	png_chunk(&b, "IEND", NULL, 0);
	buf_release(&raw);
	buf_release(&z);
	*png_r = buf_detach(&b, len_r);
	return 0;
}

/* ---- file names and dispatch -------------------------------------------------- */

static const char *const names_zh[GEN_ATT_COUNT][6] = {
    [GEN_ATT_PDF] = {"{p}{Q}报告.pdf", "净值报告_{d}.pdf", "{S}调研纪要_{d}.pdf", "{p}产品资料.pdf",
		     "会议材料_{d}.pdf", "对账单_{d}.pdf"},
    [GEN_ATT_DOCX] = {"{p}宣传材料合规审查意见.docx", "会议纪要_{d}.docx", "申购申请表_{C}.docx",
		      "{Q}季报投资策略.docx", "工作说明.docx", "关于{p}的说明（修订版）.docx"},
    [GEN_ATT_XLSX] = {"估值表_{p}_{d}.xlsx", "风险敞口明细_{d}.xlsx", "成交回报_{d}.xlsx",
		      "持仓明细_{K}.xlsx", "渠道销量统计_{d}.xlsx", "数据_{d}.xlsx"},
    [GEN_ATT_ZIP] = {"对账单_{d}.zip", "交易明细_{d}.zip", "资料打包.zip"},
    [GEN_ATT_CSV] = {"成交回报_{d}.csv", "TA确认数据_{d}.csv", "持仓_{K}.csv"},
};
static const char *const names_en[GEN_ATT_COUNT][6] = {
    [GEN_ATT_PDF] = {"{K}_Report_{d}.pdf", "Trade_Confirmation_{d}.pdf", "Research_Note_{s}.pdf",
		     "Factsheet_{K}.pdf"},
    [GEN_ATT_DOCX] = {"Meeting_Minutes_{d}.docx", "PBC_List_FY{Y}.docx", "Draft_Letter_{K}.docx"},
    [GEN_ATT_XLSX] = {"Holdings_{K}_{d}.xlsx", "NAV_{d}.xlsx", "Executions_{d}.xlsx"},
    [GEN_ATT_ZIP] = {"Statements_{d}.zip", "Documents.zip"},
    [GEN_ATT_CSV] = {"trades_{d}.csv", "positions_{K}.csv"},
};
static const char *const names_tw[GEN_ATT_COUNT][6] = {
    [GEN_ATT_PDF] = {"{d}交易確認書.pdf", "產品資料.pdf"},
    [GEN_ATT_DOCX] = {"會議紀要.docx"},
    [GEN_ATT_XLSX] = {"持倉明細_{d}.xlsx"},
    [GEN_ATT_ZIP] = {"文件_{d}.zip"},
    [GEN_ATT_CSV] = {"成交明細_{d}.csv"},
};
static const char *const names_ja[GEN_ATT_COUNT][6] = {
    [GEN_ATT_PDF] = {"運用報告書_{d}.pdf", "Report_{d}.pdf"},
    [GEN_ATT_DOCX] = {"議事録_{d}.docx"},
    [GEN_ATT_XLSX] = {"約定明細_{d}.xlsx"},
    [GEN_ATT_ZIP] = {"資料_{d}.zip"},
    [GEN_ATT_CSV] = {"約定明細_{d}.csv"},
};

static int file_name(struct gen *g, const struct gen_meta *m, struct gen_rng *r, int kind,
		     char *out, size_t cap, struct error *err)
{
	const char *const(*t)[6] = m->lang == LANG_EN	? names_en
				   : m->lang == LANG_TW ? names_tw
				   : m->lang == LANG_JA ? names_ja
							: names_zh;
	const char *tmpl;
	if (m->special == SP_EXFIL && kind == GEN_ATT_XLSX) {
		tmpl = gen_below(r, 2) ? "客户名单.xlsx" : "客户资料汇总_{d}.xlsx";
	} else {
		size_t n = 0;
		while (n < 6 && t[kind][n] != NULL)
			n++;
		tmpl = t[kind][gen_below(r, (uint32_t)n)];
	}
	struct text_ctx c = {g, m, r, m->lang, &g->party[m->from], NULL};
	struct buf b;
	buf_init(&b, cap - 1);
	int rc = text_expand(&c, tmpl, &b, err);
	if (rc == 0)
		memcpy(out, b.data, b.len + 1);
	buf_release(&b);
	return rc;
}

static int build_zip(struct gen *g, const struct gen_meta *m, struct gen_rng *r, struct buf *out,
		     struct error *err)
{
	struct zipw z = {0};
	struct buf a, b;
	buf_init(&a, 16u << 20);
	buf_init(&b, 16u << 20);
	int rc = -1;
	char name[256];
	int en = m->lang == LANG_EN;
	if (zip_open(&z, out, m->date, err) < 0)
		goto fail;
	if (file_name(g, m, r, GEN_ATT_CSV, name, sizeof(name), err) < 0 ||
	    csv_text(g, m, r, gen_below(r, 2) ? TBL_TRADE : TBL_HOLD, en, 20 + gen_below(r, 200),
		     &a, err) < 0)
		goto fail;
	if (!en) {
		if (cs_encode(GEN_CS_GBK, (const char *)a.data, a.len, &b, err) < 0)
			goto fail;
	} else if (buf_append(&b, a.data, a.len, err) < 0) {
		goto fail;
	}
	if (zip_add(&z, name, b.data, b.len, err) < 0)
		goto fail;
	buf_reset(&a);
	struct text_ctx c = {g, m, r, en ? LANG_EN : LANG_ZH, &g->party[m->from], NULL};
	if (text_expand(&c,
			en ? "Files as of {d}. Contact {M}, {F}.\r\n"
			   : "本压缩包包含{d}的数据文件，如有疑问请联系{M}，电话{F}。\r\n",
			&a, err) < 0 ||
	    zip_add(&z, en ? "README.txt" : "说明.txt", a.data, a.len, err) < 0)
		goto fail;
	if (gen_below(r, 3) == 0) {
		buf_reset(&b);
		if (file_name(g, m, r, GEN_ATT_PDF, name, sizeof(name), err) < 0 ||
		    build_pdf(g, m, r, "Statement", 0, &b, err) < 0 ||
		    zip_add(&z, name, b.data, b.len, err) < 0)
			goto fail;
	}
	rc = zip_close(&z, err);
	z.a = NULL;
fail:
	if (z.a != NULL)
		archive_write_free(z.a);
	buf_release(&a);
	buf_release(&b);
	return rc;
}

int att_build(struct gen *g, const struct gen_meta *m, unsigned idx, struct buf *out,
	      struct att_out *ao, struct error *err)
{
	struct gen_rng r;
	gen_rng_seed(&r, g->opts.seed, m->n, RS_ATT + idx);
	int kind = m->att[idx];
	int large = (m->flags & GEN_F_LARGE) && idx == 0;
	buf_reset(out);
	ao->csv_cs = GEN_CS_UTF8;
	if (file_name(g, m, &r, kind, ao->filename, sizeof(ao->filename), err) < 0)
		return -1;
	switch (kind) {
	case GEN_ATT_PDF:
		ao->ctype = "application/pdf";
		return build_pdf(g, m, &r, ao->filename, large, out, err);
	case GEN_ATT_DOCX:
		ao->ctype =
		    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
		return build_docx(g, m, &r, ao->filename, out, err);
	case GEN_ATT_XLSX:
		ao->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
		return build_xlsx(g, m, &r, ao->filename, out, err);
	case GEN_ATT_ZIP:
		ao->ctype =
		    m->mua == MUA_OUTLOOK ? "application/x-zip-compressed" : "application/zip";
		return build_zip(g, m, &r, out, err);
	case GEN_ATT_CSV: {
		int en = m->lang == LANG_EN;
		unsigned rows = large ? 500 : 20 + gen_below(&r, 200);
		unsigned copies = large ? 40 + gen_below(&r, 60) : 1;
		struct buf t;
		buf_init(&t, 64u << 20);
		int rc =
		    csv_text(g, m, &r, gen_below(&r, 2) ? TBL_TRADE : TBL_NAV, en, rows, &t, err);
		/* a large export repeats its data rows (not the header line) */
		if (rc == 0 && copies > 1) {
			const unsigned char *nl = memchr(t.data, '\n', t.len);
			size_t h = nl ? (size_t)(nl - t.data) + 1 : 0, blen = t.len - h;
			/* reserve first: the source lies in the buffer itself */
			rc = buf_reserve(&t, blen * (copies - 1), err);
			for (unsigned i = 1; i < copies && rc == 0; i++)
				rc = buf_append(&t, t.data + h, blen, err);
		}
		if (rc == 0) {
			if (!en && gen_below(&r, 10) < 7) {
				ao->csv_cs = GEN_CS_GBK;
				rc = cs_encode(GEN_CS_GBK, (const char *)t.data, t.len, out, err);
			} else {
				rc = buf_append(out, en ? "" : "\xef\xbb\xbf", en ? 0 : 3, err);
				if (rc == 0)
					rc = buf_append(out, t.data, t.len, err);
			}
		}
		buf_release(&t);
		unsigned ct = gen_below(&r, 10);
		ao->ctype = ct < 5   ? "text/csv"
			    : ct < 8 ? "application/vnd.ms-excel"
				     : "application/octet-stream";
		return rc;
	}
	default:
		return error_set(err, ERR_INTERNAL, "attachment kind %d", kind);
	}
}
