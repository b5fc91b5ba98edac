/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-key timestamps, bpftrace's @start[tid] = nsecs ... nsecs -
 * @start[tid]: a probe with LT_SPEC_STAMP stores the time under a key
 * (args.pid, tid...) in one of the script's stamp tables, and an
 * LT_OPC_SINCE op at another probe reads how long ago that key was
 * stamped and deletes the stamp. An event whose since() finds no stamp is
 * filtered, as bpftrace's /@start[tid]/ would.
 */
#ifndef LUATRACE_STAMP_BPF_H
#define LUATRACE_STAMP_BPF_H

#include "maps.bpf.h"
#include "operand.bpf.h"

/* Stamps the time under the spec's key; a full table is counted. */
static __always_inline void lt_stamp(struct lt_spec *spec, const struct lt_eval *ev, struct lt_stats *st)
{
	struct lt_stamp_key k = {
		.key = lt_narrow(lt_operand(ev, spec->stamp_key, 0), spec->stamp_size, spec->stamp_flags & LT_OPF_A_SIGNED),
		.table = spec->stamp_table,
	};
	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&stamps, &k, &now, BPF_ANY))
		st->unstamped++;
}

/* Nanoseconds since key was stamped in table, deleting the stamp; no
 * stamp marks the event unmatched. */
static __always_inline __u64 lt_since(struct lt_scratch *slot, __u64 key, __u32 table)
{
	struct lt_stamp_key k = {.key = key, .table = table};
	__u64 *ts = bpf_map_lookup_elem(&stamps, &k);
	if (!ts) {
		slot->ev.unmatched = 1;
		return 0;
	}
	__u64 d = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&stamps, &k);
	return d;
}

#endif
