/*
 * source.c - walking an import PATH: detecting eml files, mbox files,
 * Maildirs (with Maildir++ folders) and PST files in it, and handing each
 * message to the caller. See source.h for the rules and the origins.
 *
 * Invariants: memory per walk is one message (max_message_size) plus one
 * read chunk (SOURCE_CHUNK_SIZE) plus the names of the directories being
 * walked; an mbox is streamed, never loaded. Inside the tree, files and
 * directories are opened relative to their parent directory with
 * O_NOFOLLOW, so a symlink swapped in mid-walk is refused too. Every problem
 * with one file or message goes to on_fail and the walk goes on; only a
 * failing on_item stops it (w->stopped, unwinding with -1).
 *
 * Formats: RFC 5322 messages, mbox (mbox.c), Maildir and Maildir++
 * (cr.yp.to/proto/maildir.html, Courier's Maildir++), PST through readpst
 * (pst.c).
 */
#include "intake/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/xalloc.h"
#include "intake/walk.h"

static const unsigned char pst_magic[4] = {'!', 'B', 'D', 'N'};

const char *source_kind_name(enum source_kind kind)
{
	switch (kind) {
	case SOURCE_EML:
		return "eml";
	case SOURCE_MBOX:
		return "mbox";
	case SOURCE_MAILDIR:
		return "maildir";
	case SOURCE_PST:
		return "pst";
	case SOURCE_DIR:
		return "dir";
	}
	return "unknown";
}

/* ---- shared helpers (walk.h) ------------------------------------------- */

void walk_fail(struct walk *w, const char *origin, enum err_code code, const char *fmt, ...)
{
	if (w->counting || w->on_fail == NULL)
		return;
	struct error why = ERROR_INIT;
	va_list ap;
	va_start(ap, fmt);
	error_vset(&why, code, fmt, ap);
	va_end(ap);
	w->on_fail(w->ctx, origin, &why);
}

static void walk_fail_err(struct walk *w, const char *origin, const struct error *why)
{
	if (!w->counting && w->on_fail != NULL)
		w->on_fail(w->ctx, origin, why);
}

void walk_progress(struct walk *w, uint64_t bytes)
{
	w->done += bytes;
	if (w->counting)
		return;
	if (w->opts->on_progress != NULL)
		w->opts->on_progress(w->ctx, w->done, w->total);
}

static int name_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strverscmp(x, y);
	return c != 0 ? c : strcmp(x, y); /* a total order, whatever strverscmp does */
}

int walk_list_dir(int dfd, char ***names_r, size_t *n_r, struct error *err)
{
	int fd = dup(dfd);
	if (fd < 0)
		return error_errno(err, "dup");
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return error_errno(err, "opendir");
	}
	rewinddir(d);
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (e == NULL) {
			if (errno != 0) {
				error_errno(err, "readdir");
				closedir(d);
				walk_names_free(names, n);
				return -1;
			}
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*names_r = names;
	*n_r = n;
	return 0;
}

void walk_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int deliver(struct walk *w, const unsigned char *data, size_t len, enum source_kind kind,
		   const char *origin, const char *label, const char *env_from, int64_t mtime)
{
	struct source_item item = {
	    .data = data,
	    .len = len,
	    .kind = kind,
	    .origin = origin,
	    .label = label,
	    .env_from = env_from,
	    .mtime = mtime,
	};
	struct error err = ERROR_INIT;
	if (w->on_item(w->ctx, &item, &err) < 0) {
		w->stopped = 1;
		w->why = err;
		if (w->why.code == ERR_NONE)
			error_set(&w->why, ERR_INTERNAL, "import stopped at %s", origin);
		return -1;
	}
	return 0;
}

/* Reads the rest of fd into w->msg (which may hold a first chunk already).
 * 0 ok; 1 over the limit; -1 read error (why set). */
static int read_rest(struct walk *w, int fd, struct error *why)
{
	for (;;) {
		if (buf_reserve(&w->msg, 65536 < w->msg.max - w->msg.len ? 65536 : 1, why) < 0) {
			unsigned char probe;
			size_t got = 0;
			if (fs_read_some(fd, &probe, 1, &got, why) < 0)
				return -1;
			return got == 0 ? 0 : 1;
		}
		size_t room = w->msg.cap - w->msg.len - 1;
		size_t got = 0;
		if (fs_read_some(fd, w->msg.data + w->msg.len, room, &got, why) < 0)
			return -1;
		if (got == 0)
			return 0;
		w->msg.len += got;
		w->msg.data[w->msg.len] = '\0';
	}
}

/* One message from fd: the whole file, bounded. head/head_len: bytes
 * already read from fd (the sniffed chunk). */
static int one_message(struct walk *w, int fd, const struct stat *st, const unsigned char *head,
		       size_t head_len, const char *origin, enum source_kind kind,
		       const char *label)
{
	if (S_ISREG(st->st_mode) && (uint64_t)st->st_size > w->max_message) {
		walk_fail(w, origin, ERR_LIMIT,
			  "message of %lld bytes is larger than the limit of %" PRIu64
			  " bytes: skipped",
			  (long long)st->st_size, w->max_message);
		if (kind != SOURCE_PST)
			walk_progress(w, (uint64_t)st->st_size - head_len);
		return 0;
	}
	struct error why = ERROR_INIT;
	buf_reset(&w->msg);
	if (head_len > 0 && buf_append(&w->msg, head, head_len, &why) < 0) {
		walk_fail(w, origin, ERR_LIMIT,
			  "message is larger than the limit of %" PRIu64 " bytes: skipped",
			  w->max_message);
		return 0;
	}
	int rc = read_rest(w, fd, &why);
	if (rc < 0) {
		error_prefix(&why, "%s", origin);
		walk_fail_err(w, origin, &why);
		return 0;
	}
	if (rc > 0) {
		walk_fail(w, origin, ERR_LIMIT,
			  "message is larger than the limit of %" PRIu64 " bytes: skipped",
			  w->max_message);
		return 0;
	}
	if (kind != SOURCE_PST)
		walk_progress(w, w->msg.len - head_len);
	if (w->msg.len == 0) {
		walk_fail(w, origin, ERR_INVALID, "empty file: not a message");
		return 0;
	}
	return deliver(w, w->msg.data, w->msg.len, kind, origin, label, NULL,
		       (int64_t)st->st_mtim.tv_sec);
}

int walk_message_file(struct walk *w, int dfd, const char *name, const char *path,
		      const char *origin, enum source_kind kind, const char *label)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		struct error why = ERROR_INIT;
		error_errno(&why, "open %s", path);
		walk_fail_err(w, origin, &why);
		return 0;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		struct error why = ERROR_INIT;
		error_errno(&why, "stat %s", path);
		walk_fail_err(w, origin, &why);
	} else if (!S_ISREG(st.st_mode)) {
		walk_fail(w, origin, ERR_INVALID, "not a regular file: skipped");
	} else if (w->counting) {
		if (kind != SOURCE_PST)
			w->done += (uint64_t)st.st_size;
	} else {
		rc = one_message(w, fd, &st, NULL, 0, origin, kind, label);
	}
	close(fd);
	return rc;
}

/* ---- mbox -------------------------------------------------------------- */

struct mbox_walk {
	struct walk *w;
	const char *path;
	struct buf origin;
};

static int mbox_item(void *ctx, const struct mbox_message *m, struct error *err)
{
	struct mbox_walk *mw = ctx;
	buf_reset(&mw->origin);
	if (buf_printf(&mw->origin, err, "%s@%" PRIu64, mw->path, m->offset) < 0)
		return -1;
	if (deliver(mw->w, m->data, m->len, SOURCE_MBOX, buf_cstr(&mw->origin), NULL, m->env_from,
		    0) < 0) {
		*err = mw->w->why;
		return -1;
	}
	return 0;
}

static void mbox_fail(void *ctx, const char *origin, const struct error *why)
{
	struct mbox_walk *mw = ctx;
	walk_fail_err(mw->w, origin, why);
}

/* Streams fd (of which head[0..head_len) is read already) through the
 * splitter, one chunk at a time. */
static int mbox_stream(struct walk *w, int fd, const struct stat *st, size_t head_len,
		       const char *path)
{
	if (w->max_mbox != 0 && S_ISREG(st->st_mode) && (uint64_t)st->st_size > w->max_mbox) {
		walk_fail(w, path, ERR_LIMIT,
			  "mbox of %lld bytes is larger than import.max_mbox_size (%" PRIu64
			  " bytes): not read",
			  (long long)st->st_size, w->max_mbox);
		walk_progress(w, (uint64_t)st->st_size);
		return 0;
	}
	struct mbox_walk mw = {.w = w, .path = path};
	buf_init(&mw.origin, BUF_UNLIMITED);
	struct mbox_splitter *s = mbox_new(w->max_message, mbox_item, mbox_fail, &mw, path);
	struct error err = ERROR_INIT;
	uint64_t total = 0;
	size_t len = head_len;
	int rc = 0;
	for (;;) {
		total += len;
		if (w->max_mbox != 0 && total > w->max_mbox) {
			walk_fail(w, path, ERR_LIMIT,
				  "mbox stream is larger than import.max_mbox_size (%" PRIu64
				  " bytes): the rest from offset %" PRIu64 " is not read",
				  w->max_mbox, total - len);
			goto done; /* the cut last message is not handed over */
		}
		if (mbox_feed(s, w->chunk, len, &err) < 0) {
			rc = -1;
			goto done;
		}
		walk_progress(w, len);
		if (fs_read_some(fd, w->chunk, SOURCE_CHUNK_SIZE, &len, &err) < 0) {
			error_prefix(&err, "%s: after offset %" PRIu64, path, total);
			walk_fail_err(w, path, &err);
			goto done; /* the last message may be cut: not handed over */
		}
		if (len == 0)
			break;
	}
	if (mbox_finish(s, &err) < 0)
		rc = -1;
done:
	mbox_free(s);
	buf_release(&mw.origin);
	return rc;
}

/* ---- files and directories --------------------------------------------- */

/* Fills w->chunk from fd until it is full or the file ends. */
static int fill_chunk(struct walk *w, int fd, size_t *len_r, struct error *err)
{
	if (w->chunk == NULL)
		w->chunk = xmalloc(SOURCE_CHUNK_SIZE);
	size_t len = 0;
	while (len < SOURCE_CHUNK_SIZE) {
		size_t got = 0;
		if (fs_read_some(fd, w->chunk + len, SOURCE_CHUNK_SIZE - len, &got, err) < 0)
			return -1;
		if (got == 0)
			break;
		len += got;
	}
	*len_r = len;
	return 0;
}

/* A file of unknown kind (fd open for reading; st its fstat). */
static int walk_file(struct walk *w, int fd, const struct stat *st, const char *path)
{
	if (w->counting) {
		w->done += (uint64_t)st->st_size;
		return 0;
	}
	struct error err = ERROR_INIT;
	size_t len = 0;
	if (fill_chunk(w, fd, &len, &err) < 0) {
		error_prefix(&err, "%s", path);
		walk_fail_err(w, path, &err);
		return 0;
	}
	if (len >= sizeof(pst_magic) && memcmp(w->chunk, pst_magic, sizeof(pst_magic)) == 0) {
		if (!S_ISREG(st->st_mode)) {
			walk_fail(w, path, ERR_INVALID,
				  "a PST must be a regular file, not a stream");
			return 0;
		}
		return pst_walk(w, path, (uint64_t)st->st_size);
	}
	if (mbox_sniff(w->chunk, len))
		return mbox_stream(w, fd, st, len, path);
	walk_progress(w, len);
	return one_message(w, fd, st, w->chunk, len, path, SOURCE_EML, NULL);
}

static int is_dir_at(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int is_maildir(int dfd)
{
	return is_dir_at(dfd, "cur") && is_dir_at(dfd, "new");
}

/* Maildir++ folders are looser: either of cur/ and new/ will do. */
static int is_maildir_folder(int dfd)
{
	return is_dir_at(dfd, "cur") || is_dir_at(dfd, "new");
}

static int open_dir_at(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static char *join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

/* Enters directory dfd: loop and depth guard. 0 ok, -1 refused (reported). */
static int push_dir(struct walk *w, int dfd, const char *path)
{
	struct stat st;
	if (fstat(dfd, &st) < 0) {
		struct error why = ERROR_INIT;
		error_errno(&why, "stat %s", path);
		walk_fail_err(w, path, &why);
		return -1;
	}
	if (w->depth == WALK_MAX_DEPTH) {
		walk_fail(w, path, ERR_LIMIT, "directories nested deeper than %d: not walked",
			  WALK_MAX_DEPTH);
		return -1;
	}
	for (size_t i = 0; i < w->depth; i++) {
		if (w->stack[i].dev == st.st_dev && w->stack[i].ino == st.st_ino) {
			walk_fail(w, path, ERR_INVALID, "directory loop (bind mount?): not walked");
			return -1;
		}
	}
	w->stack[w->depth].dev = st.st_dev;
	w->stack[w->depth].ino = st.st_ino;
	w->depth++;
	return 0;
}

static void list_fail(struct walk *w, const char *path, struct error *why)
{
	error_prefix(why, "%s", path);
	walk_fail_err(w, path, why);
}

/* The messages of a Maildir's cur/ or new/. */
static int walk_maildir_sub(struct walk *w, int mdfd, const char *mpath, const char *sub,
			    const char *label)
{
	char *path = join(mpath, sub);
	int dfd = open_dir_at(mdfd, sub);
	int rc = 0;
	if (dfd < 0) {
		if (errno != ENOENT) { /* a Maildir++ folder may lack cur/ or new/ */
			struct error why = ERROR_INIT;
			error_errno(&why, "open directory %s", path);
			walk_fail_err(w, path, &why);
		}
		free(path);
		return 0;
	}
	char **names = NULL;
	size_t n = 0;
	struct error why = ERROR_INIT;
	if (walk_list_dir(dfd, &names, &n, &why) < 0) {
		list_fail(w, path, &why);
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (names[i][0] == '.')
			continue;
		char *fpath = join(path, names[i]);
		struct stat st;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			error_errno(&why, "stat %s", fpath);
			walk_fail_err(w, fpath, &why);
		} else if (S_ISLNK(st.st_mode)) {
			walk_fail(w, fpath, ERR_INVALID, "symbolic link not followed");
		} else if (S_ISREG(st.st_mode)) {
			rc = walk_message_file(w, dfd, names[i], fpath, fpath, SOURCE_MAILDIR,
					       label);
		} else if (!S_ISDIR(st.st_mode)) {
			walk_fail(w, fpath, ERR_INVALID, "not a regular file: skipped");
		}
		free(fpath);
	}
out:
	walk_names_free(names, n);
	close(dfd);
	free(path);
	return rc;
}

static int walk_dir(struct walk *w, int dfd, const char *path, const char *label,
		    int maildirs_only);

/* Files a mail server keeps beside cur/ new/ tmp/: not messages. */
static int is_maildir_metadata(const char *name)
{
	static const char *const prefixes[] = {
		"dovecot", "courier", "subscriptions", "maildirfolder", "maildirsize",
		"maildir++",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Loose files in a Maildir folder itself, outside cur/ and new/: a mail
 * server would not show them, but some tools (notmuch test corpora, hand
 * copies) leave messages there. An archive must not silently skip mail, so
 * they are imported under the folder's label; server metadata is not. */
static int walk_maildir_loose(struct walk *w, int dfd, const char *path, const char *label)
{
	char **names = NULL;
	size_t n = 0;
	struct error why = ERROR_INIT;
	int rc = 0;
	if (walk_list_dir(dfd, &names, &n, &why) < 0) {
		list_fail(w, path, &why);
		return 0;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		if (names[i][0] == '.' || is_maildir_metadata(names[i]) ||
		    fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		char *fpath = join(path, names[i]);
		rc = walk_message_file(w, dfd, names[i], fpath, fpath, SOURCE_MAILDIR, label);
		free(fpath);
	}
	walk_names_free(names, n);
	return rc;
}

/* A Maildir (dfd has cur/ and new/) with label, then its Maildir++ folders
 * and the Maildirs below it. */
static int walk_maildir(struct walk *w, int dfd, const char *path, const char *label)
{
	if (walk_maildir_sub(w, dfd, path, "cur", label) < 0 ||
	    walk_maildir_sub(w, dfd, path, "new", label) < 0 ||
	    walk_maildir_loose(w, dfd, path, label) < 0)
		return -1;
	char **names = NULL;
	size_t n = 0;
	struct error why = ERROR_INIT;
	if (walk_list_dir(dfd, &names, &n, &why) < 0) {
		list_fail(w, path, &why);
		return 0;
	}
	int top = strcmp(label, "INBOX") == 0;
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		/* pass 0: Maildir++ folders; pass 1: Maildirs in subdirectories */
		for (size_t i = 0; i < n && rc == 0; i++) {
			const char *name = names[i];
			int hidden = name[0] == '.';
			if (hidden != (pass == 0) || (hidden && name[1] == '\0'))
				continue;
			if (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0 ||
			    strcmp(name, "tmp") == 0 || !is_dir_at(dfd, name))
				continue;
			const char *leaf = hidden ? name + 1 : name;
			char *sublabel = top ? xstrdup(leaf) : xasprintf("%s/%s", label, leaf);
			char *subpath = join(path, name);
			int sfd = open_dir_at(dfd, name);
			if (sfd < 0) {
				error_errno(&why, "open directory %s", subpath);
				walk_fail_err(w, subpath, &why);
			} else if (hidden) {
				if (is_maildir_folder(sfd) && push_dir(w, sfd, subpath) == 0) {
					if (walk_maildir_sub(w, sfd, subpath, "cur", sublabel) <
						0 ||
					    walk_maildir_sub(w, sfd, subpath, "new", sublabel) < 0 ||
					    walk_maildir_loose(w, sfd, subpath, sublabel) < 0)
						rc = -1;
					w->depth--;
				}
			} else {
				rc = walk_dir(w, sfd, subpath, sublabel, 1);
			}
			if (sfd >= 0)
				close(sfd);
			free(subpath);
			free(sublabel);
		}
	}
	walk_names_free(names, n);
	return rc;
}

/* Directory dfd (not closed here). label: the Maildir label prefix when
 * below a Maildir (then maildirs_only: plain files there are Maildir
 * metadata, not messages), else NULL. */
static int walk_dir(struct walk *w, int dfd, const char *path, const char *label, int maildirs_only)
{
	if (push_dir(w, dfd, path) < 0)
		return 0;
	int rc = 0;
	char **names = NULL;
	size_t n = 0;
	if (is_maildir(dfd)) {
		rc = walk_maildir(w, dfd, path, label != NULL ? label : "INBOX");
		goto out;
	}
	struct error why = ERROR_INIT;
	if (walk_list_dir(dfd, &names, &n, &why) < 0) {
		list_fail(w, path, &why);
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = names[i];
		if (name[0] == '.')
			continue;
		char *cpath = join(path, name);
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			error_errno(&why, "stat %s", cpath);
			walk_fail_err(w, cpath, &why);
		} else if (S_ISLNK(st.st_mode)) {
			if (!maildirs_only)
				walk_fail(w, cpath, ERR_INVALID, "symbolic link not followed");
		} else if (S_ISDIR(st.st_mode)) {
			int cfd = open_dir_at(dfd, name);
			if (cfd < 0) {
				error_errno(&why, "open directory %s", cpath);
				walk_fail_err(w, cpath, &why);
			} else {
				char *clabel =
				    label != NULL ? xasprintf("%s/%s", label, name) : NULL;
				rc = walk_dir(w, cfd, cpath, clabel, maildirs_only);
				free(clabel);
				close(cfd);
			}
		} else if (maildirs_only) {
			/* Maildir metadata (courier*, dovecot*): not messages */
		} else if (!S_ISREG(st.st_mode)) {
			walk_fail(w, cpath, ERR_INVALID, "not a regular file: skipped");
		} else {
			int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0) {
				error_errno(&why, "open %s", cpath);
				walk_fail_err(w, cpath, &why);
			} else {
				struct stat fst;
				if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
					walk_fail(w, cpath, ERR_INVALID,
						  "changed while walked: skipped");
				else
					rc = walk_file(w, fd, &fst, cpath);
				close(fd);
			}
		}
		free(cpath);
	}
out:
	walk_names_free(names, n);
	w->depth--;
	return rc;
}

/* ---- public interface -------------------------------------------------- */

static void walk_init(struct walk *w, const struct source_opts *opts)
{
	memset(w, 0, sizeof(*w));
	w->opts = opts;
	w->max_message =
	    opts->max_message_size ? opts->max_message_size : SOURCE_DEFAULT_MAX_MESSAGE;
	if (w->max_message > SIZE_MAX - 1)
		w->max_message = SIZE_MAX - 1;
	w->max_mbox = opts->max_mbox_size;
	buf_init(&w->msg, (size_t)w->max_message);
}

static void walk_release(struct walk *w)
{
	buf_release(&w->msg);
	free(w->chunk);
}

/* PATH without trailing slashes ("/" stays). */
static char *clean_path(const char *path)
{
	char *p = xstrdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

static int walk_top(struct walk *w, const char *path_in, struct error *err)
{
	char *path = clean_path(path_in);
	int rc = -1;
	struct stat st;
	if (stat(path, &st) < 0) {
		error_errno(err, "stat %s", path);
		goto out;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		error_set(err, ERR_INVALID, "%s: not a file, FIFO or directory", path);
		goto out;
	}
	/* a FIFO is opened blocking: it waits for its writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno(err, "open %s", path);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		error_errno(err, "stat %s", path);
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = walk_dir(w, fd, path, NULL, 0);
	} else if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)) {
		rc = walk_file(w, fd, &st, path);
	} else {
		error_set(err, ERR_INVALID, "%s: not a file, FIFO or directory", path);
		goto out_close;
	}
	if (rc < 0 && err != NULL)
		*err = w->why;
out_close:
	close(fd);
out:
	free(path);
	return rc;
}

int source_walk(const char *path, const struct source_opts *opts, source_item_cb on_item,
		source_fail_cb on_fail, void *ctx, struct error *err)
{
	struct walk w;
	walk_init(&w, opts);
	w.on_item = on_item;
	w.on_fail = on_fail;
	w.ctx = ctx;
	if (opts->on_progress != NULL)
		w.total = source_total_bytes(path);
	int rc = walk_top(&w, path, err);
	walk_release(&w);
	return rc;
}

uint64_t source_total_bytes(const char *path)
{
	static const struct source_opts none;
	struct walk w;
	walk_init(&w, &none);
	w.counting = 1;
	struct error err = ERROR_INIT;
	struct stat st;
	uint64_t total = 0;
	/* a FIFO has no size, and opening one would block */
	if (stat(path, &st) == 0 && !S_ISFIFO(st.st_mode) && walk_top(&w, path, &err) == 0)
		total = w.done;
	walk_release(&w);
	return total;
}
