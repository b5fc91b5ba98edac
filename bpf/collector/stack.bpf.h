/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stacks: appended to a record as a field of addresses, or stored in
 * agg_stacks and used as a map key by id.
 */
#ifndef LUATRACE_STACK_BPF_H
#define LUATRACE_STACK_BPF_H

#include "bounds.bpf.h"
#include "maps.bpf.h"
#include "context.bpf.h"

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

/*
 * Appends a stack as a field: header, then up to LT_MAX_STACK frames of
 * frame_size bytes: addresses, or with BPF_F_USER_BUILD_ID struct
 * bpf_stack_build_id (the file's build-id and offset, or the address when
 * the kernel could not read the build-id).
 */
static __always_inline __u32 lt_append_stack(void *ctx, struct lt_scratch *slot, __u32 cursor, __u64 flags, __u32 frame_size)
{
	if (cursor > LT_FIELD_CURSOR_MASK)
		return cursor;
	/* The comparison above does not survive the spill 6.1 sees here. */
	__u64 at = cursor;
	LT_BOUND(at);
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + at);
	long n = bpf_get_stack(ctx, slot->buf + at + sizeof(*fh), LT_MAX_STACK * frame_size, flags);
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

/*
 * Appends the user sample (LT_SPEC_USAMPLE): header, the task's user
 * registers (its pt_regs: a uprobe's own, or where the task last entered
 * the kernel), then up to want bytes of its stack from the stack pointer
 * up. The stack is copied a page at most per read, so that a stack whose
 * mapping ends sooner (the main thread's ends a few hundred bytes above
 * main) keeps what is mapped, as perf's copy does; the field is then
 * marked truncated. A task without user mode (a kernel thread) gets a
 * faulted field.
 */
static __always_inline __u32 lt_append_usample(struct lt_scratch *slot, __u32 cursor, __u64 want)
{
	if (cursor > LT_FIELD_CURSOR_MASK)
		return cursor;
	__u64 at = cursor;
	LT_BOUND(at);
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + at);
	struct pt_regs *regs = (struct pt_regs *)(slot->buf + at + sizeof(*fh));
	fh->status = LT_FIELD_FAULT;
	fh->len = 0;
	fh->_pad = 0;
	/* Returns count from at, the masked cursor: 6.1 loses the bound of
	 * cursor itself, and the record size must stay provably bounded. */
	if (!lt_have_task_pt_regs)
		return at + sizeof(*fh);
	struct task_struct *task = bpf_get_current_task_btf();
	if (bpf_probe_read_kernel(regs, sizeof(*regs), (void *)bpf_task_pt_regs(task)) || (regs->cs & 3) != 3)
		return at + sizeof(*fh);

	__u64 room = LT_MAX_RECORD - sizeof(*fh) - sizeof(*regs) - at;
	if (want > LT_MAX_USTACK)
		want = LT_MAX_USTACK;
	if (want > room)
		want = room;
	__u64 sp = PT_REGS_SP(regs);
	__u64 done = 0;
	__u8 status = LT_FIELD_OK;
	for (int i = 0; i < LT_MAX_USTACK / LT_USTACK_CHUNK + 2; i++) {
		if (done >= want)
			break;
		__u64 n = LT_USTACK_CHUNK - ((sp + done) & (LT_USTACK_CHUNK - 1));
		if (n > want - done)
			n = want - done;
		/* 1..LT_USTACK_CHUNK as the verifier sees it, n itself here. */
		n = ((n - 1) & (LT_USTACK_CHUNK - 1)) + 1;
		__u64 off = at + sizeof(*fh) + sizeof(*regs) + done;
		LT_MASK(off, 0xffff); /* + a chunk stays inside buf's slack */
		if (bpf_probe_read_user(slot->buf + off, n, (void *)(sp + done))) {
			status = LT_FIELD_TRUNCATED;
			break;
		}
		done += n;
	}
	__u32 len = (sizeof(*regs) + done) & LT_FIELD_CURSOR_MASK;
	fh->len = len;
	fh->status = status;
	return at + sizeof(*fh) + LT_FIELD_PAD(len);
}

#endif
