/*
 * cmd_import.c - custos import: archive messages from files.
 *
 * Each message: sniff (is it mail at all?) -> parse in the sandboxed worker
 * -> archive_add; commits every import.batch_messages / batch_bytes and
 * signs a checkpoint at the end. One bad message never stops the batch:
 * input that is not mail is refused with a reason and counted; malformed
 * mail is archived raw and flagged. Exit status: 0 all archived, 3 some
 * inputs were refused (see the summary), 1 the archive itself failed.
 *
 * Pipeline: a pool of parse workers (parse.workers) parses the next
 * messages while this process archives the oldest one; documents come back
 * in input order, so archive_add runs in walk order. The walker's bytes are
 * borrowed only during its callback: the pool copies each message. Messages
 * over IMPORT_COPY_MAX are not copied: the pipeline is drained and they go
 * through synchronously. If the walk stops on an error, the messages in
 * flight are abandoned with the uncommitted batch, exactly as messages not
 * yet read would be: re-running the import adds them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "intake/source.h"
#include "mail/mail.h"

#define MAX_LISTED_FAILURES 1000
/* Larger messages bypass the pipeline rather than being copied. */
#define IMPORT_COPY_MAX (16u << 20)

/* What travels with a message through the pool besides its bytes. */
struct import_meta {
	char *origin;
	char *label;    /* NULL: none */
	char *env_from; /* mbox From_ sender, or NULL */
};

struct import_run {
	struct archive *a;
	struct mail_pool *pool;
	const struct config *cfg;
	const char *label;
	int quiet, json;
	int cb_failed; /* the archive failed inside a callback */
	uint64_t seen, added, dup, failed, flagged;
	uint64_t bytes_in, bytes_stored, bytes_done, bytes_base;
	json_t *failures;
	struct progress bar;
};

static void meta_free(struct import_meta *m)
{
	if (m == NULL)
		return;
	free(m->origin);
	free(m->label);
	free(m->env_from);
	free(m);
}

static void meta_free_tag(void *tag)
{
	meta_free(tag);
}

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

/* archive_add with the counters and the batch commit; the caller releases
 * doc. */
static int archive_one(struct import_run *r, const unsigned char *data, size_t len,
		       const struct mail_doc *doc, const char *origin, const char *label,
		       const char *env_from, struct error *err)
{
	struct archive_msg_in in = {
		.data = data, .len = len, .doc = doc, .source = "import",
		.origin = origin, .label = label, .env_from = env_from,
	};
	struct archive_msg_out out;
	int rc = archive_add(r->a, &in, &out, err);
	if (rc == 0) {
		r->bytes_in += len;
		if (out.is_new) {
			r->added++;
			r->bytes_stored += out.stored_bytes;
			if (doc->flags != 0)
				r->flagged++;
		} else {
			r->dup++;
		}
		if ((int64_t)r->a->txn_messages >= r->cfg->import_batch_messages ||
		    (int64_t)r->a->txn_bytes >= r->cfg->import_batch_bytes)
			rc = archive_commit(r->a, 0, err);
	}
	progress_update(&r->bar, r->seen, r->bytes_done);
	return rc;
}

/* Collects the oldest message in flight and archives it; the workers go
 * on with the others meanwhile. */
static int archive_oldest(struct import_run *r, struct error *err)
{
	struct mail_doc doc;
	struct mail_pool_item it = {0};
	mail_doc_init(&doc);
	int rc = mail_pool_collect(r->pool, &doc, &it, err);
	struct import_meta *m = it.tag;
	if (rc == 0)
		rc = archive_one(r, it.data, it.len, &doc, m->origin, m->label, m->env_from, err);
	meta_free(m);
	mail_doc_release(&doc);
	return rc;
}

/* Archives every message in flight. */
static int drain(struct import_run *r, struct error *err)
{
	while (mail_pool_in_flight(r->pool) > 0)
		if (archive_oldest(r, err) < 0)
			return -1;
	return 0;
}

/* A message too large to copy: drained pipeline, then parsed and archived
 * from the walker's bytes. */
static int import_direct(struct import_run *r, const struct source_item *item, const char *label,
			 struct error *err)
{
	if (drain(r, err) < 0)
		return -1;
	struct mail_doc doc;
	mail_doc_init(&doc);
	int rc = mail_pool_parse(r->pool, item->data, item->len, &doc, err);
	if (rc == 0)
		rc = archive_one(r, item->data, item->len, &doc, item->origin, label, item->env_from,
				 err);
	mail_doc_release(&doc);
	return rc;
}

/* Submits the message to the pool; when every worker is busy, the oldest
 * message is collected first and archived after this one is submitted.
 * The collected message's bytes stay valid until the next collect. */
static int import_pipelined(struct import_run *r, const struct source_item *item, const char *label,
			    struct error *err)
{
	struct mail_doc doc;
	struct mail_pool_item old = {0};
	mail_doc_init(&doc);
	int have_old = mail_pool_full(r->pool);
	if (have_old && mail_pool_collect(r->pool, &doc, &old, err) < 0) {
		meta_free(old.tag);
		mail_doc_release(&doc);
		return -1;
	}
	struct import_meta *m = xcalloc(1, sizeof(*m));
	m->origin = xstrdup(item->origin);
	m->label = label != NULL ? xstrdup(label) : NULL;
	m->env_from = item->env_from != NULL ? xstrdup(item->env_from) : NULL;
	struct error serr = ERROR_INIT;
	int submitted = mail_pool_submit(r->pool, item->data, item->len, m, &serr) == 0;
	if (!submitted)
		meta_free(m);
	/* The previous message is archived even if this one could not be
	 * submitted, as it would have been without the pipeline. */
	int rc = 0;
	if (have_old) {
		struct import_meta *om = old.tag;
		rc = archive_one(r, old.data, old.len, &doc, om->origin, om->label, om->env_from,
				 err);
		meta_free(om);
	}
	mail_doc_release(&doc);
	if (submitted)
		return rc;
	if (rc == 0)
		*err = serr;
	return -1;
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
	const char *label = r->label ? r->label : item->label;
	int rc = item->len > IMPORT_COPY_MAX ? import_direct(r, item, label, err)
					     : import_pipelined(r, item, label, err);
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
	if (mail_pool_start(&r.pool, cli_worker_exe(cli), &lim,
			    mail_pool_workers(cli->cfg.parse_workers), IMPORT_COPY_MAX, &err) < 0)
		goto fail;
	/* The total only feeds the progress bar: walking the input twice
	 * costs a stat per file, so it is skipped when no bar is shown. */
	int bar = !r.quiet && !r.json;
	uint64_t total = 0;
	for (int i = optind; bar && i < argc; i++)
		total += source_total_bytes(argv[i]);
	progress_init(&r.bar, "import", total, bar);
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
	if (drain(&r, &err) < 0 || archive_commit(r.a, 1, &err) < 0)
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
	/* Messages still in flight after a failure are abandoned. */
	mail_pool_abandon(r.pool, meta_free_tag);
	mail_pool_stop(r.pool);
	json_decref(r.failures);
	archive_close(r.a);
	return rc;
}
