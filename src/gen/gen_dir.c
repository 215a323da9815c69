/*
 * gen_dir.c - the people of the generated world: about 200 employees of
 * Hengxin Fund Management (Chinese names, pinyin addresses such as
 * zhang.wei@hengxin-fund.example, numbered when two people share a name),
 * their personal free-mail addresses, contacts at the counterparties,
 * department lists and system senders.
 *
 * The directory is fixed: it is drawn from a constant seed, not from
 * --seed, so that every run talks about the same company and a demo
 * directory exported once stays valid.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "gen/gen_int.h"

#define COMPANY_DOMAIN "hengxin-fund.example"
#define DIR_SEED 0x48656e6778696eULL

int gen_printf(struct buf *b, struct error *err, const char *fmt, ...)
{
	va_list ap;
	if (b->max - b->len < 256 || buf_reserve(b, 256, NULL) < 0) {
		va_start(ap, fmt);
		int rc = buf_vprintf(b, err, fmt, ap);
		va_end(ap);
		return rc;
	}
	size_t room = b->cap - b->len; /* includes the NUL's byte */
	va_start(ap, fmt);
	int n = vsnprintf((char *)b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return error_set(err, ERR_INTERNAL, "bad format string");
	if ((size_t)n < room && (size_t)n <= b->max - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	b->data[b->len] = '\0';
	va_start(ap, fmt);
	int rc = buf_vprintf(b, err, fmt, ap);
	va_end(ap);
	return rc;
}

size_t gen_pick_weighted(struct gen_rng *r, const uint16_t *w, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += w[i];
	if (sum == 0)
		return 0;
	uint32_t x = gen_below(r, sum);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

static size_t pick_part(struct gen_rng *r, const struct gen_name_part *t, size_t n, int sex)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < n; i++)
		if (t[i].sex == 0 || sex == 0 || t[i].sex == sex)
			sum += t[i].weight;
	uint32_t x = gen_below(r, sum ? sum : 1);
	for (size_t i = 0; i < n; i++) {
		if (!(t[i].sex == 0 || sex == 0 || t[i].sex == sex))
			continue;
		if (x < t[i].weight)
			return i;
		x -= t[i].weight;
	}
	return 0;
}

static void cap_first(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s);
	if (dst[0] >= 'a' && dst[0] <= 'z')
		dst[0] = (char)(dst[0] - 'a' + 'A');
}

static int addr_taken(const struct gen *g, size_t upto, const char *addr)
{
	for (size_t i = 0; i < upto; i++)
		if (strcmp(g->party[i].addr, addr) == 0)
			return 1;
	return 0;
}

/* Makes local@domain unique among the parties built so far by numbering. */
static void unique_addr(const struct gen *g, size_t upto, char *out, size_t cap, const char *local,
			const char *domain)
{
	int w = snprintf(out, cap, "%s@%s", local, domain);
	for (int k = 2; w > 0 && (size_t)w < cap && addr_taken(g, upto, out); k++)
		w = snprintf(out, cap, "%s%d@%s", local, k, domain);
	if (w < 0 || (size_t)w >= cap)
		out[0] = '\0'; /* cannot happen with our names: never a cut address */
}

/* A Chinese name: fills name, name_tw, name_en; returns pinyin pieces. */
static void chinese_name(struct gen_rng *r, struct gen_party *p, char *sur_py, size_t sur_cap,
			 char *given_py, size_t given_cap)
{
	p->gender = (uint8_t)gen_below(r, 2);
	int sex = p->gender + 1;
	size_t s = pick_part(r, gen_surnames, gen_n_surnames, 0);
	int two = gen_below(r, 100) < 75;
	size_t g1 = pick_part(r, gen_given, gen_n_given, sex);
	size_t g2 = two ? pick_part(r, gen_given, gen_n_given, sex) : 0;
	if (two && g2 == g1)
		g2 = (g2 + 1) % gen_n_given;
	snprintf(p->name, sizeof(p->name), "%s%s%s", gen_surnames[s].hz, gen_given[g1].hz,
		 two ? gen_given[g2].hz : "");
	snprintf(p->name_tw, sizeof(p->name_tw), "%s%s%s", gen_surnames[s].tw, gen_given[g1].tw,
		 two ? gen_given[g2].tw : "");
	p->sur_len = (uint8_t)strlen(gen_surnames[s].hz);
	snprintf(sur_py, sur_cap, "%s", gen_surnames[s].py);
	snprintf(given_py, given_cap, "%s%s", gen_given[g1].py, two ? gen_given[g2].py : "");
	char a[32], b[32];
	cap_first(a, sizeof(a), given_py);
	cap_first(b, sizeof(b), sur_py);
	snprintf(p->name_en, sizeof(p->name_en), "%s %s", a, b);
}

static uint8_t employee_mua(struct gen_rng *r, int dept)
{
	static const uint16_t w_it[] = {30, 20, 10, 25, 15};
	static const uint16_t w[] = {45, 33, 12, 5, 5};
	static const uint8_t m[] = {MUA_OUTLOOK, MUA_FOXMAIL, MUA_COREMAIL, MUA_THUNDERBIRD,
				    MUA_APPLE};
	return m[gen_pick_weighted(r, dept == DEPT_IT ? w_it : w, 5)];
}

static void build_employees(struct gen *g, struct gen_rng *r)
{
	size_t k = 0;
	for (int d = 0; d < DEPT_COUNT; d++) {
		for (unsigned i = 0; i < gen_depts[d].size; i++, k++) {
			struct gen_party *p = &g->party[k];
			char sur[32], given[32], local[80];
			chinese_name(r, p, sur, sizeof(sur), given, sizeof(given));
			p->kind = PK_EMPLOYEE;
			p->lang = LANG_ZH;
			p->dept = (uint8_t)d;
			p->head = i == 0;
			if (d == DEPT_EXE) {
				p->title = (uint8_t)(i == 0   ? 0
						     : i <= 2 ? 1
						     : i == 3 ? 2
							      : 3 + gen_below(r, 2));
			} else if (i == 0) {
				p->title = 0;
			} else {
				unsigned nt = 1;
				while (nt < 5 && gen_depts[d].titles_zh[nt] != NULL)
					nt++;
				p->title = (uint8_t)(1 + gen_below(r, nt - 1));
			}
			p->mua = employee_mua(r, d);
			p->mua_utf8 = gen_below(r, 100) < (p->mua == MUA_OUTLOOK ? 55 : 30);
			/* display name: mostly Chinese, some pinyin or English, a few none */
			unsigned st = gen_below(r, 100);
			p->style = st < 72 ? 0 : st < 84 ? 1 : st < 94 ? 2 : 3;
			if (p->style == 2) {
				/* an English first name */
				char b[32];
				cap_first(b, sizeof(b), sur);
				snprintf(p->name_en, sizeof(p->name_en), "%s %s",
					 gen_en_first[gen_below(r, (uint32_t)gen_n_en_first)], b);
			}
			snprintf(local, sizeof(local), "%s.%s", sur, given);
			unique_addr(g, k, p->addr, sizeof(p->addr), local, COMPANY_DOMAIN);
			snprintf(p->phone, sizeof(p->phone), "+86 21 6888 %04u",
				 1000 + (unsigned)k * 7 % 9000);
		}
	}
	g->n_emp = k;
}

static void build_personal(struct gen *g, struct gen_rng *r)
{
	g->personal0 = g->n_emp;
	for (size_t i = 0; i < g->n_emp; i++) {
		const struct gen_party *e = &g->party[i];
		struct gen_party *p = &g->party[g->personal0 + i];
		*p = *e;
		p->kind = PK_PERSONAL;
		p->mua = MUA_WEBMAIL;
		p->style = gen_below(r, 3) == 0 ? 3 : 0;
		char local[80];
		size_t j = 0;
		for (const char *c = e->addr; *c && *c != '@' && j + 1 < sizeof(local); c++)
			if (*c != '.' && (*c < '0' || *c > '9'))
				local[j++] = *c;
		local[j] = '\0';
		char full[96];
		snprintf(full, sizeof(full), "%s%u", local, 1975 + gen_below(r, 26));
		unique_addr(g, g->personal0 + i, p->addr, sizeof(p->addr), full,
			    gen_below(r, 3) == 0 ? "webmail.test" : "freemail.example");
	}
}

static void build_contacts(struct gen *g, struct gen_rng *r)
{
	size_t k = g->contact0;
	for (size_t o = 0; o < gen_n_orgs; o++) {
		const struct gen_org *org = &gen_orgs[o];
		g->org_first[o] = k;
		g->org_count[o] = org->contacts;
		for (unsigned i = 0; i < org->contacts; i++, k++) {
			struct gen_party *p = &g->party[k];
			memset(p, 0, sizeof(*p));
			p->kind = PK_CONTACT;
			p->org = (uint16_t)o;
			p->lang = org->lang;
			p->mua = org->mua;
			p->gender = (uint8_t)gen_below(r, 2);
			char local[96];
			if (org->kind == OK_PHISH) {
				static const char *const ph[] = {"security", "admin", "noreply",
								 "service"};
				snprintf(p->name, sizeof(p->name), "%s", org->name);
				snprintf(p->name_en, sizeof(p->name_en), "%s", org->name_en);
				snprintf(local, sizeof(local), "%s", ph[i % 4]);
			} else if (org->mua == MUA_NEWSLETTER && i == 0) {
				snprintf(p->name, sizeof(p->name), "%s",
					 org->lang == LANG_ZH ? "数联资讯" : org->name_en);
				snprintf(p->name_en, sizeof(p->name_en), "%s", org->name_en);
				snprintf(local, sizeof(local), "newsletter");
			} else if (org->lang == LANG_ZH) {
				char sur[32], given[32];
				chinese_name(r, p, sur, sizeof(sur), given, sizeof(given));
				unsigned st = gen_below(r, 4);
				if (org->kind == OK_RETAIL)
					snprintf(local, sizeof(local), "%s%s%u", sur, given,
						 1960 + gen_below(r, 45));
				else if (st == 0)
					snprintf(local, sizeof(local), "%s.%s", given, sur);
				else if (st == 1)
					snprintf(local, sizeof(local), "%s%c", sur, given[0]);
				else
					snprintf(local, sizeof(local), "%s%s", sur, given);
			} else if (org->lang == LANG_TW) {
				const struct gen_ja_name *f =
				    &gen_hk_family[gen_below(r, (uint32_t)gen_n_hk_family)];
				const struct gen_ja_name *n =
				    &gen_hk_given[gen_below(r, (uint32_t)gen_n_hk_given)];
				snprintf(p->name, sizeof(p->name), "%s%s", f->kanji, n->kanji);
				p->sur_len = (uint8_t)strlen(f->kanji);
				char a[32], b[32];
				cap_first(a, sizeof(a), f->romaji);
				cap_first(b, sizeof(b), n->romaji);
				snprintf(p->name_en, sizeof(p->name_en), "%s %s", b, a);
				snprintf(local, sizeof(local), "%c%c.%s", n->romaji[0],
					 strchr(n->romaji, '-') ? strchr(n->romaji, '-')[1] : 'x',
					 f->romaji);
			} else if (org->lang == LANG_JA) {
				const struct gen_ja_name *f =
				    &gen_ja_family[gen_below(r, (uint32_t)gen_n_ja_family)];
				const struct gen_ja_name *n =
				    &gen_ja_given[gen_below(r, (uint32_t)gen_n_ja_given)];
				snprintf(p->name, sizeof(p->name), "%s %s", f->kanji, n->kanji);
				p->sur_len = (uint8_t)strlen(f->kanji);
				char a[32], b[32];
				cap_first(a, sizeof(a), f->romaji);
				cap_first(b, sizeof(b), n->romaji);
				snprintf(p->name_en, sizeof(p->name_en), "%s %s", b, a);
				snprintf(local, sizeof(local), "%s.%s", n->romaji, f->romaji);
			} else {
				const char *f =
				    gen_en_first[gen_below(r, (uint32_t)gen_n_en_first)];
				const char *l = gen_en_last[gen_below(r, (uint32_t)gen_n_en_last)];
				snprintf(p->name_en, sizeof(p->name_en), "%s %s", f, l);
				snprintf(local, sizeof(local), "%s.%s", f, l);
				if (gen_below(r, 3) == 0)
					snprintf(local, sizeof(local), "%c%s", f[0], l);
				for (char *c = local; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c - 'A' + 'a');
			}
			p->style = p->name[0] ? 0 : 2;
			if (org->mua == MUA_NEWSLETTER && i > 0)
				p->mua = org->lang == LANG_ZH ? MUA_FOXMAIL : MUA_OUTLOOK;
			if (org->kind == OK_RETAIL && gen_below(r, 3) == 0)
				p->style = 3;
			unique_addr(g, k, p->addr, sizeof(p->addr), local, org->domain);
			if (org->lang == LANG_EN && org->tz == 0)
				snprintf(p->phone, sizeof(p->phone), "+44 20 7946 0%03u",
					 gen_below(r, 1000));
			else if (org->lang == LANG_EN && org->tz < 0)
				snprintf(p->phone, sizeof(p->phone), "+1 212 555 01%02u",
					 gen_below(r, 100));
			else if (org->lang == LANG_JA)
				snprintf(p->phone, sizeof(p->phone), "+81 3 5555 %04u",
					 gen_below(r, 10000));
			else if (org->lang == LANG_TW)
				snprintf(p->phone, sizeof(p->phone), "+852 2555 %04u",
					 gen_below(r, 10000));
			else
				snprintf(p->phone, sizeof(p->phone), "+86 21 5555 %04u",
					 gen_below(r, 10000));
		}
	}
	g->n_contact = k - g->contact0;
}

static void build_groups(struct gen *g)
{
	size_t k = g->group0;
	for (int d = 0; d <= DEPT_COUNT; d++, k++) {
		struct gen_party *p = &g->party[k];
		memset(p, 0, sizeof(*p));
		p->kind = PK_GROUP;
		p->dept = (uint8_t)d;
		if (d == DEPT_COUNT) {
			snprintf(p->name, sizeof(p->name), "恒信基金全体员工");
			snprintf(p->name_en, sizeof(p->name_en), "Hengxin All Staff");
			snprintf(p->addr, sizeof(p->addr), "all-staff@" COMPANY_DOMAIN);
		} else {
			snprintf(p->name, sizeof(p->name), "%s", gen_depts[d].zh);
			snprintf(p->name_en, sizeof(p->name_en), "%s", gen_depts[d].en);
			snprintf(p->addr, sizeof(p->addr), "%s@" COMPANY_DOMAIN,
				 gen_depts[d].group);
		}
	}
	g->system0 = k;
	static const char *const sys[][3] = {
	    {"恒信TA系统", "Hengxin TA System", "ta-noreply"},
	    {"O32风控预警", "O32 Risk Alerts", "o32-alert"},
	    {"OA办公系统", "OA Workflow", "oa-noreply"},
	    {"估值系统", "Valuation System", "valuation"},
	};
	for (size_t i = 0; i < NELEM(sys); i++, k++) {
		struct gen_party *p = &g->party[k];
		memset(p, 0, sizeof(*p));
		p->kind = PK_SYSTEM;
		p->mua = MUA_SYSTEM;
		snprintf(p->name, sizeof(p->name), "%s", sys[i][0]);
		snprintf(p->name_en, sizeof(p->name_en), "%s", sys[i][1]);
		snprintf(p->addr, sizeof(p->addr), "%s@" COMPANY_DOMAIN, sys[i][2]);
	}
	g->n_system = NELEM(sys);
}

int gen_dir_build(struct gen *g, struct error *err)
{
	size_t n_emp = 0, n_contacts = 0;
	for (int d = 0; d < DEPT_COUNT; d++)
		n_emp += gen_depts[d].size;
	for (size_t o = 0; o < gen_n_orgs; o++)
		n_contacts += gen_orgs[o].contacts;
	size_t total = 2 * n_emp + n_contacts + (DEPT_COUNT + 1) + 4;
	if (total >= UINT16_MAX)
		return error_set(err, ERR_INTERNAL, "directory too large");
	g->party = xcalloc(total, sizeof(*g->party));
	g->org_first = xcalloc(gen_n_orgs, sizeof(*g->org_first));
	g->org_count = xcalloc(gen_n_orgs, sizeof(*g->org_count));
	struct gen_rng r;
	gen_rng_seed(&r, DIR_SEED, 0, 0);
	build_employees(g, &r);
	build_personal(g, &r);
	g->contact0 = 2 * g->n_emp;
	build_contacts(g, &r);
	g->group0 = g->contact0 + g->n_contact;
	build_groups(g);
	g->n_party = total;
	return 0;
}

const char *gen_org_name(const struct gen_org *o, int lang)
{
	if (lang == LANG_EN || o->kind == OK_RETAIL)
		return o->name_en;
	if (lang == o->lang)
		return o->name;
	return o->name_en;
}

const char *gen_party_name(const struct gen_party *p, int lang)
{
	switch (lang) {
	case LANG_ZH:
		return p->name[0] && p->lang != LANG_JA ? p->name : p->name_en;
	case LANG_TW:
		if (p->kind == PK_EMPLOYEE || p->kind == PK_PERSONAL)
			return p->name_tw;
		return p->lang == LANG_TW && p->name[0] ? p->name : p->name_en;
	case LANG_JA:
		return p->lang == LANG_JA && p->name[0] ? p->name : p->name_en;
	default:
		return p->name_en[0] ? p->name_en : p->name;
	}
}

const char *gen_party_display(const struct gen *g, const struct gen_party *p, int lang)
{
	(void)g;
	(void)lang;
	switch (p->style) {
	case 0:
		return p->name[0] ? p->name : p->name_en;
	case 1:
	case 2:
		return p->name_en;
	default:
		return "";
	}
}

void gen_party_salute(const struct gen *g, const struct gen_party *p, int lang, char *out,
		      size_t cap)
{
	(void)g;
	const char *sur_en = p->name_en;
	const char *sp = strrchr(p->name_en, ' ');
	if (sp != NULL)
		sur_en = sp + 1;
	int senior = p->kind == PK_EMPLOYEE &&
		     (p->head || (p->dept == DEPT_EXE && p->title <= 2) || p->dept == DEPT_INV);
	switch (lang) {
	case LANG_ZH:
		if (p->kind == PK_GROUP) {
			snprintf(out, cap, "各位同事");
		} else if (p->lang == LANG_EN || p->lang == LANG_JA || !p->name[0]) {
			snprintf(out, cap, "%s", p->name_en);
		} else if (senior) {
			snprintf(out, cap, "%.*s总", p->sur_len, p->name);
		} else if (p->kind == PK_CONTACT && p->gender == 0) {
			snprintf(out, cap, "%.*s经理", p->sur_len, p->name);
		} else {
			snprintf(out, cap, "%s", p->name);
		}
		break;
	case LANG_TW:
		if (p->kind == PK_EMPLOYEE || p->kind == PK_PERSONAL)
			snprintf(out, cap, "%.*s%s", p->sur_len, p->name_tw,
				 p->gender ? "小姐" : "先生");
		else if (p->lang == LANG_TW && p->name[0])
			snprintf(out, cap, "%.*s%s", p->sur_len, p->name,
				 p->gender ? "小姐" : "先生");
		else
			snprintf(out, cap, "%s", p->name_en);
		break;
	case LANG_JA:
		if (p->lang == LANG_JA && p->name[0])
			snprintf(out, cap, "%.*s様", p->sur_len, p->name);
		else
			snprintf(out, cap, "%s様", sur_en);
		break;
	default:
		if (p->kind == PK_GROUP)
			snprintf(out, cap, "all");
		else if (p->kind == PK_CONTACT && p->lang == LANG_EN)
			snprintf(out, cap, "%.*s", (int)strcspn(p->name_en, " "), p->name_en);
		else
			snprintf(out, cap, "%s %s", p->gender ? "Ms." : "Mr.", sur_en);
		break;
	}
}
