/*
 * smtp.h - the server side of one SMTP (RFC 5321) or LMTP (RFC 2033)
 * journal session, as a state machine without I/O.
 *
 * The intake role reads bytes from a connection and feeds them here; the
 * session writes its replies into an output buffer and says, through an
 * event, when the caller has to act: a message is complete (store it, then
 * call smtp_message_done with the outcome), STARTTLS was accepted (start
 * TLS), or the session is over (flush and close). Nothing here blocks,
 * allocates without a bound, or trusts the client: every line, address,
 * recipient count and message size is checked against struct smtp_limits,
 * and each refusal is counted in struct smtp_stats.
 *
 * Extensions: PIPELINING (RFC 2920: any number of commands per read; the
 * replies come out in order), SIZE (RFC 1870), 8BITMIME (RFC 6152),
 * SMTPUTF8 (RFC 6531: accepted, and UTF-8 addresses are accepted even
 * without it, since a journal refuses nothing it can store), CHUNKING /
 * BDAT (RFC 3030), ENHANCEDSTATUSCODES (RFC 2034, 3463), STARTTLS (RFC
 * 3207, when the caller can do TLS), XFORWARD (Postfix: client facts of
 * the original connection, recorded with the envelope, xtext-decoded).
 *
 * Group commit: a completed message puts the session in a waiting state in
 * which it consumes no input, so the caller can collect the messages of
 * many sessions, make them durable with one fsync, and then answer them
 * all. LMTP answers once per accepted recipient (RFC 2033 4.2).
 *
 * Memory per session, whatever the client sends: the command line
 * (max_line), the message (max_message_size), the recipients (max_rcpts
 * paths of at most 1024 bytes each), HELO and the seven XFORWARD values
 * (255 bytes each). The replies go to the caller's out buffer, which
 * smtp_feed keeps bounded (SMTP_EV_FLUSH) however many commands a client
 * pipelines without reading.
 *
 * Ownership: the session owns everything it returns; the envelope and the
 * message bytes are borrowed until smtp_message_done() or
 * smtp_session_free().
 */
#ifndef CUSTOS_INTAKE_SMTP_H
#define CUSTOS_INTAKE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum smtp_proto {
	SMTP_PROTO_SMTP = 0,
	SMTP_PROTO_LMTP,
};

struct smtp_limits {
	uint64_t max_message_size; /* bytes after dot-unstuffing; SIZE advertises it */
	uint32_t max_rcpts;	   /* per transaction; more get 452 4.5.3 */
	uint32_t max_line;	   /* a command line, CRLF included (>= 512) */
	uint32_t max_errors;	   /* bad commands before 421 and close */
};

struct smtp_config {
	enum smtp_proto proto;
	const char *hostname; /* in the greeting and the EHLO reply */
	struct smtp_limits lim;
	int tls_available; /* advertise STARTTLS (the caller does the TLS) */
	int xforward;	   /* advertise and accept XFORWARD */
};

/* What the client declared for one transaction. Strings are NUL-free,
 * valid UTF-8 (anything else was refused), and bounded. */
struct smtp_envelope {
	char *helo;	 /* EHLO/HELO/LHLO argument */
	char *mail_from; /* reverse path without <>; "" for the null sender */
	char **rcpt;	 /* accepted forward paths without <>, in order */
	size_t n_rcpt;
	int body_8bit; /* BODY=8BITMIME or BINARYMIME */
	int smtputf8;
	int tls; /* the transaction ran inside TLS */
	/* XFORWARD (NULL when not sent) */
	char *xf_name, *xf_addr, *xf_port, *xf_proto, *xf_helo, *xf_ident, *xf_source;
};

/* smtp_feed starts no command while out holds this many bytes or more. */
#define SMTP_OUT_HIGH 16384

enum smtp_event {
	SMTP_EV_NONE = 0, /* give more input (or wait: see smtp_waiting) */
	SMTP_EV_MESSAGE,  /* a message is complete: store it, then smtp_message_done */
	SMTP_EV_STARTTLS, /* "220 ready" is in out: start TLS, then smtp_tls_started */
	SMTP_EV_CLOSE,	  /* the last reply is in out: flush it and close */
	SMTP_EV_FLUSH,	  /* out holds SMTP_OUT_HIGH bytes or more: send them, feed the rest after */
};

/* Refusals and oddities, counted per session (the caller adds them up). */
struct smtp_stats {
	uint64_t messages;	/* completed (SMTP_EV_MESSAGE) */
	uint64_t bad_commands;	/* unknown, out of sequence, bad syntax */
	uint64_t long_lines;	/* command lines over max_line */
	uint64_t too_many_rcpts;
	uint64_t too_big;	/* messages over max_message_size */
	uint64_t bad_addresses; /* not UTF-8, NUL, too long, bad syntax */
};

struct smtp_session;

struct smtp_session *smtp_session_new(const struct smtp_config *cfg);
void smtp_session_free(struct smtp_session *s);

/* The 220 greeting. */
int smtp_greet(struct smtp_session *s, struct buf *out, struct error *err);

/* Consumes input p[0..n): *used_r bytes were taken (the rest, pipelined
 * input, must be fed again once the event is handled), replies are
 * appended to out, and *ev_r says what to do. With SMTP_EV_NONE all of
 * the input was taken. SMTP_EV_FLUSH: out has reached SMTP_OUT_HIGH; the
 * caller sends what it can of out (and stops reading from a client that
 * does not read its replies), then feeds the rest. So out never holds
 * more than SMTP_OUT_HIGH plus the replies to one command (at most
 * max_rcpts lines for LMTP). -1 only when out cannot grow
 * (ERR_LIMIT/ERR_NOMEM): the caller drops the connection. While the
 * session waits for smtp_message_done, nothing is consumed. */
int smtp_feed(struct smtp_session *s, const unsigned char *p, size_t n, size_t *used_r,
	      struct buf *out, enum smtp_event *ev_r, struct error *err);

/* After SMTP_EV_MESSAGE: the message bytes (exactly as received, after
 * dot-unstuffing for DATA) and the envelope. Borrowed until
 * smtp_message_done. */
const struct buf *smtp_message(const struct smtp_session *s);
const struct smtp_envelope *smtp_envelope(const struct smtp_session *s);
int smtp_waiting(const struct smtp_session *s);

/* The outcome of the message: stored (durable) -> 250; otherwise a
 * temporary failure with why (451 4.3.0), or with no_space set 452 4.3.1,
 * so the client keeps the message and retries. LMTP: one reply per
 * recipient. The transaction is reset either way. */
int smtp_message_done(struct smtp_session *s, int stored, int no_space, const char *why,
		      struct buf *out, struct error *err);

/* After the TLS handshake: the session starts over (RFC 3207 4.2: the
 * client must say EHLO again; nothing learnt before counts). */
void smtp_tls_started(struct smtp_session *s);

/* 421 replies the caller sends on its own: shutting down, timed out. */
int smtp_reply_shutdown(struct smtp_session *s, struct buf *out, struct error *err);
int smtp_reply_timeout(struct smtp_session *s, struct buf *out, struct error *err);

const struct smtp_stats *smtp_stats(const struct smtp_session *s);

/* The journal address of mailstack.md 6.1: "rcpt+LOCAL=DOMAIN@anything"
 * -> 'r' and "LOCAL@DOMAIN", "from+LOCAL=DOMAIN@anything" -> 's' and the
 * sender; split at the last '=' of the local part (a domain holds none).
 * Returns the kind and a new string, or 0 and NULL for any other
 * address. */
int smtp_journal_decode(const char *addr, char **orig_r);

#endif
