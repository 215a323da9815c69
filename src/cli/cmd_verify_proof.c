/*
 * cmd_verify_proof.c - custos verify-proof: check a proof offline with
 * nothing but the ledger public key (and optionally the message bytes).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/xalloc.h"
#include "intake/source.h"
#include "ledger/ledger.h"
#include "store/store.h"

struct mbox_collect {
	struct buf *msgs;
	size_t n, cap;
};

static int collect(void *ctx, const struct mbox_message *m, struct error *err)
{
	struct mbox_collect *c = ctx;
	if (c->n == c->cap)
		c->msgs = xrealloc(c->msgs, (c->cap = c->cap ? 2 * c->cap : 64) * sizeof(*c->msgs));
	buf_init(&c->msgs[c->n], STORE_MAX_BLOB);
	if (buf_append(&c->msgs[c->n], m->data, m->len, err) < 0)
		return -1;
	c->n++;
	return 0;
}

static void collect_fail(void *ctx, const char *origin, const struct error *why)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", origin, why->msg);
}

/* Verifies every message of an export directory against its proof. */
static int verify_export(json_t *manifest, const char *manifest_path,
			 const struct ledger_keys *pub, const char *tsa_ca, struct error *err)
{
	char *dir = fs_dirname(manifest_path);
	json_t *list = json_object_get(manifest, "messages");
	const char *layout = json_string_value(json_object_get(manifest, "layout"));
	struct mbox_collect mc = {NULL, 0, 0};
	int rc = -1;
	size_t bad = 0, n = json_array_size(list);
	if (!json_is_array(list) || layout == NULL) {
		error_set(err, ERR_INVALID, "manifest has no message list");
		goto fail;
	}
	if (strcmp(layout, "mbox") == 0) {
		char *p = xasprintf("%s/messages.mbox", dir);
		struct buf raw;
		buf_init(&raw, (size_t)64 << 30);
		int r = fs_read_file(p, &raw, err);
		free(p);
		if (r == 0) {
			struct mbox_splitter *s =
				mbox_new(STORE_MAX_BLOB, collect, collect_fail, &mc, "messages.mbox");
			r = mbox_feed(s, raw.data, raw.len, err);
			if (r == 0)
				r = mbox_finish(s, err);
			mbox_free(s);
		}
		buf_release(&raw);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(list, i);
		struct buf msg;
		buf_init(&msg, STORE_MAX_BLOB);
		struct error e = ERROR_INIT;
		const char *file = json_string_value(json_object_get(m, "file"));
		json_int_t idx = json_integer_value(json_object_get(m, "mbox_index"));
		int r = 0;
		if (strcmp(layout, "mbox") == 0) {
			if (idx < 0 || (size_t)idx >= mc.n)
				r = error_set(&e, ERR_NOTFOUND, "message %lld is not in messages.mbox",
					      (long long)idx);
			else
				r = buf_append(&msg, mc.msgs[idx].data, mc.msgs[idx].len, &e);
		} else if (file == NULL || strstr(file, "..") != NULL || file[0] == '/') {
			r = error_set(&e, ERR_INVALID, "bad file name in manifest");
		} else {
			char *p = xasprintf("%s/%s", dir, file);
			r = fs_read_file(p, &msg, &e);
			free(p);
		}
		char what[512];
		if (r == 0)
			r = ledger_verify_proof(json_object_get(m, "proof"), pub, msg.data, msg.len,
						tsa_ca, what, sizeof(what), &e);
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
	for (size_t i = 0; i < mc.n; i++)
		buf_release(&mc.msgs[i]);
	free(mc.msgs);
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
	proof = json_load_file(argv[optind], JSON_REJECT_DUPLICATES, &je);
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
