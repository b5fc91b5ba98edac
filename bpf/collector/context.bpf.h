/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an entry program knows of the event that fired it: where its
 * arguments are, which probe it serves, and the current task.
 */
#ifndef LUATRACE_CONTEXT_BPF_H
#define LUATRACE_CONTEXT_BPF_H

#include "collector.h"

/* Debian 12's libbpf predates PT_REGS_PARM6. */
#ifndef PT_REGS_PARM6
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6(x) ((x)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6(x) (((const struct user_pt_regs *)(x))->regs[5])
#endif
#endif

/*
 * Programs attached through perf events (kprobe, uprobe, tracepoint,
 * perf_event) share one loaded program and find their spec through the attach
 * cookie. Programs that are loaded per target anyway (fentry, fexit, tp_btf,
 * raw_tp) get their probe id baked in here at load time; the verifier prunes
 * the cookie branch then, so kernels without cookies for them still load.
 */
const volatile __u32 lt_fixed_probe_id = 0;

/* Set by the loader when the kernel has bpf_get_current_task_btf (5.11+). */
const volatile __u32 lt_have_task_btf = 0;

/* Set by the loader when the kernel has bpf_task_pt_regs (5.15+): user
 * samples (LT_SPEC_USAMPLE) need it for the task's user registers. */
const volatile __u32 lt_have_task_pt_regs = 0;

/* Where an entry program found its arguments. */
struct lt_source {
	struct pt_regs *regs; /* kprobe, uprobe, perf_event */
	const __u64 *argv;    /* fentry, fexit, tp_btf, raw_tp */
	const void *tp;       /* tracepoint record */
	__u64 retval;
	__u64 ip;
};

static __always_inline __u32 lt_probe_id(void *ctx)
{
	if (lt_fixed_probe_id)
		return lt_fixed_probe_id;
	return (__u32)bpf_get_attach_cookie(ctx);
}

/* Only the fields luatrace reads; CO-RE finds their offsets in kernel
 * BTF. */
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	char comm[16];
	int pid;
	int tgid;
	__u64 start_time;
	struct task_struct *group_leader;
} __attribute__((preserve_access_index));

/* The current task's command: two loads through the BTF task pointer,
 * several times cheaper than bpf_get_current_comm's string copy, which
 * older kernels fall back to. The kernel keeps comm NUL-padded, so the
 * bytes are the same. */
static __always_inline void lt_current_comm(char *dst)
{
	if (!lt_have_task_btf) {
		bpf_get_current_comm(dst, 16);
		return;
	}
	struct task_struct *t = bpf_get_current_task_btf();
	const __u64 *src = (const __u64 *)t->comm;
	((__u64 *)dst)[0] = src[0];
	((__u64 *)dst)[1] = src[1];
}

/* Copies up to LT_REGISTER_ARGS register arguments; the rest live on the
 * stack. */
static __always_inline __u32 lt_regs_args(__u64 *dst, struct pt_regs *regs, __u32 n)
{
	if (n > LT_REGISTER_ARGS)
		n = LT_REGISTER_ARGS;
	if (n > 0)
		dst[0] = PT_REGS_PARM1(regs);
	if (n > 1)
		dst[1] = PT_REGS_PARM2(regs);
	if (n > 2)
		dst[2] = PT_REGS_PARM3(regs);
	if (n > 3)
		dst[3] = PT_REGS_PARM4(regs);
	if (n > 4)
		dst[4] = PT_REGS_PARM5(regs);
	if (n > 5)
		dst[5] = PT_REGS_PARM6(regs);
	return n;
}

#endif
