/*
 * worker.c - the parent side of the parse worker.
 *
 * A worker is custos-worker exec'ed as `EXE parse-worker --max-... N`, with a
 * pipe on its stdin and one on its stdout, every other descriptor closed,
 * stderr inherited, an environment reduced to sanitizer settings, and
 * PR_SET_PDEATHSIG so it dies with us. The protocol, one message at a time:
 *
 *   request:  u32 big-endian length, u32 big-endian options (enum
 *             mail_parse_opt), then the message bytes
 *   response: u32 big-endian length (1 .. MAIL_DOC_MAX_WIRE), then the
 *             document in its binary encoding, version 3 (wire.c)
 *
 * The worker is not trusted. Its answer is checked by mail_doc_decode();
 * everything here is bounded by the per-message timeout (poll() on
 * non-blocking pipes; SIGKILL when it passes). A worker that crashes, hangs,
 * answers garbage or speaks out of turn is killed and reaped, and the
 * message is sent once more to a fresh worker with attachment extraction
 * off (the extractors are the largest attack surface and the likeliest to
 * blow the time or memory limits). Only when that fails too does the
 * message get MAIL_F_PARSE_FAILED with the reasons in doc->error. The
 * request's bytes are therefore borrowed from submit until collect.
 * Workers are also replaced every recycle_after messages, which bounds what
 * a compromised worker could do to the metadata of the messages after the
 * one that took it over.
 *
 * A message larger than max_message_size is not copied through the pipe:
 * the worker gets its header section only, and the doc says so.
 *
 * Asynchronous use: mail_worker_submit() writes one request (all of it,
 * polling while the worker reads, so a request larger than the pipe buffer
 * is fine) and returns; mail_worker_collect() reads the answer. At most one
 * request is in flight, and its answer is read before the next request is
 * written, so the two pipes can never deadlock each other: the worker
 * reads the whole request before it writes a byte. mail_worker_parse() is
 * submit + collect. The timeout runs from submit; a caller that collects
 * late still gets COLLECT_GRACE_MS to drain an answer that had started
 * before the deadline (an answer larger than the pipe buffer waits in the
 * worker's write() until we read).
 *
 * SIGPIPE: writes happen with SIGPIPE blocked in the calling thread; a
 * SIGPIPE raised by our own write to a dead worker is consumed before the
 * mask is restored, so the process's signal disposition is left alone.
 */
#include "mail/mail.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "mail/mail_internal.h"

extern char **environ;

enum io_result { IO_OK, IO_EOF, IO_TIMEOUT, IO_ERROR };

struct mail_worker {
	char *exe;
	struct mail_limits lim;
	pid_t pid;	 /* 0 when no worker runs */
	int to_fd;	 /* our end of its stdin */
	int from_fd;	 /* our end of its stdout */
	uint32_t served; /* messages answered by this process */
	/* The request in flight (busy), between submit and collect. */
	int busy;
	int64_t deadline;	    /* mail_now_ms() at submit + the timeout */
	enum io_result sent;	    /* how writing the request went */
	size_t req_n;		    /* the message's full size */
	int cut;		    /* only its header section was sent */
	int has_nul;		    /* (cut only) the message holds NUL bytes */
	const unsigned char *req_p; /* what was sent (borrowed until collect) */
	size_t req_send_n;
};

/* How long a late collect may still take to drain an answer whose length
 * was in the pipe by the deadline. */
#define COLLECT_GRACE_MS 1000

/* Environment variables a worker keeps: only sanitizer settings. */
static int env_kept(const char *e)
{
	static const char *const prefixes[] = {
	    "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=", "MSAN_OPTIONS=", "TSAN_OPTIONS="};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(e, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int64_t mail_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define LIM(name, field, min)                                                                      \
	{                                                                                          \
		name, offsetof(struct mail_limits, field),                                         \
		    sizeof(((struct mail_limits *)0)->field) == sizeof(uint32_t), min              \
	}
const struct mail_limit_opt mail_limit_opts[MAIL_N_LIMIT_OPTS] = {
    LIM("max-message-size", max_message_size, 1),
    LIM("max-depth", max_depth, 1),
    LIM("max-parts", max_parts, 1),
    LIM("max-header-bytes", max_header_bytes, 1),
    LIM("timeout", timeout_s, 1),
    LIM("memory", memory, 0),
    LIM("recycle-after", recycle_after, 1),
    LIM("max-text-size", max_text_size, 0),
    LIM("max-attachment-text", max_attachment_text, 0),
    LIM("max-extract-input", max_extract_input, 0),
    LIM("zip-max-members", zip_max_members, 0),
    LIM("zip-max-ratio", zip_max_ratio, 0),
    LIM("zip-max-size", zip_max_size, 0),
    LIM("extract-time", extract_time_s, 0),
};
#undef LIM

uint64_t mail_limit_get(const struct mail_limits *lim, size_t i)
{
	const char *field = (const char *)lim + mail_limit_opts[i].offset;
	uint32_t v32;
	uint64_t v64;
	if (mail_limit_opts[i].is32) {
		memcpy(&v32, field, sizeof(v32));
		return v32;
	}
	memcpy(&v64, field, sizeof(v64));
	return v64;
}

void mail_limit_set(struct mail_limits *lim, size_t i, uint64_t v)
{
	char *field = (char *)lim + mail_limit_opts[i].offset;
	uint32_t v32 = (uint32_t)v;
	if (mail_limit_opts[i].is32)
		memcpy(field, &v32, sizeof(v32));
	else
		memcpy(field, &v, sizeof(v));
}

/* In the child between fork and exec: async-signal-safe calls only. */
static void child_exec(const char *exe, char **argv, char **envp, int in, int out, int status,
		       pid_t parent)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Move both ends above 2 first, so that neither dup2 clobbers the
	 * other when the parent had fd 0 or 1 closed. */
	int hi_in = fcntl(in, F_DUPFD_CLOEXEC, 3), hi_out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	if (hi_in < 0 || hi_out < 0 || dup2(hi_in, 0) < 0 || dup2(hi_out, 1) < 0)
		goto fail;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127); /* the parent is already gone */
	/* Everything above stderr closes on exec (the status pipe too). */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	execve(exe, argv, envp);
fail:;
	int e = errno;
	ssize_t w = write(status, &e, sizeof(e));
	(void)w;
	_exit(127);
}

static int spawn(struct mail_worker *w, struct error *err)
{
	char names[MAIL_N_LIMIT_OPTS][32], nums[MAIL_N_LIMIT_OPTS][24];
	char *argv[2 + 2 * MAIL_N_LIMIT_OPTS + 1];
	argv[0] = w->exe;
	argv[1] = "parse-worker";
	for (size_t i = 0; i < MAIL_N_LIMIT_OPTS; i++) {
		snprintf(names[i], sizeof(names[i]), "--%s", mail_limit_opts[i].name);
		snprintf(nums[i], sizeof(nums[i]), "%llu",
			 (unsigned long long)mail_limit_get(&w->lim, i));
		argv[2 + 2 * i] = names[i];
		argv[3 + 2 * i] = nums[i];
	}
	argv[2 + 2 * MAIL_N_LIMIT_OPTS] = NULL;
	size_t ne = 0;
	for (char **e = environ; e != NULL && *e != NULL; e++)
		ne++;
	char **envp = xcalloc(ne + 1, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; i < ne; i++)
		if (env_kept(environ[i]))
			envp[k++] = environ[i];

	int in[2] = {-1, -1}, out[2] = {-1, -1}, st[2] = {-1, -1};
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
		error_errno(err, "parse worker: pipe");
		goto fail;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		error_errno(err, "parse worker: fork");
		goto fail;
	}
	if (pid == 0)
		child_exec(w->exe, argv, envp, in[0], out[1], st[1], parent);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&st[1]);
	int e = 0;
	ssize_t r;
	do
		r = read(st[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	close_fd(&st[0]);
	if (r > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = e;
		error_errno(err, "cannot run the parse worker %s", w->exe);
		goto fail;
	}
	if (fcntl(in[1], F_SETFL, O_NONBLOCK) < 0 || fcntl(out[0], F_SETFL, O_NONBLOCK) < 0) {
		error_errno(err, "parse worker: fcntl");
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	w->pid = pid;
	w->to_fd = in[1];
	w->from_fd = out[0];
	w->served = 0;
	free(envp);
	return 0;
fail:
	free(envp);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&st[0]);
	close_fd(&st[1]);
	return -1;
}

int mail_worker_start(struct mail_worker **w_r, const char *exe, const struct mail_limits *lim,
		      struct error *err)
{
	struct mail_worker *w = xcalloc(1, sizeof(*w));
	w->exe = xstrdup(exe);
	w->lim = *lim;
	if (w->lim.recycle_after == 0)
		w->lim.recycle_after = 1;
	if (w->lim.timeout_s == 0)
		w->lim.timeout_s = 1;
	w->to_fd = w->from_fd = -1;
	if (spawn(w, err) < 0) {
		free(w->exe);
		free(w);
		return -1;
	}
	*w_r = w;
	return 0;
}

/* Kills (if still running) and reaps the worker; describes how it ended
 * into why unless why is NULL. */
static void reap(struct mail_worker *w, int force, char *why, size_t whylen)
{
	if (w->pid <= 0)
		return;
	close_fd(&w->to_fd);
	if (!force) {
		/* Closing its stdin asks it to exit; give it a second. */
		struct pollfd pfd = {.fd = w->from_fd, .events = POLLIN};
		int64_t deadline = mail_now_ms() + 1000;
		for (;;) {
			int64_t left = deadline - mail_now_ms();
			if (left <= 0 || poll(&pfd, 1, (int)left) != 0)
				break;
		}
	}
	kill(w->pid, SIGKILL); /* no effect on one that already exited */
	int status = 0;
	pid_t r;
	do
		r = waitpid(w->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (why != NULL) {
		if (r < 0)
			snprintf(why, whylen, "parse worker vanished");
		else if (WIFSIGNALED(status))
			snprintf(why, whylen, "parse worker killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(why, whylen, "parse worker exited with status %d",
				 WEXITSTATUS(status));
	}
	close_fd(&w->from_fd);
	w->pid = 0;
}

void mail_worker_stop(struct mail_worker *w)
{
	if (w == NULL)
		return;
	reap(w, w->busy, NULL, 0); /* a request in flight is abandoned */
	free(w->exe);
	free(w);
}

int mail_worker_pid(const struct mail_worker *w)
{
	return w != NULL ? (int)w->pid : 0;
}

static enum io_result write_all(int fd, const unsigned char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EPIPE)
			return IO_EOF;
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return IO_ERROR;
		int64_t left = deadline - mail_now_ms();
		if (left <= 0)
			return IO_TIMEOUT;
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return IO_ERROR;
	}
	return IO_OK;
}

static enum io_result read_all(int fd, unsigned char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0)
			return IO_EOF;
		if (errno != EAGAIN && errno != EINTR)
			return IO_ERROR;
		int64_t left = deadline - mail_now_ms();
		if (left <= 0)
			return IO_TIMEOUT;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return IO_ERROR;
	}
	return IO_OK;
}

/* Sends the request; SIGPIPE from a dead reader is blocked and consumed. */
static enum io_result send_request(struct mail_worker *w, const unsigned char *p, size_t n,
				   uint32_t opts, int64_t deadline)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	unsigned char hdr[8];
	put_u32be(hdr, (uint32_t)n);
	put_u32be(hdr + 4, opts);
	enum io_result r = write_all(w->to_fd, hdr, sizeof(hdr), deadline);
	if (r == IO_OK)
		r = write_all(w->to_fd, p, n, deadline);
	if (r == IO_EOF && !was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static void fail_doc(struct mail_doc *doc, const char *why)
{
	mail_doc_release(doc);
	doc->flags = MAIL_F_PARSE_FAILED;
	doc->error = mail_text_clean(why, strlen(why), MAIL_DOC_MAX_STRING, NULL);
	log_warn("%s", why);
}

/* 1 if the worker has written something (or closed) when it should be
 * silent. */
static int speaks_out_of_turn(const struct mail_worker *w)
{
	struct pollfd pfd = {.fd = w->from_fd, .events = POLLIN};
	return poll(&pfd, 1, 0) != 0;
}

int mail_worker_submit(struct mail_worker *w, const unsigned char *p, size_t n, struct error *err)
{
	char why[256];
	if (w->busy)
		return error_set(err, ERR_INTERNAL,
				 "parse worker: a request is already in flight (collect it first)");
	if (w->pid > 0 && speaks_out_of_turn(w)) {
		reap(w, 1, why, sizeof(why));
		log_warn("parse worker wrote or closed its output between messages (then %s); "
			 "replaced",
			 why + strlen("parse worker "));
	}
	if (w->pid <= 0 && spawn(w, err) < 0)
		return -1;

	size_t send_n = n;
	int cut = n > w->lim.max_message_size || n > UINT32_MAX;
	if (cut) {
		/* Only the header section travels; the worker cannot tell, the
		 * doc is corrected in collect. */
		size_t start = mail_header_start(p, n), body;
		size_t hlen = mail_header_len(p + start, n - start, &body);
		send_n = start + hlen;
		if (send_n > w->lim.max_header_bytes + start)
			send_n = (size_t)(w->lim.max_header_bytes + start);
	}
	w->busy = 1;
	w->req_n = n;
	w->cut = cut;
	w->has_nul = cut && memchr(p, 0, n) != NULL;
	w->req_p = p;
	w->req_send_n = send_n;
	w->deadline = mail_now_ms() + (int64_t)w->lim.timeout_s * 1000;
	/* A failure here is reported by collect, as the message's doc. */
	w->sent = send_request(w, p, send_n, 0, w->deadline);
	return 0;
}

/* Reads the answer to the request in flight into doc. 0 when the worker
 * answered a valid document; -1 with why set when it did not (it is then
 * killed and reaped). */
static int collect_once(struct mail_worker *w, struct mail_doc *doc, char *why, size_t whylen)
{
	enum io_result r = w->sent;
	unsigned char hdr[4];
	unsigned char *ans = NULL;
	uint32_t len = 0;
	snprintf(why, whylen, "parse worker vanished"); /* unless reap() says more */
	if (r == IO_OK && w->pid <= 0)
		r = IO_ERROR; /* cannot happen: only reap() clears pid, and not in flight */
	if (r == IO_OK)
		r = read_all(w->from_fd, hdr, sizeof(hdr), w->deadline);
	if (r == IO_OK) {
		len = get_u32be(hdr);
		if (len == 0 || len > MAIL_DOC_MAX_WIRE) {
			reap(w, 1, NULL, 0);
			snprintf(why, whylen,
				 "parse worker answered garbage: a response length of %u bytes",
				 len);
			return -1;
		}
		ans = xmalloc(len);
		int64_t deadline = mail_now_ms() + COLLECT_GRACE_MS;
		if (deadline < w->deadline)
			deadline = w->deadline;
		r = read_all(w->from_fd, ans, len, deadline);
	}
	if (r != IO_OK) {
		free(ans);
		if (r == IO_TIMEOUT) {
			reap(w, 1, NULL, 0);
			snprintf(why, whylen, "parse worker timed out after %u s",
				 w->lim.timeout_s);
		} else {
			reap(w, 1, why, whylen);
		}
		return -1;
	}
	struct error derr = ERROR_INIT;
	int rc = mail_doc_decode(ans, len, doc, &derr);
	free(ans);
	if (rc < 0) {
		reap(w, 1, NULL, 0);
		snprintf(why, whylen, "parse worker answered garbage: %.200s", derr.msg);
		return -1;
	}
	return 0;
}

/* The same request once more, in a fresh worker, without attachment
 * extraction: what failed was most likely an extractor (poppler, libxml2,
 * libarchive) on an attachment. 0 with doc filled, -1 with why set. */
static int retry_without_extraction(struct mail_worker *w, struct mail_doc *doc, const char *first,
				    char *why, size_t whylen)
{
	struct error serr = ERROR_INIT;
	if (w->req_p == NULL && w->req_send_n > 0) {
		snprintf(why, whylen, "%s", first);
		return -1;
	}
	if (w->pid <= 0 && spawn(w, &serr) < 0) {
		snprintf(why, whylen, "%s; no parse worker for a retry: %.100s", first, serr.msg);
		return -1;
	}
	w->deadline = mail_now_ms() + (int64_t)w->lim.timeout_s * 1000;
	w->sent = send_request(w, w->req_p != NULL ? w->req_p : (const unsigned char *)"",
			       w->req_send_n, MAIL_PARSE_NO_EXTRACT, w->deadline);
	char second[256];
	if (collect_once(w, doc, second, sizeof(second)) < 0) {
		snprintf(why, whylen, "%s; again without attachment extraction: %s", first, second);
		return -1;
	}
	log_warn("%s; parsed again without attachment extraction", first);
	doc->flags |= MAIL_F_LIMITS;
	char *e = xasprintf("attachment text not extracted (%s)%s%s", first,
			    doc->error != NULL ? "; " : "", doc->error != NULL ? doc->error : "");
	free(doc->error);
	doc->error = mail_text_clean(e, strlen(e), MAIL_DOC_MAX_STRING, NULL);
	free(e);
	return 0;
}

int mail_worker_collect(struct mail_worker *w, struct mail_doc *doc, struct error *err)
{
	char why[640], first[256];
	mail_doc_release(doc);
	if (!w->busy)
		return error_set(err, ERR_INTERNAL, "parse worker: no request in flight");
	w->busy = 0;
	if (collect_once(w, doc, first, sizeof(first)) < 0 &&
	    retry_without_extraction(w, doc, first, why, sizeof(why)) < 0) {
		w->req_p = NULL;
		fail_doc(doc, why);
		return 0;
	}
	w->req_p = NULL;
	if (w->cut) {
		mail_doc_drop_attachments(doc);
		doc->n_parts = 0;
		doc->depth = 0;
		doc->flags |= MAIL_F_LIMITS;
		if (w->has_nul)
			doc->flags |= MAIL_F_NUL_BYTES;
		snprintf(why, sizeof(why),
			 "message of %zu bytes is larger than %llu: only the header section was "
			 "parsed",
			 w->req_n, (unsigned long long)w->lim.max_message_size);
		free(doc->error);
		doc->error = xstrdup(why);
	}
	if (++w->served >= w->lim.recycle_after)
		reap(w, 0, NULL, 0); /* the next submit starts a fresh one */
	return 0;
}

int mail_worker_parse(struct mail_worker *w, const unsigned char *p, size_t n, struct mail_doc *doc,
		      struct error *err)
{
	mail_doc_release(doc);
	if (mail_worker_submit(w, p, n, err) < 0)
		return -1;
	return mail_worker_collect(w, doc, err);
}
