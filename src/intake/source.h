/*
 * source.h - walking import sources: .eml files, directories, mbox, Maildir,
 * Maildir++ and Outlook PST, one message at a time.
 *
 * The walker hands each message's exact bytes to a callback. Bytes are
 * borrowed: valid only during the callback. For mbox, the From_ line and the
 * separating blank line are not part of the message, and mboxrd/mboxo quoting
 * (">From " at line start) is undone, so the bytes are the message as sent.
 *
 * A file that cannot be read, or a message over the size limit, is reported
 * through on_fail and the walk goes on: one bad message never stops a batch.
 * Only a failing callback (the archive itself failing) stops the walk.
 */
#ifndef CUSTOS_INTAKE_SOURCE_H
#define CUSTOS_INTAKE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum source_kind { SOURCE_EML, SOURCE_MBOX, SOURCE_MAILDIR, SOURCE_PST, SOURCE_DIR };

struct source_item {
	const unsigned char *data; /* borrowed during the callback */
	size_t len;
	enum source_kind kind;
	const char *origin;   /* "path" or "path@offset" (mbox): for messages */
	const char *label;    /* Maildir++/PST folder ("Sent", "INBOX.Clients"), or NULL */
	const char *env_from; /* mbox From_ line address, or NULL */
	int64_t mtime;        /* file mtime (eml/Maildir), or 0 */
};

struct source_opts {
	uint64_t max_message_size; /* larger messages go to on_fail (ERR_LIMIT) */
	uint64_t max_mbox_size;
	const char *readpst;       /* path of readpst for PST (NULL: "readpst") */
	const char *tmpdir;        /* scratch for PST conversion (NULL: $TMPDIR or /tmp) */
	/* Called with the bytes read so far of the current top-level PATH, for
	 * progress display; may be NULL. */
	void (*on_progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);
};

/* Return 0 to go on, -1 to stop the walk (err set). */
typedef int (*source_item_cb)(void *ctx, const struct source_item *item, struct error *err);
/* A message or file that could not be read: reported, counted, skipped. */
typedef void (*source_fail_cb)(void *ctx, const char *origin, const struct error *why);

/* Walks one PATH, detecting its kind. Returns -1 only if the callback
 * stopped the walk or PATH itself cannot be opened. */
int source_walk(const char *path, const struct source_opts *opts, source_item_cb on_item,
		source_fail_cb on_fail, void *ctx, struct error *err);

/* Total size of the files under PATH (for progress ETA); 0 if unknown. */
uint64_t source_total_bytes(const char *path);

/*
 * The mbox splitter, a push parser usable on any byte stream (and fuzzed):
 * feed it bytes with mbox_feed(); it calls on_message for each complete
 * message; mbox_finish() flushes the last one.
 */
struct mbox_splitter;
struct mbox_message {
	const unsigned char *data; /* unquoted message bytes, borrowed */
	size_t len;
	uint64_t offset;      /* offset of the From_ line in the stream */
	const char *env_from; /* from the From_ line, or NULL */
};
typedef int (*mbox_message_cb)(void *ctx, const struct mbox_message *m, struct error *err);
/* A message over max_message_size is reported to on_fail and skipped. */
struct mbox_splitter *mbox_new(uint64_t max_message_size, mbox_message_cb on_message,
			       source_fail_cb on_fail, void *ctx, const char *origin);
int mbox_feed(struct mbox_splitter *s, const unsigned char *p, size_t n, struct error *err);
int mbox_finish(struct mbox_splitter *s, struct error *err);
void mbox_free(struct mbox_splitter *s);
/* 1 if the bytes look like the start of an mbox file ("From " line). */
int mbox_sniff(const unsigned char *p, size_t n);

#endif
