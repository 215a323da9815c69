/*
 * gen_text.c - the words of a message: template expansion, subjects,
 * greetings, bodies, signatures and disclaimers, quoted history of replies
 * and forwards (in the style of each mail client), and the rendering of all
 * that as text/plain (wrapped where the client wraps, RFC 3676 format=flowed
 * for Thunderbird) and as text/html.
 *
 * All text is UTF-8 here; gen_msg.c converts it to the message's charset.
 * Text draws from the RS_BODY stream of its message, so the quoted copy of
 * a parent inside a reply is exactly the parent's own text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gen/gen_int.h"

static const char *const zh_wd[7] = {"周日", "周一", "周二", "周三", "周四", "周五", "周六"};
static const char *const zh_wd2[7] = {"星期日", "星期一", "星期二", "星期三",
				      "星期四", "星期五", "星期六"};
static const char *const ja_wd[7] = {"日曜日", "月曜日", "火曜日", "水曜日",
				     "木曜日", "金曜日", "土曜日"};
static const char *const en_wd[7] = {"Sunday",	 "Monday", "Tuesday", "Wednesday",
				     "Thursday", "Friday", "Saturday"};
static const char *const en_mon[12] = {"January",   "February", "March",    "April",
				       "May",	    "June",	"July",	    "August",
				       "September", "October",	"November", "December"};
static const char *const zh_q[4] = {"一", "二", "三", "四"};

static const char *company(int lang)
{
	/* Taiwan and Hong Kong write the company's name 恆信 */
	return lang == LANG_EN	 ? "Hengxin Fund Management Co., Ltd."
	       : lang == LANG_TW ? "恆信基金管理有限公司"
				 : "恒信基金管理有限公司";
}

int text_date(struct buf *out, int64_t t, int tz, int lang, struct error *err)
{
	int y, mo, d, h, mi, s, wd;
	gen_civil(t, tz, &y, &mo, &d, &h, &mi, &s, &wd);
	if (lang == LANG_EN)
		return gen_printf(out, err, "%d %s %d", d, en_mon[mo - 1], y);
	return gen_printf(out, err, "%d年%d月%d日", y, mo, d);
}

static int put_commas(struct buf *out, uint64_t v, struct error *err)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%" PRIu64, v);
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0 && buf_append_byte(out, ',', err) < 0)
			return -1;
		if (buf_append_byte(out, (unsigned char)t[i], err) < 0)
			return -1;
	}
	return 0;
}

static int amount(struct text_ctx *c, struct buf *out, struct error *err)
{
	struct gen_rng *r = c->rng;
	unsigned k = gen_below(r, 4);
	if (c->lang == LANG_EN) {
		if (k < 2)
			return gen_printf(out, err, "CNY %u.%u million", 1 + gen_below(r, 900),
					  gen_below(r, 10));
		if (buf_append_str(out, "RMB ", err) < 0)
			return -1;
		return put_commas(out, (uint64_t)(1 + gen_below(r, 99999)) * 1000, err);
	}
	const char *wan = c->lang == LANG_TW ? "萬元" : "万元";
	const char *yi = c->lang == LANG_TW ? "億元" : "亿元";
	switch (k) {
	case 0:
		if (put_commas(out, 100 + gen_below(r, 9900), err) < 0)
			return -1;
		return buf_append_str(out, wan, err);
	case 1:
		return gen_printf(out, err, "%u.%02u%s", 1 + gen_below(r, 30), gen_below(r, 100),
				  yi);
	case 2:
		if (put_commas(out, (uint64_t)gen_below(r, 90000000) + 100000, err) < 0)
			return -1;
		return gen_printf(out, err, ".%02u元", gen_below(r, 100));
	default:
		return gen_printf(out, err, "%u%s", 50 + gen_below(r, 950), wan);
	}
}

static const struct gen_party *addressee_of(const struct gen *g, const struct gen_meta *m)
{
	if (m->n_to > 0 && !(m->flags & GEN_F_UNDISCLOSED))
		return &g->party[m->to[0]];
	return NULL;
}

static int slot(struct text_ctx *c, char k, struct buf *out, struct error *err)
{
	const struct gen_meta *m = c->m;
	struct gen *g = c->g;
	struct gen_rng *r = c->rng;
	int lang = c->lang;
	int y, mo, d, h, mi, s, wd;
	char t[96];
	switch (k) {
	case 'P':
		return buf_append_str(out,
				      lang == LANG_ZH	? gen_products[m->product].zh
				      : lang == LANG_TW ? gen_products[m->product].tw
							: gen_products[m->product].en,
				      err);
	case 'p':
		return buf_append_str(out,
				      lang == LANG_ZH	? gen_products[m->product].short_zh
				      : lang == LANG_TW ? gen_products[m->product].tw
							: gen_products[m->product].en,
				      err);
	case 'K':
		return buf_append_str(out, gen_products[m->product].code, err);
	case 'C':
		return buf_append_str(out, gen_org_name(&gen_orgs[m->client], lang), err);
	case 'B':
		return buf_append_str(out, gen_org_name(&gen_orgs[m->broker], lang), err);
	case 'U':
		return buf_append_str(out, gen_org_name(&gen_orgs[m->custodian], lang), err);
	case 'O':
		if (m->org == UINT16_MAX)
			return buf_append_str(out, company(lang), err);
		return buf_append_str(out, gen_org_name(&gen_orgs[m->org], lang), err);
	case 'o':
		if (c->sender->kind != PK_CONTACT)
			return buf_append_str(out, company(lang), err);
		return buf_append_str(out, gen_org_name(&gen_orgs[c->sender->org], lang), err);
	case 'c':
		return buf_append_str(out, company(lang), err);
	case 'e': /* the addressee's organisation */
		if (c->addressee == NULL || c->addressee->kind != PK_CONTACT)
			return buf_append_str(out, company(lang), err);
		return buf_append_str(out, gen_org_name(&gen_orgs[c->addressee->org], lang), err);
	case 'X':
		if (c->addressee == NULL)
			return buf_append_str(out, lang == LANG_EN ? "all" : "各位", err);
		gen_party_salute(g, c->addressee, lang, t, sizeof(t));
		return buf_append_str(out, t, err);
	case 'M':
		return buf_append_str(out, gen_party_name(c->sender, lang), err);
	case 'G': {
		const struct gen_party *p =
		    c->sender->kind == PK_EMPLOYEE				? c->sender
		    : c->addressee != NULL && c->addressee->kind == PK_EMPLOYEE ? c->addressee
										: &g->party[0];
		const struct gen_dept_info *di = &gen_depts[p->dept];
		return buf_append_str(out,
				      lang == LANG_ZH	? di->zh
				      : lang == LANG_TW ? di->tw
							: di->en,
				      err);
	}
	case 'V':
		return buf_append_str(out, gen_party_name(&g->party[m->colleague], lang), err);
	case 'A':
		return amount(c, out, err);
	case 'a':
		return put_commas(out, (uint64_t)(100 + gen_below(r, 500000)) * 100, err);
	case 'N':
		return gen_printf(out, err, "%u.%04u", gen_below(r, 3) + (gen_below(r, 4) ? 1 : 0),
				  gen_below(r, 10000));
	case 'R':
		return gen_printf(out, err, "%s%u.%02u%%", gen_below(r, 10) == 0 ? "-" : "",
				  gen_below(r, 25), gen_below(r, 100));
	case 'r':
		return gen_printf(out, err, "%ubp", 1 + gen_below(r, 80));
	case 'D':
		return text_date(out, m->date + (int64_t)m->event_off * 86400, 480, lang, err);
	case 'W':
		gen_civil(m->date + (int64_t)m->event_off * 86400, 480, &y, &mo, &d, &h, &mi, &s,
			  &wd);
		return buf_append_str(out,
				      lang == LANG_EN	? en_wd[wd]
				      : lang == LANG_JA ? ja_wd[wd]
				      : lang == LANG_TW ? zh_wd2[wd]
							: (m->n & 1 ? zh_wd[wd] : zh_wd2[wd]),
				      err);
	case 'd':
		gen_civil(m->date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
		if (m->n % 3 == 0 || lang == LANG_EN)
			return gen_printf(out, err, "%04d-%02d-%02d", y, mo, d);
		return gen_printf(out, err, "%04d%02d%02d", y, mo, d);
	case 'T':
		return gen_printf(out, err, "%02u:%s", 9 + gen_below(r, 9),
				  gen_below(r, 2) ? "30" : "00");
	case 'Q': {
		gen_civil(m->date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
		int q = (mo - 1) / 3;
		if (q == 0) {
			q = 4;
			y--;
		}
		if (lang == LANG_EN)
			return gen_printf(out, err, "Q%d %d", q, y);
		if (lang == LANG_JA)
			return gen_printf(out, err, "%d年第%d四半期", y, q);
		return gen_printf(out, err, "%d年第%s季%s", y, zh_q[q - 1],
				  lang == LANG_TW ? "" : "度");
	}
	case 'Y':
		gen_civil(m->date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
		return gen_printf(out, err, "%d", y);
	case 'S':
		return buf_append_str(
		    out, lang == LANG_ZH ? gen_stocks[m->stock].zh : gen_stocks[m->stock].en, err);
	case 's':
		return buf_append_str(out, gen_stocks[m->stock].code, err);
	case 'I':
		return buf_append_str(out,
				      lang == LANG_ZH	? gen_industries[m->industry].zh
				      : lang == LANG_TW ? gen_industries[m->industry].tw
							: gen_industries[m->industry].en,
				      err);
	case 'E':
		if (lang == LANG_ZH)
			return buf_append_str(
			    out, gen_meeting_rooms[gen_below(r, (uint32_t)gen_n_meeting_rooms)],
			    err);
		return gen_printf(out, err, "Room 28%02u", 1 + gen_below(r, 12));
	case 'L':
		if (m->special == SP_PHISHING)
			return gen_printf(
			    out, err, "http://hengxin-fund.login-verify.test/owa/auth.php?u=%08x",
			    (uint32_t)gen_rng_next(r));
		{
			static const char *const path[] = {"oa/flow", "meeting/join",
							   "learning/course", "ta/report"};
			return gen_printf(out, err, "https://portal.hengxin-fund.example/%s/%06u",
					  path[gen_below(r, 4)], gen_below(r, 1000000));
		}
	case 'F':
		return buf_append_str(
		    out, c->sender->phone[0] ? c->sender->phone : "+86 21 6888 0000", err);
	case 'Z':
		gen_civil(m->date, 480, &y, &mo, &d, &h, &mi, &s, &wd);
		return gen_printf(out, err, "HX%04d%06u", y, gen_below(r, 1000000));
	case 'n':
		return gen_printf(out, err, "%u", 2 + gen_below(r, 29));
	default:
		return buf_append_byte(out, (unsigned char)k, err);
	}
}

int text_expand(struct text_ctx *c, const char *tmpl, struct buf *out, struct error *err)
{
	const char *p = tmpl;
	while (*p) {
		const char *b = strchr(p, '{');
		if (b == NULL || b[1] == '\0' || b[2] != '}') {
			size_t n = b == NULL ? strlen(p) : (size_t)(b - p) + 1;
			if (buf_append(out, p, n, err) < 0)
				return -1;
			p += n;
			continue;
		}
		if (buf_append(out, p, (size_t)(b - p), err) < 0 || slot(c, b[1], out, err) < 0)
			return -1;
		p = b + 3;
	}
	return 0;
}

static void ctx_init(struct text_ctx *c, struct gen *g, const struct gen_meta *m, struct gen_rng *r)
{
	c->g = g;
	c->m = m;
	c->rng = r;
	c->lang = m->lang;
	c->sender = &g->party[m->from];
	c->addressee = addressee_of(g, m);
}

static const char *pick(struct gen_rng *r, const char *const *pool)
{
	size_t n = gen_pool_len(pool);
	return n ? pool[gen_below(r, (uint32_t)n)] : "";
}

int text_subject(struct gen *g, struct gen_meta *m, struct gen_rng *r, struct error *err)
{
	struct text_ctx c;
	ctx_init(&c, g, m, r);
	struct buf b;
	buf_init(&b, sizeof(m->subject) - 1);
	int rc = text_expand(&c, pick(r, gen_topics[m->topic].subj[m->lang]), &b, err);
	if (rc == 0)
		memcpy(m->subject, b.data, b.len + 1);
	buf_release(&b);
	return rc;
}

/* ---- own text -------------------------------------------------------------- */

static int greeting(struct text_ctx *c, struct buf *out, struct error *err)
{
	const struct gen_meta *m = c->m;
	struct gen_rng *r = c->rng;
	if (m->special == SP_SYSTEM || m->special == SP_NEWSLETTER || m->special == SP_PHISHING ||
	    m->special == SP_MASS || m->special == SP_EXFIL)
		return 0;
	const struct gen_party *a = c->addressee;
	int many = m->n_to > 1;
	int group = a != NULL && a->kind == PK_GROUP;
	switch (c->lang) {
	case LANG_ZH:
		if (a == NULL || group || many)
			return buf_append_str(out,
					      group && a->dept == DEPT_COUNT ? "各位同事：\n\n"
					      : many			     ? "各位好，\n\n"
									     : "各位：\n\n",
					      err);
		{
			static const char *const tail[] = {"：", "，您好！", "，你好：", "好，",
							   "，"};
			if (text_expand(c, "{X}", out, err) < 0)
				return -1;
			return gen_printf(out, err, "%s\n\n", tail[gen_below(r, 5)]);
		}
	case LANG_TW:
		if (a == NULL || many)
			return buf_append_str(out, "各位好：\n\n", err);
		return text_expand(c, "{X}您好：\n\n", out, err);
	case LANG_JA:
		if (text_expand(
			c, "{e}\n{X}\n\nいつもお世話になっております。\n{o}の{M}でございます。\n\n",
			out, err) < 0)
			return -1;
		return 0;
	default:
		if (a == NULL || group || many)
			return buf_append_str(
			    out, gen_below(r, 2) ? "Dear all,\n\n" : "Hi all,\n\n", err);
		return text_expand(c, gen_below(r, 2) ? "Dear {X},\n\n" : "Hi {X},\n\n", out, err);
	}
}

/* Appends up to count sentences of pool, none twice within one message
 * (*used remembers them across calls), as paragraphs of 1-3 sentences. */
static int paragraphs(struct text_ctx *c, const char *const *pool, unsigned count, uint64_t *used,
		      struct buf *out, struct error *err)
{
	size_t n = gen_pool_len(pool);
	if (n > 64)
		n = 64;
	unsigned left = 0;
	for (size_t i = 0; i < n; i++)
		left += !(*used >> i & 1);
	if (count > left)
		count = left;
	unsigned in_para = 0, para_len = 1 + gen_below(c->rng, 3);
	const char *sp = c->lang == LANG_EN ? " " : "";
	for (unsigned i = 0; i < count; i++) {
		size_t k = gen_below(c->rng, (uint32_t)n);
		while (*used >> k & 1)
			k = (k + 1) % n;
		*used |= 1ULL << k;
		if (in_para > 0 && buf_append_str(out, sp, err) < 0)
			return -1;
		if (text_expand(c, pool[k], out, err) < 0)
			return -1;
		if (++in_para >= para_len || i + 1 == count) {
			if (buf_append_str(out, "\n\n", err) < 0)
				return -1;
			in_para = 0;
			para_len = 1 + gen_below(c->rng, 3);
		}
	}
	return 0;
}

static int signature(struct text_ctx *c, int full, struct buf *out, struct error *err)
{
	const struct gen_party *p = c->sender;
	int lang = c->lang;
	if (p->kind == PK_SYSTEM)
		return 0;
	if (p->kind == PK_EMPLOYEE) {
		const struct gen_dept_info *di = &gen_depts[p->dept];
		if (!full)
			return gen_printf(out, err, "%s\n", gen_party_name(p, lang));
		switch (lang) {
		case LANG_ZH:
			return gen_printf(out, err,
					  "%s\n%s  %s\n恒信基金管理有限公司\n"
					  "地址：上海市浦东新区陆家嘴环路1000号恒信大厦28层\n"
					  "电话：%s\n邮箱：%s\n",
					  p->name, di->zh, di->titles_zh[p->title], p->phone,
					  p->addr);
		case LANG_TW:
			return gen_printf(out, err,
					  "%s\n%s\n恆信基金管理有限公司\n"
					  "地址：上海市浦東新區陸家嘴環路1000號恆信大廈28層\n"
					  "電話：%s\n電郵：%s\n",
					  p->name_tw, di->tw, p->phone, p->addr);
		default:
			return gen_printf(
			    out, err,
			    "%s\n%s, %s\nHengxin Fund Management Co., Ltd.\n"
			    "28F Hengxin Tower, 1000 Lujiazui Ring Road, Shanghai 200120\n"
			    "T: %s\nE: %s\n",
			    p->name_en, di->titles_en[p->title], di->en, p->phone, p->addr);
		}
	}
	const char *org = p->kind == PK_CONTACT ? gen_org_name(&gen_orgs[p->org], lang) : "";
	if (!full || p->kind == PK_PERSONAL ||
	    (p->kind == PK_CONTACT && gen_orgs[p->org].kind == OK_RETAIL))
		return gen_printf(out, err, "%s\n", gen_party_name(p, lang));
	switch (lang) {
	case LANG_ZH:
		return gen_printf(out, err, "%s\n%s\n电话：%s\n", gen_party_name(p, lang), org,
				  p->phone);
	case LANG_TW:
		return gen_printf(out, err, "%s\n%s\n電話：%s\n", gen_party_name(p, lang), org,
				  p->phone);
	case LANG_JA:
		return gen_printf(
		    out, err,
		    "-----------------------------------\n%s\n%s\nTEL: %s\nE-mail: %s\n"
		    "-----------------------------------\n",
		    org, gen_party_name(p, lang), p->phone, p->addr);
	default:
		return gen_printf(out, err, "%s\n%s\nT: %s | E: %s\n", p->name_en, org, p->phone,
				  p->addr);
	}
}

static int closing(struct text_ctx *c, struct buf *out, struct error *err)
{
	struct gen_rng *r = c->rng;
	switch (c->lang) {
	case LANG_ZH: {
		static const char *const z[] = {"谢谢！", "请查收，谢谢。", "此致\n敬礼！", "",
						"祝好！"};
		const char *s = z[gen_below(r, 5)];
		if (*s == '\0')
			return 0;
		if (buf_append_str(out, s, err) < 0)
			return -1;
		break;
	}
	case LANG_TW:
		if (buf_append_str(out, gen_below(r, 2) ? "順頌商祺" : "謝謝！", err) < 0)
			return -1;
		break;
	case LANG_JA:
		if (buf_append_str(out, "何卒よろしくお願い申し上げます。", err) < 0)
			return -1;
		break;
	default: {
		static const char *const e[] = {"Best regards,", "Kind regards,", "Thanks,",
						"Regards,", "Many thanks,"};
		if (buf_append_str(out, e[gen_below(r, 5)], err) < 0)
			return -1;
	}
	}
	/* QQ-mail and phone users end with an emoji; GB18030 and UTF-8 carry it */
	const struct gen_meta *m = c->m;
	if (c->lang == LANG_ZH &&
	    ((m->cs == GEN_CS_GB18030 && gen_chance(r, 0.35)) ||
	     (m->cs == GEN_CS_UTF8 && m->mua == MUA_WEBMAIL && gen_chance(r, 0.1))) &&
	    buf_append_str(out,
			   gen_gb18030_only_words[gen_below(r, (uint32_t)gen_n_gb18030_only_words)],
			   err) < 0)
		return -1;
	return buf_append_str(out, "\n\n", err);
}

int text_own(struct gen *g, const struct gen_meta *m, struct buf *out, struct error *err)
{
	struct gen_rng r;
	gen_rng_seed(&r, g->opts.seed, m->n, RS_BODY);
	struct text_ctx c;
	ctx_init(&c, g, m, &r);
	const struct gen_topic *t = &gen_topics[m->topic];
	const char *const *pool = t->body[m->lang] ? t->body[m->lang] : t->body[LANG_ZH];
	int lang = m->lang;
	uint64_t used_t = 0, used_c = 0, used_r = 0; /* sentences already used */
	buf_reset(out);

	if (m->special == SP_EXFIL) {
		if (gen_chance(&r, 0.5))
			return 0;
		if (text_expand(&c, pick(&r, pool), out, &*err) < 0)
			return -1;
		return buf_append_str(out, "\n", err);
	}
	if (greeting(&c, out, err) < 0)
		return -1;
	if (m->kind == KIND_REPLY) {
		if (paragraphs(&c, gen_pool_reply[lang], 1, &used_r, out, err) < 0)
			return -1;
		if (gen_chance(&r, 0.4) && paragraphs(&c, pool, 1, &used_t, out, err) < 0)
			return -1;
	} else if (m->kind == KIND_FORWARD) {
		if (m->parent_special == SP_PHISHING) {
			if (buf_append_str(out,
					   lang == LANG_EN
					       ? "This looks like phishing, can you check?\n\n"
					       : "这封邮件看起来像钓鱼邮件，请帮忙确认一下，我没有"
						 "点链接。\n\n",
					   err) < 0)
				return -1;
		} else if (paragraphs(&c, gen_pool_forward[lang], 1, &used_r, out, err) < 0) {
			return -1;
		}
	} else {
		unsigned k = 2 + gen_below(&r, 4);
		if (m->special == SP_NEWSLETTER || m->special == SP_SYSTEM)
			k = 2 + gen_below(&r, 3);
		if (paragraphs(&c, pool, k, &used_t, out, err) < 0)
			return -1;
		if (m->paras > 0) {
			/* market commentary makes the long mails */
			unsigned n = m->paras == 1 ? 3 + gen_below(&r, 4) : 10 + gen_below(&r, 12);
			if (paragraphs(&c, gen_pool_commentary[lang], n, &used_c, out, err) < 0)
				return -1;
		}
		if (m->special == SP_NONE && gen_chance(&r, 0.5) &&
		    paragraphs(&c, gen_pool_filler[lang], 1, &used_r, out, err) < 0)
			return -1;
	}
	/* GBK clients: people whose names GB2312 lacks */
	if (lang == LANG_ZH && m->cs == GEN_CS_GBK && gen_chance(&r, 0.5) &&
	    gen_printf(out, err, "另外，请将材料同步给%s一份。\n\n",
		       gen_gbk_only_words[1 + gen_below(&r, 4)]) < 0)
		return -1;
	if (m->special == SP_SYSTEM || m->special == SP_NEWSLETTER || m->special == SP_PHISHING) {
		if (m->special == SP_NEWSLETTER)
			return buf_append_str(out,
					      lang == LANG_EN
						  ? "You receive this newsletter as a subscriber. "
						    "Unsubscribe: see the link in this message.\n"
						  : "您收到此邮件是因为您订阅了本资讯。如需退订，请"
						    "点击邮件中的退订链接。\n",
					      err);
		return 0;
	}
	if (closing(&c, out, err) < 0)
		return -1;
	int full = m->kind == KIND_NEW ? gen_chance(&r, 0.8) : gen_chance(&r, 0.4);
	if (m->mua == MUA_THUNDERBIRD && full && buf_append_str(out, "-- \n", err) < 0)
		return -1;
	if (signature(&c, full, out, err) < 0)
		return -1;
	if (c.sender->kind == PK_EMPLOYEE && full &&
	    gen_chance(&r, m->dir == GEN_DIR_OUTBOUND ? 0.7 : 0.2)) {
		if (buf_append_str(out, "\n", err) < 0)
			return -1;
		if (lang == LANG_ZH && gen_printf(out, err, "%s\n", gen_disclaimer_zh) < 0)
			return -1;
		if (gen_printf(out, err, "%s\n", gen_disclaimer_en) < 0)
			return -1;
	}
	return 0;
}

/* ---- quoted history ------------------------------------------------------ */

static int addr_list(struct gen *g, const uint16_t *v, size_t n, int lang, int with_addr,
		     const char *sep, struct buf *out, struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct gen_party *p = &g->party[v[i]];
		if (i > 0 && buf_append_str(out, sep, err) < 0)
			return -1;
		if (with_addr) {
			if (gen_printf(out, err, "%s <%s>", gen_party_name(p, lang), p->addr) < 0)
				return -1;
		} else if (buf_append_str(out, gen_party_name(p, lang), err) < 0) {
			return -1;
		}
	}
	return 0;
}

static int quote_mode(int mua, int fwd)
{
	if (fwd)
		return 0;
	return mua == MUA_THUNDERBIRD || mua == MUA_APPLE || mua == MUA_GMAILLIKE ||
	       mua == MUA_BECKY;
}

static int quote_header(struct gen *g, const struct gen_meta *m, const struct gen_meta *pm,
			struct buf *out, struct error *err)
{
	int fwd = m->kind == KIND_FORWARD;
	int lang = m->lang;
	int zh = lang == LANG_ZH || lang == LANG_TW;
	int tw = lang == LANG_TW;
	const struct gen_party *f = &g->party[pm->from];
	const char *fname = gen_party_name(f, lang);
	int y, mo, d, h, mi, s, wd;
	gen_civil(pm->date, m->tz, &y, &mo, &d, &h, &mi, &s, &wd);
	int h12 = h % 12 == 0 ? 12 : h % 12;
	switch (m->mua) {
	case MUA_THUNDERBIRD:
		if (fwd) {
			if (gen_printf(
				out, err,
				zh ? "-------- 转发的消息 --------\n主题：\t%s\n日期：\t%d/%d/%d "
				     "%02d:%02d\n发件人：\t%s <%s>\n收件人：\t"
				   : "-------- Forwarded Message --------\nSubject: \t%s\nDate: "
				     "\t%d/%d/%d %02d:%02d\nFrom: \t%s <%s>\nTo: \t",
				pm->subject, zh ? y : mo, zh ? mo : d, zh ? d : y, h, mi, fname,
				f->addr) < 0)
				return -1;
			return addr_list(g, pm->to, pm->n_to, lang, 1, ", ", out, err);
		}
		if (zh)
			return gen_printf(out, err, "在 %d/%d/%d %d:%02d, %s 写道:", y, mo, d, h,
					  mi, fname);
		return gen_printf(out, err, "On %d/%d/%d %d:%02d %s, %s wrote:", mo, d, y, h12, mi,
				  h < 12 ? "AM" : "PM", fname);
	case MUA_APPLE:
		if (fwd) {
			if (gen_printf(out, err,
				       "Begin forwarded message:\n\nFrom: %s <%s>\nSubject: "
				       "%s\nDate: %s %d, %d at %d:%02d:%02d %s GMT+8\nTo: ",
				       fname, f->addr, pm->subject, en_mon[mo - 1], d, y, h12, mi,
				       s, h < 12 ? "AM" : "PM") < 0)
				return -1;
			return addr_list(g, pm->to, pm->n_to, lang, 1, ", ", out, err);
		}
		if (zh)
			return gen_printf(out, err, "%d年%d月%d日 %02d:%02d，%s <%s> 写道：", y, mo,
					  d, h, mi, fname, f->addr);
		return gen_printf(out, err,
				  "On %.3s %d, %d, at %02d:%02d, %s <%s> wrote:", en_mon[mo - 1], d,
				  y, h, mi, fname, f->addr);
	case MUA_GMAILLIKE:
		if (fwd) {
			if (gen_printf(
				out, err,
				"---------- Forwarded message ---------\nFrom: %s <%s>\nDate: "
				"%.3s, %.3s %d, %d at %d:%02d %s\nSubject: %s\nTo: ",
				fname, f->addr, en_wd[wd], en_mon[mo - 1], d, y, h12, mi,
				h < 12 ? "AM" : "PM", pm->subject) < 0)
				return -1;
			return addr_list(g, pm->to, pm->n_to, lang, 1, ", ", out, err);
		}
		if (zh)
			return gen_printf(out, err, "%s <%s> 于%d年%d月%d日%s %02d:%02d写道：",
					  fname, f->addr, y, mo, d, zh_wd[wd], h, mi);
		return gen_printf(
		    out, err, "On %.3s, %.3s %d, %d at %d:%02d %s %s <%s> wrote:", en_wd[wd],
		    en_mon[mo - 1], d, y, h12, mi, h < 12 ? "AM" : "PM", fname, f->addr);
	case MUA_BECKY: {
		static const char *const mon3[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
						   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
		return gen_printf(out, err,
				  "On %.3s, %d %s %d %02d:%02d:%02d %+03d%02d\n%s <%s> wrote:",
				  en_wd[wd], d, mon3[mo - 1], y, h, mi, s, m->tz / 60,
				  (m->tz < 0 ? -m->tz : m->tz) % 60, fname, f->addr);
	}
	case MUA_FOXMAIL:
		if (zh) {
			if (gen_printf(
				out, err,
				" \n发件人： %s\n发送时间： %04d-%02d-%02d %02d:%02d\n收件人： ",
				fname, y, mo, d, h, mi) < 0 ||
			    addr_list(g, pm->to, pm->n_to, lang, 0, "; ", out, err) < 0)
				return -1;
			if (pm->n_cc > 0 &&
			    (buf_append_str(out, "\n抄送： ", err) < 0 ||
			     addr_list(g, pm->cc, pm->n_cc, lang, 0, "; ", out, err) < 0))
				return -1;
			return gen_printf(out, err, "\n主题： %s", pm->subject);
		}
		break;
	case MUA_COREMAIL:
		if (zh) {
			if (gen_printf(
				out, err,
				"-----原始邮件-----\n发件人:\"%s\" <%s>\n发送时间:%04d-%02d-%02d "
				"%02d:%02d:%02d (%s)\n收件人: ",
				fname, f->addr, y, mo, d, h, mi, s, zh_wd2[wd]) < 0 ||
			    addr_list(g, pm->to, pm->n_to, lang, 1, ", ", out, err) < 0)
				return -1;
			if (pm->n_cc > 0 &&
			    (buf_append_str(out, "\n抄送: ", err) < 0 ||
			     addr_list(g, pm->cc, pm->n_cc, lang, 1, ", ", out, err) < 0))
				return -1;
			return gen_printf(out, err, "\n主题: %s", pm->subject);
		}
		break;
	case MUA_WEBMAIL:
		if (zh) {
			if (gen_printf(
				out, err,
				"------------------ 原始邮件 ------------------\n发件人: "
				"\"%s\"<%s>;\n发送时间: %d年%d月%d日(%s) %s%d:%02d\n收件人: ",
				fname, f->addr, y, mo, d, zh_wd2[wd], h < 12 ? "上午" : "下午", h12,
				mi) < 0 ||
			    addr_list(g, pm->to, pm->n_to, lang, 1, "; ", out, err) < 0)
				return -1;
			return gen_printf(out, err, ";\n主题: %s", pm->subject);
		}
		break;
	default:
		break;
	}
	/* Outlook, and the fallback of the others in English */
	if (zh) {
		if (gen_printf(out, err,
			       tw ? "-----原始郵件-----\n寄件者: %s <%s>\n寄件日期: %d年%d月%d日 "
				    "%s %02d:%02d\n收件者: "
				  : "-----原始邮件-----\n发件人: %s <%s>\n发送时间: %d年%d月%d日%s "
				    "%d:%02d\n收件人: ",
			       fname, f->addr, y, mo, d, tw ? (h < 12 ? "上午" : "下午") : "",
			       tw ? h12 : h, mi) < 0 ||
		    addr_list(g, pm->to, pm->n_to, lang, 1, "; ", out, err) < 0)
			return -1;
		if (pm->n_cc > 0 && (buf_append_str(out, tw ? "\n副本: " : "\n抄送: ", err) < 0 ||
				     addr_list(g, pm->cc, pm->n_cc, lang, 1, "; ", out, err) < 0))
			return -1;
		return gen_printf(out, err, tw ? "\n主旨: %s" : "\n主题: %s", pm->subject);
	}
	if (gen_printf(
		out, err,
		"-----Original Message-----\nFrom: %s <%s>\nSent: %s, %s %d, %d %d:%02d %s\nTo: ",
		fname, f->addr, en_wd[wd], en_mon[mo - 1], d, y, h12, mi,
		h < 12 ? "AM" : "PM") < 0 ||
	    addr_list(g, pm->to, pm->n_to, lang, 1, "; ", out, err) < 0)
		return -1;
	if (pm->n_cc > 0 && (buf_append_str(out, "\nCc: ", err) < 0 ||
			     addr_list(g, pm->cc, pm->n_cc, lang, 1, "; ", out, err) < 0))
		return -1;
	return gen_printf(out, err, "\nSubject: %s", pm->subject);
}

/* Appends text with every line prefixed by "> " (">" for empty lines). */
static int append_quoted(struct buf *out, const struct buf *src, struct error *err)
{
	const char *p = (const char *)src->data, *end = p + src->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (buf_append_str(out, n == 0 || *p == '>' ? ">" : "> ", err) < 0 ||
		    buf_append(out, p, n, err) < 0 || buf_append_byte(out, '\n', err) < 0)
			return -1;
		p += n + (nl != NULL);
	}
	return 0;
}

int text_logical(struct gen *g, const struct gen_meta *m, int level, struct error *err)
{
	struct buf *own = &g->own[level], *qh = &g->qhdr[level], *lg = &g->logical[level];
	if (text_own(g, m, own, err) < 0)
		return -1;
	buf_reset(qh);
	buf_reset(lg);
	if (buf_append(lg, own->data, own->len, err) < 0)
		return -1;
	if (m->kind == KIND_NEW || m->fwd_attach || level + 1 >= GEN_MAX_DEPTH + 2)
		return 0;
	struct gen_meta *pm = xmalloc(sizeof(*pm));
	int rc = -1;
	if (gen_meta_build(g, (uint64_t)m->parent, pm, 0) < 0 ||
	    quote_header(g, m, pm, qh, err) < 0 || text_logical(g, pm, level + 1, err) < 0)
		goto fail;
	if (buf_append_str(lg, "\n", err) < 0 || buf_append(lg, qh->data, qh->len, err) < 0 ||
	    buf_append_str(lg, "\n", err) < 0)
		goto fail;
	if (quote_mode(m->mua, m->kind == KIND_FORWARD)) {
		if (append_quoted(lg, &g->logical[level + 1], err) < 0)
			goto fail;
	} else {
		if (buf_append_str(lg, "\n", err) < 0 ||
		    buf_append(lg, g->logical[level + 1].data, g->logical[level + 1].len, err) < 0)
			goto fail;
	}
	rc = 0;
fail:
	free(pm);
	return rc;
}

/* ---- rendering ----------------------------------------------------------- */

static size_t u8len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* No line may start with these (kinsoku). */
static int no_start(const unsigned char *p)
{
	static const char *const ps[] = {"，", "。", "、", "；", "：", "？",
					 "！", "）", "」", "”",	 "』"};
	for (size_t i = 0; i < NELEM(ps); i++)
		if (memcmp(p, ps[i], 3) == 0)
			return 1;
	return *p == ',' || *p == '.' || *p == ';' || *p == ':' || *p == ')';
}

/* Wraps one line at width columns (CJK count two); continuation lines keep
 * the quote prefix. flowed: soft breaks end in a space (RFC 3676; English
 * keeps its own space, CJK gets one that delsp=yes removes again). */
static int wrap_line(struct buf *out, const unsigned char *p, size_t n, unsigned width, int flowed,
		     struct error *err)
{
	size_t pre = 0;
	while (pre < n && (p[pre] == '>' || (pre > 0 && p[pre] == ' ' && p[pre - 1] == '>')))
		pre++;
	/* space-stuffing (RFC 3676 4.4) */
	if (flowed && pre == 0 &&
	    ((n >= 5 && memcmp(p, "From ", 5) == 0) || (n > 0 && p[0] == ' ')) &&
	    buf_append_byte(out, ' ', err) < 0)
		return -1;
	if (buf_append(out, p, pre, err) < 0)
		return -1;
	size_t i = pre, line_start = pre, last_space = 0;
	unsigned col = (unsigned)pre;
	while (i < n) {
		size_t l = u8len(p[i]);
		if (l > n - i)
			l = n - i;
		unsigned w = l == 1 ? 1 : 2;
		if (col + w > width && i > line_start) {
			size_t end = i, next = i;
			int soft = flowed;
			if (l == 1 && p[i] != ' ' && last_space > line_start) {
				end = flowed ? last_space + 1 : last_space;
				next = last_space + 1;
				soft = 0; /* the space is already there (flowed) or dropped */
			} else if (l == 1 && p[i] == ' ') {
				end = flowed ? i + 1 : i;
				next = i + 1;
				soft = 0;
			} else if (l > 1 && no_start(p + i) && i - line_start > 6 &&
				   (p[i - 3] & 0xf0) == 0xe0) {
				end = next = i - 3; /* carry one character along */
			}
			if (buf_append(out, p + line_start, end - line_start, err) < 0)
				return -1;
			if (soft && buf_append_byte(out, ' ', err) < 0)
				return -1;
			if (buf_append_byte(out, '\n', err) < 0 || buf_append(out, p, pre, err) < 0)
				return -1;
			line_start = i = next;
			col = (unsigned)pre;
			last_space = 0;
			continue;
		}
		if (p[i] == ' ')
			last_space = i;
		col += w;
		i += l;
	}
	if (buf_append(out, p + line_start, n - line_start, err) < 0)
		return -1;
	return buf_append_byte(out, '\n', err);
}

int text_render_plain(struct gen *g, const struct gen_meta *m, struct buf *out, struct error *err)
{
	const struct buf *lg = &g->logical[0];
	buf_reset(out);
	unsigned width = 0;
	int flowed = m->mua == MUA_THUNDERBIRD;
	if (m->mua == MUA_THUNDERBIRD || m->mua == MUA_BECKY)
		width = 72;
	else if (m->cte >= 2)
		width = 76;
	if (width == 0)
		return buf_append(out, lg->data, lg->len, err);
	const unsigned char *p = lg->data, *end = p + lg->len;
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* the signature separator "-- " keeps its space, other lines lose
		 * trailing blanks so that flowed text stays unambiguous */
		while (n > 0 && p[n - 1] == ' ' && !(n == 3 && memcmp(p, "-- ", 3) == 0))
			n--;
		if (wrap_line(out, p, n, width, flowed, err) < 0)
			return -1;
		p += (nl ? (size_t)(nl - p) + 1 : n);
		if (nl == NULL)
			break;
	}
	return 0;
}

static int html_escape(struct buf *out, const char *p, size_t n, struct error *err)
{
	size_t i = 0;
	while (i < n) {
		if ((n - i > 8 && memcmp(p + i, "https://", 8) == 0) ||
		    (n - i > 7 && memcmp(p + i, "http://", 7) == 0)) {
			size_t e = i;
			while (e < n && p[e] > ' ' && (unsigned char)p[e] < 0x80 && p[e] != '<' &&
			       p[e] != '"')
				e++;
			if (buf_append_str(out, "<a href=\"", err) < 0 ||
			    buf_append(out, p + i, e - i, err) < 0 ||
			    buf_append_str(out, "\">", err) < 0 ||
			    buf_append(out, p + i, e - i, err) < 0 ||
			    buf_append_str(out, "</a>", err) < 0)
				return -1;
			i = e;
			continue;
		}
		size_t run = i;
		while (run < n && p[run] != '<' && p[run] != '>' && p[run] != '&' &&
		       p[run] != '"' && p[run] != 'h')
			run++;
		if (run > i) {
			if (buf_append(out, p + i, run - i, err) < 0)
				return -1;
			i = run;
			continue;
		}
		if (gen_xml_escape(out, p + i, 1, err) < 0)
			return -1;
		i++;
	}
	return 0;
}

/* Paragraphs (blank-line separated) of text as HTML blocks. */
static int html_blocks(struct buf *out, const struct buf *text, const char *open, const char *close,
		       struct error *err)
{
	const char *p = (const char *)text->data, *end = p + text->len;
	while (p < end) {
		while (p < end && *p == '\n')
			p++;
		if (p >= end)
			break;
		const char *e = strstr(p, "\n\n");
		if (e == NULL || e > end)
			e = end;
		if (buf_append_str(out, open, err) < 0)
			return -1;
		const char *l = p;
		while (l < e) {
			const char *nl = memchr(l, '\n', (size_t)(e - l));
			const char *le = nl ? nl : e;
			if (html_escape(out, l, (size_t)(le - l), err) < 0)
				return -1;
			if (nl && buf_append_str(out, "<br>\n", err) < 0)
				return -1;
			l = nl ? nl + 1 : e;
		}
		if (buf_append_str(out, close, err) < 0)
			return -1;
		p = e;
	}
	return 0;
}

int text_render_html(struct gen *g, const struct gen_meta *m, enum gen_charset cs, struct buf *out,
		     struct error *err)
{
	buf_reset(out);
	const char *label = cs_label(cs, m->mua == MUA_FOXMAIL);
	const char *open = "<div>", *close = "</div>\n<div><br></div>\n";
	int outlook = m->mua == MUA_OUTLOOK;
	if (gen_printf(out, err,
		       "<html><head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; "
		       "charset=%s\">\n",
		       label) < 0)
		return -1;
	if (outlook) {
		open = "<p class=MsoNormal>";
		close = "<o:p></o:p></p>\n<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n";
		if (buf_append_str(
			out,
			"<meta name=Generator content=\"Microsoft Word 15 (filtered medium)\">\n"
			"<style><!--\n/* Font Definitions */\n"
			"@font-face\n\t{font-family:DengXian;\n\tpanose-1:2 1 6 0 3 1 1 1 1 1;}\n"
			"@font-face\n\t{font-family:\"Cambria Math\";\n\tpanose-1:2 4 5 3 5 4 6 3 "
			"2 4;}\n"
			"/* Style Definitions */\n"
			"p.MsoNormal, li.MsoNormal, "
			"div.MsoNormal\n\t{margin:0cm;\n\ttext-align:justify;\n"
			"\ttext-justify:inter-ideograph;\n\tfont-size:10.5pt;\n\tfont-family:"
			"DengXian;}\n"
			"a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\tcolor:#0563C1;\n"
			"\ttext-decoration:underline;}\n"
			"span.EmailStyle17\n\t{mso-style-type:personal-compose;\n\tfont-family:"
			"DengXian;\n"
			"\tcolor:windowtext;}\n"
			".MsoChpDefault\n\t{mso-style-type:export-only;\n\tfont-family:DengXian;}\n"
			"@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:72.0pt 90.0pt "
			"72.0pt 90.0pt;}\n"
			"div.WordSection1\n\t{page:WordSection1;}\n--></style>\n"
			"</head>\n<body lang=ZH-CN link=\"#0563C1\" vlink=\"#954F72\" "
			"style='text-align:justify;text-justify:inter-ideograph'>\n"
			"<div class=WordSection1>\n",
			err) < 0)
			return -1;
	} else if (m->mua == MUA_NEWSLETTER) {
		if (buf_append_str(
			out,
			"<style>body{margin:0;background:#f4f4f4}td{font-family:Arial,sans-serif;"
			"font-size:14px;line-height:1.6;color:#333}</style>\n</head>\n<body>\n"
			"<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">"
			"<tr><td align=\"center\">\n<table width=\"640\" cellpadding=\"24\" "
			"cellspacing=\"0\" border=\"0\" style=\"background:#ffffff\"><tr><td>\n",
			err) < 0)
			return -1;
		open = "<p>";
		close = "</p>\n";
	} else {
		if (buf_append_str(
			out,
			"<style>body { line-height: 1.5; }blockquote { margin-top: 0px; "
			"margin-bottom: 0px; margin-left: 0.5em; }body { font-size: 14px; "
			"font-family: 'Microsoft YaHei UI'; color: rgb(0, 0, 0); line-height: 1.5; "
			"}"
			"</style>\n</head>\n<body>\n",
			err) < 0)
			return -1;
	}
	if (html_blocks(out, &g->own[0], open, close, err) < 0)
		return -1;
	if (m->related &&
	    gen_printf(out, err,
		       "<div><img width=160 height=48 src=\"cid:%s\" alt=\"Hengxin Fund\"></div>\n",
		       g->cid) < 0)
		return -1;
	if (g->qhdr[0].len > 0) {
		if (buf_append_str(out,
				   "<div style='border:none;border-top:solid #E1E1E1 "
				   "1.0pt;padding:3.0pt 0cm 0cm 0cm'>\n",
				   err) < 0 ||
		    html_blocks(out, &g->qhdr[0], "<div>", "</div>\n", err) < 0 ||
		    buf_append_str(out,
				   "</div>\n<blockquote style=\"margin:0 0 0 .8ex;border-left:1px "
				   "solid #ccc;padding-left:1ex\">\n",
				   err) < 0 ||
		    html_blocks(out, &g->logical[1], "<div>", "</div>\n", err) < 0 ||
		    buf_append_str(out, "</blockquote>\n", err) < 0)
			return -1;
	}
	if (m->mua == MUA_NEWSLETTER) {
		const char *dom = strchr(g->party[m->from].addr, '@') + 1;
		uint64_t h = gen_mix64(m->n ^ 0x6e6c);
		if (gen_printf(
			out, err,
			"<p style=\"font-size:12px;color:#999\"><a href=\"https://%s/u/%016" PRIx64
			"\">%s</a></p>\n</td></tr></table>\n</td></tr></table>\n"
			"<img src=\"https://%s/o/%016" PRIx64
			".gif\" width=\"1\" height=\"1\" alt=\"\">\n",
			dom, h, m->lang == LANG_EN ? "Unsubscribe" : "退订", dom, h) < 0)
			return -1;
	}
	if (outlook && buf_append_str(out, "</div>\n", err) < 0)
		return -1;
	return buf_append_str(out, "</body>\n</html>\n", err);
}
