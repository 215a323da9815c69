/*
 * gen_msg.c - one message: its metadata (who, when, which thread, which
 * language, charset and client) and its bytes (RFC 5322 header section and
 * MIME structure, RFC 2045-2049).
 *
 * Invariants:
 *  - Message n is a function of (seed, n, options). Metadata draws from the
 *    RS_META stream only, so a reply can rebuild its parent's metadata
 *    without building the parent's body; the chain is at most GEN_MAX_DEPTH
 *    long, which bounds recursion.
 *  - Message-IDs embed gen_mix64(n ^ key), a bijection of n, so two messages
 *    of one run never share a Message-ID (except re-deliveries, which are the
 *    same bytes on purpose).
 *  - Bcc recipients are in the metadata and the envelope, never in a header.
 *  - Line endings are LF, converted to CRLF at the very end for the
 *    GEN_F_CRLF fraction; no other CR is ever written.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gen/gen_int.h"

#define COMPANY_DOMAIN "hengxin-fund.example"

/* ---- calendar ------------------------------------------------------------ */

int64_t gen_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void gen_civil(int64_t t, int tz, int *y, int *mo, int *d, int *h, int *mi, int *s, int *wd)
{
	int64_t local = t + (int64_t)tz * 60;
	int64_t days = floordiv(local, 86400);
	int64_t sec = local - days * 86400;
	civil_from_days(days, y, mo, d);
	*h = (int)(sec / 3600);
	*mi = (int)(sec / 60 % 60);
	*s = (int)(sec % 60);
	*wd = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
}

static int weekday_of(int64_t days)
{
	return (int)((days % 7 + 11) % 7);
}

/* Day of month of the n-th (1-based) or last (n = 0) Sunday of y-m. */
static int nth_sunday(int y, int m, int n)
{
	if (n == 0) {
		int last =
		    m == 12
			? 31
			: (int)(gen_days_from_civil(y, m + 1, 1) - gen_days_from_civil(y, m, 1));
		int64_t dl = gen_days_from_civil(y, m, last);
		return last - weekday_of(dl);
	}
	int64_t d1 = gen_days_from_civil(y, m, 1);
	int first = 1 + (7 - weekday_of(d1)) % 7;
	return first + 7 * (n - 1);
}

/* Offset in minutes of an organisation on a (UTC) day, with EU or US
 * daylight saving time at day granularity. */
static int org_tz(const struct gen_org *o, int64_t day)
{
	if (o->dst == 0)
		return o->tz;
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	int on;
	if (o->dst == 1)
		on = (m > 3 && m < 10) || (m == 3 && d >= nth_sunday(y, 3, 0)) ||
		     (m == 10 && d < nth_sunday(y, 10, 0));
	else
		on = (m > 3 && m < 11) || (m == 3 && d >= nth_sunday(y, 3, 2)) ||
		     (m == 11 && d < nth_sunday(y, 11, 1));
	return o->tz + (on ? 60 : 0);
}

/* ---- choosing ------------------------------------------------------------ */

static uint16_t pick_employee(const struct gen *g, struct gen_rng *r, unsigned dept_mask)
{
	uint16_t w[DEPT_COUNT];
	size_t first[DEPT_COUNT], k = 0;
	for (int d = 0; d < DEPT_COUNT; d++) {
		first[d] = k;
		k += gen_depts[d].size;
		w[d] = (dept_mask & DM(d)) ? (uint16_t)gen_depts[d].size : 0;
	}
	if ((dept_mask & DM_ALL) == 0)
		for (int d = 0; d < DEPT_COUNT; d++)
			w[d] = (uint16_t)gen_depts[d].size;
	size_t d = gen_pick_weighted(r, w, DEPT_COUNT);
	(void)g;
	return (uint16_t)(first[d] + gen_below(r, gen_depts[d].size));
}

static size_t dept_first(int dept)
{
	size_t k = 0;
	for (int d = 0; d < dept; d++)
		k += gen_depts[d].size;
	return k;
}

static uint16_t pick_org(struct gen_rng *r, unsigned kind_mask, int lang)
{
	uint16_t cand[64];
	size_t n = 0;
	for (size_t o = 0; o < gen_n_orgs && n < NELEM(cand); o++)
		if ((kind_mask & OM(gen_orgs[o].kind)) && gen_orgs[o].lang == lang)
			cand[n++] = (uint16_t)o;
	if (n == 0)
		return UINT16_MAX;
	return cand[gen_below(r, (uint32_t)n)];
}

static uint16_t pick_contact(const struct gen *g, struct gen_rng *r, uint16_t org)
{
	size_t first = g->org_first[org], n = g->org_count[org];
	/* the newsletter address of a vendor does not write personal mail */
	if (gen_orgs[org].mua == MUA_NEWSLETTER && n > 1) {
		first++;
		n--;
	}
	return (uint16_t)(first + gen_below(r, (uint32_t)n));
}

static int has_party(const struct gen_meta *m, uint16_t p)
{
	if (p == m->from)
		return 1;
	for (size_t i = 0; i < m->n_to; i++)
		if (m->to[i] == p)
			return 1;
	for (size_t i = 0; i < m->n_cc; i++)
		if (m->cc[i] == p)
			return 1;
	for (size_t i = 0; i < m->n_bcc; i++)
		if (m->bcc[i] == p)
			return 1;
	return 0;
}

static void add_to(struct gen_meta *m, uint16_t p)
{
	if (m->n_to < GEN_MAX_RCPT && !has_party(m, p))
		m->to[m->n_to++] = p;
}
static void add_cc(struct gen_meta *m, uint16_t p)
{
	if (m->n_cc < GEN_MAX_RCPT && !has_party(m, p))
		m->cc[m->n_cc++] = p;
}
static void add_bcc(struct gen_meta *m, uint16_t p)
{
	if (m->n_bcc < GEN_MAX_RCPT && !has_party(m, p))
		m->bcc[m->n_bcc++] = p;
}

static uint16_t dept_head(int dept)
{
	return (uint16_t)dept_first(dept);
}

static const struct gen_org *party_org(const struct gen *g, uint16_t p)
{
	return g->party[p].kind == PK_CONTACT ? &gen_orgs[g->party[p].org] : NULL;
}

static int party_internal(const struct gen *g, uint16_t p)
{
	int k = g->party[p].kind;
	return k == PK_EMPLOYEE || k == PK_GROUP || k == PK_SYSTEM;
}

/* ---- dates --------------------------------------------------------------- */

static const uint16_t hour_w[24] = {
    2, 1, 1, 1, 1, 2, 4, 12, 45, 100, 110, 95, 40, 60, 95, 105, 100, 80, 40, 24, 18, 14, 9, 5,
};

/* The day of message n: spread over the period following the cumulative
 * day weights, so that the numbering follows time. */
static int64_t day_of(const struct gen *g, uint64_t n)
{
	double total = g->day_cum[g->opts.days - 1];
	double x = ((double)n + 0.5) / (double)g->opts.count * total;
	uint32_t lo = 0, hi = g->opts.days - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (g->day_cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (int64_t)g->opts.start_day + lo;
}

static int64_t pick_time(const struct gen *g, struct gen_rng *r, uint64_t n, int tz, int special)
{
	int64_t day = day_of(g, n);
	int h;
	if (special == SP_EXFIL) {
		static const uint16_t w[] = {30, 20, 10, 40};
		static const int hh[] = {0, 1, 2, 23};
		h = hh[gen_pick_weighted(r, w, 4)];
		tz = 480;
	} else if (special == SP_SYSTEM) {
		h = (int)gen_below(r, 24);
	} else if (special == SP_NEWSLETTER) {
		h = 6 + (int)gen_below(r, 3);
	} else {
		h = (int)gen_pick_weighted(r, hour_w, 24);
	}
	int64_t local = day * 86400 + h * 3600 + gen_below(r, 60) * 60 + gen_below(r, 60);
	return local - (int64_t)tz * 60;
}

static int sender_tz(const struct gen *g, uint16_t from, int64_t t)
{
	const struct gen_org *o = party_org(g, from);
	if (o == NULL)
		return 480;
	return org_tz(o, floordiv(t, 86400));
}

/* ---- duplicates ---------------------------------------------------------- */

/* The earlier message whose exact bytes message n repeats, or -1. */
int64_t gen_dup_source(const struct gen *g, uint64_t n)
{
	while (n > 0) {
		struct gen_rng r;
		gen_rng_seed(&r, g->opts.seed, n, RS_DATE);
		if (!gen_chance(&r, 0.015))
			return -1;
		uint64_t back = 1 + gen_below(&r, (uint32_t)(n < 300 ? n : 300));
		uint64_t src = n - back;
		/* a re-delivery of a re-delivery is the original again */
		struct gen_rng r2;
		gen_rng_seed(&r2, g->opts.seed, src, RS_DATE);
		if (src == 0 || !gen_chance(&r2, 0.015))
			return (int64_t)src;
		n = src;
	}
	return -1;
}

/* ---- message ids --------------------------------------------------------- */

static uint64_t uniq_of(const struct gen *g, uint64_t n)
{
	return gen_mix64(n ^ gen_mix64(g->opts.seed + 0x5bd1e995));
}

static void make_msgid(const struct gen *g, struct gen_meta *m, struct gen_rng *r)
{
	const struct gen_party *f = &g->party[m->from];
	const char *dom = strchr(f->addr, '@') + 1;
	uint64_t u = uniq_of(g, m->n);
	uint32_t x = (uint32_t)gen_rng_next(r);
	int y, mo, d, h, mi, s, wd;
	gen_civil(m->date, m->tz, &y, &mo, &d, &h, &mi, &s, &wd);
	char *o = m->msgid;
	size_t cap = sizeof(m->msgid);
	switch (m->mua) {
	case MUA_OUTLOOK:
		if (f->kind == PK_CONTACT && gen_orgs[f->org].lang == LANG_EN)
			snprintf(o, cap, "<%016" PRIX64 "%08X@EXCH01.%s>", u, x, dom);
		else
			snprintf(o, cap, "<%016" PRIx64 "$%08x$%08x$@%s>", u, x,
				 (uint32_t)gen_rng_next(r), dom);
		break;
	case MUA_FOXMAIL:
		snprintf(o, cap, "<%04d%02d%02d%02d%02d%02d%" PRIu64 "@%s>", y, mo, d, h, mi, s, u,
			 dom);
		break;
	case MUA_COREMAIL:
		snprintf(o, cap, "<%x.%x.%" PRIx64 ".Coremail.%s>", x & 0xfffffff, x >> 16, u,
			 f->addr);
		break;
	case MUA_THUNDERBIRD:
		snprintf(o, cap, "<%08x-%04x-4%03x-%04x-%012" PRIx64 "@%s>", (uint32_t)(u >> 32),
			 (uint32_t)(u >> 16) & 0xffff, x & 0xfff, (uint32_t)u & 0xffff,
			 (uint64_t)(gen_rng_next(r) & 0xffffffffffffULL), dom);
		break;
	case MUA_APPLE:
		snprintf(o, cap, "<%08X-%04X-%04X-%04X-%012" PRIX64 "@%s>", (uint32_t)(u >> 32),
			 (uint32_t)(u >> 16) & 0xffff, (uint32_t)u & 0xffff, x & 0xffff,
			 (uint64_t)(gen_rng_next(r) & 0xffffffffffffULL), dom);
		break;
	case MUA_WEBMAIL:
		snprintf(o, cap, "<fm_%016" PRIx64 "%08x@%s>", u, x, dom);
		break;
	case MUA_GMAILLIKE: {
		static const char a[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		char t[48];
		uint64_t v = u;
		for (int i = 0; i < 11; i++, v >>= 6)
			t[i] = a[v & 63];
		for (int i = 11; i < 40; i++)
			t[i] = a[gen_below(r, 64)];
		t[40] = '\0';
		snprintf(o, cap, "<CA+%s@mail.%s>", t, dom);
		break;
	}
	case MUA_BECKY:
		snprintf(o, cap, "<%04d%02d%02d%02d%02d%02d.%04X.%016" PRIX64 "@%s>", y, mo, d, h,
			 mi, s, x & 0xffff, u, dom);
		break;
	case MUA_SYSTEM:
		snprintf(o, cap, "<%" PRId64 ".%" PRIu64 ".%016" PRIx64 "@ta01.%s>", m->date, m->n,
			 u, COMPANY_DOMAIN);
		break;
	default:
		snprintf(o, cap, "<%016" PRIx64 ".%u@mailer.%s>", u, x % 100000, dom);
		break;
	}
}

/* ---- metadata ------------------------------------------------------------ */

static const char *reply_prefix(int mua, int lang, int fwd)
{
	if (lang == LANG_ZH || lang == LANG_TW) {
		switch (mua) {
		case MUA_OUTLOOK:
			return fwd ? (lang == LANG_TW ? "轉寄: " : "转发: ")
				   : (lang == LANG_TW ? "回覆: " : "答复: ");
		case MUA_FOXMAIL:
		case MUA_COREMAIL:
		case MUA_WEBMAIL:
			return fwd ? "转发：" : "回复：";
		default:
			break;
		}
	}
	switch (mua) {
	case MUA_OUTLOOK:
		return fwd ? "FW: " : "RE: ";
	case MUA_FOXMAIL:
	case MUA_BECKY:
		return fwd ? "Fw: " : "Re: ";
	default:
		return fwd ? "Fwd: " : "Re: ";
	}
}

static void set_subject_prefixed(struct gen_meta *m, const char *prefix, const char *parent)
{
	size_t pl = strlen(prefix), sl = strlen(parent);
	/* a prefix is added once, and never past the subject buffer (the
	 * subject then stays as it was: no cut) */
	if (strncmp(parent, prefix, pl) == 0 || pl + sl >= sizeof(m->subject)) {
		memcpy(m->subject, parent, sl + 1);
		return;
	}
	memcpy(m->subject, prefix, pl);
	memcpy(m->subject + pl, parent, sl + 1);
}

/* Charset, transfer encoding and body shape from the client and language. */
static void pick_encoding(const struct gen *g, struct gen_meta *m, struct gen_rng *r)
{
	const struct gen_party *f = &g->party[m->from];
	unsigned x = gen_below(r, 100);
	uint8_t cs = GEN_CS_UTF8, cte = 0;
	switch (m->lang) {
	case LANG_ZH:
		switch (m->mua) {
		case MUA_OUTLOOK:
		case MUA_FOXMAIL:
			if (f->mua_utf8)
				cs = GEN_CS_UTF8;
			else
				cs = x < 78 ? GEN_CS_GB2312 : GEN_CS_GBK;
			cte = (m->mua == MUA_FOXMAIL || x % 5) ? 0 : 1;
			break;
		case MUA_COREMAIL:
			cs = x < 60 ? GEN_CS_UTF8 : x < 85 ? GEN_CS_GBK : GEN_CS_GB18030;
			break;
		case MUA_WEBMAIL:
			cs = x < 70 ? GEN_CS_GB18030 : GEN_CS_UTF8;
			break;
		case MUA_THUNDERBIRD:
			cte = x < 60 ? 2 : x < 80 ? 1 : 0;
			break;
		case MUA_APPLE:
			cte = x < 70 ? 1 : 0;
			break;
		case MUA_SYSTEM:
			cs = x < 80 ? GEN_CS_UTF8 : GEN_CS_GB2312;
			cte = x < 50 ? 0 : x < 80 ? 2 : 0;
			break;
		case MUA_NEWSLETTER:
			cte = x < 50 ? 1 : 0;
			break;
		default:
			break;
		}
		break;
	case LANG_TW:
		cs = x < 70 ? GEN_CS_BIG5 : GEN_CS_UTF8;
		cte = x < 60 ? 0 : x < 70 ? 1 : 0;
		break;
	case LANG_JA:
		if (m->mua == MUA_BECKY ? x < 90 : x < 60) {
			cs = GEN_CS_ISO2022JP;
			cte = 3;
		}
		break;
	default: /* English */
		if (f->kind == PK_EMPLOYEE && !f->mua_utf8 &&
		    (m->mua == MUA_OUTLOOK || m->mua == MUA_FOXMAIL) && x < 50) {
			cs = GEN_CS_GB2312; /* a Chinese client writing English */
			cte = 0;
		} else if (x < 8) {
			cs = GEN_CS_LATIN1;
			cte = 1;
		} else if (x < 55) {
			cs = GEN_CS_US_ASCII;
			cte = 3;
		} else {
			cte = 1;
		}
		break;
	}
	m->cs = cs;
	m->cte = cte;
	m->hdr_q = gen_chance(r, 0.15);
	m->mislabel = gen_chance(r, 0.4);
	switch (m->mua) {
	case MUA_THUNDERBIRD:
	case MUA_BECKY:
		m->shape = SHAPE_TEXT;
		break;
	case MUA_SYSTEM:
		m->shape = gen_chance(r, 0.3) ? SHAPE_HTML : SHAPE_TEXT;
		break;
	case MUA_NEWSLETTER:
		m->shape = gen_chance(r, 0.3) ? SHAPE_HTML : SHAPE_ALT;
		break;
	case MUA_APPLE:
	case MUA_GMAILLIKE:
		m->shape = gen_chance(r, 0.7) ? SHAPE_ALT : SHAPE_TEXT;
		break;
	case MUA_COREMAIL:
	case MUA_WEBMAIL:
		m->shape = gen_chance(r, 0.9) ? SHAPE_ALT : SHAPE_TEXT;
		break;
	default: /* Outlook and Foxmail: some users compose in plain text */
		m->shape = gen_chance(r, 0.85) ? SHAPE_ALT : SHAPE_TEXT;
	}
	if (m->special == SP_PHISHING)
		m->shape = gen_chance(r, 0.5) ? SHAPE_HTML : SHAPE_ALT;
	m->related = m->shape == SHAPE_ALT && f->kind == PK_EMPLOYEE &&
		     (m->mua == MUA_OUTLOOK || m->mua == MUA_FOXMAIL) && gen_chance(r, 0.3);
}

static void pick_attachments(const struct gen *g, struct gen_meta *m, struct gen_rng *r, int force)
{
	const struct gen_topic *t = &gen_topics[m->topic];
	size_t nk = strlen(t->att);
	double p = t->att_pct / 100.0 * (g->opts.attachments / 0.22);
	if (nk == 0 || !(force || gen_chance(r, p > 1 ? 1 : p)))
		return;
	unsigned x = gen_below(r, 100);
	unsigned n = x < 70 ? 1 : x < 92 ? 2 : 3 + gen_below(r, 2);
	for (unsigned i = 0; i < n && m->n_att < GEN_MAX_ATT; i++) {
		char c = t->att[gen_below(r, (uint32_t)nk)];
		uint8_t k = c == 'p'   ? GEN_ATT_PDF
			    : c == 'd' ? GEN_ATT_DOCX
			    : c == 'x' ? GEN_ATT_XLSX
			    : c == 'z' ? GEN_ATT_ZIP
				       : GEN_ATT_CSV;
		m->att[m->n_att++] = k;
	}
	if (gen_chance(r, 0.006)) {
		m->flags |= GEN_F_LARGE;
		if (m->att[0] != GEN_ATT_PDF && m->att[0] != GEN_ATT_CSV)
			m->att[0] = GEN_ATT_PDF;
	}
}

/* Picks the language and a topic that can be written in it. */
static void pick_topic(const struct gen *g, struct gen_meta *m, struct gen_rng *r)
{
	double u = gen_unit(r);
	if (u < g->opts.chinese)
		m->lang = gen_chance(r, 0.06) ? LANG_TW : LANG_ZH;
	else
		m->lang = gen_chance(r, 0.15) ? LANG_JA : LANG_EN;
	uint16_t w[64];
	for (size_t i = 0; i < gen_n_topics && i < NELEM(w); i++) {
		const struct gen_topic *t = &gen_topics[i];
		w[i] = t->subj[m->lang] != NULL && t->body[m->lang] != NULL ? t->weight : 0;
		/* traditional Chinese and Japanese only with counterparties there */
		if ((m->lang == LANG_TW || m->lang == LANG_JA) &&
		    (pick_org(r, t->orgs, m->lang) == UINT16_MAX ||
		     (t->dirs & (DIRM(GEN_DIR_INBOUND) | DIRM(GEN_DIR_OUTBOUND))) == 0 ||
		     t->special != SP_NONE))
			w[i] = 0;
	}
	m->topic = (uint16_t)gen_pick_weighted(r, w, gen_n_topics);
	if (w[m->topic] == 0) {
		m->lang = LANG_ZH;
		m->topic = 0;
	}
}

static void new_thread(const struct gen *g, struct gen_meta *m, struct gen_rng *r)
{
	pick_topic(g, m, r);
	const struct gen_topic *t = &gen_topics[m->topic];
	m->special = t->special;
	m->kind = KIND_NEW;
	m->org = UINT16_MAX;
	/* direction */
	uint16_t dw[3] = {50, 28, 22};
	for (int d = 0; d < 3; d++)
		if (!(t->dirs & DIRM(d)))
			dw[d] = 0;
	if (m->lang == LANG_TW || m->lang == LANG_JA)
		dw[GEN_DIR_INTERNAL] = 0;
	if (m->lang == LANG_JA)
		dw[GEN_DIR_OUTBOUND] = 0;
	uint16_t org = UINT16_MAX;
	if (t->orgs != 0) {
		org = pick_org(r, t->orgs, m->lang);
		if (org == UINT16_MAX) {
			dw[GEN_DIR_INBOUND] = dw[GEN_DIR_OUTBOUND] = 0;
		}
	} else {
		dw[GEN_DIR_INBOUND] = dw[GEN_DIR_OUTBOUND] = 0;
	}
	if (m->special == SP_EXFIL)
		dw[GEN_DIR_OUTBOUND] = 1;
	if (dw[0] + dw[1] + dw[2] == 0)
		dw[GEN_DIR_INTERNAL] = 1;
	m->dir = (uint8_t)gen_pick_weighted(r, dw, 3);
	if (m->dir != GEN_DIR_INTERNAL)
		m->org = org;

	unsigned depts = t->depts ? t->depts : DM_ALL;
	switch (m->special) {
	case SP_SYSTEM:
		m->from = (uint16_t)(g->system0 + gen_below(r, (uint32_t)g->n_system));
		if (gen_chance(r, 0.3)) {
			add_to(m,
			       (uint16_t)(g->group0 + g->party[pick_employee(g, r, depts)].dept));
		} else {
			unsigned k = 1 + gen_below(r, 2);
			for (unsigned i = 0; i < k; i++)
				add_to(m, pick_employee(g, r, depts));
		}
		break;
	case SP_BROADCAST:
		m->from = pick_employee(g, r, depts);
		if (gen_chance(r, 0.85)) {
			add_to(m, (uint16_t)(g->group0 + DEPT_COUNT));
		} else {
			unsigned k = 40 + gen_below(r, 41);
			for (unsigned i = 0; i < k; i++)
				add_to(m, (uint16_t)gen_below(r, (uint32_t)g->n_emp));
			m->flags |= GEN_F_LONG_HEADER;
		}
		break;
	case SP_NEWSLETTER:
		m->from = (uint16_t)g->org_first[m->org];
		add_to(m, pick_employee(g, r, DM(DEPT_RES) | DM(DEPT_INV) | DM(DEPT_MKT)));
		break;
	case SP_PHISHING:
		m->from = (uint16_t)(g->org_first[m->org] + gen_below(r, g->org_count[m->org]));
		if (gen_chance(r, 0.7)) {
			add_to(m, pick_employee(g, r, DM_ALL));
		} else {
			m->to[m->n_to++] = m->from; /* To: itself, victims in Bcc */
			unsigned k = 3 + gen_below(r, 6);
			for (unsigned i = 0; i < k; i++)
				add_bcc(m, pick_employee(g, r, DM_ALL));
		}
		break;
	case SP_EXFIL:
		m->from = pick_employee(g, r, depts);
		add_to(m, (uint16_t)(g->personal0 + m->from));
		break;
	case SP_MASS: {
		m->from = pick_employee(g, r, DM(DEPT_MKT));
		m->flags |= GEN_F_UNDISCLOSED;
		unsigned k = 5 + gen_below(r, 21);
		for (unsigned i = 0; i < k; i++) {
			uint16_t o = pick_org(r, OM(OK_CLIENT) | OM(OK_RETAIL), m->lang);
			if (o == UINT16_MAX)
				o = pick_org(r, OM(OK_CLIENT) | OM(OK_RETAIL), LANG_ZH);
			add_bcc(m, pick_contact(g, r, o));
		}
		break;
	}
	default:
		if (m->dir == GEN_DIR_INTERNAL) {
			m->from = pick_employee(g, r, depts);
			int own = g->party[m->from].dept;
			unsigned k = gen_below(r, 100) < 70 ? 1 : gen_below(r, 3) ? 2 : 3;
			for (unsigned i = 0; i < k; i++)
				add_to(m,
				       pick_employee(g, r, gen_chance(r, 0.6) ? DM(own) : depts));
			if (gen_chance(r, 0.35)) {
				add_cc(m, dept_head(own));
				if (gen_chance(r, 0.3))
					add_cc(m, pick_employee(g, r, depts));
			}
			if (gen_chance(r, 0.08))
				add_cc(m, (uint16_t)(g->group0 + own));
			if (gen_chance(r, 0.03))
				add_bcc(m,
					gen_chance(r, 0.5) ? dept_head(own) : dept_head(DEPT_EXE));
		} else if (m->dir == GEN_DIR_OUTBOUND) {
			m->from = pick_employee(g, r, depts);
			add_to(m, pick_contact(g, r, m->org));
			if (gen_chance(r, 0.25))
				add_to(m, pick_contact(g, r, m->org));
			if (gen_chance(r, 0.4))
				add_cc(m, pick_employee(g, r, DM(g->party[m->from].dept)));
			if (gen_chance(r, 0.15))
				add_cc(m, pick_contact(g, r, m->org));
			if (gen_chance(r, 0.08)) {
				add_bcc(m, gen_chance(r, 0.5) ? dept_head(g->party[m->from].dept)
							      : (uint16_t)(g->group0 + DEPT_CMP));
				if (gen_chance(r, 0.3))
					add_bcc(m, pick_employee(g, r, depts));
			}
		} else {
			m->from = pick_contact(g, r, m->org);
			add_to(m, pick_employee(g, r, depts));
			if (gen_chance(r, 0.2))
				add_to(m, pick_employee(g, r, depts));
			if (gen_chance(r, 0.3))
				add_cc(m, pick_contact(g, r, m->org));
			if (gen_chance(r, 0.3))
				add_cc(m, pick_employee(g, r, depts));
		}
	}
	if (m->n_to == 0 && !(m->flags & GEN_F_UNDISCLOSED))
		add_to(m, pick_employee(g, r, DM_ALL));
	m->mua = g->party[m->from].mua;
	/* focus of the text */
	m->product = (uint16_t)gen_below(r, (uint32_t)gen_n_products);
	uint16_t c = pick_org(r, OM(OK_CLIENT), m->lang == LANG_JA ? LANG_EN : m->lang);
	m->client = c != UINT16_MAX ? c : pick_org(r, OM(OK_CLIENT), LANG_ZH);
	m->broker = pick_org(r, OM(OK_BROKER), m->lang == LANG_EN ? LANG_EN : LANG_ZH);
	m->custodian = pick_org(r, OM(OK_CUSTODIAN), m->lang == LANG_EN ? LANG_EN : LANG_ZH);
	m->stock = (uint16_t)gen_below(r, (uint32_t)gen_n_stocks);
	m->industry = gen_chance(r, 0.5) ? gen_stocks[m->stock].industry
					 : (uint16_t)gen_below(r, (uint32_t)gen_n_industries);
	m->colleague = (uint16_t)gen_below(r, (uint32_t)g->n_emp);
	m->event_off = (uint8_t)gen_below(r, 8);
	unsigned pl = gen_below(r, 100);
	m->paras = pl < 68 ? 0 : pl < 92 ? 1 : 2;
	if (m->special == SP_EXFIL)
		m->paras = 0;
	pick_attachments(g, m, r, m->special == SP_EXFIL);
	m->date = pick_time(g, r, m->n, sender_tz(g, m->from, day_of(g, m->n) * 86400), m->special);
	m->tz = sender_tz(g, m->from, m->date);
}

/* Recipients of the parent who can answer or forward (people, not lists). */
static size_t responders(const struct gen *g, const struct gen_meta *pm, uint16_t *out,
			 int employees_only, int with_cc)
{
	size_t n = 0;
	for (size_t i = 0; i < (size_t)pm->n_to + (with_cc ? pm->n_cc : 0u); i++) {
		uint16_t p = i < pm->n_to ? pm->to[i] : pm->cc[i - pm->n_to];
		int k = g->party[p].kind;
		if (k == PK_EMPLOYEE || (!employees_only && k == PK_CONTACT))
			out[n++] = p;
	}
	return n;
}

static void inherit_refs(struct gen_meta *m, const struct gen_meta *pm)
{
	size_t k = 0;
	const char *ids[GEN_MAX_REFS + 1];
	for (size_t i = 0; i < pm->n_refs; i++)
		ids[k++] = pm->refs[i];
	if (pm->msgid[0])
		ids[k++] = pm->msgid;
	/* keep the first (thread root) and the latest ones, as RFC 5322 3.6.4 suggests */
	size_t skip = k > GEN_MAX_REFS ? k - GEN_MAX_REFS : 0;
	m->n_refs = 0;
	for (size_t i = 0; i < k; i++) {
		if (i > 0 && i <= skip)
			continue;
		snprintf(m->refs[m->n_refs++], GEN_MSGID_MAX, "%s", ids[i]);
		if (m->n_refs == GEN_MAX_REFS)
			break;
	}
}

static uint8_t direction_of(const struct gen *g, const struct gen_meta *m)
{
	if (!party_internal(g, m->from))
		return GEN_DIR_INBOUND;
	for (size_t i = 0; i < m->n_to; i++)
		if (!party_internal(g, m->to[i]))
			return GEN_DIR_OUTBOUND;
	for (size_t i = 0; i < m->n_cc; i++)
		if (!party_internal(g, m->cc[i]))
			return GEN_DIR_OUTBOUND;
	for (size_t i = 0; i < m->n_bcc; i++)
		if (!party_internal(g, m->bcc[i]))
			return GEN_DIR_OUTBOUND;
	return GEN_DIR_INTERNAL;
}

/* Reply (fwd = 0) or forward (fwd = 1) to pm; 0 if it cannot be done. */
static int follow_up(const struct gen *g, struct gen_meta *m, const struct gen_meta *pm,
		     struct gen_rng *r, int fwd)
{
	if (pm->depth >= GEN_MAX_DEPTH)
		return 0;
	if (fwd ? !(pm->special == SP_NONE || pm->special == SP_PHISHING ||
		    pm->special == SP_NEWSLETTER)
		: pm->special != SP_NONE)
		return 0;
	uint16_t cand[2 * GEN_MAX_RCPT];
	size_t nc = responders(g, pm, cand, fwd, gen_chance(r, 0.2));
	if (nc == 0)
		return 0;
	m->kind = fwd ? KIND_FORWARD : KIND_REPLY;
	m->parent = (int64_t)pm->n;
	m->thread = pm->thread;
	m->depth = pm->depth + 1;
	m->topic = pm->topic;
	m->special = SP_NONE;
	m->parent_special = pm->special;
	m->org = pm->org;
	m->product = pm->product;
	m->client = pm->client;
	m->broker = pm->broker;
	m->custodian = pm->custodian;
	m->stock = pm->stock;
	m->industry = pm->industry;
	m->colleague = pm->colleague;
	m->event_off = pm->event_off;
	m->paras = 0;
	m->from = cand[gen_below(r, (uint32_t)nc)];
	const struct gen_party *f = &g->party[m->from];
	m->mua = f->mua;
	m->lang = pm->lang;
	if (f->kind == PK_EMPLOYEE && pm->lang == LANG_JA)
		m->lang = LANG_EN;
	else if (f->kind == PK_EMPLOYEE && pm->lang == LANG_TW && gen_chance(r, 0.4))
		m->lang = LANG_ZH;
	if (!fwd) {
		add_to(m, pm->from);
		if (gen_chance(r, 0.4)) {
			for (size_t i = 0; i < pm->n_to; i++)
				add_to(m, pm->to[i]);
			for (size_t i = 0; i < pm->n_cc; i++)
				add_cc(m, pm->cc[i]);
		}
		if (f->kind == PK_EMPLOYEE && gen_chance(r, 0.02))
			add_bcc(m, dept_head(f->dept));
		if (gen_chance(r, 0.12))
			pick_attachments(g, m, r, 1);
	} else {
		if (pm->special == SP_PHISHING) {
			add_to(m, (uint16_t)(g->group0 + DEPT_IT));
		} else if (pm->org != UINT16_MAX && gen_chance(r, 0.2)) {
			add_to(m, pick_contact(g, r, pm->org));
		} else {
			add_to(m, pick_employee(g, r, DM_ALL));
			if (gen_chance(r, 0.3))
				add_to(m, pick_employee(g, r, DM(f->dept)));
		}
		if (m->n_to == 0)
			add_to(m, pick_employee(g, r, DM_ALL));
		if (gen_chance(r, 0.25)) {
			m->fwd_attach = 1;
			m->att[m->n_att++] = GEN_ATT_MESSAGE;
		} else if (pm->n_att > 0 && !pm->fwd_attach) {
			/* the parent's own files travel along (a forwarded
			 * message/rfc822 does not: it would need its parent) */
			m->att_inherit = 1;
			memcpy(m->att, pm->att, pm->n_att);
			m->n_att = pm->n_att;
			m->flags |= pm->flags & GEN_F_LARGE;
		}
	}
	m->dir = direction_of(g, m);
	set_subject_prefixed(m, reply_prefix(m->mua, m->lang, fwd), pm->subject);
	inherit_refs(m, pm);
	/* a reply comes minutes to a day after its parent */
	double minutes = exp(log(3.0) + gen_unit(r) * (log(1440.0) - log(3.0)));
	int64_t after = pm->date + (int64_t)(minutes * 60.0);
	int64_t own = pick_time(g, r, m->n, sender_tz(g, m->from, pm->date), SP_NONE);
	m->date = own > after ? own : after;
	m->tz = sender_tz(g, m->from, m->date);
	return 1;
}

int gen_meta_build(struct gen *g, uint64_t n, struct gen_meta *m, int level)
{
	int64_t src = gen_dup_source(g, n);
	if (src >= 0)
		n = (uint64_t)src;
	memset(m, 0, offsetof(struct gen_meta, subject));
	m->subject[0] = '\0';
	m->msgid[0] = '\0';
	m->n = n;
	m->parent = -1;
	m->thread = (int64_t)n;
	struct gen_rng r;
	gen_rng_seed(&r, g->opts.seed, n, RS_META);
	double u = gen_unit(&r);
	int done = 0;
	if (n > 0 && level < GEN_MAX_DEPTH + 2 && u < 0.32) {
		uint64_t back = 1 + gen_below(&r, (uint32_t)(n < 120 ? n : 120));
		struct gen_meta *pm = xmalloc(sizeof(*pm));
		if (gen_meta_build(g, n - back, pm, level + 1) < 0) {
			free(pm);
			return -1;
		}
		done = follow_up(g, m, pm, &r, u >= 0.27);
		free(pm);
	}
	if (!done) {
		m->n_to = m->n_cc = m->n_bcc = 0;
		m->n_att = 0;
		m->flags = 0;
		m->kind = KIND_NEW;
		m->parent = -1;
		m->depth = 0;
		m->thread = (int64_t)n;
		m->n_refs = 0;
		new_thread(g, m, &r);
		struct gen_rng rs;
		gen_rng_seed(&rs, g->opts.seed, n, RS_SUBJECT);
		if (text_subject(g, m, &rs, NULL) < 0)
			return -1;
	}
	pick_encoding(g, m, &r);
	if (gen_chance(&r, 0.03))
		m->flags |= GEN_F_CRLF;
	make_msgid(g, m, &r);
	if (gen_chance(&r, 0.005) && m->mua != MUA_OUTLOOK)
		m->msgid[0] = '\0';
	if (!m->msgid[0])
		m->flags |= GEN_F_NO_MSGID;
	int y, mo, d, h, mi, s, wd;
	gen_civil(m->date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
	if (h >= 23 || h < 6)
		m->flags |= GEN_F_LATE_NIGHT;
	return 0;
}
