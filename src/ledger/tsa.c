/*
 * tsa.c - RFC 3161 (Time-Stamp Protocol) client and token checks, over
 * OpenSSL's TS API and libcurl (HTTP transport, RFC 3161 section 3.4).
 * See tsa.h; format in doc/formats/ledger.md.
 *
 * The request for a checkpoint text T is deterministic:
 *   version 1, messageImprint = (H, H(T)), certReq TRUE, no policy,
 *   nonce = the first 8 bytes of H("custos-tsa-nonce/v1\n" || T), top bit 0,
 * where H is the archive's hash (SHA-256 or SM3). RFC 3161 asks for a nonce
 * that the client generates only once; T never repeats (it holds the
 * archive id, tree size, root and time), so neither does the nonce, and a
 * verifier can rebuild the request from T alone. (A replayed answer to
 * another request fails the imprint check in any case.)
 *
 * Invariants: every answer is parsed with size limits (TSA_MAX_RESPONSE);
 * a token is only returned after it was checked against its request;
 * nothing here aborts on hostile input (OpenSSL's DER decoders).
 */
#include "ledger/tsa.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "store/crypto.h"

#define NONCE_LABEL "custos-tsa-nonce/v1\n"
#define NONCE_LEN 8

/* Reports the oldest queued OpenSSL error with its detail text (the TS and
 * X509 verifiers put the useful part there) and empties the queue. */
static int ossl_fail(struct error *err, const char *what)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	int has_data = data != NULL && (flags & ERR_TXT_STRING) && *data;
	error_set(err, ERR_CRYPTO, "%s: %s%s%s", what, reason ? reason : "no detail",
		  has_data ? ": " : "", has_data ? data : "");
	ERR_clear_error();
	return -1;
}

static const EVP_MD *tsa_md(int hash_alg)
{
	switch (hash_alg) {
	case HASH_SHA256:
		return EVP_sha256();
	case HASH_SM3:
		return EVP_sm3();
	}
	return NULL;
}

static int make_request(int hash_alg, const char *text, TS_REQ **req_r, struct error *err)
{
	const EVP_MD *md = tsa_md(hash_alg);
	if (md == NULL)
		return error_set(err, ERR_CRYPTO, "no time-stamp imprint for hash algorithm %d",
				 hash_alg);
	size_t n = strlen(text);
	unsigned char digest[CRYPTO_HASH_LEN], nd[CRYPTO_HASH_LEN];
	struct cry_hash_ctx h;
	if (cry_hash(hash_alg, text, n, digest, err) < 0 || cry_hash_init(&h, hash_alg, err) < 0)
		return -1;
	cry_hash_update(&h, NONCE_LABEL, strlen(NONCE_LABEL));
	cry_hash_update(&h, text, n);
	cry_hash_final(&h, nd);
	nd[0] &= 0x7f;

	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	BIGNUM *bn = BN_bin2bn(nd, NONCE_LEN, NULL);
	ASN1_INTEGER *nonce = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	/* The algorithm with a NULL parameter, as `openssl ts -query` writes
	 * it; the set functions copy their argument. */
	int ok = req != NULL && mi != NULL && alg != NULL && nonce != NULL &&
		 X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL) &&
		 TS_MSG_IMPRINT_set_algo(mi, alg) &&
		 TS_MSG_IMPRINT_set_msg(mi, digest, sizeof(digest)) && TS_REQ_set_version(req, 1) &&
		 TS_REQ_set_msg_imprint(req, mi) && TS_REQ_set_nonce(req, nonce) &&
		 TS_REQ_set_cert_req(req, 1);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	if (!ok) {
		TS_REQ_free(req);
		return ossl_fail(err, "cannot build the time-stamp request");
	}
	*req_r = req;
	return 0;
}

/* A context that checks version, imprint (and its algorithm) and nonce
 * against req; with a CA file also the signature, the signer certificate's
 * chain and timeStamping key usage, and the TSA name against the signer. */
static TS_VERIFY_CTX *make_verify_ctx(TS_REQ *req, const char *ca_file, struct error *err)
{
	TS_VERIFY_CTX *ctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (ctx == NULL) {
		ossl_fail(err, "cannot set up time-stamp verification");
		return NULL;
	}
	/* TS_VFY_SIGNER needs the signer found by TS_VFY_SIGNATURE: both or
	 * neither. */
	int flags = TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE;
	if (ca_file != NULL && *ca_file) {
		X509_STORE *store = X509_STORE_new();
		if (store == NULL || X509_STORE_load_file(store, ca_file) != 1) {
			X509_STORE_free(store);
			TS_VERIFY_CTX_free(ctx);
			ossl_fail(err, "cannot load the TSA CA file");
			error_prefix(err, "%s", ca_file);
			return NULL;
		}
		TS_VERIFY_CTX_set_store(ctx, store); /* ctx owns it now */
		flags |= TS_VFY_SIGNATURE | TS_VFY_SIGNER;
	}
	TS_VERIFY_CTX_set_flags(ctx, flags);
	return ctx;
}

static int token_time(PKCS7 *token, int64_t *t_r, struct error *err)
{
	TS_TST_INFO *ti = PKCS7_to_TS_TST_INFO(token);
	const ASN1_GENERALIZEDTIME *gt = ti != NULL ? TS_TST_INFO_get_time(ti) : NULL;
	struct tm tm;
	int rc = 0;
	memset(&tm, 0, sizeof(tm));
	if (gt == NULL || ASN1_TIME_to_tm(gt, &tm) != 1)
		rc = ossl_fail(err, "time-stamp token has no valid time");
	else
		*t_r = (int64_t)timegm(&tm);
	TS_TST_INFO_free(ti);
	return rc;
}

/* ---- HTTP transport ---- */

struct sink {
	struct buf *b;
	int overflow;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;
	if (buf_append(s->b, p, n, NULL) < 0) {
		s->overflow = 1;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return n;
}

/* libcurl is loaded on the first time-stamp request, not at program start:
 * only writers with ledger.tsa_url use it, and linking it pulled about 30
 * shared libraries into every custos command (~5 ms of start-up for each
 * search). The same library, called through these pointers. */
static struct {
	int state; /* 0 not tried, 1 loaded, -1 failed */
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	void (*easy_cleanup)(CURL *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} lc;

static int curl_load(struct error *err)
{
	if (lc.state == 1)
		return 0;
	if (lc.state < 0)
		return error_set(err, ERR_INTERNAL, "libcurl is not available");
	lc.state = -1;
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return error_set(err, ERR_INTERNAL, "cannot load libcurl: %s", dlerror());
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
		{"curl_global_init", offsetof(__typeof__(lc), global_init)},
		{"curl_easy_init", offsetof(__typeof__(lc), easy_init)},
		{"curl_easy_setopt", offsetof(__typeof__(lc), easy_setopt)},
		{"curl_easy_perform", offsetof(__typeof__(lc), easy_perform)},
		{"curl_easy_getinfo", offsetof(__typeof__(lc), easy_getinfo)},
		{"curl_easy_strerror", offsetof(__typeof__(lc), easy_strerror)},
		{"curl_easy_cleanup", offsetof(__typeof__(lc), easy_cleanup)},
		{"curl_slist_append", offsetof(__typeof__(lc), slist_append)},
		{"curl_slist_free_all", offsetof(__typeof__(lc), slist_free_all)},
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);
		if (f == NULL) {
			dlclose(h);
			return error_set(err, ERR_INTERNAL, "libcurl lacks %s", syms[i].name);
		}
		/* POSIX guarantees that a data pointer from dlsym converts to
		 * the function pointer it names. */
		memcpy((char *)&lc + syms[i].off, &f, sizeof(f));
	}
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		dlclose(h);
		return error_set(err, ERR_INTERNAL, "libcurl failed to initialise");
	}
	lc.state = 1;
	return 0;
}

static int http_post(const char *url, int64_t timeout_s, const unsigned char *body, size_t n,
		     struct buf *out, struct error *err)
{
	if (curl_load(err) < 0)
		return -1;
	CURL *c = lc.easy_init();
	struct curl_slist *hdr = NULL, *h2 = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	struct sink s = {out, 0};
	long code = 0;
	int rc = -1;
	if (c == NULL)
		return error_set(err, ERR_NOMEM, "libcurl: cannot create a handle");
	hdr = lc.slist_append(NULL, "Content-Type: application/timestamp-query");
	h2 = hdr != NULL ? lc.slist_append(hdr, "Accept: application/timestamp-reply") : NULL;
	if (h2 == NULL) {
		error_set(err, ERR_NOMEM, "libcurl: cannot build headers");
		goto fail;
	}
	long t = timeout_s > 0 && timeout_s < 3600 ? (long)timeout_s : 10;
	if (lc.easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, t) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_TIMEOUT, t) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_USERAGENT, "custos") != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
	    lc.easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK) {
		error_set(err, ERR_INTERNAL, "libcurl rejected an option");
		goto fail;
	}
	CURLcode cc = lc.easy_perform(c);
	if (s.overflow) {
		error_set(err, ERR_LIMIT, "TSA answer exceeds %d bytes", TSA_MAX_RESPONSE);
		goto fail;
	}
	if (cc != CURLE_OK) {
		/* The error text names host and port, never URL credentials. */
		error_set(err, ERR_IO, "TSA request failed: %s",
			  ebuf[0] ? ebuf : lc.easy_strerror(cc));
		goto fail;
	}
	lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		error_set(err, ERR_IO, "TSA answered HTTP status %ld", code);
		goto fail;
	}
	rc = 0;
fail:
	lc.slist_free_all(hdr);
	lc.easy_cleanup(c);
	return rc;
}

/* ---- public ---- */

int tsa_request(const char *url, int64_t timeout_s, const char *ca_file, int hash_alg,
		const char *text, unsigned char **token_r, size_t *len_r, struct error *err)
{
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	unsigned char *der = NULL, *tder = NULL;
	struct buf body;
	int rc = -1;
	buf_init(&body, TSA_MAX_RESPONSE);
	if (make_request(hash_alg, text, &req, err) < 0)
		goto fail;
	int dl = i2d_TS_REQ(req, &der);
	if (dl <= 0) {
		ossl_fail(err, "cannot encode the time-stamp request");
		goto fail;
	}
	if (http_post(url, timeout_s, der, (size_t)dl, &body, err) < 0)
		goto fail;
	const unsigned char *p = body.data;
	if (body.len == 0 || (resp = d2i_TS_RESP(NULL, &p, (long)body.len)) == NULL ||
	    p != body.data + body.len) {
		ERR_clear_error();
		error_set(err, ERR_INVALID, "the TSA's answer is not a DER TimeStampResp");
		goto fail;
	}
	/* Also checks the status: granted or grantedWithMods, else the TSA's
	 * status text and failure info are in the error. */
	if ((ctx = make_verify_ctx(req, ca_file, err)) == NULL)
		goto fail;
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		ossl_fail(err, "the TSA's answer does not verify");
		goto fail;
	}
	int tl = i2d_PKCS7(TS_RESP_get_token(resp), &tder);
	if (tl <= 0 || tl > TSA_MAX_TOKEN) {
		ossl_fail(err, "cannot encode the time-stamp token");
		goto fail;
	}
	*token_r = xmalloc((size_t)tl);
	memcpy(*token_r, tder, (size_t)tl);
	*len_r = (size_t)tl;
	rc = 0;
fail:
	OPENSSL_free(der);
	OPENSSL_free(tder);
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	buf_release(&body);
	return rc;
}

int tsa_verify(const unsigned char *token, size_t len, int hash_alg, const char *text,
	       const char *ca_file, int64_t *gen_time_r, struct error *err)
{
	if (len == 0 || len > TSA_MAX_TOKEN)
		return error_set(err, ERR_INVALID, "time-stamp token of %zu bytes", len);
	TS_REQ *req = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	const unsigned char *p = token;
	PKCS7 *tok = d2i_PKCS7(NULL, &p, (long)len);
	int rc = -1;
	if (tok == NULL || p != token + len) {
		ERR_clear_error();
		error_set(err, ERR_CRYPTO, "time-stamp token is not DER CMS (damaged)");
		goto fail;
	}
	if (make_request(hash_alg, text, &req, err) < 0 ||
	    (ctx = make_verify_ctx(req, ca_file, err)) == NULL)
		goto fail;
	if (TS_RESP_verify_token(ctx, tok) != 1) {
		ossl_fail(err, "time-stamp token does not verify");
		goto fail;
	}
	int64_t t = 0;
	if (token_time(tok, &t, err) < 0)
		goto fail;
	if (gen_time_r != NULL)
		*gen_time_r = t;
	rc = 0;
fail:
	TS_VERIFY_CTX_free(ctx);
	TS_REQ_free(req);
	PKCS7_free(tok);
	return rc;
}
