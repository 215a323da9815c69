/*
 * merkle.c - RFC 6962 / RFC 9162 Merkle tree hashing. See merkle.h.
 */
#include "ledger/merkle.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

int merkle_leaf_hash(int alg, const void *leaf, size_t n, merkle_hash out, struct error *err)
{
	struct cry_hash_ctx h;
	static const unsigned char zero = 0x00;
	if (cry_hash_init(&h, alg, err) < 0)
		return -1;
	cry_hash_update(&h, &zero, 1);
	cry_hash_update(&h, leaf, n);
	cry_hash_final(&h, out);
	return 0;
}

int merkle_node_hash(int alg, const merkle_hash left, const merkle_hash right, merkle_hash out,
		     struct error *err)
{
	struct cry_hash_ctx h;
	static const unsigned char one = 0x01;
	merkle_hash tmp;
	if (cry_hash_init(&h, alg, err) < 0)
		return -1;
	cry_hash_update(&h, &one, 1);
	cry_hash_update(&h, left, CRYPTO_HASH_LEN);
	cry_hash_update(&h, right, CRYPTO_HASH_LEN);
	cry_hash_final(&h, tmp);
	memcpy(out, tmp, CRYPTO_HASH_LEN);
	return 0;
}

void merkle_stream_init(struct merkle_stream *m, int alg)
{
	memset(m, 0, sizeof(*m));
	m->alg = alg;
}

int merkle_stream_add(struct merkle_stream *m, const merkle_hash leaf_hash, struct error *err)
{
	if (m->depth >= MERKLE_MAX_PATH)
		return error_set(err, ERR_LIMIT, "Merkle tree too large");
	memcpy(m->stack[m->depth], leaf_hash, CRYPTO_HASH_LEN);
	m->heights[m->depth] = 0;
	m->depth++;
	/* Merge equal-height perfect subtrees (a binary counter). */
	while (m->depth >= 2 && m->heights[m->depth - 1] == m->heights[m->depth - 2]) {
		if (merkle_node_hash(m->alg, m->stack[m->depth - 2], m->stack[m->depth - 1],
				     m->stack[m->depth - 2], err) < 0)
			return -1;
		m->heights[m->depth - 2]++;
		m->depth--;
	}
	m->size++;
	return 0;
}

int merkle_stream_root(const struct merkle_stream *m, merkle_hash out, struct error *err)
{
	if (m->depth == 0)
		return cry_hash(m->alg, "", 0, out, err);
	merkle_hash r;
	memcpy(r, m->stack[m->depth - 1], CRYPTO_HASH_LEN);
	for (size_t i = m->depth - 1; i-- > 0;)
		if (merkle_node_hash(m->alg, m->stack[i], r, r, err) < 0)
			return -1;
	memcpy(out, r, CRYPTO_HASH_LEN);
	return 0;
}

int merkle_tree_build(struct merkle_tree *t, int alg, const merkle_hash *leaves, uint64_t n,
		      struct error *err)
{
	memset(t, 0, sizeof(*t));
	t->alg = alg;
	t->level[0] = xmalloc((size_t)(n ? n : 1) * sizeof(merkle_hash));
	if (n > 0)
		memcpy(t->level[0], leaves, (size_t)n * sizeof(merkle_hash));
	t->level_len[0] = n;
	t->n_levels = 1;
	while (t->level_len[t->n_levels - 1] > 1) {
		if (t->n_levels > MERKLE_MAX_PATH) {
			merkle_tree_release(t);
			return error_set(err, ERR_LIMIT, "Merkle tree too large");
		}
		size_t k = t->n_levels;
		uint64_t below = t->level_len[k - 1], len = (below + 1) / 2;
		t->level[k] = xmalloc((size_t)len * sizeof(merkle_hash));
		t->level_len[k] = len;
		for (uint64_t i = 0; i < below / 2; i++)
			if (merkle_node_hash(alg, t->level[k - 1][2 * i], t->level[k - 1][2 * i + 1],
					     t->level[k][i], err) < 0) {
				t->n_levels++;
				merkle_tree_release(t);
				return -1;
			}
		if (below % 2)
			memcpy(t->level[k][len - 1], t->level[k - 1][below - 1], sizeof(merkle_hash));
		t->n_levels++;
	}
	return 0;
}

void merkle_tree_release(struct merkle_tree *t)
{
	for (size_t i = 0; i < t->n_levels; i++)
		free(t->level[i]);
	memset(t, 0, sizeof(*t));
}

int merkle_tree_root(const struct merkle_tree *t, merkle_hash out, struct error *err)
{
	if (t->level_len[0] == 0)
		return cry_hash(t->alg, "", 0, out, err);
	memcpy(out, t->level[t->n_levels - 1][0], sizeof(merkle_hash));
	return 0;
}

int merkle_tree_path(const struct merkle_tree *t, uint64_t index, merkle_hash *path,
		     size_t *len_r, struct error *err)
{
	if (index >= t->level_len[0])
		return error_set(err, ERR_INVALID, "leaf %llu is outside a tree of %llu",
				 (unsigned long long)index, (unsigned long long)t->level_len[0]);
	size_t len = 0;
	for (size_t k = 0; k + 1 < t->n_levels; k++) {
		uint64_t sib = index ^ 1;
		if (sib < t->level_len[k])
			memcpy(path[len++], t->level[k][sib], sizeof(merkle_hash));
		index >>= 1;
	}
	*len_r = len;
	return 0;
}

int merkle_verify_inclusion(int alg, uint64_t index, uint64_t size, const merkle_hash leaf_hash,
			    const merkle_hash *path, size_t path_len, const merkle_hash root,
			    struct error *err)
{
	if (index >= size)
		return error_set(err, ERR_CRYPTO, "leaf index %llu not below tree size %llu",
				 (unsigned long long)index, (unsigned long long)size);
	uint64_t fn = index, sn = size - 1;
	merkle_hash r;
	memcpy(r, leaf_hash, sizeof(r));
	for (size_t i = 0; i < path_len; i++) {
		if (sn == 0)
			return error_set(err, ERR_CRYPTO, "inclusion path is too long");
		if ((fn & 1) || fn == sn) {
			if (merkle_node_hash(alg, path[i], r, r, err) < 0)
				return -1;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (merkle_node_hash(alg, r, path[i], r, err) < 0) {
			return -1;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return error_set(err, ERR_CRYPTO, "inclusion path is too short");
	if (memcmp(r, root, sizeof(r)) != 0)
		return error_set(err, ERR_CRYPTO, "inclusion path does not lead to the root");
	return 0;
}
