/*
 * progress.h - a one-line progress bar on a terminal (stderr): percentage,
 * items, megabytes, items per second and ETA. Silent when stderr is not a
 * terminal or when disabled, so scripts and logs stay clean.
 */
#ifndef CUSTOS_CORE_PROGRESS_H
#define CUSTOS_CORE_PROGRESS_H

#include <stdint.h>

struct progress {
	int enabled;
	const char *label;
	uint64_t total_bytes; /* 0: unknown (no percentage / ETA) */
	double start;
	double last_draw;
};

void progress_init(struct progress *p, const char *label, uint64_t total_bytes, int enabled);
void progress_update(struct progress *p, uint64_t items, uint64_t bytes);
/* Clears the line. */
void progress_finish(struct progress *p);
/* Monotonic seconds. */
double progress_now(void);

#endif
