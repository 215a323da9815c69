/*
 * err.c - formatting of struct error. See err.h.
 */
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void mark_cut(char *msg, size_t cap, int n)
{
	if (n >= 0 && (size_t)n >= cap && cap > 4)
		memcpy(msg + cap - 4, "...", 4);
}

int error_vset(struct error *err, enum err_code code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	mark_cut(err->msg, sizeof(err->msg), n);
	err->code = code;
	return -1;
}

int error_set(struct error *err, enum err_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int error_errno(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	if (err == NULL)
		return -1;
	char head[384];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	mark_cut(head, sizeof(head), n);
	return error_set(err, saved == ENOMEM ? ERR_NOMEM : ERR_IO, "%s: %s", head,
			 strerror(saved));
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	char head[256], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	mark_cut(head, sizeof(head), n);
	memcpy(old, err->msg, sizeof(old));
	n = snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
	mark_cut(err->msg, sizeof(err->msg), n);
	return -1;
}

void error_clear(struct error *err)
{
	if (err == NULL)
		return;
	err->code = ERR_NONE;
	err->msg[0] = '\0';
}

const char *error_code_name(enum err_code code)
{
	switch (code) {
	case ERR_NONE: return "none";
	case ERR_INTERNAL: return "internal";
	case ERR_IO: return "io";
	case ERR_NOMEM: return "nomem";
	case ERR_LIMIT: return "limit";
	case ERR_INVALID: return "invalid";
	case ERR_NOTFOUND: return "notfound";
	case ERR_EXISTS: return "exists";
	case ERR_CORRUPT: return "corrupt";
	case ERR_CRYPTO: return "crypto";
	case ERR_USAGE: return "usage";
	}
	return "unknown";
}
