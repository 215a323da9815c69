/*
 * archiver.c - drains the journal spool into the archive (archiver.h).
 *
 * Pipeline: entries are read from the spool and submitted to the pool of
 * parse workers; when the pool is full the oldest is collected and
 * archived while the workers parse the next ones, so entries are archived
 * in spool order. What travels with each entry through the pool is its id
 * and a copy of its envelope (the spool's strings are only borrowed until
 * the next read).
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

/* Collects the oldest entry in flight and archives it. */
static int archive_oldest(struct drain_run *x, struct error *err)
{
	struct mail_doc doc;
	struct mail_pool_item pi = {0};
	mail_doc_init(&doc);
	int rc = mail_pool_collect(x->pool, &doc, &pi, err);
	struct drain_item *it = pi.tag;
	if (rc == 0) {
		char origin[SPOOL_ORIGIN_MAX];
		spool_origin(origin, it->id);
		struct archive_msg_in in = {
		    .data = pi.data,
		    .len = pi.len,
		    .doc = &doc,
		    .source = "journal",
		    .origin = origin,
		    .env_from = it->mail_from,
		    .rcpts = (const char *const *)it->rcpts,
		    .n_rcpts = it->n_rcpts,
		    .received_us = it->received_us,
		};
		struct archive_msg_out out;
		rc = archive_add(x->a, &in, &out, err);
		if (rc == 0) {
			x->st->entries++;
			x->st->new_messages += out.is_new != 0;
			x->st->journal_rcpts += it->n_journal;
			x->last_id = it->id;
			if ((int64_t)x->a->txn_messages >= x->cfg->import_batch_messages ||
			    (int64_t)x->a->txn_bytes >= x->cfg->import_batch_bytes)
				rc = commit(x, err);
		}
	}
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
		if (mail_pool_submit(pool, e.data, e.len, it, err) < 0) {
			item_free(it);
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
