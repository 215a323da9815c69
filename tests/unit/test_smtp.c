/*
 * test_smtp.c - unit tests of src/intake/smtp.h: the journal session as
 * Postfix drives it (the transcripts of ../shared/recipes/mailstack.md 6.1
 * and 6.3, pipelined), the same conversations fed in every two-piece split
 * and byte by byte, dot-unstuffing, BDAT, the limits and their counters,
 * sequence errors, STARTTLS, group-commit waiting, failure replies and the
 * journal address decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "intake/smtp.h"

static struct smtp_config config(enum smtp_proto proto)
{
	struct smtp_config c = {
	    .proto = proto,
	    .hostname = "archive.test",
	    .lim = {.max_message_size = 10000, .max_rcpts = 5, .max_line = 512, .max_errors = 5},
	    .tls_available = 0,
	    .xforward = 1,
	};
	return c;
}

/* A conversation: the replies, the messages with their envelopes. */
struct conv {
	struct buf out;	 /* every reply so far (what the client received) */
	struct buf wire; /* the session's out buffer, sent into out after each call */
	size_t max_wire; /* the most wire ever held */
	int flushes;	 /* SMTP_EV_FLUSH events */
	char *msgs[8];
	size_t msg_len[8];
	char *from[8];
	size_t n_rcpt[8];
	char *rcpt0[8];
	char *xf_ident[8];
	int n_msgs;
	int closed, starttls;
	int store_ok; /* how smtp_message_done is called */
	int no_space;
};

static void conv_init(struct conv *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->out, BUF_UNLIMITED);
	buf_init(&c->wire, BUF_UNLIMITED);
	c->store_ok = 1;
}

static void conv_release(struct conv *c)
{
	buf_release(&c->out);
	buf_release(&c->wire);
	for (int i = 0; i < c->n_msgs; i++) {
		free(c->msgs[i]);
		free(c->from[i]);
		free(c->rcpt0[i]);
		free(c->xf_ident[i]);
	}
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Sends what the session wrote to wire. */
static void send_wire(struct conv *c)
{
	struct error err = ERROR_INIT;
	if (c->wire.len > c->max_wire)
		c->max_wire = c->wire.len;
	if (c->wire.len > 0)
		assert_int_equal(buf_append(&c->out, c->wire.data, c->wire.len, &err), 0);
	buf_reset(&c->wire);
}

/* Feeds p[0..n) in pieces of `step` bytes (0: all at once), acting on
 * every event as the intake role would. */
static void feed(struct smtp_session *s, struct conv *c, const char *p, size_t n, size_t step)
{
	struct error err = ERROR_INIT;
	size_t off = 0;
	while (off < n && !c->closed) {
		size_t piece = step == 0 || n - off < step ? n - off : step;
		size_t used = 0;
		enum smtp_event ev;
		assert_int_equal(
		    smtp_feed(s, (const unsigned char *)p + off, piece, &used, &c->wire, &ev, &err), 0);
		assert_true(used <= piece);
		off += used;
		if (ev == SMTP_EV_FLUSH)
			assert_true(c->wire.len >= SMTP_OUT_HIGH);
		send_wire(c);
		switch (ev) {
		case SMTP_EV_MESSAGE: {
			assert_true(smtp_waiting(s));
			/* waiting: nothing more is consumed */
			size_t u2 = 99;
			enum smtp_event ev2;
			if (off < n) {
				assert_int_equal(smtp_feed(s, (const unsigned char *)p + off, n - off,
							   &u2, &c->wire, &ev2, &err),
						 0);
				assert_int_equal(u2, 0);
				assert_int_equal(ev2, SMTP_EV_NONE);
			}
			const struct buf *m = smtp_message(s);
			const struct smtp_envelope *e = smtp_envelope(s);
			int k = c->n_msgs++;
			assert_true(k < 8);
			c->msgs[k] = malloc(m->len + 1);
			memcpy(c->msgs[k], m->len ? (const char *)m->data : "", m->len);
			c->msgs[k][m->len] = '\0';
			c->msg_len[k] = m->len;
			c->from[k] = dup_or_null(e->mail_from);
			c->n_rcpt[k] = e->n_rcpt;
			c->rcpt0[k] = e->n_rcpt ? strdup(e->rcpt[0]) : NULL;
			c->xf_ident[k] = dup_or_null(e->xf_ident);
			assert_int_equal(smtp_message_done(s, c->store_ok, c->no_space,
							   "disk trouble", &c->wire, &err),
					 0);
			send_wire(c);
			break;
		}
		case SMTP_EV_CLOSE:
			c->closed = 1;
			break;
		case SMTP_EV_STARTTLS:
			c->starttls = 1;
			smtp_tls_started(s);
			break;
		case SMTP_EV_FLUSH:
			c->flushes++;
			break;
		case SMTP_EV_NONE:
			if (used < piece)
				fail_msg("input left unconsumed without an event");
			break;
		}
	}
}

static void feed_str(struct smtp_session *s, struct conv *c, const char *str)
{
	feed(s, c, str, strlen(str), 0);
}

static const char *out_str(struct conv *c)
{
	return c->out.len ? (const char *)c->out.data : "";
}

/* mailstack.md 6.1, as Postfix pipelines it. */
static const char journal_smtp[] =
    "EHLO mx.bank.test\r\n"
    "XFORWARD NAME=localhost ADDR=127.0.0.1 PORT=33786\r\n"
    "XFORWARD PROTO=ESMTP HELO=client.outside.test IDENT=E40F8ABA9A6 SOURCE=LOCAL\r\n"
    "MAIL FROM:<ext@outside.test> SIZE=385\r\n"
    "RCPT TO:<from+ext=outside.test@archive.test> ORCPT=rfc822;from+2Bext+3Doutside.test@archive.test NOTIFY=NEVER\r\n"
    "RCPT TO:<rcpt+alice=bank.test@archive.test> ORCPT=rfc822;rcpt+2Balice+3Dbank.test@archive.test NOTIFY=NEVER\r\n"
    "RCPT TO:<rcpt+bob=bank.test@archive.test> NOTIFY=NEVER\r\n"
    "RCPT TO:<rcpt+carol=bank.test@archive.test> NOTIFY=NEVER\r\n"
    "DATA\r\n"
    "Received: from client.outside.test (localhost [127.0.0.1])\r\n"
    "\tby mx.bank.test (Postfix) with ESMTP id E40F8ABA9A6;\r\n"
    "Subject: verify 1\r\n"
    "Message-Id: <verify-1@outside.test>\r\n"
    "\r\n"
    "hello\r\n"
    "..leading dot\r\n"
    ".\r\n"
    "QUIT\r\n";

static const char journal_smtp_msg[] =
    "Received: from client.outside.test (localhost [127.0.0.1])\r\n"
    "\tby mx.bank.test (Postfix) with ESMTP id E40F8ABA9A6;\r\n"
    "Subject: verify 1\r\n"
    "Message-Id: <verify-1@outside.test>\r\n"
    "\r\n"
    "hello\r\n"
    ".leading dot\r\n";

static const char journal_smtp_replies[] =
    "220 archive.test ESMTP custos journal\r\n"
    "250-archive.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n"
    "250-SMTPUTF8\r\n250-CHUNKING\r\n"
    "250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE\r\n250 ENHANCEDSTATUSCODES\r\n"
    "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n"
    "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
    "354 End data with <CR><LF>.<CR><LF>\r\n"
    "250 2.0.0 Ok: archived\r\n"
    "221 2.0.0 Bye\r\n";

static void run_journal(size_t step)
{
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	struct error err = ERROR_INIT;
	conv_init(&c);
	assert_int_equal(smtp_greet(s, &c.out, &err), 0);
	feed(s, &c, journal_smtp, strlen(journal_smtp), step);
	assert_string_equal(out_str(&c), journal_smtp_replies);
	assert_int_equal(c.n_msgs, 1);
	assert_int_equal(c.msg_len[0], strlen(journal_smtp_msg));
	assert_string_equal(c.msgs[0], journal_smtp_msg);
	assert_string_equal(c.from[0], "ext@outside.test");
	assert_int_equal(c.n_rcpt[0], 4);
	assert_string_equal(c.rcpt0[0], "from+ext=outside.test@archive.test");
	assert_string_equal(c.xf_ident[0], "E40F8ABA9A6");
	assert_true(c.closed);
	assert_int_equal(smtp_stats(s)->messages, 1);
	assert_int_equal(smtp_stats(s)->bad_commands, 0);
	conv_release(&c);
	smtp_session_free(s);
}

static void test_journal_smtp(void **state)
{
	(void)state;
	run_journal(0);
	run_journal(1);
	run_journal(7);
	/* every split into two pieces */
	for (size_t cut = 1; cut < strlen(journal_smtp); cut++) {
		struct smtp_config cfg = config(SMTP_PROTO_SMTP);
		struct smtp_session *s = smtp_session_new(&cfg);
		struct conv c;
		struct error err = ERROR_INIT;
		conv_init(&c);
		assert_int_equal(smtp_greet(s, &c.out, &err), 0);
		feed(s, &c, journal_smtp, cut, 0);
		feed(s, &c, journal_smtp + cut, strlen(journal_smtp) - cut, 0);
		assert_string_equal(out_str(&c), journal_smtp_replies);
		assert_string_equal(c.msgs[0], journal_smtp_msg);
		conv_release(&c);
		smtp_session_free(s);
	}
}

static void test_journal_lmtp(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_LMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	conv_init(&c);
	static const char in[] = "EHLO x\r\nLHLO mx.bank.test\r\nMAIL FROM:<ext@outside.test>\r\n"
				 "RCPT TO:<from+ext=outside.test@archive.test>\r\n"
				 "RCPT TO:<rcpt+alice=bank.test@archive.test>\r\n"
				 "RCPT TO:<rcpt+carol=bank.test@archive.test>\r\n"
				 "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n"
				 "MAIL FROM:<>\r\nRCPT TO:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
	feed(s, &c, in, strlen(in), 0);
	/* the second message fails temporarily: one reply per recipient */
	c.store_ok = 0;
	feed_str(s, &c, "x\r\n.\r\n");
	c.no_space = 1;
	feed_str(s, &c, "MAIL FROM:<>\r\nRCPT TO:<a@b>\r\nDATA\r\ny\r\n.\r\nQUIT\r\n");
	const char *o = out_str(&c);
	assert_non_null(strstr(o, "500 5.5.1 this is LMTP: use LHLO\r\n"));
	assert_non_null(strstr(o, "354 End data with <CR><LF>.<CR><LF>\r\n"
				  "250 2.0.0 Ok: archived\r\n250 2.0.0 Ok: archived\r\n"
				  "250 2.0.0 Ok: archived\r\n250 2.1.0 Ok\r\n"));
	assert_non_null(strstr(o, "354 End data with <CR><LF>.<CR><LF>\r\n"
				  "451 4.3.0 not archived (disk trouble), try again later\r\n"
				  "451 4.3.0 not archived (disk trouble), try again later\r\n250 2.1.0"));
	assert_non_null(strstr(o, "452 4.3.1 insufficient archive storage, try again later\r\n"
				  "221 2.0.0 Bye\r\n"));
	assert_int_equal(c.n_msgs, 3);
	assert_string_equal(c.from[1], "");
	assert_string_equal(c.msgs[0], "Subject: x\r\n\r\nbody\r\n");
	conv_release(&c);
	smtp_session_free(s);
}

/* DATA edge cases: what the message bytes are. */
static void test_data(void **state)
{
	(void)state;
	static const struct {
		const char *data; /* after DATA */
		const char *msg;
	} cases[] = {
	    {".\r\n", ""},
	    {"a\r\n.\r\n", "a\r\n"},
	    {"..\r\n.\r\n", ".\r\n"},
	    {"...x\r\n.\r\n", "..x\r\n"},
	    {"bare\nlf\n.\n", "bare\nlf\n"},
	    {"a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n"},
	    {"no final newline\r\n.\r\n", "no final newline\r\n"},
	    {"x.\r\n.\r\n", "x.\r\n"},
	    {"\r\n\r\n.\r\n", "\r\n\r\n"},
	    {"8bit \xe4\xb8\xad \xff\r\n.\r\n", "8bit \xe4\xb8\xad \xff\r\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 0; step < 3; step++) {
			struct smtp_config cfg = config(SMTP_PROTO_SMTP);
			struct smtp_session *s = smtp_session_new(&cfg);
			struct conv c;
			conv_init(&c);
			const char *head = "EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
			feed(s, &c, head, strlen(head), 0);
			feed(s, &c, cases[i].data, strlen(cases[i].data), step);
			if (c.n_msgs != 1 || strcmp(c.msgs[0], cases[i].msg) != 0)
				fail_msg("case %zu step %zu: got \"%s\"", i, step,
					 c.n_msgs ? c.msgs[0] : "(no message)");
			conv_release(&c);
			smtp_session_free(s);
		}
	}
}

static void test_bdat(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	conv_init(&c);
	/* refused chunk: still read, the stream stays in step */
	static const char in[] = "EHLO a\r\nBDAT 10\r\nNOOP\r\nNOOPNOOP\r\n"
				 "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
				 "BDAT 5\r\nhelloBDAT 8 LAST\r\n world\r\n"
				 "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 0 LAST\r\n"
				 "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 3\r\n.\r\nDATA\r\n"
				 "BDAT 0 LAST\r\nQUIT\r\n";
	for (size_t step = 0; step < 2; step++) {
		buf_reset(&c.out);
		feed(s, &c, in, strlen(in), step);
		const char *o = out_str(&c);
		assert_non_null(strstr(o, "503 5.5.1 need MAIL and RCPT before BDAT\r\n250 2.0.0 Ok\r\n250 2.1.0"));
		assert_non_null(strstr(o, "250 2.0.0 5 octets so far\r\n250 2.0.0 Ok: archived\r\n"));
		assert_non_null(strstr(o, "250 2.0.0 3 octets so far\r\n503 5.5.1 need MAIL and RCPT "
					  "before DATA\r\n250 2.0.0 Ok: archived\r\n221"));
		assert_true(c.closed);
		smtp_session_free(s);
		s = smtp_session_new(&cfg);
		c.closed = 0;
	}
	assert_int_equal(c.n_msgs, 6);
	assert_string_equal(c.msgs[0], "hello world\r\n");
	assert_int_equal(c.msg_len[1], 0);
	assert_string_equal(c.msgs[2], ".\r\n"); /* BDAT bytes are not unstuffed */
	/* a BDAT line with junk: the chunk size is unknown, the session ends */
	buf_reset(&c.out);
	c.closed = 0;
	feed_str(s, &c, "BDAT 5 MORE\r\nhello");
	assert_non_null(strstr(out_str(&c), "421 4.5.4"));
	assert_true(c.closed);
	conv_release(&c);
	smtp_session_free(s);
}

static void test_limits(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	cfg.lim.max_message_size = 100;
	cfg.lim.max_rcpts = 2;
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	conv_init(&c);
	char big[400];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	char in[2048];
	snprintf(in, sizeof(in),
		 "EHLO a\r\nMAIL FROM:<a@b> SIZE=101\r\nMAIL FROM:<a@b> SIZE=100\r\n"
		 "RCPT TO:<1@b>\r\nRCPT TO:<2@b>\r\nRCPT TO:<3@b>\r\nDATA\r\n%s\r\n.\r\n"
		 "MAIL FROM:<a@b>\r\nRCPT TO:<1@b>\r\nBDAT 150 LAST\r\n%.150s"
		 "MAIL FROM:<a@b>\r\nRCPT TO:<1@b>\r\nDATA\r\nsmall\r\n.\r\n",
		 big, big);
	feed(s, &c, in, strlen(in), 0);
	const char *o = out_str(&c);
	assert_non_null(strstr(o, "552 5.3.4 message size exceeds the limit of 100 bytes\r\n"
				  "250 2.1.0 Ok\r\n"));
	assert_non_null(strstr(o, "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n452 4.5.3 too many recipients\r\n"
				  "354"));
	assert_int_equal(c.n_msgs, 1);
	assert_string_equal(c.msgs[0], "small\r\n");
	assert_int_equal(smtp_stats(s)->too_big, 3);
	assert_int_equal(smtp_stats(s)->too_many_rcpts, 1);
	assert_int_equal(c.n_rcpt[0], 1);

	/* a long command line: 500, the rest of it skipped, then back in step */
	buf_reset(&c.out);
	char longl[1200];
	memset(longl, 'A', sizeof(longl));
	memcpy(longl, "NOOP ", 5);
	longl[sizeof(longl) - 1] = '\0';
	char in2[1400];
	snprintf(in2, sizeof(in2), "%s\r\nNOOP\r\n", longl);
	feed(s, &c, in2, strlen(in2), 100);
	assert_string_equal(out_str(&c), "500 5.5.2 line too long\r\n250 2.0.0 Ok\r\n");
	assert_int_equal(smtp_stats(s)->long_lines, 1);

	/* errors past max_errors end the session */
	buf_reset(&c.out);
	feed_str(s, &c, "X\r\nY\r\nZ\r\nW\r\nV\r\nU\r\nNOOP\r\n");
	assert_non_null(strstr(out_str(&c), "421 4.7.0"));
	assert_null(strstr(out_str(&c), "250 2.0.0 Ok"));
	assert_true(c.closed);
	conv_release(&c);
	smtp_session_free(s);
}

static void test_sequence_and_syntax(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want; /* the reply to the last line */
	} cases[] = {
	    {"MAIL FROM:<a@b>\r\n", "503 5.5.1 say EHLO first\r\n"},
	    {"EHLO a\r\nRCPT TO:<a@b>\r\n", "503 5.5.1 need MAIL before RCPT\r\n"},
	    {"EHLO a\r\nMAIL FROM:<a@b>\r\nDATA\r\n", "503 5.5.1 need MAIL and RCPT before DATA\r\n"},
	    {"EHLO a\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\n", "503 5.5.1 nested MAIL command\r\n"},
	    {"EHLO a\r\nMAIL FROM:a@b\r\n", "501 5.1.7 bad sender address syntax\r\n"},
	    {"EHLO a\r\nMAIL TO:<a@b>\r\n", "501 5.5.4 syntax: MAIL FROM:<address>\r\n"},
	    {"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<>\r\n", "501 5.1.3 bad recipient address syntax\r\n"},
	    {"EHLO a\r\nMAIL FROM:<\xff@b>\r\n", "501 5.1.7 bad sender address syntax\r\n"},
	    {"EHLO\r\n", "501 5.5.4 a domain name or address literal, please\r\n"},
	    {"HELO a\r\n", "250 archive.test\r\n"},
	    {"LHLO a\r\n", "500 5.5.1 this is SMTP: use EHLO\r\n"},
	    {"BOGUS\r\n", "500 5.5.2 command not recognised\r\n"},
	    {"\r\n", "500 5.5.2 command not recognised\r\n"},
	    {"NOOP\0x\r\n", "500 5.5.2 NUL in command\r\n"},
	    {"STARTTLS\r\n", "502 5.5.1 STARTTLS not available\r\n"},
	    {"VRFY x\r\n", "252 2.5.0 Cannot VRFY, but will take the message\r\n"},
	    {"EHLO a\r\nMAIL FROM:<a@b>\r\nXFORWARD NAME=x\r\n", "503 5.5.1 XFORWARD inside a transaction\r\n"},
	    {"XFORWARD COLOUR=red\r\n", "501 5.5.4 bad XFORWARD attribute\r\n"},
	    {"EHLO a\r\nMAIL FROM:<@relay.a,@relay.b:u@d> BODY=8BITMIME SMTPUTF8\r\n", "250 2.1.0 Ok\r\n"},
	    {"EHLO a\r\nMAIL FROM:<\"odd > local\"@d>\r\nRCPT TO:<\xe7\x94\xa8@\xe4\xbe\x8b.cn>\r\n", "250 2.1.5 Ok\r\n"},
	    {"EHLO a\r\nMAIL FROM:<a@b>\r\nRSET\r\nRCPT TO:<a@b>\r\n", "503 5.5.1 need MAIL before RCPT\r\n"},
	    {"EHLO a\r\nMAIL FROM:<a@b> SIZE=x\r\n", "501 5.5.4 bad SIZE parameter\r\n"},
	    {"EHLO a\r\nDATA x\r\n", "501 5.5.4 DATA takes no argument\r\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_config cfg = config(SMTP_PROTO_SMTP);
		struct smtp_session *s = smtp_session_new(&cfg);
		struct conv c;
		conv_init(&c);
		size_t n = strlen(cases[i].in);
		if (strncmp(cases[i].in, "NOOP", 4) == 0)
			n = 9; /* holds a NUL */
		feed(s, &c, cases[i].in, n, 0);
		const char *o = out_str(&c);
		size_t wl = strlen(cases[i].want);
		if (c.out.len < wl || strcmp(o + c.out.len - wl, cases[i].want) != 0)
			fail_msg("case %zu: replies \"%s\"", i, o);
		conv_release(&c);
		smtp_session_free(s);
	}
}

static void test_starttls(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	cfg.tls_available = 1;
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	conv_init(&c);
	/* pipelined plaintext after STARTTLS is thrown away (RFC 3207 5) */
	feed_str(s, &c, "EHLO a\r\nMAIL FROM:<a@b>\r\nSTARTTLS\r\nMAIL FROM:<evil@x>\r\n");
	assert_true(c.starttls);
	const char *o = out_str(&c);
	assert_non_null(strstr(o, "250-STARTTLS\r\n"));
	assert_non_null(strstr(o, "220 2.0.0 Ready to start TLS\r\n"));
	assert_null(strstr(o + (strstr(o, "220 2.0.0") - o), "250 2.1.0"));
	/* after the handshake: EHLO again, no STARTTLS offered, no MAIL kept */
	buf_reset(&c.out);
	feed_str(s, &c, "RCPT TO:<a@b>\r\nEHLO a\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\n");
	o = out_str(&c);
	assert_non_null(strstr(o, "503 5.5.1 need MAIL before RCPT\r\n"));
	assert_null(strstr(o, "250-STARTTLS"));
	assert_non_null(strstr(o, "502 5.5.1 STARTTLS not available\r\n"));
	assert_int_equal(c.n_msgs, 1);
	assert_true(smtp_envelope(s) != NULL);
	conv_release(&c);
	smtp_session_free(s);
}

static void test_misuse_and_replies(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct buf out;
	struct error err = ERROR_INIT;
	buf_init(&out, BUF_UNLIMITED);
	assert_int_equal(smtp_message_done(s, 1, 0, NULL, &out, &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	assert_int_equal(smtp_reply_shutdown(s, &out, &err), 0);
	assert_string_equal((const char *)out.data,
			    "421 4.3.2 archive.test shutting down, try again later\r\n");
	/* closed: nothing more is consumed */
	size_t used = 9;
	enum smtp_event ev;
	assert_int_equal(smtp_feed(s, (const unsigned char *)"NOOP\r\n", 6, &used, &out, &ev, &err),
			 0);
	assert_int_equal(used, 0);
	smtp_session_free(s);
	s = smtp_session_new(&cfg);
	buf_reset(&out);
	assert_int_equal(smtp_reply_timeout(s, &out, &err), 0);
	assert_non_null(strstr((const char *)out.data, "421 4.4.2"));
	smtp_session_free(s);
	buf_release(&out);
}

/* XFORWARD values are xtext (Postfix sends them so); a line with one bad
 * attribute changes nothing; a repeated attribute keeps the last value. */
static void test_xforward(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	conv_init(&c);
	char hundred_a[301] = "";
	for (int i = 0; i < 100; i++)
		strcat(hundred_a, "+41");
	char in[1024];
	snprintf(in, sizeof(in),
		 "EHLO a\r\nXFORWARD NAME=+5Bx+5D IDENT=Q+2B1 helo=a+20b\r\n"
		 "XFORWARD IDENT=second IDENT=third PROTO=%s\r\n"
		 "XFORWARD IDENT=bad NAME=+2\r\nXFORWARD IDENT=+G1\r\nXFORWARD HELO=+0A\r\n"
		 "XFORWARD IDENT=bad HELO\r\nXFORWARD SOURCE=\r\n",
		 hundred_a);
	feed_str(s, &c, in);
	const struct smtp_envelope *e = smtp_envelope(s);
	assert_string_equal(e->xf_name, "[x]");
	assert_string_equal(e->xf_helo, "a b");
	assert_string_equal(e->xf_ident, "third");
	assert_int_equal(strlen(e->xf_proto), 100);
	assert_int_equal(strspn(e->xf_proto, "A"), 100);
	assert_string_equal(e->xf_source, "");
	assert_null(e->xf_addr);
	static const char tail[] = "250 ENHANCEDSTATUSCODES\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
				   "501 5.5.4 bad XFORWARD attribute\r\n"
				   "501 5.5.4 bad XFORWARD attribute\r\n"
				   "501 5.5.4 bad XFORWARD attribute\r\n"
				   "501 5.5.4 bad XFORWARD attribute\r\n250 2.0.0 Ok\r\n";
	if (c.out.len < strlen(tail) || strcmp(out_str(&c) + c.out.len - strlen(tail), tail) != 0)
		fail_msg("replies \"%s\"", out_str(&c));
	assert_int_equal(smtp_stats(s)->bad_commands, 4);
	/* a value over 255 bytes once decoded */
	buf_reset(&c.out);
	char longv[400];
	memset(longv, 'v', sizeof(longv));
	snprintf(longv + 256, sizeof(longv) - 256, "\r\n");
	feed_str(s, &c, "XFORWARD NAME=");
	feed_str(s, &c, longv);
	assert_string_equal(out_str(&c), "501 5.5.4 bad XFORWARD attribute\r\n");
	assert_string_equal(e->xf_name, "[x]");
	conv_release(&c);
	smtp_session_free(s);
}

/* Addresses that are not text are refused and counted as such. */
static void test_bad_addresses(void **state)
{
	(void)state;
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct conv c;
	conv_init(&c);
	feed_str(s, &c, "EHLO a\r\nMAIL FROM:<\xff@b>\r\nMAIL FROM:a@b\r\nMAIL FROM:<ok@b>\r\n"
			"RCPT TO:<\x01@b>\r\nRCPT TO:<>\r\nRCPT TO:<c@d>\r\n");
	assert_int_equal(smtp_stats(s)->bad_addresses, 2);
	assert_int_equal(smtp_stats(s)->bad_commands, 4);
	assert_non_null(strstr(out_str(&c), "250 2.1.0 Ok\r\n501 5.1.3 bad recipient address syntax\r\n"
					    "501 5.1.3 bad recipient address syntax\r\n250 2.1.5 Ok\r\n"));
	conv_release(&c);
	smtp_session_free(s);
}

/* A client pipelining thousands of commands without reading: the session
 * stops taking commands once its out buffer holds SMTP_OUT_HIGH bytes, and
 * every reply still comes, in order, once the caller sends them. */
static void test_pipelining_flood(void **state)
{
	(void)state;
	enum { N = 5000 };
	static const char noop[] = "NOOP\r\n", ok[] = "250 2.0.0 Ok\r\n";
	char *in = malloc(N * (sizeof(noop) - 1) + 1);
	char *want = malloc(N * (sizeof(ok) - 1) + 1);
	assert_non_null(in);
	assert_non_null(want);
	for (size_t i = 0; i < N; i++) {
		memcpy(in + i * (sizeof(noop) - 1), noop, sizeof(noop));
		memcpy(want + i * (sizeof(ok) - 1), ok, sizeof(ok));
	}
	for (size_t step = 0; step <= 20000; step += 20000) {
		struct smtp_config cfg = config(SMTP_PROTO_SMTP);
		struct smtp_session *s = smtp_session_new(&cfg);
		struct conv c;
		conv_init(&c);
		feed(s, &c, in, strlen(in), step);
		assert_string_equal(out_str(&c), want);
		assert_true(c.flushes > 0);
		assert_true(c.max_wire >= SMTP_OUT_HIGH);
		assert_true(c.max_wire < SMTP_OUT_HIGH + sizeof(ok));
		conv_release(&c);
		smtp_session_free(s);
	}
	/* a caller that never sends: nothing more is taken, nothing grows */
	struct smtp_config cfg = config(SMTP_PROTO_SMTP);
	struct smtp_session *s = smtp_session_new(&cfg);
	struct buf out;
	struct error err = ERROR_INIT;
	buf_init(&out, BUF_UNLIMITED);
	size_t used = 0;
	enum smtp_event ev;
	assert_int_equal(smtp_feed(s, (const unsigned char *)in, strlen(in), &used, &out, &ev, &err), 0);
	assert_int_equal(ev, SMTP_EV_FLUSH);
	size_t off = used;
	size_t len = out.len;
	assert_int_equal(smtp_feed(s, (const unsigned char *)in + off, strlen(in) - off, &used, &out,
				   &ev, &err),
			 0);
	assert_int_equal(ev, SMTP_EV_FLUSH);
	assert_int_equal(used, 0);
	assert_int_equal(out.len, len);
	buf_release(&out);
	smtp_session_free(s);
	free(in);
	free(want);
}

static void test_journal_decode(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int kind;
		const char *orig;
	} cases[] = {
	    {"rcpt+alice=bank.test@archive.test", 'r', "alice@bank.test"},
	    {"from+ext=outside.test@archive.test", 's', "ext@outside.test"},
	    {"RCPT+Bob=Bank.Test@archive.test", 'r', "Bob@Bank.Test"},
	    {"rcpt+a=b=c.example@archive.test", 'r', "a=b@c.example"},
	    {"rcpt+a+tag=b.example@archive.test", 'r', "a+tag@b.example"},
	    {"journal@archive.test", 0, NULL},
	    {"rcpt+=b.example@archive.test", 0, NULL},
	    {"rcpt+alice=@archive.test", 0, NULL},
	    {"rcpt+alice@archive.test", 0, NULL},
	    {"rcpt+alice=bank.test", 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *orig = (char *)"x";
		int k = smtp_journal_decode(cases[i].in, &orig);
		assert_int_equal(k, cases[i].kind);
		if (cases[i].orig == NULL)
			assert_null(orig);
		else
			assert_string_equal(orig, cases[i].orig);
		free(orig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_journal_smtp),
	    cmocka_unit_test(test_journal_lmtp),
	    cmocka_unit_test(test_data),
	    cmocka_unit_test(test_bdat),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_sequence_and_syntax),
	    cmocka_unit_test(test_starttls),
	    cmocka_unit_test(test_misuse_and_replies),
	    cmocka_unit_test(test_xforward),
	    cmocka_unit_test(test_bad_addresses),
	    cmocka_unit_test(test_pipelining_flood),
	    cmocka_unit_test(test_journal_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
