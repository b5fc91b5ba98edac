//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Small tracepoint programs for the commonest probes, beside the general
 * lt_tracepoint of collector.bpf.c:
 *   lt_tracepoint_plain  events go to a Lua callback, with no captured
 *                        fields, conditions, maps, stamps or stacks
 *                        (Spec.Plain in Go);
 *   lt_tracepoint_agg    events only update maps, keyed and valued from
 *                        the record header (Spec.HeaderAggs), the path on
 *                        which the general program builds no record;
 *   lt_tracepoint_agg_stacks  the same where a key holds a stack: only it
 *                        uses agg_stacks, whose creation alone took
 *                        longer than the rest of a map.count{key="comm"}
 *                        startup.
 * Each does what lt_collect_as does for such a spec and shares the
 * collector's maps, but they are an object of their own: a few hundred
 * (plain) or a third of the general program's instructions verify in a
 * fraction of its time, and reading this small object and loading them
 * needs no kernel BTF (bpf_get_current_comm, not the BTF task pointer),
 * so a script that asks no more starts without paying for either. The
 * pid filter is the traced process alone: following its children needs
 * traced_tgids, which these leave out.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collector.h"
#include "maps.bpf.h"
#include "context.bpf.h"
#include "record.bpf.h"
#include "operand.bpf.h"
#include "stack.bpf.h"
#include "agg.bpf.h"
#include "filter.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * What both programs do first: find the probe's spec and stats, count the
 * hit and apply the tier-1 filters, as lt_collect_as does. comm is read
 * when the spec uses it. NULL: the event goes no further.
 */
static __always_inline struct lt_spec *lt_small_start(void *ctx, __u32 id, struct lt_stats **stp, char *comm)
{
	__u32 idx = LT_PROBE_SLOT(id);
	if (idx == 0)
		return NULL;
	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	struct lt_stats *st = bpf_map_lookup_elem(&probe_stats, &idx);
	if (!spec || !st || !(spec->flags & LT_SPEC_ACTIVE))
		return NULL;
	st->hits++;
	if ((spec->flags & LT_SPEC_FILTER_TGID) && (bpf_get_current_pid_tgid() >> 32) != spec->filter_tgid) {
		st->filtered++;
		return NULL;
	}
	if (spec->flags & (LT_SPEC_FILTER_COMM | LT_SPEC_EMIT | LT_SPEC_COMM))
		bpf_get_current_comm(comm, 16);
	if ((spec->flags & LT_SPEC_FILTER_COMM) &&
	    lt_comm_equal(comm, spec->filter_comm) == !!(spec->flags & LT_SPEC_COMM_NOT)) {
		st->filtered++;
		return NULL;
	}
	*stp = st;
	return spec;
}

SEC("tracepoint")
int lt_tracepoint_plain(void *ctx)
{
	__u32 id = lt_probe_id(ctx);
	struct lt_stats *st;
	char comm[16] = {};
	struct lt_spec *spec = lt_small_start(ctx, id, &st, comm);
	if (!spec || !(spec->flags & LT_SPEC_EMIT))
		return 0;

	__u32 cpu = bpf_get_smp_processor_id();
	struct lt_scratch *slot = lt_claim_slot(cpu, st);
	if (!slot)
		return 0;

	struct lt_header *hdr = (struct lt_header *)slot->buf;
	lt_fill_header(hdr, id, cpu, comm);
	hdr->nargs = 0;
	hdr->retval = 0;
	hdr->ip = 0;
	hdr->duration = 0;

	__u32 payload = spec->tp_data;
	if (payload > LT_MAX_TP_DATA)
		payload = LT_MAX_TP_DATA;
	if (payload > 0 && bpf_probe_read_kernel(slot->buf + sizeof(*hdr), payload, ctx))
		payload = 0;
	hdr->payload = payload;
	__u32 size = sizeof(*hdr) + payload;
	hdr->size = size;
	/* Never wake the reader, as in lt_collect_as. */
	if (bpf_ringbuf_output(&events, slot->buf, size, BPF_RB_NO_WAKEUP))
		st->lost++;
	*(volatile __u32 *)&slot->busy = 0;
	return 0;
}

/* No record: keys and values come from the header (lt_collect_as's early
 * path). stacks is a constant (lt_aggregate). */
static __always_inline int lt_tracepoint_agg_as(void *ctx, const int stacks)
{
	__u32 id = lt_probe_id(ctx);
	struct lt_stats *st;
	char comm[16] = {};
	struct lt_spec *spec = lt_small_start(ctx, id, &st, comm);
	if (!spec)
		return 0;
	struct lt_eval ev = {.cpu = bpf_get_smp_processor_id(), .probe = id};
	lt_aggregate(ctx, spec, &ev, comm, 0, 0, stacks);
	return 0;
}

SEC("tracepoint")
int lt_tracepoint_agg(void *ctx)
{
	return lt_tracepoint_agg_as(ctx, 0);
}

SEC("tracepoint")
int lt_tracepoint_agg_stacks(void *ctx)
{
	return lt_tracepoint_agg_as(ctx, 1);
}
