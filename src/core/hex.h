/*
 * hex.h - lowercase hex encoding and decoding of byte strings.
 */
#ifndef CUSTOS_CORE_HEX_H
#define CUSTOS_CORE_HEX_H

#include <stddef.h>

/* Writes 2n hex digits and a NUL to out (which holds 2n+1 bytes). */
void hex_encode(char *out, const unsigned char *p, size_t n);
/* The value of one hex digit (either case), or -1. */
int hex_nibble(int c);
/* Decodes exactly 2n hex digits from s into out; -1 if s is not that. */
int hex_decode(unsigned char *out, size_t n, const char *s);

#endif
