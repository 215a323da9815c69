/*
 * merkle.h - Merkle tree hashing in the style of Certificate Transparency
 * (RFC 6962 section 2.1, RFC 9162 section 2.1): leaf hash H(0x00 || leaf),
 * node hash H(0x01 || left || right), the tree over n leaves split at the
 * largest power of two smaller than n.
 *
 * That tree equals the one built bottom-up by pairing nodes (2i, 2i+1) on
 * each level and carrying an unpaired last node up unchanged; merkle_tree
 * uses this to build all levels once (O(n)) and answer any inclusion proof
 * in O(log n).
 */
#ifndef CUSTOS_LEDGER_MERKLE_H
#define CUSTOS_LEDGER_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/crypto.h"

#define MERKLE_MAX_PATH 64

typedef unsigned char merkle_hash[CRYPTO_HASH_LEN];

int merkle_leaf_hash(int alg, const void *leaf, size_t n, merkle_hash out, struct error *err);
int merkle_node_hash(int alg, const merkle_hash left, const merkle_hash right, merkle_hash out,
		     struct error *err);

/* Streaming root computation: add leaf hashes in order, ask for the root of
 * the tree so far at any time. Memory O(log n). */
struct merkle_stream {
	int alg;
	uint64_t size;
	merkle_hash stack[MERKLE_MAX_PATH];
	uint64_t heights[MERKLE_MAX_PATH];
	size_t depth;
};
void merkle_stream_init(struct merkle_stream *m, int alg);
int merkle_stream_add(struct merkle_stream *m, const merkle_hash leaf_hash, struct error *err);
/* Root of the first m->size leaves (the empty tree hashes the empty string). */
int merkle_stream_root(const struct merkle_stream *m, merkle_hash out, struct error *err);

/* All levels of a tree over n leaf hashes (copied). */
struct merkle_tree {
	int alg;
	size_t n_levels;
	merkle_hash *level[MERKLE_MAX_PATH + 1];
	uint64_t level_len[MERKLE_MAX_PATH + 1];
};
int merkle_tree_build(struct merkle_tree *t, int alg, const merkle_hash *leaves, uint64_t n,
		      struct error *err);
void merkle_tree_release(struct merkle_tree *t);
int merkle_tree_root(const struct merkle_tree *t, merkle_hash out, struct error *err);
/* Audit path of leaf index (0-based), leaf-most sibling first (RFC 9162
 * 2.1.3.1). *len_r <= MERKLE_MAX_PATH. */
int merkle_tree_path(const struct merkle_tree *t, uint64_t index, merkle_hash *path,
		     size_t *len_r, struct error *err);

/* RFC 9162 2.1.3.2: 0 if path proves leaf_hash at index in a tree of size
 * whose root is root; -1 (ERR_CRYPTO) otherwise. */
int merkle_verify_inclusion(int alg, uint64_t index, uint64_t size, const merkle_hash leaf_hash,
			    const merkle_hash *path, size_t path_len, const merkle_hash root,
			    struct error *err);

#endif
