/*
 * fuzz_wire.c - fuzz target for the parent's trust boundary: the decoder of
 * the parse worker's binary answer (src/mail/wire.c, doc/formats/worker.md).
 *
 * Input: the bytes a (compromised) worker might send. Whatever it is, the
 * decoder must not crash or over-allocate; an answer it accepts must encode
 * back to exactly the same bytes (the encoding has one form per document)
 * and must be printable as JSON (every accepted string is valid UTF-8).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_doc d;
	struct error err = ERROR_INIT;
	struct buf b;
	mail_doc_init(&d);
	buf_init(&b, MAIL_DOC_MAX_WIRE);
	if (mail_doc_decode(data, size, &d, &err) == 0) {
		if (mail_doc_encode(&d, &b, &err) < 0 || b.len != size ||
		    (size > 0 && memcmp(b.data, data, size) != 0))
			abort();
		buf_reset(&b);
		if (mail_doc_to_json(&d, &b, &err) < 0)
			abort();
	}
	mail_doc_release(&d);
	buf_release(&b);
	return 0;
}
