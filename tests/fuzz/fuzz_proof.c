/*
 * fuzz_proof.c - fuzz target for offline proof verification
 * (ledger_verify_proof: the JSON fields, base64 signature and time-stamp
 * token, the SM2 / Ed25519 signature check, the RFC 3161 token parser and
 * checks of src/ledger/tsa.c, the Merkle path). A proof is what anyone may
 * hand to `custos verify-proof`, so all of it is hostile input.
 *
 * Input: a proof JSON document. It is checked under the public keys of the
 * two seed proofs (corpus/proof/ed25519-tsa.json, sm2-tsa.json), so that
 * mutations of the fields the signature does not cover (entry, path,
 * tsa_token) get past the signature check. Invariant: never crash, and a
 * failure always comes with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	int alg;
	const char *pk64;
} keys[] = {
    {SIG_ED25519, "dkYFkpP0dTGPWDaO/eM021GuxN1NIjo4ZgPg9pgGzMs="},
    {SIG_SM2, "BDQfRKFzByf92zqZn+hfEjT8ed3jw268kIHZmACx+wjV1NKyLgBuU4toQSJC6NOfuhTWtz47hpt3"
	      "YLXCY/11+Rk="},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (cry_init(NULL) < 0)
			abort();
		ready = 1;
	}
	json_error_t je;
	json_t *proof = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (proof == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct ledger_keys k;
		size_t len = 0;
		memset(&k, 0, sizeof(k));
		k.sig_alg = keys[i].alg;
		if (cry_b64_decode(keys[i].pk64, k.pk, sizeof(k.pk), &len) < 0 ||
		    len != cry_sig_pk_len(k.sig_alg))
			abort();
		strcpy(k.fingerprint, "fuzz");
		char what[512];
		struct error err = ERROR_INIT;
		static const unsigned char msg[] = "From: x\n\nbody\n";
		if (ledger_verify_proof(proof, &k, NULL, 0, NULL, what, sizeof(what), &err) < 0 &&
		    err.msg[0] == '\0')
			abort();
		err = (struct error)ERROR_INIT;
		if (ledger_verify_proof(proof, &k, msg, sizeof(msg) - 1, NULL, what, sizeof(what),
					&err) < 0 &&
		    err.msg[0] == '\0')
			abort();
	}
	json_decref(proof);
	return 0;
}
