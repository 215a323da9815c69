/*
 * buf.h - a growable byte buffer with a required maximum.
 *
 * Invariants: data is NULL or points to cap bytes; len <= cap; len <= max;
 * when data != NULL, data[len] == '\0' (so text can be used as a C string;
 * binary content may hold NULs of its own). Growing beyond max fails with
 * ERR_LIMIT and leaves the buffer unchanged: nothing is ever silently cut.
 *
 * Lifecycle: buf_init() (no allocation) ... buf_release() (frees, reusable
 * after another buf_init()). buf_detach() hands the memory to the caller.
 */
#ifndef CUSTOS_CORE_BUF_H
#define CUSTOS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_UNLIMITED SIZE_MAX

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
/* Makes room for n more bytes (plus the terminating NUL). */
int buf_reserve(struct buf *b, size_t n, struct error *err);
int buf_append(struct buf *b, const void *p, size_t n, struct error *err);
int buf_append_str(struct buf *b, const char *s, struct error *err);
int buf_append_byte(struct buf *b, unsigned char c, struct error *err);
int buf_printf(struct buf *b, struct error *err, const char *fmt, ...) CUSTOS_PRINTF(3, 4);
int buf_vprintf(struct buf *b, struct error *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Big-endian fixed-width integers (on-disk and wire formats). */
int buf_put_u8(struct buf *b, uint8_t v, struct error *err);
int buf_put_u16be(struct buf *b, uint16_t v, struct error *err);
int buf_put_u32be(struct buf *b, uint32_t v, struct error *err);
int buf_put_u64be(struct buf *b, uint64_t v, struct error *err);
/* Returns the data (caller frees; never NULL) and re-initialises b. */
unsigned char *buf_detach(struct buf *b, size_t *len_r);
/* Returns the content as a C string (borrowed until the next change). */
const char *buf_cstr(const struct buf *b);

/* Big-endian readers for fixed-width fields of a byte array. */
uint16_t get_u16be(const unsigned char *p);
uint32_t get_u32be(const unsigned char *p);
uint64_t get_u64be(const unsigned char *p);
void put_u16be(unsigned char *p, uint16_t v);
void put_u32be(unsigned char *p, uint32_t v);
void put_u64be(unsigned char *p, uint64_t v);

#endif
