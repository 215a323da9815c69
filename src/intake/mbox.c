/*
 * mbox.c - the mbox splitter: a push parser that cuts a byte stream into
 * messages at From_ lines. See source.h for the interface.
 *
 * Formats: mboxo and mboxrd (qmail mbox(5)), the Netscape/Mozilla variant
 * ("From - " lines, often not preceded by an empty line), mboxcl/mboxcl2
 * (Content-Length), LF or CRLF line ends. RFC 4155 describes the family.
 *
 * WHICH "From " LINE STARTS A MESSAGE. A line beginning "From " is a
 * separator when one of these holds:
 *   (a) it is the first line of the stream (a UTF-8 BOM before it is mbox
 *       framing and dropped);
 *   (b) it is a full From_ line: "From " ADDR SP DATE, where DATE is a
 *       ctime(3) or RFC 5322 date ("Sun Sep  3 17:38:56 2017",
 *       "Fri Sep 26 17:18:40 +0000 2025", "Sat, 11 Nov 2000 12:00:00 +0000"),
 *       optionally followed by "remote from HOST";
 *   (c) it is a bare From_ line, "From " plus at most an address that looks
 *       like one (empty, "-", "MAILER-DAEMON" or containing '@'), and the
 *       next line is a header field ("Name:"). A bare line followed by more
 *       words still counts when it follows an empty line.
 * An empty line before it is neither needed nor enough. Why: mbox writers
 * write (b) (procmail, Postfix, Dovecot, mutt, git format-patch, Google
 * Takeout with its "@xxx" addresses) or (c) (Netscape's "From - "), while
 * unquoted body lines ("From Russia with love", MimeKit's "unmunged" test;
 * mboxcl2 never quotes) rarely match either. The classical "any From line
 * after an empty line" rule splits such bodies and loses the line; a missed
 * split only merges two messages, losing nothing. The GMime "substring"
 * mbox (bare "From - " lines right after body text) is split as GMime does.
 *
 * Content-Length (mboxcl/mboxcl2) is used only as a veto: a separator of
 * rule (b) or (c) is ignored while the body declared by the message's own
 * Content-Length (at most max_message_size) is not complete, so unquoted
 * body lines of an mboxcl2 file are never split off. A wrong Content-Length
 * can only merge messages, never drop bytes.
 *
 * MESSAGE BYTES. A message runs from the line after its From_ line to the
 * next separator, minus the one empty line right before that separator (or
 * before the end of the stream): the line the mbox writer added. A line
 * matching ^>+From  loses one '>' (mboxrd). In an mboxo file a message line
 * that really was ">From " is indistinguishable from a quoted "From " and
 * also loses its '>'; that is the rarer case, so mboxrd wins. Bytes before
 * the first From_ line (only when the stream does not start with one) are
 * handed over as a message with offset 0 and no env_from.
 *
 * INVARIANTS. The result does not depend on how the stream is cut into
 * mbox_feed() calls (the fuzz target checks this). Memory is bounded by
 * max_message_size plus two line heads of MBOX_HEAD_MAX bytes: a line is
 * classified from its first MBOX_HEAD_MAX bytes, so a From_ line longer than
 * that only counts under rule (a), and a quoted line with more than
 * MBOX_HEAD_MAX-5 '>' stays quoted.
 */
#include "intake/source.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/xalloc.h"

#define MBOX_HEAD_MAX 1024 /* bytes of a line kept to classify it */
#define MBOX_ENV_MAX 255   /* longest From_ address kept as env_from */
#define MBOX_MAX_TOKENS 16 /* a From_ line with more words is not one */

enum rest_mode {
	REST_NONE,    /* collecting the head of a line */
	REST_CONTENT, /* the rest of a long line is message content */
	REST_DISCARD, /* the rest of a long From_ line is dropped */
};

struct mbox_splitter {
	uint64_t max;
	mbox_message_cb on_message;
	source_fail_cb on_fail;
	void *ctx;
	char *origin;

	uint64_t pos;	  /* stream offset of the next byte */
	int seen_line;	  /* a line was classified already */
	int failed;	  /* the callback stopped the walk */
	struct error why; /* ... with this error */

	/* the current line */
	unsigned char head[MBOX_HEAD_MAX];
	size_t head_len;
	uint64_t line_off;
	enum rest_mode rest;

	/* the current message */
	int from_line; /* opened by a From_ line (not the preamble) */
	uint64_t off;  /* offset of that From_ line */
	char env[MBOX_ENV_MAX + 1];
	int has_env;
	struct buf msg;
	uint64_t len;	  /* content bytes so far, kept or not */
	int skipping;	  /* over the limit: counted, not kept */
	int in_header;	  /* before the first empty line */
	uint64_t hdr_end; /* len at which the body starts */
	uint64_t clen;	  /* Content-Length, when has_clen */
	int has_clen;

	/* a held-back empty line: dropped if a separator follows */
	unsigned char blank[2];
	size_t blank_len;
	int has_blank;
	int blank_ends_header;

	/* a held-back bare From_ line: a separator if a header line follows */
	unsigned char cand[MBOX_HEAD_MAX];
	size_t cand_len;
	int has_cand;
	uint64_t cand_off;
	char cand_env[MBOX_ENV_MAX + 1];
	int cand_has_env;
};

/* ---- line grammar ------------------------------------------------------ */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Length without the line end ("\n" or "\r\n"). */
static size_t line_body(const unsigned char *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

static int is_blank_line(const unsigned char *p, size_t n)
{
	return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n');
}

static int starts_from(const unsigned char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* RFC 5322 field name (ftext: printable ASCII except ':') then ':'. */
static int is_header_line(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] >= 33 && p[i] <= 126 && p[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < n && is_ws(p[i])) /* obsolete "Name :" syntax */
		i++;
	return i < n && p[i] == ':';
}

struct token {
	const unsigned char *p;
	size_t n;
};

/* Splits the words after "From " into t (at most MBOX_MAX_TOKENS). The
 * first word is the address: it may be empty (two spaces after "From") and
 * may be a quoted string with spaces (readpst writes "From \"Name\" ..."). */
static int from_tokens(const unsigned char *p, size_t n, struct token *t, size_t *nt_r)
{
	size_t i = 5, nt = 0;
	n = line_body(p, n);
	/* the address */
	size_t start = i;
	if (i < n && p[i] == '"') {
		const unsigned char *q = memchr(p + i + 1, '"', n - i - 1);
		if (q != NULL)
			i = (size_t)(q - p) + 1;
	}
	while (i < n && !is_ws(p[i]))
		i++;
	t[nt++] = (struct token){p + start, i - start};
	for (;;) {
		while (i < n && is_ws(p[i]))
			i++;
		if (i >= n)
			break;
		if (nt == MBOX_MAX_TOKENS)
			return -1;
		start = i;
		while (i < n && !is_ws(p[i]))
			i++;
		t[nt++] = (struct token){p + start, i - start};
	}
	*nt_r = nt;
	return 0;
}

static int tok_is(const struct token *t, const char *s)
{
	size_t n = strlen(s);
	return t->n == n && memcmp(t->p, s, n) == 0;
}

/* Three letters from list (case-insensitive), optionally followed by ','. */
static int tok_name3(const struct token *t, const char *list)
{
	size_t n = t->n;
	if (n == 4 && t->p[3] == ',')
		n = 3;
	if (n != 3)
		return 0;
	for (const char *l = list; *l != '\0'; l += 3) {
		int ok = 1;
		for (size_t k = 0; k < 3 && ok; k++) {
			unsigned char c = t->p[k];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			ok = c == (unsigned char)l[k];
		}
		if (ok)
			return 1;
	}
	return 0;
}

static int tok_wday(const struct token *t)
{
	return tok_name3(t, "montuewedthufrisatsun");
}

static int tok_month(const struct token *t)
{
	return tok_name3(t, "janfebmaraprmayjunjulaugsepoctnovdec");
}

static int tok_digits(const struct token *t, size_t lo, size_t hi)
{
	size_t n = t->n;
	if (n > 0 && t->p[n - 1] == ',')
		n--;
	if (n < lo || n > hi)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (t->p[i] < '0' || t->p[i] > '9')
			return 0;
	return 1;
}

static int tok_day(const struct token *t)
{
	return tok_digits(t, 1, 2);
}

static int tok_year(const struct token *t)
{
	return tok_digits(t, 4, 4);
}

/* h:mm, hh:mm or hh:mm:ss */
static int tok_time(const struct token *t)
{
	const unsigned char *p = t->p;
	size_t n = t->n, i = 0, groups = 0;
	for (;;) {
		size_t d = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9' && d < 2) {
			i++;
			d++;
		}
		if (d == 0 || (groups > 0 && d != 2))
			return 0;
		groups++;
		if (i == n)
			break;
		if (p[i] != ':' || groups == 3)
			return 0;
		i++;
	}
	return groups >= 2;
}

/* "+0000", "-0800", "PST", "GMT", "CEST" (upper case: "extra" is no zone) */
static int tok_zone(const struct token *t)
{
	const unsigned char *p = t->p;
	if (t->n == 5 && (p[0] == '+' || p[0] == '-')) {
		struct token d = {p + 1, 4};
		return tok_digits(&d, 4, 4);
	}
	if (t->n < 1 || t->n > 5)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return 0;
	return 1;
}

/* Rule (b): "From ADDR DATE [remote from HOST]". */
static int is_full_from_line(const unsigned char *p, size_t n)
{
	struct token t[MBOX_MAX_TOKENS];
	size_t nt, i = 1;
	if (from_tokens(p, n, t, &nt) < 0)
		return 0;
	if (i < nt && tok_wday(&t[i]))
		i++;
	if (i + 1 < nt && tok_month(&t[i]) && tok_day(&t[i + 1]))
		i += 2;
	else if (i + 1 < nt && tok_day(&t[i]) && tok_month(&t[i + 1]))
		i += 2;
	else
		return 0;
	int year = 0;
	if (i < nt && tok_year(&t[i])) {
		year = 1;
		i++;
	}
	if (i >= nt || !tok_time(&t[i]))
		return 0;
	i++;
	for (int k = 0; k < 3 && i < nt; k++) {
		if (!year && tok_year(&t[i]))
			year = 1;
		else if (tok_zone(&t[i]))
			;
		else
			break;
		i++;
	}
	if (!year)
		return 0;
	return i == nt || tok_is(&t[i], "remote");
}

static int addr_like(const struct token *t)
{
	if (t->n == 0 || tok_is(t, "-"))
		return 1;
	if (t->n == 13 && strncasecmp((const char *)t->p, "MAILER-DAEMON", 13) == 0)
		return 1;
	return memchr(t->p, '@', t->n) != NULL;
}

/* Rule (c) before the look at the next line. */
static int is_bare_from_line(const unsigned char *p, size_t n, int after_blank)
{
	struct token t[MBOX_MAX_TOKENS];
	size_t nt;
	if (from_tokens(p, n, t, &nt) < 0)
		return 0;
	return addr_like(&t[0]) && (nt == 1 || after_blank);
}

/* The address of a From_ line whose head is p[0..n) (complete or not).
 * Kept only if it ends inside the head, is printable and at most
 * MBOX_ENV_MAX bytes; otherwise there is no env_from (never a cut value). */
static int from_env(const unsigned char *p, size_t n, int complete, char *out)
{
	size_t body = complete ? line_body(p, n) : n;
	size_t i = 5;
	if (i < body && p[i] == '"') {
		const unsigned char *q = memchr(p + i + 1, '"', body - i - 1);
		if (q != NULL)
			i = (size_t)(q - p) + 1;
	}
	while (i < body && !is_ws(p[i]))
		i++;
	if (i == body && !complete)
		return 0; /* the address may go on past the head */
	size_t len = i - 5;
	if (len == 0 || len > MBOX_ENV_MAX)
		return 0;
	for (size_t k = 5; k < i; k++)
		if (p[k] < 0x20 || p[k] == 0x7f)
			return 0;
	memcpy(out, p + 5, len);
	out[len] = '\0';
	return 1;
}

/* ---- messages ---------------------------------------------------------- */

static void report(struct mbox_splitter *s, uint64_t off, enum err_code code, const char *fmt, ...)
    CUSTOS_PRINTF(4, 5);

static void report(struct mbox_splitter *s, uint64_t off, enum err_code code, const char *fmt, ...)
{
	if (s->on_fail == NULL)
		return;
	struct error why = ERROR_INIT;
	va_list ap;
	va_start(ap, fmt);
	error_vset(&why, code, fmt, ap);
	va_end(ap);
	char *origin = xasprintf("%s@%" PRIu64, s->origin, off);
	s->on_fail(s->ctx, origin, &why);
	free(origin);
}

static void append(struct mbox_splitter *s, const unsigned char *p, size_t n)
{
	s->len += n;
	if (s->skipping || n == 0)
		return;
	struct error e = ERROR_INIT;
	if (buf_append(&s->msg, p, n, &e) < 0) {
		/* over max_message_size: keep counting, stop keeping */
		s->skipping = 1;
		buf_reset(&s->msg);
	}
}

static void flush_blank(struct mbox_splitter *s)
{
	if (!s->has_blank)
		return;
	append(s, s->blank, s->blank_len);
	s->has_blank = 0;
}

/* Hands over (or reports) the current message; the held empty line is the
 * mbox writer's and is dropped. */
static int end_message(struct mbox_splitter *s)
{
	s->has_blank = 0;
	if (!s->from_line && s->len == 0)
		return 0; /* no preamble */
	if (s->skipping) {
		report(s, s->off, ERR_LIMIT,
		       "message of %" PRIu64 " bytes is larger than the limit of %" PRIu64
		       " bytes: skipped",
		       s->len, s->max);
		return 0;
	}
	if (s->len == 0) {
		report(s, s->off, ERR_INVALID, "empty message (a From_ line and nothing else)");
		return 0;
	}
	struct mbox_message m = {
	    .data = s->msg.data,
	    .len = s->msg.len,
	    .offset = s->off,
	    .env_from = s->has_env ? s->env : NULL,
	};
	struct error err = ERROR_INIT;
	if (s->on_message(s->ctx, &m, &err) < 0) {
		s->failed = 1;
		s->why = err;
		return -1;
	}
	return 0;
}

static void begin_message(struct mbox_splitter *s, uint64_t off, const char *env)
{
	s->from_line = 1;
	s->off = off;
	s->has_env = env != NULL;
	if (env != NULL)
		memcpy(s->env, env, strlen(env) + 1);
	buf_reset(&s->msg);
	s->len = 0;
	s->skipping = 0;
	s->in_header = 1;
	s->hdr_end = 0;
	s->has_clen = 0;
	s->has_blank = 0;
}

/* A separator of rule (b) or (c) inside the body that the message's own
 * Content-Length declares is body text. */
static int vetoed(const struct mbox_splitter *s)
{
	if (!s->has_clen || s->in_header)
		return 0;
	uint64_t body = s->len + (s->has_blank ? s->blank_len : 0) - s->hdr_end;
	return body < s->clen;
}

static void note_content_length(struct mbox_splitter *s, const unsigned char *p, size_t n)
{
	static const char name[] = "content-length:";
	size_t k = sizeof(name) - 1;
	if (s->has_clen || n < k || strncasecmp((const char *)p, name, k) != 0)
		return;
	n = line_body(p, n);
	while (k < n && is_ws(p[k]))
		k++;
	uint64_t v = 0;
	size_t digits = 0;
	while (k < n && p[k] >= '0' && p[k] <= '9' && digits < 19) {
		v = v * 10 + (uint64_t)(p[k] - '0');
		k++;
		digits++;
	}
	while (k < n && is_ws(p[k]))
		k++;
	if (digits == 0 || k != n || v > s->max)
		return; /* malformed or beyond any message we keep: ignored */
	s->clen = v;
	s->has_clen = 1;
}

/* Classifies the line in s->head (complete: it ends with "\n" or the
 * stream). An incomplete head sets s->rest for the rest of the line. */
static int take_line(struct mbox_splitter *s, int complete)
{
	const unsigned char *h = s->head;
	size_t n = s->head_len;
	uint64_t off = s->line_off;
	int first = !s->seen_line;
	s->seen_line = 1;

	if (first && n >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0 && starts_from(h + 3, n - 3)) {
		h += 3; /* a UTF-8 BOM before the first From_ line is framing */
		n -= 3;
		off += 3;
	}

	/* A held bare From_ line is decided by the line after it. */
	if (s->has_cand) {
		s->has_cand = 0;
		if (is_header_line(h, n)) {
			if (end_message(s) < 0)
				return -1;
			begin_message(s, s->cand_off, s->cand_has_env ? s->cand_env : NULL);
		} else {
			flush_blank(s);
			append(s, s->cand, s->cand_len);
		}
	}

	if (starts_from(h, n)) {
		int sep = first;
		if (!sep && complete && !vetoed(s)) {
			if (is_full_from_line(h, n)) {
				sep = 1;
			} else if (is_bare_from_line(h, n, s->has_blank)) {
				s->has_cand = 1;
				memcpy(s->cand, h, n);
				s->cand_len = n;
				s->cand_off = off;
				s->cand_has_env = from_env(h, n, 1, s->cand_env);
				return 0;
			}
		}
		if (sep) {
			char env[MBOX_ENV_MAX + 1];
			int has_env = from_env(h, n, complete, env);
			if (end_message(s) < 0)
				return -1;
			begin_message(s, off, has_env ? env : NULL);
			s->rest = complete ? REST_NONE : REST_DISCARD;
			return 0;
		}
	}

	if (complete && is_blank_line(h, n)) {
		flush_blank(s);
		memcpy(s->blank, h, n);
		s->blank_len = n;
		s->has_blank = 1;
		if (s->in_header) {
			s->in_header = 0;
			s->hdr_end = s->len + n;
		}
		return 0;
	}
	flush_blank(s);

	if (n > 0 && h[0] == '>') { /* mboxrd: ^>+From  loses one '>' */
		size_t k = 1;
		while (k < n && h[k] == '>')
			k++;
		if (starts_from(h + k, n - k)) {
			h++;
			n--;
		}
	}
	if (s->in_header && complete)
		note_content_length(s, h, n);
	append(s, h, n);
	if (!complete)
		s->rest = REST_CONTENT;
	return 0;
}

/* ---- public interface -------------------------------------------------- */

struct mbox_splitter *mbox_new(uint64_t max_message_size, mbox_message_cb on_message,
			       source_fail_cb on_fail, void *ctx, const char *origin)
{
	struct mbox_splitter *s = xcalloc(1, sizeof(*s));
	s->max = max_message_size ? max_message_size : SOURCE_DEFAULT_MAX_MESSAGE;
	if (s->max > SIZE_MAX - 1)
		s->max = SIZE_MAX - 1;
	s->on_message = on_message;
	s->on_fail = on_fail;
	s->ctx = ctx;
	s->origin = xstrdup(origin != NULL ? origin : "-");
	buf_init(&s->msg, (size_t)s->max);
	s->rest = REST_NONE;
	return s;
}

int mbox_feed(struct mbox_splitter *s, const unsigned char *p, size_t n, struct error *err)
{
	if (s->failed) {
		if (err != NULL)
			*err = s->why;
		return -1;
	}
	while (n > 0) {
		if (s->rest != REST_NONE) {
			const unsigned char *nl = memchr(p, '\n', n);
			size_t take = nl != NULL ? (size_t)(nl - p) + 1 : n;
			if (s->rest == REST_CONTENT)
				append(s, p, take);
			p += take;
			n -= take;
			s->pos += take;
			if (nl != NULL) {
				s->rest = REST_NONE;
				s->head_len = 0;
				s->line_off = s->pos;
			}
			continue;
		}
		size_t room = MBOX_HEAD_MAX - s->head_len;
		size_t take = n < room ? n : room;
		const unsigned char *nl = memchr(p, '\n', take);
		if (nl != NULL)
			take = (size_t)(nl - p) + 1;
		memcpy(s->head + s->head_len, p, take);
		s->head_len += take;
		p += take;
		n -= take;
		s->pos += take;
		if (nl != NULL || s->head_len == MBOX_HEAD_MAX) {
			int rc = take_line(s, nl != NULL);
			s->head_len = 0;
			s->line_off = s->pos;
			if (rc < 0)
				goto fail;
		}
	}
	return 0;
fail:
	if (err != NULL)
		*err = s->why;
	return -1;
}

int mbox_finish(struct mbox_splitter *s, struct error *err)
{
	if (s->failed)
		goto fail;
	if (s->rest == REST_NONE && s->head_len > 0) {
		/* the last line has no line end: it is complete all the same */
		if (take_line(s, 1) < 0)
			goto fail;
	}
	s->rest = REST_NONE;
	s->head_len = 0;
	if (s->has_cand) { /* nothing follows it: body text */
		s->has_cand = 0;
		flush_blank(s);
		append(s, s->cand, s->cand_len);
	}
	if (end_message(s) < 0)
		goto fail;
	/* ready for another stream */
	s->from_line = 0;
	s->has_env = 0;
	s->off = 0;
	s->in_header = 0;
	s->has_clen = 0;
	s->len = 0;
	s->skipping = 0;
	buf_reset(&s->msg);
	s->seen_line = 0;
	s->pos = 0;
	s->line_off = 0;
	return 0;
fail:
	if (err != NULL)
		*err = s->why;
	return -1;
}

void mbox_free(struct mbox_splitter *s)
{
	if (s == NULL)
		return;
	buf_release(&s->msg);
	free(s->origin);
	free(s);
}

int mbox_sniff(const unsigned char *p, size_t n)
{
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	return starts_from(p, n);
}
