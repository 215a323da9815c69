/*
 * worker_main.c - custos-worker, the sandboxed parse worker (src/mail/).
 *
 * A separate executable from custos so that the code and the libraries
 * which parse hostile input (GMime, libxml2, libarchive, poppler) are
 * neither loaded into the processes that hold keys and the database nor
 * paid for at every custos start-up. The parent finds it next to its own
 * binary, or as $CUSTOS_WORKER (cli_worker_exe()). Options: one per field
 * of struct mail_limits (mail_limit_opts, src/mail/worker.c); the
 * protocol is doc/formats/worker.md.
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
	struct option opts[MAIL_N_LIMIT_OPTS + 1];
	for (size_t i = 0; i < MAIL_N_LIMIT_OPTS; i++)
		opts[i] =
		    (struct option){mail_limit_opts[i].name, required_argument, NULL, (int)i + 1};
	opts[MAIL_N_LIMIT_OPTS] = (struct option){NULL, 0, NULL, 0};
	struct config cfg;
	struct mail_limits lim;
	config_defaults(&cfg);
	mail_limits_init(&lim, &cfg);
	config_release(&cfg);
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned long long v;
		if (c < 1 || (size_t)c > MAIL_N_LIMIT_OPTS) /* getopt has said what is wrong */
			return 2;
		size_t i = (size_t)c - 1;
		if (number(mail_limit_opts[i].name, optarg, mail_limit_opts[i].min,
			   mail_limit_opts[i].is32 ? UINT32_MAX : UINT64_MAX, &v) < 0)
			return 2;
		mail_limit_set(&lim, i, v);
	}
	if (optind != argc) {
		fprintf(stderr, "custos parse-worker: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* _exit: nothing to flush (answers go straight to fd 1), and the
	 * exit-time LeakSanitizer cannot run under the seccomp filter. */
	_exit(mail_worker_main(STDIN_FILENO, STDOUT_FILENO, &lim));
}
