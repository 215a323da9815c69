/*
 * err.h - the error type every fallible custos function reports through.
 *
 * Fallible functions return int (0 ok / -1 error, or 1 item / 0 need-more /
 * -1 error for streaming parsers) and fill a caller-supplied struct error.
 * The message is for humans; 'code' is a small stable number for programs.
 * The text is bounded: a message longer than the buffer ends in "..." (it
 * is a diagnostic, never data, so a visible cut is acceptable here).
 */
#ifndef CUSTOS_CORE_ERR_H
#define CUSTOS_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum err_code {
	ERR_NONE = 0,
	ERR_INTERNAL,  /* a bug or an impossible state: still a safe branch */
	ERR_IO,        /* the OS said no (errno in the message) */
	ERR_NOMEM,     /* an allocation failed */
	ERR_LIMIT,     /* input exceeded a configured limit */
	ERR_INVALID,   /* input is malformed */
	ERR_NOTFOUND,  /* the thing asked for does not exist */
	ERR_EXISTS,    /* refusing to overwrite */
	ERR_CORRUPT,   /* stored data failed an integrity check */
	ERR_CRYPTO,    /* decryption, signature or key failure */
	ERR_USAGE,     /* wrong command-line or API usage */
};

struct error {
	enum err_code code;
	char msg[512];
};

#define ERROR_INIT {ERR_NONE, {0}}

#if defined(__GNUC__)
#define CUSTOS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CUSTOS_PRINTF(a, b)
#endif

/* Sets err (if not NULL) to code and a formatted message; always returns -1
 * so that 'return error_set(err, ...)' reads naturally. */
int error_set(struct error *err, enum err_code code, const char *fmt, ...) CUSTOS_PRINTF(3, 4);

/* error_set with a va_list. */
int error_vset(struct error *err, enum err_code code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like error_set, appending ": strerror(errno)" (errno read on entry). */
int error_errno(struct error *err, const char *fmt, ...) CUSTOS_PRINTF(2, 3);

/* Prepends "prefix: " to an already set message; returns -1. */
int error_prefix(struct error *err, const char *fmt, ...) CUSTOS_PRINTF(2, 3);

void error_clear(struct error *err);

/* A short stable name for a code ("io", "limit", ...). */
const char *error_code_name(enum err_code code);

#endif
