/*
 * fuzz_mail.c - the message parser end to end: mail_sniff, mail_parse with
 * small limits (attachment text extraction included: PDF, Office, RTF, ZIP,
 * HTML), and the parent's trust boundary, the binary decoder of the worker
 * protocol (wire.c), which must take back exactly what the parser produced
 * (the round trip is byte-identical) and refuse anything else without
 * harm: the input itself is decoded too (and, when accepted, must encode
 * back to itself: the encoding is canonical).
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
	buf_init(&a, MAIL_DOC_MAX_WIRE);
	buf_init(&b, MAIL_DOC_MAX_WIRE);
	if (mail_parse(data, size, &lim, &doc, &err) < 0)
		abort(); /* never on malformed mail */
	if (mail_doc_encode(&doc, &a, &err) < 0) {
		fprintf(stderr, "encode: %s\n", err.msg);
		abort();
	}
	if (mail_doc_decode(a.data, a.len, &back, &err) < 0) {
		fprintf(stderr, "decode refused the parser's own document: %s\n", err.msg);
		abort();
	}
	if (mail_doc_encode(&back, &b, &err) < 0 || a.len != b.len ||
	    memcmp(a.data, b.data, a.len) != 0) {
		fprintf(stderr, "round trip differs (%zu and %zu bytes)\n", a.len, b.len);
		abort();
	}
	/* The JSON form (custos parse) takes every parsed doc too. */
	buf_release(&b);
	buf_init(&b, MAIL_DOC_MAX_JSON);
	if (mail_doc_to_json(&doc, &b, &err) < 0) {
		fprintf(stderr, "to_json: %s\n", err.msg);
		abort();
	}
	/* The decoder on its own, with the input as an answer. The encoding
	 * is canonical: what it accepts, it writes back byte for byte. */
	if (mail_doc_decode(data, size, &back, &err) == 0) {
		buf_reset(&a);
		if (mail_doc_encode(&back, &a, &err) < 0 || a.len != size ||
		    memcmp(a.data, data, size) != 0) {
			fprintf(stderr, "an accepted answer is not written back as it was\n");
			abort();
		}
	}
	mail_doc_release(&doc);
	mail_doc_release(&back);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
