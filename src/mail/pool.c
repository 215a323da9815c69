/*
 * pool.c - several parse workers fed in order, answered in order.
 *
 * One worker parsing one message while the caller archives the previous one
 * leaves both sides waiting whenever one message is slower than the other
 * (a PDF in the worker, a commit in the archiver). The pool keeps up to
 * `workers` messages in flight, one per worker, and hands their documents
 * back in the order they were submitted, so the caller archives in input
 * order exactly as with one worker.
 *
 * Buffers: the pool copies each message into one of workers + 1 slots. A
 * message is in its slot from submit until the collect that returns it, and
 * stays there until the next collect: the caller archives it from the slot
 * while the workers parse the messages submitted after it. Each worker is a
 * mail_worker (worker.c) with its own retry, timeout and recycling.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "mail/mail.h"

struct pool_slot {
	struct buf data;
	void *tag;
	unsigned worker; /* the worker parsing it while in flight */
};

struct mail_pool {
	struct mail_worker **w;
	unsigned char *busy; /* per worker */
	unsigned n_workers;
	struct pool_slot *slot; /* n_workers + 1, used as a ring */
	unsigned head;		/* oldest message in flight */
	unsigned n_flight;
};

unsigned mail_pool_workers(int64_t configured)
{
	if (configured > 0)
		return (unsigned)configured;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

int mail_pool_start(struct mail_pool **p_r, const char *exe, const struct mail_limits *lim,
		    unsigned workers, size_t max_copy, struct error *err)
{
	struct mail_pool *p = xcalloc(1, sizeof(*p));
	if (workers == 0)
		workers = 1;
	p->w = xcalloc(workers, sizeof(*p->w));
	p->busy = xcalloc(workers, 1);
	p->slot = xcalloc(workers + 1, sizeof(*p->slot));
	for (unsigned i = 0; i <= workers; i++)
		buf_init(&p->slot[i].data, max_copy);
	for (unsigned i = 0; i < workers; i++) {
		if (mail_worker_start(&p->w[i], exe, lim, err) < 0) {
			mail_pool_stop(p);
			return -1;
		}
		p->n_workers++;
	}
	*p_r = p;
	return 0;
}

void mail_pool_stop(struct mail_pool *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n_workers; i++)
		mail_worker_stop(p->w[i]);
	for (unsigned i = 0; p->slot != NULL && i <= p->n_workers; i++)
		buf_release(&p->slot[i].data);
	free(p->slot);
	free(p->busy);
	free(p->w);
	free(p);
}

unsigned mail_pool_in_flight(const struct mail_pool *p)
{
	return p->n_flight;
}

int mail_pool_full(const struct mail_pool *p)
{
	return p->n_flight == p->n_workers;
}

int mail_pool_submit(struct mail_pool *p, const unsigned char *data, size_t n, void *tag,
		     struct error *err)
{
	if (mail_pool_full(p))
		return error_set(err, ERR_INTERNAL, "parse pool: every worker is busy");
	unsigned k = 0;
	while (p->busy[k])
		k++;
	/* The ring's next slot after the messages in flight; never the one
	 * the caller may still be reading (at most n_workers are in flight
	 * and there are n_workers + 1 slots). */
	unsigned s = (p->head + p->n_flight) % (p->n_workers + 1);
	struct pool_slot *sl = &p->slot[s];
	buf_reset(&sl->data);
	if (buf_append(&sl->data, data, n, err) < 0 ||
	    mail_worker_submit(p->w[k], sl->data.data, sl->data.len, err) < 0)
		return -1;
	sl->tag = tag;
	sl->worker = k;
	p->busy[k] = 1;
	p->n_flight++;
	return 0;
}

int mail_pool_collect(struct mail_pool *p, struct mail_doc *doc, struct mail_pool_item *item,
		      struct error *err)
{
	if (p->n_flight == 0)
		return error_set(err, ERR_INTERNAL, "parse pool: nothing in flight");
	struct pool_slot *sl = &p->slot[p->head];
	int rc = mail_worker_collect(p->w[sl->worker], doc, err);
	p->busy[sl->worker] = 0;
	item->data = sl->data.data;
	item->len = sl->data.len;
	item->tag = sl->tag;
	p->head = (p->head + 1) % (p->n_workers + 1);
	p->n_flight--;
	return rc;
}

void mail_pool_abandon(struct mail_pool *p, void (*free_tag)(void *))
{
	while (p != NULL && p->n_flight > 0) {
		struct mail_doc doc;
		struct mail_pool_item it = {0};
		struct error ignored = ERROR_INIT;
		mail_doc_init(&doc);
		(void)mail_pool_collect(p, &doc, &it, &ignored);
		if (free_tag != NULL)
			free_tag(it.tag);
		mail_doc_release(&doc);
	}
}

int mail_pool_parse(struct mail_pool *p, const unsigned char *data, size_t n,
		    struct mail_doc *doc, struct error *err)
{
	if (p->n_flight != 0)
		return error_set(err, ERR_INTERNAL, "parse pool: messages still in flight");
	return mail_worker_parse(p->w[0], data, n, doc, err);
}
