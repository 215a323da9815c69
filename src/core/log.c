/*
 * log.c - see log.h.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_LVL_INFO;
static const char *ident = "custos";

void log_set_level(enum log_level lvl)
{
	min_level = lvl;
}

void log_set_ident(const char *id)
{
	ident = id;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warning", "error"};
	if (lvl < min_level)
		return;
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s[%ld]: %s: ", ident, (long)getpid(), names[lvl]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	(void)!write(2, line, len);
}

char *log_safe(char *out, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (cap == 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c < 0x20 || c == 0x7f || c == '\\') ? 4 : 1;
		if (o + need + 4 > cap) {
			if (cap >= 4) {
				o = o < cap - 4 ? o : cap - 4;
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 4) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}
