/*
 * smtp.c - one SMTP/LMTP journal session as a state machine (smtp.h).
 *
 * Input is taken command line by command line (a line ends at LF; a CR
 * before it is dropped), except inside DATA, where the message is copied
 * line by line with dot-unstuffing until a line that is a lone "." (RFC
 * 5321 4.5.2; a bare-LF terminator is accepted too, since a journal refuses
 * nothing it can store), and inside BDAT, where exactly the announced
 * number of bytes is the message (RFC 3030). A refused BDAT still has its
 * chunk read and discarded, so the command stream stays in step.
 *
 * Replies follow RFC 5321 4.2 with RFC 3463 enhanced codes. The message
 * bytes are kept as received (CRLF or not): the archive stores exactly
 * what the MTA handed over.
 *
 * XFORWARD values are xtext (RFC 3461 4, as Postfix sends them) and are
 * kept decoded.
 *
 * Invariants: every buffer has a maximum (command line max_line, message
 * max_message_size, addresses SMTP_MAX_PATH, recipients max_rcpts, HELO and
 * XFORWARD values SMTP_MAX_VALUE); no command is started while the
 * caller's out buffer holds SMTP_OUT_HIGH bytes; in the waiting state no
 * input is consumed; a session that sent 421 or 221 consumes nothing more.
 */
#include "intake/smtp.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "core/utf8.h"
#include "core/xalloc.h"

/* RFC 5321 4.5.3.1.3 says 256 octets for a path; Postfix accepts longer
 * ones, and a journal should not refuse what its MTA accepted. */
#define SMTP_MAX_PATH 1024
/* XFORWARD and HELO values. */
#define SMTP_MAX_VALUE 255

enum state {
	ST_CMD = 0,  /* reading command lines */
	ST_SKIP,     /* discarding the rest of an over-long command line */
	ST_DATA,     /* reading a DATA message */
	ST_BDAT,     /* reading a BDAT chunk */
	ST_WAIT,     /* a message is complete: waiting for smtp_message_done */
	ST_CLOSED,   /* 221 or 421 sent */
};

/* Where DATA is within a line (dot-unstuffing, end detection). */
enum data_pos {
	DP_BOL = 0, /* at the beginning of a line */
	DP_MID,	    /* inside a line */
	DP_DOT,	    /* a line began with "." */
	DP_DOTCR,   /* a line began with ".\r" */
};

struct smtp_session {
	struct smtp_config cfg;
	char *hostname;
	enum state st;
	int tls;
	int said_hello, esmtp;
	int in_mail;	    /* MAIL accepted */
	int too_big;	    /* the message passed max_message_size: discarded */
	int bdat_refused;   /* the chunk being read is discarded */
	int bdat_last;	    /* the chunk being read ends the message */
	int bdat_started;   /* a BDAT chunk was accepted in this transaction */
	uint64_t bdat_left; /* bytes of the chunk still to read */
	enum data_pos dp;
	struct buf line; /* a command line being collected */
	struct buf msg;	 /* the message */
	struct smtp_envelope env;
	struct smtp_stats stats;
};

/* ---- replies ---- */

static int vreply(struct buf *out, struct error *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int reply(struct buf *out, struct error *err, const char *fmt, ...) CUSTOS_PRINTF(3, 4);

/* One reply line: the text, then CRLF. */
static int vreply(struct buf *out, struct error *err, const char *fmt, va_list ap)
{
	if (buf_vprintf(out, err, fmt, ap) < 0)
		return -1;
	return buf_append(out, "\r\n", 2, err);
}

static int reply(struct buf *out, struct error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vreply(out, err, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- the envelope ---- */

static void env_clear_mail(struct smtp_envelope *e)
{
	free(e->mail_from);
	e->mail_from = NULL;
	for (size_t i = 0; i < e->n_rcpt; i++)
		free(e->rcpt[i]);
	free(e->rcpt);
	e->rcpt = NULL;
	e->n_rcpt = 0;
	e->body_8bit = e->smtputf8 = 0;
}

static void env_clear_all(struct smtp_envelope *e)
{
	env_clear_mail(e);
	char **xf[] = {&e->helo,    &e->xf_name, &e->xf_addr,  &e->xf_port,
		       &e->xf_proto, &e->xf_helo, &e->xf_ident, &e->xf_source};
	for (size_t i = 0; i < sizeof(xf) / sizeof(xf[0]); i++) {
		free(*xf[i]);
		*xf[i] = NULL;
	}
}

/* Ends the transaction (RSET, after a message, EHLO). */
static void txn_reset(struct smtp_session *s)
{
	env_clear_mail(&s->env);
	buf_reset(&s->msg);
	s->in_mail = s->too_big = s->bdat_started = s->bdat_refused = s->bdat_last = 0;
	s->bdat_left = 0;
	s->dp = DP_BOL;
}

struct smtp_session *smtp_session_new(const struct smtp_config *cfg)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	s->hostname = xstrdup(cfg->hostname != NULL ? cfg->hostname : "localhost");
	s->cfg.hostname = s->hostname;
	if (s->cfg.lim.max_line < 512)
		s->cfg.lim.max_line = 512;
	if (s->cfg.lim.max_rcpts == 0)
		s->cfg.lim.max_rcpts = 1;
	if (s->cfg.lim.max_errors == 0)
		s->cfg.lim.max_errors = 1;
	buf_init(&s->line, s->cfg.lim.max_line);
	buf_init(&s->msg, (size_t)s->cfg.lim.max_message_size);
	return s;
}

void smtp_session_free(struct smtp_session *s)
{
	if (s == NULL)
		return;
	env_clear_all(&s->env);
	buf_release(&s->line);
	buf_release(&s->msg);
	free(s->hostname);
	free(s);
}

int smtp_greet(struct smtp_session *s, struct buf *out, struct error *err)
{
	return reply(out, err, "220 %s %s custos journal", s->hostname,
		     s->cfg.proto == SMTP_PROTO_LMTP ? "LMTP" : "ESMTP");
}

const struct buf *smtp_message(const struct smtp_session *s)
{
	return &s->msg;
}

const struct smtp_envelope *smtp_envelope(const struct smtp_session *s)
{
	return &s->env;
}

int smtp_waiting(const struct smtp_session *s)
{
	return s->st == ST_WAIT;
}

const struct smtp_stats *smtp_stats(const struct smtp_session *s)
{
	return &s->stats;
}

void smtp_tls_started(struct smtp_session *s)
{
	txn_reset(s);
	env_clear_all(&s->env);
	buf_reset(&s->line);
	s->said_hello = s->esmtp = 0;
	s->tls = 1;
	s->st = ST_CMD;
}

int smtp_reply_shutdown(struct smtp_session *s, struct buf *out, struct error *err)
{
	s->st = ST_CLOSED;
	return reply(out, err, "421 4.3.2 %s shutting down, try again later", s->hostname);
}

int smtp_reply_timeout(struct smtp_session *s, struct buf *out, struct error *err)
{
	s->st = ST_CLOSED;
	return reply(out, err, "421 4.4.2 %s timeout, closing connection", s->hostname);
}

/* ---- parsing helpers ---- */

/* Text a client sends as a value: valid UTF-8, no control characters. */
static int text_ok(const char *p, size_t n)
{
	if (!utf8_valid(p, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* "<path>" at *pp (after optional spaces): the path without brackets and
 * without an RFC 5321 source route ("@a,@b:"); a quoted local part may
 * hold '>' and spaces. Advances *pp past '>'. NULL if malformed; a path
 * that is too long or not text is also counted in bad_addresses. */
static char *take_path(struct smtp_session *s, const char **pp)
{
	const char *p = *pp;
	while (*p == ' ')
		p++;
	if (*p != '<')
		return NULL;
	const char *start = ++p;
	int quoted = 0;
	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '>')
			break;
	}
	if (*p != '>')
		return NULL;
	size_t n = (size_t)(p - start);
	*pp = p + 1;
	const char *a = start;
	if (n > 0 && *a == '@') { /* source route: drop up to the ':' */
		const char *colon = memchr(a, ':', n);
		if (colon == NULL)
			return NULL;
		n -= (size_t)(colon + 1 - a);
		a = colon + 1;
	}
	if (n > SMTP_MAX_PATH || !text_ok(a, n)) {
		s->stats.bad_addresses++;
		return NULL;
	}
	char *r = xmalloc(n + 1);
	memcpy(r, a, n);
	r[n] = '\0';
	return r;
}

/* Does the line start with the keyword (case-insensitive), followed by
 * the end or a space? Sets *arg_r to what follows the spaces. */
static int keyword(const char *line, const char *kw, const char **arg_r)
{
	size_t k = strlen(kw);
	if (strncasecmp(line, kw, k) != 0 || (line[k] != '\0' && line[k] != ' '))
		return 0;
	const char *a = line + k;
	while (*a == ' ')
		a++;
	*arg_r = a;
	return 1;
}

/* ---- commands ---- */

static int refuse(struct smtp_session *s, uint64_t *counter, struct buf *out, struct error *err,
		  enum smtp_event *ev, const char *fmt, ...) CUSTOS_PRINTF(6, 7);

/* Counts one refusal in *counter and replies; once bad commands and long
 * lines together pass max_errors, the session ends with 421 instead. */
static int refuse(struct smtp_session *s, uint64_t *counter, struct buf *out, struct error *err,
		  enum smtp_event *ev, const char *fmt, ...)
{
	(*counter)++;
	if (s->stats.bad_commands + s->stats.long_lines > s->cfg.lim.max_errors) {
		s->st = ST_CLOSED;
		*ev = SMTP_EV_CLOSE;
		return reply(out, err, "421 4.7.0 %s too many errors, closing connection",
			     s->hostname);
	}
	va_list ap;
	va_start(ap, fmt);
	int rc = vreply(out, err, fmt, ap);
	va_end(ap);
	return rc;
}

#define bad_command(s, out, err, ev, ...) refuse(s, &(s)->stats.bad_commands, out, err, ev, __VA_ARGS__)

static int cmd_hello(struct smtp_session *s, const char *arg, int esmtp, struct buf *out,
		     struct error *err, enum smtp_event *ev)
{
	size_t n = strlen(arg);
	if (n == 0 || n > SMTP_MAX_VALUE || !text_ok(arg, n))
		return bad_command(s, out, err, ev, "501 5.5.4 a domain name or address literal, please");
	txn_reset(s);
	free(s->env.helo);
	s->env.helo = xstrdup(arg);
	s->said_hello = 1;
	s->esmtp = esmtp;
	if (!esmtp)
		return reply(out, err, "250 %s", s->hostname);
	if (reply(out, err, "250-%s", s->hostname) < 0 || reply(out, err, "250-PIPELINING") < 0 ||
	    reply(out, err, "250-SIZE %" PRIu64, s->cfg.lim.max_message_size) < 0 ||
	    reply(out, err, "250-8BITMIME") < 0 || reply(out, err, "250-SMTPUTF8") < 0 ||
	    reply(out, err, "250-CHUNKING") < 0)
		return -1;
	if (s->cfg.tls_available && !s->tls && reply(out, err, "250-STARTTLS") < 0)
		return -1;
	if (s->cfg.xforward &&
	    reply(out, err, "250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE") < 0)
		return -1;
	return reply(out, err, "250 ENHANCEDSTATUSCODES");
}

static int cmd_mail(struct smtp_session *s, const char *arg, struct buf *out, struct error *err,
		    enum smtp_event *ev)
{
	if (!s->said_hello)
		return bad_command(s, out, err, ev, "503 5.5.1 say %s first",
				   s->cfg.proto == SMTP_PROTO_LMTP ? "LHLO" : "EHLO");
	if (s->in_mail)
		return bad_command(s, out, err, ev, "503 5.5.1 nested MAIL command");
	if (strncasecmp(arg, "FROM:", 5) != 0)
		return bad_command(s, out, err, ev, "501 5.5.4 syntax: MAIL FROM:<address>");
	const char *p = arg + 5;
	char *from = take_path(s, &p);
	if (from == NULL)
		return bad_command(s, out, err, ev, "501 5.1.7 bad sender address syntax");
	int body_8bit = 0, utf8 = 0;
	/* ESMTP parameters (RFC 5321 4.1.2): keyword[=value], space separated */
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		const char *e = strchr(p, ' ');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > 5 && strncasecmp(p, "SIZE=", 5) == 0) {
			char *end;
			unsigned long long v = strtoull(p + 5, &end, 10);
			if (end != p + n || p[5] < '0' || p[5] > '9') {
				free(from);
				return bad_command(s, out, err, ev, "501 5.5.4 bad SIZE parameter");
			}
			if (v > s->cfg.lim.max_message_size) {
				free(from);
				s->stats.too_big++;
				return reply(out, err,
					     "552 5.3.4 message size exceeds the limit of %" PRIu64
					     " bytes",
					     s->cfg.lim.max_message_size);
			}
		} else if (n > 5 && strncasecmp(p, "BODY=", 5) == 0) {
			body_8bit = !(n == 9 && strncasecmp(p + 5, "7BIT", 4) == 0);
		} else if (n == 8 && strncasecmp(p, "SMTPUTF8", 8) == 0) {
			utf8 = 1;
		}
		/* RET, ENVID, AUTH and others: accepted, not needed */
		p += n;
	}
	s->env.mail_from = from;
	s->env.body_8bit = body_8bit;
	s->env.smtputf8 = utf8;
	s->in_mail = 1;
	return reply(out, err, "250 2.1.0 Ok");
}

static int cmd_rcpt(struct smtp_session *s, const char *arg, struct buf *out, struct error *err,
		    enum smtp_event *ev)
{
	if (!s->in_mail)
		return bad_command(s, out, err, ev, "503 5.5.1 need MAIL before RCPT");
	if (s->bdat_started)
		return bad_command(s, out, err, ev, "503 5.5.1 RCPT after BDAT");
	if (strncasecmp(arg, "TO:", 3) != 0)
		return bad_command(s, out, err, ev, "501 5.5.4 syntax: RCPT TO:<address>");
	const char *p = arg + 3;
	char *to = take_path(s, &p);
	if (to == NULL || *to == '\0') {
		free(to);
		return bad_command(s, out, err, ev, "501 5.1.3 bad recipient address syntax");
	}
	if (s->env.n_rcpt >= s->cfg.lim.max_rcpts) {
		free(to);
		s->stats.too_many_rcpts++;
		return reply(out, err, "452 4.5.3 too many recipients");
	}
	s->env.rcpt = xrealloc(s->env.rcpt, (s->env.n_rcpt + 1) * sizeof(*s->env.rcpt));
	s->env.rcpt[s->env.n_rcpt++] = to;
	return reply(out, err, "250 2.1.5 Ok");
}

/* XFORWARD attributes, in the order the EHLO reply names them. */
static const struct {
	const char *name;
	size_t off;
} xf_attrs[] = {
    {"NAME", offsetof(struct smtp_envelope, xf_name)},
    {"ADDR", offsetof(struct smtp_envelope, xf_addr)},
    {"PORT", offsetof(struct smtp_envelope, xf_port)},
    {"PROTO", offsetof(struct smtp_envelope, xf_proto)},
    {"HELO", offsetof(struct smtp_envelope, xf_helo)},
    {"IDENT", offsetof(struct smtp_envelope, xf_ident)},
    {"SOURCE", offsetof(struct smtp_envelope, xf_source)},
};
#define N_XF (sizeof(xf_attrs) / sizeof(xf_attrs[0]))

/* The value of an XFORWARD attribute: Postfix sends it as xtext (RFC 3461
 * 4: "+XX" stands for the byte 0xXX). NULL if the encoding is bad or the
 * decoded value is too long or not text. */
static char *xtext_value(const char *p, size_t n)
{
	if (n > 3 * SMTP_MAX_VALUE)
		return NULL;
	char *v = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '+') {
			v[k++] = p[i];
			continue;
		}
		int hi = i + 2 < n ? hex_nibble(p[i + 1]) : -1;
		int lo = hi >= 0 ? hex_nibble(p[i + 2]) : -1;
		if (lo < 0) {
			free(v);
			return NULL;
		}
		v[k++] = (char)(hi << 4 | lo);
		i += 2;
	}
	v[k] = '\0';
	if (k > SMTP_MAX_VALUE || !text_ok(v, k)) {
		free(v);
		return NULL;
	}
	return v;
}

static int cmd_xforward(struct smtp_session *s, const char *arg, struct buf *out,
			struct error *err, enum smtp_event *ev)
{
	if (!s->cfg.xforward)
		return bad_command(s, out, err, ev, "502 5.5.1 XFORWARD not available");
	if (s->in_mail)
		return bad_command(s, out, err, ev, "503 5.5.1 XFORWARD inside a transaction");
	if (*arg == '\0')
		return bad_command(s, out, err, ev, "501 5.5.4 syntax: XFORWARD attribute=value...");
	/* The whole line is decoded before anything is kept: a bad line
	 * changes nothing. One value per attribute (a repeated one replaces
	 * the earlier), so at most N_XF values are held. */
	char *val[N_XF] = {NULL};
	int ok = 1;
	for (const char *p = arg; *p != '\0';) {
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " ");
		const char *eq = memchr(p, '=', n);
		size_t k = 0;
		while (eq != NULL && k < N_XF &&
		       !((size_t)(eq - p) == strlen(xf_attrs[k].name) &&
			 strncasecmp(p, xf_attrs[k].name, (size_t)(eq - p)) == 0))
			k++;
		char *v = eq != NULL && k < N_XF ? xtext_value(eq + 1, n - (size_t)(eq + 1 - p)) : NULL;
		if (v == NULL) {
			ok = 0;
			break;
		}
		free(val[k]);
		val[k] = v;
		p += n;
	}
	if (!ok) {
		for (size_t k = 0; k < N_XF; k++)
			free(val[k]);
		return bad_command(s, out, err, ev, "501 5.5.4 bad XFORWARD attribute");
	}
	for (size_t k = 0; k < N_XF; k++) {
		if (val[k] == NULL)
			continue;
		char **dst = (char **)((char *)&s->env + xf_attrs[k].off);
		free(*dst);
		*dst = val[k];
	}
	return reply(out, err, "250 2.0.0 Ok");
}

/* The message is complete (DATA end or BDAT LAST). */
static int message_end(struct smtp_session *s, struct buf *out, struct error *err,
		       enum smtp_event *ev)
{
	if (s->too_big) {
		/* LMTP: one reply per recipient, as for any final reply */
		size_t n = s->cfg.proto == SMTP_PROTO_LMTP ? s->env.n_rcpt : 1;
		int rc = 0;
		s->stats.too_big++;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = reply(out, err,
				   "552 5.3.4 message size exceeds the limit of %" PRIu64 " bytes",
				   s->cfg.lim.max_message_size);
		txn_reset(s);
		s->st = ST_CMD;
		return rc;
	}
	s->stats.messages++;
	s->st = ST_WAIT;
	*ev = SMTP_EV_MESSAGE;
	return 0;
}

int smtp_message_done(struct smtp_session *s, int stored, int no_space, const char *why,
		      struct buf *out, struct error *err)
{
	if (s->st != ST_WAIT)
		return error_set(err, ERR_INTERNAL, "smtp: no message is waiting");
	size_t n = s->cfg.proto == SMTP_PROTO_LMTP ? s->env.n_rcpt : 1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (stored)
			rc = reply(out, err, "250 2.0.0 Ok: archived");
		else if (no_space)
			rc = reply(out, err, "452 4.3.1 insufficient archive storage, try again later");
		else
			rc = reply(out, err, "451 4.3.0 not archived (%s), try again later",
				   why != NULL ? why : "local error");
	}
	txn_reset(s);
	s->st = ST_CMD;
	return rc;
}

/* A BDAT chunk has been read in full. */
static int chunk_end(struct smtp_session *s, struct buf *out, struct error *err,
		     enum smtp_event *ev)
{
	s->st = ST_CMD;
	if (s->bdat_refused) {
		s->bdat_refused = 0;
		return bad_command(s, out, err, ev, "503 5.5.1 need MAIL and RCPT before BDAT");
	}
	if (s->bdat_last)
		return message_end(s, out, err, ev);
	return reply(out, err, "250 2.0.0 %zu octets so far", s->too_big ? (size_t)0 : s->msg.len);
}

static int cmd_bdat(struct smtp_session *s, const char *arg, struct buf *out, struct error *err,
		    enum smtp_event *ev)
{
	char *end;
	if (*arg < '0' || *arg > '9')
		return bad_command(s, out, err, ev, "501 5.5.4 syntax: BDAT size [LAST]");
	unsigned long long size = strtoull(arg, &end, 10);
	while (*end == ' ')
		end++;
	int last = 0;
	if (strncasecmp(end, "LAST", 4) == 0 && (end[4] == '\0' || end[4] == ' ')) {
		last = 1;
		end += 4;
		while (*end == ' ')
			end++;
	}
	if (*end != '\0') {
		/* the chunk size is unknown: the stream cannot be resynchronised */
		s->st = ST_CLOSED;
		*ev = SMTP_EV_CLOSE;
		s->stats.bad_commands++;
		return reply(out, err, "421 4.5.4 bad BDAT command, closing connection");
	}
	s->st = ST_BDAT;
	s->bdat_left = size;
	s->bdat_last = last;
	/* RFC 3030 2: a refused chunk is still read, then refused */
	s->bdat_refused = !s->in_mail || s->env.n_rcpt == 0;
	if (!s->bdat_refused)
		s->bdat_started = 1;
	/* an empty chunk ("BDAT 0 LAST") ends here: no byte will come */
	return size == 0 ? chunk_end(s, out, err, ev) : 0;
}

static int cmd_line(struct smtp_session *s, char *line, struct buf *out, struct error *err,
		    enum smtp_event *ev)
{
	const char *arg;
	int lmtp = s->cfg.proto == SMTP_PROTO_LMTP;
	/* No check of the whole line: each argument is checked where it is
	 * used, so a bad address is refused (and counted) as one. */
	if (keyword(line, "EHLO", &arg) || keyword(line, "HELO", &arg)) {
		if (lmtp)
			return bad_command(s, out, err, ev, "500 5.5.1 this is LMTP: use LHLO");
		return cmd_hello(s, arg, toupper((unsigned char)line[0]) == 'E', out, err, ev);
	}
	if (keyword(line, "LHLO", &arg)) {
		if (!lmtp)
			return bad_command(s, out, err, ev, "500 5.5.1 this is SMTP: use EHLO");
		return cmd_hello(s, arg, 1, out, err, ev);
	}
	if (keyword(line, "MAIL", &arg))
		return cmd_mail(s, arg, out, err, ev);
	if (keyword(line, "RCPT", &arg))
		return cmd_rcpt(s, arg, out, err, ev);
	if (keyword(line, "DATA", &arg)) {
		if (*arg != '\0')
			return bad_command(s, out, err, ev, "501 5.5.4 DATA takes no argument");
		if (!s->in_mail || s->env.n_rcpt == 0 || s->bdat_started)
			return bad_command(s, out, err, ev, "503 5.5.1 need MAIL and RCPT before DATA");
		s->st = ST_DATA;
		s->dp = DP_BOL;
		buf_reset(&s->msg);
		return reply(out, err, "354 End data with <CR><LF>.<CR><LF>");
	}
	if (keyword(line, "BDAT", &arg))
		return cmd_bdat(s, arg, out, err, ev);
	if (keyword(line, "RSET", &arg)) {
		txn_reset(s);
		return reply(out, err, "250 2.0.0 Ok");
	}
	if (keyword(line, "NOOP", &arg))
		return reply(out, err, "250 2.0.0 Ok");
	if (keyword(line, "QUIT", &arg)) {
		s->st = ST_CLOSED;
		*ev = SMTP_EV_CLOSE;
		return reply(out, err, "221 2.0.0 Bye");
	}
	if (keyword(line, "VRFY", &arg))
		return reply(out, err, "252 2.5.0 Cannot VRFY, but will take the message");
	if (keyword(line, "HELP", &arg))
		return reply(out, err, "214 2.0.0 custos journal: see RFC 5321");
	if (keyword(line, "STARTTLS", &arg)) {
		if (!s->cfg.tls_available || s->tls)
			return bad_command(s, out, err, ev, "502 5.5.1 STARTTLS not available");
		if (*arg != '\0')
			return bad_command(s, out, err, ev, "501 5.5.4 STARTTLS takes no argument");
		*ev = SMTP_EV_STARTTLS;
		return reply(out, err, "220 2.0.0 Ready to start TLS");
	}
	if (keyword(line, "XFORWARD", &arg))
		return cmd_xforward(s, arg, out, err, ev);
	return bad_command(s, out, err, ev, "500 5.5.2 command not recognised");
}

/* ---- input ---- */

/* Appends to the message unless it is already too big. */
static void msg_add(struct smtp_session *s, const unsigned char *p, size_t n)
{
	if (s->too_big || n == 0)
		return;
	struct error ignored = ERROR_INIT;
	if (buf_append(&s->msg, p, n, &ignored) < 0) {
		s->too_big = 1; /* past max_message_size (or no memory) */
		buf_reset(&s->msg);
	}
}

/* DATA bytes; returns how many were consumed and sets *end at the
 * terminating line. */
static size_t data_feed(struct smtp_session *s, const unsigned char *p, size_t n, int *end)
{
	size_t i = 0;
	*end = 0;
	while (i < n) {
		switch (s->dp) {
		case DP_BOL:
			if (p[i] == '.') {
				s->dp = DP_DOT;
				i++;
			} else {
				s->dp = DP_MID;
			}
			break;
		case DP_MID: {
			const unsigned char *lf = memchr(p + i, '\n', n - i);
			size_t k = lf != NULL ? (size_t)(lf - (p + i)) + 1 : n - i;
			msg_add(s, p + i, k);
			i += k;
			if (lf != NULL)
				s->dp = DP_BOL;
			break;
		}
		case DP_DOT:
			if (p[i] == '\r') {
				s->dp = DP_DOTCR;
				i++;
			} else if (p[i] == '\n') {
				*end = 1;
				return i + 1;
			} else {
				s->dp = DP_MID; /* a stuffed dot: dropped */
			}
			break;
		case DP_DOTCR:
			if (p[i] == '\n') {
				*end = 1;
				return i + 1;
			}
			msg_add(s, (const unsigned char *)"\r", 1);
			s->dp = DP_MID;
			break;
		}
	}
	return i;
}

int smtp_feed(struct smtp_session *s, const unsigned char *p, size_t n, size_t *used_r,
	      struct buf *out, enum smtp_event *ev_r, struct error *err)
{
	size_t i = 0;
	*ev_r = SMTP_EV_NONE;
	int rc = 0;
	while (i < n && rc == 0 && *ev_r == SMTP_EV_NONE) {
		switch (s->st) {
		case ST_WAIT:
		case ST_CLOSED:
			*used_r = i;
			return 0;
		case ST_DATA: {
			int end;
			i += data_feed(s, p + i, n - i, &end);
			if (end)
				rc = message_end(s, out, err, ev_r);
			break;
		}
		case ST_BDAT: {
			size_t k = n - i < s->bdat_left ? n - i : (size_t)s->bdat_left;
			if (!s->bdat_refused)
				msg_add(s, p + i, k);
			i += k;
			s->bdat_left -= k;
			if (s->bdat_left == 0)
				rc = chunk_end(s, out, err, ev_r);
			break;
		}
		case ST_SKIP: {
			const unsigned char *lf = memchr(p + i, '\n', n - i);
			if (lf == NULL) {
				i = n;
				break;
			}
			i = (size_t)(lf - p) + 1;
			s->st = ST_CMD;
			break;
		}
		case ST_CMD: {
			/* replies come only from commands: holding the next one
			 * back bounds out (smtp.h, SMTP_EV_FLUSH) */
			if (out->len >= SMTP_OUT_HIGH) {
				*ev_r = SMTP_EV_FLUSH;
				break;
			}
			const unsigned char *lf = memchr(p + i, '\n', n - i);
			size_t k = lf != NULL ? (size_t)(lf - (p + i)) + 1 : n - i;
			struct error lerr = ERROR_INIT;
			if (buf_append(&s->line, p + i, k, &lerr) < 0) {
				/* longer than max_line */
				i += k;
				buf_reset(&s->line);
				s->st = lf != NULL ? ST_CMD : ST_SKIP;
				rc = refuse(s, &s->stats.long_lines, out, err, ev_r,
					    "500 5.5.2 line too long");
				break;
			}
			i += k;
			if (lf == NULL)
				break;
			size_t ln = s->line.len - 1;
			if (ln > 0 && s->line.data[ln - 1] == '\r')
				ln--;
			s->line.data[ln] = '\0';
			char *line = (char *)s->line.data;
			if (memchr(line, '\0', ln) != NULL)
				rc = bad_command(s, out, err, ev_r, "500 5.5.2 NUL in command");
			else
				rc = cmd_line(s, line, out, err, ev_r);
			buf_reset(&s->line);
			if (*ev_r == SMTP_EV_STARTTLS)
				i = n; /* RFC 3207 5: pipelined plaintext is discarded */
			break;
		}
		}
	}
	*used_r = i;
	return rc;
}

/* ---- journal addresses ---- */

int smtp_journal_decode(const char *addr, char **orig_r)
{
	*orig_r = NULL;
	int kind = 0;
	size_t skip = 0;
	if (strncasecmp(addr, "rcpt+", 5) == 0) {
		kind = 'r';
		skip = 5;
	} else if (strncasecmp(addr, "from+", 5) == 0) {
		kind = 's';
		skip = 5;
	} else {
		return 0;
	}
	const char *local = addr + skip;
	const char *at = strrchr(local, '@');
	if (at == NULL)
		return 0;
	const char *eq = NULL;
	for (const char *q = local; q < at; q++)
		if (*q == '=')
			eq = q;
	if (eq == NULL || eq == local || eq + 1 == at)
		return 0;
	size_t ln = (size_t)(eq - local), dn = (size_t)(at - (eq + 1));
	char *r = xmalloc(ln + 1 + dn + 1);
	memcpy(r, local, ln);
	r[ln] = '@';
	memcpy(r + ln + 1, eq + 1, dn);
	r[ln + 1 + dn] = '\0';
	*orig_r = r;
	return kind;
}
