/*
 * gen_run.c - writing generated mail out: a directory of .eml files
 * (DIR/000/000123.eml, at most 1000 files per subdirectory), an mbox file
 * (mboxrd: a From_ line with the envelope sender and the UTC date, every
 * body line matching ^>*From  gets one more '>', a blank line after each
 * message), or a Maildir++ (cur/new/tmp, folders such as .Sent,
 * .Archive.2025 and .&W6JiNw- for 客户, a maildirfolder file in each; file
 * names "TIME.MmicroPpidQn.mail01.hengxin-fund.example,S=size,W=rfc822size"
 * with ":2,FLAGS" in cur).
 *
 * The manifest (--manifest FILE) is JSON Lines, one object per message in
 * order: n, path (or offset for mbox), message_id, date (UTC), direction,
 * lang, charset, cte, mislabelled, subject, from, mail_from (envelope
 * sender), rcpt (envelope recipients as Hengxin's MTA sees them, Bcc
 * included; see struct gen_info), bcc, attachments, size, duplicate_of,
 * parent, thread, flags, scenario, folder. It is the ground truth for tests:
 * Bcc recipients exist only there (and in struct gen_info), never in the
 * message bytes. Keep it outside an eml/Maildir output (an importer walking
 * the directory would take it for a message).
 *
 * Work is done in chunks of CHUNK consecutive messages; with jobs > 1 each
 * worker thread owns a struct gen and a chunk, and the main thread writes
 * the mbox data and the manifest lines of the chunks in order, so the
 * output is byte-identical whatever the number of jobs. Memory stays bounded
 * by jobs x CHUNK messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/xalloc.h"
#include "gen/gen_int.h"

#define CHUNK 128
#define MSG_MAX (256u << 20)

const char *gen_charset_name(enum gen_charset cs)
{
	return cs_label(cs, 0);
}

const char *gen_att_kind_name(enum gen_att_kind k)
{
	static const char *const n[GEN_ATT_COUNT] = {"pdf", "docx", "xlsx",   "zip",
						     "csv", "png",  "message"};
	return (unsigned)k < GEN_ATT_COUNT ? n[k] : "?";
}

const char *gen_direction_name(enum gen_direction d)
{
	static const char *const n[] = {"internal", "inbound", "outbound"};
	return (unsigned)d < 3 ? n[d] : "?";
}

const char *gen_flag_name(unsigned bit)
{
	static const char *const n[8] = {"crlf",  "no_message_id", "mislabelled", "html",
					 "large", "late_night",	   "long_header", "undisclosed"};
	return bit < 8 ? n[bit] : "?";
}

void gen_stats_add(struct gen_stats *s, const struct gen_info *info, size_t size)
{
	s->messages++;
	s->bytes += size;
	if (size > s->max_size)
		s->max_size = size;
	if (info->duplicate_of >= 0)
		s->duplicates++;
	if (info->parent >= 0)
		s->replies++;
	if (info->n_bcc > 0)
		s->with_bcc++;
	if ((unsigned)info->direction < 3)
		s->direction[info->direction]++;
	if ((unsigned)info->charset < GEN_CS_COUNT)
		s->charset[info->charset]++;
	int real = 0;
	for (size_t i = 0; i < info->n_att; i++) {
		if ((unsigned)info->att[i] < GEN_ATT_COUNT)
			s->att[info->att[i]]++;
		real |= info->att[i] != GEN_ATT_PNG;
	}
	s->with_attachments += real;
	for (unsigned b = 0; b < 8; b++)
		if (info->flags & (1u << b))
			s->flags[b]++;
}

static void stats_merge(struct gen_stats *a, const struct gen_stats *b)
{
	a->messages += b->messages;
	a->bytes += b->bytes;
	a->duplicates += b->duplicates;
	a->replies += b->replies;
	a->with_bcc += b->with_bcc;
	a->with_attachments += b->with_attachments;
	if (b->max_size > a->max_size)
		a->max_size = b->max_size;
	for (int i = 0; i < 3; i++)
		a->direction[i] += b->direction[i];
	for (int i = 0; i < GEN_CS_COUNT; i++)
		a->charset[i] += b->charset[i];
	for (int i = 0; i < GEN_ATT_COUNT; i++)
		a->att[i] += b->att[i];
	for (int i = 0; i < 8; i++)
		a->flags[i] += b->flags[i];
}

/* ---- JSON (manifest) -------------------------------------------------------- */

static int json_str(struct buf *o, const char *s, struct error *err)
{
	if (buf_append_byte(o, '"', err) < 0)
		return -1;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		int rc;
		if (*c == '"' || *c == '\\')
			rc = gen_printf(o, err, "\\%c", *c);
		else if (*c < 0x20)
			rc = gen_printf(o, err, "\\u%04x", *c);
		else
			rc = buf_append_byte(o, *c, err);
		if (rc < 0)
			return -1;
	}
	return buf_append_byte(o, '"', err);
}

static int json_strs(struct buf *o, const char *const *v, size_t n, struct error *err)
{
	if (buf_append_byte(o, '[', err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((i && buf_append_byte(o, ',', err) < 0) || json_str(o, v[i], err) < 0)
			return -1;
	return buf_append_byte(o, ']', err);
}

static int manifest_line(struct buf *o, const struct gen_info *in, const char *path,
			 uint64_t offset, size_t size, struct error *err)
{
	int y, mo, d, h, mi, s, wd;
	gen_civil(in->date, 0, &y, &mo, &d, &h, &mi, &s, &wd);
	if (gen_printf(o, err, "{\"n\":%" PRIu64 ",", in->n) < 0)
		return -1;
	if (path != NULL) {
		if (buf_append_str(o, "\"path\":", err) < 0 || json_str(o, path, err) < 0 ||
		    buf_append_byte(o, ',', err) < 0)
			return -1;
	} else if (gen_printf(o, err, "\"offset\":%" PRIu64 ",", offset) < 0) {
		return -1;
	}
	if (buf_append_str(o, "\"message_id\":", err) < 0 || json_str(o, in->message_id, err) < 0 ||
	    gen_printf(
		o, err,
		",\"date\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\",\"direction\":\"%s\",\"lang\":\"%s\","
		"\"charset\":\"%s\",\"cte\":\"%s\",\"mislabelled\":%s,\"subject\":",
		y, mo, d, h, mi, s, gen_direction_name(in->direction), in->lang,
		gen_charset_name(in->charset), in->cte,
		in->flags & GEN_F_MISLABELLED ? "true" : "false") < 0 ||
	    json_str(o, in->subject, err) < 0 || buf_append_str(o, ",\"from\":", err) < 0 ||
	    json_str(o, in->from, err) < 0 || buf_append_str(o, ",\"mail_from\":", err) < 0 ||
	    json_str(o, in->mail_from, err) < 0 || buf_append_str(o, ",\"rcpt\":", err) < 0 ||
	    json_strs(o, in->rcpt, in->n_rcpt, err) < 0 ||
	    buf_append_str(o, ",\"bcc\":", err) < 0 || json_strs(o, in->bcc, in->n_bcc, err) < 0 ||
	    buf_append_str(o, ",\"attachments\":[", err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_att; i++)
		if (gen_printf(o, err, "%s\"%s\"", i ? "," : "", gen_att_kind_name(in->att[i])) < 0)
			return -1;
	if (gen_printf(o, err, "],\"size\":%zu,\"duplicate_of\":", size) < 0)
		return -1;
	if ((in->duplicate_of >= 0 ? gen_printf(o, err, "%" PRId64, in->duplicate_of)
				   : buf_append_str(o, "null", err)) < 0 ||
	    buf_append_str(o, ",\"parent\":", err) < 0 ||
	    (in->parent >= 0 ? gen_printf(o, err, "%" PRId64, in->parent)
			     : buf_append_str(o, "null", err)) < 0 ||
	    gen_printf(o, err, ",\"thread\":%" PRId64 ",\"flags\":[", in->thread) < 0)
		return -1;
	int first = 1;
	for (unsigned b = 0; b < 8; b++)
		if (in->flags & (1u << b)) {
			if (gen_printf(o, err, "%s\"%s\"", first ? "" : ",", gen_flag_name(b)) < 0)
				return -1;
			first = 0;
		}
	if (buf_append_str(o, "],\"scenario\":", err) < 0 || json_str(o, in->scenario, err) < 0 ||
	    buf_append_str(o, ",\"folder\":", err) < 0 || json_str(o, in->folder, err) < 0 ||
	    buf_append_str(o, "}\n", err) < 0)
		return -1;
	return 0;
}

/* ---- formats ------------------------------------------------------------------- */

/* mboxrd: the From_ line, the message with ^>*From  lines quoted once more,
 * a final line ending and the separating blank line. */
static int mbox_append(struct buf *o, const struct gen_info *in, const struct buf *msg,
		       struct error *err)
{
	static const char *const wd3[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon3[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int y, mo, d, h, mi, s, wd;
	gen_civil(in->date, 0, &y, &mo, &d, &h, &mi, &s, &wd);
	if (gen_printf(o, err, "From %s %s %s %2d %02d:%02d:%02d %d\n",
		       in->mail_from[0] ? in->mail_from : "MAILER-DAEMON", wd3[wd], mon3[mo - 1], d,
		       h, mi, s, y) < 0)
		return -1;
	if (buf_reserve(o, msg->len + msg->len / 64 + 4, err) < 0)
		return -1;
	const unsigned char *p = msg->data, *end = p + msg->len;
	while (p < end) {
		const unsigned char *q = p;
		while (q < end && *q == '>')
			q++;
		if (end - q >= 5 && memcmp(q, "From ", 5) == 0 && buf_append_byte(o, '>', err) < 0)
			return -1;
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (buf_append(o, p, n, err) < 0)
			return -1;
		p += n;
	}
	if (msg->len > 0 && msg->data[msg->len - 1] != '\n' && buf_append_byte(o, '\n', err) < 0)
		return -1;
	return buf_append_byte(o, '\n', err);
}

static int write_file(const char *path, const void *p, size_t n, int force, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0)
		return error_errno(err, "create %s", path);
	int rc = fs_write_all(fd, p, n, err);
	if (close(fd) < 0 && rc == 0)
		rc = error_errno(err, "close %s", path);
	if (rc < 0)
		error_prefix(err, "%s", path);
	return rc;
}

static void eml_rel(char *out, size_t cap, uint64_t n)
{
	snprintf(out, cap, "%03" PRIu64 "/%06" PRIu64 ".eml", n / 1000, n);
}

static void maildir_rel(char *out, size_t cap, const struct gen_info *in, size_t size, size_t wsize,
			uint64_t seed)
{
	uint64_t x = gen_mix64(in->n ^ gen_mix64(seed ^ 0x4d44));
	const char *folder = in->folder;
	int inbox = folder[0] == '\0';
	int fresh = inbox && x % 100 < 12;
	char flags[8];
	size_t k = 0;
	if ((x >> 8) % 100 < 4)
		flags[k++] = 'F';
	if (strcmp(folder, ".Sent") != 0 && (x >> 16) % 100 < 20)
		flags[k++] = 'R';
	if (strcmp(folder, ".Sent") == 0 || (x >> 24) % 100 < 85)
		flags[k++] = 'S';
	flags[k] = '\0';
	snprintf(out, cap,
		 "%s%s%s/%" PRId64 ".M%06uP%uQ%" PRIu64
		 ".mail01.hengxin-fund.example,S=%zu,W=%zu%s%s",
		 folder, inbox ? "" : "/", fresh ? "new" : "cur", in->date,
		 (unsigned)((x >> 32) % 1000000), 1000 + (unsigned)((x >> 12) % 60000), in->n, size,
		 wsize, fresh ? "" : ":2,", fresh ? "" : flags);
}

/* ---- the run -------------------------------------------------------------------- */

struct run;

struct worker {
	struct run *run;
	struct gen *g;
	struct buf msg, data, man;
	struct gen_stats st;
	uint64_t first, count;
	struct error err;
	int failed;
	pthread_t th;
};

/* A barrier whose number of parties can shrink (if a thread fails to start). */
struct bar {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned parties, waiting;
	uint64_t round;
};

static void bar_init(struct bar *b, unsigned parties)
{
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->parties = parties;
	b->waiting = 0;
	b->round = 0;
}

static void bar_destroy(struct bar *b)
{
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
}

static void bar_wait(struct bar *b)
{
	pthread_mutex_lock(&b->mu);
	uint64_t round = b->round;
	if (++b->waiting >= b->parties) {
		b->waiting = 0;
		b->round++;
		pthread_cond_broadcast(&b->cv);
	} else {
		while (round == b->round)
			pthread_cond_wait(&b->cv, &b->mu);
	}
	pthread_mutex_unlock(&b->mu);
}

static void bar_set_parties(struct bar *b, unsigned parties)
{
	pthread_mutex_lock(&b->mu);
	b->parties = parties;
	pthread_mutex_unlock(&b->mu);
}

struct run {
	const struct gen_opts *o;
	struct worker *w;
	unsigned nw;
	struct bar start, done;
	int stop;
	uint64_t mbox_off; /* bytes of mbox written before the current batch */
};

static int do_chunk(struct worker *w, struct error *err)
{
	const struct gen_opts *o = w->run->o;
	char rel[320], path[4096];
	buf_reset(&w->data);
	buf_reset(&w->man);
	for (uint64_t n = w->first; n < w->first + w->count; n++) {
		struct gen_info in;
		if (gen_message(w->g, n, &w->msg, &in, err) < 0)
			return error_prefix(err, "message %" PRIu64, n);
		in.n = n;
		gen_stats_add(&w->st, &in, w->msg.len);
		const char *relp = NULL;
		if (o->format == GEN_FMT_MBOX) {
			size_t at = w->data.len;
			if (mbox_append(&w->data, &in, &w->msg, err) < 0)
				return -1;
			/* offsets are completed by the writer (relative to the chunk now) */
			if (o->manifest != NULL &&
			    manifest_line(&w->man, &in, NULL, at, w->msg.len, err) < 0)
				return -1;
			continue;
		}
		if (o->format == GEN_FMT_EML) {
			eml_rel(rel, sizeof(rel), n);
		} else {
			size_t lf = 0;
			for (size_t i = 0; i < w->msg.len; i++)
				lf += w->msg.data[i] == '\n' &&
				      (i == 0 || w->msg.data[i - 1] != '\r');
			maildir_rel(rel, sizeof(rel), &in, w->msg.len, w->msg.len + lf, o->seed);
		}
		relp = rel;
		int k = snprintf(path, sizeof(path), "%s/%s", o->out, rel);
		if (k < 0 || (size_t)k >= sizeof(path))
			return error_set(err, ERR_LIMIT, "path too long: %s/%s", o->out, rel);
		if (write_file(path, w->msg.data, w->msg.len, o->force, err) < 0)
			return -1;
		if (o->manifest != NULL &&
		    manifest_line(&w->man, &in, relp, 0, w->msg.len, err) < 0)
			return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		bar_wait(&w->run->start);
		if (w->run->stop)
			break;
		if (!w->failed && w->count > 0 && do_chunk(w, &w->err) < 0)
			w->failed = 1;
		bar_wait(&w->run->done);
	}
	return NULL;
}

/* Fixes the mbox offsets of a chunk's manifest lines: they were written
 * relative to the chunk; add base. */
static int rebase_offsets(struct buf *man, uint64_t base, struct buf *tmp, struct error *err)
{
	buf_reset(tmp);
	const char *p = (const char *)man->data, *end = p + man->len;
	while (p < end) {
		const char *k = strstr(p, "\"offset\":");
		if (k == NULL || k >= end) {
			return buf_append(tmp, p, (size_t)(end - p), err);
		}
		k += 9;
		if (buf_append(tmp, p, (size_t)(k - p), err) < 0)
			return -1;
		char *e;
		unsigned long long v = strtoull(k, &e, 10);
		if (gen_printf(tmp, err, "%llu", v + (unsigned long long)base) < 0)
			return -1;
		p = e;
	}
	return 0;
}

static int dir_empty(const char *path, int *empty_r, struct error *err)
{
	DIR *d = opendir(path);
	if (d == NULL) {
		if (errno == ENOENT) {
			*empty_r = 1;
			return 0;
		}
		return error_errno(err, "open %s", path);
	}
	struct dirent *e;
	*empty_r = 1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			*empty_r = 0;
			break;
		}
	closedir(d);
	return 0;
}

static int prepare_output(const struct gen_opts *o, struct error *err)
{
	char path[4096];
	if (o->format == GEN_FMT_MBOX) {
		struct stat st;
		if (stat(o->out, &st) == 0 && !o->force)
			return error_set(err, ERR_EXISTS, "%s exists (use --force to overwrite)",
					 o->out);
		char *dir = fs_dirname(o->out);
		int rc = fs_mkdir_p(dir, 0755, err);
		free(dir);
		return rc;
	}
	int empty = 0;
	if (dir_empty(o->out, &empty, err) < 0)
		return -1;
	if (!empty && !o->force)
		return error_set(err, ERR_EXISTS, "%s is not empty (use --force to write into it)",
				 o->out);
	if (fs_mkdir_p(o->out, 0755, err) < 0)
		return -1;
	if (o->format == GEN_FMT_EML) {
		for (uint64_t d = 0; d <= (o->count - 1) / 1000; d++) {
			snprintf(path, sizeof(path), "%s/%03" PRIu64, o->out, d);
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				return error_errno(err, "mkdir %s", path);
		}
		return 0;
	}
	/* Maildir++: the root and every folder with cur/new/tmp */
	int y0, y1, mo, d, h, mi, s, wd;
	gen_civil((int64_t)o->start_day * 86400, 0, &y0, &mo, &d, &h, &mi, &s, &wd);
	gen_civil(((int64_t)o->start_day + o->days - 1) * 86400, 0, &y1, &mo, &d, &h, &mi, &s, &wd);
	static const char *const fixed[] = {
	    "", ".Sent", ".Junk", ".Newsletters", ".&W6JiNw-", ".&W6JiNw-.Brokers"};
	/* a year either side: senders' time zones and late replies cross it */
	y0--;
	y1++;
	size_t nf = NELEM(fixed) + (size_t)(y1 - y0 + 1);
	for (size_t i = 0; i < nf; i++) {
		char folder[64];
		if (i < NELEM(fixed))
			snprintf(folder, sizeof(folder), "%s", fixed[i]);
		else
			snprintf(folder, sizeof(folder), ".Archive.%d",
				 y0 + (int)(i - NELEM(fixed)));
		static const char *const sub[] = {"cur", "new", "tmp"};
		for (size_t k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s%s%s", o->out, folder,
				 folder[0] ? "/" : "", sub[k]);
			if (fs_mkdir_p(path, 0755, err) < 0)
				return -1;
		}
		if (folder[0]) {
			snprintf(path, sizeof(path), "%s/%s/maildirfolder", o->out, folder);
			int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0)
				return error_errno(err, "create %s", path);
			close(fd);
		}
	}
	return 0;
}

int gen_run(const struct gen_opts *o, struct gen_stats *stats_r, struct error *err)
{
	if (o->out == NULL || !*o->out)
		return error_set(err, ERR_USAGE, "no output path");
	memset(stats_r, 0, sizeof(*stats_r));
	struct run run;
	memset(&run, 0, sizeof(run));
	run.o = o;
	run.nw = o->jobs > 1 ? o->jobs : 1;
	if (o->format == GEN_FMT_MBOX && o->jobs == 0)
		run.nw = 1;
	int rc = -1, fd = -1, threads = 0;
	FILE *man = NULL;
	struct buf tmp;
	buf_init(&tmp, MSG_MAX);
	run.w = xcalloc(run.nw, sizeof(*run.w));
	for (unsigned i = 0; i < run.nw; i++) {
		struct worker *w = &run.w[i];
		w->run = &run;
		buf_init(&w->msg, MSG_MAX);
		buf_init(&w->data, MSG_MAX);
		buf_init(&w->man, MSG_MAX);
		if (gen_new(o, &w->g, err) < 0)
			goto fail;
	}
	if (prepare_output(o, err) < 0)
		goto fail;
	if (o->format == GEN_FMT_MBOX) {
		fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			error_errno(err, "create %s", o->out);
			goto fail;
		}
	}
	if (o->manifest != NULL) {
		man = fopen(o->manifest, "w");
		if (man == NULL) {
			error_errno(err, "create %s", o->manifest);
			goto fail;
		}
	}
	if (run.nw > 1) {
		bar_init(&run.start, run.nw + 1);
		bar_init(&run.done, run.nw + 1);
		for (unsigned i = 0; i < run.nw; i++) {
			if (pthread_create(&run.w[i].th, NULL, worker_main, &run.w[i]) != 0) {
				error_set(err, ERR_INTERNAL, "pthread_create failed");
				/* the started ones wait for fewer parties, then stop */
				bar_set_parties(&run.start, i + 1);
				threads = (int)i;
				goto stop;
			}
		}
		threads = (int)run.nw;
	}
	for (uint64_t base = 0; base < o->count; base += (uint64_t)CHUNK * run.nw) {
		for (unsigned i = 0; i < run.nw; i++) {
			struct worker *w = &run.w[i];
			w->first = base + (uint64_t)i * CHUNK;
			w->count = w->first >= o->count		 ? 0
				   : o->count - w->first < CHUNK ? o->count - w->first
								 : CHUNK;
		}
		if (run.nw > 1) {
			bar_wait(&run.start);
			bar_wait(&run.done);
		} else if (run.w[0].count > 0 && do_chunk(&run.w[0], &run.w[0].err) < 0) {
			run.w[0].failed = 1;
		}
		for (unsigned i = 0; i < run.nw; i++) {
			struct worker *w = &run.w[i];
			if (w->failed) {
				*err = w->err;
				goto stop;
			}
			if (w->count == 0)
				continue;
			const struct buf *m = &w->man;
			if (o->format == GEN_FMT_MBOX) {
				if (man != NULL) {
					if (rebase_offsets(&w->man, run.mbox_off, &tmp, err) < 0)
						goto stop;
					m = &tmp;
				}
				if (fs_write_all(fd, w->data.data, w->data.len, err) < 0)
					goto stop;
				run.mbox_off += w->data.len;
			}
			if (man != NULL && m->len > 0 &&
			    fwrite(m->data, 1, m->len, man) != m->len) {
				error_errno(err, "write %s", o->manifest);
				goto stop;
			}
		}
	}
	rc = 0;
stop:
	if (threads > 0) {
		run.stop = 1;
		bar_wait(&run.start);
		for (int i = 0; i < threads; i++)
			pthread_join(run.w[i].th, NULL);
	}
	if (run.nw > 1) {
		bar_destroy(&run.start);
		bar_destroy(&run.done);
	}
fail:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = error_errno(err, "close %s", o->out);
	if (man != NULL && fclose(man) != 0 && rc == 0)
		rc = error_errno(err, "close %s", o->manifest);
	for (unsigned i = 0; i < run.nw; i++) {
		stats_merge(stats_r, &run.w[i].st);
		gen_free(run.w[i].g);
		buf_release(&run.w[i].msg);
		buf_release(&run.w[i].data);
		buf_release(&run.w[i].man);
	}
	free(run.w);
	buf_release(&tmp);
	return rc;
}
