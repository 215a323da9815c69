/*
 * fuzz_smtp.c - fuzz target for the SMTP/LMTP session (src/intake/smtp.c).
 *
 * Input: byte 0 picks the protocol, TLS availability and the outcome given
 * to completed messages; byte 1 seeds the piece sizes; the rest is what a
 * client sends. The stream is fed twice, in one piece and in pseudo-random
 * pieces, acting on every event as the intake role would; both runs must
 * produce the same replies and the same messages. Invariants: the session
 * never consumes more than it is given, consumes nothing while a message
 * waits or after it closed, every message is within max_message_size, every
 * envelope within max_rcpts, the out buffer stays under SMTP_OUT_HIGH plus
 * one command's replies (it is sent only at SMTP_EV_FLUSH), and the
 * replies are CRLF-terminated lines starting with a three-digit code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "intake/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

/* Runs the conversation; the replies and the messages go to rec. */
static void run(const uint8_t *p, size_t n, uint8_t mode, uint8_t seed, int pieces,
		struct buf *rec)
{
	struct smtp_config cfg = {
	    .proto = (mode & 1) ? SMTP_PROTO_LMTP : SMTP_PROTO_SMTP,
	    .hostname = "fuzz.test",
	    .lim = {.max_message_size = 4096, .max_rcpts = 8, .max_line = 512, .max_errors = 20},
	    .tls_available = (mode & 2) != 0,
	    .xforward = (mode & 4) != 0,
	};
	struct smtp_session *s = smtp_session_new(&cfg);
	struct error err = ERROR_INIT;
	struct buf out, sent; /* replies not sent yet, and sent */
	buf_init(&out, BUF_UNLIMITED);
	buf_init(&sent, BUF_UNLIMITED);
	check(smtp_greet(s, &out, &err) == 0);
	size_t off = 0;
	unsigned x = seed;
	int closed = 0;
	while (off < n && !closed) {
		size_t piece = n - off;
		if (pieces) {
			x = x * 1103515245u + 12345u;
			size_t k = 1 + (x >> 16) % 64;
			if (k < piece)
				piece = k;
		}
		size_t used = 0;
		enum smtp_event ev;
		check(smtp_feed(s, p + off, piece, &used, &out, &ev, &err) == 0);
		check(used <= piece);
		check(out.len < SMTP_OUT_HIGH + 4096);
		off += used;
		if (ev == SMTP_EV_FLUSH) {
			struct error ignored = ERROR_INIT;
			check(out.len >= SMTP_OUT_HIGH);
			check(buf_append(&sent, out.data, out.len, &ignored) == 0);
			buf_reset(&out);
			continue;
		}
		if (ev == SMTP_EV_NONE) {
			check(used == piece);
			continue;
		}
		if (ev == SMTP_EV_MESSAGE) {
			const struct buf *m = smtp_message(s);
			const struct smtp_envelope *e = smtp_envelope(s);
			check(m->len <= cfg.lim.max_message_size);
			check(e->n_rcpt >= 1 && e->n_rcpt <= cfg.lim.max_rcpts);
			check(e->mail_from != NULL);
			size_t u2 = 1;
			enum smtp_event ev2;
			check(smtp_feed(s, p + off, n - off, &u2, &out, &ev2, &err) == 0 && u2 == 0);
			struct error ignored = ERROR_INIT;
			check(buf_printf(rec, &ignored, "[msg %zu rcpt %zu]", m->len, e->n_rcpt) == 0);
			if (m->len > 0)
				check(buf_append(rec, m->data, m->len, &ignored) == 0);
			check(smtp_message_done(s, (mode & 8) != 0, (mode & 16) != 0, "fuzz", &out,
						&err) == 0);
		} else if (ev == SMTP_EV_STARTTLS) {
			smtp_tls_started(s);
			/* the caller discards what it had buffered: so do we, up
			 * to the piece boundary (pieces differ between runs, so
			 * the comparison stops here) */
			off = n;
			struct error ignored = ERROR_INIT;
			check(buf_append_str(rec, "[tls]", &ignored) == 0);
		} else {
			closed = 1;
			size_t u3 = 1;
			enum smtp_event ev3;
			if (off < n)
				check(smtp_feed(s, p + off, n - off, &u3, &out, &ev3, &err) == 0 &&
				      u3 == 0);
		}
	}
	struct error ignored = ERROR_INIT;
	check(buf_append(&sent, out.data ? out.data : (unsigned char *)"", out.len, &ignored) == 0);
	/* replies: lines "DDD[ -]..." ending in CRLF */
	for (size_t i = 0; i < sent.len;) {
		const unsigned char *lf = memchr(sent.data + i, '\n', sent.len - i);
		check(lf != NULL);
		size_t len = (size_t)(lf - (sent.data + i)) + 1;
		check(len >= 6 && sent.data[i] >= '2' && sent.data[i] <= '5' &&
		      sent.data[i + len - 2] == '\r' &&
		      (sent.data[i + 3] == ' ' || sent.data[i + 3] == '-'));
		i += len;
	}
	check(buf_append(rec, sent.data ? sent.data : (unsigned char *)"", sent.len, &ignored) == 0);
	buf_release(&out);
	buf_release(&sent);
	smtp_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct buf a, b;
	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b, BUF_UNLIMITED);
	run(data + 2, size - 2, data[0], data[1], 0, &a);
	run(data + 2, size - 2, data[0], data[1], 1, &b);
	/* STARTTLS discards up to a piece boundary, which differs */
	if (!(data[0] & 2))
		check(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
	buf_release(&a);
	buf_release(&b);
	return 0;
}
