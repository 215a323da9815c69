/*
 * cmd_import.c - custos import: archive messages from files.
 *
 * Each message: sniff (is it mail at all?) -> parse in the sandboxed worker
 * -> archive_add; commits every import.batch_messages / batch_bytes and
 * signs a checkpoint at the end. One bad message never stops the batch:
 * input that is not mail is refused with a reason and counted; malformed
 * mail is archived raw and flagged. Exit status: 0 all archived, 3 some
 * inputs were refused (see the summary), 1 the archive itself failed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/utf8.h"
#include "intake/source.h"
#include "mail/mail.h"

#define MAX_LISTED_FAILURES 1000

struct import_run {
	struct archive *a;
	struct mail_worker *worker;
	const struct config *cfg;
	const char *label;
	int quiet, json;
	int cb_failed; /* the archive failed inside a callback */
	uint64_t seen, added, dup, failed, flagged;
	uint64_t bytes_in, bytes_stored, bytes_done, bytes_base;
	json_t *failures;
	struct progress bar;
};

static void note_failure(struct import_run *r, const char *origin, const char *why)
{
	r->failed++;
	if (json_array_size(r->failures) < MAX_LISTED_FAILURES) {
		/* File names and reasons quoting input need not be UTF-8. */
		char *o = utf8_sanitize(origin, strlen(origin)), *w = utf8_sanitize(why, strlen(why));
		json_array_append_new(r->failures, json_pack("{s:s, s:s}", "origin", o, "reason", w));
		free(o);
		free(w);
	}
	if (!r->json) {
		char safe[600];
		progress_finish(&r->bar);
		fprintf(stderr, "custos import: %s: %s\n", log_safe(safe, sizeof(safe), origin,
								     strlen(origin)),
			why);
	}
}

static void on_fail(void *ctx, const char *origin, const struct error *why)
{
	note_failure(ctx, origin, why->msg);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct import_run *r = ctx;
	r->bytes_done = r->bytes_base + done;
	progress_update(&r->bar, r->seen, r->bytes_done);
}

static int on_item(void *ctx, const struct source_item *item, struct error *err)
{
	struct import_run *r = ctx;
	struct error why = ERROR_INIT;
	r->seen++;
	if (mail_sniff(item->data, item->len, &why) < 0) {
		note_failure(r, item->origin, why.msg);
		return 0;
	}
	struct mail_doc doc;
	mail_doc_init(&doc);
	if (mail_worker_parse(r->worker, item->data, item->len, &doc, err) < 0) {
		mail_doc_release(&doc);
		r->cb_failed = 1;
		return -1;
	}
	struct archive_msg_in in = {
		item->data, item->len, &doc, "import", item->origin,
		r->label ? r->label : item->label,
	};
	struct archive_msg_out out;
	int rc = archive_add(r->a, &in, &out, err);
	if (rc == 0) {
		r->bytes_in += item->len;
		if (out.is_new) {
			r->added++;
			r->bytes_stored += out.stored_bytes;
			if (doc.flags != 0)
				r->flagged++;
		} else {
			r->dup++;
		}
		if ((int64_t)r->a->txn_messages >= r->cfg->import_batch_messages ||
		    (int64_t)r->a->txn_bytes >= r->cfg->import_batch_bytes)
			rc = archive_commit(r->a, 0, err);
	}
	mail_doc_release(&doc);
	progress_update(&r->bar, r->seen, r->bytes_done);
	if (rc < 0)
		r->cb_failed = 1;
	return rc;
}

CMD(import)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"label", required_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct import_run r;
	memset(&r, 0, sizeof(r));
	int c;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'j': r.json = 1; break;
		case 'l': r.label = optarg; break;
		case 'q': r.quiet = 1; break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		cli_usage(cli_find("import"), stderr);
		return 2;
	}
	if (cli_open_archive(cli, "import", 1, &r.a) < 0)
		return 1;
	struct error err = ERROR_INIT;
	struct mail_limits lim;
	mail_limits_init(&lim, &cli->cfg);
	r.cfg = &cli->cfg;
	r.failures = json_array();
	int rc = 1;
	if (mail_worker_start(&r.worker, cli->exe, &lim, &err) < 0)
		goto fail;
	uint64_t total = 0;
	for (int i = optind; i < argc; i++)
		total += source_total_bytes(argv[i]);
	progress_init(&r.bar, "import", total, !r.quiet && !r.json);
	double t0 = progress_now();
	struct source_opts so = {
		(uint64_t)cli->cfg.parse_max_message_size,
		(uint64_t)cli->cfg.import_max_mbox_size,
		NULL, NULL, on_progress,
	};
	for (int i = optind; i < argc; i++) {
		r.bytes_base = r.bytes_done;
		if (source_walk(argv[i], &so, on_item, on_fail, &r, &err) < 0) {
			if (r.cb_failed)
				goto fail;
			/* The path itself could not be opened: report, go on. */
			note_failure(&r, argv[i], err.msg);
			error_clear(&err);
		}
	}
	if (archive_commit(r.a, 1, &err) < 0)
		goto fail;
	progress_finish(&r.bar);
	double secs = progress_now() - t0;
	if (r.json) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:O}", "new",
				      (json_int_t)r.added, "duplicate", (json_int_t)r.dup, "failed",
				      (json_int_t)r.failed, "flagged", (json_int_t)r.flagged,
				      "bytes_in", (json_int_t)r.bytes_in, "bytes_stored",
				      (json_int_t)r.bytes_stored, "seconds", secs, "failures",
				      r.failures);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else if (!r.quiet) {
		printf("imported %" PRIu64 " message(s) in %.1f s (%.0f msg/s): %" PRIu64
		       " new, %" PRIu64 " duplicate, %" PRIu64 " failed, %" PRIu64 " flagged\n"
		       "bytes in %.1f MB, stored %.1f MB for the new messages\n",
		       r.seen, secs, secs > 0 ? (double)r.seen / secs : 0.0, r.added, r.dup, r.failed,
		       r.flagged, (double)r.bytes_in / 1048576.0,
		       (double)r.bytes_stored / 1048576.0);
	}
	rc = r.failed ? 3 : 0;
fail:
	progress_finish(&r.bar);
	if (rc == 1) {
		cli_fail("import", &err);
		if (r.added)
			fprintf(stderr,
				"custos import: messages committed before the error are archived; "
				"re-running the same import adds nothing twice\n");
	}
	mail_worker_stop(r.worker);
	json_decref(r.failures);
	archive_close(r.a);
	return rc;
}
