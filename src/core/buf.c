/*
 * buf.c - bounded growable buffer. See buf.h for the invariants.
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t n, struct error *err)
{
	if (n > b->max - b->len)
		return error_set(err, ERR_LIMIT, "buffer limit of %zu bytes exceeded", b->max);
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	b->data[b->len] = '\0'; /* the invariant holds from the first allocation */
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n, struct error *err)
{
	if (buf_reserve(b, n, err) < 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_append_str(struct buf *b, const char *s, struct error *err)
{
	return buf_append(b, s, strlen(s), err);
}

int buf_append_byte(struct buf *b, unsigned char c, struct error *err)
{
	return buf_append(b, &c, 1, err);
}

int buf_vprintf(struct buf *b, struct error *err, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char probe[1];
	int n = vsnprintf(probe, sizeof(probe), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return error_set(err, ERR_INTERNAL, "bad format string");
	if (buf_reserve(b, (size_t)n, err) < 0)
		return -1;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, struct error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(b, err, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_put_u8(struct buf *b, uint8_t v, struct error *err)
{
	return buf_append(b, &v, 1, err);
}

int buf_put_u16be(struct buf *b, uint16_t v, struct error *err)
{
	unsigned char p[2];
	put_u16be(p, v);
	return buf_append(b, p, sizeof(p), err);
}

int buf_put_u32be(struct buf *b, uint32_t v, struct error *err)
{
	unsigned char p[4];
	put_u32be(p, v);
	return buf_append(b, p, sizeof(p), err);
}

int buf_put_u64be(struct buf *b, uint64_t v, struct error *err)
{
	unsigned char p[8];
	put_u64be(p, v);
	return buf_append(b, p, sizeof(p), err);
}

unsigned char *buf_detach(struct buf *b, size_t *len_r)
{
	if (b->data == NULL) {
		b->data = xmalloc(1);
		b->data[0] = '\0';
	}
	unsigned char *p = b->data;
	if (len_r != NULL)
		*len_r = b->len;
	buf_init(b, b->max);
	return p;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

uint16_t get_u16be(const unsigned char *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t get_u32be(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t get_u64be(const unsigned char *p)
{
	return (uint64_t)get_u32be(p) << 32 | get_u32be(p + 4);
}

void put_u16be(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

void put_u32be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void put_u64be(unsigned char *p, uint64_t v)
{
	put_u32be(p, (uint32_t)(v >> 32));
	put_u32be(p + 4, (uint32_t)v);
}
