/*
 * pst.c - Outlook PST import through readpst (libpst, Debian pst-utils).
 *
 * libpst has no stable library API in Debian worth binding, and a PST is
 * hostile input parsed by a large C code base: running readpst as a child
 * process keeps its crashes and leaks out of the walker. It writes one RFC
 * 822 file per message ("-e": MH-style numbered files with .eml, no From_
 * line, no From quoting; "-t e": e-mail items only, no calendar/contacts;
 * "-j 0": no parallel children; "-q": quiet) into a private directory made
 * with mkdtemp(3) under opts->tmpdir, which is removed again whatever
 * happens. Deleted items ("-D") are not converted.
 *
 * The bytes are libpst's reconstruction from the PST's properties, NOT the
 * bytes the message had on the wire: PST does not keep those. Labels are the
 * folder path below the output root, e.g. "Personal Folders/Inbox".
 *
 * Weakness: readpst runs without a time or size limit of its own; a PST
 * that makes it loop stalls the import (it is the operator's own file).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "intake/walk.h"

extern char **environ;

#define PST_OUTPUT_KEEP 1024 /* bytes of readpst's output kept for the report */

/* Removes name in dfd and everything below it, never following symlinks. */
static void rm_tree_at(int dfd, const char *name, int depth)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return;
	if (depth > WALK_MAX_DEPTH)
		return;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	char **names = NULL;
	size_t n = 0;
	struct error err = ERROR_INIT;
	if (walk_list_dir(fd, &names, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			rm_tree_at(fd, names[i], depth + 1);
		walk_names_free(names, n);
	}
	close(fd);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		log_warn("cannot remove temporary %s: %s", name, strerror(errno));
}

static void rm_tree(const char *dir)
{
	rm_tree_at(AT_FDCWD, dir, 0);
}

/* Runs readpst on path into outdir. 0 on success, else -1 with why set
 * (exit status and the start of what it printed; with -q that is only its
 * error messages). */
static int run_readpst(const char *readpst, const char *path, const char *outdir, struct error *why)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return error_errno(why, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* readpst prints its errors on stdout: keep both */
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	char *const argv[] = {
	    (char *)readpst, "-q", "-e",	 "-t", "e", "-j", "0", "-o",
	    (char *)outdir,  "--", (char *)path, NULL,
	};
	pid_t pid;
	int rc = posix_spawnp(&pid, readpst, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		errno = rc;
		return error_errno(why, "cannot run %s", readpst);
	}
	char text[PST_OUTPUT_KEEP];
	size_t len = 0;
	for (;;) { /* keep the start, drain the rest */
		char scratch[4096];
		ssize_t r = read(pfd[0], scratch, sizeof(scratch));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t k = (size_t)r < sizeof(text) - len ? (size_t)r : sizeof(text) - len;
		memcpy(text + len, scratch, k);
		len += k;
	}
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return error_errno(why, "waitpid %s", readpst);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	char safe[512];
	log_safe(safe, sizeof(safe), text, len);
	if (WIFSIGNALED(status))
		return error_set(why, ERR_INVALID, "readpst was killed by signal %d%s%s",
				 WTERMSIG(status), len ? ": " : "", safe);
	return error_set(why, ERR_INVALID, "readpst exited with status %d%s%s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, len ? ": " : "", safe);
}

/* Every regular file below dfd is one message; rel is the folder path. */
static int pst_tree(struct walk *w, int dfd, const char *dpath, const char *rel, const char *pst,
		    size_t depth)
{
	if (depth > WALK_MAX_DEPTH)
		return 0;
	char **names = NULL;
	size_t n = 0;
	struct error why = ERROR_INIT;
	if (walk_list_dir(dfd, &names, &n, &why) < 0) {
		walk_fail(w, pst, why.code, "readpst output: %s", why.msg);
		return 0;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = names[i];
		char *crel = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
		char *cpath = xasprintf("%s/%s", dpath, name);
		char *origin = xasprintf("%s#%s", pst, crel);
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			walk_fail(w, origin, ERR_IO, "stat: %s", strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			int cfd =
			    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				walk_fail(w, origin, ERR_IO, "open: %s", strerror(errno));
			} else {
				rc = pst_tree(w, cfd, cpath, crel, pst, depth + 1);
				close(cfd);
			}
		} else if (S_ISREG(st.st_mode)) {
			rc = walk_message_file(w, dfd, name, cpath, origin, SOURCE_PST,
					       *rel ? rel : NULL);
		} else {
			walk_fail(w, origin, ERR_INVALID, "readpst wrote a non-regular file");
		}
		free(origin);
		free(cpath);
		free(crel);
	}
	walk_names_free(names, n);
	return rc;
}

int pst_walk(struct walk *w, const char *path, uint64_t size)
{
	const char *base = w->opts->tmpdir;
	if (base == NULL || *base == '\0')
		base = getenv("TMPDIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	const char *readpst = w->opts->readpst ? w->opts->readpst : "readpst";
	char *dir = xasprintf("%s/custos-pst-XXXXXX", base);
	int rc = 0;
	if (mkdtemp(dir) == NULL) {
		walk_fail(w, path, ERR_IO, "PST: cannot make a temporary directory %s: %s", dir,
			  strerror(errno));
		goto out;
	}
	struct error why = ERROR_INIT;
	if (run_readpst(readpst, path, dir, &why) < 0) {
		walk_fail(w, path, why.code, "PST conversion failed: %s", why.msg);
		goto out_rm;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		walk_fail(w, path, ERR_IO, "open %s: %s", dir, strerror(errno));
		goto out_rm;
	}
	rc = pst_tree(w, dfd, dir, "", path, 0);
	close(dfd);
out_rm:
	rm_tree(dir);
out:
	free(dir);
	walk_progress(w, size);
	return rc;
}
