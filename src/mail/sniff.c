/*
 * sniff.c - "is this a message at all?" and header-section helpers.
 *
 * A message (RFC 5322 section 2.1) is a header section of fields
 * "Name: value", then an empty line and the body. mail_sniff() accepts
 * anything plausibly of that shape, however broken (the archive keeps the
 * exact bytes and flags what is wrong), and refuses with a reason what
 * cannot be mail: empty input, input that does not start with a header
 * field (optionally after an mbox "From " line, RFC 4155), a single
 * "Word: text" line followed by prose, a header section holding NUL bytes
 * or many control bytes (binary data). A body that follows the fields
 * without the empty line is still a (broken) message.
 *
 * Invariants: reads only p[0..n); looks at most at SNIFF_WINDOW bytes of
 * the header section, so it costs O(1) per message whatever its size.
 */
#include "mail/mail_internal.h"

#include <string.h>
#include <strings.h>

#include "core/log.h"

/* How much of the header section mail_sniff() examines. */
#define SNIFF_WINDOW (256 * 1024)
/* A broken header section has a second field within this many lines. */
#define SNIFF_LINES 100

static size_t line_end(const unsigned char *p, size_t n)
{
	const unsigned char *nl = memchr(p, '\n', n);
	return nl != NULL ? (size_t)(nl - p) : n;
}

size_t mail_header_start(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == '\n' || p[i] == '\r'))
		i++;
	if (n - i >= 5 && memcmp(p + i, "From ", 5) == 0) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		i = nl != NULL ? (size_t)(nl - p) + 1 : n;
	}
	/* A first field indented by mistake: start at the field. */
	size_t k = i;
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	if (k > i && mail_is_field_line(p + k, line_end(p + k, n - k)))
		i = k;
	return i;
}

size_t mail_header_len(const unsigned char *p, size_t n, size_t *body_r)
{
	size_t i = 0;
	while (i < n) {
		if (p[i] == '\n') {
			*body_r = i + 1;
			return i;
		}
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			*body_r = i + 2;
			return i;
		}
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		if (nl == NULL)
			break;
		i = (size_t)(nl - p) + 1;
	}
	*body_r = n;
	return n;
}

int mail_is_field_line(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] >= 33 && p[i] <= 126 && p[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

/* 1 if the line is a field that only mail starts with: the trace and
 * originator fields an MTA or MUA writes first (RFC 5321 4.4, RFC 5322 3.6). */
static int starts_like_mail(const unsigned char *line, size_t n)
{
	static const char *const names[] = {
		"received:", "return-path:", "delivered-to:", "x-original-to:", "envelope-to:",
		"from:", "message-id:", "date:", "dkim-signature:", "arc-seal:",
		"authentication-results:", "x-received:", "mime-version:",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t l = strlen(names[i]);
		if (n >= l && strncasecmp((const char *)line, names[i], l) == 0)
			return 1;
	}
	return 0;
}

int mail_sniff(const unsigned char *p, size_t n, struct error *err)
{
	char show[80];
	if (n == 0)
		return error_set(err, ERR_INVALID, "empty input");
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i == n)
		return error_set(err, ERR_INVALID, "no header section: only empty lines");
	int mbox = n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
	size_t start = mail_header_start(p, n);
	if (start == n)
		return error_set(err, ERR_INVALID, "an mbox From_ line without a message");
	size_t window = n - start < SNIFF_WINDOW ? n - start : SNIFF_WINDOW;
	const unsigned char *h = p + start;
	size_t first = line_end(h, window);
	if (!mail_is_field_line(h, first))
		return error_set(
		    err, ERR_INVALID,
		    "no header section: the %s line is not a header field "
		    "(Name: value): \"%s\"",
		    mbox ? "line after the From_ line" : "first",
		    log_safe(show, sizeof(show), (const char *)h, first < 40 ? first : 40));

	/* The header block: field lines and their continuations, up to the
	 * empty line or the first line that is neither (a body that lacks
	 * its separating empty line, or a badly folded field, starts there). */
	size_t hlen = 0;
	while (hlen < window) {
		size_t e = line_end(h + hlen, window - hlen);
		size_t l = e > 0 && h[hlen + e - 1] == '\r' ? e - 1 : e;
		if (l == 0 ||
		    (!mail_is_field_line(h + hlen, l) && h[hlen] != ' ' && h[hlen] != '\t'))
			break;
		hlen += e < window - hlen ? e + 1 : e;
	}
	/* A single "Word: text" line followed by prose is a note, not a
	 * message. Real mail with a broken header section (bad folding,
	 * stray empty lines) still has more fields in its first lines. */
	if (hlen < window && h[hlen] != '\n' && h[hlen] != '\r') {
		size_t fields = 0, lines = 0;
		for (size_t k = 0; k < window && lines < SNIFF_LINES && fields < 2; lines++) {
			size_t e = line_end(h + k, window - k);
			fields += mail_is_field_line(h + k, e);
			k += e + 1;
		}
		if (fields < 2)
			return error_set(err, ERR_INVALID,
					 "not a header section: one field line, then text that is "
					 "not a header field");
	}
	/* Binary bytes after a first field that only mail carries (a trace or
	 * originator field) are corrupted mail, not binary data: archive it
	 * and let the parser flag it. */
	if (starts_like_mail(h, first))
		return 0;
	size_t controls = 0;
	for (size_t k = 0; k < hlen; k++) {
		unsigned char c = h[k];
		if (c == 0)
			return error_set(
			    err, ERR_INVALID,
			    "NUL byte in the header section (offset %zu): binary data, "
			    "not a message",
			    start + k);
		/* Tab, CR, LF are line structure; ESC belongs to ISO-2022 text. */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != 0x1b) || c == 0x7f)
			controls++;
	}
	if (controls > 8 && controls * 64 > hlen)
		return error_set(err, ERR_INVALID,
				 "%zu control bytes in the first %zu bytes of the header section: "
				 "binary data, not a message",
				 controls, hlen);
	return 0;
}
