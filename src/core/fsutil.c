/*
 * fsutil.c - durable file helpers. See fsutil.h.
 */
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/xalloc.h"

int fs_write_all(int fd, const void *p, size_t n, struct error *err)
{
	const unsigned char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "write");
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int fs_pwrite_all(int fd, const void *p, size_t n, off_t off, struct error *err)
{
	const unsigned char *c = p;
	while (n > 0) {
		ssize_t w = pwrite(fd, c, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "pwrite at offset %lld", (long long)off);
		}
		c += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int fs_pread_all(int fd, void *p, size_t n, off_t off, struct error *err)
{
	unsigned char *c = p;
	while (n > 0) {
		ssize_t r = pread(fd, c, n, off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "read at offset %lld", (long long)off);
		}
		if (r == 0)
			return error_set(err, ERR_CORRUPT, "unexpected end of file at offset %lld",
					 (long long)off);
		c += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

int fs_read_some(int fd, void *p, size_t n, size_t *got_r, struct error *err)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r >= 0) {
			*got_r = (size_t)r;
			return 0;
		}
		if (errno != EINTR)
			return error_errno(err, "read");
	}
}

int fs_read_file(const char *path, struct buf *out, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > out->max - out->len) {
			close(fd);
			return error_set(err, ERR_LIMIT, "%s: %lld bytes exceeds the limit of %zu",
					 path, (long long)st.st_size, out->max);
		}
		if (buf_reserve(out, (size_t)st.st_size, err) < 0) {
			close(fd);
			return -1;
		}
	}
	for (;;) {
		if (buf_reserve(out, 65536 < out->max - out->len ? 65536 : 1, err) < 0) {
			/* Only fails when full: check whether more data follows. */
			unsigned char probe;
			size_t got = 0;
			struct error e2;
			if (fs_read_some(fd, &probe, 1, &got, &e2) == 0 && got == 0) {
				close(fd);
				error_clear(err);
				return 0;
			}
			close(fd);
			return error_prefix(err, "%s", path);
		}
		size_t room = out->cap - out->len - 1;
		size_t got = 0;
		if (fs_read_some(fd, out->data + out->len, room, &got, err) < 0) {
			close(fd);
			return error_prefix(err, "%s", path);
		}
		if (got == 0)
			break;
		out->len += got;
		out->data[out->len] = '\0';
	}
	close(fd);
	return 0;
}

int fs_fsync_fd(int fd, const char *what, struct error *err)
{
	while (fsync(fd) < 0) {
		if (errno != EINTR)
			return error_errno(err, "fsync %s", what);
	}
	return 0;
}

int fs_fsync_dir(const char *dir, struct error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open directory %s", dir);
	int rc = fs_fsync_fd(fd, dir, err);
	close(fd);
	return rc;
}

int fs_mkdir_p(const char *dir, mode_t mode, struct error *err)
{
	char *p = xstrdup(dir);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			error_errno(err, "mkdir %s", p);
			free(p);
			return -1;
		}
		*s = saved;
		if (saved == '\0')
			break;
	}
	free(p);
	return 0;
}

int fs_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode, int exclusive,
			 struct error *err)
{
	if (exclusive) {
		int ex = fs_exists(path, err);
		if (ex < 0)
			return -1;
		if (ex > 0)
			return error_set(err, ERR_EXISTS, "%s already exists", path);
	}
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = fs_dirname(path);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		error_errno(err, "create %s", tmp);
		goto fail;
	}
	if (fchmod(fd, mode) < 0) {
		error_errno(err, "chmod %s", tmp);
		goto fail_close;
	}
	if (fs_write_all(fd, p, n, err) < 0 || fs_fsync_fd(fd, tmp, err) < 0)
		goto fail_close;
	if (close(fd) < 0) {
		fd = -1;
		error_errno(err, "close %s", tmp);
		goto fail_unlink;
	}
	fd = -1;
	if (exclusive) {
		/* link() fails if the target appeared meanwhile: no overwrite race. */
		if (link(tmp, path) < 0) {
			if (errno == EEXIST)
				error_set(err, ERR_EXISTS, "%s already exists", path);
			else
				error_errno(err, "link %s", path);
			goto fail_unlink;
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		error_errno(err, "rename %s", path);
		goto fail_unlink;
	}
	rc = fs_fsync_dir(dir, err);
	goto fail;
fail_close:
	close(fd);
fail_unlink:
	unlink(tmp);
fail:
	free(tmp);
	free(dir);
	return rc;
}

int fs_write_file_new(const char *path, const void *p, size_t n, mode_t mode, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return error_set(err, ERR_EXISTS, "%s already exists", path);
		return error_errno(err, "create %s", path);
	}
	if (fs_write_all(fd, p, n, err) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) < 0) {
		error_errno(err, "close %s", path);
		unlink(path);
		return -1;
	}
	return 0;
}

int fs_syncfs(const char *dir, struct error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", dir);
	int rc = syncfs(fd);
	int saved = errno;
	if (rc == 0 && fsync(fd) < 0) {
		rc = -1;
		saved = errno;
	}
	close(fd);
	if (rc < 0) {
		errno = saved;
		return error_errno(err, "sync %s", dir);
	}
	return 0;
}

int fs_exists(const char *path, struct error *err)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return error_errno(err, "stat %s", path);
}

int fs_free_bytes(const char *path, uint64_t *free_r, struct error *err)
{
	struct statvfs sv;
	if (statvfs(path, &sv) < 0)
		return error_errno(err, "statvfs %s", path);
	*free_r = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

char *fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}
