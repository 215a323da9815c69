/*
 * gen_int.h - private declarations shared by the files of src/gen.
 *
 *   gen_data.c   vocabulary: names, organisations, products, topics, templates
 *   gen_dir.c    the company directory and external contacts (fixed, seed-free)
 *   gen_cs.c     charsets (tables built from glibc iconv), base64, QP, RFC 2047/2231
 *   gen_text.c   template expansion, subjects, bodies (plain and HTML)
 *   gen_att.c    attachments: PDF, DOCX, XLSX, ZIP, CSV, PNG
 *   gen_msg.c    per-message metadata (threads, dates, parties, encodings)
 *   gen_build.c  message bytes (headers in each client's style, MIME) and gen.h API
 *   gen_run.c    output formats (eml, mbox, Maildir++), manifest, statistics
 *
 * Randomness: every decision about message n draws from an xoshiro256**
 * stream seeded by splitmix64 from (seed, n, stream id), so that any message
 * can be rebuilt alone (a reply rebuilds its parent's metadata).
 */
#ifndef CUSTOS_GEN_GEN_INT_H
#define CUSTOS_GEN_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "gen/gen.h"

/* ---- random numbers ---------------------------------------------------- */

struct gen_rng {
	uint64_t s[4];
};

/* Random streams of one message. */
enum {
	RS_META = 1,
	RS_SUBJECT = 2,
	RS_BODY = 3,
	RS_HEADER = 4,
	RS_DATE = 5,
	RS_ATT = 16, /* + attachment index */
};

static inline uint64_t gen_mix64(uint64_t z)
{
	/* splitmix64 finaliser: a bijection on 64-bit integers. */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t n, uint64_t stream)
{
	uint64_t x = gen_mix64(seed ^ 0x68656e6778696e00ULL) ^
		     gen_mix64(n + 0x9e3779b97f4a7c15ULL) ^
		     gen_mix64(stream * 0xd1b54a32d192ed03ULL + 7);
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		r->s[i] = gen_mix64(x);
	}
}

static inline uint64_t gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (n > 0); multiply-shift, bias below 2^-32. */
static inline uint32_t gen_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t gen_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + gen_below(r, hi - lo + 1);
}

static inline double gen_unit(struct gen_rng *r)
{
	return (double)(gen_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* 1 with probability p. */
static inline int gen_chance(struct gen_rng *r, double p)
{
	return gen_unit(r) < p;
}

/* buf_printf with one formatting pass in the common case (the generator
 * formats a great deal; core's buf_printf always measures first). */
int gen_printf(struct buf *b, struct error *err, const char *fmt, ...) CUSTOS_PRINTF(3, 4);

/* Index drawn with the given weights (n > 0, sum > 0). */
size_t gen_pick_weighted(struct gen_rng *r, const uint16_t *w, size_t n);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vocabulary (gen_data.c) ------------------------------------------ */

enum gen_lang { LANG_ZH, LANG_TW, LANG_EN, LANG_JA, LANG_COUNT };

enum gen_dept {
	DEPT_INV,
	DEPT_RES,
	DEPT_TRD,
	DEPT_CMP,
	DEPT_RSK,
	DEPT_MKT,
	DEPT_OPS,
	DEPT_IT,
	DEPT_EXE,
	DEPT_COUNT
};
#define DM(d) (1u << (d))
#define DM_ALL 0x1ffu

enum gen_org_kind {
	OK_BROKER,
	OK_CUSTODIAN,
	OK_CLIENT,
	OK_AUDITOR,
	OK_LAW,
	OK_VENDOR,
	OK_RETAIL,
	OK_PHISH,
	OK_COUNT
};
#define OM(k) (1u << (k))

/* Mail user agents: they decide header style, Message-ID and boundary
 * shapes, quoting, charset habits and filename encoding. */
enum gen_mua {
	MUA_OUTLOOK,
	MUA_FOXMAIL,
	MUA_COREMAIL,
	MUA_THUNDERBIRD,
	MUA_APPLE,
	MUA_WEBMAIL,
	MUA_GMAILLIKE,
	MUA_BECKY,
	MUA_SYSTEM,
	MUA_NEWSLETTER,
	MUA_COUNT
};

struct gen_name_part {
	const char *hz; /* simplified */
	const char *tw; /* traditional (same as hz when no difference) */
	const char *py; /* pinyin, lower case, no tones */
	uint16_t weight;
	uint8_t sex; /* 0 either, 1 mostly male, 2 mostly female */
};
extern const struct gen_name_part gen_surnames[];
extern const size_t gen_n_surnames;
extern const struct gen_name_part gen_given[];
extern const size_t gen_n_given;

struct gen_dept_info {
	const char *zh, *tw, *en, *group; /* group: local part of its list address */
	unsigned size;
	const char *titles_zh[5];
	const char *titles_en[5];
};
extern const struct gen_dept_info gen_depts[DEPT_COUNT];

struct gen_org {
	const char *name; /* in its own script */
	const char *name_en;
	const char *domain;
	uint8_t kind; /* enum gen_org_kind */
	uint8_t lang; /* enum gen_lang */
	uint8_t contacts;
	uint8_t mua; /* enum gen_mua */
	uint8_t ip;  /* last octet of a documentation address */
	int16_t tz;  /* minutes east of UTC (standard time) */
	uint8_t dst; /* 0 none, 1 EU rules, 2 US rules */
};
extern const struct gen_org gen_orgs[];
extern const size_t gen_n_orgs;

struct gen_product {
	const char *zh, *tw, *short_zh, *en, *code;
};
extern const struct gen_product gen_products[];
extern const size_t gen_n_products;

struct gen_stock {
	const char *zh, *en, *code;
	uint8_t industry;
};
extern const struct gen_stock gen_stocks[];
extern const size_t gen_n_stocks;

struct gen_industry {
	const char *zh, *tw, *en;
};
extern const struct gen_industry gen_industries[];
extern const size_t gen_n_industries;

/* Western, Japanese and Hong Kong contact names. */
extern const char *const gen_en_first[], *const gen_en_last[];
extern const size_t gen_n_en_first, gen_n_en_last;
struct gen_ja_name {
	const char *kanji, *romaji;
};
extern const struct gen_ja_name gen_ja_family[], gen_ja_given[];
extern const size_t gen_n_ja_family, gen_n_ja_given;
extern const struct gen_ja_name gen_hk_family[], gen_hk_given[];
extern const size_t gen_n_hk_family, gen_n_hk_given;

enum gen_special {
	SP_NONE,
	SP_SYSTEM,
	SP_BROADCAST,
	SP_NEWSLETTER,
	SP_PHISHING,
	SP_EXFIL,
	SP_MASS
};

#define DIRM(d) (1u << (d))

struct gen_topic {
	const char *key;
	uint16_t weight;
	uint8_t dirs;	 /* DIRM(GEN_DIR_...) */
	uint16_t depts;	 /* DM(DEPT_...): who at Hengxin writes or receives it */
	uint16_t orgs;	 /* OM(OK_...): counterparties */
	uint8_t special; /* enum gen_special */
	uint8_t att_pct; /* chance of attachments at the default --attachments */
	const char *att; /* kinds: p pdf, d docx, x xlsx, z zip, c csv */
	const char *const *subj[LANG_COUNT];
	const char *const *body[LANG_COUNT];
};
extern const struct gen_topic gen_topics[];
extern const size_t gen_n_topics;

/* Pools of sentences (NULL-terminated) by language. */
extern const char *const *const gen_pool_filler[LANG_COUNT];
extern const char *const *const gen_pool_commentary[LANG_COUNT];
extern const char *const *const gen_pool_reply[LANG_COUNT];
extern const char *const *const gen_pool_forward[LANG_COUNT];
extern const char *const gen_disclaimer_zh, *const gen_disclaimer_en;
extern const char *const gen_meeting_rooms[];
extern const size_t gen_n_meeting_rooms;
/* Characters outside GB2312 (in GBK) and outside GBK (in GB18030). */
extern const char *const gen_gbk_only_words[];
extern const size_t gen_n_gbk_only_words;
extern const char *const gen_gb18030_only_words[];
extern const size_t gen_n_gb18030_only_words;

size_t gen_pool_len(const char *const *pool);

/* ---- the directory (gen_dir.c) ---------------------------------------- */

enum gen_party_kind { PK_EMPLOYEE, PK_CONTACT, PK_PERSONAL, PK_GROUP, PK_SYSTEM };

struct gen_party {
	char name[64];	  /* display name in its own script, or "" */
	char name_en[64]; /* romanised / English */
	char name_tw[64]; /* traditional form (employees) */
	char addr[96];
	char phone[32];
	uint8_t sur_len; /* bytes of the family name at the start of name */
	uint8_t kind;	 /* enum gen_party_kind */
	uint8_t lang;	 /* enum gen_lang */
	uint8_t mua;
	uint8_t dept;	  /* employees, groups */
	uint8_t title;	  /* index into gen_depts[dept].titles_* */
	uint8_t style;	  /* display-name style */
	uint8_t gender;	  /* 0 male, 1 female */
	uint8_t mua_utf8; /* employee's client is set to UTF-8 */
	uint8_t head;	  /* head of department */
	uint16_t org;	  /* contacts: index into gen_orgs */
};

/* ---- charsets (gen_cs.c) ----------------------------------------------- */

/* GBK bytes labelled "gb2312", as many Chinese clients send them. */
#define CS_GBK_AS_GB2312 ((enum gen_charset)GEN_CS_COUNT)

/* Encodes UTF-8 s into charset cs; -1 (no error set) if a character has no
 * mapping. */
int cs_encode(enum gen_charset cs, const char *s, size_t n, struct buf *out, struct error *err);
/* 1 if every character of s can be encoded in cs. */
int cs_can_encode(enum gen_charset cs, const char *s, size_t n);
/* Builds the tables once per process (thread-safe). */
int cs_init(struct error *err);
const char *cs_label(enum gen_charset cs, int upper);

/* Base64 with 76-column lines (LF), QP (RFC 2045) for text. */
int mime_base64(struct buf *out, const unsigned char *p, size_t n, struct error *err);
int mime_qp(struct buf *out, const unsigned char *p, size_t n, struct error *err);

/* Header writer with folding at 76 columns (RFC 5322 2.2.3). */
struct hdr {
	struct buf *out;
	size_t col;
	const char *fold; /* "\n " or "\n\t" */
	int upper;	  /* charset labels in upper case (set after hdr_begin) */
};
int hdr_begin(struct hdr *h, struct buf *out, const char *name, const char *fold,
	      struct error *err);
/* Appends a token; folds before it when the line would pass 76 columns.
 * sep is written before the token (" " or "" or ", "). */
int hdr_token(struct hdr *h, const char *sep, const char *tok, size_t n, struct error *err);
int hdr_end(struct hdr *h, struct error *err);
/* Appends UTF-8 text as RFC 2047 encoded words in cs (B or Q), folding; plain
 * ASCII text without specials is written as is when allow_plain. */
int hdr_text(struct hdr *h, const char *sep, const char *utf8, enum gen_charset cs, int q,
	     int allow_plain, struct error *err);
/* Appends a phrase (display name): quoted string when ASCII, else RFC 2047. */
int hdr_phrase(struct hdr *h, const char *sep, const char *utf8, enum gen_charset cs, int q,
	       struct error *err);
/* Appends RFC 2231 parameter name*=utf-8''... (with continuations past 60
 * columns) for a UTF-8 value. */
int hdr_param_2231(struct hdr *h, const char *name, const char *utf8, struct error *err);
/* RFC 2047 value inside a quoted parameter (Outlook style). */
int hdr_param_2047(struct hdr *h, const char *name, const char *utf8, enum gen_charset cs,
		   struct error *err);
int hdr_param_plain(struct hdr *h, const char *name, const char *value, struct error *err);

/* ---- the generator ----------------------------------------------------- */

#define GEN_MAX_DEPTH 6
#define GEN_MAX_REFS 8
#define GEN_MSGID_MAX 160
#define GEN_SUBJ_MAX 600

enum gen_kind { KIND_NEW, KIND_REPLY, KIND_FORWARD };
enum gen_body_shape { SHAPE_TEXT, SHAPE_ALT, SHAPE_HTML };

struct gen_meta {
	uint64_t n;
	int64_t parent, thread;
	int depth;
	uint8_t kind, lang, dir, mua, special, shape;
	uint8_t fwd_attach;  /* forward as message/rfc822 */
	uint8_t related;     /* inline logo in the HTML */
	uint8_t cs;	     /* wanted charset (enum gen_charset) */
	uint8_t cte;	     /* 0 base64, 1 qp, 2 8bit, 3 7bit */
	uint8_t hdr_q;	     /* RFC 2047 Q rather than B */
	uint8_t mislabel;    /* allowed to label GBK bytes gb2312 */
	uint8_t paras;	     /* body length class */
	uint8_t event_off;   /* days from the date to the event the text talks about */
	uint8_t att_inherit; /* attachments are the parent's (forward) */
	uint8_t parent_special;
	uint16_t topic;
	uint16_t from;
	uint16_t to[GEN_MAX_RCPT], cc[GEN_MAX_RCPT], bcc[GEN_MAX_RCPT];
	uint16_t n_to, n_cc, n_bcc;
	uint16_t org; /* counterparty organisation, or UINT16_MAX */
	uint16_t product, client, broker, custodian, stock, industry, colleague;
	int64_t date; /* UTC seconds */
	int tz;	      /* minutes east of UTC of the sender */
	unsigned flags;
	uint8_t att[GEN_MAX_ATT];
	uint8_t n_att;
	char subject[GEN_SUBJ_MAX];
	char msgid[GEN_MSGID_MAX]; /* "" when none */
	char refs[GEN_MAX_REFS][GEN_MSGID_MAX];
	uint8_t n_refs;
};

struct gen {
	struct gen_opts opts;
	struct gen_party *party;
	size_t n_party;
	size_t n_emp;	  /* employees: [0, n_emp) */
	size_t personal0; /* personal addresses of employees: [personal0, +n_emp) */
	size_t contact0, n_contact;
	size_t group0; /* one group per department, then all-staff */
	size_t system0, n_system;
	size_t phish0, n_phish;
	size_t *org_first; /* per org: first contact */
	uint8_t *org_count;
	double *day_cum;    /* cumulative day weights, opts.days entries */
	unsigned char *png; /* the signature logo */
	size_t png_len;
	int level; /* message/rfc822 recursion */
	/* scratch, reused from message to message (constant memory) */
	struct buf own[GEN_MAX_DEPTH + 2], qhdr[GEN_MAX_DEPTH + 2], logical[GEN_MAX_DEPTH + 2];
	struct buf plain, html, enc, tmp, tmp2, att, attenc, inner[GEN_MAX_DEPTH + 2];
	/* info storage */
	struct gen_meta meta;
	const char *rcpt[3 * GEN_MAX_RCPT];
	const char *bcc[GEN_MAX_RCPT];
	char mail_from[128];
	char folder[64];
	char cid[64]; /* Content-ID of the inline logo */
};

/* gen_dir.c */
int gen_dir_build(struct gen *g, struct error *err);
/* Display name of p in language lang ("" when the style shows none). */
const char *gen_party_display(const struct gen *g, const struct gen_party *p, int lang);
/* How the sender addresses p in lang ("张总", "Mr. Miller", "田中様"...). */
void gen_party_salute(const struct gen *g, const struct gen_party *p, int lang, char *out,
		      size_t cap);
/* Name of p as used in text of language lang. */
const char *gen_party_name(const struct gen_party *p, int lang);
const char *gen_org_name(const struct gen_org *o, int lang);

/* gen_msg.c */
/* The earlier message whose exact bytes message n repeats, or -1. */
int64_t gen_dup_source(const struct gen *g, uint64_t n);
int gen_meta_build(struct gen *g, uint64_t n, struct gen_meta *m, int level);
/* Date pieces in a fixed offset (tz minutes). */
void gen_civil(int64_t t, int tz, int *y, int *mo, int *d, int *h, int *mi, int *s, int *wd);
int64_t gen_days_from_civil(int y, int m, int d);

/* gen_text.c */
struct text_ctx {
	struct gen *g;
	const struct gen_meta *m;
	struct gen_rng *rng;
	int lang;
	const struct gen_party *sender, *addressee;
};
int text_expand(struct text_ctx *c, const char *tmpl, struct buf *out, struct error *err);
int text_subject(struct gen *g, struct gen_meta *m, struct gen_rng *r, struct error *err);
/* The message's own text (logical lines, LF; paragraphs separated by a blank line). */
int text_own(struct gen *g, const struct gen_meta *m, struct buf *out, struct error *err);
/* Own text, quote header and quoted logical text of parents (recursively). */
int text_logical(struct gen *g, const struct gen_meta *m, int level, struct error *err);
/* Renders the logical text of level 0 as the text/plain body (wrapped per
 * MUA) and as HTML. */
int text_render_plain(struct gen *g, const struct gen_meta *m, struct buf *out, struct error *err);
int text_render_html(struct gen *g, const struct gen_meta *m, enum gen_charset cs, struct buf *out,
		     struct error *err);
/* Date in a language's long form ("2025年3月14日", "14 March 2025"). */
int text_date(struct buf *out, int64_t t, int tz, int lang, struct error *err);

/* gen_att.c */
struct att_out {
	char filename[256]; /* UTF-8 */
	const char *ctype;
	enum gen_charset csv_cs; /* for text/csv */
};
int att_build(struct gen *g, const struct gen_meta *m, unsigned idx, struct buf *out,
	      struct att_out *ao, struct error *err);
int att_png_logo(unsigned char **png_r, size_t *len_r);
int att_pdf(struct buf *out, const char *title, const char *const *lines, size_t n_lines,
	    int64_t date, struct error *err);

/* Appends s[0..n) with < > & " escaped for XML and HTML text. */
int gen_xml_escape(struct buf *out, const char *s, size_t n, struct error *err);

#endif
