/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stacks: appended to a record as a field of addresses, or stored in
 * agg_stacks and used as a map key by id.
 */
#ifndef LUATRACE_STACK_BPF_H
#define LUATRACE_STACK_BPF_H

#include "bounds.bpf.h"
#include "maps.bpf.h"

/* A stack that could not be stored: the update that wanted it is lost. */
#define LT_STACK_LOST (~0ULL)

/*
 * A stack as a map key: its id in agg_stacks, with the process id in the
 * upper half for user stacks (Go symbolizes them in that process). A stack
 * with no frames (a user stack in a kernel thread, a kernel stack of a
 * sample taken in user mode) is a key of its own, LT_STACK_EMPTY, as in
 * bpftrace; only a stack that could not be stored is lost.
 */
static __always_inline __u64 lt_stack_key(void *ctx, __u8 kind)
{
	long id = bpf_get_stackid(ctx, &agg_stacks, kind == LT_KEY_USTACK ? BPF_F_USER_STACK : 0);
	if (id == -EFAULT) /* no frames */
		id = LT_STACK_EMPTY;
	else if (id < 0)
		return LT_STACK_LOST;
	if (kind == LT_KEY_USTACK)
		return (__u32)id | (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL);
	return (__u32)id;
}

/* Appends a stack as a field: header, then up to LT_MAX_STACK addresses. */
static __always_inline __u32 lt_append_stack(void *ctx, struct lt_scratch *slot, __u32 cursor, __u64 flags)
{
	if (cursor > LT_FIELD_CURSOR_MASK)
		return cursor;
	/* The comparison above does not survive the spill 6.1 sees here. */
	__u64 at = cursor;
	LT_BOUND(at);
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + at);
	long n = bpf_get_stack(ctx, slot->buf + at + sizeof(*fh), LT_MAX_STACK * sizeof(__u64), flags);
	__u32 len = 0;
	fh->status = LT_FIELD_FAULT;
	if (n > 0) {
		len = n & LT_FIELD_CURSOR_MASK;
		fh->status = LT_FIELD_OK;
	}
	fh->len = len;
	fh->_pad = 0;
	return cursor + sizeof(*fh) + LT_FIELD_PAD(len);
}

#endif
