/*
 * xalloc.h - allocation that does not return on failure.
 *
 * custos treats running out of memory for its own bookkeeping as fatal (the
 * process is restarted by its supervisor; nothing acknowledged is lost since
 * acknowledgement follows fsync). Sizes controlled by input are checked
 * against configured limits *before* they reach these functions.
 */
#ifndef CUSTOS_CORE_XALLOC_H
#define CUSTOS_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), nonnull(1)));

#endif
