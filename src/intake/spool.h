/*
 * spool.h - the durable spool between the journal listener (intake role)
 * and the archiver: append-only spool files with group commit, an
 * acknowledgement ("done") file, crash recovery. Byte layout and the
 * reasons behind it: doc/formats/spool.md.
 *
 * One writer process appends; one reader process (the archiver) drains.
 * Both may run at the same time on the same directory; each takes a lock
 * (flock) so that a second writer or a second reader is refused.
 *
 * Writer protocol (listener event loop):
 *   spool_append() for every message that finished DATA in this turn,
 *   spool_sync() once, then 250 to all of them. A record is durable, and
 *   may be acknowledged, only once spool_sync() has returned 0 after its
 *   spool_append(). After a failed spool_sync() nothing appended since the
 *   previous successful sync may be acknowledged, and the writer refuses
 *   every further call: close it and open it again (recovery).
 *
 * Reader protocol (archiver):
 *   while spool_reader_next() returns 1: archive_add() with origin
 *   spool_origin(id); after archive_commit(): spool_reader_done(last id),
 *   spool_reader_commit() (one fdatasync for the whole batch; removes the
 *   spool files whose entries are all done). Replaying after a crash hands
 *   out again only entries not yet committed as done; the archive dedups
 *   them on (message, origin).
 */
#ifndef CUSTOS_INTAKE_SPOOL_H
#define CUSTOS_INTAKE_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/err.h"

#define SPOOL_FILE_MAGIC "CUSTOSSP"
#define SPOOL_FILE_HEADER_LEN 48
#define SPOOL_RECORD_MAGIC 0x43535052u /* "CSPR" */
#define SPOOL_RECORD_HEADER_LEN 48
#define SPOOL_DONE_MAGIC 0x43535044u /* "CSPD" */
#define SPOOL_DONE_SLOT_LEN 64
#define SPOOL_DONE_SLOT_STRIDE 4096
#define SPOOL_VERSION 1
#define SPOOL_RECORD_MESSAGE 1

/* Format limits: a reader accepts any record within them (and within the
 * file), whatever the configured limits, so that lowering a limit in the
 * configuration never turns spooled mail into "corrupt" records. */
#define SPOOL_HARD_MAX_MESSAGE ((uint64_t)1 << 30)
#define SPOOL_HARD_MAX_RCPTS 100000u
#define SPOOL_HARD_MAX_STRING 65535u
#define SPOOL_HARD_MAX_ENVELOPE ((uint32_t)64 << 20)

/* Entry ids are 1..SPOOL_MAX_ID (they fit a signed 64-bit integer, as in
 * SQLite); a header or done slot naming a larger one is invalid. */
#define SPOOL_MAX_ID (((uint64_t)1 << 63) - 1)

/* "spool:" + up to 20 digits + NUL */
#define SPOOL_ORIGIN_MAX 32

/* Where a fault was found. Strings are borrowed for the call. */
struct spool_fault {
	const char *path;
	uint64_t offset; /* byte offset in the file */
	uint64_t length; /* bytes skipped (or truncated) from offset */
	const char *what;
};
typedef void (*spool_fault_cb)(void *ctx, const struct spool_fault *f);

struct spool_opts {
	uint64_t max_message; /* bytes; at most SPOOL_HARD_MAX_MESSAGE */
	uint32_t max_rcpts;   /* at most SPOOL_HARD_MAX_RCPTS */
	uint32_t max_string;  /* each envelope string; at most SPOOL_HARD_MAX_STRING */
	uint64_t file_size;   /* rotate once a file would grow past this */
	uint64_t reserve;     /* spool_space_ok(): free bytes to keep */
	/* Faults (corrupt records skipped, torn tails truncated). NULL: logged
	 * with log_warn(). */
	spool_fault_cb on_fault;
	void *fault_ctx;
};

#define SPOOL_DEFAULT_MAX_MESSAGE ((uint64_t)256 << 20)
#define SPOOL_DEFAULT_MAX_RCPTS 1000u
#define SPOOL_DEFAULT_MAX_STRING 1024u
#define SPOOL_DEFAULT_FILE_SIZE ((uint64_t)64 << 20)
#define SPOOL_DEFAULT_RESERVE ((uint64_t)256 << 20)

/* Fills o with the defaults above. */
void spool_opts_default(struct spool_opts *o);

/* The envelope of one delivery. Strings are NUL-terminated bytes (no NUL
 * inside); the spool stores them as given, up to opts.max_string bytes
 * each (longer is refused with ERR_LIMIT, never cut). */
struct spool_envelope {
	const char *mail_from;   /* reverse-path without <>; "" for <> */
	const char *const *rcpts;/* every RCPT TO, in order */
	size_t n_rcpts;
	const char *client_addr; /* "192.0.2.1" or "[2001:db8::1]:25"...; NULL = "" */
	const char *helo;        /* NULL = "" */
	const char *protocol;    /* "SMTP", "ESMTPS", "LMTP"...; NULL = "" */
	int64_t received_us;     /* Unix time in microseconds; 0: now */
};

/* Counters. Writer and reader each keep their own. */
struct spool_stats {
	uint64_t appends;          /* records written */
	uint64_t append_bytes;     /* their total size */
	uint64_t refused;          /* appends refused (limits, I/O) */
	uint64_t syncs;            /* spool_sync() calls that had work */
	uint64_t data_syncs;       /* fdatasync() of spool or done files */
	uint64_t dir_syncs;        /* fsync() of the directory */
	uint64_t files_created;
	uint64_t truncated_bytes;  /* torn tails cut at open */
	uint64_t corrupt_regions;  /* corrupt records or headers skipped */
	uint64_t corrupt_bytes;
	uint64_t entries_read;     /* handed out by spool_reader_next() */
	uint64_t entries_skipped;  /* already done (replay after restart) */
	uint64_t done_commits;     /* done file writes */
	uint64_t files_removed;
	uint64_t files_quarantined;/* renamed *.spool.corrupt */
};

/* Builds the archive origin of an entry: "spool:ID". */
void spool_origin(char out[SPOOL_ORIGIN_MAX], uint64_t id);

/* ---- writer (intake role) ---------------------------------------------- */

struct spool_writer;

/* Opens (creating it if needed, mode 0700) the spool directory dir and
 * recovers it: the newest file's torn tail is truncated; corrupt records
 * in its middle are reported and kept for the reader to skip; entry ids
 * continue after every id ever used (files, done file). opts is copied;
 * its limits are checked (ERR_USAGE). Fails if another writer holds it. */
int spool_writer_open(struct spool_writer **w_r, const char *dir, const struct spool_opts *opts,
		      struct error *err);
/* Closes without syncing: what was appended after the last spool_sync()
 * was never acknowledged and may or may not survive. NULL is fine. */
void spool_writer_close(struct spool_writer *w);

/* Writes one record: the envelope and the message p[0..n) (borrowed for
 * the call). *id_r is its entry id. Not durable until spool_sync().
 * ERR_LIMIT past the configured limits; ERR_IO (ENOSPC, EFBIG...) leaves
 * the spool as before the call. */
int spool_append(struct spool_writer *w, const struct spool_envelope *env, const void *p,
		 size_t n, uint64_t *id_r, struct error *err);
/* The same with the message in pieces (an evbuffer_peek() result, say). */
int spool_appendv(struct spool_writer *w, const struct spool_envelope *env,
		  const struct iovec *iov, size_t iovcnt, uint64_t *id_r, struct error *err);
/* Makes every record appended so far durable: one fdatasync() of the
 * current file, plus one fsync() of the directory if a file was created
 * since the last sync. No work, no syscall, when nothing was appended. */
int spool_sync(struct spool_writer *w, struct error *err);
/* 1 if the spool's file system has at least need + opts.reserve free
 * bytes, 0 if not (answer 452), -1 on error. */
int spool_space_ok(struct spool_writer *w, uint64_t need, struct error *err);
/* The id the next spool_append() will get. */
uint64_t spool_writer_next_id(const struct spool_writer *w);
const struct spool_stats *spool_writer_stats(const struct spool_writer *w);

/* ---- reader (archiver role) --------------------------------------------- */

struct spool_reader;

/* One entry. Everything is borrowed from the reader until the next
 * spool_reader_next() or spool_reader_close(). */
struct spool_entry {
	uint64_t id;
	struct spool_envelope env; /* strings never NULL */
	const unsigned char *data; /* exact message bytes */
	size_t len;
	uint64_t file_seq;         /* where the record is */
	uint64_t offset;
};

/* Opens dir for draining (creating the done file if needed). Uses only
 * opts.on_fault / fault_ctx: records are checked against the format
 * limits, not the configured ones. Fails if another reader holds it. */
int spool_reader_open(struct spool_reader **r_r, const char *dir, const struct spool_opts *opts,
		      struct error *err);
void spool_reader_close(struct spool_reader *r);
/* The next durable-looking (complete, checksum verified) entry not yet
 * done, in id order: 1 one entry in *e, 0 none for now (poll again later),
 * -1 error. Corrupt records of sealed files are reported, counted and
 * skipped; an incomplete record at the end of the writer's current file
 * is waited for. */
int spool_reader_next(struct spool_reader *r, struct spool_entry *e, struct error *err);
/* Records (in memory) that every entry with id <= id is done; id must
 * have been handed out. */
int spool_reader_done(struct spool_reader *r, uint64_t id, struct error *err);
/* Makes the done marks durable (one fdatasync of the done file, none if
 * nothing changed), then removes the spool files that are fully done and
 * no longer the newest (files where corruption was found are renamed
 * NAME.corrupt instead). */
int spool_reader_commit(struct spool_reader *r, struct error *err);
/* Every entry with id <= this is durably done. */
uint64_t spool_reader_done_id(const struct spool_reader *r);
const struct spool_stats *spool_reader_stats(const struct spool_reader *r);

#endif
