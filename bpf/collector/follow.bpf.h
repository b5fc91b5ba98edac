/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Following a traced process (-p, -c): the processes it forks, and theirs,
 * join traced_tgids the moment they are created, and the pid filter of
 * probes with LT_SPEC_FOLLOW keeps them.
 *
 * sched_process_fork runs in the parent after copy_process and before
 * wake_up_new_task: the child has not run a single instruction yet, so
 * none of its events can precede its entry. Threads need no entry: they
 * share their process's tgid. A process leaves at sched_process_free, once
 * it has been reaped, so the events of its exit (closing its files,
 * signalling its parent) still count.
 */
#ifndef LUATRACE_FOLLOW_BPF_H
#define LUATRACE_FOLLOW_BPF_H

#include "collector.h"
#include "maps.bpf.h"
#include "context.bpf.h"

/* Tier 1's process filter: the traced process itself (one compare), else,
 * when the spec follows it, one of its descendants. */
static __always_inline int lt_tgid_traced(const struct lt_spec *spec)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == spec->filter_tgid)
		return 1;
	return (spec->flags & LT_SPEC_FOLLOW) && bpf_map_lookup_elem(&traced_tgids, &tgid);
}

static __always_inline void lt_traced_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = child->tgid;
	if (child->pid != child->tgid)
		return; /* a thread */
	__u32 ptgid = parent->tgid;
	if (!bpf_map_lookup_elem(&traced_tgids, &ptgid))
		return;
	__u64 start = child->start_time;
	if (bpf_map_update_elem(&traced_tgids, &tgid, &start, BPF_ANY)) {
		__u32 zero = 0;
		__u64 *full = bpf_map_lookup_elem(&traced_full, &zero);
		if (full)
			__sync_fetch_and_add(full, 1);
	}
}

/*
 * Only the group leader's free ends the process, and only the entry it
 * made: the start time tells a process whose tgid was reused from the old
 * one (freed after an RCU grace period, when the number may be in use
 * again); an entry Go made without a start time (0) goes with any. A
 * thread that execs takes over the leader's tgid and start time,
 * but no longer counts the old leader as its leader.
 */
static __always_inline void lt_traced_free(struct task_struct *p)
{
	if (p->group_leader != p)
		return;
	__u32 tgid = p->tgid;
	__u64 *start = bpf_map_lookup_elem(&traced_tgids, &tgid);
	if (start && (*start == 0 || *start == p->start_time))
		bpf_map_delete_elem(&traced_tgids, &tgid);
}

#endif
