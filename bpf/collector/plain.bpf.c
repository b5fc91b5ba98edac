//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The plain tracepoint program: the collector for the commonest probe, a
 * tracepoint whose events go to a Lua callback with no captured fields,
 * kernel-side conditions, maps, stamps or stacks (Spec.Plain in Go). It
 * builds the same record lt_tracepoint builds for such a spec and shares
 * the collector's maps (only four of them: events, probe_specs,
 * probe_stats, scratch), but is an object of its own: its few hundred
 * instructions verify in a fraction of the general program's time, and
 * reading this small object and loading it needs no kernel BTF, so a
 * script that asks no more starts without paying for either.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collector.h"
#include "maps.bpf.h"
#include "context.bpf.h"
#include "filter.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tracepoint")
int lt_tracepoint_plain(void *ctx)
{
	__u32 id = lt_probe_id(ctx);
	__u32 idx = LT_PROBE_SLOT(id);
	if (idx == 0)
		return 0;
	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	struct lt_stats *st = bpf_map_lookup_elem(&probe_stats, &idx);
	if (!spec || !st || !(spec->flags & LT_SPEC_ACTIVE))
		return 0;
	st->hits++;
	/* The pid filter without following (Spec.Plain): following needs
	 * traced_tgids, a map this program is kept clear of. */
	if ((spec->flags & LT_SPEC_FILTER_TGID) && (bpf_get_current_pid_tgid() >> 32) != spec->filter_tgid) {
		st->filtered++;
		return 0;
	}
	if (!(spec->flags & LT_SPEC_EMIT) && !(spec->flags & LT_SPEC_FILTER_COMM))
		return 0;
	/* bpf_get_current_comm, not the BTF task pointer: CO-RE would need
	 * the kernel's BTF, the cost this program exists to avoid. */
	char comm[16] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	if ((spec->flags & LT_SPEC_FILTER_COMM) &&
	    lt_comm_equal(comm, spec->filter_comm) == !!(spec->flags & LT_SPEC_COMM_NOT)) {
		st->filtered++;
		return 0;
	}
	if (!(spec->flags & LT_SPEC_EMIT))
		return 0;

	__u32 cpu = bpf_get_smp_processor_id();
	struct lt_scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
	if (!slot)
		return 0;
	/* The nesting guard of lt_collect_as: the slot is shared with it. */
	if (*(volatile __u32 *)&slot->busy) {
		st->nested++;
		return 0;
	}
	*(volatile __u32 *)&slot->busy = 1;

	struct lt_header *hdr = (struct lt_header *)slot->buf;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	hdr->probe_id = id;
	hdr->ts = bpf_ktime_get_ns();
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->uid = (__u32)uid_gid;
	hdr->gid = uid_gid >> 32;
	hdr->cpu = cpu;
	hdr->nargs = 0;
	hdr->retval = 0;
	hdr->ip = 0;
	hdr->duration = 0;
	__builtin_memcpy(hdr->comm, comm, sizeof(comm));

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
