/*
 * cmd_parse.c - custos parse FILE: the sandboxed parse worker's view of one
 * message, as the JSON document the archive would index (a debugging aid);
 * and custos parse-worker, the worker's own entry point (started by
 * mail_worker_start(), never by hand: it reads framed requests on stdin).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "mail/mail.h"

CMD(parse)
{
	struct error err = ERROR_INIT;
	struct mail_limits lim;
	struct mail_worker *w = NULL;
	struct mail_doc doc;
	struct buf out;
	unsigned char *map = NULL;
	size_t n = 0;
	int fd = -1, rc = 1;
	mail_doc_init(&doc);
	buf_init(&out, MAIL_DOC_MAX_JSON);
	if (argc != 2 || argv[1][0] == '-') {
		cli_usage(cli_find("parse"), stderr);
		return 2;
	}
	const char *path = argv[1];
	struct stat st;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_errno(&err, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(&err, ERR_USAGE, "%s: not a regular file", path);
		goto fail;
	}
	n = (size_t)st.st_size;
	if (n > 0) {
		/* Mapped, not read: a message larger than the limits costs no
		 * memory (the worker only gets its header section then). */
		map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			error_errno(&err, "%s: mmap", path);
			goto fail;
		}
	}
	if (mail_sniff(map != NULL ? map : (const unsigned char *)"", n, &err) < 0) {
		error_prefix(&err, "%s: not a message", path);
		goto fail;
	}
	mail_limits_init(&lim, &cli->cfg);
	if (mail_worker_start(&w, cli->exe, &lim, &err) < 0 ||
	    mail_worker_parse(w, map, n, &doc, &err) < 0 || mail_doc_to_json(&doc, &out, &err) < 0)
		goto fail;
	if (buf_append_byte(&out, '\n', &err) < 0)
		goto fail;
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		error_errno(&err, "stdout");
		goto fail;
	}
	rc = 0;
fail:
	if (rc != 0)
		cli_fail("parse", &err);
	mail_worker_stop(w);
	mail_doc_release(&doc);
	buf_release(&out);
	if (map != NULL)
		munmap(map, n);
	if (fd >= 0)
		close(fd);
	return rc;
}

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

CMD(parse_worker)
{
	static const struct option opts[] = {
	    {"max-message-size", required_argument, NULL, 's'},
	    {"max-depth", required_argument, NULL, 'd'},
	    {"max-parts", required_argument, NULL, 'p'},
	    {"max-header-bytes", required_argument, NULL, 'h'},
	    {"timeout", required_argument, NULL, 't'},
	    {"memory", required_argument, NULL, 'm'},
	    {"recycle-after", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct mail_limits lim;
	mail_limits_init(&lim, &cli->cfg);
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned long long v;
		const char *name = NULL;
		for (const struct option *o = opts; o->name != NULL; o++)
			if (o->val == c)
				name = o->name;
		if (name == NULL) /* getopt has said what is wrong */
			return 2;
		if (number(name, optarg, c == 'm' ? 0 : 1,
			   c == 'd' || c == 'p' || c == 't' || c == 'r' ? UINT32_MAX : UINT64_MAX,
			   &v) < 0)
			return 2;
		switch (c) {
		case 's':
			lim.max_message_size = v;
			break;
		case 'd':
			lim.max_depth = (uint32_t)v;
			break;
		case 'p':
			lim.max_parts = (uint32_t)v;
			break;
		case 'h':
			lim.max_header_bytes = v;
			break;
		case 't':
			lim.timeout_s = (uint32_t)v;
			break;
		case 'm':
			lim.memory = v;
			break;
		default:
			lim.recycle_after = (uint32_t)v;
			break;
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
