/*
 * gen.h - a seeded, deterministic generator of realistic mail for the
 * fictitious fund company "Hengxin Fund Management" (恒信基金管理有限公司,
 * hengxin-fund.example), for tests, benchmarks and the demo.
 *
 * Determinism: message n depends only on (seed, n, the options that shape
 * content: count, start, days, chinese, attachments). Nothing reads the wall
 * clock, the pid, the environment or the locale; the same inputs give the
 * same bytes on every run and every machine with the same glibc charset
 * tables. Messages can be produced in any order (gen_message), which is what
 * lets gen_run stream a million messages in constant memory.
 *
 * Bcc truth: a Bcc recipient never appears in the message bytes (as after
 * submission). The envelope (sender and every recipient, Bcc included) is
 * exposed through struct gen_info in-process and, for files, through the
 * optional manifest (JSON Lines, one object per message: see gen_run and
 * doc in src/gen/gen_run.c). Tests that need the truth read one of those.
 *
 * Ownership: struct gen is opaque and owned by the caller (gen_new/gen_free).
 * Everything a struct gen_info points to is owned by the generator and valid
 * until the next gen_message() call on the same generator or gen_free().
 * A struct gen is not thread-safe; use one per thread.
 */
#ifndef CUSTOS_GEN_GEN_H
#define CUSTOS_GEN_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum gen_format { GEN_FMT_EML, GEN_FMT_MBOX, GEN_FMT_MAILDIR };

/* Upper bounds of the options (checked by gen_new). */
#define GEN_MAX_COUNT 100000000ULL
#define GEN_MAX_DAYS 36600U
#define GEN_MAX_JOBS 64U

struct gen_opts {
	uint64_t seed;
	uint64_t count; /* number of messages, 1..GEN_MAX_COUNT */
	enum gen_format format;
	int32_t start_day;    /* first day, as days since 1970-01-01 (Beijing date) */
	uint32_t days;	      /* length of the period, 1..GEN_MAX_DAYS */
	double chinese;	      /* fraction of messages written in Chinese, 0..1 */
	double attachments;   /* fraction of new messages with attachments, 0..1 */
	const char *out;      /* eml: directory; mbox: file; maildir: Maildir++ root */
	const char *manifest; /* NULL, or the path of a JSON Lines truth file */
	int force;	      /* overwrite an existing non-empty output */
	unsigned jobs;	      /* worker threads for eml/maildir (0 or 1: none) */
};

/* seed 1, count 1000, eml, 2025-01-01, 365 days, chinese 0.75,
 * attachments 0.22, jobs 1, everything else 0/NULL. */
void gen_opts_defaults(struct gen_opts *o);
/* Parses "YYYY-MM-DD" into days since 1970-01-01. */
int gen_parse_date(const char *s, int32_t *day_r, struct error *err);

enum gen_direction { GEN_DIR_INTERNAL, GEN_DIR_INBOUND, GEN_DIR_OUTBOUND };

/* Charset label of the main text part (the label written, which for a
 * mislabelled message is not the real encoding: see GEN_F_MISLABELLED). */
enum gen_charset {
	GEN_CS_US_ASCII,
	GEN_CS_UTF8,
	GEN_CS_GB2312,
	GEN_CS_GBK,
	GEN_CS_GB18030,
	GEN_CS_BIG5,
	GEN_CS_ISO2022JP,
	GEN_CS_LATIN1,
	GEN_CS_COUNT
};

enum gen_att_kind {
	GEN_ATT_PDF,
	GEN_ATT_DOCX,
	GEN_ATT_XLSX,
	GEN_ATT_ZIP,
	GEN_ATT_CSV,
	GEN_ATT_PNG,	 /* inline signature logo (multipart/related) */
	GEN_ATT_MESSAGE, /* message/rfc822 (forward as attachment) */
	GEN_ATT_COUNT
};

enum gen_flag {
	GEN_F_CRLF = 1 << 0,	    /* CRLF line endings */
	GEN_F_NO_MSGID = 1 << 1,    /* no Message-ID header */
	GEN_F_MISLABELLED = 1 << 2, /* GBK bytes labelled gb2312 */
	GEN_F_HTML = 1 << 3,	    /* has a text/html part */
	GEN_F_LARGE = 1 << 4,	    /* carries a large (0.5-4 MB) attachment */
	GEN_F_LATE_NIGHT = 1 << 5,  /* sent between 23:00 and 06:00 Beijing time */
	GEN_F_LONG_HEADER = 1 << 6, /* a very long folded recipient list */
	GEN_F_UNDISCLOSED = 1 << 7, /* To: undisclosed-recipients:; (all Bcc) */
};

#define GEN_MAX_ATT 8
#define GEN_MAX_RCPT 128

struct gen_info {
	uint64_t n;
	int64_t duplicate_of; /* -1, or the earlier message whose bytes these are */
	int64_t parent;	      /* -1, or the message this one replies to or forwards */
	int64_t thread;	      /* the first message of the thread (n when new) */
	int64_t date;	      /* seconds since the epoch (the Date header) */
	enum gen_direction direction;
	enum gen_charset charset;
	const char *lang;	/* "zh", "zh-Hant", "en", "ja" */
	const char *cte;	/* transfer encoding of the main text part */
	const char *subject;	/* UTF-8, as intended (before RFC 2047 encoding) */
	const char *message_id; /* "<...>", or "" when the message has none */
	const char *mail_from;	/* envelope sender */
	const char *from;	/* From: address */
	/* The envelope recipients as Hengxin's MTA (and so its journal) sees
	 * them: To, Cc and Bcc of internal and outbound mail; only the
	 * hengxin-fund.example recipients of inbound mail. List addresses
	 * (all-staff@...) stay unexpanded. */
	const char *const *rcpt;
	size_t n_rcpt;
	const char *const *bcc; /* the Bcc subset of rcpt (never in the bytes) */
	size_t n_bcc;
	enum gen_att_kind att[GEN_MAX_ATT];
	size_t n_att;
	unsigned flags;	      /* enum gen_flag */
	const char *scenario; /* "" normally; "phishing" or "exfiltration" for demo cases */
	const char *folder;   /* Maildir++ folder ("" = INBOX, ".Sent", ...) */
};

struct gen;

/* Checks opts and builds the company (fixed: it does not depend on the seed)
 * and the charset tables. opts is copied; opts->out may be NULL here. */
int gen_new(const struct gen_opts *opts, struct gen **gen_r, struct error *err);
void gen_free(struct gen *g);

/* Produces message n (0 <= n < count) into out, which is reset first. info_r
 * may be NULL. Always LF or, for GEN_F_CRLF messages, CRLF line endings. */
int gen_message(struct gen *g, uint64_t n, struct buf *out, struct gen_info *info_r,
		struct error *err);

/* The company directory: employees (name, address, department), for a demo
 * directory CSV. i < gen_employee_count(). Strings borrowed from g. */
size_t gen_employee_count(const struct gen *g);
void gen_employee(const struct gen *g, size_t i, const char **name_r, const char **addr_r,
		  const char **dept_r, const char **title_r);

struct gen_stats {
	uint64_t messages;
	uint64_t bytes;
	uint64_t duplicates;
	uint64_t replies;
	uint64_t with_bcc;
	uint64_t with_attachments;
	uint64_t max_size;
	uint64_t direction[3];
	uint64_t charset[GEN_CS_COUNT];
	uint64_t att[GEN_ATT_COUNT];
	uint64_t flags[8]; /* count per enum gen_flag bit */
};

/* Writes opts->count messages to opts->out in opts->format (and the manifest
 * when asked). Refuses a non-empty existing output unless opts->force. */
int gen_run(const struct gen_opts *opts, struct gen_stats *stats_r, struct error *err);

/* Adds one message's info to stats (used by gen_run; handy in benchmarks). */
void gen_stats_add(struct gen_stats *s, const struct gen_info *info, size_t size);

const char *gen_charset_name(enum gen_charset cs);
const char *gen_att_kind_name(enum gen_att_kind k);
const char *gen_direction_name(enum gen_direction d);
const char *gen_flag_name(unsigned bit_index);

#endif
