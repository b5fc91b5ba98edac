/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Entry/return pairing for kretprobe and uretprobe: the entry half saves
 * the call's arguments and time per thread and call depth, the return half
 * restores them, so a return probe sees its arguments as they were at entry
 * and how long the call took.
 */
#ifndef LUATRACE_PAIRING_BPF_H
#define LUATRACE_PAIRING_BPF_H

#include "context.bpf.h"
#include "maps.bpf.h"

/* Entry half of a paired return probe: push the call's arguments and
 * time under the thread's next depth. */
static __always_inline void lt_save_entry(struct lt_spec *spec, __u64 pid_tgid, struct lt_source *src)
{
	struct lt_depth_key dk = {.pid_tgid = pid_tgid, .probe_id = spec->pair_id};
	__u32 *d = bpf_map_lookup_elem(&entry_depths, &dk);
	__u32 depth = d ? *d + 1 : 1;
	struct lt_entry e = {.ts = bpf_ktime_get_ns()};
	if (src->regs)
		lt_regs_args(e.args, src->regs, LT_REGISTER_ARGS);
	struct lt_entry_key ek = {.pid_tgid = pid_tgid, .probe_id = spec->pair_id, .depth = depth};
	bpf_map_update_elem(&entries, &ek, &e, BPF_ANY);
	bpf_map_update_elem(&entry_depths, &dk, &depth, BPF_ANY);
}

/* Return half: pop the matching entry into args and the header's duration;
 * returns how many arguments are valid (0 when the entry was not seen). */
static __always_inline __u32 lt_restore_entry(__u32 id, __u64 pid_tgid, __u64 *args, struct lt_header *hdr)
{
	struct lt_depth_key dk = {.pid_tgid = pid_tgid, .probe_id = id};
	__u32 *d = bpf_map_lookup_elem(&entry_depths, &dk);
	if (!d || *d == 0)
		return 0;
	__u32 depth = *d;
	struct lt_entry_key ek = {.pid_tgid = pid_tgid, .probe_id = id, .depth = depth};
	struct lt_entry *e = bpf_map_lookup_elem(&entries, &ek);
	__u32 n = 0;
	if (e) {
		__builtin_memcpy(args, e->args, sizeof(e->args));
		hdr->duration = bpf_ktime_get_ns() - e->ts;
		n = LT_REGISTER_ARGS;
		bpf_map_delete_elem(&entries, &ek);
	}
	if (depth == 1)
		bpf_map_delete_elem(&entry_depths, &dk);
	else {
		depth--;
		bpf_map_update_elem(&entry_depths, &dk, &depth, BPF_ANY);
	}
	return n;
}

#endif
