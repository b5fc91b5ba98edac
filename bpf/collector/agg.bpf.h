/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * In-kernel aggregation (struct lt_agg): count, sum, min and max of a value,
 * or a histogram of it, per key, exact at any event rate. Each CPU updates
 * its own share of a per-CPU hash; Go adds the shares up when it reads.
 */
#ifndef LUATRACE_AGG_BPF_H
#define LUATRACE_AGG_BPF_H

#include "bounds.bpf.h"
#include "maps.bpf.h"
#include "operand.bpf.h"
#include "key.bpf.h"

/* Log2 histogram bucket: 0 for negatives, 1 for 0, then 2 + floor(log2 v). */
static __always_inline __u64 lt_log2_bucket(__s64 v)
{
	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	__u64 n = v, b = 2;
	if (n >> 32) {
		n >>= 32;
		b += 32;
	}
	if (n >> 16) {
		n >>= 16;
		b += 16;
	}
	if (n >> 8) {
		n >>= 8;
		b += 8;
	}
	if (n >> 4) {
		n >>= 4;
		b += 4;
	}
	if (n >> 2) {
		n >>= 2;
		b += 2;
	}
	if (n >> 1)
		b += 1;
	return b;
}

/* Linear histogram bucket: 0 below lmin, then one per step, the last one
 * at and above lmax. */
static __always_inline __u64 lt_linear_bucket(struct lt_agg *a, __s64 v)
{
	if (a->lstep <= 0)
		return 0;
	if (v < a->lmin)
		return 0;
	if (v >= a->lmax)
		return (__u64)(a->lmax - a->lmin) / (__u64)a->lstep + 1;
	return (__u64)(v - a->lmin) / (__u64)a->lstep + 1;
}

static __always_inline __u64 lt_agg_bucket(struct lt_agg *a, __s64 x)
{
	if (a->kind == LT_AGG_HIST)
		return lt_log2_bucket(x);
	if (a->kind == LT_AGG_LHIST)
		return lt_linear_bucket(a, x);
	return 0;
}

/* The value an aggregation adds: 1 for counts. */
static __always_inline __s64 lt_agg_value_of(struct lt_agg *a, const struct lt_eval *ev)
{
	if (a->value == LT_OPND_ONE)
		return 1;
	return lt_narrow(lt_operand(ev, a->value, 0), a->value_size, a->value_flags & LT_OPF_A_SIGNED);
}

/* This CPU's counters of a's map. */
static __always_inline struct lt_agg_counts *lt_agg_counts_of(struct lt_agg *a)
{
	__u32 k = a->map + (a->large ? LT_MAX_MAPS : 0);
	return bpf_map_lookup_elem(&agg_counts, &k);
}

static __always_inline void lt_agg_lost(struct lt_agg *a, __u64 n)
{
	struct lt_agg_counts *cnt = lt_agg_counts_of(a);
	if (cnt)
		cnt->lost += n;
}

/* Adds add to key's aggregate in a's map (this CPU's share). */
static __always_inline void lt_agg_store(struct lt_agg *a, void *outer, const void *key, const struct lt_agg_value *add)
{
	__u32 idx = a->map;
	void *inner = bpf_map_lookup_elem(outer, &idx);
	if (!inner)
		return;
	for (int tries = 0; tries < 2; tries++) {
		struct lt_agg_value *v = bpf_map_lookup_elem(inner, key);
		if (v) {
			/* This CPU's share: no other CPU writes it. */
			v->count += add->count;
			v->sum += add->sum;
			if (add->min < v->min)
				v->min = add->min;
			if (add->max > v->max)
				v->max = add->max;
			return;
		}
		long err = bpf_map_update_elem(inner, key, add, BPF_NOEXIST);
		if (err == 0) {
			/* Counted so that Go knows how full the map is
			 * without reading it. */
			struct lt_agg_counts *cnt = lt_agg_counts_of(a);
			if (cnt)
				cnt->keys++;
			return;
		}
		if (err != -EEXIST) /* EEXIST: another CPU added the key first; look again */
			break;
	}
	lt_agg_lost(a, add->count);
}

/* Writes the key of map update a: its parts (key.bpf.h), the bucket in
 * the last 8 bytes. Returns -1 when a stack key could not be stored: the
 * update is lost. */
static __always_inline int lt_agg_key(void *ctx, struct lt_agg *a, const struct lt_eval *ev, const char *comm,
				      struct lt_scratch *slot, const __u32 *at, __u8 *key, __u64 bucket, const int stacks)
{
	__u32 key_size = LT_KEY_SMALL;
	__builtin_memset(key, 0, LT_KEY_SMALL);
	if (a->large) {
		key_size = LT_KEY_LARGE;
		__builtin_memset(key + LT_KEY_SMALL, 0, LT_KEY_LARGE - LT_KEY_SMALL);
	}
	if (lt_key_write(ctx, a->parts, a->nparts, key_size, ev, comm, slot, at, key, stacks))
		return -1;
	__builtin_memcpy(key + (key_size - 8), &bucket, sizeof(bucket));
	return 0;
}

/*
 * Small keys (two words and the bucket) go through a per-CPU direct-mapped
 * cache: a hit is an array slot and three compares, where the hash costs
 * helper calls, a jhash and a memcmp (measured: the hash was most of a
 * count's cost). A miss writes the slot's previous key back to the hash;
 * Go reads both.
 */
static __always_inline void lt_agg_cache(struct lt_agg *a, __u64 k0, __u64 k1, __u64 k2, __s64 x)
{
	__u64 h = (k0 ^ (k1 * 0x9e3779b97f4a7c15ULL) ^ k2) * 0xbf58476d1ce4e5b9ULL;
	__u32 ci = ((__u32)a->map << LT_CACHE_BITS) | (__u32)(h >> (64 - LT_CACHE_BITS));
	struct lt_agg_cached *c = bpf_map_lookup_elem(&agg_cache, &ci);
	if (!c)
		return;
	if (c->v.count && c->key[0] == k0 && c->key[1] == k1 && c->key[2] == k2) {
		c->v.count++;
		c->v.sum += x;
		if (a->value == LT_OPND_ONE)
			return;
		if (x < c->v.min)
			c->v.min = x;
		if (x > c->v.max)
			c->v.max = x;
		return;
	}
	if (c->v.count)
		lt_agg_store(a, &agg_small, c->key, &c->v);
	c->key[0] = k0;
	c->key[1] = k1;
	c->key[2] = k2;
	c->v.count = 1;
	c->v.sum = x;
	c->v.min = x;
	c->v.max = x;
}

/* One map update: the key is built in this CPU's key buffer at this
 * nesting level (see lt_key_buf), then goes to the cache (small keys) or
 * straight to the hash (large keys). */
static __always_inline void lt_agg_update(void *ctx, struct lt_agg *a, const struct lt_eval *ev, const char *comm,
					  struct lt_scratch *slot, const __u32 *at, const int stacks)
{
	__s64 x = lt_agg_value_of(a, ev);
	__u64 bucket = lt_agg_bucket(a, x);
	if (!a->large && !a->nparts) {
		/* A key of no parts is zeros and the bucket. */
		lt_agg_cache(a, 0, 0, bucket, x);
		return;
	}
	__u32 zero = 0;
	struct lt_key_buf *kb = bpf_map_lookup_elem(&agg_keys, &zero);
	if (!kb)
		return;
	/* Only a probe interrupting this one on this CPU can race for the
	 * buffer, and it runs to completion first: plain stores suffice. */
	__u32 level = *(volatile __u32 *)&kb->depth;
	*(volatile __u32 *)&kb->depth = level + 1;
	__u8 *key = kb->b[level & (LT_KEY_LEVELS - 1)];
	if (lt_agg_key(ctx, a, ev, comm, slot, at, key, bucket, stacks)) {
		lt_agg_lost(a, 1);
	} else if (a->large) {
		struct lt_agg_value one = {.count = 1, .sum = x, .min = x, .max = x};
		lt_agg_store(a, &agg_large, key, &one);
	} else {
		const __u64 *k = (const __u64 *)key;
		lt_agg_cache(a, k[0], k[1], k[2], x);
	}
	*(volatile __u32 *)&kb->depth = level;
}

/* Every map update of spec. stacks is a constant: 0 leaves stack key
 * parts out (lt_key_write), for a program that serves no such key. */
static __always_inline void lt_aggregate(void *ctx, struct lt_spec *spec, const struct lt_eval *ev, const char *comm,
					 struct lt_scratch *slot, const __u32 *at, const int stacks)
{
	__u32 n = spec->naggs;
	for (__u32 i = 0; i < LT_MAX_AGGS; i++) {
		if (i >= n)
			break;
		lt_agg_update(ctx, &spec->aggs[i], ev, comm, slot, at, stacks);
	}
}

#endif
