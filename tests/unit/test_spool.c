/*
 * test_spool.c - unit tests of src/intake/spool.h: round trip of envelopes
 * and exact message bytes, group commit (fsyncs counted), rotation and
 * removal after done, done marks across restarts, the torn tail at every
 * byte offset of the last record, corrupt records in the middle (record
 * header, payload, file header), ids across restarts and file removal, a
 * reader in a forked process while the writer appends, kill -9 of the
 * writer at random moments (20 rounds), hostile lengths,
 * EFBIG from RLIMIT_FSIZE standing in for a full disk, the done file's two
 * slots, and the checksum against an independent bitwise CRC-32C.
 *
 * With CUSTOS_SPOOL_SEEDS=DIR set, test_seeds also writes the fuzz seeds
 * (tests/fuzz/corpus/spool/) into DIR: each is one mode byte (see
 * fuzz_spool.c) followed by a spool file made here by the writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "intake/spool.h"

/* ---- helpers --------------------------------------------------------------- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *mktmp(void)
{
	char *d = strdup("/tmp/custos-spool-test-XXXXXX");
	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

/* Removes every file of dir (keeps dir). */
static void empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static size_t count_suffix(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	size_t n = 0, sl = strlen(suffix);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static char *spool_file(const char *dir, uint64_t seq)
{
	char *p = malloc(strlen(dir) + 40);
	assert_non_null(p);
	sprintf(p, "%s/%012" PRIu64 ".spool", dir, seq);
	return p;
}

static unsigned char *read_all(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len_r = (size_t)n;
	return p;
}

static void write_all(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n > 0)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void flip_byte(const char *path, uint64_t off)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Bitwise CRC-32C, independent of the table-driven one in spool.c. */
static uint32_t crc32c_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Deterministic message k of n bytes: a header naming k, then bytes of a
 * xorshift stream (including NUL, CR, LF and 8-bit bytes). */
static unsigned char *gen_msg(uint64_t k, size_t n)
{
	unsigned char *p = malloc(n + 1);
	assert_non_null(p);
	char head[64];
	int hl = snprintf(head, sizeof(head), "X-Seq: %" PRIu64 "\r\n\r\n", k);
	uint64_t x = k * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
	memcpy(p, head, (size_t)hl < n ? (size_t)hl : n);
	return p;
}

static size_t msg_size(uint64_t k)
{
	static const size_t sizes[] = {0, 1, 17, 5000, 300, 70000, 4096, 1200};
	if (k % 97 == 5)
		return 2u << 20; /* a big one now and then */
	return sizes[k % (sizeof(sizes) / sizeof(sizes[0]))];
}

struct env_store {
	char from[64], client[64], helo[64], rc[6][64];
	const char *rcpts[6];
	struct spool_envelope env;
};

static void gen_env(struct env_store *s, uint64_t k)
{
	snprintf(s->from, sizeof(s->from), k % 7 == 0 ? "" : "sender%" PRIu64 "@example.test", k);
	snprintf(s->client, sizeof(s->client), "192.0.2.%" PRIu64, k % 250);
	snprintf(s->helo, sizeof(s->helo), "mx%" PRIu64 ".example.test", k);
	size_t n = (size_t)(k % 6);
	for (size_t i = 0; i < n; i++) {
		snprintf(s->rc[i], sizeof(s->rc[i]), "rcpt%" PRIu64 "-%zu@bank.test", k, i);
		s->rcpts[i] = s->rc[i];
	}
	memset(&s->env, 0, sizeof(s->env));
	s->env.mail_from = s->from;
	s->env.rcpts = s->rcpts;
	s->env.n_rcpts = n;
	s->env.client_addr = s->client;
	s->env.helo = s->helo;
	s->env.protocol = k % 2 ? "ESMTP" : "LMTP";
	s->env.received_us = 1700000000000000ll + (int64_t)k;
}

/* Appends message k (envelope and bytes from k), returning its id. */
static uint64_t append_k(struct spool_writer *w, uint64_t k, size_t n)
{
	struct env_store s;
	gen_env(&s, k);
	unsigned char *m = gen_msg(k, n);
	uint64_t id = 0;
	struct error err = ERROR_INIT;
	int rc = spool_append(w, &s.env, m, n, &id, &err);
	if (rc < 0)
		fail_msg("append %" PRIu64 ": %s", k, err.msg);
	free(m);
	return id;
}

/* 0 if e is message k of n bytes with k's envelope, else a reason. */
static const char *entry_mismatch(const struct spool_entry *e, uint64_t k, size_t n)
{
	struct env_store s;
	gen_env(&s, k);
	if (e->len != n)
		return "length";
	unsigned char *m = gen_msg(k, n);
	int same = n == 0 || memcmp(m, e->data, n) == 0;
	free(m);
	if (!same)
		return "bytes";
	if (strcmp(e->env.mail_from, s.from) != 0 || strcmp(e->env.client_addr, s.client) != 0 ||
	    strcmp(e->env.helo, s.helo) != 0 || strcmp(e->env.protocol, s.env.protocol) != 0)
		return "envelope strings";
	if (e->env.received_us != s.env.received_us)
		return "received time";
	if (e->env.n_rcpts != s.env.n_rcpts)
		return "recipient count";
	for (size_t i = 0; i < s.env.n_rcpts; i++)
		if (strcmp(e->env.rcpts[i], s.rcpts[i]) != 0)
			return "recipient";
	return NULL;
}

static void check_entry(const struct spool_entry *e, uint64_t k, size_t n)
{
	const char *why = entry_mismatch(e, k, n);
	if (why != NULL)
		fail_msg("entry %" PRIu64 " (message %" PRIu64 "): %s differs", e->id, k, why);
}

struct faults {
	size_t n;
	uint64_t offset[32];
	uint64_t length[32];
	char what[32][96];
};

static void on_fault(void *ctx, const struct spool_fault *f)
{
	struct faults *fs = ctx;
	if (fs->n < 32) {
		fs->offset[fs->n] = f->offset;
		fs->length[fs->n] = f->length;
		snprintf(fs->what[fs->n], sizeof(fs->what[0]), "%s", f->what);
	}
	fs->n++;
}

static struct spool_opts test_opts(struct faults *fs)
{
	struct spool_opts o;
	spool_opts_default(&o);
	o.on_fault = on_fault;
	o.fault_ctx = fs;
	return o;
}

static struct spool_writer *wopen(const char *dir, const struct spool_opts *o)
{
	struct spool_writer *w = NULL;
	struct error err = ERROR_INIT;
	if (spool_writer_open(&w, dir, o, &err) < 0)
		fail_msg("writer open: %s", err.msg);
	return w;
}

static struct spool_reader *ropen(const char *dir, const struct spool_opts *o)
{
	struct spool_reader *r = NULL;
	struct error err = ERROR_INIT;
	if (spool_reader_open(&r, dir, o, &err) < 0)
		fail_msg("reader open: %s", err.msg);
	return r;
}

static void wsync(struct spool_writer *w)
{
	struct error err = ERROR_INIT;
	if (spool_sync(w, &err) < 0)
		fail_msg("sync: %s", err.msg);
}

static int rnext(struct spool_reader *r, struct spool_entry *e)
{
	struct error err = ERROR_INIT;
	int rc = spool_reader_next(r, e, &err);
	if (rc < 0)
		fail_msg("reader next: %s", err.msg);
	return rc;
}

static void rdone_commit(struct spool_reader *r, uint64_t id)
{
	struct error err = ERROR_INIT;
	if (spool_reader_done(r, id, &err) < 0 || spool_reader_commit(r, &err) < 0)
		fail_msg("done/commit: %s", err.msg);
}

/* The message number k stored in an entry's X-Seq header. */
static uint64_t entry_k(const struct spool_entry *e)
{
	uint64_t k = UINT64_MAX;
	if (e->len >= 8 && memcmp(e->data, "X-Seq: ", 7) == 0) {
		k = 0;
		for (size_t i = 7; i < e->len && e->data[i] >= '0' && e->data[i] <= '9'; i++)
			k = k * 10 + (uint64_t)(e->data[i] - '0');
	}
	return k;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	uint64_t ids[200];
	for (uint64_t k = 0; k < 200; k++) {
		ids[k] = append_k(w, k, msg_size(k));
		if (k > 0)
			assert_true(ids[k] > ids[k - 1]);
		if (k % 10 == 9)
			wsync(w);
	}
	wsync(w);
	/* appendv: the same message in pieces reads back as one */
	struct env_store s;
	gen_env(&s, 1000);
	unsigned char *m = gen_msg(1000, 9000);
	struct iovec v[5] = {{m, 10}, {m + 10, 0}, {m + 10, 4000}, {m + 4010, 1}, {m + 4011, 4989}};
	uint64_t idv;
	struct error err = ERROR_INIT;
	assert_int_equal(spool_appendv(w, &s.env, v, 5, &idv, &err), 0);
	free(m);
	wsync(w);

	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	for (uint64_t k = 0; k < 200; k++) {
		assert_int_equal(rnext(r, &e), 1);
		assert_int_equal(e.id, ids[k]);
		check_entry(&e, k, msg_size(k));
	}
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, idv);
	check_entry(&e, 1000, 9000);
	assert_int_equal(rnext(r, &e), 0);
	assert_int_equal(rnext(r, &e), 0);
	/* more appends are seen on the next poll */
	uint64_t id2 = append_k(w, 2000, 123);
	assert_int_equal(rnext(r, &e), 1); /* written, checksum good: visible */
	assert_int_equal(e.id, id2);
	check_entry(&e, 2000, 123);
	assert_int_equal(spool_reader_stats(r)->entries_read, 202);
	assert_int_equal(fs.n, 0);

	char origin[SPOOL_ORIGIN_MAX];
	spool_origin(origin, 18446744073709551615ull);
	assert_string_equal(origin, "spool:18446744073709551615");
	spool_reader_close(r);
	spool_writer_close(w);
	rm_rf(dir);
	free(dir);
}

static void test_checksum_independent(void **state)
{
	(void)state;
	assert_int_equal(crc32c_bitwise(0, (const unsigned char *)"123456789", 9), 0xE3069283u);
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	append_k(w, 3, 5000);
	wsync(w);
	spool_writer_close(w);
	char *path = spool_file(dir, 1);
	size_t n;
	unsigned char *p = read_all(path, &n);
	assert_true(n > SPOOL_FILE_HEADER_LEN + SPOOL_RECORD_HEADER_LEN);
	assert_memory_equal(p, SPOOL_FILE_MAGIC, 8);
	assert_int_equal(be32(p + 44), crc32c_bitwise(0, p, 44));
	unsigned char *h = p + SPOOL_FILE_HEADER_LEN;
	assert_int_equal(be32(h), SPOOL_RECORD_MAGIC);
	assert_int_equal(be64(h + 16), 1); /* first id */
	assert_int_equal(be64(h + 32), 5000);
	size_t rec_len = SPOOL_RECORD_HEADER_LEN + be32(h + 12) + 5000;
	assert_int_equal(SPOOL_FILE_HEADER_LEN + rec_len, n);
	assert_int_equal(be32(h + 40), crc32c_bitwise(0, h, 40));
	uint32_t c = crc32c_bitwise(0, h, 44);
	c = crc32c_bitwise(c, h + 48, rec_len - 48);
	assert_int_equal(be32(h + 44), c);
	free(p);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_group_commit(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	const struct spool_stats *st = spool_writer_stats(w);
	uint64_t d0 = st->data_syncs, dir0 = st->dir_syncs, s0 = st->syncs;
	for (uint64_t k = 0; k < 100; k++)
		append_k(w, k, 5000);
	wsync(w);
	assert_int_equal(st->data_syncs - d0, 1); /* the group commit */
	assert_int_equal(st->dir_syncs - dir0, 0);
	assert_int_equal(st->syncs - s0, 1);
	wsync(w); /* nothing new: no syscall */
	assert_int_equal(st->data_syncs - d0, 1);
	assert_int_equal(st->syncs - s0, 1);
	spool_writer_close(w);

	/* across a rotation: the old file is sealed with one fdatasync, the
	 * new one is synced with the directory */
	empty_dir(dir);
	o.file_size = 64 * 1024;
	w = wopen(dir, &o);
	st = spool_writer_stats(w);
	d0 = st->data_syncs;
	dir0 = st->dir_syncs;
	for (uint64_t k = 0; k < 20; k++) /* 20 x ~5.1 KB: one rotation */
		append_k(w, k, 5000);
	wsync(w);
	assert_int_equal(st->files_created, 2);
	assert_int_equal(st->data_syncs - d0, 2);
	assert_int_equal(st->dir_syncs - dir0, 1);
	spool_writer_close(w);
	rm_rf(dir);
	free(dir);
}

static void test_rotation_and_removal(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	o.file_size = 16 * 1024;
	struct spool_writer *w = wopen(dir, &o);
	uint64_t ids[100];
	for (uint64_t k = 0; k < 100; k++) {
		ids[k] = append_k(w, k, 2000);
		if (k % 7 == 0)
			wsync(w);
	}
	wsync(w);
	size_t files = count_suffix(dir, ".spool");
	assert_true(files >= 12);
	/* a record larger than file_size gets a file of its own */
	uint64_t big = append_k(w, 100, 40000);
	wsync(w);

	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	for (uint64_t k = 0; k < 50; k++) {
		assert_int_equal(rnext(r, &e), 1);
		check_entry(&e, k, 2000);
	}
	rdone_commit(r, ids[49]);
	size_t after_half = count_suffix(dir, ".spool");
	assert_true(after_half < files);
	assert_true(after_half > files / 3);
	/* no file holding a not-done entry was removed */
	spool_reader_close(r);
	r = ropen(dir, &o);
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, ids[50]);
	for (uint64_t k = 51; k < 100; k++) {
		assert_int_equal(rnext(r, &e), 1);
		check_entry(&e, k, 2000);
	}
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, big);
	check_entry(&e, 100, 40000);
	assert_int_equal(rnext(r, &e), 0);
	rdone_commit(r, big);
	/* only the newest (the writer's current) file is left */
	assert_int_equal(count_suffix(dir, ".spool"), 1);
	assert_true(spool_reader_stats(r)->files_removed > 0);
	/* the writer goes on in it; the reader sees the new entries */
	uint64_t id = append_k(w, 101, 100);
	wsync(w);
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, id);
	spool_reader_close(r);
	spool_writer_close(w);
	assert_int_equal(fs.n, 0);
	rm_rf(dir);
	free(dir);
}

static void test_done_persists(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	o.file_size = 8 * 1024;
	struct spool_writer *w = wopen(dir, &o);
	uint64_t ids[50];
	for (uint64_t k = 0; k < 50; k++)
		ids[k] = append_k(w, k, 1000);
	wsync(w);
	spool_writer_close(w);

	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	for (uint64_t k = 0; k < 30; k++)
		assert_int_equal(rnext(r, &e), 1);
	struct error err = ERROR_INIT;
	assert_int_equal(spool_reader_done(r, ids[31], &err), -1); /* not handed out */
	assert_int_equal(err.code, ERR_USAGE);
	rdone_commit(r, ids[29]);
	assert_int_equal(spool_reader_done_id(r), ids[29]);
	spool_reader_close(r);

	/* replay starts after the committed mark */
	r = ropen(dir, &o);
	for (uint64_t k = 30; k < 50; k++) {
		assert_int_equal(rnext(r, &e), 1);
		assert_int_equal(e.id, ids[k]);
		check_entry(&e, k, 1000);
	}
	assert_int_equal(rnext(r, &e), 0);
	assert_true(spool_reader_stats(r)->entries_skipped <= 30);
	rdone_commit(r, ids[39]);
	spool_reader_close(r); /* 40..49 marked nowhere: replayed */

	r = ropen(dir, &o);
	for (uint64_t k = 40; k < 50; k++) {
		assert_int_equal(rnext(r, &e), 1);
		assert_int_equal(e.id, ids[k]);
	}
	assert_int_equal(rnext(r, &e), 0);
	rdone_commit(r, ids[49]);
	spool_reader_close(r);

	r = ropen(dir, &o);
	assert_int_equal(rnext(r, &e), 0); /* nothing twice */
	spool_reader_close(r);
	/* the writer continues after every id */
	w = wopen(dir, &o);
	assert_int_equal(spool_writer_next_id(w), ids[49] + 1);
	spool_writer_close(w);
	assert_int_equal(fs.n, 0);
	rm_rf(dir);
	free(dir);
}

/* Cuts the last record of a 5-entry file at every byte offset: the writer
 * truncates the torn tail, earlier entries are intact, a new entry follows
 * with a fresh id. */
static void test_torn_tail_every_offset(void **state)
{
	(void)state;
	char *src = mktmp(), *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(src, &o);
	for (uint64_t k = 1; k <= 5; k++)
		append_k(w, k, k == 5 ? 300 : 200 + (size_t)k);
	wsync(w);
	spool_writer_close(w);
	char *srcf = spool_file(src, 1);
	size_t n;
	unsigned char *file = read_all(srcf, &n);
	/* find where record 5 starts */
	size_t pos = SPOOL_FILE_HEADER_LEN, last = 0;
	while (pos < n) {
		last = pos;
		pos += SPOOL_RECORD_HEADER_LEN + be32(file + pos + 12) + be64(file + pos + 32);
	}
	assert_int_equal(pos, n);
	char *dstf = spool_file(dir, 1);
	struct spool_entry e;
	for (size_t cut = last; cut < n; cut++) {
		empty_dir(dir);
		write_all(dstf, file, cut);
		fs.n = 0;
		/* a reader alone waits at the torn record: the file is the newest */
		struct spool_reader *r = ropen(dir, &o);
		for (uint64_t k = 1; k <= 4; k++) {
			assert_int_equal(rnext(r, &e), 1);
			assert_int_equal(e.id, k);
		}
		assert_int_equal(rnext(r, &e), 0);
		assert_int_equal(fs.n, 0);
		spool_reader_close(r);

		w = wopen(dir, &o);
		assert_int_equal(spool_writer_stats(w)->truncated_bytes, cut - last);
		assert_int_equal(fs.n, cut > last ? 1 : 0);
		/* the torn record's id is not reused once its header survived */
		uint64_t next = spool_writer_next_id(w);
		assert_int_equal(next, cut - last >= SPOOL_RECORD_HEADER_LEN ? 6 : 5);
		uint64_t id = append_k(w, 77, 500);
		wsync(w);
		spool_writer_close(w);

		r = ropen(dir, &o);
		for (uint64_t k = 1; k <= 4; k++) {
			assert_int_equal(rnext(r, &e), 1);
			assert_int_equal(e.id, k);
			check_entry(&e, k, 200 + (size_t)k);
		}
		assert_int_equal(rnext(r, &e), 1);
		assert_int_equal(e.id, id);
		check_entry(&e, 77, 500);
		assert_int_equal(rnext(r, &e), 0);
		spool_reader_close(r);
	}
	/* garbage after complete records (a lost un-synced write) goes too */
	empty_dir(dir);
	unsigned char *g = malloc(n + 777);
	assert_non_null(g);
	memcpy(g, file, n);
	for (size_t i = 0; i < 777; i++)
		g[n + i] = (unsigned char)(i * 31 + 7);
	write_all(dstf, g, n + 777);
	free(g);
	fs.n = 0;
	w = wopen(dir, &o);
	assert_int_equal(spool_writer_stats(w)->truncated_bytes, 777);
	assert_int_equal(spool_writer_next_id(w), 6);
	spool_writer_close(w);
	struct spool_reader *r = ropen(dir, &o);
	for (uint64_t k = 1; k <= 5; k++)
		assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(rnext(r, &e), 0);
	spool_reader_close(r);

	free(file);
	free(srcf);
	free(dstf);
	rm_rf(src);
	rm_rf(dir);
	free(src);
	free(dir);
}

/* Offsets of the records of a spool file. */
static size_t record_offsets(const char *path, uint64_t *offs, size_t max)
{
	size_t n, k = 0;
	unsigned char *p = read_all(path, &n);
	for (size_t pos = SPOOL_FILE_HEADER_LEN; pos + SPOOL_RECORD_HEADER_LEN <= n && k < max;) {
		offs[k++] = pos;
		pos += SPOOL_RECORD_HEADER_LEN + be32(p + pos + 12) + be64(p + pos + 32);
	}
	free(p);
	return k;
}

static void corrupt_case(uint64_t delta, int where, const char *expect)
{
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	o.file_size = 5 * 1100; /* five ~1 KB records per file */
	struct spool_writer *w = wopen(dir, &o);
	for (uint64_t k = 0; k < 8; k++)
		append_k(w, k, 1000);
	wsync(w);
	char *f1 = spool_file(dir, 1);
	uint64_t offs[8];
	assert_int_equal(record_offsets(f1, offs, 8), 4);
	uint64_t at = where == 0 ? 0 : offs[2] + delta; /* file header, or record 3 */
	flip_byte(f1, at);

	/* file 1 is sealed (file 2 exists): the reader skips and reports */
	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	uint64_t got[8];
	size_t ng = 0;
	while (rnext(r, &e) == 1) {
		assert_true(ng < 8);
		got[ng++] = entry_k(&e);
		check_entry(&e, got[ng - 1], 1000);
	}
	if (where == 0) {
		/* a bad file header loses nothing: records carry their own checks */
		assert_int_equal(ng, 8);
		assert_int_equal(fs.n, 1);
		assert_int_equal(fs.offset[0], 0);
	} else {
		assert_int_equal(ng, 7);
		assert_int_equal(got[2], 3); /* message 2 skipped */
		assert_int_equal(fs.n, 1);
		assert_int_equal(fs.offset[0], offs[2]);
		assert_int_equal(fs.length[0], offs[3] - offs[2]);
	}
	assert_non_null(strstr(fs.what[0], expect));
	assert_int_equal(spool_reader_stats(r)->corrupt_regions, 1);
	/* the file is quarantined, not deleted, once drained */
	struct error err = ERROR_INIT;
	assert_int_equal(spool_reader_done(r, e.id, &err), 0);
	assert_int_equal(spool_reader_commit(r, &err), 0);
	assert_int_equal(spool_reader_stats(r)->files_quarantined, 1);
	assert_int_equal(count_suffix(dir, ".spool.corrupt"), 1);
	spool_reader_close(r);
	spool_writer_close(w);
	free(f1);
	rm_rf(dir);
	free(dir);
}

static void test_corrupt_middle(void **state)
{
	(void)state;
	corrupt_case(200, 1, "record checksum mismatch");      /* payload */
	corrupt_case(33, 1, "record header checksum mismatch"); /* header: length field */
	corrupt_case(0, 1, "bad record magic");
	corrupt_case(0, 0, "file");
}

/* A rotted record in the newest file found at the writer's open: reported,
 * the records after it kept, the file left to the reader (sealed). */
static void test_corrupt_newest_at_open(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	for (uint64_t k = 0; k < 5; k++)
		append_k(w, k, 1000);
	wsync(w);
	spool_writer_close(w);
	char *f1 = spool_file(dir, 1);
	uint64_t offs[5];
	assert_int_equal(record_offsets(f1, offs, 5), 5);
	flip_byte(f1, offs[2] + 500);
	w = wopen(dir, &o);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.offset[0], offs[2]);
	assert_int_equal(spool_writer_stats(w)->truncated_bytes, 0);
	assert_int_equal(spool_writer_next_id(w), 6);
	append_k(w, 5, 1000);
	wsync(w);
	assert_int_equal(count_suffix(dir, ".spool"), 2);
	fs.n = 0;
	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	uint64_t want[] = {0, 1, 3, 4, 5};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(rnext(r, &e), 1);
		assert_int_equal(entry_k(&e), want[i]);
	}
	assert_int_equal(rnext(r, &e), 0);
	assert_int_equal(fs.n, 1);
	spool_reader_close(r);
	spool_writer_close(w);
	free(f1);
	rm_rf(dir);
	free(dir);
}

static void test_ids_monotonic(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	for (uint64_t k = 0; k < 3; k++)
		assert_int_equal(append_k(w, k, 10), k + 1);
	wsync(w);
	spool_writer_close(w);
	w = wopen(dir, &o);
	assert_int_equal(append_k(w, 3, 10), 4);
	assert_int_equal(append_k(w, 4, 10), 5);
	/* appended, never synced, writer gone: may vanish, ids still move on */
	spool_writer_close(w);

	/* a torn creation (empty newest file) is cleaned up */
	char *f9 = spool_file(dir, 9);
	write_all(f9, "", 0);
	w = wopen(dir, &o);
	assert_int_equal(spool_writer_next_id(w), 6);
	assert_int_equal(fs.n, 0);
	struct stat sb;
	assert_int_equal(stat(f9, &sb), -1);
	assert_int_equal(append_k(w, 5, 10), 6);
	wsync(w);

	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	uint64_t last = 0;
	while (rnext(r, &e) == 1) {
		assert_true(e.id > last);
		last = e.id;
	}
	assert_int_equal(last, 6);
	rdone_commit(r, last);
	spool_reader_close(r);
	spool_writer_close(w);

	/* every spool file removed (the newest too, by hand): the done file
	 * still keeps ids from being reused */
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".spool") != NULL) {
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
	w = wopen(dir, &o);
	assert_int_equal(spool_writer_next_id(w), 7);
	assert_int_equal(append_k(w, 6, 10), 7);
	wsync(w);
	spool_writer_close(w);
	free(f9);
	rm_rf(dir);
	free(dir);
}

/* The child drains while the parent appends: entries arrive complete, in
 * order, each once; files are removed behind it. */
#define FORK_N 3000

static int child_reader(const char *dir)
{
	struct spool_opts o;
	spool_opts_default(&o);
	struct spool_reader *r = NULL;
	struct error err = ERROR_INIT;
	/* the parent may not have created the spool yet */
	for (int i = 0; i < 5000 && spool_reader_open(&r, dir, &o, &err) < 0; i++)
		usleep(1000);
	if (r == NULL)
		return 10;
	uint64_t want = 0, last_id = 0;
	time_t start = time(NULL);
	while (want < FORK_N) {
		struct spool_entry e;
		int rc = spool_reader_next(r, &e, &err);
		if (rc < 0)
			return 11;
		if (rc == 0) {
			if (time(NULL) - start > 60)
				return 12;
			usleep(200);
			continue;
		}
		if (e.id <= last_id)
			return 13;
		last_id = e.id;
		if (entry_k(&e) != want)
			return 14;
		if (entry_mismatch(&e, want, 600 + (size_t)(want % 13) * 100) != NULL)
			return 15;
		want++;
		if (want % 64 == 0 || want == FORK_N) {
			if (spool_reader_done(r, e.id, &err) < 0 || spool_reader_commit(r, &err) < 0)
				return 16;
		}
	}
	int removed = spool_reader_stats(r)->files_removed > 0;
	spool_reader_close(r);
	return removed ? 0 : 17;
}

static void test_fork_reader(void **state)
{
	(void)state;
	char *dir = mktmp();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_reader(dir));
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	o.file_size = 64 * 1024;
	struct spool_writer *w = wopen(dir, &o);
	uint64_t k = 0;
	unsigned seed = 12345;
	while (k < FORK_N) {
		seed = seed * 1103515245 + 12345;
		unsigned batch = 1 + (seed >> 16) % 20;
		for (unsigned i = 0; i < batch && k < FORK_N; i++, k++)
			append_k(w, k, 600 + (size_t)(k % 13) * 100);
		wsync(w);
		if ((seed >> 8) % 4 == 0)
			usleep(100);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("reader child failed with %d", WEXITSTATUS(status));
	assert_true(spool_writer_stats(w)->files_created > 10);
	assert_true(count_suffix(dir, ".spool") < 5);
	assert_int_equal(fs.n, 0);
	spool_writer_close(w);
	rm_rf(dir);
	free(dir);
}

/* kill -9 of the writer at random moments, 20 times: after recovery every
 * acknowledged (synced) message is there exactly once, in order, intact. */
static size_t kill_size(uint64_t k)
{
	return k % 11 == 3 ? (size_t)(1u << 20) + (size_t)(k % 7) * 300000 : 200 + (size_t)(k % 5) * 1500;
}

static void child_writer(const char *dir, uint64_t k0, int fd)
{
	struct spool_opts o;
	spool_opts_default(&o);
	o.file_size = 3u << 20;
	struct spool_writer *w = NULL;
	struct error err = ERROR_INIT;
	if (spool_writer_open(&w, dir, &o, &err) < 0)
		_exit(30);
	for (uint64_t k = k0;; k++) {
		struct env_store s;
		gen_env(&s, k);
		unsigned char *m = gen_msg(k, kill_size(k));
		uint64_t id;
		int rc = spool_append(w, &s.env, m, kill_size(k), &id, &err);
		free(m);
		if (rc < 0)
			_exit(31);
		if (k % 3 == 0) {
			if (spool_sync(w, &err) < 0)
				_exit(32);
			/* the "250": k and everything before it is acknowledged */
			if (write(fd, &k, sizeof(k)) != (ssize_t)sizeof(k))
				_exit(33);
		}
	}
}

static void test_kill9(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	uint64_t k0 = 0, truncated = 0, total = 0;
	unsigned seed = 777;
	for (int round = 0; round < 20; round++) {
		int pfd[2];
		assert_int_equal(pipe(pfd), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pfd[0]);
			child_writer(dir, k0, pfd[1]);
		}
		close(pfd[1]);
		seed = seed * 1103515245 + 12345;
		usleep(5000 + (seed >> 16) % 40000);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		int64_t acked = -1;
		uint64_t v;
		while (read(pfd[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
			acked = (int64_t)v;
		close(pfd[0]);

		struct spool_writer *w = wopen(dir, &o); /* recovery */
		truncated += spool_writer_stats(w)->truncated_bytes;
		spool_writer_close(w);
		struct spool_reader *r = ropen(dir, &o);
		struct spool_entry e;
		uint64_t want = k0, last_id = 0;
		while (rnext(r, &e) == 1) {
			uint64_t k = entry_k(&e);
			assert_int_equal(k, want); /* in order, none missing, none twice */
			check_entry(&e, k, kill_size(k));
			last_id = e.id;
			want++;
			total++;
		}
		assert_true((int64_t)want > acked); /* every acknowledged one is there */
		if (last_id > 0)
			rdone_commit(r, last_id);
		spool_reader_close(r);
		k0 = want;
	}
	assert_int_equal(fs.n == 0 || truncated > 0, 1); /* only torn tails reported */
	print_message("kill -9 x20: %" PRIu64 " messages, %" PRIu64 " torn bytes truncated\n", total,
		      truncated);
	assert_true(count_suffix(dir, ".spool") <= 2);
	rm_rf(dir);
	free(dir);
}

/* Writes a record with valid checksums but the given lengths. */
static void hostile_record(unsigned char h[SPOOL_RECORD_HEADER_LEN], uint64_t id, uint32_t env_len,
			   uint64_t msg_len)
{
	memset(h, 0, SPOOL_RECORD_HEADER_LEN);
	h[0] = 'C', h[1] = 'S', h[2] = 'P', h[3] = 'R';
	h[5] = 1;
	h[7] = SPOOL_RECORD_HEADER_LEN;
	h[8] = 1;
	for (int i = 0; i < 4; i++)
		h[12 + i] = (unsigned char)(env_len >> (24 - 8 * i));
	for (int i = 0; i < 8; i++) {
		h[16 + i] = (unsigned char)(id >> (56 - 8 * i));
		h[32 + i] = (unsigned char)(msg_len >> (56 - 8 * i));
	}
	h[31] = 1; /* file sequence 1 */
	uint32_t c = crc32c_bitwise(0, h, 40);
	for (int i = 0; i < 4; i++)
		h[40 + i] = (unsigned char)(c >> (24 - 8 * i));
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	append_k(w, 0, 100);
	wsync(w);
	spool_writer_close(w);
	char *f1 = spool_file(dir, 1);
	size_t n;
	unsigned char *p = read_all(f1, &n);
	/* file 1: a good record, then records claiming huge sizes, then a good
	 * record again (copied, so its id repeats: rejected as not increasing),
	 * then an envelope claiming 4 billion recipients with valid checksums */
	struct buf b;
	struct error err = ERROR_INIT;
	buf_init(&b, BUF_UNLIMITED);
	assert_int_equal(buf_append(&b, p, n, &err), 0);
	unsigned char h[SPOOL_RECORD_HEADER_LEN];
	hostile_record(h, 2, 20, (uint64_t)1 << 62);
	assert_int_equal(buf_append(&b, h, sizeof(h), &err), 0);
	hostile_record(h, 3, 0xFFFFFFF0u, 10);
	assert_int_equal(buf_append(&b, h, sizeof(h), &err), 0);
	hostile_record(h, 4, 64, (uint64_t)900 << 20); /* within limits, past the file */
	assert_int_equal(buf_append(&b, h, sizeof(h), &err), 0);
	assert_int_equal(buf_append(&b, p + SPOOL_FILE_HEADER_LEN, n - SPOOL_FILE_HEADER_LEN, &err), 0);
	unsigned char env[20] = {0};
	env[16] = env[17] = env[18] = env[19] = 0xFF; /* 4294967295 recipients */
	hostile_record(h, 5, sizeof(env), 0);
	uint32_t c = crc32c_bitwise(crc32c_bitwise(0, h, 44), env, sizeof(env));
	for (int i = 0; i < 4; i++)
		h[44 + i] = (unsigned char)(c >> (24 - 8 * i));
	assert_int_equal(buf_append(&b, h, sizeof(h), &err), 0);
	assert_int_equal(buf_append(&b, env, sizeof(env), &err), 0);
	write_all(f1, b.data, b.len);
	/* file 2 (good) makes file 1 sealed */
	char *f2 = spool_file(dir, 2);
	unsigned char fh[SPOOL_FILE_HEADER_LEN];
	memcpy(fh, p, sizeof(fh));
	fh[23] = 2;
	c = crc32c_bitwise(0, fh, 44);
	for (int i = 0; i < 4; i++)
		fh[44 + i] = (unsigned char)(c >> (24 - 8 * i));
	write_all(f2, fh, sizeof(fh));

	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, 1);
	assert_int_equal(rnext(r, &e), 0);
	assert_int_equal(fs.n, 1); /* one region: everything after record 1 */
	assert_int_equal(fs.offset[0], n);
	assert_int_equal(fs.length[0], b.len - n);
	assert_non_null(strstr(fs.what[0], "message length out of bounds"));
	spool_reader_close(r);

	/* the writer's open walks the same bytes as the newest file */
	unlink(f2);
	fs.n = 0;
	w = wopen(dir, &o);
	assert_true(spool_writer_next_id(w) > 5);   /* headers with valid checksums count */
	assert_int_equal(spool_writer_stats(w)->truncated_bytes, b.len - n);

	/* the writer refuses what exceeds its limits and stays usable */
	struct spool_opts lo = test_opts(&fs);
	lo.max_message = 1000;
	lo.max_rcpts = 2;
	lo.max_string = 10;
	spool_writer_close(w);
	w = wopen(dir, &lo);
	uint64_t id;
	struct spool_envelope env_ok = {"a@b", NULL, 0, NULL, NULL, NULL, 0};
	char msg[1001] = {0};
	assert_int_equal(spool_append(w, &env_ok, msg, 1001, &id, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	const char *rc3[] = {"a", "b", "c"};
	struct spool_envelope env_many = {"a@b", rc3, 3, NULL, NULL, NULL, 0};
	assert_int_equal(spool_append(w, &env_many, msg, 10, &id, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	struct spool_envelope env_long = {"0123456789x", NULL, 0, NULL, NULL, NULL, 0};
	assert_int_equal(spool_append(w, &env_long, msg, 10, &id, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	struct iovec v[2] = {{msg, 600}, {msg, SIZE_MAX - 100}};
	assert_int_equal(spool_appendv(w, &env_ok, v, 2, &id, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	assert_int_equal(spool_writer_stats(w)->refused, 4);
	assert_int_equal(spool_append(w, &env_ok, msg, 1000, &id, &err), 0);
	wsync(w);
	spool_writer_close(w);

	/* bad options */
	lo.max_message = SPOOL_HARD_MAX_MESSAGE + 1;
	assert_int_equal(spool_writer_open(&w, dir, &lo, &err), -1);
	assert_int_equal(err.code, ERR_USAGE);
	buf_release(&b);
	free(p);
	free(f1);
	free(f2);
	rm_rf(dir);
	free(dir);
}

static void test_locks(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o), *w2 = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(spool_writer_open(&w2, dir, &o, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	struct spool_reader *r = ropen(dir, &o), *r2 = NULL;
	assert_int_equal(spool_reader_open(&r2, dir, &o, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	/* free-space check */
	assert_int_equal(spool_space_ok(w, 0, &err), 1);
	assert_int_equal(spool_space_ok(w, UINT64_MAX / 2, &err), 0);
	assert_int_equal(spool_space_ok(w, UINT64_MAX, &err), 0);
	spool_reader_close(r);
	spool_writer_close(w);
	rm_rf(dir);
	free(dir);
}

/* EFBIG from RLIMIT_FSIZE stands in for ENOSPC: the failing append takes
 * its partial record back, earlier entries stay, later ones work. */
static int child_full_disk(const char *dir)
{
	signal(SIGXFSZ, SIG_IGN);
	struct spool_opts o;
	spool_opts_default(&o);
	struct spool_writer *w = NULL;
	struct error err = ERROR_INIT;
	if (spool_writer_open(&w, dir, &o, &err) < 0)
		return 20;
	uint64_t id;
	for (uint64_t k = 0; k < 5; k++) {
		struct env_store s;
		gen_env(&s, k);
		unsigned char *m = gen_msg(k, 10000);
		int rc = spool_append(w, &s.env, m, 10000, &id, &err);
		free(m);
		if (rc < 0)
			return 21;
	}
	if (spool_sync(w, &err) < 0)
		return 22;
	struct stat sb;
	char *f1 = spool_file(dir, 1);
	if (stat(f1, &sb) < 0)
		return 23;
	free(f1);
	struct rlimit rl = {(rlim_t)sb.st_size + 25000, (rlim_t)sb.st_size + 25000};
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 24;
	int ok = 0, failed = 0;
	for (uint64_t k = 5; k < 10; k++) {
		struct env_store s;
		gen_env(&s, k);
		unsigned char *m = gen_msg(k, 10000);
		int rc = spool_append(w, &s.env, m, 10000, &id, &err);
		free(m);
		if (rc == 0 && !failed)
			ok++;
		else if (rc < 0 && err.code == ERR_IO)
			failed++;
		else
			return 25;
	}
	if (ok != 2 || failed != 3)
		return 26;
	/* what was acknowledged-to-be is made durable; a small one still fits */
	if (spool_sync(w, &err) < 0)
		return 27;
	struct env_store s;
	gen_env(&s, 10);
	unsigned char *m = gen_msg(10, 100);
	int rc = spool_append(w, &s.env, m, 100, &id, &err);
	free(m);
	if (rc < 0 || spool_sync(w, &err) < 0)
		return 28;
	if (spool_writer_stats(w)->refused != 3)
		return 29;
	spool_writer_close(w);
	return 0;
}

static void test_full_disk(void **state)
{
	(void)state;
	char *dir = mktmp();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_full_disk(dir));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("full-disk child failed with %d", WEXITSTATUS(status));
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	assert_int_equal(spool_writer_stats(w)->truncated_bytes, 0); /* left clean */
	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	uint64_t want[] = {0, 1, 2, 3, 4, 5, 6, 10};
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(rnext(r, &e), 1);
		assert_int_equal(entry_k(&e), want[i]);
		check_entry(&e, want[i], want[i] == 10 ? 100 : 10000);
	}
	assert_int_equal(rnext(r, &e), 0);
	assert_int_equal(fs.n, 0);
	assert_true(spool_writer_next_id(w) > e.id);
	spool_reader_close(r);
	spool_writer_close(w);
	rm_rf(dir);
	free(dir);
}

static void test_done_slots(void **state)
{
	(void)state;
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	for (uint64_t k = 0; k < 10; k++)
		append_k(w, k, 50);
	wsync(w);
	spool_writer_close(w);
	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	for (int i = 0; i < 10; i++)
		assert_int_equal(rnext(r, &e), 1);
	rdone_commit(r, 3); /* slot 1 */
	rdone_commit(r, 6); /* slot 0 */
	assert_int_equal(spool_reader_stats(r)->done_commits, 2);
	assert_int_equal(spool_reader_stats(r)->data_syncs, 2);
	rdone_commit(r, 6); /* nothing new: no write */
	assert_int_equal(spool_reader_stats(r)->data_syncs, 2);
	spool_reader_close(r);
	char done[512];
	snprintf(done, sizeof(done), "%s/done", dir);
	/* a torn newest slot: the older one still holds */
	flip_byte(done, 20);
	r = ropen(dir, &o);
	assert_int_equal(spool_reader_done_id(r), 3);
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, 4);
	spool_reader_close(r);
	/* both gone: reported, everything replayed (the archive dedups) */
	flip_byte(done, SPOOL_DONE_SLOT_STRIDE + 20);
	assert_int_equal(fs.n, 0);
	r = ropen(dir, &o);
	assert_int_equal(fs.n, 1);
	assert_int_equal(spool_reader_done_id(r), 0);
	assert_int_equal(rnext(r, &e), 1);
	assert_int_equal(e.id, 1);
	spool_reader_close(r);
	rm_rf(dir);
	free(dir);
}

/* Writes the fuzz seeds when CUSTOS_SPOOL_SEEDS names a directory. */
static void seed_out(const char *out, const char *name, unsigned char mode, const unsigned char *p,
		     size_t n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", out, name);
	unsigned char *s = malloc(n + 1);
	assert_non_null(s);
	s[0] = mode;
	memcpy(s + 1, p, n);
	write_all(path, s, n + 1);
	free(s);
}

static void test_seeds(void **state)
{
	(void)state;
	const char *out = getenv("CUSTOS_SPOOL_SEEDS");
	if (out == NULL || *out == '\0')
		skip();
	char *dir = mktmp();
	struct faults fs = {0};
	struct spool_opts o = test_opts(&fs);
	struct spool_writer *w = wopen(dir, &o);
	append_k(w, 1, 40);
	append_k(w, 2, 0);
	append_k(w, 3, 300);
	wsync(w);
	spool_writer_close(w);
	char *f1 = spool_file(dir, 1);
	size_t n;
	unsigned char *p = read_all(f1, &n);
	seed_out(out, "three-records", 0, p, n);
	seed_out(out, "three-records-sealed", 1, p, n);
	seed_out(out, "torn-tail", 0, p, n - 100);
	unsigned char *q = malloc(n);
	assert_non_null(q);
	memcpy(q, p, n);
	q[SPOOL_FILE_HEADER_LEN + 60] ^= 1;
	seed_out(out, "corrupt-first-sealed", 1, q, n);
	memcpy(q, p, n);
	unsigned char h[SPOOL_RECORD_HEADER_LEN];
	hostile_record(h, 9, 20, (uint64_t)1 << 40);
	memcpy(q + SPOOL_FILE_HEADER_LEN, h, sizeof(h));
	seed_out(out, "huge-length", 1, q, n);
	free(q);
	free(p);
	/* a done file in front (mode bit 2): the reader's slot parser */
	struct spool_reader *r = ropen(dir, &o);
	struct spool_entry e;
	while (rnext(r, &e) == 1)
		;
	rdone_commit(r, 2);
	spool_reader_close(r);
	char done[512];
	snprintf(done, sizeof(done), "%s/done", dir);
	p = read_all(done, &n);
	size_t n1;
	unsigned char *f = read_all(f1, &n1);
	unsigned char *both = malloc(n + n1);
	assert_non_null(both);
	memcpy(both, p, n);
	memcpy(both + n, f, n1);
	assert_int_equal(n, SPOOL_DONE_SLOT_STRIDE + SPOOL_DONE_SLOT_LEN);
	seed_out(out, "with-done", 2, both, n + n1);
	free(both);
	free(f);
	free(p);
	free(f1);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_checksum_independent),
	    cmocka_unit_test(test_group_commit),
	    cmocka_unit_test(test_rotation_and_removal),
	    cmocka_unit_test(test_done_persists),
	    cmocka_unit_test(test_torn_tail_every_offset),
	    cmocka_unit_test(test_corrupt_middle),
	    cmocka_unit_test(test_corrupt_newest_at_open),
	    cmocka_unit_test(test_ids_monotonic),
	    cmocka_unit_test(test_fork_reader),
	    cmocka_unit_test(test_kill9),
	    cmocka_unit_test(test_hostile_sizes),
	    cmocka_unit_test(test_locks),
	    cmocka_unit_test(test_full_disk),
	    cmocka_unit_test(test_done_slots),
	    cmocka_unit_test(test_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
