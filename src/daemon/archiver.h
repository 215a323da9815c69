/*
 * archiver.h - the archiver role's work: durable spool entries into the
 * archive (DESIGN.md "Processes"; issue 4).
 *
 * Each entry of the spool (src/intake/spool.h) is parsed in the pool of
 * sandboxed workers and archived with source "journal", origin
 * "spool:<id>" (so a replay after a crash adds no second delivery) and its
 * envelope: MAIL FROM, and as recipients the original addresses of the
 * journal form "rcpt+LOCAL=DOMAIN@..." (mailstack.md 6.1), or, when no
 * recipient has that form, every RCPT TO as given. Entries are committed
 * in batches (import.batch_messages / batch_bytes); only after a commit
 * are they marked done in the spool, so a crash between the two replays
 * them, and the archive recognises them.
 */
#ifndef CUSTOS_DAEMON_ARCHIVER_H
#define CUSTOS_DAEMON_ARCHIVER_H

#include <stdint.h>

#include "archive/archive.h"
#include "core/config.h"
#include "core/err.h"
#include "intake/spool.h"
#include "mail/mail.h"

struct drain_stats {
	uint64_t entries;	 /* spool entries archived (new or not) */
	uint64_t new_messages;	 /* of which new to the archive */
	uint64_t journal_rcpts;	 /* recipients decoded from the journal form */
	uint64_t commits;
};

/* Archives every entry the spool has now, in id order, then returns (0),
 * or -1 if the archive or the spool failed: what was committed stays
 * committed and marked done; the rest is replayed next time. The pool must
 * have nothing in flight. */
int archiver_drain(struct archive *a, struct mail_pool *pool, struct spool_reader *r,
		   const struct config *cfg, struct drain_stats *st, struct error *err);

#endif
