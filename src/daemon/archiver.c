/*
 * archiver.c - drains the journal spool into the archive (archiver.h).
 *
 * Pipeline: entries are read from the spool and submitted to the pool of
 * parse workers; when the pool is full the oldest is collected and
 * archived while the workers parse the next ones, so entries are archived
 * in spool order. What travels with each entry through the pool is its id
 * and a copy of its envelope (the spool's strings are only borrowed until
 * the next read). An entry larger than the pool copies (ERR_LIMIT) is
 * parsed from the spool's bytes once the pool is empty, so that it is
 * archived in order too and never blocks the spool.
 *
 * Durability order: archive_commit (segments fsync'ed, database
 * committed), then spool_reader_done + spool_reader_commit. A crash in
 * between replays the batch; archive_add finds the blobs and the
 * deliveries (message, "spool:<id>") already there and adds nothing.
 */
#include "daemon/archiver.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "intake/smtp.h"

/* An entry in flight: its id and envelope. */
struct drain_item {
	uint64_t id;
	int64_t received_us;
	char *mail_from;
	char **rcpts; /* the recipients to record */
	size_t n_rcpts;
	size_t n_journal; /* of which decoded from the journal form */
};

static void item_free(struct drain_item *it)
{
	if (it == NULL)
		return;
	free(it->mail_from);
	for (size_t i = 0; i < it->n_rcpts; i++)
		free(it->rcpts[i]);
	free(it->rcpts);
	free(it);
}

static void item_free_tag(void *tag)
{
	item_free(tag);
}

/* The recipients to record: the originals behind "rcpt+L=D@..." if any
 * recipient has that form, else every RCPT TO as it was given. */
static struct drain_item *item_new(const struct spool_entry *e)
{
	struct drain_item *it = xcalloc(1, sizeof(*it));
	it->id = e->id;
	it->received_us = e->env.received_us;
	it->mail_from = xstrdup(e->env.mail_from);
	it->rcpts = xcalloc(e->env.n_rcpts > 0 ? e->env.n_rcpts : 1, sizeof(*it->rcpts));
	for (size_t i = 0; i < e->env.n_rcpts; i++) {
		char *orig = NULL;
		if (smtp_journal_decode(e->env.rcpts[i], &orig) == 'r')
			it->rcpts[it->n_journal++] = orig;
		else
			free(orig); /* "from+": the sender, known from MAIL FROM */
	}
	it->n_rcpts = it->n_journal;
	if (it->n_journal == 0)
		for (size_t i = 0; i < e->env.n_rcpts; i++)
			it->rcpts[it->n_rcpts++] = xstrdup(e->env.rcpts[i]);
	return it;
}

struct drain_run {
	struct archive *a;
	struct mail_pool *pool;
	struct spool_reader *r;
	const struct config *cfg;
	struct drain_stats *st;
	uint64_t last_id; /* newest entry archived in this batch, 0: none */
};

/* Commits the batch, then tells the spool. */
static int commit(struct drain_run *x, struct error *err)
{
	if (x->last_id == 0)
		return 0;
	if (archive_commit(x->a, 0, err) < 0 || spool_reader_done(x->r, x->last_id, err) < 0 ||
	    spool_reader_commit(x->r, err) < 0)
		return -1;
	x->st->commits++;
	x->last_id = 0;
	return 0;
}

/* Archives one parsed entry; commits when the batch is full. */
static int archive_item(struct drain_run *x, const struct drain_item *it, const unsigned char *data,
			size_t len, const struct mail_doc *doc, struct error *err)
{
	char origin[SPOOL_ORIGIN_MAX];
	spool_origin(origin, it->id);
	struct archive_msg_in in = {
	    .data = data,
	    .len = len,
	    .doc = doc,
	    .source = "journal",
	    .origin = origin,
	    .env_from = it->mail_from,
	    .rcpts = (const char *const *)it->rcpts,
	    .n_rcpts = it->n_rcpts,
	    .received_us = it->received_us,
	};
	struct archive_msg_out out;
	if (archive_add(x->a, &in, &out, err) < 0)
		return -1;
	x->st->entries++;
	x->st->new_messages += out.is_new != 0;
	x->st->journal_rcpts += it->n_journal;
	x->last_id = it->id;
	if ((int64_t)x->a->txn_messages >= x->cfg->import_batch_messages ||
	    (int64_t)x->a->txn_bytes >= x->cfg->import_batch_bytes)
		return commit(x, err);
	return 0;
}

/* Collects the oldest entry in flight and archives it. */
static int archive_oldest(struct drain_run *x, struct error *err)
{
	struct mail_doc doc;
	struct mail_pool_item pi = {0};
	mail_doc_init(&doc);
	int rc = mail_pool_collect(x->pool, &doc, &pi, err);
	if (rc == 0)
		rc = archive_item(x, pi.tag, pi.data, pi.len, &doc, err);
	item_free(pi.tag);
	mail_doc_release(&doc);
	return rc;
}

/* An entry too large for the pool's copy (it, which this frees): what is
 * in flight is archived first, then the entry is parsed from the spool's
 * bytes (borrowed until the next spool_reader_next). */
static int archive_direct(struct drain_run *x, const struct spool_entry *e, struct drain_item *it,
			  struct error *err)
{
	int rc = 0;
	while (rc == 0 && mail_pool_in_flight(x->pool) > 0)
		rc = archive_oldest(x, err);
	struct mail_doc doc;
	mail_doc_init(&doc);
	if (rc == 0)
		rc = mail_pool_parse(x->pool, e->data, e->len, &doc, err);
	if (rc == 0)
		rc = archive_item(x, it, e->data, e->len, &doc, err);
	item_free(it);
	mail_doc_release(&doc);
	return rc;
}

int archiver_drain(struct archive *a, struct mail_pool *pool, struct spool_reader *r,
		   const struct config *cfg, struct drain_stats *st, struct error *err)
{
	struct drain_run x = {a, pool, r, cfg, st, 0};
	if (mail_pool_in_flight(pool) != 0)
		return error_set(err, ERR_INTERNAL, "archiver: parse pool not empty");
	int rc = 0;
	for (;;) {
		struct spool_entry e;
		int got = spool_reader_next(r, &e, err);
		if (got < 0) {
			rc = -1;
			break;
		}
		if (got == 0)
			break;
		if (mail_pool_full(pool) && archive_oldest(&x, err) < 0) {
			rc = -1;
			break;
		}
		struct drain_item *it = item_new(&e);
		struct error serr = ERROR_INIT;
		if (mail_pool_submit(pool, e.data, e.len, it, &serr) == 0)
			continue;
		if (serr.code != ERR_LIMIT) {
			item_free(it);
			*err = serr;
			rc = -1;
			break;
		}
		if (archive_direct(&x, &e, it, err) < 0) {
			rc = -1;
			break;
		}
	}
	while (rc == 0 && mail_pool_in_flight(pool) > 0)
		rc = archive_oldest(&x, err);
	if (rc == 0)
		return commit(&x, err);
	/* abandon what is in flight: the uncommitted batch is replayed */
	mail_pool_abandon(pool, item_free_tag);
	archive_rollback(a);
	return -1;
}
