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
 *
 * Detection (source_walk). A regular file starting with "!BDN" is an
 * Outlook PST; one that mbox_sniff() accepts is an mbox; any other file is
 * one message (eml), handed over byte for byte. A directory holding cur/
 * and new/ is a Maildir: the messages of cur/ then new/ (never tmp/), each
 * sorted, with label "INBOX", then its Maildir++ folders (".Sent" ->
 * "Sent", ".INBOX.Clients" -> "INBOX.Clients"), then Maildirs in plain
 * subdirectories (Dovecot LAYOUT=fs: "Archive/2020" -> "Archive/2020");
 * other files of a Maildir (dovecot-uidlist, courier*) are not messages.
 * Maildir files are handed over as they are (no From_ line handling). Any
 * other directory is walked recursively in strverscmp(3) order ("9" before
 * "10"; deterministic), each entry detected the same way. Names starting
 * with '.' are skipped except Maildir++ folders. Inside a walk, symbolic
 * links are never followed (reported through on_fail): an import tree
 * cannot point the archive at files elsewhere, and there are no loops; the
 * top-level PATH itself may be a symlink. Special files (FIFOs, devices)
 * inside a walk are reported and skipped; a top-level FIFO is read as a
 * stream (mbox or one message).
 *
 * Origins: "PATH" for eml and Maildir files, "PATH@OFFSET" for an mbox
 * message (OFFSET of its From_ line), "PSTPATH#FOLDER/N.eml" for a PST
 * message (readpst's file name; the file itself is gone after the walk).
 *
 * PST: `readpst -e -t e -j 0 -q -o TMP` (libpst) converts the file into one
 * RFC 822 file per message in a private directory made with mkdtemp under
 * tmpdir, removed again afterwards (also on failure). Those bytes are
 * libpst's reconstruction of the message, NOT the bytes originally
 * received (PST does not keep them); label is the folder path ("Personal
 * Folders/Inbox"). A failing readpst is reported with its exit status and
 * its messages; the walk goes on.
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

/* Used when max_message_size is 0 (the default of parse.max_message_size).
 * max_mbox_size 0 means no limit; an mbox file larger than it is reported
 * (ERR_LIMIT) and not read. */
#define SOURCE_DEFAULT_MAX_MESSAGE ((uint64_t)256 << 20)
/* mbox files are read and fed to the splitter in chunks of this size. */
#define SOURCE_CHUNK_SIZE ((size_t)1 << 20)

/* "eml", "mbox", "maildir", "pst", "dir" (a static string). */
const char *source_kind_name(enum source_kind kind);

/* Return 0 to go on, -1 to stop the walk (err set). */
typedef int (*source_item_cb)(void *ctx, const struct source_item *item, struct error *err);
/* A message or file that could not be read: reported, counted, skipped. */
typedef void (*source_fail_cb)(void *ctx, const char *origin, const struct error *why);

/* Walks one PATH, detecting its kind. Returns -1 only if the callback
 * stopped the walk or PATH itself cannot be opened. */
int source_walk(const char *path, const struct source_opts *opts, source_item_cb on_item,
		source_fail_cb on_fail, void *ctx, struct error *err);

/* Total size of the files under PATH (for progress ETA); 0 if unknown.
 * Counts what source_walk reads: regular files, no symlinks inside the
 * tree, no hidden names (except Maildir++ folders), no Maildir tmp/. */
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
/* A message over max_message_size is reported to on_fail and skipped
 * (0: SOURCE_DEFAULT_MAX_MESSAGE); so is an empty message (a From_ line
 * with nothing after it). origin (the stream's name, used in on_fail
 * origins "ORIGIN@OFFSET") is copied. env_from is the From_ line's address
 * when printable and at most 255 bytes, else NULL. mbox_feed and
 * mbox_finish return -1 only when on_message did (its err is passed on);
 * after that every call fails the same way. mbox_new never returns NULL;
 * mbox_free releases everything. The separator rule and the quoting rules
 * are documented at the top of mbox.c. */
struct mbox_splitter *mbox_new(uint64_t max_message_size, mbox_message_cb on_message,
			       source_fail_cb on_fail, void *ctx, const char *origin);
int mbox_feed(struct mbox_splitter *s, const unsigned char *p, size_t n, struct error *err);
int mbox_finish(struct mbox_splitter *s, struct error *err);
void mbox_free(struct mbox_splitter *s);
/* 1 if the bytes look like the start of an mbox file ("From " line). */
int mbox_sniff(const unsigned char *p, size_t n);

#endif
