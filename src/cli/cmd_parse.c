/*
 * cmd_parse.c - custos parse [--text] FILE: the sandboxed parse worker's
 * view of one message, as the JSON document the archive would index, or
 * with --text as readable text (headers, body, each attachment's outcome,
 * members and text) for a human to check the decoding (a debugging aid).
 * The worker itself is the separate executable custos-worker
 * (worker_main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "mail/mail.h"

/* The doc for a human: metadata lines, then the body, then attachments. */
static int print_text(const struct mail_doc *doc, FILE *out)
{
	fprintf(out, "Subject: %s\n", doc->subject != NULL ? doc->subject : "");
	for (size_t i = 0; i < doc->from.n; i++)
		fprintf(out, doc->from.v[i].name != NULL ? "From: %s <%s>\n" : "From: %s%s\n",
			doc->from.v[i].name != NULL ? doc->from.v[i].name : "",
			doc->from.v[i].addr);
	fprintf(out, "Flags: %u", doc->flags);
	for (uint32_t bit = 1; bit != 0; bit <<= 1)
		if ((doc->flags & bit) && mail_flag_name(bit) != NULL)
			fprintf(out, " %s", mail_flag_name(bit));
	fprintf(out, "\n");
	if (doc->header_charset != NULL)
		fprintf(out, "Header charset (guessed): %s\n", doc->header_charset);
	if (doc->error != NULL)
		fprintf(out, "Notes: %s\n", doc->error);
	fprintf(out, "\n=== body ===\n%s\n", doc->body != NULL ? doc->body : "");
	for (size_t i = 0; i < doc->n_att; i++) {
		const struct mail_attachment *a = &doc->att[i];
		fprintf(out, "\n=== attachment %zu: %s (%s, %llu bytes): %s ===\n", i + 1,
			a->filename != NULL ? a->filename : "(no name)", a->content_type,
			(unsigned long long)a->size, a->extract != NULL ? a->extract : "-");
		for (size_t k = 0; k < a->n_members; k++)
			fprintf(out, "member: %s\n", a->members[k]);
		if (a->text != NULL)
			fprintf(out, "%s\n", a->text);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

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
	int text = argc == 3 && strcmp(argv[1], "--text") == 0;
	if (argc != 2 + text || argv[1 + text][0] == '-') {
		cli_usage(cli_find("parse"), stderr);
		return 2;
	}
	const char *path = argv[1 + text];
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
	if (mail_worker_start(&w, cli_worker_exe(cli), &lim, &err) < 0 ||
	    mail_worker_parse(w, map, n, &doc, &err) < 0)
		goto fail;
	if (text) {
		if (print_text(&doc, stdout) < 0) {
			error_errno(&err, "stdout");
			goto fail;
		}
		rc = 0;
		goto fail;
	}
	if (mail_doc_to_json(&doc, &out, &err) < 0)
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
