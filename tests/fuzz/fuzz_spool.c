/*
 * fuzz_spool.c - the spool's reader and recovery paths (src/intake/spool.c)
 * on arbitrary bytes laid out as a spool directory.
 *
 * Input: byte 0 is a mode, the rest is the content.
 *   bit 0: an empty file 2 follows, so file 1 is sealed (the reader treats
 *          bad bytes as corruption and skips them, rather than waiting);
 *   bit 1: the first 4160 bytes of the content are the done file;
 *   bit 2: the first reader marks everything it got done and commits.
 * The rest of the content is spool file 1.
 *
 * Three phases, each with its invariants (abort() on a violation):
 *   1. a reader drains: entries have increasing ids, fit in the input, and
 *      their strings are never NULL; faults point inside the input;
 *   2. a writer opens (recovery: truncation, id floor): it must succeed,
 *      and its next id must exceed every id phase 1 handed out;
 *   3. the writer appends and syncs one entry; a fresh reader must hand it
 *      back last, byte for byte, and nothing phase 1 committed as done.
 * Nothing may read out of bounds, allocate beyond the input's claims (the
 * sizes are checked against the file before allocating), or loop forever.
 *
 * The seeds in corpus/spool/ were written by tests/unit/test_spool.c
 * (test_seeds, with CUSTOS_SPOOL_SEEDS=DIR): spool files made by the
 * writer, torn, corrupted and with hostile lengths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DONE_BYTES (SPOOL_DONE_SLOT_STRIDE + SPOOL_DONE_SLOT_LEN)

static char dir[64];
static size_t input_size;
static unsigned n_faults;

static void check(int ok)
{
	if (!ok)
		abort();
}

static void on_fault(void *ctx, const struct spool_fault *f)
{
	(void)ctx;
	check(f->path != NULL && f->what != NULL && f->what[0] != '\0');
	check(f->offset <= input_size && f->length <= input_size);
	n_faults++;
}

static void put_file(const char *name, const void *p, size_t n)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0);
	check(n == 0 || write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void clean_dir(void)
{
	DIR *d = opendir(dir);
	check(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static void setup(void)
{
	if (dir[0] != '\0')
		return;
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/fuzz-spool-XXXXXX", t != NULL && strlen(t) < 40 ? t : "/tmp");
	check(mkdtemp(dir) != NULL);
}

static void check_entry(const struct spool_entry *e, size_t n)
{
	check(e->len <= n && e->data != NULL);
	check(e->env.mail_from && e->env.client_addr && e->env.helo && e->env.protocol);
	check(e->env.n_rcpts <= n / 2 + 1);
	for (size_t i = 0; i < e->env.n_rcpts; i++)
		check(e->env.rcpts[i] != NULL && strlen(e->env.rcpts[i]) <= n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	setup();
	clean_dir();
	unsigned mode = data[0];
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	input_size = n;
	n_faults = 0;
	if (mode & 2) {
		size_t d = n < DONE_BYTES ? n : DONE_BYTES;
		put_file("done", p, d);
		p += d;
		n -= d;
	}
	put_file("000000000001.spool", p, n);
	if (mode & 1)
		put_file("000000000002.spool", "", 0);

	struct spool_opts o;
	spool_opts_default(&o);
	o.on_fault = on_fault;
	struct error err = ERROR_INIT;

	/* 1: drain */
	struct spool_reader *r = NULL;
	check(spool_reader_open(&r, dir, &o, &err) == 0);
	uint64_t last = 0, count = 0;
	struct spool_entry e;
	int rc;
	while ((rc = spool_reader_next(r, &e, &err)) == 1) {
		check(e.id > last);
		last = e.id;
		check_entry(&e, n);
		check(++count <= n / SPOOL_RECORD_HEADER_LEN + 1);
	}
	check(rc == 0);
	check(spool_reader_next(r, &e, &err) == 0); /* stable when nothing changed */
	uint64_t done = spool_reader_done_id(r);
	if ((mode & 4) && last > 0) {
		check(spool_reader_done(r, last, &err) == 0);
		check(spool_reader_commit(r, &err) == 0);
		done = last;
	}
	spool_reader_close(r);

	/* 2: recover */
	struct spool_writer *w = NULL;
	if (spool_writer_open(&w, dir, &o, &err) < 0)
		abort();
	uint64_t next = spool_writer_next_id(w);
	check(next > last && next > done);

	/* 3: append, read back */
	static const char msg[] = "Subject: fuzz\r\n\r\nbody\r\n";
	const char *rcpts[] = {"a@b.test", "c@d.test"};
	struct spool_envelope env = {"s@e.test", rcpts, 2, "192.0.2.7", "mx.test", "ESMTP", 42};
	uint64_t id;
	check(spool_append(w, &env, msg, sizeof(msg) - 1, &id, &err) == 0);
	check(id == next);
	check(spool_sync(w, &err) == 0);
	check(spool_reader_open(&r, dir, &o, &err) == 0);
	uint64_t last2 = 0;
	int seen = 0;
	input_size = n + 4096; /* the writer's record may follow a kept prefix */
	while ((rc = spool_reader_next(r, &e, &err)) == 1) {
		check(e.id > last2 && e.id > done);
		last2 = e.id;
		check(!seen);
		if (e.id == id) {
			seen = 1;
			check(e.len == sizeof(msg) - 1 && memcmp(e.data, msg, e.len) == 0);
			check(strcmp(e.env.mail_from, "s@e.test") == 0 && e.env.n_rcpts == 2);
			check(strcmp(e.env.rcpts[1], "c@d.test") == 0 && e.env.received_us == 42);
		}
	}
	check(rc == 0 && seen);
	spool_reader_close(r);
	spool_writer_close(w);
	return 0;
}
