/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-key timestamps, bpftrace's @start[tid] = nsecs ... nsecs -
 * @start[tid]: a probe with LT_SPEC_STAMP stores the time under a key
 * (args.pid, tid...) in one of the script's stamp tables, with the key
 * parts it saves (the stack, comm and pid of a thread leaving the CPU),
 * and an LT_OPC_SINCE op at another probe reads how long ago that key was
 * stamped, keeps what was saved for the probe's keys (LT_KEY_STAMPED) and
 * values (LT_OPC_STAMPED), and deletes the stamp. An event whose since()
 * finds no stamp is filtered, as bpftrace's /@start[tid]/ would.
 */
#ifndef LUATRACE_STAMP_BPF_H
#define LUATRACE_STAMP_BPF_H

#include "maps.bpf.h"
#include "operand.bpf.h"
#include "key.bpf.h"

static __always_inline struct lt_stamp_counts *lt_stamp_counts_of(__u32 table)
{
	return bpf_map_lookup_elem(&stamp_counts, &table);
}

/* Stamps the time and the saved parts under the spec's key. The value is
 * built in this CPU's key buffer at this nesting level (see lt_key_buf).
 * A key stamped already is overwritten in place, which neither takes a
 * new element nor counts as a new stamp; a stamp that could not be stored
 * (a stack not stored, the update refused) is counted. */
static __always_inline void lt_stamp(void *ctx, struct lt_spec *spec, const struct lt_eval *ev, const char *comm,
				     struct lt_scratch *slot, const __u32 *at, struct lt_stats *st)
{
	/* The time first: saving stacks takes microseconds. */
	__u64 now = bpf_ktime_get_ns();
	struct lt_stamp_key k = {
		.key = lt_narrow(lt_operand(ev, spec->stamp_key, 0), spec->stamp_size, spec->stamp_flags & LT_OPF_A_SIGNED),
		.table = spec->stamp_table,
	};
	__u32 zero = 0;
	struct lt_key_buf *kb = bpf_map_lookup_elem(&agg_keys, &zero);
	if (!kb)
		return;
	__u32 level = *(volatile __u32 *)&kb->depth;
	*(volatile __u32 *)&kb->depth = level + 1;
	__u8 *v = kb->b[level & (LT_KEY_LEVELS - 1)];
	__builtin_memset(v, 0, sizeof(struct lt_stamp_value));
	long err = lt_key_write(ctx, spec->stamp_parts, spec->stamp_nparts, sizeof(struct lt_stamp_value), ev, comm, slot, at, v, 1);
	if (!err) {
		__builtin_memcpy(v + LT_STAMP_SAVED, &now, sizeof(now));
		for (int tries = 0; tries < 2; tries++) {
			struct lt_stamp_value *old = bpf_map_lookup_elem(&stamps, &k);
			if (old) {
				__builtin_memcpy(old, v, sizeof(*old));
				err = 0;
				break;
			}
			err = bpf_map_update_elem(&stamps, &k, v, BPF_NOEXIST);
			if (err == 0) {
				struct lt_stamp_counts *c = lt_stamp_counts_of(k.table);
				if (c)
					c->stored++;
				break;
			}
			if (err != -EEXIST) /* EEXIST: another CPU stamped the key first; look again */
				break;
		}
	}
	if (err)
		st->unstamped++;
	*(volatile __u32 *)&kb->depth = level;
}

/* Nanoseconds since key was stamped in table, keeping what the stamp
 * saved in the slot of op dst and deleting the stamp. No stamp, or one
 * another CPU's read deleted first, marks the event unmatched: each stamp
 * is read once. */
static __always_inline __u64 lt_since(struct lt_scratch *slot, __u64 key, __u32 table, __u32 dst)
{
	struct lt_stamp_key k = {.key = key, .table = table};
	struct lt_stamp_value *s = bpf_map_lookup_elem(&stamps, &k);
	if (!s) {
		slot->ev.unmatched = 1;
		return 0;
	}
	__u64 d = bpf_ktime_get_ns() - s->ts;
	__builtin_memcpy(slot->stamped[dst & (LT_MAX_OPS - 1)], s->saved, LT_STAMP_SAVED);
	if (bpf_map_delete_elem(&stamps, &k)) {
		slot->ev.unmatched = 1;
		return 0;
	}
	struct lt_stamp_counts *c = lt_stamp_counts_of(table);
	if (c)
		c->read++;
	return d;
}

#endif
