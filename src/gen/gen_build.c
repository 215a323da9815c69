/*
 * gen_build.c - the bytes of one message (RFC 5322 header section, MIME
 * structure of RFC 2045/2046: text/plain, multipart/alternative with HTML,
 * multipart/related with an inline logo, multipart/mixed with attachments,
 * message/rfc822 for forwards as attachment) in the style of the sender's
 * mail client, and the public generator API of gen.h.
 *
 * Invariants: no Bcc header is ever written; every message ends in a line
 * ending; text parts are in the charset they declare except the deliberate
 * GEN_F_MISLABELLED case; boundaries never occur in the content (they carry
 * "=_" or "----" and random hex, which base64 and our text never produce).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gen/gen_int.h"

#define COMPANY_DOMAIN "hengxin-fund.example"
#define SCRATCH_MAX (96u << 20)

static const char *const wd3[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mon3[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct mc {
	struct gen *g;
	const struct gen_meta *m;
	struct gen_rng *hr;
	struct buf *out;
	int level;
	enum gen_charset cs; /* charset of the text parts (and encoded words) */
	int cte;	     /* of the plain text part */
	const char *fold;
	int upper;
	const struct buf *inner; /* message/rfc822 content, or NULL */
};

static int fmt_date(char *out, size_t cap, int64_t t, int tz, int style)
{
	int y, mo, d, h, mi, s, wd;
	gen_civil(t, tz, &y, &mo, &d, &h, &mi, &s, &wd);
	int atz = tz < 0 ? -tz : tz;
	char zone[16];
	snprintf(zone, sizeof(zone), "%c%02d%02d", tz < 0 ? '-' : '+', atz / 60, atz % 60);
	switch (style) {
	case 1: /* no day of week */
		return snprintf(out, cap, "%d %s %d %02d:%02d:%02d %s", d, mon3[mo - 1], y, h, mi,
				s, zone);
	case 2: /* with a zone comment */
		return snprintf(out, cap, "%s, %d %s %d %02d:%02d:%02d %s (CST)", wd3[wd], d,
				mon3[mo - 1], y, h, mi, s, zone);
	case 3: /* UTC, "-0000" as scripts write it */
		gen_civil(t, 0, &y, &mo, &d, &h, &mi, &s, &wd);
		return snprintf(out, cap, "%s, %02d %s %d %02d:%02d:%02d -0000", wd3[wd], d,
				mon3[mo - 1], y, h, mi, s);
	default:
		return snprintf(out, cap, "%s, %d %s %d %02d:%02d:%02d %s", wd3[wd], d,
				mon3[mo - 1], y, h, mi, s, zone);
	}
}

static void rand_alnum(struct gen_rng *r, char *out, size_t n)
{
	static const char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	for (size_t i = 0; i < n; i++)
		out[i] = a[gen_below(r, 62)];
	out[n] = '\0';
}

static void rand_b64(struct gen_rng *r, char *out, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i++)
		out[i] = a[gen_below(r, 64)];
	out[n] = '\0';
}

/* ---- headers -------------------------------------------------------------- */

static int h_line(struct mc *c, struct error *err, const char *fmt, ...) CUSTOS_PRINTF(3, 4);
static int h_line(struct mc *c, struct error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(c->out, err, fmt, ap);
	va_end(ap);
	return rc;
}

static int h_addrs(struct mc *c, const char *name, const uint16_t *v, size_t n, struct error *err)
{
	if (n == 0)
		return 0;
	struct hdr h;
	if (hdr_begin(&h, c->out, name, c->fold, err) < 0)
		return -1;
	h.upper = c->upper;
	for (size_t i = 0; i < n; i++) {
		const struct gen_party *p = &c->g->party[v[i]];
		const char *disp = gen_party_display(c->g, p, c->m->lang);
		const char *sep = i == 0 ? " " : ", ";
		char a[128];
		if (*disp) {
			if (hdr_phrase(&h, sep, disp, c->cs, c->m->hdr_q, err) < 0)
				return -1;
			int k = snprintf(a, sizeof(a), "<%s>", p->addr);
			if (hdr_token(&h, " ", a, (size_t)k, err) < 0)
				return -1;
		} else {
			int k = snprintf(a, sizeof(a), "%s", p->addr);
			if (hdr_token(&h, sep, a, (size_t)k, err) < 0)
				return -1;
		}
	}
	return hdr_end(&h, err);
}

static int h_subject(struct mc *c, struct error *err)
{
	struct hdr h;
	if (hdr_begin(&h, c->out, "Subject", c->fold, err) < 0)
		return -1;
	h.upper = c->upper;
	if (c->m->subject[0] && hdr_text(&h, " ", c->m->subject, c->cs, c->m->hdr_q, 1, err) < 0)
		return -1;
	return hdr_end(&h, err);
}

static int h_refs(struct mc *c, struct error *err)
{
	const struct gen_meta *m = c->m;
	if (m->n_refs == 0)
		return 0;
	if (m->kind == KIND_REPLY &&
	    h_line(c, err, "In-Reply-To: %s\n", m->refs[m->n_refs - 1]) < 0)
		return -1;
	struct hdr h;
	if (hdr_begin(&h, c->out, "References", c->fold, err) < 0)
		return -1;
	for (size_t i = 0; i < m->n_refs; i++)
		if (hdr_token(&h, " ", m->refs[i], strlen(m->refs[i]), err) < 0)
			return -1;
	return hdr_end(&h, err);
}

static int h_msgid(struct mc *c, const char *name, struct error *err)
{
	if (!c->m->msgid[0])
		return 0;
	return h_line(c, err, "%s: %s\n", name, c->m->msgid);
}

static int h_date(struct mc *c, struct error *err)
{
	char d[64];
	int style = 0;
	unsigned x = gen_below(c->hr, 100);
	if (c->m->mua == MUA_SYSTEM)
		style = 3;
	else if (c->m->mua == MUA_COREMAIL || c->m->mua == MUA_WEBMAIL)
		style = x < 50 ? 2 : 0;
	else if (x < 2)
		style = 1;
	fmt_date(d, sizeof(d), c->m->date, c->m->tz, style);
	return h_line(c, err, "Date: %s\n", d);
}

static const struct gen_org *from_org(const struct mc *c)
{
	const struct gen_party *f = &c->g->party[c->m->from];
	return f->kind == PK_CONTACT ? &gen_orgs[f->org] : NULL;
}

static const char *first_local_rcpt(const struct mc *c)
{
	const struct gen_meta *m = c->m;
	size_t total = m->n_to + m->n_cc + m->n_bcc;
	if (total != 1)
		return NULL;
	uint16_t p = m->n_to ? m->to[0] : m->n_cc ? m->cc[0] : m->bcc[0];
	return c->g->party[p].addr;
}

static int h_trace(struct mc *c, const char *mail_from, struct error *err)
{
	const struct gen_meta *m = c->m;
	char qid[16], d[64];
	rand_alnum(c->hr, qid, 12);
	const char *one = first_local_rcpt(c);
	if (m->dir == GEN_DIR_INBOUND) {
		const struct gen_org *o = from_org(c);
		const char *dom = strchr(c->g->party[m->from].addr, '@') + 1;
		unsigned ip = o ? o->ip : 99;
		if (h_line(c, err, "Return-Path: <%s>\n", mail_from) < 0)
			return -1;
		fmt_date(d, sizeof(d), m->date + 2 + gen_below(c->hr, 20), 480, 2);
		if (h_line(
			c, err,
			"Received: from mail.%s (mail.%s [%s.%u])\n\tby mx1.hengxin-fund.example "
			"(Postfix) with ESMTPS id 4%s%s%s%s;\n\t%s\n",
			dom, dom, ip >= 200 ? "203.0.113" : "198.51.100", ip, qid,
			one ? "\n\tfor <" : "", one ? one : "", one ? ">" : "", d) < 0)
			return -1;
		if (gen_below(c->hr, 2)) {
			fmt_date(d, sizeof(d), m->date + 1, m->tz, 0);
			rand_alnum(c->hr, qid, 10);
			if (h_line(c, err,
				   "Received: from [10.%u.%u.%u] (unknown [10.%u.%u.%u])\n\tby "
				   "mail.%s "
				   "with ESMTPSA id %s\n\t(version=TLS1_3 "
				   "cipher=TLS_AES_256_GCM_SHA384 "
				   "bits=256 verify=NO);\n\t%s\n",
				   ip, m->from % 250, 1 + m->from % 200, ip, m->from % 250,
				   1 + m->from % 200, dom, qid, d) < 0)
				return -1;
		}
		if (m->special == SP_PHISHING) {
			if (h_line(
				c, err,
				"Authentication-Results: mx1.hengxin-fund.example;\n\tdkim=none;\n"
				"\tspf=softfail (mx1.hengxin-fund.example: domain of transitioning "
				"%s "
				"does not designate 203.0.113.%u as permitted sender) "
				"smtp.mailfrom=%s\n",
				mail_from, ip, mail_from) < 0)
				return -1;
		} else if (gen_below(c->hr, 10) < 7) {
			char b[12];
			rand_b64(c->hr, b, 8);
			if (h_line(c, err,
				   "Authentication-Results: mx1.hengxin-fund.example;\n\tdkim=pass "
				   "(2048-bit "
				   "key) header.d=%s header.i=@%s header.b=\"%s\";\n\tspf=pass "
				   "(mx1.hengxin-fund.example: domain of %s designates "
				   "198.51.100.%u as "
				   "permitted sender) smtp.mailfrom=%s\n",
				   dom, dom, b, mail_from, ip, mail_from) < 0)
				return -1;
			if (gen_below(c->hr, 10) < 6) {
				char bh[48], sig[360];
				rand_b64(c->hr, bh, 43);
				rand_b64(c->hr, sig, 342);
				struct hdr h;
				char tok[128];
				if (hdr_begin(&h, c->out, "DKIM-Signature", "\n\t", err) < 0 ||
				    hdr_token(&h, " ", "v=1; a=rsa-sha256; c=relaxed/relaxed;", 37,
					      err) < 0)
					return -1;
				int k = snprintf(tok, sizeof(tok), "d=%s; s=s2024; t=%" PRId64 ";",
						 dom, m->date);
				if (hdr_token(&h, " ", tok, (size_t)k, err) < 0)
					return -1;
				k = snprintf(tok, sizeof(tok), "bh=%s=;", bh);
				if (hdr_token(&h, " ", tok, (size_t)k, err) < 0 ||
				    hdr_token(&h, " ",
					      "h=From:To:Subject:Date:Message-ID:MIME-Version:"
					      "Content-Type;",
					      60, err) < 0 ||
				    buf_append_str(c->out, "\n\tb=", err) < 0)
					return -1;
				/* the signature itself, folded every 70 characters */
				for (size_t i = 0; i < 342; i += 70) {
					size_t n = 342 - i < 70 ? 342 - i : 70;
					if (buf_append_str(c->out, i ? "\n\t  " : "", err) < 0 ||
					    buf_append(c->out, sig + i, n, err) < 0)
						return -1;
				}
				if (buf_append_str(c->out, "==\n", err) < 0)
					return -1;
			}
		}
		return 0;
	}
	/* internal and outbound: the submission server */
	fmt_date(d, sizeof(d), m->date + 1, 480, 2);
	unsigned a = 20 + m->from % 4, b = 1 + m->from % 250;
	if (m->mua == MUA_SYSTEM)
		return h_line(
		    c, err,
		    "Received: from ta01.hengxin-fund.example (ta01.hengxin-fund.example "
		    "[10.10.1.21])\n\tby mail.hengxin-fund.example (Postfix) with ESMTP id "
		    "4%s\n\tfor <%s>; %s\n",
		    qid, c->g->party[m->n_to ? m->to[0] : m->from].addr, d);
	return h_line(c, err,
		      "Received: from [10.%u.%u.%u] (unknown [10.%u.%u.%u])\n\tby "
		      "mail.hengxin-fund.example (Postfix) with ESMTPSA id 4%s;\n\t%s\n",
		      a, b / 16, b, a, b / 16, b, qid, d);
}

static int h_to_cc(struct mc *c, struct error *err)
{
	const struct gen_meta *m = c->m;
	if (m->flags & GEN_F_UNDISCLOSED) {
		if (h_line(c, err, "To: undisclosed-recipients:;\n") < 0)
			return -1;
	} else if (h_addrs(c, "To", m->to, m->n_to, err) < 0) {
		return -1;
	}
	return h_addrs(c, "Cc", m->cc, m->n_cc, err);
}

static int write_headers(struct mc *c, const char *mail_from, struct error *err)
{
	const struct gen_meta *m = c->m;
	struct gen_rng *r = c->hr;
	uint16_t from = m->from;
	int zh = m->lang == LANG_ZH || m->lang == LANG_TW;
	char t[160];
	if (h_trace(c, mail_from, err) < 0)
		return -1;
	switch (m->mua) {
	case MUA_OUTLOOK: {
		const struct gen_org *o = from_org(c);
		if (h_addrs(c, "From", &from, 1, err) < 0 || h_to_cc(c, err) < 0 ||
		    h_refs(c, err) < 0 || h_subject(c, err) < 0 || h_date(c, err) < 0 ||
		    h_msgid(c, "Message-ID", err) < 0 || h_line(c, err, "MIME-Version: 1.0\n") < 0)
			return -1;
		unsigned char ti[22];
		for (size_t i = 0; i < sizeof(ti); i++)
			ti[i] = (unsigned char)gen_below(r, 256);
		struct buf b;
		buf_init(&b, 256);
		int rc = mime_base64(&b, ti, sizeof(ti), err);
		if (rc == 0) {
			b.data[--b.len] = '\0'; /* the newline */
			rc =
			    h_line(c, err, "X-Mailer: %s\nThread-Index: %s\nContent-Language: %s\n",
				   gen_below(r, 5) ? "Microsoft Outlook 16.0"
						   : "Microsoft Office Outlook 12.0",
				   (const char *)b.data,
				   zh			? "zh-cn"
				   : m->lang == LANG_JA ? "ja"
							: "en-us");
		}
		buf_release(&b);
		if (rc < 0)
			return -1;
		if (o != NULL && o->lang == LANG_EN) {
			uint64_t u = gen_rng_next(r);
			if (h_line(c, err,
				   "X-MS-Has-Attach: "
				   "%s\nX-MS-TNEF-Correlator:\nx-ms-publictraffictype: Email\n"
				   "X-MS-Office365-Filtering-Correlation-Id: "
				   "%08x-%04x-%04x-%04x-%012" PRIx64 "\n",
				   m->n_att ? "yes" : "", (uint32_t)(u >> 32),
				   (uint32_t)(u >> 16) & 0xffff, (uint32_t)u & 0xffff,
				   gen_below(r, 65536),
				   (uint64_t)(gen_rng_next(r) & 0xffffffffffffULL)) < 0)
				return -1;
		}
		if (gen_below(r, 100) < 5 &&
		    h_line(c, err, "X-Priority: 1\nImportance: High\n") < 0)
			return -1;
		return 0;
	}
	case MUA_FOXMAIL: {
		uint64_t u = gen_rng_next(r);
		if (h_date(c, err) < 0 || h_addrs(c, "From", &from, 1, err) < 0 ||
		    h_to_cc(c, err) < 0 || h_subject(c, err) < 0 || h_refs(c, err) < 0)
			return -1;
		return h_line(c, err,
			      "X-Priority: 3\nX-GUID: %08X-%04X-%04X-%04X-%012" PRIX64
			      "\nX-Has-Attach: %s\nX-Mailer: Foxmail 7.2.25.%u[cn]\nMime-Version: "
			      "1.0\n",
			      (uint32_t)(u >> 32), (uint32_t)(u >> 16) & 0xffff,
			      (uint32_t)u & 0xffff, gen_below(r, 65536),
			      (uint64_t)(gen_rng_next(r) & 0xffffffffffffULL),
			      m->n_att ? "yes" : "no", 200 + gen_below(r, 60)) < 0 ||
		       h_msgid(c, "Message-ID", err);
	}
	case MUA_COREMAIL: {
		char tid[32];
		rand_b64(r, tid, 24);
		if (h_date(c, err) < 0 || h_addrs(c, "From", &from, 1, err) < 0 ||
		    h_to_cc(c, err) < 0 || h_subject(c, err) < 0 || h_refs(c, err) < 0)
			return -1;
		return h_line(c, err,
			      "X-Priority: 3\nX-Mailer: Coremail Webmail Server Version XT5.0.14 "
			      "build "
			      "20230109(dcb5de15)\nX-Originating-IP: [10.%u.%u.%u]\nMIME-Version: "
			      "1.0\n",
			      20 + gen_below(r, 4), gen_below(r, 16), 1 + gen_below(r, 250)) < 0 ||
		       h_msgid(c, "Message-ID", err) < 0 ||
		       h_line(c, err, "X-Coremail-Locale: zh_CN\nX-CM-TRANSID:%s\n", tid);
	}
	case MUA_THUNDERBIRD:
		return h_msgid(c, "Message-ID", err) < 0 || h_date(c, err) < 0 ||
		       h_line(c, err,
			      "MIME-Version: 1.0\nUser-Agent: Mozilla "
			      "Thunderbird\nContent-Language: %s\n",
			      zh ? "zh-CN" : "en-US") < 0 ||
		       h_to_cc(c, err) < 0 || h_refs(c, err) < 0 ||
		       h_addrs(c, "From", &from, 1, err) < 0 || h_subject(c, err);
	case MUA_APPLE:
		return h_line(c, err,
			      "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\n") < 0 ||
		       h_subject(c, err) < 0 || h_addrs(c, "From", &from, 1, err) < 0 ||
		       h_date(c, err) < 0 || h_to_cc(c, err) < 0 || h_refs(c, err) < 0 ||
		       h_msgid(c, "Message-Id", err) < 0 ||
		       h_line(c, err, "X-Mailer: Apple Mail (2.3774.600.62)\n");
	case MUA_WEBMAIL:
		if (h_date(c, err) < 0 || h_addrs(c, "From", &from, 1, err) < 0 ||
		    h_to_cc(c, err) < 0 || h_subject(c, err) < 0 || h_refs(c, err) < 0)
			return -1;
		return h_line(c, err,
			      "Mime-Version: 1.0\nX-Mailer: FreeMail Webmail 3.0\n"
			      "X-Originating-IP: [198.51.100.%u]\n",
			      100 + gen_below(r, 100)) < 0 ||
		       h_msgid(c, "Message-ID", err);
	case MUA_GMAILLIKE:
		return h_line(c, err, "MIME-Version: 1.0\n") < 0 || h_refs(c, err) < 0 ||
		       h_addrs(c, "From", &from, 1, err) < 0 || h_date(c, err) < 0 ||
		       h_msgid(c, "Message-ID", err) < 0 || h_subject(c, err) < 0 ||
		       h_to_cc(c, err);
	case MUA_BECKY:
		return h_date(c, err) < 0 || h_addrs(c, "From", &from, 1, err) < 0 ||
		       h_to_cc(c, err) < 0 || h_subject(c, err) < 0 || h_refs(c, err) < 0 ||
		       h_msgid(c, "Message-Id", err) < 0 ||
		       h_line(c, err, "MIME-Version: 1.0\nX-Mailer: Becky! ver. 2.81.03 [ja]\n");
	case MUA_SYSTEM:
		return h_line(c, err, "MIME-Version: 1.0\n") < 0 || h_subject(c, err) < 0 ||
		       h_addrs(c, "From", &from, 1, err) < 0 || h_to_cc(c, err) < 0 ||
		       h_date(c, err) < 0 || h_msgid(c, "Message-ID", err) < 0 ||
		       h_line(c, err,
			      "Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\n");
	default: { /* newsletter */
		const char *dom = strchr(c->g->party[from].addr, '@') + 1;
		uint64_t hx = gen_mix64(m->n ^ 0x6e6c);
		snprintf(t, sizeof(t), "%s", dom);
		return h_date(c, err) < 0 || h_addrs(c, "From", &from, 1, err) < 0 ||
		       h_line(c, err, "Reply-To: service@%s\n", t) < 0 || h_to_cc(c, err) < 0 ||
		       h_subject(c, err) < 0 || h_msgid(c, "Message-ID", err) < 0 ||
		       h_line(c, err,
			      "List-Unsubscribe: <mailto:unsubscribe@%s?subject=unsub-%016" PRIx64
			      ">,\n <https://%s/u/%016" PRIx64 ">\nList-Unsubscribe-Post: "
			      "List-Unsubscribe=One-Click\nList-Id: <news.%s>\nPrecedence: bulk\n"
			      "Feedback-ID: %u:news:%s\nMIME-Version: 1.0\n",
			      t, hx, t, hx, t, (unsigned)(hx % 1000), t);
	}
	}
}

/* ---- body ------------------------------------------------------------------- */

static const char *cte_name(int cte)
{
	static const char *const n[] = {"base64", "quoted-printable", "8bit", "7bit"};
	return n[cte & 3];
}

static void boundary(struct mc *c, int depth, char *out, size_t cap)
{
	struct gen_rng *r = c->hr;
	uint64_t u = gen_rng_next(r);
	switch (c->m->mua) {
	case MUA_OUTLOOK:
		snprintf(out, cap, "----=_NextPart_%03d_%04X_%08X.%08X", depth,
			 (unsigned)(u & 0xffff), (uint32_t)(u >> 16), (uint32_t)gen_rng_next(r));
		break;
	case MUA_FOXMAIL:
		snprintf(out, cap, "----=_%03d_NextPart%" PRIu64 "_=----", depth + 1,
			 (uint64_t)(u % 1000000000000ULL));
		break;
	case MUA_COREMAIL:
	case MUA_WEBMAIL:
		snprintf(out, cap, "----=_Part_%u_%u.%" PRId64 "%03u", (unsigned)(u % 1000000),
			 (unsigned)(u >> 40) % 100000000, c->m->date, depth);
		break;
	case MUA_THUNDERBIRD: {
		char a[32];
		rand_alnum(r, a, 24);
		snprintf(out, cap, "------------%s", a);
		break;
	}
	case MUA_APPLE:
		snprintf(out, cap, "Apple-Mail=_%08X-%04X-%04X-%04X-%012" PRIX64,
			 (uint32_t)(u >> 32), (uint32_t)(u >> 16) & 0xffff, (uint32_t)u & 0xffff,
			 depth, (uint64_t)(gen_rng_next(r) & 0xffffffffffffULL));
		break;
	case MUA_GMAILLIKE:
		snprintf(out, cap, "0000000000%02x%016" PRIx64, depth, u);
		break;
	case MUA_SYSTEM:
		snprintf(out, cap, "===============%019" PRIu64 "==",
			 (uint64_t)(u % 10000000000000000000ULL));
		break;
	default:
		snprintf(out, cap, "b%d_%016" PRIx64 "%016" PRIx64, depth + 1, u, gen_rng_next(r));
	}
}

static int put_ctype_text(struct mc *c, const char *sub, int cte, struct error *err)
{
	const char *label = cs_label(c->cs, c->upper);
	int quoted = c->m->mua == MUA_OUTLOOK || c->m->mua == MUA_FOXMAIL ||
		     c->m->mua == MUA_GMAILLIKE || c->m->mua == MUA_BECKY ||
		     c->m->mua == MUA_SYSTEM || c->m->mua == MUA_WEBMAIL;
	const char *flow = "";
	if (c->m->mua == MUA_THUNDERBIRD && strcmp(sub, "plain") == 0)
		flow = c->m->lang == LANG_EN ? "; format=flowed" : "; format=flowed; delsp=yes";
	if (gen_printf(c->out, err, "Content-Type: text/%s;%scharset=%s%s%s%s\n", sub,
		       c->m->mua == MUA_OUTLOOK ? "\n\t" : " ", quoted ? "\"" : "", label,
		       quoted ? "\"" : "", flow) < 0)
		return -1;
	return gen_printf(c->out, err, "Content-Transfer-Encoding: %s\n\n", cte_name(cte));
}

static int put_body(struct mc *c, const struct buf *b, int cte, struct error *err)
{
	if (cte == 0)
		return mime_base64(c->out, b->data, b->len, err);
	if (cte == 1)
		return mime_qp(c->out, b->data, b->len, err);
	if (buf_append(c->out, b->data, b->len, err) < 0)
		return -1;
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		return buf_append_byte(c->out, '\n', err);
	return 0;
}

static int html_cte(const struct mc *c)
{
	return c->cte == 0 ? 0 : 1;
}

static int put_html_part(struct mc *c, struct error *err)
{
	int cte = html_cte(c);
	if (put_ctype_text(c, "html", cte, err) < 0)
		return -1;
	return put_body(c, &c->g->html, cte, err);
}

/* multipart/alternative: text/plain + text/html (or related html + logo). */
static int put_alt(struct mc *c, struct error *err)
{
	char b[96];
	boundary(c, 1, b, sizeof(b));
	if (gen_printf(c->out, err, "Content-Type: multipart/alternative;\n\tboundary=\"%s\"\n\n",
		       b) < 0)
		return -1;
	if (gen_printf(c->out, err, "--%s\n", b) < 0 ||
	    put_ctype_text(c, "plain", c->cte, err) < 0 || put_body(c, &c->g->enc, c->cte, err) < 0)
		return -1;
	if (gen_printf(c->out, err, "\n--%s\n", b) < 0)
		return -1;
	if (c->m->related) {
		char rb[96];
		boundary(c, 2, rb, sizeof(rb));
		if (gen_printf(
			c->out, err,
			"Content-Type: "
			"multipart/related;\n\ttype=\"text/html\";\n\tboundary=\"%s\"\n\n--%s\n",
			rb, rb) < 0 ||
		    put_html_part(c, err) < 0 ||
		    gen_printf(c->out, err,
			       "\n--%s\nContent-Type: image/png;\n\tname=\"image001.png\"\n"
			       "Content-Transfer-Encoding: base64\nContent-ID: <%s>\n"
			       "Content-Disposition: inline;\n\tfilename=\"image001.png\"\n\n",
			       rb, c->g->cid) < 0 ||
		    mime_base64(c->out, c->g->png, c->g->png_len, err) < 0 ||
		    gen_printf(c->out, err, "\n--%s--\n", rb) < 0)
			return -1;
	} else if (put_html_part(c, err) < 0) {
		return -1;
	}
	return gen_printf(c->out, err, "\n--%s--\n", b);
}

static int put_main_body(struct mc *c, struct error *err)
{
	switch (c->m->shape) {
	case SHAPE_TEXT:
		return put_ctype_text(c, "plain", c->cte, err) < 0
			   ? -1
			   : put_body(c, &c->g->enc, c->cte, err);
	case SHAPE_HTML:
		return put_html_part(c, err);
	default:
		return put_alt(c, err);
	}
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int att_headers(struct mc *c, const struct att_out *ao, struct error *err)
{
	int mua = c->m->mua;
	const char *ctype = ao->ctype;
	if (mua == MUA_FOXMAIL && gen_below(c->hr, 2) && strncmp(ctype, "text/", 5) != 0)
		ctype = "application/octet-stream";
	int ascii = is_ascii(ao->filename);
	struct hdr h;
	/* Content-Type with name */
	if (hdr_begin(&h, c->out, "Content-Type", c->fold, err) < 0)
		return -1;
	h.upper = c->upper;
	if (hdr_token(&h, " ", ctype, strlen(ctype), err) < 0)
		return -1;
	if (strcmp(ctype, "text/csv") == 0) {
		const char *l = cs_label(ao->csv_cs, 0);
		char p[48];
		int k = snprintf(p, sizeof(p), "charset=%s", l);
		if (hdr_token(&h, "; ", p, (size_t)k, err) < 0)
			return -1;
	}
	if (mua == MUA_APPLE && hdr_token(&h, "; ", "x-unix-mode=0644", 16, err) < 0)
		return -1;
	int rc = ascii ? hdr_param_plain(&h, "name", ao->filename, err)
		       : hdr_param_2047(&h, "name", ao->filename, c->cs, err);
	if (rc < 0 || hdr_end(&h, err) < 0)
		return -1;
	if (buf_append_str(c->out, "Content-Transfer-Encoding: base64\n", err) < 0)
		return -1;
	if (hdr_begin(&h, c->out, "Content-Disposition", c->fold, err) < 0)
		return -1;
	h.upper = c->upper;
	if (hdr_token(&h, " ", "attachment", 10, err) < 0)
		return -1;
	if (ascii)
		rc = hdr_param_plain(&h, "filename", ao->filename, err);
	else if (mua == MUA_THUNDERBIRD || mua == MUA_APPLE || mua == MUA_SYSTEM)
		rc = hdr_param_2231(&h, "filename", ao->filename, err);
	else
		rc = hdr_param_2047(&h, "filename", ao->filename, c->cs, err);
	if (rc < 0 || hdr_end(&h, err) < 0)
		return -1;
	if (mua == MUA_GMAILLIKE) {
		unsigned id = gen_below(c->hr, 1u << 30);
		if (gen_printf(c->out, err, "Content-ID: <f_%08x>\nX-Attachment-Id: f_%08x\n", id,
			       id) < 0)
			return -1;
	}
	return buf_append_byte(c->out, '\n', err);
}

static int put_message_part(struct mc *c, struct error *err)
{
	const struct buf *in = c->inner;
	int eight = 0;
	for (size_t i = 0; i < in->len; i++)
		if (in->data[i] >= 0x80) {
			eight = 1;
			break;
		}
	if (gen_printf(c->out, err,
		       "Content-Type: message/rfc822\nContent-Transfer-Encoding: %s\n"
		       "Content-Disposition: attachment\n\n",
		       eight ? "8bit" : "7bit") < 0 ||
	    buf_append(c->out, in->data, in->len, err) < 0)
		return -1;
	if (in->len > 0 && in->data[in->len - 1] != '\n')
		return buf_append_byte(c->out, '\n', err);
	return 0;
}

static int put_mixed(struct mc *c, const struct gen_meta *att_meta, struct error *err)
{
	char b[96];
	boundary(c, 0, b, sizeof(b));
	int pre = c->m->mua == MUA_OUTLOOK || c->m->mua == MUA_FOXMAIL || c->m->mua == MUA_COREMAIL;
	if (gen_printf(c->out, err, "Content-Type: multipart/mixed;\n\tboundary=\"%s\"\n\n%s--%s\n",
		       b, pre ? "This is a multi-part message in MIME format.\n\n" : "", b) < 0 ||
	    put_main_body(c, err) < 0)
		return -1;
	for (unsigned i = 0; i < c->m->n_att; i++) {
		if (gen_printf(c->out, err, "\n--%s\n", b) < 0)
			return -1;
		if (c->m->att[i] == GEN_ATT_MESSAGE) {
			if (!c->m->fwd_attach)
				return error_set(err, ERR_INTERNAL,
						 "message/rfc822 without content");
			if (put_message_part(c, err) < 0)
				return -1;
			continue;
		}
		struct att_out ao;
		if (att_build(c->g, att_meta, i, &c->g->att, &ao, err) < 0 ||
		    att_headers(c, &ao, err) < 0 ||
		    mime_base64(c->out, c->g->att.data, c->g->att.len, err) < 0)
			return -1;
	}
	return gen_printf(c->out, err, "\n--%s--\n", b);
}

/* Encodes the UTF-8 plain text in the wanted charset, falling back the way
 * real clients do; *cs_r is the charset used. */
static int encode_text(struct gen *g, const struct gen_meta *m, unsigned *flags, int *cte,
		       enum gen_charset *cs_r, struct error *err)
{
	enum gen_charset want = (enum gen_charset)m->cs;
	const char *p = (const char *)g->plain.data;
	size_t n = g->plain.len;
	buf_reset(&g->enc);
	*cs_r = want;
	if (cs_encode(want, p, n, &g->enc, err) == 0)
		return 0;
	if (err != NULL && err->code == ERR_LIMIT)
		return -1;
	if (want == GEN_CS_GB2312 && cs_encode(GEN_CS_GBK, p, n, &g->enc, err) == 0) {
		if (m->mislabel) {
			*flags |= GEN_F_MISLABELLED;
			*cs_r = CS_GBK_AS_GB2312;
		} else {
			*cs_r = GEN_CS_GBK;
		}
		return 0;
	}
	*cs_r = GEN_CS_UTF8;
	buf_reset(&g->enc);
	if (cs_encode(GEN_CS_UTF8, p, n, &g->enc, err) < 0)
		return -1;
	if (*cte == 3)
		*cte = want == GEN_CS_ISO2022JP ? 0 : 1; /* 7bit cannot carry UTF-8 */
	return 0;
}

/* The Maildir++ folder a mailbox owner would have filed the message in:
 * sent mail in .Sent, newsletters and some phishing in their folders, mail
 * older than 90 days before the end of the period mostly in .Archive.YEAR,
 * client and broker mail often in .客户 and .客户.Brokers. */
static void folder_of(struct gen *g, const struct gen_meta *m, struct gen_rng *r)
{
	int y, mo, d, h, mi, s, wd;
	gen_civil(m->date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
	int64_t end = ((int64_t)g->opts.start_day + g->opts.days) * 86400;
	unsigned x = gen_below(r, 100);
	const char *f = "";
	if (m->special == SP_NEWSLETTER)
		f = ".Newsletters";
	else if (m->special == SP_PHISHING && x < 50)
		f = ".Junk";
	else if (m->dir == GEN_DIR_OUTBOUND || (m->dir == GEN_DIR_INTERNAL && x < 35))
		f = ".Sent";
	else if (m->date < end - 90 * 86400 && x < 75)
		f = NULL; /* archive */
	else if (m->dir == GEN_DIR_INBOUND && m->org != UINT16_MAX &&
		 gen_orgs[m->org].kind == OK_CLIENT && x < 90)
		f = ".&W6JiNw-"; /* 客户 in modified UTF-7 (RFC 3501 5.1.3) */
	else if (m->dir == GEN_DIR_INBOUND && m->org != UINT16_MAX &&
		 gen_orgs[m->org].kind == OK_BROKER && x < 90)
		f = ".&W6JiNw-.Brokers";
	if (f == NULL)
		snprintf(g->folder, sizeof(g->folder), ".Archive.%d", y);
	else
		snprintf(g->folder, sizeof(g->folder), "%s", f);
}

static int party_is_local(const struct gen_party *p)
{
	return p->kind == PK_EMPLOYEE || p->kind == PK_GROUP || p->kind == PK_SYSTEM;
}

static void fill_info(struct gen *g, const struct gen_meta *m, enum gen_charset cs, int cte,
		      unsigned flags, struct gen_info *info)
{
	g->meta = *m;
	const struct gen_meta *gm = &g->meta;
	memset(info, 0, sizeof(*info));
	info->n = gm->n;
	info->duplicate_of = -1;
	info->parent = gm->parent;
	info->thread = gm->thread;
	info->date = gm->date;
	info->direction = (enum gen_direction)gm->dir;
	info->charset = cs == CS_GBK_AS_GB2312 ? GEN_CS_GB2312 : cs;
	static const char *const langs[] = {"zh", "zh-Hant", "en", "ja"};
	info->lang = langs[gm->lang];
	info->cte = cte_name(cte);
	info->subject = gm->subject;
	info->message_id = gm->msgid;
	info->from = g->party[gm->from].addr;
	info->mail_from = g->mail_from;
	/* the envelope as Hengxin's MTA sees it: inbound mail reaches it only
	 * for Hengxin recipients; internal and outbound mail for everyone */
	int local_only = gm->dir == GEN_DIR_INBOUND;
	size_t n = 0, nb = 0;
	for (size_t i = 0; i < gm->n_to && !(gm->flags & GEN_F_UNDISCLOSED); i++)
		if (!local_only || party_is_local(&g->party[gm->to[i]]))
			g->rcpt[n++] = g->party[gm->to[i]].addr;
	for (size_t i = 0; i < gm->n_cc; i++)
		if (!local_only || party_is_local(&g->party[gm->cc[i]]))
			g->rcpt[n++] = g->party[gm->cc[i]].addr;
	for (size_t i = 0; i < gm->n_bcc; i++) {
		if (local_only && !party_is_local(&g->party[gm->bcc[i]]))
			continue;
		g->rcpt[n++] = g->party[gm->bcc[i]].addr;
		g->bcc[nb++] = g->party[gm->bcc[i]].addr;
	}
	info->rcpt = g->rcpt;
	info->n_rcpt = n;
	info->bcc = g->bcc;
	info->n_bcc = nb;
	for (size_t i = 0; i < gm->n_att && info->n_att < GEN_MAX_ATT; i++)
		info->att[info->n_att++] = (enum gen_att_kind)gm->att[i];
	if (gm->related && info->n_att < GEN_MAX_ATT)
		info->att[info->n_att++] = GEN_ATT_PNG;
	info->flags = flags;
	static const char *const sc[] = {"", "", "", "", "phishing", "exfiltration", ""};
	info->scenario = sc[gm->special];
	info->folder = g->folder;
}

static int build(struct gen *g, uint64_t n, struct buf *out, int level, struct gen_info *info,
		 struct error *err);

static int build_inner(struct gen *g, const struct gen_meta *m, int level, struct error *err)
{
	struct buf *in = &g->inner[level];
	buf_reset(in);
	if (build(g, (uint64_t)m->parent, in, level + 1, NULL, err) < 0)
		return -1;
	/* one line-ending convention inside the outer message */
	size_t w = 0;
	for (size_t i = 0; i < in->len; i++)
		if (!(in->data[i] == '\r' && i + 1 < in->len && in->data[i + 1] == '\n'))
			in->data[w++] = in->data[i];
	in->len = w;
	in->data[w] = '\0';
	return 0;
}

static int to_crlf(struct gen *g, struct buf *out, struct error *err)
{
	size_t lf = 0;
	for (size_t i = 0; i < out->len; i++)
		lf += out->data[i] == '\n';
	struct buf *t = &g->tmp;
	buf_reset(t);
	if (buf_reserve(t, out->len + lf, err) < 0)
		return -1;
	unsigned char *o = t->data;
	for (size_t i = 0; i < out->len; i++) {
		if (out->data[i] == '\n')
			*o++ = '\r';
		*o++ = out->data[i];
	}
	t->len = (size_t)(o - t->data);
	if (out->max < t->len)
		return error_set(err, ERR_LIMIT, "message of %zu bytes over the buffer limit",
				 t->len);
	/* swap the storage, keep each limit */
	unsigned char *d = out->data;
	size_t cap = out->cap;
	out->data = t->data;
	out->cap = t->cap;
	out->len = t->len;
	out->data[out->len] = '\0';
	t->data = d;
	t->cap = cap;
	t->len = 0;
	if (t->data != NULL)
		t->data[0] = '\0';
	return 0;
}

static int build(struct gen *g, uint64_t n, struct buf *out, int level, struct gen_info *info,
		 struct error *err)
{
	int64_t src = gen_dup_source(g, n);
	if (src >= 0) {
		if (build(g, (uint64_t)src, out, level, info, err) < 0)
			return -1;
		if (info != NULL) {
			info->n = n;
			info->duplicate_of = src;
		}
		return 0;
	}
	struct gen_meta *m = xmalloc(sizeof(*m));
	int rc = -1;
	if (gen_meta_build(g, n, m, 0) < 0)
		goto fail;
	struct gen_rng hr;
	gen_rng_seed(&hr, g->opts.seed, n, RS_HEADER);
	if (m->fwd_attach && (level > GEN_MAX_DEPTH || m->parent < 0)) {
		m->fwd_attach = 0;
		m->n_att = 0;
	}
	if (m->fwd_attach && build_inner(g, m, level, err) < 0)
		goto fail;
	if (m->related)
		snprintf(g->cid, sizeof(g->cid), "image001.png@01DB%04X.%08X",
			 gen_below(&hr, 65536), (uint32_t)gen_rng_next(&hr));
	if (text_logical(g, m, 0, err) < 0 || text_render_plain(g, m, &g->plain, err) < 0)
		goto fail;
	unsigned flags = m->flags;
	int cte = m->cte;
	enum gen_charset cs;
	if (encode_text(g, m, &flags, &cte, &cs, err) < 0)
		goto fail;
	if (m->shape != SHAPE_TEXT) {
		flags |= GEN_F_HTML;
		if (text_render_html(g, m, cs, &g->tmp2, err) < 0)
			goto fail;
		buf_reset(&g->html);
		if (cs_encode(cs, (const char *)g->tmp2.data, g->tmp2.len, &g->html, err) < 0) {
			if (err != NULL && err->code == ERR_LIMIT)
				goto fail;
			/* the text fitted but the HTML does not: HTML goes UTF-8 */
			cs = GEN_CS_UTF8;
			if (text_render_html(g, m, cs, &g->tmp2, err) < 0 ||
			    cs_encode(cs, (const char *)g->tmp2.data, g->tmp2.len, &g->html, err) <
				0)
				goto fail;
		}
	}
	/* envelope sender */
	const struct gen_party *f = &g->party[m->from];
	if (m->mua == MUA_NEWSLETTER)
		snprintf(g->mail_from, sizeof(g->mail_from), "bounces+%016" PRIx64 "@%s",
			 gen_mix64(m->n), strchr(f->addr, '@') + 1);
	else
		snprintf(g->mail_from, sizeof(g->mail_from), "%s", f->addr);

	struct mc c = {g, m, &hr, out, level, cs, cte, "\n\t", 0, &g->inner[level]};
	switch (m->mua) {
	case MUA_THUNDERBIRD:
	case MUA_GMAILLIKE:
	case MUA_BECKY:
	case MUA_SYSTEM:
	case MUA_NEWSLETTER:
		c.fold = "\n ";
		break;
	default:
		break;
	}
	c.upper = m->mua == MUA_FOXMAIL || m->mua == MUA_COREMAIL || m->mua == MUA_THUNDERBIRD ||
		  m->mua == MUA_GMAILLIKE || m->mua == MUA_BECKY || cs == GEN_CS_ISO2022JP;
	if (write_headers(&c, g->mail_from, err) < 0)
		goto fail;
	if (m->n_att > 0) {
		const struct gen_meta *am = m;
		struct gen_meta *pm = NULL;
		if (m->att_inherit) {
			pm = xmalloc(sizeof(*pm));
			if (gen_meta_build(g, (uint64_t)m->parent, pm, 0) < 0) {
				free(pm);
				goto fail;
			}
			am = pm;
		}
		int r2 = put_mixed(&c, am, err);
		free(pm);
		if (r2 < 0)
			goto fail;
	} else if (put_main_body(&c, err) < 0) {
		goto fail;
	}
	if ((flags & GEN_F_CRLF) && level == 0 && to_crlf(g, out, err) < 0)
		goto fail;
	if (info != NULL) {
		folder_of(g, m, &hr);
		fill_info(g, m, cs, cte, flags, info);
	}
	rc = 0;
fail:
	free(m);
	return rc;
}

/* ---- public API --------------------------------------------------------------- */

void gen_opts_defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->count = 1000;
	o->format = GEN_FMT_EML;
	o->start_day = (int32_t)gen_days_from_civil(2025, 1, 1);
	o->days = 365;
	o->chinese = 0.75;
	o->attachments = 0.22;
	o->jobs = 1;
}

int gen_parse_date(const char *s, int32_t *day_r, struct error *err)
{
	int y, m, d;
	char tail;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1971 || y > 2999 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return error_set(err, ERR_USAGE, "bad date '%s' (want YYYY-MM-DD)", s);
	int64_t days = gen_days_from_civil(y, m, d);
	int yy, mm, dd, h, mi, sec, wd;
	gen_civil(days * 86400, 0, &yy, &mm, &dd, &h, &mi, &sec, &wd);
	if (mm != m || dd != d)
		return error_set(err, ERR_USAGE, "no such date '%s'", s);
	*day_r = (int32_t)days;
	return 0;
}

int gen_new(const struct gen_opts *opts, struct gen **gen_r, struct error *err)
{
	if (opts->count == 0 || opts->count > GEN_MAX_COUNT)
		return error_set(err, ERR_USAGE, "count must be 1..%llu", GEN_MAX_COUNT);
	if (opts->days == 0 || opts->days > GEN_MAX_DAYS)
		return error_set(err, ERR_USAGE, "days must be 1..%u", GEN_MAX_DAYS);
	if (!(opts->chinese >= 0 && opts->chinese <= 1) ||
	    !(opts->attachments >= 0 && opts->attachments <= 1))
		return error_set(err, ERR_USAGE, "fractions must be between 0 and 1");
	if (opts->jobs > GEN_MAX_JOBS)
		return error_set(err, ERR_USAGE, "jobs must be at most %u", GEN_MAX_JOBS);
	if (cs_init(err) < 0)
		return -1;
	struct gen *g = xcalloc(1, sizeof(*g));
	g->opts = *opts;
	if (gen_dir_build(g, err) < 0) {
		gen_free(g);
		return -1;
	}
	/* working days weigh 1, Saturdays 0.12, Sundays 0.08 */
	g->day_cum = xmalloc(opts->days * sizeof(*g->day_cum));
	double acc = 0;
	for (uint32_t i = 0; i < opts->days; i++) {
		int64_t day = (int64_t)opts->start_day + i;
		int wd = (int)((day % 7 + 11) % 7);
		acc += wd == 6 ? 0.12 : wd == 0 ? 0.08 : 1.0;
		g->day_cum[i] = acc;
	}
	att_png_logo(&g->png, &g->png_len);
	for (size_t i = 0; i < NELEM(g->own); i++) {
		buf_init(&g->own[i], SCRATCH_MAX);
		buf_init(&g->qhdr[i], SCRATCH_MAX);
		buf_init(&g->logical[i], SCRATCH_MAX);
		buf_init(&g->inner[i], SCRATCH_MAX);
	}
	buf_init(&g->plain, SCRATCH_MAX);
	buf_init(&g->html, SCRATCH_MAX);
	buf_init(&g->enc, SCRATCH_MAX);
	buf_init(&g->tmp, SCRATCH_MAX);
	buf_init(&g->tmp2, SCRATCH_MAX);
	buf_init(&g->att, SCRATCH_MAX);
	buf_init(&g->attenc, SCRATCH_MAX);
	*gen_r = g;
	return 0;
}

void gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < NELEM(g->own); i++) {
		buf_release(&g->own[i]);
		buf_release(&g->qhdr[i]);
		buf_release(&g->logical[i]);
		buf_release(&g->inner[i]);
	}
	buf_release(&g->plain);
	buf_release(&g->html);
	buf_release(&g->enc);
	buf_release(&g->tmp);
	buf_release(&g->tmp2);
	buf_release(&g->att);
	buf_release(&g->attenc);
	free(g->party);
	free(g->org_first);
	free(g->org_count);
	free(g->day_cum);
	free(g->png);
	free(g);
}

int gen_message(struct gen *g, uint64_t n, struct buf *out, struct gen_info *info_r,
		struct error *err)
{
	if (n >= g->opts.count)
		return error_set(err, ERR_USAGE,
				 "message %" PRIu64 " out of range (count %" PRIu64 ")", n,
				 g->opts.count);
	buf_reset(out);
	struct gen_info scratch;
	return build(g, n, out, 0, info_r != NULL ? info_r : &scratch, err);
}

size_t gen_employee_count(const struct gen *g)
{
	return g->n_emp;
}

void gen_employee(const struct gen *g, size_t i, const char **name_r, const char **addr_r,
		  const char **dept_r, const char **title_r)
{
	const struct gen_party *p = &g->party[i < g->n_emp ? i : 0];
	*name_r = p->name;
	*addr_r = p->addr;
	*dept_r = gen_depts[p->dept].zh;
	*title_r = gen_depts[p->dept].titles_zh[p->title];
}
