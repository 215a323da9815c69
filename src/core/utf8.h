/*
 * utf8.h - UTF-8 validation and repair for text that reaches JSON, logs or
 * the database from untrusted sources (file names, reasons quoting input).
 */
#ifndef CUSTOS_CORE_UTF8_H
#define CUSTOS_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at p[0..n): its length (1..4) and, if cp_r is not
 * NULL, its code point; 0 if no valid sequence starts there (n == 0,
 * overlong forms, surrogates, values above U+10FFFF, truncation). NUL is
 * a valid one-byte sequence here. The one UTF-8 decoder of custos. */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r);
/* Writes the UTF-8 form of cp (at most U+10FFFF; the caller ensures it)
 * to d, which has room for 4 bytes; returns its length (1..4). The one
 * UTF-8 encoder of custos. */
size_t utf8_encode(unsigned char *d, uint32_t cp);
/* 1 if p[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF) without NUL bytes, else 0. */
int utf8_valid(const char *p, size_t n);
/* A copy of p[0..n) with every invalid sequence and NUL replaced by U+FFFD
 * (caller frees). */
char *utf8_sanitize(const char *p, size_t n);

#endif
