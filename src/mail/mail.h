/*
 * mail.h - a message as custos understands it: the normalised document the
 * sandboxed parse worker hands back, and the parent-side worker handle.
 *
 * Parsing hostile MIME happens only in the parse worker (a separate process
 * exec'ed from this binary, holding no keys and no database, under seccomp
 * and rlimits). The parent receives the document in a binary encoding over
 * a pipe and checks it field by field (mail_doc_decode, wire.c) before
 * trusting any of it.
 *
 * Ownership: every pointer in struct mail_doc is owned by the doc and freed
 * by mail_doc_release(). Strings are valid UTF-8 and NUL-free.
 */
#ifndef CUSTOS_MAIL_MAIL_H
#define CUSTOS_MAIL_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Flags recorded with a message (stable numbers: they are stored). */
enum mail_flag {
	MAIL_F_NOT_MIME = 1 << 0,	 /* not valid MIME; archived raw */
	MAIL_F_LIMITS = 1 << 1,		 /* a depth/part/size limit stopped the parse */
	MAIL_F_NO_MESSAGE_ID = 1 << 2,	 /* no (usable) Message-ID header */
	MAIL_F_8BIT_HEADERS = 1 << 3,	 /* raw 8-bit bytes in the header section */
	MAIL_F_BAD_DATE = 1 << 4,	 /* Date missing or unparsable */
	MAIL_F_NUL_BYTES = 1 << 5,	 /* NUL bytes in the message */
	MAIL_F_PARSE_FAILED = 1 << 6,	 /* worker crashed or timed out: no metadata */
	MAIL_F_CHARSET_GUESSED = 1 << 7, /* a charset was guessed for undeclared 8-bit text */
	MAIL_F_BAD_ENCODING = 1 << 8,	 /* broken base64/QP or undecodable charset */
};

/* Bounds of a document. mail_parse() keeps to them (cutting visibly, with
 * MAIL_F_LIMITS and a note in doc->error); mail_doc_decode() rejects any
 * document beyond them. */
#define MAIL_DOC_MAX_STRING (64 * 1024) /* bytes of one string */
#define MAIL_DOC_MAX_ADDRS 100000	/* entries of one address list */
#define MAIL_DOC_MAX_ATTACHMENTS 100000
#define MAIL_DOC_MAX_CONTENT_TYPE 255
#define MAIL_DOC_MAX_TEXT (32 * 1024 * 1024) /* text of a message, all fields */
#define MAIL_DOC_MAX_MEMBERS 10000	     /* member names of one archive */
/* The JSON form of a doc (custos parse): 16 MiB of metadata plus the
 * text, at most doubled by the escapes of line ends and quotes. */
#define MAIL_DOC_MAX_JSON (16 * 1024 * 1024 + 2 * MAIL_DOC_MAX_TEXT)
/* One worker answer (wire.c): the binary form needs no escapes, but keeps
 * the bound of the JSON answers of protocol version 2. */
#define MAIL_DOC_MAX_WIRE MAIL_DOC_MAX_JSON

/* Limits of the parse. The extraction limits (issue 3) take their
 * defaults when 0 (src/mail/extract.c). */
struct mail_limits {
	uint64_t max_message_size;
	uint32_t max_depth;
	uint32_t max_parts;
	uint64_t max_header_bytes;
	uint32_t timeout_s;	      /* per message */
	uint64_t memory;	      /* RLIMIT_AS of the worker (0: none) */
	uint32_t recycle_after;	      /* messages per worker process */
	uint64_t max_text_size;	      /* text per message: body + attachments */
	uint64_t max_attachment_text; /* text per attachment */
	uint64_t max_extract_input;   /* largest attachment or member read */
	uint32_t zip_max_members;     /* members listed per archive */
	uint32_t zip_max_ratio;	      /* uncompressed/compressed before "bomb" */
	uint64_t zip_max_size;	      /* uncompressed bytes per archive */
	uint32_t extract_time_s;      /* extraction budget per message */
};

/* The parse worker's command-line options, one per field of struct
 * mail_limits, in this order: worker.c passes them, custos-worker
 * (src/cli/worker_main.c) reads them. name has no leading "--"; a field
 * is a uint32_t when is32, else a uint64_t; min is the smallest value the
 * worker accepts. */
struct mail_limit_opt {
	const char *name;
	size_t offset;
	int is32;
	uint64_t min;
};
#define MAIL_N_LIMIT_OPTS 14
extern const struct mail_limit_opt mail_limit_opts[MAIL_N_LIMIT_OPTS];
/* The field of option i in lim. */
uint64_t mail_limit_get(const struct mail_limits *lim, size_t i);
void mail_limit_set(struct mail_limits *lim, size_t i, uint64_t v);

struct mail_addr {
	char *name; /* display name, decoded to UTF-8, or NULL */
	char *addr; /* addr-spec, local part as written, domain lower-cased */
};

struct mail_attachment {
	char *filename;	    /* decoded (RFC 2047 / 2231) or NULL */
	char *content_type; /* lower-case "type/subtype" */
	uint64_t size;	    /* decoded size in bytes (an attached message:
			     * the decoded sizes of its parts, summed) */
	char *text;	    /* extracted text (UTF-8), or NULL (issue 3) */
	char *extract;	    /* extraction outcome: "ok", "none" (no extractor
			     * for the type), "empty", "encrypted", "corrupt",
			     * "limits", "bomb", "timeout", "skipped"; NULL when
			     * extraction was not attempted */
	char **members;	    /* archive (ZIP...) member names, decoded */
	size_t n_members;
};

struct mail_addr_list {
	struct mail_addr *v;
	size_t n;
};

struct mail_doc {
	uint32_t flags;	  /* enum mail_flag bits */
	char *message_id; /* without angle brackets; NULL if absent */
	int64_t date;	  /* seconds since the epoch, UTC; 0 if absent or bad */
	char *date_raw;	  /* the Date header as written (unfolded), or NULL */
	char *subject;	  /* decoded to UTF-8, or NULL */
	struct mail_addr_list from, to, cc, bcc, reply_to;
	struct mail_attachment *att;
	size_t n_att;
	uint32_t n_parts; /* MIME parts seen */
	uint32_t depth;	  /* deepest nesting seen */
	char *error;	  /* why a flag like NOT_MIME/LIMITS/PARSE_FAILED is set */
	/* Issue 3: decoded text for the full-text index (never part of the
	 * ledger-committed metadata). */
	char *body;	      /* text of the message's own text parts (HTML
			       * converted), parts separated by a blank line */
	char *header_charset; /* charset guessed for raw 8-bit headers, or NULL */
};

void mail_doc_init(struct mail_doc *doc);
void mail_doc_release(struct mail_doc *doc);

/* The stable lower-case name of one flag bit ("not_mime", ...), or NULL. */
const char *mail_flag_name(uint32_t bit);

struct config;
/* Fills lim from the [parse] section of a configuration. */
void mail_limits_init(struct mail_limits *lim, const struct config *cfg);

/* Is this input a message at all? 0 if it may be archived (possibly with
 * flags), -1 with a clear reason (ERR_INVALID) for input that is not mail:
 * empty, binary junk, no header section. Cheap; runs in the parent. */
int mail_sniff(const unsigned char *p, size_t n, struct error *err);

/* Parses in the current process (the worker's core; also the fuzz entry).
 * Never fails on malformed mail: it records flags instead. -1 only on
 * internal errors. doc must have been initialised (mail_doc_init); whatever
 * it held is released first. The same holds for the other functions that
 * fill a doc (mail_doc_decode, mail_worker_parse). */
int mail_parse(const unsigned char *p, size_t n, const struct mail_limits *lim,
	       struct mail_doc *doc, struct error *err);
/* Options of one parse. */
enum mail_parse_opt {
	MAIL_PARSE_NO_EXTRACT = 1 << 0, /* attachments get extract="skipped", no text */
};
/* mail_parse() with options (enum mail_parse_opt bits). */
int mail_parse_opts(const unsigned char *p, size_t n, const struct mail_limits *lim, uint32_t opts,
		    struct mail_doc *doc, struct error *err);

/* The doc as JSON (doc.c), for people and tools (custos parse): appended
 * to out. Fails with ERR_INVALID if a string is not UTF-8. */
int mail_doc_to_json(const struct mail_doc *doc, struct buf *out, struct error *err);

/* The binary encoding of the worker protocol, version 3 (wire.c,
 * doc/formats/worker.md). encode appends to out (ERR_LIMIT past out's max;
 * on failure out is as it was). decode is the parent's trust boundary: it
 * fills doc (released first) from exactly p[0..n), checking every field
 * (lengths, counts, UTF-8, the syntax of each kind of string), and fails
 * with ERR_INVALID on anything odd, leaving doc empty. p is borrowed for
 * the call; doc owns copies. */
int mail_doc_encode(const struct mail_doc *doc, struct buf *out, struct error *err);
int mail_doc_decode(const unsigned char *p, size_t n, struct mail_doc *doc, struct error *err);

/* Parent-side handle of a parse worker process. */
struct mail_worker;

/* Starts a worker by exec'ing `exe parse-worker` with the limits. */
int mail_worker_start(struct mail_worker **w_r, const char *exe, const struct mail_limits *lim,
		      struct error *err);
/* Parses one message in the worker. If the worker crashes, times out or
 * answers garbage, it is killed, and the message is parsed once more in a
 * fresh worker with attachment extraction off (every attachment then has
 * extract "skipped"; MAIL_F_LIMITS and doc->error say why). If that fails
 * too, this returns 0 with MAIL_F_PARSE_FAILED set and doc->error saying
 * what happened: the message is still archived. -1 only when no worker can
 * be started at all. */
int mail_worker_parse(struct mail_worker *w, const unsigned char *p, size_t n, struct mail_doc *doc,
		      struct error *err);
/* The same in two steps, so that the caller can work while the worker
 * parses: submit sends the request (p is borrowed until collect returns:
 * collect resends it for the retry without extraction; all of it is
 * written, or the failure is kept for collect); collect waits for the
 * answer and fills doc exactly as mail_worker_parse does. At most one
 * request is in flight: submit while one is, or collect when none is, fails
 * with ERR_INTERNAL. The timeout runs from submit. submit fails (-1) only
 * then or when no worker can be started; collect never fails otherwise. A
 * request still in flight at mail_worker_stop() is abandoned. */
int mail_worker_submit(struct mail_worker *w, const unsigned char *p, size_t n, struct error *err);
int mail_worker_collect(struct mail_worker *w, struct mail_doc *doc, struct error *err);
void mail_worker_stop(struct mail_worker *w);
/* Process id of the running worker, 0 when none runs (logging, tests). */
int mail_worker_pid(const struct mail_worker *w);

/* Several workers, answers in submission order (pool.c): up to `workers`
 * messages in flight. submit copies the message (at most max_copy bytes,
 * else ERR_LIMIT) with the caller's tag; it fails with ERR_INTERNAL when
 * the pool is full (after any failure nothing is in flight that was not
 * before, and the tag stays the caller's). collect waits for the oldest message in flight and
 * returns its doc (as mail_worker_collect) with its bytes and tag; those
 * bytes stay valid until the next collect. parse is the synchronous path
 * for one message that is not copied (nothing may be in flight). */
struct mail_pool;
struct mail_pool_item {
	const unsigned char *data;
	size_t len;
	void *tag;
};
int mail_pool_start(struct mail_pool **p_r, const char *exe, const struct mail_limits *lim,
		    unsigned workers, size_t max_copy, struct error *err);
int mail_pool_submit(struct mail_pool *p, const unsigned char *data, size_t n, void *tag,
		     struct error *err);
int mail_pool_collect(struct mail_pool *p, struct mail_doc *doc, struct mail_pool_item *item,
		      struct error *err);
int mail_pool_parse(struct mail_pool *p, const unsigned char *data, size_t n,
		    struct mail_doc *doc, struct error *err);
int mail_pool_full(const struct mail_pool *p);
unsigned mail_pool_in_flight(const struct mail_pool *p);
/* Waits for every message in flight and drops it, freeing its tag with
 * free_tag (may be NULL): after a failure, when nothing more is archived. */
void mail_pool_abandon(struct mail_pool *p, void (*free_tag)(void *));
/* parse.workers as a count: itself, or for 0 the online CPUs (at most 8). */
unsigned mail_pool_workers(int64_t configured);
void mail_pool_stop(struct mail_pool *p);

/* The worker process's main loop: requests on in_fd, answers on out_fd.
 * Applies rlimits and the seccomp filter first. Returns the exit status. */
int mail_worker_main(int in_fd, int out_fd, const struct mail_limits *lim);

/* Confines the calling process for good: rlimits, Landlock, seccomp (see
 * sandbox.c). Called by mail_worker_main(); public for the tests. */
int mail_sandbox_enter(const struct mail_limits *lim, struct error *err);

/* Normalises an address for indexing: trims, lower-cases the domain (and
 * the local part, which is what users expect to search); NULL if it is not
 * an address. Caller frees. */
char *mail_addr_normalize(const char *addr);

#endif
