/*
 * fuzz_segment.c - the segment reader on arbitrary bytes: the segment
 * header, then records walked by their lengths as `custos verify` walks
 * them, each payload given to the AEAD (which must reject it: the key is
 * not the writer's). Nothing may read out of bounds or loop forever.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		cry_init(NULL);
		init = 1;
	}
	struct error err = ERROR_INIT;
	int64_t id = 0;
	if (store_segment_header_parse(data, size, &id, &err) < 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	unsigned char key[CRYPTO_KEY_LEN] = {0};
	uint64_t off = STORE_SEGMENT_HEADER_LEN;
	unsigned steps = 0;
	while (off < size && steps++ < 100000) {
		struct store_record r;
		if (size - off < STORE_RECORD_HEADER_LEN ||
		    store_record_parse(data + off, off, size, &r, &err) < 0)
			break;
		if (off + r.rec_len > size || r.rec_len < STORE_RECORD_HEADER_LEN)
			abort(); /* the parser promised the record fits */
		const unsigned char *payload = data + off + STORE_RECORD_HEADER_LEN;
		unsigned char *out = malloc((size_t)r.payload_len);
		size_t got = 0;
		if (out != NULL && cry_aead_open(r.aead_alg, key, data + off,
						 STORE_RECORD_HEADER_LEN, payload,
						 (size_t)r.payload_len, out, &got, &err) == 0)
			abort(); /* forged without the key */
		free(out);
		off += r.rec_len;
	}
	return 0;
}
