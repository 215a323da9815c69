/*
 * utf8.h - UTF-8 validation and repair for text that reaches JSON, logs or
 * the database from untrusted sources (file names, reasons quoting input).
 */
#ifndef CUSTOS_CORE_UTF8_H
#define CUSTOS_CORE_UTF8_H

#include <stddef.h>

/* 1 if p[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF) without NUL bytes, else 0. */
int utf8_valid(const char *p, size_t n);
/* A copy of p[0..n) with every invalid sequence and NUL replaced by U+FFFD
 * (caller frees). */
char *utf8_sanitize(const char *p, size_t n);

#endif
