/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Key parts (struct lt_key_part) written into a buffer at the offsets Go
 * laid out (capture/mapkey.go): the keys of map updates, and the parts a
 * stamp saves for the probe that reads it. The buffer's last 8 bytes are
 * the caller's (a key's bucket, a stamp's time).
 */
#ifndef LUATRACE_KEY_BPF_H
#define LUATRACE_KEY_BPF_H

#include "bounds.bpf.h"
#include "maps.bpf.h"
#include "operand.bpf.h"
#include "stack.bpf.h"

/* Puts an 8-byte key part at off, if it fits before the last 8 bytes. */
static __always_inline void lt_key_put(__u8 *key, __u32 key_size, __u32 off, __u64 v)
{
	if (off <= key_size - 16)
		__builtin_memcpy(key + (off & (LT_KEY_LARGE - 1)), &v, sizeof(v));
}

/* Copies a captured string's bytes into the key: at most the part's
 * width, zero-padded (the key was zeroed). */
static __always_inline void lt_key_bytes(__u8 *key, __u32 key_size, const struct lt_key_part *p,
					 struct lt_scratch *slot, const __u32 *at)
{
	if (!slot || !at)
		return;
	__u32 off = p->offset;
	__u32 fat = at[p->operand & (LT_MAX_FIELDS - 1)] & LT_FIELD_CURSOR_MASK;
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + fat);
	__u32 len = fh->len;
	if (len > p->size)
		len = p->size;
	if (len == 0 || len > LT_MAX_KEY_BYTES || off + len > key_size - 8)
		return;
	/* The comparisons above do not survive 6.1's spills: masks do.
	 * off <= 127, len <= 64, so the copy stays inside the buffer. */
	__u64 o = off, n = len;
	LT_MASK(o, LT_KEY_LARGE - 1);
	LT_MASK(n, 2 * LT_MAX_KEY_BYTES - 1);
	if (n <= LT_MAX_KEY_BYTES)
		bpf_probe_read_kernel(key + o, n, slot->buf + fat + sizeof(*fh));
}

/* Copies 8 or 16 bytes a stamp saved, as the since() op in slot
 * p->operand read them (stamp.bpf.h), into the key. */
static __always_inline void lt_key_stamped(__u8 *key, __u32 key_size, const struct lt_key_part *p,
					   struct lt_scratch *slot)
{
	if (!slot)
		return;
	const __u64 *w = slot->stamped[(p->operand - LT_OPND_SLOT0) & (LT_MAX_OPS - 1)];
	__u32 i = p->from / 8;
	lt_key_put(key, key_size, p->offset, w[i & 7]);
	if (p->size > 8)
		lt_key_put(key, key_size, p->offset + 8, w[(i + 1) & 7]);
}

/* Writes nparts parts into key (zeroed by the caller). Returns -1 when a
 * stack could not be stored. stacks is a constant: 0 compiles the stack
 * parts out (they are left zero), and with them the program's use of
 * agg_stacks, whose 16 MiB take longer to create than the rest of a
 * small program's startup. */
static __always_inline int lt_key_write(void *ctx, const struct lt_key_part *parts, __u32 nparts, __u32 key_size,
					const struct lt_eval *ev, const char *comm, struct lt_scratch *slot,
					const __u32 *at, __u8 *key, const int stacks)
{
	for (__u32 j = 0; j < LT_MAX_KEY_PARTS; j++) {
		if (j >= nparts)
			break;
		const struct lt_key_part *p = &parts[j];
		__u32 off = p->offset;
		switch (p->kind) {
		case LT_KEY_VALUE:
			lt_key_put(key, key_size, off, lt_narrow(lt_operand(ev, p->operand, 0), p->size, p->flags & LT_OPF_A_SIGNED));
			break;
		case LT_KEY_COMM:
			if (comm && off <= key_size - 24)
				__builtin_memcpy(key + (off & (LT_KEY_LARGE - 1)), comm, 16);
			break;
		case LT_KEY_BYTES:
			lt_key_bytes(key, key_size, p, slot, at);
			break;
		case LT_KEY_KSTACK:
		case LT_KEY_USTACK: {
			if (!stacks)
				break;
			__u64 id = lt_stack_key(ctx, p->kind);
			if (id == LT_STACK_LOST)
				return -1;
			lt_key_put(key, key_size, off, id);
			break;
		}
		case LT_KEY_STAMPED:
			lt_key_stamped(key, key_size, p, slot);
			break;
		}
	}
	return 0;
}

#endif
