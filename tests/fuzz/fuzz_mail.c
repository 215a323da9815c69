/*
 * fuzz_mail.c - the message parser end to end: mail_sniff, mail_parse with
 * small limits (attachment text extraction included: PDF, Office, RTF, ZIP,
 * HTML), and the JSON trust boundary, which must take back exactly
 * what the parser produced (the round trip is byte-identical).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small limits reach the limit paths with small inputs. */
	const struct mail_limits lim = {
	    .max_message_size = 1 << 20,
	    .max_depth = 16,
	    .max_parts = 256,
	    .max_header_bytes = 64 * 1024,
	    .timeout_s = 30,
	    .memory = 0,
	    .recycle_after = 1,
	    .max_text_size = 256 * 1024,
	    .max_attachment_text = 64 * 1024,
	    .max_extract_input = 1 << 20,
	    .zip_max_members = 64,
	    .zip_max_ratio = 100,
	    .zip_max_size = 4 << 20,
	    .extract_time_s = 5,
	};
	struct error err = ERROR_INIT;
	struct mail_doc doc, back;
	struct buf a, b;
	mail_sniff(data, size, &err);
	mail_doc_init(&doc);
	mail_doc_init(&back);
	buf_init(&a, MAIL_DOC_MAX_JSON);
	buf_init(&b, MAIL_DOC_MAX_JSON);
	if (mail_parse(data, size, &lim, &doc, &err) < 0)
		abort(); /* never on malformed mail */
	if (mail_doc_to_json(&doc, &a, &err) < 0) {
		fprintf(stderr, "to_json: %s\n", err.msg);
		abort();
	}
	if (mail_doc_from_json((const char *)a.data, a.len, &back, &err) < 0) {
		fprintf(stderr, "from_json refused the parser's own document: %s\n%s\n", err.msg,
			(const char *)a.data);
		abort();
	}
	if (mail_doc_to_json(&back, &b, &err) < 0 || a.len != b.len ||
	    memcmp(a.data, b.data, a.len) != 0) {
		fprintf(stderr, "round trip differs:\n%s\n%s\n", (const char *)a.data,
			(const char *)b.data);
		abort();
	}
	/* The codec on its own, with the input as JSON. */
	mail_doc_from_json((const char *)data, size, &back, &err);
	mail_doc_release(&doc);
	mail_doc_release(&back);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
