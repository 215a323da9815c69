/*
 * test_gen.c - unit tests of src/gen: determinism, output formats, headers,
 * charsets (labels and round trips of encoded words), Bcc never in a header,
 * attachments (ZIP/DOCX/XLSX read back with libarchive, PDF cross-reference
 * offsets), re-deliveries, threads, and the vocabulary fitting its charsets.
 *
 * Kept under a few seconds with ASan: a few thousand messages in total.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <iconv.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "gen/gen.h"
#include "gen/gen_int.h"

static struct gen *new_gen(uint64_t seed, uint64_t count)
{
	struct gen_opts o;
	gen_opts_defaults(&o);
	o.seed = seed;
	o.count = count;
	struct gen *g = NULL;
	struct error err = ERROR_INIT;
	int rc = gen_new(&o, &g, &err);
	if (rc < 0)
		fail_msg("gen_new: %s", err.msg);
	return g;
}

static void msg(struct gen *g, uint64_t n, struct buf *b, struct gen_info *in)
{
	struct error err = ERROR_INIT;
	if (gen_message(g, n, b, in, &err) < 0)
		fail_msg("message %llu: %s", (unsigned long long)n, err.msg);
}

/* Length of the top-level header section (up to the empty line). */
static size_t header_len(const struct buf *b)
{
	const char *p = (const char *)b->data;
	const char *e = strstr(p, "\n\n");
	const char *e2 = strstr(p, "\r\n\r\n");
	if (e2 != NULL && (e == NULL || e2 < e))
		return (size_t)(e2 - p) + 2;
	return e ? (size_t)(e - p) + 1 : 0;
}

/* 1 if a header field named name starts a line within the first n bytes. */
static int has_field(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);
	for (size_t i = 0; i + k < n; i++)
		if ((i == 0 || p[i - 1] == '\n') && strncasecmp(p + i, name, k) == 0 &&
		    p[i + k] == ':')
			return 1;
	return 0;
}

/* 1 if addr occurs in s as a whole address (not inside a longer one). */
static int has_addr(const char *s, const char *addr)
{
	size_t n = strlen(addr);
	for (const char *q = s; (q = strstr(q, addr)) != NULL; q++) {
		char before = q > s ? q[-1] : ' ';
		char after = q[n];
		int word = (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9') ||
			   before == '.' || before == '_' || before == '-';
		int more = (after >= 'a' && after <= 'z') || after == '.' || after == '-';
		if (!word && !more)
			return 1;
	}
	return 0;
}

static void rm_tree(const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static char *tmp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = NULL;
	if (asprintf(&t, "%s/custos-gen-XXXXXX", base && *base ? base : "/tmp") < 0)
		fail();
	assert_non_null(mkdtemp(t));
	return t;
}

/* ---- determinism ------------------------------------------------------- */

static void test_determinism(void **state)
{
	(void)state;
	struct gen *a = new_gen(42, 400), *b = new_gen(42, 400), *c = new_gen(43, 400);
	struct buf x, y;
	buf_init(&x, BUF_UNLIMITED);
	buf_init(&y, BUF_UNLIMITED);
	unsigned differ = 0;
	/* in a different order too: message n does not depend on what came before */
	for (int i = 149; i >= 0; i--) {
		msg(a, (uint64_t)i, &x, NULL);
		msg(b, (uint64_t)(149 - i), &y, NULL);
		msg(b, (uint64_t)i, &y, NULL);
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.data, y.data, x.len);
		msg(c, (uint64_t)i, &y, NULL);
		differ += x.len != y.len || memcmp(x.data, y.data, x.len) != 0;
	}
	assert_true(differ >= 145);
	buf_release(&x);
	buf_release(&y);
	gen_free(a);
	gen_free(b);
	gen_free(c);
}

/* ---- headers, Bcc, ids, charsets ---------------------------------------- */

static void test_headers_and_charsets(void **state)
{
	(void)state;
	enum { N = 700 };
	struct gen *g = new_gen(7, N);
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	unsigned cs_seen[GEN_CS_COUNT] = {0}, label_seen[GEN_CS_COUNT] = {0};
	unsigned bcc = 0, dups = 0, replies = 0, crlf = 0, att = 0, nomid = 0, html = 0;
	char **ids = calloc(N, sizeof(*ids));
	for (uint64_t n = 0; n < N; n++) {
		struct gen_info in;
		msg(g, n, &b, &in);
		const char *p = (const char *)b.data;
		size_t h = header_len(&b);
		assert_true(h > 0);
		assert_true(has_field(p, h, "Date"));
		assert_true(has_field(p, h, "From"));
		assert_true(has_field(p, h, "To"));
		assert_true(has_field(p, h, "Subject"));
		assert_true(has_field(p, h, "Content-Type"));
		/* no Bcc field anywhere (nested messages included) */
		assert_false(has_field(p, b.len, "Bcc"));
		/* a Bcc recipient is nowhere in the header section */
		for (size_t i = 0; i < in.n_bcc; i++) {
			char *hs = strndup(p, h);
			if (has_addr(hs, in.bcc[i]))
				fail_msg("message %llu: Bcc %s in header", (unsigned long long)n,
					 in.bcc[i]);
			free(hs);
		}
		/* the envelope has everyone: To and Cc addresses and the Bcc ones */
		assert_true(in.n_rcpt >= in.n_bcc);
		assert_true(in.n_rcpt > 0);
		/* line endings: LF, or CRLF throughout */
		if (in.flags & GEN_F_CRLF) {
			crlf++;
			for (size_t i = 0; i < b.len; i++)
				if (b.data[i] == '\n')
					assert_true(i > 0 && b.data[i - 1] == '\r');
		} else {
			assert_null(memchr(b.data, '\r', b.len));
		}
		assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
		cs_seen[in.charset]++;
		/* the label is in the bytes */
		char lab[48];
		snprintf(lab, sizeof(lab), "charset=%s", gen_charset_name(in.charset));
		char lab2[48];
		snprintf(lab2, sizeof(lab2), "charset=\"%s", gen_charset_name(in.charset));
		if (strcasestr(p, lab) || strcasestr(p, lab2))
			label_seen[in.charset]++;
		if (in.duplicate_of >= 0) {
			/* a re-delivery is byte for byte the earlier message */
			struct gen *g2 = new_gen(7, N);
			struct buf o;
			buf_init(&o, BUF_UNLIMITED);
			msg(g2, (uint64_t)in.duplicate_of, &o, NULL);
			assert_int_equal(o.len, b.len);
			assert_memory_equal(o.data, b.data, b.len);
			buf_release(&o);
			gen_free(g2);
			dups++;
		} else {
			if (in.message_id[0]) {
				ids[n] = strdup(in.message_id);
				assert_true(strstr(p, in.message_id) != NULL);
			} else {
				nomid++;
				assert_true(in.flags & GEN_F_NO_MSGID);
			}
		}
		bcc += in.n_bcc > 0;
		replies += in.parent >= 0;
		att += in.n_att > 0;
		html += (in.flags & GEN_F_HTML) != 0;
	}
	/* Message-IDs are unique across messages that are not re-deliveries */
	for (size_t i = 0; i < N; i++)
		for (size_t k = i + 1; ids[i] && k < N; k++)
			if (ids[k] && strcmp(ids[i], ids[k]) == 0)
				fail_msg("duplicate Message-ID %s (%zu, %zu)", ids[i], i, k);
	for (size_t i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
	static const enum gen_charset want[] = {GEN_CS_UTF8,	GEN_CS_GB2312, GEN_CS_GBK,
						GEN_CS_GB18030, GEN_CS_BIG5,   GEN_CS_ISO2022JP,
						GEN_CS_US_ASCII};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (cs_seen[want[i]] == 0 || label_seen[want[i]] == 0)
			fail_msg("charset %s: %u messages, %u labels", gen_charset_name(want[i]),
				 cs_seen[want[i]], label_seen[want[i]]);
	}
	assert_true(bcc > 0);
	assert_true(dups > 0);
	assert_true(replies > N / 10);
	assert_true(crlf > 0);
	assert_true(att > N / 10);
	assert_true(html > 0 && html < N);
	buf_release(&b);
	gen_free(g);
}

/* ---- threads -------------------------------------------------------------- */

static void test_threads(void **state)
{
	(void)state;
	struct gen *g = new_gen(11, 300), *g2 = new_gen(11, 300);
	struct buf b, pb;
	buf_init(&b, BUF_UNLIMITED);
	buf_init(&pb, BUF_UNLIMITED);
	unsigned checked = 0;
	for (uint64_t n = 0; n < 300; n++) {
		struct gen_info in;
		msg(g, n, &b, &in);
		if (in.parent < 0 || in.duplicate_of >= 0)
			continue;
		assert_true((uint64_t)in.parent < n);
		struct gen_info pin;
		msg(g2, (uint64_t)in.parent, &pb, &pin);
		assert_true(in.date >= pin.date);
		if (pin.message_id[0] == '\0')
			continue;
		/* the parent's Message-ID is in References (and In-Reply-To for replies) */
		size_t h = header_len(&b);
		char *hs = strndup((const char *)b.data, h);
		assert_non_null(strstr(hs, pin.message_id));
		free(hs);
		checked++;
	}
	assert_true(checked > 20);
	buf_release(&b);
	buf_release(&pb);
	gen_free(g);
	gen_free(g2);
}

/* ---- encoded words ----------------------------------------------------------- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static size_t b64dec(const char *s, size_t n, unsigned char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (unsigned char)(acc >> bits);
		}
	}
	return k;
}

/* Decodes every B encoded word of a header value on its own (each must be
 * a whole number of characters) and returns the UTF-8 concatenation. */
static void decode_words(const char *h, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = h;
	while ((p = strstr(p, "=?")) != NULL) {
		const char *q1 = strchr(p + 2, '?');
		assert_non_null(q1);
		char cs[32];
		snprintf(cs, sizeof(cs), "%.*s", (int)(q1 - p - 2), p + 2);
		assert_true(q1[1] == 'B' || q1[1] == 'b');
		const char *e = strstr(q1 + 3, "?=");
		assert_non_null(e);
		/* an encoded word is at most 75 characters (RFC 2047 2) */
		assert_true(e + 2 - p <= 75);
		unsigned char raw[128];
		size_t rn = b64dec(q1 + 3, (size_t)(e - q1 - 3), raw);
		iconv_t cd = iconv_open("UTF-8", cs);
		assert_true(cd != (iconv_t)-1);
		char *ip = (char *)raw, *op = out + o;
		size_t il = rn, ol = cap - o - 1;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		if (r == (size_t)-1 || iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
			fail_msg("word %.*s does not decode on its own in %s", (int)(e + 2 - p), p,
				 cs);
		iconv_close(cd);
		o = (size_t)(op - out);
		p = e + 2;
	}
	out[o] = '\0';
}

static void test_encoded_words(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	assert_int_equal(cs_init(&err), 0);
	static const struct {
		enum gen_charset cs;
		const char *text;
	} cases[] = {
	    {GEN_CS_UTF8,
	     "【净值日报】恒信稳健增长混合型证券投资基金2025年第一季度报告（草稿）请审阅"},
	    {GEN_CS_GB2312,
	     "关于江南人寿保险股份有限公司申购恒信科技创新混合型证券投资基金的确认函"},
	    {GEN_CS_GBK, "请将材料同步给王堃、李喆、张玥和陈珺，镕信材料的调研纪要见附件"},
	    {GEN_CS_GB18030, "收到，谢谢😊 𠮷野家的会议纪要已更新，请查收附件中的估值表"},
	    {GEN_CS_BIG5, "恆信穩健增長混合型證券投資基金淨值資料，請查收並回覆確認，謝謝"},
	    {GEN_CS_ISO2022JP,
	     "恒信基金管理有限公司 田中様 いつもお世話になっております。運用報告書をお送りします"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(cs_can_encode(cases[i].cs, cases[i].text, strlen(cases[i].text)));
		struct buf b;
		buf_init(&b, 4096);
		struct hdr h;
		assert_int_equal(hdr_begin(&h, &b, "Subject", "\n ", &err), 0);
		assert_int_equal(hdr_text(&h, " ", cases[i].text, cases[i].cs, 0, 1, &err), 0);
		assert_int_equal(hdr_end(&h, &err), 0);
		/* folded lines stay short */
		for (const char *l = (const char *)b.data; *l;) {
			const char *nl = strchr(l, '\n');
			assert_non_null(nl);
			assert_true(nl - l <= 76);
			l = nl + 1;
		}
		char dec[1024];
		decode_words((const char *)b.data, dec, sizeof(dec));
		assert_string_equal(dec, cases[i].text);
		assert_non_null(strcasestr((const char *)b.data, cs_label(cases[i].cs, 0)));
		buf_release(&b);
	}
	/* GB2312 lacks 堃; GBK has it; GB18030 has everything */
	assert_false(cs_can_encode(GEN_CS_GB2312, "王堃", strlen("王堃")));
	assert_true(cs_can_encode(GEN_CS_GBK, "王堃", strlen("王堃")));
	assert_false(cs_can_encode(GEN_CS_GBK, "😊", strlen("😊")));
	assert_true(cs_can_encode(GEN_CS_GB18030, "😊", strlen("😊")));
	/* RFC 2231 continuations never split a %XX */
	struct buf b;
	buf_init(&b, 4096);
	struct hdr h;
	assert_int_equal(hdr_begin(&h, &b, "Content-Disposition", "\n ", &err), 0);
	assert_int_equal(hdr_token(&h, " ", "attachment", 10, &err), 0);
	assert_int_equal(
	    hdr_param_2231(&h, "filename",
			   "恒信养老目标日期2040三年持有期混合型基金中基金2025年第一季度报告.pdf",
			   &err),
	    0);
	assert_non_null(strstr((const char *)b.data, "filename*0*=utf-8''%E6"));
	assert_non_null(strstr((const char *)b.data, "filename*1*="));
	for (const char *s = (const char *)b.data; (s = strchr(s, '%')) != NULL; s++)
		assert_true(s[1] != '\0' && s[2] != '\0' && s[1] != ';' && s[2] != ';');
	buf_release(&b);
}

/* ---- attachments ----------------------------------------------------------- */

static void zip_names(const struct buf *z, char *names, size_t cap)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, z->data, z->len), ARCHIVE_OK);
	struct archive_entry *e;
	size_t o = 0;
	names[0] = '\0';
	int rc;
	/* ARCHIVE_WARN: a UTF-8 name that the C locale cannot show */
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		const char *nm = archive_entry_pathname_utf8(e);
		assert_non_null(nm);
		o += (size_t)snprintf(names + o, cap - o, "%s|", nm);
		/* every member reads back completely (CRC checked by libarchive) */
		char tmp[8192];
		la_ssize_t r;
		int64_t total = 0;
		while ((r = archive_read_data(a, tmp, sizeof(tmp))) > 0)
			total += r;
		assert_true(r == 0);
		assert_int_equal(total, archive_entry_size(e));
	}
	archive_read_free(a);
}

static void check_pdf(const struct buf *p)
{
	const char *s = (const char *)p->data;
	assert_memory_equal(s, "%PDF-", 5);
	const char *sx = NULL;
	for (const char *q = s; (q = strstr(q, "startxref")) != NULL; q++)
		sx = q;
	assert_non_null(sx);
	size_t off = strtoul(sx + 9, NULL, 10);
	assert_true(off < p->len);
	assert_memory_equal(s + off, "xref\n0 ", 7);
	unsigned count = (unsigned)strtoul(s + off + 7, NULL, 10);
	const char *e = strchr(s + off + 5, '\n') + 1;
	assert_memory_equal(e, "0000000000 65535 f \n", 20);
	for (unsigned i = 1; i < count; i++) {
		const char *ent = e + 20 * i;
		size_t o = strtoul(ent, NULL, 10);
		assert_memory_equal(ent + 10, " 00000 n \n", 10);
		char want[32];
		int k = snprintf(want, sizeof(want), "%u 0 obj\n", i);
		assert_memory_equal(s + o, want, (size_t)k);
	}
	assert_non_null(strstr(sx, "%%EOF"));
}

static void test_attachments(void **state)
{
	(void)state;
	struct gen *g = new_gen(5, 2000);
	struct buf a, b64, m;
	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b64, BUF_UNLIMITED);
	buf_init(&m, BUF_UNLIMITED);
	unsigned seen[GEN_ATT_COUNT] = {0};
	struct error err = ERROR_INIT;
	struct gen_meta *meta = malloc(sizeof(*meta));
	for (uint64_t n = 0; n < 2000; n++) {
		assert_int_equal(gen_meta_build(g, n, meta, 0), 0);
		if (meta->n_att == 0 || meta->att_inherit || meta->fwd_attach)
			continue;
		if (seen[GEN_ATT_PDF] >= 3 && seen[GEN_ATT_DOCX] >= 3 && seen[GEN_ATT_XLSX] >= 3 &&
		    seen[GEN_ATT_ZIP] >= 2 && seen[GEN_ATT_CSV] >= 2)
			break;
		struct gen_info in;
		msg(g, n, &m, &in);
		if (in.duplicate_of >= 0)
			continue;
		/* meta again: gen_message used the generator's scratch */
		assert_int_equal(gen_meta_build(g, n, meta, 0), 0);
		for (unsigned i = 0; i < meta->n_att; i++) {
			struct att_out ao;
			assert_int_equal(att_build(g, meta, i, &a, &ao, &err), 0);
			char names[4096];
			switch (meta->att[i]) {
			case GEN_ATT_DOCX:
				zip_names(&a, names, sizeof(names));
				assert_non_null(strstr(names, "[Content_Types].xml|"));
				assert_non_null(strstr(names, "_rels/.rels|"));
				assert_non_null(strstr(names, "word/document.xml|"));
				break;
			case GEN_ATT_XLSX:
				zip_names(&a, names, sizeof(names));
				assert_non_null(strstr(names, "xl/workbook.xml|"));
				assert_non_null(strstr(names, "xl/worksheets/sheet1.xml|"));
				assert_non_null(strstr(names, "xl/sharedStrings.xml|"));
				break;
			case GEN_ATT_ZIP:
				zip_names(&a, names, sizeof(names));
				if (strstr(names, ".csv|") == NULL)
					fail_msg("zip members: %s", names);
				break;
			case GEN_ATT_PDF:
				check_pdf(&a);
				break;
			default:
				break;
			}
			seen[meta->att[i]]++;
			/* the message carries exactly these bytes, base64-encoded */
			buf_reset(&b64);
			assert_int_equal(mime_base64(&b64, a.data, a.len, &err), 0);
			if (in.flags & GEN_F_CRLF)
				continue;
			if (strstr((const char *)m.data, (const char *)b64.data) == NULL)
				fail_msg("message %llu: attachment %u not found",
					 (unsigned long long)n, i);
		}
	}
	free(meta);
	assert_true(seen[GEN_ATT_PDF] >= 3);
	assert_true(seen[GEN_ATT_DOCX] >= 3);
	assert_true(seen[GEN_ATT_XLSX] >= 3);
	assert_true(seen[GEN_ATT_ZIP] >= 1);
	/* a PDF with many pages keeps exact offsets too */
	const char *lines[300];
	for (int i = 0; i < 300; i++)
		lines[i] = i % 7 ? "NAV 1.2345 (T+1) \\ back-slash" : "";
	buf_reset(&a);
	assert_int_equal(att_pdf(&a, "Test (title)", lines, 300, 1735689600, &err), 0);
	check_pdf(&a);
	buf_release(&a);
	buf_release(&b64);
	buf_release(&m);
	gen_free(g);
}

/* ---- vocabulary ------------------------------------------------------------- */

static int gbk_only(const char *s)
{
	for (size_t i = 0; i < gen_n_gbk_only_words; i++)
		if (strstr(s, gen_gbk_only_words[i]) != NULL)
			return 1;
	return 0;
}

static void check_pool(const char *const *pool, int lang, const char *what)
{
	static const enum gen_charset cs[LANG_COUNT] = {[LANG_ZH] = GEN_CS_GB2312,
							[LANG_TW] = GEN_CS_BIG5,
							[LANG_EN] = GEN_CS_US_ASCII,
							[LANG_JA] = GEN_CS_ISO2022JP};
	for (size_t i = 0; pool != NULL && pool[i] != NULL; i++) {
		const char *s = pool[i];
		if (lang == LANG_ZH && gbk_only(s))
			continue;
		if (!cs_can_encode(cs[lang], s, strlen(s)))
			fail_msg("%s: \"%s\" does not fit %s", what, s, cs_label(cs[lang], 0));
	}
}

static void test_vocabulary(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	assert_int_equal(cs_init(&err), 0);
	for (size_t t = 0; t < gen_n_topics; t++) {
		for (int l = 0; l < LANG_COUNT; l++) {
			/* a language has subjects exactly when it has bodies */
			assert_int_equal(gen_topics[t].subj[l] != NULL,
					 gen_topics[t].body[l] != NULL);
			check_pool(gen_topics[t].subj[l], l, gen_topics[t].key);
			check_pool(gen_topics[t].body[l], l, gen_topics[t].key);
		}
	}
	for (int l = 0; l < LANG_COUNT; l++) {
		check_pool(gen_pool_filler[l], l, "filler");
		check_pool(gen_pool_commentary[l], l, "commentary");
		check_pool(gen_pool_reply[l], l, "reply");
		check_pool(gen_pool_forward[l], l, "forward");
	}
	for (size_t i = 0; i < gen_n_products; i++) {
		const struct gen_product *p = &gen_products[i];
		assert_true(cs_can_encode(GEN_CS_GB2312, p->zh, strlen(p->zh)));
		assert_true(cs_can_encode(GEN_CS_BIG5, p->tw, strlen(p->tw)));
		assert_true(cs_can_encode(GEN_CS_US_ASCII, p->en, strlen(p->en)));
	}
	for (size_t i = 0; i < gen_n_gbk_only_words; i++) {
		const char *w = gen_gbk_only_words[i];
		assert_false(cs_can_encode(GEN_CS_GB2312, w, strlen(w)));
		assert_true(cs_can_encode(GEN_CS_GBK, w, strlen(w)));
	}
	for (size_t i = 0; i < gen_n_gb18030_only_words; i++) {
		const char *w = gen_gb18030_only_words[i];
		assert_false(cs_can_encode(GEN_CS_GBK, w, strlen(w)));
		assert_true(cs_can_encode(GEN_CS_GB18030, w, strlen(w)));
	}
	/* the directory: about 200 employees with unique pinyin addresses */
	struct gen *g = new_gen(1, 10);
	size_t n = gen_employee_count(g);
	assert_true(n >= 190 && n <= 220);
	for (size_t i = 0; i < n; i++) {
		const char *name, *addr, *dept, *title;
		gen_employee(g, i, &name, &addr, &dept, &title);
		assert_non_null(strstr(addr, "@hengxin-fund.example"));
		assert_true(addr[0] >= 'a' && addr[0] <= 'z');
		for (size_t k = 0; k < i; k++) {
			const char *n2, *a2, *d2, *t2;
			gen_employee(g, k, &n2, &a2, &d2, &t2);
			assert_string_not_equal(addr, a2);
		}
	}
	gen_free(g);
}

/* ---- formats -------------------------------------------------------------- */

static size_t count_files(const char *dir, const char *suffix, int recurse)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			if (recurse)
				n += count_files(p, suffix, recurse);
		} else if (suffix == NULL ||
			   (strlen(e->d_name) > strlen(suffix) &&
			    strcmp(e->d_name + strlen(e->d_name) - strlen(suffix), suffix) == 0)) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static void run_gen(enum gen_format f, const char *out, uint64_t count, unsigned jobs,
		    const char *manifest, struct gen_stats *st)
{
	struct gen_opts o;
	gen_opts_defaults(&o);
	o.seed = 3;
	o.count = count;
	o.format = f;
	o.out = out;
	o.jobs = jobs;
	o.manifest = manifest;
	struct error err = ERROR_INIT;
	if (gen_run(&o, st, &err) < 0)
		fail_msg("gen_run: %s", err.msg);
}

static int same_file(const char *a, const char *b)
{
	struct buf x, y;
	buf_init(&x, BUF_UNLIMITED);
	buf_init(&y, BUF_UNLIMITED);
	struct error err = ERROR_INIT;
	int same = fs_read_file(a, &x, &err) == 0 && fs_read_file(b, &y, &err) == 0 &&
		   x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	buf_release(&x);
	buf_release(&y);
	return same;
}

static void test_formats(void **state)
{
	(void)state;
	char *t = tmp_dir();
	char p1[4200], p2[4200], m1[4200], m2[4200];
	struct gen_stats st;

	/* eml: 1000 per directory; same bytes with 1 or 2 worker threads */
	snprintf(p1, sizeof(p1), "%s/eml1", t);
	snprintf(p2, sizeof(p2), "%s/eml2", t);
	snprintf(m1, sizeof(m1), "%s/m1.jsonl", t);
	snprintf(m2, sizeof(m2), "%s/m2.jsonl", t);
	run_gen(GEN_FMT_EML, p1, 1050, 1, m1, &st);
	assert_int_equal(st.messages, 1050);
	run_gen(GEN_FMT_EML, p2, 1050, 2, m2, &st);
	assert_int_equal(count_files(p1, ".eml", 1), 1050);
	char d[4300];
	snprintf(d, sizeof(d), "%s/000", p1);
	assert_int_equal(count_files(d, ".eml", 0), 1000);
	snprintf(d, sizeof(d), "%s/001", p1);
	assert_int_equal(count_files(d, ".eml", 0), 50);
	for (int n = 0; n < 1050; n += 37) {
		char a[4400], b[4400];
		snprintf(a, sizeof(a), "%s/%03d/%06d.eml", p1, n / 1000, n);
		snprintf(b, sizeof(b), "%s/%03d/%06d.eml", p2, n / 1000, n);
		assert_true(same_file(a, b));
	}
	assert_true(same_file(m1, m2));
	/* the manifest has one line per message, with Bcc truth */
	struct buf man;
	buf_init(&man, BUF_UNLIMITED);
	struct error err = ERROR_INIT;
	assert_int_equal(fs_read_file(m1, &man, &err), 0);
	size_t lines = 0;
	for (size_t i = 0; i < man.len; i++)
		lines += man.data[i] == '\n';
	assert_int_equal(lines, 1050);
	assert_non_null(strstr((const char *)man.data, "\"bcc\":[\""));
	buf_release(&man);
	/* refusing to write into a non-empty directory */
	struct gen_opts o;
	gen_opts_defaults(&o);
	o.count = 5;
	o.out = p1;
	assert_int_equal(gen_run(&o, &st, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);

	/* mbox: one From_ line per message, mboxrd quoting */
	snprintf(p1, sizeof(p1), "%s/x.mbox", t);
	snprintf(m1, sizeof(m1), "%s/mb.jsonl", t);
	run_gen(GEN_FMT_MBOX, p1, 400, 2, m1, &st);
	struct buf mb;
	buf_init(&mb, BUF_UNLIMITED);
	assert_int_equal(fs_read_file(p1, &mb, &err), 0);
	size_t froms = 0, quoted = 0;
	const char *s = (const char *)mb.data;
	for (size_t i = 0; i < mb.len; i++) {
		if (i > 0 && s[i - 1] != '\n')
			continue;
		if (strncmp(s + i, "From ", 5) == 0) {
			/* a separator: at the start or after a blank line */
			assert_true(i == 0 || (i >= 2 && s[i - 2] == '\n'));
			froms++;
		} else {
			size_t k = i;
			while (k < mb.len && s[k] == '>')
				k++;
			quoted += k > i && strncmp(s + k, "From ", 5) == 0;
		}
	}
	assert_int_equal(froms, 400);
	assert_true(quoted > 0); /* bodies had "From " lines, now ">From " */
	/* the manifest offsets point at From_ lines */
	buf_init(&man, BUF_UNLIMITED);
	assert_int_equal(fs_read_file(m1, &man, &err), 0);
	for (const char *q = (const char *)man.data; (q = strstr(q, "\"offset\":")) != NULL; q++) {
		size_t off = strtoul(q + 9, NULL, 10);
		assert_true(off < mb.len);
		assert_memory_equal(s + off, "From ", 5);
	}
	buf_release(&man);
	buf_release(&mb);

	/* Maildir++: cur/new/tmp, folders, one file per message */
	snprintf(p1, sizeof(p1), "%s/Maildir", t);
	run_gen(GEN_FMT_MAILDIR, p1, 400, 1, NULL, &st);
	size_t total = 0;
	static const char *const folders[] = {"",
					      ".Sent",
					      ".Junk",
					      ".Newsletters",
					      ".&W6JiNw-",
					      ".&W6JiNw-.Brokers",
					      ".Archive.2024",
					      ".Archive.2025",
					      ".Archive.2026"};
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		static const char *const sub[] = {"cur", "new", "tmp"};
		for (int k = 0; k < 3; k++) {
			snprintf(d, sizeof(d), "%s/%s%s%s", p1, folders[i],
				 folders[i][0] ? "/" : "", sub[k]);
			struct stat sb;
			assert_int_equal(stat(d, &sb), 0);
			size_t c = count_files(d, NULL, 0);
			if (k == 2)
				assert_int_equal(c, 0);
			total += c;
		}
	}
	assert_int_equal(total, 400);
	snprintf(d, sizeof(d), "%s/.Sent", p1);
	assert_true(count_files(d, NULL, 1) > 10);
	rm_tree(t);
	free(t);
}

static void test_options(void **state)
{
	(void)state;
	struct gen_opts o;
	struct gen *g = NULL;
	struct error err = ERROR_INIT;
	gen_opts_defaults(&o);
	o.count = 0;
	assert_int_equal(gen_new(&o, &g, &err), -1);
	assert_int_equal(err.code, ERR_USAGE);
	gen_opts_defaults(&o);
	o.chinese = 1.5;
	assert_int_equal(gen_new(&o, &g, &err), -1);
	int32_t day;
	assert_int_equal(gen_parse_date("2025-02-29", &day, &err), -1);
	assert_int_equal(gen_parse_date("2024-02-29", &day, &err), 0);
	assert_int_equal(gen_parse_date("2025-01-01", &day, &err), 0);
	assert_int_equal(day, 20089);
	/* all English, no attachments: still valid mail, all ASCII-ish charsets */
	gen_opts_defaults(&o);
	o.count = 80;
	o.chinese = 0;
	o.attachments = 0;
	assert_int_equal(gen_new(&o, &g, &err), 0);
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	unsigned zh = 0;
	for (uint64_t n = 0; n < 80; n++) {
		struct gen_info in;
		msg(g, n, &b, &in);
		zh += strcmp(in.lang, "zh") == 0;
	}
	assert_int_equal(zh, 0);
	assert_int_equal(gen_message(g, 80, &b, NULL, &err), -1);
	buf_release(&b);
	gen_free(g);
}

int main(void)
{
	/* libarchive hands out UTF-8 member names only under a UTF-8 locale */
	setlocale(LC_CTYPE, "C.UTF-8");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_vocabulary),
	    cmocka_unit_test(test_encoded_words),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_headers_and_charsets),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_attachments),
	    cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
