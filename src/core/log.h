/*
 * log.h - leveled logging to stderr (later also syslog).
 *
 * Never log secrets: keys, passwords, message bodies. Values that come from
 * input are logged through log_safe(), which escapes control bytes so a
 * hostile header cannot forge log lines.
 */
#ifndef CUSTOS_CORE_LOG_H
#define CUSTOS_CORE_LOG_H

#include <stddef.h>

#include "core/err.h"

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

void log_set_level(enum log_level lvl);
void log_set_ident(const char *ident);
void log_msg(enum log_level lvl, const char *fmt, ...) CUSTOS_PRINTF(2, 3);
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

/* Copies at most n bytes of s into out (size cap) with control bytes and
 * non-UTF-8 escaped as \xNN; returns out. A longer input ends in "...". */
char *log_safe(char *out, size_t cap, const char *s, size_t n);

#endif
