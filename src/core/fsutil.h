/*
 * fsutil.h - file system helpers with the durability rules custos relies on.
 *
 * A file is durable once its data is fsync'ed *and* its directory entry is
 * fsync'ed (the directory fsync makes a create or rename survive power loss).
 * All functions retry on EINTR and handle short reads and writes.
 */
#ifndef CUSTOS_CORE_FSUTIL_H
#define CUSTOS_CORE_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"

int fs_write_all(int fd, const void *p, size_t n, struct error *err);
/* Reads exactly n bytes; a short file is ERR_CORRUPT ("unexpected end"). */
int fs_pread_all(int fd, void *p, size_t n, off_t off, struct error *err);
int fs_pwrite_all(int fd, const void *p, size_t n, off_t off, struct error *err);
/* Reads up to n bytes; *got_r tells how many (0 at end of file). */
int fs_read_some(int fd, void *p, size_t n, size_t *got_r, struct error *err);
/* Reads a whole file into out (appending); fails with ERR_LIMIT past out->max. */
int fs_read_file(const char *path, struct buf *out, struct error *err);
int fs_fsync_fd(int fd, const char *what, struct error *err);
int fs_fsync_dir(const char *dir, struct error *err);
/* Creates dir and its parents with mode (existing ones are fine). */
int fs_mkdir_p(const char *dir, mode_t mode, struct error *err);
/* Writes path atomically and durably: temp file, fsync, rename, fsync dir.
 * With exclusive, fails with ERR_EXISTS if path exists. */
int fs_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode, int exclusive,
			 struct error *err);
/* Creates path (which must not exist) and writes it, without fsync: for
 * many files made durable together by fs_syncfs() (export). */
int fs_write_file_new(const char *path, const void *p, size_t n, mode_t mode, struct error *err);
/* Flushes the whole file system holding dir (syncfs(2)), then dir itself. */
int fs_syncfs(const char *dir, struct error *err);
/* Returns 1 if path exists, 0 if not, -1 on other errors. */
int fs_exists(const char *path, struct error *err);
/* Free bytes available to unprivileged users on the file system of path. */
int fs_free_bytes(const char *path, uint64_t *free_r, struct error *err);
/* The directory part of path, newly allocated ("." when none). */
char *fs_dirname(const char *path);

#endif
