/*
 * tsa.h - RFC 3161 time-stamp tokens over ledger checkpoint texts
 * (format: doc/formats/ledger.md, "Time-stamp tokens").
 *
 * A token proves, on the word of an independent time-stamping authority,
 * that a checkpoint (and so every entry it covers) existed at the TSA's
 * time. The request is rebuilt from the checkpoint text alone: the message
 * imprint is the archive's hash (SHA-256 or SM3) of the text and the nonce
 * is derived from the text, so a stored token can be checked later against
 * exactly the request that fetched it.
 */
#ifndef CUSTOS_LEDGER_TSA_H
#define CUSTOS_LEDGER_TSA_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TSA_MAX_RESPONSE (1 << 20) /* largest TimeStampResp accepted */
#define TSA_MAX_TOKEN (1 << 20)	   /* largest stored token */

/* POSTs a TimeStampReq (imprint: hash_alg of text, derived nonce, certReq)
 * to url (http or https) with Content-Type application/timestamp-query and
 * waits at most timeout_s seconds. The answer must grant a token that
 * matches the request (version, imprint and its algorithm, nonce) and,
 * when ca_file is not NULL or "", is signed by a certificate with the
 * critical timeStamping extended key usage that chains to ca_file.
 * *token_r (caller frees) receives the DER TimeStampToken (a CMS
 * ContentInfo, RFC 3161 section 2.4.2). */
int tsa_request(const char *url, int64_t timeout_s, const char *ca_file, int hash_alg,
		const char *text, unsigned char **token_r, size_t *len_r, struct error *err);

/* Checks a stored DER token against text with the same rules as
 * tsa_request; without ca_file the signature is not checked (only that the
 * token is one for this text). *gen_time_r (may be NULL) receives the TSA's
 * time, Unix seconds. */
int tsa_verify(const unsigned char *token, size_t len, int hash_alg, const char *text,
	       const char *ca_file, int64_t *gen_time_r, struct error *err);

#endif
