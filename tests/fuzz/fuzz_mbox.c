/*
 * fuzz_mbox.c - fuzz target for the mbox splitter (src/intake/mbox.c).
 *
 * Input: byte 0-1 seed the chunk sizes, byte 2 picks max_message_size, the
 * rest is the mbox stream. The stream is split three times: in one piece,
 * byte by byte, and in pseudo-random chunks; the three results (messages
 * with offsets and env_from, and failures) must be identical. Each message
 * must also respect the invariants the splitter promises: non-empty, at
 * most max_message_size bytes, offsets increasing and inside the stream,
 * env_from printable and at most 255 bytes, and the messages together no
 * larger than the stream (unquoting only removes bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intake/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct record {
	unsigned char *p;
	size_t len, cap;
	uint64_t max, in_len, sum, last_off;
	int have_last;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static void put(struct record *r, const void *p, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		while (cap < r->len + n)
			cap *= 2;
		r->p = realloc(r->p, cap);
		check(r->p != NULL);
		r->cap = cap;
	}
	memcpy(r->p + r->len, p, n);
	r->len += n;
}

static int on_message(void *ctx, const struct mbox_message *m, struct error *err)
{
	(void)err;
	struct record *r = ctx;
	check(m->len > 0 && m->len <= r->max);
	check(m->offset < r->in_len);
	check(!r->have_last || m->offset > r->last_off);
	r->last_off = m->offset;
	r->have_last = 1;
	r->sum += m->len;
	check(r->sum <= r->in_len);
	size_t envlen = 0;
	if (m->env_from != NULL) {
		envlen = strlen(m->env_from);
		check(envlen > 0 && envlen <= 255);
		for (size_t i = 0; i < envlen; i++)
			check((unsigned char)m->env_from[i] >= 0x20 && m->env_from[i] != 0x7f);
	}
	put(r, "M", 1);
	put(r, &m->offset, sizeof(m->offset));
	put(r, &envlen, sizeof(envlen));
	if (envlen)
		put(r, m->env_from, envlen);
	put(r, &m->len, sizeof(m->len));
	put(r, m->data, m->len);
	return 0;
}

static void on_fail(void *ctx, const char *origin, const struct error *why)
{
	struct record *r = ctx;
	size_t n = strlen(origin);
	put(r, "F", 1);
	put(r, &n, sizeof(n));
	put(r, origin, n);
	put(r, &why->code, sizeof(why->code));
}

/* Splits p[0..n) in chunks: 0 = one piece, 1 = byte by byte, else random
 * sizes from seed. */
static void split(const uint8_t *p, size_t n, uint64_t max, int mode, uint32_t seed,
		  struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
	r->in_len = n;
	struct error err = ERROR_INIT;
	struct mbox_splitter *s = mbox_new(max, on_message, on_fail, r, "f");
	size_t i = 0;
	uint32_t x = seed | 1;
	while (i < n) {
		size_t k = n - i;
		if (mode == 1) {
			k = 1;
		} else if (mode == 2) {
			x ^= x << 13; /* xorshift32 */
			x ^= x >> 17;
			x ^= x << 5;
			size_t c = (x & 3) == 0 ? 1 + (x >> 8) % 4096 : 1 + (x >> 8) % 67;
			if (c < k)
				k = c;
		}
		check(mbox_feed(s, p + i, k, &err) == 0);
		i += k;
	}
	check(mbox_finish(s, &err) == 0);
	mbox_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint32_t seed = (uint32_t)data[0] << 8 | data[1];
	static const uint64_t maxes[] = {1, 7, 64, 300, 4096, 0};
	uint64_t max = maxes[data[2] % (sizeof(maxes) / sizeof(maxes[0]))];
	const uint8_t *p = data + 3;
	size_t n = size - 3;
	(void)mbox_sniff(p, n);

	struct record a, b, c;
	split(p, n, max ? max : SOURCE_DEFAULT_MAX_MESSAGE, 0, seed, &a);
	split(p, n, max ? max : SOURCE_DEFAULT_MAX_MESSAGE, 1, seed, &b);
	split(p, n, max ? max : SOURCE_DEFAULT_MAX_MESSAGE, 2, seed, &c);
	check(a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0));
	check(a.len == c.len && (a.len == 0 || memcmp(a.p, c.p, a.len) == 0));
	free(a.p);
	free(b.p);
	free(c.p);
	return 0;
}
