/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Operands: the values clauses compare, ops compute with and map keys and
 * values are made of (enum lt_operand).
 */
#ifndef LUATRACE_OPERAND_BPF_H
#define LUATRACE_OPERAND_BPF_H

#include "maps.bpf.h"

/* An event's values as operands see them. vals (captured fields, then
 * computed slots) is null when nothing was fetched. */
struct lt_eval {
	__u64 retval;
	__u64 duration;
	__u64 *vals;
	__u32 cpu;
	__u32 _pad;
};

/* The operands' view of the event in a CPU's scratch slot. */
static __always_inline struct lt_eval lt_slot_eval(struct lt_scratch *slot, __u32 cpu)
{
	struct lt_eval ev = {.retval = slot->ev.retval, .duration = slot->ev.duration, .vals = slot->vals, .cpu = cpu};
	return ev;
}

/* Cuts a value to size bytes, sign-extending when asked. Registers and
 * trampoline slots leave a narrow value's upper bits undefined. */
static __always_inline __u64 lt_narrow(__u64 v, __u32 size, int sign)
{
	if (size > 0 && size < 8) {
		__u64 mask = (1ULL << ((size & 7) * 8)) - 1;
		v &= mask;
		if (sign && (v & ~(mask >> 1)))
			v |= ~mask;
	}
	return v;
}

static __always_inline __u64 lt_operand(const struct lt_eval *ev, __u8 op, __s64 imm)
{
	if (op < LT_MAX_FIELDS)
		return ev->vals ? ev->vals[op & (LT_MAX_VALS - 1)] : 0;
	if (op >= LT_OPND_SLOT0)
		return ev->vals ? ev->vals[(op - LT_OPND_SLOT0 + LT_MAX_FIELDS) & (LT_MAX_VALS - 1)] : 0;
	switch (op) {
	/* Identity helpers run only when asked: uid_gid maps through the
	 * user namespace and costs more than the rest of a count. */
	case LT_OPND_PID:
		return bpf_get_current_pid_tgid() >> 32;
	case LT_OPND_TID:
		return (__u32)bpf_get_current_pid_tgid();
	case LT_OPND_UID:
		return (__u32)bpf_get_current_uid_gid();
	case LT_OPND_GID:
		return bpf_get_current_uid_gid() >> 32;
	case LT_OPND_CPU:
		return ev->cpu;
	case LT_OPND_CGROUP:
		return bpf_get_current_cgroup_id();
	case LT_OPND_NSECS:
		return bpf_ktime_get_ns();
	case LT_OPND_DURATION:
		return ev->duration;
	case LT_OPND_RETVAL:
		return ev->retval;
	case LT_OPND_ONE:
		return 1;
	case LT_OPND_IMM:
		return imm;
	}
	return 0;
}

/* Known before anything is fetched. */
static __always_inline int lt_header_operand(__u8 op)
{
	return op >= LT_OPND_PID && op <= LT_OPND_CGROUP;
}

static __always_inline int lt_compare(__u8 cmp, __u64 v, __u64 w, int signed_cmp)
{
	switch (cmp) {
	case LT_CMP_EQ:
		return v == w;
	case LT_CMP_NE:
		return v != w;
	case LT_CMP_LT:
		return signed_cmp ? (__s64)v < (__s64)w : v < w;
	case LT_CMP_LE:
		return signed_cmp ? (__s64)v <= (__s64)w : v <= w;
	case LT_CMP_GT:
		return signed_cmp ? (__s64)v > (__s64)w : v > w;
	case LT_CMP_GE:
		return signed_cmp ? (__s64)v >= (__s64)w : v >= w;
	}
	return 0;
}

#endif
