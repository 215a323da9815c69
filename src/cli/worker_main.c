/*
 * worker_main.c - custos-worker, the sandboxed parse worker (src/mail/).
 *
 * A separate executable from custos so that the code and the libraries
 * which parse hostile input (GMime, libxml2, libarchive, poppler) are
 * neither loaded into the processes that hold keys and the database nor
 * paid for at every custos start-up. The parent finds it next to its own
 * binary, or as $CUSTOS_WORKER (cli_worker_exe()). Options: one per field
 * of struct mail_limits; the protocol is doc/formats/worker.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "mail/mail.h"

/* A decimal option value within [min, max]. */
static int number(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *v_r)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "custos parse-worker: --%s: bad value '%s'\n", opt, s);
		return -1;
	}
	*v_r = v;
	return 0;
}

/* The worker's options: one per field of struct mail_limits. */
static const struct {
	const char *name;
	size_t offset;
	int is32;
	unsigned long long min;
} worker_opts[] = {
#define LIM(name, field, is32, min)                                                                \
	{                                                                                          \
		name, offsetof(struct mail_limits, field), is32, min                               \
	}
    LIM("max-message-size", max_message_size, 0, 1),
    LIM("max-depth", max_depth, 1, 1),
    LIM("max-parts", max_parts, 1, 1),
    LIM("max-header-bytes", max_header_bytes, 0, 1),
    LIM("timeout", timeout_s, 1, 1),
    LIM("memory", memory, 0, 0),
    LIM("recycle-after", recycle_after, 1, 1),
    LIM("max-text-size", max_text_size, 0, 0),
    LIM("max-attachment-text", max_attachment_text, 0, 0),
    LIM("max-extract-input", max_extract_input, 0, 0),
    LIM("zip-max-members", zip_max_members, 1, 0),
    LIM("zip-max-ratio", zip_max_ratio, 1, 0),
    LIM("zip-max-size", zip_max_size, 0, 0),
    LIM("extract-time", extract_time_s, 1, 0),
#undef LIM
};
#define N_WORKER_OPTS (sizeof(worker_opts) / sizeof(worker_opts[0]))

int main(int argc, char **argv)
{
	/* Started by mail_worker_start() as `custos-worker parse-worker
	 * --max-... N ...`, never by hand: it reads framed requests on stdin. */
	if (argc < 2 || strcmp(argv[1], "parse-worker") != 0) {
		fprintf(stderr, "custos-worker: the parse worker of custos (started by custos "
				"itself; see doc/formats/worker.md)\n");
		return 2;
	}
	argc--;
	argv++;
	struct option opts[N_WORKER_OPTS + 1];
	for (size_t i = 0; i < N_WORKER_OPTS; i++)
		opts[i] = (struct option){worker_opts[i].name, required_argument, NULL, (int)i + 1};
	opts[N_WORKER_OPTS] = (struct option){NULL, 0, NULL, 0};
	struct config cfg;
	struct mail_limits lim;
	config_defaults(&cfg);
	mail_limits_init(&lim, &cfg);
	config_release(&cfg);
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned long long v;
		if (c < 1 || (size_t)c > N_WORKER_OPTS) /* getopt has said what is wrong */
			return 2;
		size_t i = (size_t)c - 1;
		if (number(worker_opts[i].name, optarg, worker_opts[i].min,
			   worker_opts[i].is32 ? UINT32_MAX : UINT64_MAX, &v) < 0)
			return 2;
		char *field = (char *)&lim + worker_opts[i].offset;
		if (worker_opts[i].is32) {
			uint32_t v32 = (uint32_t)v;
			memcpy(field, &v32, sizeof(v32));
		} else {
			uint64_t v64 = v;
			memcpy(field, &v64, sizeof(v64));
		}
	}
	if (optind != argc) {
		fprintf(stderr, "custos parse-worker: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* _exit: nothing to flush (answers go straight to fd 1), and the
	 * exit-time LeakSanitizer cannot run under the seccomp filter. */
	_exit(mail_worker_main(STDIN_FILENO, STDOUT_FILENO, &lim));
}
