/*
 * cmd_export.c - custos export: original messages plus a manifest with
 * hashes, ledger sequence numbers and inclusion proofs against one signed
 * checkpoint, so a regulator can verify the export offline with
 * `custos verify-proof --pubkey ledger.pub DIR/manifest.json`.
 *
 * mbox output uses mboxrd quoting (">From " gains a '>'); the manifest's
 * hashes are of the original bytes, which `custos import` of the mbox
 * restores exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/progress.h"
#include "core/xalloc.h"

struct export_filter {
	const char *ids;  /* "1,2,3" */
	int64_t after;    /* date >= after (0: none) */
	int64_t before;   /* date < before (0: none) */
	const char *from; /* address */
	const char *label;
};

static int parse_day(const char *s, int64_t *t_r, struct error *err)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return error_set(err, ERR_USAGE, "'%s' is not a date (YYYY-MM-DD)", s);
	*t_r = (int64_t)timegm(&tm);
	return 0;
}

/* Writes one message in mboxrd form: From_ line, quoted body, blank line. */
static int write_mbox(FILE *f, const struct buf *b, int64_t date, struct error *err)
{
	time_t t = date > 0 ? (time_t)date : 0;
	struct tm tm;
	char when[64];
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(f, "From MAILER-DAEMON %s\n", when);
	const unsigned char *p = b->data, *end = b->data + b->len;
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
		const unsigned char *q = p;
		while (q < p + n && *q == '>')
			q++;
		if ((size_t)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0)
			fputc('>', f);
		fwrite(p, 1, n, f);
		p += n;
	}
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		fputc('\n', f);
	fputc('\n', f);
	if (ferror(f))
		return error_set(err, ERR_IO, "write mbox: %s", strerror(errno));
	return 0;
}

static int select_ids(struct archive *a, const struct export_filter *flt, int64_t **ids_r,
		      size_t *n_r, struct error *err)
{
	char *sql = xasprintf(
		"SELECT id FROM messages m WHERE 1=1%s%s%s%s ORDER BY id",
		flt->after ? " AND date>=?1" : "", flt->before ? " AND date<?2" : "",
		flt->from ? " AND EXISTS(SELECT 1 FROM addresses x WHERE x.message=m.id"
			    " AND x.role=1 AND x.addr=lower(?3))"
			  : "",
		flt->label ? " AND EXISTS(SELECT 1 FROM labels l WHERE l.message=m.id"
			     " AND l.label=?4)"
			   : "");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(a->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return error_set(err, ERR_IO, "select messages: %s", sqlite3_errmsg(a->db));
	if (flt->after)
		sqlite3_bind_int64(st, 1, flt->after);
	if (flt->before)
		sqlite3_bind_int64(st, 2, flt->before);
	if (flt->from)
		sqlite3_bind_text(st, 3, flt->from, -1, SQLITE_STATIC);
	if (flt->label)
		sqlite3_bind_text(st, 4, flt->label, -1, SQLITE_STATIC);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (flt->ids != NULL) {
			/* keep only listed ids */
			char key[32];
			snprintf(key, sizeof(key), "%" PRId64, id);
			const char *p = flt->ids;
			int hit = 0;
			while (*p && !hit) {
				size_t len = strcspn(p, ",");
				hit = len == strlen(key) && strncmp(p, key, len) == 0;
				p += len + (p[len] == ',');
			}
			if (!hit)
				continue;
		}
		if (n == cap)
			ids = xrealloc(ids, (cap = cap ? 2 * cap : 1024) * sizeof(*ids));
		ids[n++] = id;
	}
	sqlite3_finalize(st);
	*ids_r = ids;
	*n_r = n;
	return 0;
}

CMD(export)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"ids", required_argument, NULL, 'i'},
		{"after", required_argument, NULL, 'a'},
		{"before", required_argument, NULL, 'b'},
		{"from", required_argument, NULL, 'F'},
		{"label", required_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct export_filter flt;
	memset(&flt, 0, sizeof(flt));
	const char *out = NULL, *format = "eml";
	int quiet = 0, c;
	struct error err = ERROR_INIT;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': format = optarg; break;
		case 'i': flt.ids = optarg; break;
		case 'a':
			if (parse_day(optarg, &flt.after, &err) < 0)
				return cli_fail("export", &err) + 1;
			break;
		case 'b':
			if (parse_day(optarg, &flt.before, &err) < 0)
				return cli_fail("export", &err) + 1;
			break;
		case 'F': flt.from = optarg; break;
		case 'l': flt.label = optarg; break;
		case 'q': quiet = 1; break;
		default: return 2;
		}
	}
	if (out == NULL || optind != argc ||
	    (strcmp(format, "eml") != 0 && strcmp(format, "mbox") != 0)) {
		cli_usage(cli_find("export"), stderr);
		return 2;
	}
	struct archive *a = NULL;
	if (cli_open_archive(cli, "export", 1, &a) < 0)
		return 1;
	int rc = 1;
	int64_t *ids = NULL;
	size_t n = 0;
	struct merkle_tree tree;
	int have_tree = 0;
	json_t *manifest = NULL, *list = NULL;
	FILE *mbox = NULL;
	char *msgdir = xasprintf("%s/messages", out), *path = NULL;
	struct buf b;
	buf_init(&b, STORE_MAX_BLOB);
	struct progress bar;
	progress_init(&bar, "export", 0, !quiet);

	int ex = fs_exists(out, &err);
	if (ex != 0) {
		if (ex > 0) {
			char *mf = xasprintf("%s/manifest.json", out);
			int mex = fs_exists(mf, &err);
			free(mf);
			if (mex != 0) {
				error_set(&err, ERR_EXISTS, "%s already holds an export", out);
				goto fail;
			}
		} else {
			goto fail;
		}
	}
	if (fs_mkdir_p(out, 0700, &err) < 0)
		goto fail;
	/* Every exported message must be covered by a signed checkpoint. */
	if (archive_commit(a, 1, &err) < 0 || select_ids(a, &flt, &ids, &n, &err) < 0 ||
	    ledger_checkpoint_tree(a->ledger, &tree, &err) < 0)
		goto fail;
	have_tree = 1;
	if (strcmp(format, "mbox") == 0) {
		path = xasprintf("%s/messages.mbox", out);
		mbox = fopen(path, "wx");
		if (mbox == NULL) {
			error_errno(&err, "create %s", path);
			goto fail;
		}
	} else if (fs_mkdir_p(msgdir, 0700, &err) < 0) {
		goto fail;
	}
	list = json_array();
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		struct archive_msg_info info;
		json_t *proof = NULL;
		if (archive_msg_info(a, ids[i], &info, &err) < 0 ||
		    archive_read(a, ids[i], &b, &err) < 0 ||
		    archive_proof(a, ids[i], &tree, &proof, &err) < 0)
			goto fail;
		json_t *m = json_pack("{s:I, s:s, s:I, s:I, s:o}", "id", (json_int_t)info.id, "hash",
				      info.hash, "size", (json_int_t)info.size, "ledger_seq",
				      (json_int_t)info.seq, "proof", proof);
		if (mbox != NULL) {
			json_object_set_new(m, "mbox_index", json_integer((json_int_t)i));
			if (write_mbox(mbox, &b, info.date, &err) < 0) {
				json_decref(m);
				goto fail;
			}
		} else {
			char *f = xasprintf("%s/%" PRId64 ".eml", msgdir, info.id);
			/* made durable all at once below: one fsync per
			 * file made large exports crawl */
			int w = fs_write_file_new(f, b.data, b.len, 0600, &err);
			free(f);
			char rel[64];
			snprintf(rel, sizeof(rel), "messages/%" PRId64 ".eml", info.id);
			json_object_set_new(m, "file", json_string(rel));
			if (w < 0) {
				json_decref(m);
				goto fail;
			}
		}
		json_array_append_new(list, m);
		bytes += b.len;
		progress_update(&bar, i + 1, bytes);
	}
	progress_finish(&bar);
	if (mbox != NULL) {
		if (fflush(mbox) != 0 || fsync(fileno(mbox)) != 0) {
			error_errno(&err, "write %s", path);
			goto fail;
		}
	} else if (fs_syncfs(msgdir, &err) < 0) {
		goto fail;
	}
	char *pub = xasprintf("%s/keys/ledger.pub", a->dir), *pubcopy = xasprintf("%s/ledger.pub", out);
	struct buf pk;
	buf_init(&pk, 4096);
	int pkrc = fs_read_file(pub, &pk, &err);
	if (pkrc == 0)
		pkrc = fs_write_file_atomic(pubcopy, pk.data, pk.len, 0644, 1, &err);
	buf_release(&pk);
	free(pub);
	free(pubcopy);
	if (pkrc < 0)
		goto fail;
	manifest = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:o}", "format", "custos-export/v1",
			     "archive", a->archive_id, "key", a->keys.fingerprint, "created",
			     (json_int_t)time(NULL), "layout", format, "count", (json_int_t)n,
			     "messages", list);
	list = NULL;
	char *mpath = xasprintf("%s/manifest.json", out);
	char *text = json_dumps(manifest, JSON_INDENT(1));
	int w = text ? fs_write_file_atomic(mpath, text, strlen(text), 0644, 1, &err)
		     : error_set(&err, ERR_INTERNAL, "cannot encode manifest");
	free(text);
	free(mpath);
	if (w < 0)
		goto fail;
	printf("exported %zu message(s) (%.1f MB) to %s\n"
	       "verify offline: custos verify-proof --pubkey %s/ledger.pub %s/manifest.json\n",
	       n, (double)bytes / 1048576.0, out, out, out);
	rc = 0;
fail:
	progress_finish(&bar);
	if (rc)
		cli_fail("export", &err);
	if (mbox != NULL)
		fclose(mbox);
	if (have_tree)
		merkle_tree_release(&tree);
	json_decref(list);
	json_decref(manifest);
	buf_release(&b);
	free(ids);
	free(msgdir);
	free(path);
	archive_close(a);
	return rc;
}
