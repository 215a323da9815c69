/*
 * progress.c - see progress.h. Redraws at most 10 times a second.
 */
#include "core/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, const char *label, uint64_t total_bytes, int enabled)
{
	p->enabled = enabled && isatty(2);
	p->label = label;
	p->total_bytes = total_bytes;
	p->start = progress_now();
	p->last_draw = 0;
}

void progress_update(struct progress *p, uint64_t items, uint64_t bytes)
{
	if (!p->enabled)
		return;
	double now = progress_now();
	if (now - p->last_draw < 0.1)
		return;
	p->last_draw = now;
	double el = now - p->start > 1e-6 ? now - p->start : 1e-6;
	double rate = (double)items / el, mb = (double)bytes / 1048576.0;
	char bar[23] = "[....................]";
	int pct = -1;
	char eta[32] = "";
	if (p->total_bytes > 0) {
		pct = (int)(100.0 * (double)bytes / (double)p->total_bytes);
		pct = pct > 100 ? 100 : pct;
		for (int i = 0; i < pct / 5; i++)
			bar[1 + i] = '=';
		if (bytes > 0 && bytes < p->total_bytes) {
			double left = el * (double)(p->total_bytes - bytes) / (double)bytes;
			snprintf(eta, sizeof(eta), " ETA %d:%02d", (int)left / 60, (int)left % 60);
		}
	}
	if (pct >= 0)
		fprintf(stderr, "\r%s %s %3d%% %llu msgs %.1f MB %.0f msg/s%s\033[K", p->label, bar,
			pct, (unsigned long long)items, mb, rate, eta);
	else
		fprintf(stderr, "\r%s %llu msgs %.1f MB %.0f msg/s\033[K", p->label,
			(unsigned long long)items, mb, rate);
	fflush(stderr);
}

void progress_finish(struct progress *p)
{
	if (p->enabled) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
