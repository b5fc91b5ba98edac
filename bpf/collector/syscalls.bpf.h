/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tracepoint:syscalls:sys_enter_NAME and sys_exit_NAME served from
 * raw_syscalls: a glob over them (720 tracepoints) then costs two
 * attachments instead of 720, and detaching two RCU grace periods instead
 * of 720, each taken under the kernel's event_mutex.
 */
#ifndef LUATRACE_SYSCALLS_BPF_H
#define LUATRACE_SYSCALLS_BPF_H

#include "context.bpf.h"
#include "maps.bpf.h"

/* x86's TS_COMPAT: the current system call is a 32-bit one. */
#define LT_TS_COMPAT 0x0002

/* Reads the current task's thread_info.status through the BTF task
 * pointer where the kernel has it (5.11+), else with a CO-RE probe read. */
static __always_inline int lt_in_compat_syscall(void)
{
	if (!bpf_core_field_exists(((struct task_struct *)0)->thread_info.status))
		return 0;
	if (lt_have_task_btf)
		return bpf_get_current_task_btf()->thread_info.status & LT_TS_COMPAT;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, thread_info.status) & LT_TS_COMPAT;
}

/* The probe serving the system call a raw_syscalls record is about, from
 * ids (sys_enter_ids or sys_exit_ids); 0 for none. The record has the
 * layout of the syscalls tracepoints': the number at offset 8 (a long
 * here, an int there: the same low half), the arguments or the return
 * value from 16. 32-bit (compat) calls have numbers of their own, and the
 * syscalls tracepoints skip them: so does this. */
static __always_inline __u32 lt_syscall_probe(void *ctx, void *ids)
{
	if (lt_in_compat_syscall())
		return 0;
	__u32 nr = (__u32)((const __s64 *)ctx)[1];
	__u32 *id = bpf_map_lookup_elem(ids, &nr);
	return id ? *id : 0;
}

#endif
