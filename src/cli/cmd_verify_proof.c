/*
 * cmd_verify_proof.c - custos verify-proof: check a proof offline with
 * nothing but the ledger public key (and optionally the message bytes).
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/xalloc.h"
#include "intake/source.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* The messages of an exported mbox, hashed as they stream by (an export
 * can be far larger than memory). */
struct mbox_hashes {
	int alg;
	unsigned char (*h)[CRYPTO_HASH_LEN];
	size_t n, cap;
};

static int hash_message(void *ctx, const struct mbox_message *m, struct error *err)
{
	struct mbox_hashes *c = ctx;
	if (c->n == c->cap)
		c->h = xrealloc(c->h, (c->cap = c->cap ? 2 * c->cap : 1024) * sizeof(*c->h));
	return cry_hash(c->alg, m->data, m->len, c->h[c->n++], err);
}

static void mbox_fail(void *ctx, const char *origin, const struct error *why)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", origin, why->msg);
}

static int hash_mbox(const char *path, struct mbox_hashes *mh, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	struct mbox_splitter *s = mbox_new(STORE_MAX_BLOB, hash_message, mbox_fail, mh, path);
	unsigned char *chunk = xmalloc(1 << 20);
	int rc = 0;
	for (;;) {
		size_t got = 0;
		if ((rc = fs_read_some(fd, chunk, 1 << 20, &got, err)) < 0 || got == 0)
			break;
		if ((rc = mbox_feed(s, chunk, got, err)) < 0)
			break;
	}
	if (rc == 0)
		rc = mbox_finish(s, err);
	mbox_free(s);
	free(chunk);
	close(fd);
	return rc;
}

/* Verifies every message of an export directory against its proof. */
static int verify_export(json_t *manifest, const char *manifest_path,
			 const struct ledger_keys *pub, const char *tsa_ca, struct error *err)
{
	char *dir = fs_dirname(manifest_path);
	json_t *list = json_object_get(manifest, "messages");
	const char *layout = json_string_value(json_object_get(manifest, "layout"));
	struct mbox_hashes mh = {HASH_SHA256, NULL, 0, 0};
	int rc = -1;
	size_t bad = 0, n = json_array_size(list);
	if (!json_is_array(list) || layout == NULL) {
		error_set(err, ERR_INVALID, "manifest has no message list");
		goto fail;
	}
	int mbox = strcmp(layout, "mbox") == 0;
	if (mbox) {
		const char *alg = json_string_value(
			json_object_get(json_object_get(json_array_get(list, 0), "proof"), "hash_alg"));
		mh.alg = alg != NULL && cry_hash_by_name(alg) > 0 ? cry_hash_by_name(alg) : HASH_SHA256;
		char *p = xasprintf("%s/messages.mbox", dir);
		int r = hash_mbox(p, &mh, err);
		free(p);
		if (r < 0)
			goto fail;
		if (mh.n != n) {
			error_set(err, ERR_CRYPTO, "messages.mbox holds %zu messages, the manifest %zu",
				  mh.n, n);
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(list, i);
		struct buf msg;
		buf_init(&msg, STORE_MAX_BLOB);
		struct error e = ERROR_INIT;
		const char *file = json_string_value(json_object_get(m, "file"));
		json_int_t idx = json_integer_value(json_object_get(m, "mbox_index"));
		int r = 0;
		const char *subject = json_string_value(
			json_object_get(json_object_get(json_object_get(m, "proof"), "entry"), "subject"));
		unsigned char want[CRYPTO_HASH_LEN];
		if (mbox) {
			/* the message's hash is checked here, the proof below */
			if (idx < 0 || (size_t)idx >= mh.n)
				r = error_set(&e, ERR_NOTFOUND, "message %lld is not in messages.mbox",
					      (long long)idx);
			else if (subject == NULL || hex_decode(want, CRYPTO_HASH_LEN, subject) < 0 ||
				 memcmp(want, mh.h[idx], CRYPTO_HASH_LEN) != 0)
				r = error_set(&e, ERR_CRYPTO,
					      "message %lld of messages.mbox is not the proven one",
					      (long long)idx);
		} else if (file == NULL || strstr(file, "..") != NULL || file[0] == '/') {
			r = error_set(&e, ERR_INVALID, "bad file name in manifest");
		} else {
			char *p = xasprintf("%s/%s", dir, file);
			r = fs_read_file(p, &msg, &e);
			free(p);
		}
		char what[512];
		if (r == 0)
			r = ledger_verify_proof(json_object_get(m, "proof"), pub,
						mbox ? NULL : msg.data, msg.len, tsa_ca, what,
						sizeof(what), &e);
		if (r < 0) {
			bad++;
			fprintf(stderr, "INVALID message %lld (%s): %s\n",
				(long long)json_integer_value(json_object_get(m, "id")),
				file ? file : "mbox", e.msg);
		}
		buf_release(&msg);
	}
	if (bad) {
		error_set(err, ERR_CRYPTO, "%zu of %zu exported messages failed verification", bad,
			  n);
		goto fail;
	}
	printf("VALID: all %zu exported messages match their proofs, signed by %s\n", n,
	       pub->fingerprint);
	rc = 0;
fail:
	free(mh.h);
	free(dir);
	return rc;
}

CMD(verify_proof)
{
	static const struct option opts[] = {
		{"pubkey", required_argument, NULL, 'k'},
		{"message", required_argument, NULL, 'm'},
		{"tsa-ca", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const char *pubkey = NULL, *message = NULL, *tsa_ca = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k')
			pubkey = optarg;
		else if (c == 'm')
			message = optarg;
		else if (c == 't')
			tsa_ca = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc || pubkey == NULL) {
		cli_usage(cli_find("verify-proof"), stderr);
		return 2;
	}
	struct error err = ERROR_INIT;
	struct ledger_keys pub;
	struct buf msg;
	buf_init(&msg, STORE_MAX_BLOB);
	json_t *proof = NULL;
	int rc = 1;
	char what[512];
	json_error_t je;
	if (cry_init(&err) < 0 || ledger_keys_load_public(&pub, pubkey, &err) < 0)
		goto fail;
	/* a manifest of a large export is large, but not unbounded */
	struct buf text;
	buf_init(&text, (size_t)4 << 30);
	if (fs_read_file(argv[optind], &text, &err) < 0) {
		buf_release(&text);
		goto fail;
	}
	proof = json_loadb((const char *)buf_cstr(&text), text.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&text);
	if (proof == NULL) {
		error_set(&err, ERR_INVALID, "%s: line %d: %s", argv[optind], je.line, je.text);
		goto fail;
	}
	const char *fmt = json_string_value(json_object_get(proof, "format"));
	if (fmt != NULL && strcmp(fmt, "custos-export/v1") == 0) {
		if (verify_export(proof, argv[optind], &pub, tsa_ca, &err) < 0)
			goto fail;
		rc = 0;
		goto fail;
	}
	if (message != NULL && fs_read_file(message, &msg, &err) < 0)
		goto fail;
	if (ledger_verify_proof(proof, &pub, message ? msg.data : NULL, msg.len, tsa_ca, what,
				sizeof(what), &err) < 0)
		goto fail;
	printf("VALID: %s\n", what);
	rc = 0;
fail:
	if (rc) {
		fprintf(stderr, "INVALID: %s\n", err.msg);
	}
	json_decref(proof);
	buf_release(&msg);
	return rc;
}
