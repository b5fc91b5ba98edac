//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The generic collector. One entry program per context type normalises its
 * context (registers, tracepoint record, BTF argument array, perf sample) and
 * calls lt_collect(), which looks up the probe's spec, applies the tier-1
 * filters, builds the record in a per-CPU scratch slot and sends it with one
 * exact-size ring-buffer write. Nothing here is specific to a probe: what to
 * capture arrives as data in the specs map.
 *
 * Each job has a header of its own:
 *   collector.h      the layout shared with Go (specs, records, limits)
 *   maps.bpf.h       every map
 *   bounds.bpf.h     masks the verifier keeps
 *   context.bpf.h    what an entry program knows: probe id, arguments, task
 *   operand.bpf.h    the values filters, ops and keys are made of
 *   key.bpf.h        key parts, of map keys and of what stamps save
 *   fetch.bpf.h      captured fields (fetch programs)
 *   stamp.bpf.h      per-key timestamps: stamp and since()
 *   calc.bpf.h       computed values
 *   filter.bpf.h     the two filter tiers
 *   stack.bpf.h      stacks in records and as keys
 *   agg.bpf.h        in-kernel aggregation and its key writer
 *   pairing.bpf.h    entry/return pairing
 *   follow.bpf.h     the traced process's descendants, for the pid filter
 *   seen.bpf.h       processes first seen, announced for symbolization
 *   syscalls.bpf.h   the syscalls tracepoints served from raw_syscalls
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "collector.h"
#include "maps.bpf.h"
#include "bounds.bpf.h"
#include "context.bpf.h"
#include "record.bpf.h"
#include "operand.bpf.h"
#include "fetch.bpf.h"
#include "stamp.bpf.h"
#include "calc.bpf.h"
#include "filter.bpf.h"
#include "stack.bpf.h"
#include "agg.bpf.h"
#include "pairing.bpf.h"
#include "syscalls.bpf.h"
#include "follow.bpf.h"
#include "seen.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Never called, so never loaded: its parameter keeps in the object's BTF
 * the shared types that no map or program names, for bpf2go to generate
 * (-type in gen.go). clang leaves unused types out of BTF otherwise.
 */
struct lt_layout {
	struct lt_header header;
	struct lt_field_header field;
	enum lt_probe_limits probe_limits;
	enum lt_fetch_limits fetch_limits;
	enum lt_fetch_source fetch_source;
	enum lt_op op;
	enum lt_field_status field_status;
	enum lt_operand operand;
	enum lt_filter_limits filter_limits;
	enum lt_cmp cmp;
	enum lt_clause_flags clause_flags;
	enum lt_calc_limits calc_limits;
	enum lt_op_code op_code;
	enum lt_opf opf;
	enum lt_agg_limits agg_limits;
	enum lt_stack_key stack_key;
	enum lt_key_kind key_kind;
	enum lt_agg_kind agg_kind;
	enum lt_spec_flags spec_flags;
	enum lt_mem_limits mem_limits;
	enum lt_stamp_limits stamp_limits;
	struct lt_stamp_counts stamp_counts;
	enum lt_follow_limits follow_limits;
	enum lt_usample_limits usample_limits;
	enum lt_seen_limits seen_limits;
};

__attribute__((noinline)) int lt_layout(struct lt_layout *l)
{
	return 0;
}

/*
 * The collector proper, shared by every entry program: look up the spec,
 * filter on identity and header values, then either aggregate from the
 * header alone, or build the record (arguments, payload, fields, computed
 * values), filter on captured values, aggregate, append stacks and send it.
 */
static __always_inline int lt_collect_as(void *ctx, struct lt_source *src, __u32 id)
{
	__u32 idx = LT_PROBE_SLOT(id);
	if (idx == 0)
		return 0;

	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	struct lt_stats *st = bpf_map_lookup_elem(&probe_stats, &idx);
	if (!spec || !st || !(spec->flags & LT_SPEC_ACTIVE))
		return 0;
	st->hits++;

	/* Tier 1: cheap identity filters before any memory is read. */
	if ((spec->flags & LT_SPEC_FILTER_TGID) && !lt_task_traced(spec, src)) {
		st->filtered++;
		return 0;
	}
	char comm[16] = {};
	if (spec->flags & (LT_SPEC_FILTER_COMM | LT_SPEC_EMIT | LT_SPEC_COMM))
		lt_current_comm(comm);
	if ((spec->flags & LT_SPEC_FILTER_COMM) &&
	    lt_comm_equal(comm, spec->filter_comm) == !!(spec->flags & LT_SPEC_COMM_NOT)) {
		st->filtered++;
		return 0;
	}
	struct lt_eval ev = {.cpu = bpf_get_smp_processor_id(), .retval = src->retval, .probe = id};
	__u32 cpu = ev.cpu;
	if (spec->nclauses && !lt_clauses_hold(spec, 1, &ev)) {
		st->filtered++;
		return 0;
	}
	if (spec->flags & LT_SPEC_SAVE_ENTRY) {
		lt_save_entry(spec, bpf_get_current_pid_tgid(), src);
		return 0;
	}
	int emit = spec->flags & LT_SPEC_EMIT;
	if (!emit && !spec->naggs && !(spec->flags & LT_SPEC_STAMP))
		return 0;
	if (!emit && !spec->nfields && !spec->nops && !(spec->flags & LT_SPEC_PAIRED)) {
		/* Keys and values from the header alone: no record is built. */
		lt_note_process(spec);
		lt_aggregate(ctx, spec, &ev, comm, 0, 0, 1);
		if (spec->flags & LT_SPEC_STAMP)
			lt_stamp(ctx, spec, &ev, comm, 0, 0, st);
		return 0;
	}

	struct lt_scratch *slot = lt_claim_slot(cpu, st);
	if (!slot)
		return 0;

	struct lt_header *hdr = (struct lt_header *)slot->buf;
	__u64 *args = (__u64 *)(slot->buf + sizeof(*hdr));
	__u64 pid_tgid = lt_fill_header(hdr, id, cpu, comm);
	hdr->retval = src->retval;
	hdr->ip = src->ip;

	__u32 nargs = spec->nargs;
	if (nargs > LT_MAX_ARGS)
		nargs = LT_MAX_ARGS;
	if (src->regs) {
		nargs = lt_regs_args(args, src->regs, nargs);
	} else if (src->argv && nargs > 0) {
		if (bpf_probe_read_kernel(args, nargs * sizeof(__u64), src->argv))
			nargs = 0;
	} else {
		nargs = 0;
	}
	hdr->duration = 0;
	if (spec->flags & LT_SPEC_PAIRED)
		nargs = lt_restore_entry(id, pid_tgid, args, hdr);
	hdr->nargs = nargs;

	__u32 size = sizeof(*hdr) + nargs * sizeof(__u64);
	__u32 payload = 0;
	if (src->tp) {
		payload = spec->tp_data;
		if (payload > LT_MAX_TP_DATA)
			payload = LT_MAX_TP_DATA;
		if (payload > 0 && bpf_probe_read_kernel(slot->buf + size, payload, src->tp))
			payload = 0;
	}
	hdr->payload = payload;
	size += payload;
	ev.duration = hdr->duration;
	ev.vals = slot->vals;
	if (spec->nfields || spec->nops) {
		/* Pointers kept as numbers: the functions only hand them to
		 * probe-read helpers. */
		slot->ev.tp = (__u64)src->tp;
		slot->ev.regs = (__u64)src->regs;
		slot->ev.retval = ev.retval;
		slot->ev.duration = ev.duration;
		slot->ev.nargs = nargs;
		slot->ev.cursor = size;
		slot->ev.unmatched = 0;
		__builtin_memcpy(slot->ev.comm, comm, sizeof(comm));
		__u32 n = spec->nfields;
		for (__u32 i = 0; i < LT_MAX_FIELDS; i++) {
			if (i >= n)
				break;
			lt_fetch_field(cpu, idx, i, 0);
		}
		n = spec->nops;
		for (__u32 i = 0; i < LT_MAX_OPS; i++) {
			if (i >= n)
				break;
			lt_calc_op(cpu, idx, i);
		}
		n = spec->flags & LT_SPEC_LATE ? spec->nfields : 0;
		for (__u32 i = 0; i < LT_MAX_FIELDS; i++) {
			if (i >= n)
				break;
			lt_fetch_field(cpu, idx, i, 1);
		}
		size = slot->ev.cursor;
		/* Tier 2 on captured and computed values: a rejected event
		 * never reaches the ring buffer or a map. */
		if (spec->nclauses && !lt_clauses_hold(spec, 0, &ev)) {
			st->filtered++;
			*(volatile __u32 *)&slot->busy = 0;
			return 0;
		}
	}
	/* The stamp is taken even when this event's since() found none:
	 * sched_switch both ends one thread's stint and starts another's. */
	if (spec->flags & LT_SPEC_STAMP)
		lt_stamp(ctx, spec, &ev, comm, slot, slot->at, st);
	if ((spec->nfields || spec->nops) && slot->ev.unmatched) {
		st->filtered++;
		*(volatile __u32 *)&slot->busy = 0;
		return 0;
	}
	lt_note_process(spec);
	if (spec->naggs)
		lt_aggregate(ctx, spec, &ev, comm, slot, slot->at, 1);
	if (!emit) {
		*(volatile __u32 *)&slot->busy = 0;
		return 0;
	}
	if (spec->flags & LT_SPEC_KSTACK)
		size = lt_append_stack(ctx, slot, size, 0, sizeof(__u64));
	if (spec->flags & LT_SPEC_USTACK)
		size = lt_append_stack(ctx, slot, size, BPF_F_USER_STACK, sizeof(__u64));
	if (spec->flags & LT_SPEC_USAMPLE)
		size = lt_append_usample(slot, size, spec->ustack_size);
	if (spec->flags & LT_SPEC_USTACK_BUILDID)
		size = lt_append_stack(ctx, slot, size, BPF_F_USER_STACK | BPF_F_USER_BUILD_ID, sizeof(struct bpf_stack_build_id));
	hdr->size = size;

	/* Never wake the reader: it drains on a timer (see reader.go), and a
	 * wakeup decision would cost a read of ring positions another CPU
	 * keeps writing (measured: ~100 ns per event). */
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (size <= LT_MAX_RECORD && bpf_ringbuf_output(&events, slot->buf, size, flags))
		st->lost++;

	*(volatile __u32 *)&slot->busy = 0;
	return 0;
}

static __always_inline int lt_collect(void *ctx, struct lt_source *src)
{
	return lt_collect_as(ctx, src, lt_probe_id(ctx));
}

SEC("kprobe")
int lt_kprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.regs = ctx};
	return lt_collect(ctx, &src);
}

SEC("kretprobe")
int lt_kretprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.retval = PT_REGS_RC(ctx)};
	return lt_collect(ctx, &src);
}

SEC("uprobe")
int lt_uprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.regs = ctx};
	return lt_collect(ctx, &src);
}

SEC("uretprobe")
int lt_uretprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.retval = PT_REGS_RC(ctx)};
	return lt_collect(ctx, &src);
}

SEC("tracepoint")
int lt_tracepoint(void *ctx)
{
	struct lt_source src = {.tp = ctx};
	return lt_collect(ctx, &src);
}

static __always_inline int lt_syscall(void *ctx, void *ids)
{
	__u32 id = lt_syscall_probe(ctx, ids);
	if (!id)
		return 0;
	struct lt_source src = {.tp = ctx};
	return lt_collect_as(ctx, &src, id);
}

SEC("tracepoint")
int lt_sys_enter(void *ctx)
{
	return lt_syscall(ctx, &sys_enter_ids);
}

SEC("tracepoint")
int lt_sys_exit(void *ctx)
{
	return lt_syscall(ctx, &sys_exit_ids);
}

SEC("raw_tracepoint")
int lt_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	struct lt_source src = {.argv = ctx->args};
	return lt_collect(ctx, &src);
}

SEC("tp_btf")
int lt_tp_btf(__u64 *ctx)
{
	struct lt_source src = {.argv = ctx};
	return lt_collect(ctx, &src);
}

SEC("fentry")
int lt_fentry(__u64 *ctx)
{
	struct lt_source src = {.argv = ctx};
	return lt_collect(ctx, &src);
}

/* nargs is the function's full parameter count here: the return value
 * sits right after the parameters in the trampoline's argument array. */
SEC("fexit")
int lt_fexit(__u64 *ctx)
{
	__u32 idx = LT_PROBE_SLOT(lt_probe_id(ctx));
	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	__u64 ret = 0;
	if (spec) {
		__u32 n = spec->nargs;
		if (n > LT_MAX_ARGS)
			n = LT_MAX_ARGS;
		bpf_probe_read_kernel(&ret, sizeof(ret), ctx + n);
	}
	struct lt_source src = {.argv = ctx, .retval = ret};
	return lt_collect(ctx, &src);
}

SEC("perf_event")
int lt_perf_event(struct bpf_perf_event_data *ctx)
{
	struct lt_source src = {.ip = PT_REGS_IP(&ctx->regs)};
	return lt_collect(ctx, &src);
}

/* Keep traced_tgids current for LT_SPEC_FOLLOW: attached once per run when
 * -p or -c follows descendants (follow.go), never per probe. */
SEC("tp_btf/sched_process_fork")
int lt_follow_fork(__u64 *ctx)
{
	lt_traced_fork((struct task_struct *)ctx[0], (struct task_struct *)ctx[1]);
	return 0;
}

SEC("tp_btf/sched_process_free")
int lt_follow_free(__u64 *ctx)
{
	lt_traced_free((struct task_struct *)ctx[0]);
	return 0;
}

/* Forget an exec'ing process for seen.bpf.h: attached once per run with
 * the first probe that captures user stacks (seen.go). */
SEC("tp_btf/sched_process_exec")
int lt_seen_exec(__u64 *ctx)
{
	lt_forget_process();
	return 0;
}

/*
 * Reads kernel memory for mem.kread/mem.kstr and kernel.object: run on
 * demand through BPF_PROG_TEST_RUN with args {addr, len, as_string}; the
 * bytes and the helper's error land in mem_buf. Never attached.
 */
SEC("raw_tp")
int lt_kread(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	struct lt_mem_buf *b = bpf_map_lookup_elem(&mem_buf, &zero);
	if (!b)
		return 0;
	__u64 addr = ctx->args[0], len = ctx->args[1];
	b->len = 0;
	b->err = -EINVAL;
	if (len == 0 || len > LT_MEM_CHUNK)
		return 0;
	/* The check above may not survive a spill: the mask does. */
	LT_MASK(len, LT_MEM_CHUNK * 2 - 1);
	if (len > LT_MEM_CHUNK)
		return 0;
	if (ctx->args[2]) {
		long n = bpf_probe_read_kernel_str(b->data, len, (const void *)addr);
		b->err = n < 0 ? n : 0;
		b->len = n > 0 ? n - 1 : 0;
	} else {
		b->err = bpf_probe_read_kernel(b->data, len, (const void *)addr);
		b->len = b->err ? 0 : len;
	}
	return 0;
}
