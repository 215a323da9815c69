/*
 * walk.h - internal to src/intake: the state of one source_walk() and the
 * helpers source.c shares with pst.c. Not a public interface.
 */
#ifndef CUSTOS_INTAKE_WALK_H
#define CUSTOS_INTAKE_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"
#include "intake/source.h"

#define WALK_MAX_DEPTH 128 /* directory nesting walked at most */

struct walk {
	const struct source_opts *opts;
	uint64_t max_message; /* never 0 */
	uint64_t max_mbox;    /* 0: no limit */
	source_item_cb on_item;
	source_fail_cb on_fail;
	void *ctx;
	int counting;	      /* source_total_bytes(): add sizes, read nothing */
	int stopped;	      /* on_item failed: unwind */
	struct error why;     /* ... with this error */
	struct buf msg;	      /* one whole message (eml, Maildir, PST) */
	unsigned char *chunk; /* SOURCE_CHUNK_SIZE bytes, allocated on first use */
	uint64_t done, total; /* progress of the top-level path */
	size_t depth;
	struct {
		dev_t dev;
		ino_t ino;
	} stack[WALK_MAX_DEPTH]; /* directories being walked (loop guard) */
};

void walk_fail(struct walk *w, const char *origin, enum err_code code, const char *fmt, ...)
    CUSTOS_PRINTF(4, 5);
void walk_progress(struct walk *w, uint64_t bytes);
/* Sorted ("9" before "10") entry names of the open directory dfd, without
 * "." and ".."; the caller frees them with walk_names_free(). The
 * directory offset of dfd is consumed: dfd itself stays open. */
int walk_list_dir(int dfd, char ***names_r, size_t *n_r, struct error *err);
void walk_names_free(char **names, size_t n);
/* Reads the regular file name (in dfd, never following a symlink) as one
 * message and hands it over. Returns -1 only when on_item stopped the walk;
 * every other problem goes to on_fail. */
int walk_message_file(struct walk *w, int dfd, const char *name, const char *path,
		      const char *origin, enum source_kind kind, const char *label);

/* pst.c: converts the PST file at path with readpst and walks the result.
 * Returns -1 only when on_item stopped the walk. */
int pst_walk(struct walk *w, const char *path, uint64_t size);

#endif
