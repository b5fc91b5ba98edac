/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Following a traced process (-p, -c): the processes it forks, and theirs,
 * join traced_tgids the moment they are created, and the pid filter of
 * probes with LT_SPEC_FOLLOW keeps them.
 *
 * sched_process_fork runs in the parent after copy_process and before
 * wake_up_new_task: the child has not run a single instruction yet, so
 * none of its events can precede its entry. The current task's threads
 * need no entry for lt_tgid_traced (they share their process's tgid), but
 * a thread named by a tracepoint field (lt_task_traced) has only its own
 * id: each thread a traced process creates joins under that id. A process
 * leaves at sched_process_free, once it has been reaped, so the events of
 * its exit (closing its files, signalling its parent) still count; a
 * thread when it is freed.
 */
#ifndef LUATRACE_FOLLOW_BPF_H
#define LUATRACE_FOLLOW_BPF_H

#include "collector.h"
#include "maps.bpf.h"
#include "context.bpf.h"
#include "operand.bpf.h"

/* Tier 1's process filter: the traced process itself (one compare), else,
 * when the spec follows it, one of its descendants. */
static __always_inline int lt_tgid_traced(const struct lt_spec *spec)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == spec->filter_tgid)
		return 1;
	return (spec->flags & LT_SPEC_FOLLOW) && bpf_map_lookup_elem(&traced_tgids, &tgid);
}

/*
 * The same for the thread an event is about when it is not the current
 * task (LT_SPEC_TASK: sched_switch's next_pid, sched_wakeup's pid): a
 * thread id read from the tracepoint record. The traced process's main
 * thread has its tgid for id; its other threads, and its descendants'
 * threads, are in traced_tgids under their own ids when the spec follows.
 */
static __always_inline int lt_task_traced(const struct lt_spec *spec, const struct lt_source *src)
{
	if (!(spec->flags & LT_SPEC_TASK))
		return lt_tgid_traced(spec);
	__u32 tid = 0;
	if (!src->tp || bpf_probe_read_kernel(&tid, sizeof(tid), (const char *)src->tp + spec->task_offset))
		return 0;
	tid = lt_narrow(tid, spec->task_size, 0);
	if (tid == spec->filter_tgid)
		return 1;
	return (spec->flags & LT_SPEC_FOLLOW) && bpf_map_lookup_elem(&traced_tgids, &tid);
}

/* A traced process's new thread joins under its thread id, for
 * lt_task_traced; a traced process's child under its tgid. */
static __always_inline void lt_traced_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	if (!bpf_map_lookup_elem(&traced_tgids, &ptgid))
		return;
	__u32 id = child->pid; /* the tgid of a process, the id of a thread */
	__u64 start = child->start_time;
	if (bpf_map_update_elem(&traced_tgids, &id, &start, BPF_ANY)) {
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
 * but no longer counts the old leader as its leader (nor, its pid being
 * the tgid, as a thread). Any other thread ends its own entry.
 */
static __always_inline void lt_traced_free(struct task_struct *p)
{
	__u32 id = p->pid;
	if (p->group_leader != p && id == p->tgid)
		return;
	__u64 *start = bpf_map_lookup_elem(&traced_tgids, &id);
	if (start && (*start == 0 || *start == p->start_time))
		bpf_map_delete_elem(&traced_tgids, &id);
}

#endif
