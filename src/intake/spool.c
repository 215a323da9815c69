/*
 * spool.c - the durable spool: append-only spool files with group commit,
 * a two-slot done file, crash recovery. See spool.h for the API and
 * doc/formats/spool.md for the byte layout and the reasoning.
 *
 * Files in the spool directory:
 *   NNNNNNNNNNNN.spool          spool files, by increasing sequence number
 *   NNNNNNNNNNNN.spool.corrupt  a drained file in which corruption was found
 *   done                        the reader's durable "done through id"
 *
 * Invariants:
 *  - entry ids strictly increase through the files in sequence order; a
 *    new writer starts above every id found in any file header, any record
 *    header whose own checksum verifies (even of a torn record), and the
 *    done file;
 *  - the writer appends only to the newest file; before it creates a newer
 *    file, everything it wrote to the older one is fdatasync'ed. So a file
 *    that has a newer sibling ("sealed") never changes again, and a bad
 *    record in it is corruption, not a write in progress;
 *  - only the writer's open truncates, and only the newest file's tail
 *    after its last valid record (bytes no spool_sync() ever covered:
 *    every record a sync covered is valid unless the disk rotted it, and a
 *    rotted record followed by valid ones is skipped, not truncated);
 *  - the reader hands out only records whose checksum verifies, in id
 *    order, and never one with id <= the durable done id; it removes a file
 *    only when it is sealed and every id in it is durably done; the newest
 *    file is never removed, so its header keeps the id floor;
 *  - every size read from disk is checked against the format limits and
 *    the file size before anything is allocated.
 *
 * The checksum is CRC-32C (Castagnoli, RFC 3720 appendix B.4), slice-by-8.
 */
#include "intake/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/xalloc.h"

#define DONE_NAME "done"
#define FILE_SUFFIX ".spool"
#define CORRUPT_SUFFIX ".corrupt"
/* 8 time + 4 strings of at least a u16 length + u32 recipient count */
#define ENV_MIN_LEN (8 + 4 * 2 + 4)
#define RESYNC_WINDOW ((size_t)64 << 10)
/* A reader buffer grown past this is given back when a smaller record follows. */
#define REC_KEEP_CAP ((size_t)16 << 20)

/* ---- CRC-32C ------------------------------------------------------------ */

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

/* Chains like zlib's crc32(): crc32c(crc32c(0, a), b) == crc32c(0, a || b). */
static uint32_t crc32c(uint32_t crc, const void *buf, size_t n)
{
	pthread_once(&crc_once, crc_build);
	const unsigned char *p = buf;
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		      crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^ crc_tab[3][p[4]] ^
		      crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^ crc_tab[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- small helpers ------------------------------------------------------- */

void spool_opts_default(struct spool_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_message = SPOOL_DEFAULT_MAX_MESSAGE;
	o->max_rcpts = SPOOL_DEFAULT_MAX_RCPTS;
	o->max_string = SPOOL_DEFAULT_MAX_STRING;
	o->file_size = SPOOL_DEFAULT_FILE_SIZE;
	o->reserve = SPOOL_DEFAULT_RESERVE;
}

void spool_origin(char out[SPOOL_ORIGIN_MAX], uint64_t id)
{
	snprintf(out, SPOOL_ORIGIN_MAX, "spool:%" PRIu64, id);
}

static void report(const struct spool_opts *o, struct spool_stats *st, const char *path,
		   uint64_t offset, uint64_t length, const char *what)
{
	struct spool_fault f = {path, offset, length, what};
	if (st != NULL) {
		st->corrupt_regions++;
		st->corrupt_bytes += length;
	}
	if (o->on_fault != NULL)
		o->on_fault(o->fault_ctx, &f);
	else
		log_warn("spool: %s at offset %" PRIu64 " (%" PRIu64 " bytes): %s", path, offset,
			 length, what);
}

static int datasync(int fd, const char *what, struct spool_stats *st, struct error *err)
{
	st->data_syncs++;
	while (fdatasync(fd) < 0) {
		if (errno != EINTR)
			return error_errno(err, "fdatasync %s", what);
	}
	return 0;
}

static char *file_path(const char *dir, uint64_t seq)
{
	return xasprintf("%s/%012" PRIu64 FILE_SUFFIX, dir, seq);
}

/* Parses "DIGITS.spool" (*corrupt_r = 0) or "DIGITS.spool.corrupt" (1). */
static int parse_name(const char *name, uint64_t *seq_r, int *corrupt_r)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; name[i] >= '0' && name[i] <= '9'; i++) {
		if (i >= 20 || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (i == 0 || v == 0 || v > SPOOL_MAX_ID ||
	    strncmp(name + i, FILE_SUFFIX, strlen(FILE_SUFFIX)) != 0)
		return 0;
	const char *rest = name + i + strlen(FILE_SUFFIX);
	if (*rest == '\0')
		*corrupt_r = 0;
	else if (strcmp(rest, CORRUPT_SUFFIX) == 0)
		*corrupt_r = 1;
	else
		return 0;
	*seq_r = v;
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The sequence numbers of the live spool files, sorted (caller frees
 * *seqs_r), and the largest number any name uses (quarantined too). */
static int list_files(const char *dir, uint64_t **seqs_r, size_t *n_r, uint64_t *max_any_r,
		      struct error *err)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return error_errno(err, "open spool directory %s", dir);
	uint64_t *seqs = NULL;
	size_t n = 0, cap = 0;
	uint64_t max_any = 0;
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (e == NULL)
			break;
		uint64_t seq;
		int corrupt;
		if (!parse_name(e->d_name, &seq, &corrupt))
			continue;
		if (seq > max_any)
			max_any = seq;
		if (corrupt)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			seqs = xrealloc(seqs, cap * sizeof(*seqs));
		}
		seqs[n++] = seq;
	}
	int saved = errno;
	closedir(d);
	if (saved != 0) {
		free(seqs);
		errno = saved;
		return error_errno(err, "read spool directory %s", dir);
	}
	if (n > 1)
		qsort(seqs, n, sizeof(*seqs), cmp_u64);
	*seqs_r = seqs;
	*n_r = n;
	*max_any_r = max_any;
	return 0;
}

/* ---- file header ---------------------------------------------------------- */

static void file_header_build(unsigned char h[SPOOL_FILE_HEADER_LEN], uint64_t seq,
			      uint64_t first_id)
{
	memset(h, 0, SPOOL_FILE_HEADER_LEN);
	memcpy(h, SPOOL_FILE_MAGIC, 8);
	put_u16be(h + 8, SPOOL_VERSION);
	put_u16be(h + 10, SPOOL_FILE_HEADER_LEN);
	put_u64be(h + 16, seq);
	put_u64be(h + 24, first_id);
	put_u64be(h + 32, (uint64_t)time(NULL));
	put_u32be(h + 44, crc32c(0, h, 44));
}

static int file_header_parse(const unsigned char h[SPOOL_FILE_HEADER_LEN], uint64_t seq,
			     uint64_t *first_id_r, const char **why_r)
{
	if (memcmp(h, SPOOL_FILE_MAGIC, 8) != 0)
		*why_r = "bad file magic";
	else if (get_u32be(h + 44) != crc32c(0, h, 44))
		*why_r = "file header checksum mismatch";
	else if (get_u16be(h + 8) != SPOOL_VERSION || get_u16be(h + 10) != SPOOL_FILE_HEADER_LEN)
		*why_r = "unknown file version";
	else if (get_u64be(h + 16) != seq)
		*why_r = "file header names another file";
	else if (get_u64be(h + 24) > SPOOL_MAX_ID)
		*why_r = "first id out of range";
	else {
		*first_id_r = get_u64be(h + 24);
		return 0;
	}
	return -1;
}

/* ---- envelope -------------------------------------------------------------- */

static const char *str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Checks env against the limits; *len_r is its encoded size. */
static int env_size(const struct spool_envelope *env, const struct spool_opts *o, uint64_t *len_r,
		    struct error *err)
{
	const char *fixed[4] = {str_or_empty(env->protocol), str_or_empty(env->client_addr),
				str_or_empty(env->helo), str_or_empty(env->mail_from)};
	static const char *const names[4] = {"protocol", "client address", "HELO", "MAIL FROM"};
	if (env->n_rcpts > o->max_rcpts)
		return error_set(err, ERR_LIMIT, "%zu recipients exceed the limit of %" PRIu32,
				 env->n_rcpts, o->max_rcpts);
	if (env->n_rcpts > 0 && env->rcpts == NULL)
		return error_set(err, ERR_USAGE, "recipients missing");
	uint64_t len = 8 + 4;
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(fixed[i]);
		if (n > o->max_string)
			return error_set(err, ERR_LIMIT, "%s of %zu bytes exceeds the limit of %" PRIu32,
					 names[i], n, o->max_string);
		len += 2 + n;
	}
	for (size_t i = 0; i < env->n_rcpts; i++) {
		if (env->rcpts[i] == NULL)
			return error_set(err, ERR_USAGE, "recipient %zu is NULL", i);
		size_t n = strlen(env->rcpts[i]);
		if (n > o->max_string)
			return error_set(err, ERR_LIMIT,
					 "recipient %zu of %zu bytes exceeds the limit of %" PRIu32, i,
					 n, o->max_string);
		len += 2 + n;
	}
	if (len > SPOOL_HARD_MAX_ENVELOPE)
		return error_set(err, ERR_LIMIT, "envelope of %" PRIu64 " bytes is too large", len);
	*len_r = len;
	return 0;
}

static int put_str(struct buf *b, const char *s, struct error *err)
{
	size_t n = strlen(s);
	if (buf_put_u16be(b, (uint16_t)n, err) < 0)
		return -1;
	return buf_append(b, s, n, err);
}

static int env_encode(struct buf *b, const struct spool_envelope *env, struct error *err)
{
	int64_t us = env->received_us;
	if (us == 0) {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	}
	if (buf_put_u64be(b, (uint64_t)us, err) < 0 || put_str(b, str_or_empty(env->protocol), err) < 0 ||
	    put_str(b, str_or_empty(env->client_addr), err) < 0 ||
	    put_str(b, str_or_empty(env->helo), err) < 0 ||
	    put_str(b, str_or_empty(env->mail_from), err) < 0 ||
	    buf_put_u32be(b, (uint32_t)env->n_rcpts, err) < 0)
		return -1;
	for (size_t i = 0; i < env->n_rcpts; i++)
		if (put_str(b, env->rcpts[i], err) < 0)
			return -1;
	return 0;
}

/* Decoded envelope strings of the reader: ptrs[0..4) are protocol,
 * client address, HELO and MAIL FROM; ptrs[4..) the recipients. Each
 * points into strs, NUL-terminated. */
struct env_out {
	struct buf strs;
	size_t *offs;
	const char **ptrs;
	size_t cap;
};

static int take_str(const unsigned char *p, size_t n, size_t *at, struct env_out *out, size_t slot,
		    struct error *err)
{
	if (n - *at < 2)
		return -1;
	size_t len = get_u16be(p + *at);
	*at += 2;
	if (n - *at < len || memchr(p + *at, '\0', len) != NULL)
		return -1;
	if (out != NULL) {
		out->offs[slot] = out->strs.len;
		if (buf_append(&out->strs, p + *at, len, err) < 0 ||
		    buf_append_byte(&out->strs, '\0', err) < 0)
			return -1;
	}
	*at += len;
	return 0;
}

/* Checks (out == NULL) or decodes an envelope p[0..n). 0 ok, -1 malformed. */
static int env_parse(const unsigned char *p, size_t n, struct env_out *out, int64_t *received_r,
		     size_t *n_rcpts_r)
{
	struct error err = ERROR_INIT;
	if (n < ENV_MIN_LEN)
		return -1;
	size_t at = 8;
	if (out != NULL) {
		buf_reset(&out->strs);
		if (out->cap < 4) {
			out->offs = xrealloc(out->offs, 4 * sizeof(*out->offs));
			out->ptrs = xrealloc(out->ptrs, 4 * sizeof(*out->ptrs));
			out->cap = 4;
		}
	}
	for (size_t i = 0; i < 4; i++)
		if (take_str(p, n, &at, out, i, &err) < 0)
			return -1;
	if (n - at < 4)
		return -1;
	uint32_t nr = get_u32be(p + at);
	at += 4;
	/* each recipient takes at least its 2-byte length: bounded by n */
	if (nr > SPOOL_HARD_MAX_RCPTS || (uint64_t)nr * 2 > n - at)
		return -1;
	if (out != NULL && out->cap < (size_t)nr + 4) {
		out->cap = (size_t)nr + 4;
		out->offs = xrealloc(out->offs, out->cap * sizeof(*out->offs));
		out->ptrs = xrealloc(out->ptrs, out->cap * sizeof(*out->ptrs));
	}
	for (uint32_t i = 0; i < nr; i++)
		if (take_str(p, n, &at, out, 4 + (size_t)i, &err) < 0)
			return -1;
	if (at != n)
		return -1;
	if (out != NULL) {
		const char *base = (const char *)out->strs.data;
		for (size_t i = 0; i < (size_t)nr + 4; i++)
			out->ptrs[i] = base + out->offs[i];
		*received_r = (int64_t)get_u64be(p);
		*n_rcpts_r = nr;
	}
	return 0;
}

/* ---- records ---------------------------------------------------------------- */

struct rec {
	uint64_t id;
	uint32_t env_len;
	uint64_t msg_len;
	uint64_t rec_len;
	int verified; /* payload checksum checked (not skipped as done) */
};

/* Parses and checks a record header against the format limits. */
static int rec_header_parse(const unsigned char h[SPOOL_RECORD_HEADER_LEN], uint64_t seq,
			    struct rec *r, const char **why_r)
{
	if (get_u32be(h) != SPOOL_RECORD_MAGIC)
		*why_r = "bad record magic";
	else if (get_u32be(h + 40) != crc32c(0, h, 40))
		*why_r = "record header checksum mismatch";
	else if (get_u16be(h + 4) != SPOOL_VERSION || get_u16be(h + 6) != SPOOL_RECORD_HEADER_LEN)
		*why_r = "unknown record version";
	else if (h[8] != SPOOL_RECORD_MESSAGE || h[9] != 0 || get_u16be(h + 10) != 0)
		*why_r = "unknown record type";
	else if (get_u64be(h + 24) != seq)
		*why_r = "record belongs to another file";
	else if (get_u64be(h + 16) == 0 || get_u64be(h + 16) > SPOOL_MAX_ID)
		*why_r = "record id out of range";
	else if (get_u32be(h + 12) < ENV_MIN_LEN || get_u32be(h + 12) > SPOOL_HARD_MAX_ENVELOPE)
		*why_r = "envelope length out of bounds";
	else if (get_u64be(h + 32) > SPOOL_HARD_MAX_MESSAGE)
		*why_r = "message length out of bounds";
	else {
		r->id = get_u64be(h + 16);
		r->env_len = get_u32be(h + 12);
		r->msg_len = get_u64be(h + 32);
		r->rec_len = SPOOL_RECORD_HEADER_LEN + (uint64_t)r->env_len + r->msg_len;
		r->verified = 0;
		return 0;
	}
	return -1;
}

/* One open spool file being read. */
struct scan {
	int fd;
	uint64_t seq;
	uint64_t size;       /* as of the last fstat */
	const char *path;
	struct buf *rec;     /* the last record read (header + payload) */
};

enum rec_status { REC_OK, REC_SHORT, REC_BAD, REC_ERR };

static int scan_refresh(struct scan *s, struct error *err)
{
	struct stat st;
	if (fstat(s->fd, &st) < 0)
		return error_errno(err, "stat %s", s->path);
	s->size = (uint64_t)st.st_size;
	return 0;
}

/* A read that met the end of the file (it shrank since fstat) is SHORT. */
static enum rec_status short_or_err(struct error *err, const char **why_r)
{
	if (err->code != ERR_CORRUPT)
		return REC_ERR;
	error_clear(err);
	*why_r = "incomplete record";
	return REC_SHORT;
}

/* Reads the record at pos. Its id must exceed min_id. A record with id <=
 * skip_upto is only checked as far as its header (OK, verified = 0).
 * SHORT: fewer bytes than the record needs are in the file. */
static enum rec_status read_record(struct scan *s, uint64_t pos, uint64_t min_id,
				   uint64_t skip_upto, struct rec *r, const char **why_r,
				   struct error *err)
{
	unsigned char h[SPOOL_RECORD_HEADER_LEN];
	if (pos > s->size || s->size - pos < SPOOL_RECORD_HEADER_LEN) {
		*why_r = "incomplete record header";
		return REC_SHORT;
	}
	if (fs_pread_all(s->fd, h, sizeof(h), (off_t)pos, err) < 0)
		return short_or_err(err, why_r);
	if (rec_header_parse(h, s->seq, r, why_r) < 0)
		return REC_BAD;
	if (r->id <= min_id) {
		*why_r = "entry id not increasing";
		return REC_BAD;
	}
	if (s->size - pos < r->rec_len) {
		*why_r = "incomplete record";
		return REC_SHORT;
	}
	if (r->id <= skip_upto)
		return REC_OK;
	/* Bounded: rec_len <= the format limits and <= the bytes in the file. */
	if (s->rec->cap > REC_KEEP_CAP && r->rec_len < s->rec->cap / 4) {
		size_t max = s->rec->max;
		buf_release(s->rec);
		buf_init(s->rec, max);
	}
	buf_reset(s->rec);
	if (buf_reserve(s->rec, (size_t)r->rec_len, err) < 0)
		return REC_ERR;
	if (fs_pread_all(s->fd, s->rec->data, (size_t)r->rec_len, (off_t)pos, err) < 0)
		return short_or_err(err, why_r);
	s->rec->len = (size_t)r->rec_len;
	s->rec->data[s->rec->len] = '\0';
	const unsigned char *p = s->rec->data;
	uint32_t crc = crc32c(0, p, 44);
	crc = crc32c(crc, p + SPOOL_RECORD_HEADER_LEN, (size_t)r->rec_len - SPOOL_RECORD_HEADER_LEN);
	if (memcmp(p, h, sizeof(h)) != 0 || get_u32be(p + 44) != crc) {
		*why_r = "record checksum mismatch";
		return REC_BAD;
	}
	if (env_parse(p + SPOOL_RECORD_HEADER_LEN, r->env_len, NULL, NULL, NULL) < 0) {
		*why_r = "malformed envelope";
		return REC_BAD;
	}
	r->verified = 1;
	return REC_OK;
}

/* The offset of the next good record (same rules as read_record) at or
 * after from, or s->size if there is none. */
static int resync(struct scan *s, uint64_t from, uint64_t min_id, uint64_t skip_upto,
		  uint64_t *next_r, struct error *err)
{
	unsigned char *win = xmalloc(RESYNC_WINDOW);
	uint64_t pos = from;
	int rc = 0;
	*next_r = s->size;
	while (pos <= s->size && s->size - pos >= SPOOL_RECORD_HEADER_LEN) {
		size_t want = s->size - pos < RESYNC_WINDOW ? (size_t)(s->size - pos) : RESYNC_WINDOW;
		if (fs_pread_all(s->fd, win, want, (off_t)pos, err) < 0) {
			if (err->code == ERR_CORRUPT) { /* the file shrank: nothing more */
				error_clear(err);
				break;
			}
			rc = -1;
			break;
		}
		for (size_t i = 0; i + 4 <= want; i++) {
			const unsigned char *m = memchr(win + i, 'C', want - 3 - i);
			if (m == NULL)
				break;
			i = (size_t)(m - win);
			if (get_u32be(m) != SPOOL_RECORD_MAGIC)
				continue;
			struct rec r;
			const char *why = NULL;
			enum rec_status st = read_record(s, pos + i, min_id, skip_upto, &r, &why, err);
			if (st == REC_ERR) {
				rc = -1;
				goto done;
			}
			if (st == REC_OK) {
				*next_r = pos + i;
				goto done;
			}
		}
		pos += want - 3;
	}
done:
	free(win);
	return rc;
}

/* ---- done file ---------------------------------------------------------------- */

static void done_slot_build(unsigned char p[SPOOL_DONE_SLOT_LEN], uint64_t seq, uint64_t done)
{
	memset(p, 0, SPOOL_DONE_SLOT_LEN);
	put_u32be(p, SPOOL_DONE_MAGIC);
	put_u16be(p + 4, SPOOL_VERSION);
	put_u16be(p + 6, SPOOL_DONE_SLOT_LEN);
	put_u64be(p + 8, seq);
	put_u64be(p + 16, done);
	put_u64be(p + 24, (uint64_t)time(NULL));
	put_u32be(p + 60, crc32c(0, p, 60));
}

static int done_slot_parse(const unsigned char p[SPOOL_DONE_SLOT_LEN], uint64_t *seq_r,
			   uint64_t *done_r)
{
	if (get_u32be(p) != SPOOL_DONE_MAGIC || get_u16be(p + 4) != SPOOL_VERSION ||
	    get_u16be(p + 6) != SPOOL_DONE_SLOT_LEN || get_u32be(p + 60) != crc32c(0, p, 60) ||
	    get_u64be(p + 16) > SPOOL_MAX_ID)
		return -1;
	*seq_r = get_u64be(p + 8);
	*done_r = get_u64be(p + 16);
	return 0;
}

/* Reads the done file open at fd: the valid slot with the highest write
 * sequence. An unreadable file means "nothing done" (replay is idempotent)
 * and is reported. */
static int done_read(int fd, const char *path, const struct spool_opts *o,
		     struct spool_stats *st, uint64_t *seq_r, uint64_t *done_r, struct error *err)
{
	struct stat sb;
	*seq_r = 0;
	*done_r = 0;
	if (fstat(fd, &sb) < 0)
		return error_errno(err, "stat %s", path);
	if (sb.st_size == 0)
		return 0;
	int found = 0;
	for (int i = 0; i < 2; i++) {
		unsigned char p[SPOOL_DONE_SLOT_LEN];
		uint64_t off = (uint64_t)i * SPOOL_DONE_SLOT_STRIDE, seq, done;
		if ((uint64_t)sb.st_size < off + SPOOL_DONE_SLOT_LEN)
			continue;
		if (fs_pread_all(fd, p, sizeof(p), (off_t)off, err) < 0)
			return -1;
		if (done_slot_parse(p, &seq, &done) < 0)
			continue;
		if (!found || seq > *seq_r) {
			*seq_r = seq;
			*done_r = done;
		}
		found = 1;
	}
	if (!found)
		report(o, st, path, 0, (uint64_t)sb.st_size,
		       "done file unreadable: every entry will be replayed");
	return 0;
}

/* ---- writer ---------------------------------------------------------------------- */

struct spool_writer {
	char *dir;
	int dirfd;
	struct spool_opts o;
	int fd;              /* current file, -1: none (create before appending) */
	uint64_t seq;        /* current file, or the largest name used */
	char *path;
	uint64_t end;        /* bytes written to the current file */
	uint64_t next_id;
	int dirty;           /* written since the last successful sync */
	int dir_dirty;       /* a file was created or removed since */
	int broken;          /* a sync failed: refuse everything */
	struct error broken_err;
	struct buf scratch;  /* record header + envelope */
	struct spool_stats st;
};

static int check_opts(const struct spool_opts *o, struct error *err)
{
	if (o->max_message == 0 || o->max_message > SPOOL_HARD_MAX_MESSAGE)
		return error_set(err, ERR_USAGE, "spool max_message must be 1..%" PRIu64,
				 SPOOL_HARD_MAX_MESSAGE);
	if (o->max_rcpts > SPOOL_HARD_MAX_RCPTS)
		return error_set(err, ERR_USAGE, "spool max_rcpts must be at most %u",
				 SPOOL_HARD_MAX_RCPTS);
	if (o->max_string > SPOOL_HARD_MAX_STRING)
		return error_set(err, ERR_USAGE, "spool max_string must be at most %u",
				 SPOOL_HARD_MAX_STRING);
	if (o->file_size < 1024)
		return error_set(err, ERR_USAGE, "spool file_size must be at least 1024");
	return 0;
}

/* Creates spool file number seq with its header (made durable by the next
 * sync, with the directory). */
static int create_file(struct spool_writer *w, uint64_t seq, struct error *err)
{
	char *path = file_path(w->dir, seq);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_errno(err, "create %s", path);
		free(path);
		return -1;
	}
	unsigned char h[SPOOL_FILE_HEADER_LEN];
	file_header_build(h, seq, w->next_id);
	if (fs_pwrite_all(fd, h, sizeof(h), 0, err) < 0) {
		error_prefix(err, "%s", path);
		close(fd);
		unlink(path);
		free(path);
		return -1;
	}
	free(w->path);
	w->path = path;
	w->fd = fd;
	w->seq = seq;
	w->end = SPOOL_FILE_HEADER_LEN;
	w->dirty = 1;
	w->dir_dirty = 1;
	w->st.files_created++;
	return 0;
}

static int writer_fail(struct spool_writer *w, struct error *err)
{
	w->broken = 1;
	w->broken_err = *err;
	return -1;
}

/* Seals the current file (fdatasync) and starts the next one. */
static int rotate(struct spool_writer *w, struct error *err)
{
	if (w->fd >= 0) {
		if (w->dirty && datasync(w->fd, w->path, &w->st, err) < 0)
			return writer_fail(w, err);
		close(w->fd);
		w->fd = -1;
		w->dirty = 0;
	}
	return create_file(w, w->seq + 1, err);
}

/* The largest id of any record header anywhere in the file whose own
 * checksum verifies and which names this file: above every id a reader
 * could ever have handed out from it, whatever path its scan took. */
static int max_header_id(struct scan *s, uint64_t *max_r, struct error *err)
{
	unsigned char *win = xmalloc(RESYNC_WINDOW);
	uint64_t pos = 0;
	int rc = 0;
	while (pos <= s->size && s->size - pos >= SPOOL_RECORD_HEADER_LEN) {
		size_t want = s->size - pos < RESYNC_WINDOW ? (size_t)(s->size - pos) : RESYNC_WINDOW;
		if (fs_pread_all(s->fd, win, want, (off_t)pos, err) < 0) {
			if (err->code == ERR_CORRUPT) {
				error_clear(err);
				break;
			}
			rc = -1;
			break;
		}
		/* every header starting in [0, want - HDR] lies in the window */
		size_t last = want - SPOOL_RECORD_HEADER_LEN;
		for (size_t i = 0; i <= last; i++) {
			const unsigned char *m = memchr(win + i, 'C', last + 1 - i);
			if (m == NULL)
				break;
			i = (size_t)(m - win);
			struct rec r;
			const char *why;
			if (get_u32be(m) == SPOOL_RECORD_MAGIC && rec_header_parse(m, s->seq, &r, &why) == 0 &&
			    r.id > *max_r)
				*max_r = r.id;
		}
		pos += last + 1;
	}
	free(win);
	return rc;
}

/* Recovers the newest file: its torn tail truncated, rotted records in
 * its middle reported (and kept for the reader to skip). Walks older files
 * only as far as needed for the id floor. *reuse_r: the newest file is
 * clean and open in w, ready for appends. */
static int writer_recover(struct spool_writer *w, const uint64_t *seqs, size_t n,
			  uint64_t *floor_r, int *reuse_r, struct error *err)
{
	struct buf rec;
	buf_init(&rec, SPOOL_RECORD_HEADER_LEN + (size_t)SPOOL_HARD_MAX_ENVELOPE +
			       (size_t)SPOOL_HARD_MAX_MESSAGE);
	int rc = -1;
	*reuse_r = 0;
	for (size_t k = n; k-- > 0;) {
		int newest = k == n - 1;
		char *path = file_path(w->dir, seqs[k]);
		int fd = open(path, (newest ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT) { /* drained meanwhile: the done file has its ids */
				free(path);
				continue;
			}
			error_errno(err, "open %s", path);
			free(path);
			goto fail;
		}
		struct scan s = {fd, seqs[k], 0, path, &rec};
		uint64_t first_id = 0, last_id = 0, valid_end = SPOOL_FILE_HEADER_LEN, max_id = 0;
		unsigned char h[SPOOL_FILE_HEADER_LEN];
		const char *why = NULL;
		int hdr_ok = 0, corrupt = 0;
		if (scan_refresh(&s, err) < 0)
			goto fail_file;
		if (s.size >= sizeof(h)) {
			if (fs_pread_all(fd, h, sizeof(h), 0, err) < 0)
				goto fail_file;
			hdr_ok = file_header_parse(h, seqs[k], &first_id, &why) == 0;
		}
		if (first_id > 0 && first_id > *floor_r)
			*floor_r = first_id;
		if (max_header_id(&s, &max_id, err) < 0)
			goto fail_file;
		if (max_id >= *floor_r)
			*floor_r = max_id + 1;
		int found = hdr_ok || max_id > 0;
		if (!newest) {
			close(fd);
			free(path);
			if (found)
				break;
			continue;
		}
		/* The newest file: the reader's rules, record by record. */
		size_t n_valid = 0;
		for (uint64_t pos = SPOOL_FILE_HEADER_LEN; pos < s.size;) {
			struct rec r;
			enum rec_status st = read_record(&s, pos, last_id, 0, &r, &why, err);
			if (st == REC_ERR)
				goto fail_file;
			if (st == REC_OK) {
				last_id = r.id;
				pos += r.rec_len;
				valid_end = pos;
				n_valid++;
				continue;
			}
			uint64_t next;
			if (resync(&s, pos + 1, last_id, 0, &next, err) < 0)
				goto fail_file;
			if (next >= s.size)
				break; /* a tail with nothing valid after it */
			report(&w->o, &w->st, path, pos, next - pos, why);
			corrupt = 1;
			pos = next;
		}
		if (!hdr_ok && n_valid == 0) {
			if (s.size <= SPOOL_FILE_HEADER_LEN) {
				/* created but never synced: nothing was ever acknowledged in it */
				if (s.size > 0)
					report(&w->o, &w->st, path, 0, s.size, "torn file header removed");
				if (unlink(path) < 0 && errno != ENOENT) {
					error_errno(err, "remove %s", path);
					goto fail_file;
				}
				w->dir_dirty = 1;
			} else {
				report(&w->o, &w->st, path, 0, s.size,
				       "no valid header or record: left for the reader");
			}
			close(fd);
			free(path);
			if (found)
				break;
			continue;
		}
		if (!hdr_ok) {
			report(&w->o, &w->st, path, 0, SPOOL_FILE_HEADER_LEN, why ? why : "bad file header");
			corrupt = 1;
		}
		if (valid_end < s.size) {
			struct spool_fault f = {path, valid_end, s.size - valid_end,
						"torn tail truncated (never acknowledged)"};
			if (w->o.on_fault != NULL)
				w->o.on_fault(w->o.fault_ctx, &f);
			else
				log_warn("spool: %s at offset %" PRIu64 ": %" PRIu64
					 " bytes of torn tail truncated",
					 path, valid_end, s.size - valid_end);
			w->st.truncated_bytes += s.size - valid_end;
			if (ftruncate(fd, (off_t)valid_end) < 0) {
				error_errno(err, "truncate %s", path);
				goto fail_file;
			}
			if (datasync(fd, path, &w->st, err) < 0)
				goto fail_file;
		}
		if (hdr_ok && !corrupt && valid_end < w->o.file_size) {
			w->fd = fd;
			w->path = path;
			w->end = valid_end;
			w->seq = seqs[k];
			*reuse_r = 1;
		} else {
			close(fd);
			free(path);
		}
		break; /* header or records found: the floor is known */
fail_file:
		close(fd);
		free(path);
		goto fail;
	}
	rc = 0;
fail:
	buf_release(&rec);
	return rc;
}

int spool_writer_open(struct spool_writer **w_r, const char *dir, const struct spool_opts *opts,
		      struct error *err)
{
	if (check_opts(opts, err) < 0)
		return -1;
	struct spool_writer *w = xcalloc(1, sizeof(*w));
	w->dir = xstrdup(dir);
	w->dirfd = -1;
	w->fd = -1;
	w->o = *opts;
	buf_init(&w->scratch, SPOOL_RECORD_HEADER_LEN + (size_t)SPOOL_HARD_MAX_ENVELOPE);
	uint64_t *seqs = NULL;
	size_t n = 0;
	uint64_t max_any = 0, floor = 1;
	int reuse = 0;
	if (fs_mkdir_p(dir, 0700, err) < 0)
		goto fail;
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		error_errno(err, "open spool directory %s", dir);
		goto fail;
	}
	if (flock(w->dirfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			error_set(err, ERR_EXISTS, "spool %s is in use by another writer", dir);
		else
			error_errno(err, "lock spool directory %s", dir);
		goto fail;
	}
	if (list_files(dir, &seqs, &n, &max_any, err) < 0 ||
	    writer_recover(w, seqs, n, &floor, &reuse, err) < 0)
		goto fail;
	/* The done file last: the reader writes it before it removes files, so
	 * ids of files removed while we scanned are below what we read here. */
	char *done_path = xasprintf("%s/" DONE_NAME, dir);
	int dfd = open(done_path, O_RDONLY | O_CLOEXEC);
	if (dfd < 0 && errno != ENOENT) {
		error_errno(err, "open %s", done_path);
		free(done_path);
		goto fail;
	}
	if (dfd >= 0) {
		uint64_t dseq, done;
		int rc = done_read(dfd, done_path, &w->o, &w->st, &dseq, &done, err);
		close(dfd);
		if (rc < 0) {
			free(done_path);
			goto fail;
		}
		if (done >= floor)
			floor = done + 1;
	}
	free(done_path);
	w->next_id = floor;
	if (!reuse) {
		w->seq = max_any;
		if (create_file(w, max_any + 1, err) < 0)
			goto fail;
	}
	/* Start from a durable state: the new file and any recovery. */
	if (spool_sync(w, err) < 0)
		goto fail;
	free(seqs);
	*w_r = w;
	return 0;
fail:
	free(seqs);
	spool_writer_close(w);
	return error_prefix(err, "spool %s", dir);
}

void spool_writer_close(struct spool_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd); /* releases the lock */
	buf_release(&w->scratch);
	free(w->path);
	free(w->dir);
	free(w);
}

uint64_t spool_writer_next_id(const struct spool_writer *w)
{
	return w->next_id;
}

const struct spool_stats *spool_writer_stats(const struct spool_writer *w)
{
	return &w->st;
}

/* pwritev() all of iov (which it consumes) at off. */
static int pwritev_all(int fd, struct iovec *iov, size_t cnt, uint64_t off, struct error *err)
{
	for (;;) {
		while (cnt > 0 && iov->iov_len == 0) {
			iov++;
			cnt--;
		}
		if (cnt == 0)
			return 0;
		int k = cnt > IOV_MAX ? IOV_MAX : (int)cnt;
		ssize_t n = pwritev(fd, iov, k, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "write at offset %" PRIu64, off);
		}
		if (n == 0)
			return error_set(err, ERR_IO, "write at offset %" PRIu64 ": no progress", off);
		off += (uint64_t)n;
		size_t left = (size_t)n;
		while (cnt > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
}

int spool_appendv(struct spool_writer *w, const struct spool_envelope *env,
		  const struct iovec *iov, size_t iovcnt, uint64_t *id_r, struct error *err)
{
	if (w->broken) {
		*err = w->broken_err;
		return error_prefix(err, "spool writer failed earlier, reopen it");
	}
	uint64_t msg_len = 0, env_len = 0;
	for (size_t i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > w->o.max_message - msg_len) {
			w->st.refused++;
			return error_set(err, ERR_LIMIT, "message exceeds the limit of %" PRIu64 " bytes",
					 w->o.max_message);
		}
		msg_len += iov[i].iov_len;
	}
	if (env_size(env, &w->o, &env_len, err) < 0) {
		w->st.refused++;
		return -1;
	}
	if (w->next_id > SPOOL_MAX_ID)
		return error_set(err, ERR_LIMIT, "entry ids exhausted");
	uint64_t rec_len = SPOOL_RECORD_HEADER_LEN + env_len + msg_len;
	/* A record larger than file_size gets a file of its own. */
	if (w->fd < 0 || (w->end > SPOOL_FILE_HEADER_LEN &&
			  (w->end >= w->o.file_size || rec_len > w->o.file_size - w->end))) {
		if (rotate(w, err) < 0) {
			w->st.refused++;
			return -1;
		}
	}
	struct buf *b = &w->scratch;
	buf_reset(b);
	if (buf_reserve(b, SPOOL_RECORD_HEADER_LEN + (size_t)env_len, err) < 0)
		return -1;
	memset(b->data, 0, SPOOL_RECORD_HEADER_LEN);
	b->len = SPOOL_RECORD_HEADER_LEN;
	if (env_encode(b, env, err) < 0)
		return -1;
	if (b->len != SPOOL_RECORD_HEADER_LEN + env_len)
		return error_set(err, ERR_INTERNAL, "envelope size mismatch");
	unsigned char *h = b->data;
	put_u32be(h, SPOOL_RECORD_MAGIC);
	put_u16be(h + 4, SPOOL_VERSION);
	put_u16be(h + 6, SPOOL_RECORD_HEADER_LEN);
	h[8] = SPOOL_RECORD_MESSAGE;
	put_u32be(h + 12, (uint32_t)env_len);
	put_u64be(h + 16, w->next_id);
	put_u64be(h + 24, w->seq);
	put_u64be(h + 32, msg_len);
	put_u32be(h + 40, crc32c(0, h, 40));
	uint32_t crc = crc32c(0, h, 44);
	crc = crc32c(crc, h + SPOOL_RECORD_HEADER_LEN, (size_t)env_len);
	for (size_t i = 0; i < iovcnt; i++)
		crc = crc32c(crc, iov[i].iov_base, iov[i].iov_len);
	put_u32be(h + 44, crc);

	struct iovec local[16];
	struct iovec *v = iovcnt + 1 <= 16 ? local : xmalloc((iovcnt + 1) * sizeof(*v));
	v[0].iov_base = b->data;
	v[0].iov_len = b->len;
	if (iovcnt > 0)
		memcpy(v + 1, iov, iovcnt * sizeof(*v));
	int rc = pwritev_all(w->fd, v, iovcnt + 1, w->end, err);
	if (v != local)
		free(v);
	if (rc < 0) {
		w->st.refused++;
		/* Take the partial record back so that the file stays a clean
		 * sequence of records; if even that fails, only reopening (which
		 * truncates torn tails) makes the spool trustworthy again. */
		if (ftruncate(w->fd, (off_t)w->end) < 0) {
			struct error e2 = ERROR_INIT;
			error_errno(&e2, "truncate %s after a failed write", w->path);
			writer_fail(w, &e2);
		}
		return error_prefix(err, "%s", w->path);
	}
	*id_r = w->next_id++;
	w->end += rec_len;
	w->dirty = 1;
	w->st.appends++;
	w->st.append_bytes += rec_len;
	return 0;
}

int spool_append(struct spool_writer *w, const struct spool_envelope *env, const void *p,
		 size_t n, uint64_t *id_r, struct error *err)
{
	struct iovec v = {(void *)p, n};
	return spool_appendv(w, env, &v, n > 0 ? 1 : 0, id_r, err);
}

int spool_sync(struct spool_writer *w, struct error *err)
{
	if (w->broken) {
		*err = w->broken_err;
		return error_prefix(err, "spool writer failed earlier, reopen it");
	}
	if (!w->dirty && !w->dir_dirty)
		return 0;
	/* After a failed fsync the kernel may have dropped the dirty pages and
	 * a retry would report success for data that is gone: never retry. */
	if (w->dirty && w->fd >= 0 && datasync(w->fd, w->path, &w->st, err) < 0)
		return writer_fail(w, err);
	if (w->dir_dirty) {
		w->st.dir_syncs++;
		if (fs_fsync_fd(w->dirfd, w->dir, err) < 0)
			return writer_fail(w, err);
	}
	w->dirty = 0;
	w->dir_dirty = 0;
	w->st.syncs++;
	return 0;
}

int spool_space_ok(struct spool_writer *w, uint64_t need, struct error *err)
{
	struct statvfs sv;
	if (fstatvfs(w->dirfd, &sv) < 0)
		return error_errno(err, "statvfs %s", w->dir);
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (need > UINT64_MAX - w->o.reserve)
		return 0;
	return avail >= need + w->o.reserve;
}

/* ---- reader --------------------------------------------------------------------------- */

struct gone_file {
	uint64_t seq;
	uint64_t max_id; /* 0: no entries */
	int corrupt;
};

struct spool_reader {
	char *dir;
	struct spool_opts o;
	int donefd;
	char *done_path;
	uint64_t done_seq;     /* write sequence of the last done slot */
	uint64_t done_durable; /* every id <= this is durably done */
	uint64_t done_mem;     /* marked, not yet committed */
	uint64_t last_id;      /* the last id handed out or skipped */
	/* the file being read */
	int fd;
	char *path;
	struct scan cur;
	uint64_t pos;
	int sealed;
	int hdr_checked;
	int corrupt;
	uint64_t max_id;
	uint64_t consumed; /* files up to this sequence number are read */
	struct gone_file *gone;
	size_t n_gone, cap_gone;
	struct buf rec;
	struct env_out env;
	struct spool_stats st;
};

int spool_reader_open(struct spool_reader **r_r, const char *dir, const struct spool_opts *opts,
		      struct error *err)
{
	struct spool_reader *r = xcalloc(1, sizeof(*r));
	r->dir = xstrdup(dir);
	r->o = *opts;
	r->fd = -1;
	r->donefd = -1;
	r->done_path = xasprintf("%s/" DONE_NAME, dir);
	buf_init(&r->rec, SPOOL_RECORD_HEADER_LEN + (size_t)SPOOL_HARD_MAX_ENVELOPE +
				  (size_t)SPOOL_HARD_MAX_MESSAGE);
	buf_init(&r->env.strs, 2 * (size_t)SPOOL_HARD_MAX_ENVELOPE);
	int created = 1;
	r->donefd = open(r->done_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (r->donefd < 0 && errno == EEXIST) {
		created = 0;
		r->donefd = open(r->done_path, O_RDWR | O_CLOEXEC);
	}
	if (r->donefd < 0) {
		error_errno(err, "open %s", r->done_path);
		goto fail;
	}
	if (flock(r->donefd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			error_set(err, ERR_EXISTS, "spool %s is in use by another reader", dir);
		else
			error_errno(err, "lock %s", r->done_path);
		goto fail;
	}
	if (created) {
		r->st.dir_syncs++;
		if (fs_fsync_dir(dir, err) < 0)
			goto fail;
	}
	if (done_read(r->donefd, r->done_path, &r->o, &r->st, &r->done_seq, &r->done_durable,
		      err) < 0)
		goto fail;
	r->done_mem = r->done_durable;
	r->last_id = 0;
	*r_r = r;
	return 0;
fail:
	spool_reader_close(r);
	return error_prefix(err, "spool %s", dir);
}

static void close_cur(struct spool_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->path);
	r->path = NULL;
}

void spool_reader_close(struct spool_reader *r)
{
	if (r == NULL)
		return;
	close_cur(r);
	if (r->donefd >= 0)
		close(r->donefd);
	buf_release(&r->rec);
	buf_release(&r->env.strs);
	free(r->env.offs);
	free(r->env.ptrs);
	free(r->gone);
	free(r->done_path);
	free(r->dir);
	free(r);
}

/* Opens the first file after r->consumed: 1 opened, 0 none. */
static int open_next_file(struct spool_reader *r, struct error *err)
{
	for (;;) {
		uint64_t *seqs, max_any;
		size_t n;
		if (list_files(r->dir, &seqs, &n, &max_any, err) < 0)
			return -1;
		size_t k = 0;
		while (k < n && seqs[k] <= r->consumed)
			k++;
		if (k == n) {
			free(seqs);
			return 0;
		}
		uint64_t seq = seqs[k];
		int sealed = k + 1 < n;
		free(seqs);
		char *path = file_path(r->dir, seq);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			free(path);
			if (e == ENOENT) /* removed since the listing (torn file cleaned up) */
				continue;
			errno = e;
			return error_errno(err, "open spool file %012" PRIu64, seq);
		}
		r->fd = fd;
		r->path = path;
		r->cur = (struct scan){fd, seq, 0, path, &r->rec};
		r->pos = 0;
		r->sealed = sealed;
		r->hdr_checked = 0;
		r->corrupt = 0;
		r->max_id = 0;
		if (scan_refresh(&r->cur, err) < 0)
			return -1;
		return 1;
	}
}

/* 1 if a file newer than the current one exists. */
static int newer_exists(struct spool_reader *r, struct error *err)
{
	uint64_t *seqs, max_any;
	size_t n;
	if (list_files(r->dir, &seqs, &n, &max_any, err) < 0)
		return -1;
	int newer = n > 0 && seqs[n - 1] > r->cur.seq;
	free(seqs);
	return newer;
}

static void finish_file(struct spool_reader *r)
{
	if (r->n_gone == r->cap_gone) {
		r->cap_gone = r->cap_gone ? r->cap_gone * 2 : 8;
		r->gone = xrealloc(r->gone, r->cap_gone * sizeof(*r->gone));
	}
	r->gone[r->n_gone++] = (struct gone_file){r->cur.seq, r->max_id, r->corrupt};
	r->consumed = r->cur.seq;
	close_cur(r);
}

/* The current file cannot be read further for now. 1: it is sealed now
 * (try again), 0: wait for the writer, -1 error. */
static int wait_or_seal(struct spool_reader *r, struct error *err)
{
	if (r->sealed)
		return 1;
	uint64_t old = r->cur.size;
	if (scan_refresh(&r->cur, err) < 0)
		return -1;
	if (r->cur.size != old)
		return 1; /* the writer appended: try again */
	int newer = newer_exists(r, err);
	if (newer <= 0)
		return newer;
	/* The writer synced this file before creating the newer one: read its
	 * final size once more. */
	r->sealed = 1;
	if (scan_refresh(&r->cur, err) < 0)
		return -1;
	return 1;
}

/* Checks the current file's header: 1 done (header good, or reported and
 * skipped, or the file finished), 0 wait for the writer, -1 error. */
static int check_file_header(struct spool_reader *r, struct error *err)
{
	for (;;) {
		unsigned char h[SPOOL_FILE_HEADER_LEN];
		uint64_t first_id;
		const char *why = "incomplete file header";
		if (r->cur.size >= sizeof(h)) {
			if (fs_pread_all(r->fd, h, sizeof(h), 0, err) < 0) {
				if (err->code != ERR_CORRUPT)
					return -1;
				error_clear(err); /* shrank: treat as short */
			} else if (file_header_parse(h, r->cur.seq, &first_id, &why) == 0) {
				r->hdr_checked = 1;
				r->pos = SPOOL_FILE_HEADER_LEN;
				return 1;
			}
		}
		if (!r->sealed) {
			int rc = wait_or_seal(r, err);
			if (rc <= 0)
				return rc;
			continue;
		}
		r->hdr_checked = 1;
		if (r->cur.size == 0) { /* created, never written: nothing in it */
			finish_file(r);
			return 1;
		}
		uint64_t bad = r->cur.size < sizeof(h) ? r->cur.size : sizeof(h);
		report(&r->o, &r->st, r->path, 0, bad, why);
		r->corrupt = 1;
		r->pos = bad;
		return 1;
	}
}

int spool_reader_next(struct spool_reader *r, struct spool_entry *e, struct error *err)
{
	for (;;) {
		if (r->fd < 0) {
			int rc = open_next_file(r, err);
			if (rc <= 0)
				return rc;
		}
		if (!r->hdr_checked) {
			int rc = check_file_header(r, err);
			if (rc <= 0)
				return rc;
			continue;
		}
		struct rec rr;
		const char *why = NULL;
		enum rec_status st =
			read_record(&r->cur, r->pos, r->last_id, r->done_durable, &rr, &why, err);
		if (st == REC_ERR)
			return -1;
		if (st == REC_OK) {
			r->pos += rr.rec_len;
			r->last_id = rr.id;
			r->max_id = rr.id;
			if (!rr.verified) {
				r->st.entries_skipped++;
				continue;
			}
			const unsigned char *p = r->rec.data + SPOOL_RECORD_HEADER_LEN;
			size_t n_rcpts = 0;
			if (env_parse(p, rr.env_len, &r->env, &e->env.received_us, &n_rcpts) < 0)
				return error_set(err, ERR_INTERNAL, "envelope changed after its check");
			e->id = rr.id;
			e->env.protocol = r->env.ptrs[0];
			e->env.client_addr = r->env.ptrs[1];
			e->env.helo = r->env.ptrs[2];
			e->env.mail_from = r->env.ptrs[3];
			e->env.rcpts = r->env.ptrs + 4;
			e->env.n_rcpts = n_rcpts;
			e->data = p + rr.env_len;
			e->len = (size_t)rr.msg_len;
			e->file_seq = r->cur.seq;
			e->offset = r->pos - rr.rec_len;
			r->st.entries_read++;
			return 1;
		}
		if (!r->sealed) {
			int rc = wait_or_seal(r, err);
			if (rc <= 0)
				return rc;
			continue;
		}
		if (st == REC_SHORT && r->pos >= r->cur.size) {
			finish_file(r);
			continue;
		}
		uint64_t next;
		if (resync(&r->cur, r->pos + 1, r->last_id, r->done_durable, &next, err) < 0)
			return -1;
		report(&r->o, &r->st, r->path, r->pos, next - r->pos, why);
		r->corrupt = 1;
		r->pos = next;
	}
}

int spool_reader_done(struct spool_reader *r, uint64_t id, struct error *err)
{
	if (id > r->last_id)
		return error_set(err, ERR_USAGE, "entry %" PRIu64 " was not handed out", id);
	if (id > r->done_mem)
		r->done_mem = id;
	return 0;
}

int spool_reader_commit(struct spool_reader *r, struct error *err)
{
	if (r->done_mem > r->done_durable) {
		unsigned char p[SPOOL_DONE_SLOT_LEN];
		uint64_t seq = r->done_seq + 1;
		done_slot_build(p, seq, r->done_mem);
		/* Alternate slots: a torn write leaves the other, older one. */
		if (fs_pwrite_all(r->donefd, p, sizeof(p), (off_t)((seq & 1) * SPOOL_DONE_SLOT_STRIDE),
				  err) < 0 ||
		    datasync(r->donefd, r->done_path, &r->st, err) < 0)
			return error_prefix(err, "spool %s", r->dir);
		r->done_seq = seq;
		r->done_durable = r->done_mem;
		r->st.done_commits++;
	}
	size_t keep = 0;
	for (size_t i = 0; i < r->n_gone; i++) {
		struct gone_file *g = &r->gone[i];
		if (g->max_id > r->done_durable) {
			r->gone[keep++] = *g;
			continue;
		}
		char *path = file_path(r->dir, g->seq);
		int rc;
		if (g->corrupt) {
			char *to = xasprintf("%s" CORRUPT_SUFFIX, path);
			rc = rename(path, to);
			free(to);
			if (rc == 0)
				r->st.files_quarantined++;
		} else {
			rc = unlink(path);
			if (rc == 0)
				r->st.files_removed++;
		}
		if (rc < 0 && errno != ENOENT) {
			error_errno(err, "remove %s", path);
			free(path);
			/* keep the rest for the next commit */
			memmove(r->gone + keep, r->gone + i, (r->n_gone - i) * sizeof(*r->gone));
			r->n_gone = keep + (r->n_gone - i);
			return -1;
		}
		free(path);
	}
	r->n_gone = keep;
	return 0;
}

uint64_t spool_reader_done_id(const struct spool_reader *r)
{
	return r->done_durable;
}

const struct spool_stats *spool_reader_stats(const struct spool_reader *r)
{
	return &r->st;
}
