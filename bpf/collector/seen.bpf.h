/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Processes first seen: user stacks are symbolized (and unwound) in user
 * space from a snapshot of the process's mappings, which must be read
 * while the process lives. A probe capturing user stacks announces each
 * process the first time one of its events passes the filters, ahead of
 * that event in the ring buffer, so that luatrace reads the mappings at
 * once rather than when the event is handled, or an aggregation printed,
 * perhaps after the process exited. An exec forgets the process, so its
 * next event announces the new image.
 */
#ifndef LUATRACE_SEEN_BPF_H
#define LUATRACE_SEEN_BPF_H

#include "collector.h"
#include "maps.bpf.h"

static __always_inline void lt_note_process(struct lt_spec *spec)
{
	if (!(spec->flags & LT_SPEC_NOTE_PROCESS))
		return;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (tgid == 0 || bpf_map_lookup_elem(&seen_tgids, &tgid))
		return;
	__u8 one = 1;
	if (bpf_map_update_elem(&seen_tgids, &tgid, &one, BPF_NOEXIST))
		return; /* another CPU announces it */
	struct lt_header *n = bpf_ringbuf_reserve(&events, sizeof(*n), 0);
	if (!n) {
		/* Try again at the next event rather than never. */
		bpf_map_delete_elem(&seen_tgids, &tgid);
		return;
	}
	__builtin_memset(n, 0, sizeof(*n));
	n->probe_id = LT_NOTICE_PROCESS;
	n->size = sizeof(*n);
	n->ts = bpf_ktime_get_ns();
	n->pid = tgid;
	n->tid = (__u32)pid_tgid;
	bpf_ringbuf_submit(n, BPF_RB_NO_WAKEUP);
}

static __always_inline void lt_forget_process(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_delete_elem(&seen_tgids, &tgid);
}

#endif
