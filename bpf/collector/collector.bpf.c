//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The generic collector. One entry program per context type normalises its
 * context (registers, tracepoint record, BTF argument array, perf sample) and
 * calls lt_collect(), which looks up the probe's spec, applies the tier-1
 * filters, builds the record in a per-CPU scratch slot and sends it with one
 * exact-size ring-buffer write. Nothing here is specific to a probe: what to
 * capture arrives as data in the specs map.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "collector.h"

/* Debian 12's libbpf predates PT_REGS_PARM6. */
#ifndef PT_REGS_PARM6
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6(x) ((x)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6(x) (((const struct user_pt_regs *)(x))->regs[5])
#endif
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Programs attached through perf events (kprobe, uprobe, tracepoint,
 * perf_event) share one loaded program and find their spec through the attach
 * cookie. Programs that are loaded per target anyway (fentry, fexit, tp_btf,
 * raw_tp) get their probe id baked in here at load time; the verifier prunes
 * the cookie branch then, so kernels without cookies for them still load.
 */
const volatile __u32 lt_fixed_probe_id = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct lt_spec);
} probe_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct lt_stats);
} probe_stats SEC(".maps");

/* tracepoint:syscalls:sys_enter_NAME and sys_exit_NAME served from
 * raw_syscalls: a glob over them (720 tracepoints) then costs two
 * attachments instead of 720, and detaching two RCU grace periods instead
 * of 720, each taken under the kernel's event_mutex. These arrays hold, by
 * system call number, the probe id serving each call (0: none). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LT_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} sys_enter_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LT_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} sys_exit_ids SEC(".maps");

/* Paired return probes: call depth per thread, and the entry's arguments
 * per thread and depth, so recursion and concurrent threads pair right. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LT_MAX_ENTRIES);
	__type(key, struct lt_depth_key);
	__type(value, __u32);
} entry_depths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LT_MAX_ENTRIES);
	__type(key, struct lt_entry_key);
	__type(value, struct lt_entry);
} entries SEC(".maps");

/* In-kernel aggregations: Go creates one inner per-CPU hash per script
 * map and stores it at the map's slot in the array for its key size. */
struct lt_agg_small_inner {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__uint(key_size, LT_KEY_SMALL);
	__uint(value_size, sizeof(struct lt_agg_value));
};

struct lt_agg_large_inner {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__uint(key_size, LT_KEY_LARGE);
	__uint(value_size, sizeof(struct lt_agg_value));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, LT_MAX_MAPS);
	__type(key, __u32);
	__array(values, struct lt_agg_small_inner);
} agg_small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, LT_MAX_MAPS);
	__type(key, __u32);
	__array(values, struct lt_agg_large_inner);
} agg_large SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * LT_MAX_MAPS); /* small maps' slots, then large maps' */
	__type(key, __u32);
	__type(value, struct lt_agg_counts);
} agg_counts SEC(".maps");

/* Per-CPU write-back cache in front of small-key maps (see lt_agg_update):
 * LT_CACHE_WAYS slots per map, indexed by map slot and key hash. */
struct lt_agg_cached {
	__u64 key[3];
	struct lt_agg_value v;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_MAX_MAPS << LT_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct lt_agg_cached);
} agg_cache SEC(".maps");

/* mem.kread's result: one run at a time (Go serialises them). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_mem_buf);
} mem_buf SEC(".maps");

/* Where keys are built: they outgrow what the stack has left. */
struct lt_key_buf {
	/* Slack past the key: a masked offset plus a part's width may
	 * reach beyond LT_KEY_LARGE in the verifier's eyes (6.1 loses the
	 * bounds checks across spills). */
	__u8 b[LT_KEY_LARGE + 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_key_buf);
} agg_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LT_MAX_STACK_IDS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LT_MAX_STACK * sizeof(__u64));
} agg_stacks SEC(".maps");

/* What the field and op functions need of the event being built besides
 * its spec: global functions take scalars only (5.10), so it travels here. */
struct lt_pending {
	__u64 tp;   /* the tracepoint record's address, else 0 */
	__u64 regs; /* the pt_regs' address (kprobe, uprobe, perf_event), else 0 */
	__u64 retval;
	__u64 duration;
	__u32 nargs;
	__u32 cursor; /* where the next field goes in buf */
	char comm[16];
};

/*
 * Records are built here rather than on the 512-byte stack. A plain array
 * indexed by CPU (max_entries set to the number of possible CPUs at load)
 * because per-CPU values are capped at 32 KiB and records reach 64 KiB.
 */
struct lt_scratch {
	__u32 busy; /* nesting guard: a probe firing inside another on this CPU */
	__u32 _pad;
	struct lt_pending ev;
	/* An event's captured and computed values, and where each field's
	 * header sits in buf. */
	__u64 vals[LT_MAX_VALS];
	__u32 at[LT_MAX_FIELDS];
	/* Slack past the record: the masked field offset plus a masked
	 * length may reach beyond LT_MAX_RECORD in the verifier's eyes. */
	__u8 buf[LT_MAX_RECORD + 256];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_scratch);
} scratch SEC(".maps");

/* Where an entry program found its arguments. */
struct lt_source {
	__u32 kind;
	struct pt_regs *regs; /* kprobe, uprobe, perf_event */
	const __u64 *argv;    /* fentry, fexit, tp_btf, raw_tp */
	const void *tp;       /* tracepoint record */
	__u64 retval;
	__u64 ip;
};

static __always_inline __u32 lt_probe_id(void *ctx)
{
	if (lt_fixed_probe_id)
		return lt_fixed_probe_id;
	return (__u32)bpf_get_attach_cookie(ctx);
}

/* Only the fields luatrace reads; CO-RE finds their offsets in kernel
 * BTF. */
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	char comm[16];
} __attribute__((preserve_access_index));

/* Set by the loader when the kernel has bpf_get_current_task_btf (5.11+). */
const volatile __u32 lt_have_task_btf = 0;

/* The current task's command: two loads through the BTF task pointer,
 * several times cheaper than bpf_get_current_comm's string copy, which
 * older kernels fall back to. The kernel keeps comm NUL-padded, so the
 * bytes are the same. */
static __always_inline void lt_current_comm(char *dst)
{
	if (!lt_have_task_btf) {
		bpf_get_current_comm(dst, 16);
		return;
	}
	struct task_struct *t = bpf_get_current_task_btf();
	const __u64 *src = (const __u64 *)t->comm;
	((__u64 *)dst)[0] = src[0];
	((__u64 *)dst)[1] = src[1];
}

static __always_inline int lt_comm_equal(const char *a, const char *b)
{
#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (a[i] != b[i])
			return 0;
		if (a[i] == 0)
			return 1;
	}
	return 1;
}

/* Copies up to six register arguments; the rest live on the stack. */
static __always_inline __u32 lt_regs_args(__u64 *dst, struct pt_regs *regs, __u32 n)
{
	if (n > 6)
		n = 6;
	if (n > 0)
		dst[0] = PT_REGS_PARM1(regs);
	if (n > 1)
		dst[1] = PT_REGS_PARM2(regs);
	if (n > 2)
		dst[2] = PT_REGS_PARM3(regs);
	if (n > 3)
		dst[3] = PT_REGS_PARM4(regs);
	if (n > 4)
		dst[4] = PT_REGS_PARM5(regs);
	if (n > 5)
		dst[5] = PT_REGS_PARM6(regs);
	return n;
}

/*
 * Bounds a length right where a helper uses it. A plain comparison is not
 * enough: clang may spill the value before the check and reload the
 * unchecked copy, and older verifiers (6.1) do not carry the bound over to
 * the spilled copy. An asm mask cannot be moved or dropped.
 */
#define LT_BOUND(v) asm volatile("%[x] &= %[m]" : [x] "+r"(v) : [m] "i"(LT_FIELD_CURSOR_MASK))

static __always_inline long lt_read(void *dst, __u64 len, __u64 addr, int user)
{
	LT_BOUND(len);
	if (user)
		return bpf_probe_read_user(dst, len, (const void *)addr);
	return bpf_probe_read_kernel(dst, len, (const void *)addr);
}

static __always_inline long lt_read_str(void *dst, __u64 len, __u64 addr, int user)
{
	LT_BOUND(len);
	if (user)
		return bpf_probe_read_user_str(dst, len, (const void *)addr);
	return bpf_probe_read_kernel_str(dst, len, (const void *)addr);
}

/* An event's values as operands see them. vals (captured fields, then
 * computed slots) is null when nothing was fetched. */
struct lt_eval {
	__u64 retval;
	__u64 duration;
	__u64 *vals;
	__u32 cpu;
	__u32 _pad;
};

/* Cuts a value to size bytes, sign-extending when asked. */
static __always_inline __u64 lt_narrow(__u64 v, __u32 size, int sign)
{
	if (size > 0 && size < 8) {
		/* Registers and trampoline slots leave a narrow value's upper
		 * bits undefined. */
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

/* The operands' view of the event in a CPU's scratch slot. */
static __always_inline struct lt_eval lt_slot_eval(struct lt_scratch *slot, __u32 cpu)
{
	struct lt_eval ev = {.retval = slot->ev.retval, .duration = slot->ev.duration, .vals = slot->vals, .cpu = cpu};
	return ev;
}

/*
 * Runs fetch program i of the spec in slot idx and appends its field at the
 * cursor in CPU cpu's scratch slot. A global function, so the verifier
 * checks it once, on its own, rather than once per field and path of the
 * caller (an inline loop exceeds the 1M-instruction limit on 6.1), and
 * unlike a bpf_loop callback (5.17+) it loads on 5.10. Every write goes to
 * buf[cursor & LT_FIELD_CURSOR_MASK] with a length bounded by the same
 * mask, which keeps it inside the scratch buffer.
 */
__attribute__((noinline)) int lt_fetch_field(__u32 cpu, __u32 idx, __u32 i)
{
	struct lt_scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	if (!slot || !spec)
		return 1;
	i &= LT_MAX_FIELDS - 1;
	struct lt_fetch *f = &spec->fields[i];
	__u32 cursor = slot->ev.cursor;
	if (cursor > LT_FIELD_CURSOR_MASK)
		return 1; /* record full: later fields come out missing */
	__u32 at = cursor & LT_FIELD_CURSOR_MASK;
	slot->at[i] = at;
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + at);
	__u8 *data = slot->buf + at + sizeof(*fh);
	const __u64 *args = (const __u64 *)(slot->buf + sizeof(struct lt_header));

	long err = 0;
	__u64 v = 0;
	__u32 a = f->index;
	switch (f->source) {
	case LT_SRC_ARG:
		/* The mask alone keeps the read inside the scratch buffer. */
		if (a < slot->ev.nargs)
			v = args[a & 15];
		else
			err = -1;
		break;
	case LT_SRC_RETVAL:
		v = slot->ev.retval;
		break;
	case LT_SRC_TP:
		if (slot->ev.tp)
			err = bpf_probe_read_kernel(&v, sizeof(v), (const void *)(slot->ev.tp + f->tp_offset));
		else
			err = -1;
		if (f->tp_size < 8)
			v &= (1ULL << ((f->tp_size & 7) * 8)) - 1;
		break;
	case LT_SRC_FIELD:
		v = slot->vals[a & (LT_MAX_FIELDS - 1)];
		break;
	case LT_SRC_CURTASK:
		v = bpf_get_current_task();
		break;
	case LT_SRC_CGROUP:
		v = bpf_get_current_cgroup_id();
		break;
	case LT_SRC_REG:
		/* A helper read: the verifier refuses ctx loads at a variable offset. */
		if (slot->ev.regs && f->tp_offset <= sizeof(struct pt_regs) - sizeof(v))
			err = bpf_probe_read_kernel(&v, sizeof(v), (const void *)(slot->ev.regs + (f->tp_offset & 0xff)));
		else
			err = -1;
		break;
	}
	/* Offsets are indexed by the loop counter only: an index loaded from
	 * the spec would need bounds older verifiers lose. */
	__u32 nderef = f->nderef;
	__u64 addr = 0;
	for (__u32 d = 0; d <= LT_MAX_DEREFS; d++) {
		addr = v + (__s64)f->offsets[d];
		if (d >= nderef || err)
			break;
		v = 0;
		err = lt_read(&v, sizeof(v), addr, f->user & (1u << d));
	}
	if (nderef > LT_MAX_DEREFS)
		err = -1;

	__u8 status = LT_FIELD_OK;
	__u64 len = 0;
	int user = f->user & (1u << (nderef & 7));
	if (err) {
		status = LT_FIELD_FAULT;
	} else if (f->op == LT_OP_VALUE || f->op == LT_OP_READ) {
		__u64 val = addr;
		if (f->op == LT_OP_READ) {
			__u64 sz = f->size;
			val = 0;
			if (sz == 0 || sz > 8 || lt_read(&val, sz & 15, addr, user))
				status = LT_FIELD_FAULT;
		}
		slot->vals[i] = val;
		__builtin_memcpy(data, &val, sizeof(val));
		len = sizeof(val);
	} else {
		__u64 max = f->max_len;
		if (max > LT_MAX_FIELD_BYTES)
			max = LT_MAX_FIELD_BYTES;
		if (f->op == LT_OP_STR) {
			long n = max ? lt_read_str(data, max, addr, user) : 0;
			if (n < 0) {
				status = LT_FIELD_FAULT;
			} else if (n > 0) {
				len = n - 1; /* without the NUL */
				if ((__u64)n >= max)
					status = LT_FIELD_TRUNCATED;
			}
		} else {
			__u64 want = max;
			if (f->len_field != LT_LEN_MAX)
				want = slot->vals[f->len_field & (LT_MAX_FIELDS - 1)];
			if ((__s64)want < 0)
				want = 0;
			if (want > max) {
				want = max;
				status = LT_FIELD_TRUNCATED;
			}
			len = want;
			if (len > 0 && lt_read(data, len, addr, user)) {
				status = LT_FIELD_FAULT;
				len = 0;
			}
			slot->vals[i] = len;
		}
	}
	len &= LT_FIELD_CURSOR_MASK;
	fh->len = len;
	fh->status = status;
	fh->_pad = 0;
	slot->ev.cursor = cursor + sizeof(*fh) + ((len + 3) & ~3u);
	return 0;
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

/*
 * String equality for filters: a captured str() field (its bytes in the
 * record, length without the NUL) or the task command against one of the
 * spec's constant strings.
 */
static __always_inline __u64 lt_str_equal(struct lt_scratch *slot, struct lt_spec *spec, struct lt_calc *o)
{
	const char *want = spec->strs[o->imm & 1];
	__u32 n = (o->imm >> 8) & (LT_STR_LEN - 1);
	if (o->a == LT_OPND_COMM) {
		const char *comm = slot->ev.comm;
		if (n > 15)
			return 0;
		for (__u32 i = 0; i < 16; i++) {
			char w = i < n ? want[i] : 0;
			if (comm[i] != w)
				return 0;
			if (i >= n)
				break;
		}
		return 1;
	}
	__u32 fat = slot->at[o->a & (LT_MAX_FIELDS - 1)] & LT_FIELD_CURSOR_MASK;
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + fat);
	if (fh->status != LT_FIELD_OK || fh->len != n)
		return 0;
	const char *have = (const char *)(slot->buf + fat + sizeof(*fh));
	for (__u32 i = 0; i < LT_STR_LEN; i++) {
		if (i >= n)
			break;
		if (have[i] != want[i])
			return 0;
	}
	return 1;
}

/*
 * Runs op i of the spec in slot idx: a global function like lt_fetch_field,
 * checked once by the verifier however many ops a probe has.
 */
__attribute__((noinline)) int lt_calc_op(__u32 cpu, __u32 idx, __u32 i)
{
	struct lt_scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	if (!slot || !spec)
		return 1;
	struct lt_eval ev = lt_slot_eval(slot, cpu);
	struct lt_calc *o = &spec->ops[i & (LT_MAX_OPS - 1)];
	__u64 a = lt_narrow(lt_operand(&ev, o->a, o->imm), o->a_size, o->flags & LT_OPF_A_SIGNED);
	__u64 b = lt_narrow(lt_operand(&ev, o->b, o->imm), o->b_size, o->flags & LT_OPF_B_SIGNED);
	int sign = o->flags & LT_OPF_SIGNED;
	__u64 r = 0;
	switch (o->code) {
	case LT_OPC_ADD:
		r = a + b;
		break;
	case LT_OPC_SUB:
		r = a - b;
		break;
	case LT_OPC_MUL:
		r = a * b;
		break;
	case LT_OPC_DIV:
		/* BPF division by zero gives 0 rather than trapping. */
		if (sign) {
			__u64 na = (__s64)a < 0 ? -a : a, nb = (__s64)b < 0 ? -b : b;
			r = nb ? na / nb : 0;
			if (((__s64)a < 0) != ((__s64)b < 0))
				r = -r;
		} else {
			r = b ? a / b : 0;
		}
		break;
	case LT_OPC_MOD:
		if (sign) {
			__u64 na = (__s64)a < 0 ? -a : a, nb = (__s64)b < 0 ? -b : b;
			r = nb ? na % nb : 0;
			if ((__s64)a < 0)
				r = -r;
		} else {
			r = b ? a % b : 0;
		}
		break;
	case LT_OPC_AND:
		r = a & b;
		break;
	case LT_OPC_OR:
		r = a | b;
		break;
	case LT_OPC_XOR:
		r = a ^ b;
		break;
	case LT_OPC_SHL:
		r = a << (b & 63);
		break;
	case LT_OPC_SHR:
		r = sign ? (__u64)((__s64)a >> (b & 63)) : a >> (b & 63);
		break;
	case LT_OPC_EQ ... LT_OPC_GE:
		r = lt_compare(o->code - LT_OPC_EQ, a, b, sign);
		break;
	case LT_OPC_LAND:
		r = a && b;
		break;
	case LT_OPC_LOR:
		r = a || b;
		break;
	case LT_OPC_NOT:
		r = !a;
		break;
	case LT_OPC_BNOT:
		r = ~a;
		break;
	case LT_OPC_NEG:
		r = -a;
		break;
	case LT_OPC_STREQ:
		r = lt_str_equal(slot, spec, o);
		break;
	}
	slot->vals[((o->dst & (LT_MAX_OPS - 1)) + LT_MAX_FIELDS) & (LT_MAX_VALS - 1)] = r;
	return 0;
}

/* Known before anything is fetched. */
static __always_inline int lt_header_operand(__u8 op)
{
	return op >= LT_OPND_PID && op <= LT_OPND_CGROUP;
}

/*
 * Checks the spec's clauses: the event passes when all clauses of some
 * group hold. The header tier (before anything is fetched) treats other
 * clauses as holding, so it only rejects what no group can accept; the
 * value tier (after the fetch and ops) checks everything.
 */
static __always_inline int lt_clauses_hold(struct lt_spec *spec, int header, const struct lt_eval *ev)
{
	__u32 n = spec->nclauses;
	__u32 present = 0, failed = 0;
	for (__u32 i = 0; i < LT_MAX_CLAUSES; i++) {
		if (i >= n)
			break;
		struct lt_clause *cl = &spec->clauses[i];
		__u32 bit = 1u << (cl->group & (LT_MAX_CLAUSES - 1));
		present |= bit;
		if (header && !lt_header_operand(cl->operand))
			continue;
		int sign = cl->flags & LT_CLAUSE_SIGNED;
		__u64 v = lt_narrow(lt_operand(ev, cl->operand, 0), cl->size, sign);
		if (!lt_compare(cl->cmp, v, cl->value, sign))
			failed |= bit;
	}
	return present == 0 || (present & ~failed) != 0;
}

/* Log2 histogram bucket: 0 for negatives, 1 for 0, then 2 + floor(log2 v). */
static __always_inline __u64 lt_log2_bucket(__s64 v)
{
	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	__u64 n = v, b = 2;
	if (n >> 32) {
		n >>= 32;
		b += 32;
	}
	if (n >> 16) {
		n >>= 16;
		b += 16;
	}
	if (n >> 8) {
		n >>= 8;
		b += 8;
	}
	if (n >> 4) {
		n >>= 4;
		b += 4;
	}
	if (n >> 2) {
		n >>= 2;
		b += 2;
	}
	if (n >> 1)
		b += 1;
	return b;
}

/* Linear histogram bucket: 0 below lmin, then one per step, the last one
 * at and above lmax. */
static __always_inline __u64 lt_linear_bucket(struct lt_agg *a, __s64 v)
{
	if (a->lstep <= 0)
		return 0;
	if (v < a->lmin)
		return 0;
	if (v >= a->lmax)
		return (__u64)(a->lmax - a->lmin) / (__u64)a->lstep + 1;
	return (__u64)(v - a->lmin) / (__u64)a->lstep + 1;
}

static __always_inline void lt_agg_lost(struct lt_agg *a, __u64 n)
{
	__u32 k = a->map + (a->large ? LT_MAX_MAPS : 0);
	struct lt_agg_counts *cnt = bpf_map_lookup_elem(&agg_counts, &k);
	if (cnt)
		cnt->lost += n;
}

/* Adds add to key's aggregate in a's map (this CPU's share). */
static __always_inline void lt_agg_store(struct lt_agg *a, void *outer, const void *key, const struct lt_agg_value *add)
{
	__u32 idx = a->map;
	void *inner = bpf_map_lookup_elem(outer, &idx);
	if (!inner)
		return;
	for (int tries = 0; tries < 2; tries++) {
		struct lt_agg_value *v = bpf_map_lookup_elem(inner, key);
		if (v) {
			/* This CPU's share: no other CPU writes it. */
			v->count += add->count;
			v->sum += add->sum;
			if (add->min < v->min)
				v->min = add->min;
			if (add->max > v->max)
				v->max = add->max;
			return;
		}
		long err = bpf_map_update_elem(inner, key, add, BPF_NOEXIST);
		if (err == 0)
			return;
		if (err != -17) { /* EEXIST: another CPU added the key first; look again */
			lt_agg_lost(a, add->count);
			return;
		}
	}
}

/*
 * A stack as a map key: its id in agg_stacks, with the process id in the
 * upper half for user stacks (Go symbolizes them in that process). A stack
 * with no frames (a user stack in a kernel thread, a kernel stack of a
 * sample taken in user mode) is a key of its own, LT_STACK_EMPTY, as in
 * bpftrace; only a stack that could not be stored is lost.
 */
static __always_inline __u64 lt_stack_key(void *ctx, __u8 kind, const struct lt_eval *ev)
{
	long id = bpf_get_stackid(ctx, &agg_stacks, kind == LT_KEY_USTACK ? BPF_F_USER_STACK : 0);
	if (id == -14) /* EFAULT: no frames */
		id = LT_STACK_EMPTY;
	else if (id < 0)
		return LT_STACK_LOST;
	if (kind == LT_KEY_USTACK)
		return (__u32)id | (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL);
	return (__u32)id;
}

/* The value an aggregation adds: 1 for counts. */
static __always_inline __s64 lt_agg_value_of(struct lt_agg *a, const struct lt_eval *ev)
{
	if (a->value == LT_OPND_ONE)
		return 1;
	return lt_narrow(lt_operand(ev, a->value, 0), a->value_size, a->value_flags & LT_OPF_A_SIGNED);
}

static __always_inline __u64 lt_agg_bucket(struct lt_agg *a, __s64 x)
{
	if (a->kind == LT_AGG_HIST)
		return lt_log2_bucket(x);
	if (a->kind == LT_AGG_LHIST)
		return lt_linear_bucket(a, x);
	return 0;
}

/*
 * Small keys (two words and the bucket) are built in registers and go
 * through a per-CPU direct-mapped cache: a hit is an array slot and three
 * compares, where the hash costs helper calls, a jhash and a memcmp
 * (measured: the hash was most of a count's cost). A miss writes the
 * slot's previous key back to the hash; Go reads both.
 */
static __always_inline void lt_agg_small(void *ctx, struct lt_agg *a, const struct lt_eval *ev, const char *comm,
					 struct lt_scratch *slot, const __u32 *at)
{
	__u64 kw[2] = {0, 0};
	__u32 nparts = a->nparts;
	for (__u32 j = 0; j < 2; j++) {
		if (j >= nparts)
			break;
		struct lt_key_part *p = &a->parts[j];
		__u32 w = (p->offset >> 3) & 1;
		switch (p->kind) {
		case LT_KEY_VALUE:
			kw[w] = lt_narrow(lt_operand(ev, p->operand, 0), p->size, p->flags & LT_OPF_A_SIGNED);
			break;
		case LT_KEY_COMM: /* 16 bytes: the whole small key */
			if (comm) {
				kw[0] = ((const __u64 *)comm)[0];
				kw[1] = ((const __u64 *)comm)[1];
			}
			break;
		case LT_KEY_BYTES: {
			if (!slot || !at)
				break;
			__u32 fat = at[p->operand & (LT_MAX_FIELDS - 1)] & LT_FIELD_CURSOR_MASK;
			struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + fat);
			__u64 tmp[2] = {0, 0};
			__u32 len = fh->len;
			if (len > p->size)
				len = p->size;
			if (len > 16 - w * 8)
				len = 16 - w * 8;
			if (len > 0)
				bpf_probe_read_kernel(tmp, len & 15 ? len & 15 : 16, slot->buf + fat + sizeof(*fh));
			kw[w] = tmp[0];
			if (!w && len > 8)
				kw[1] = tmp[1];
			break;
		}
		case LT_KEY_KSTACK:
		case LT_KEY_USTACK: {
			kw[w] = lt_stack_key(ctx, p->kind, ev);
			if (kw[w] == LT_STACK_LOST) {
				lt_agg_lost(a, 1);
				return;
			}
			break;
		}
		}
	}
	__s64 x = lt_agg_value_of(a, ev);
	__u64 k0 = kw[0], k1 = kw[1], k2 = lt_agg_bucket(a, x);
	__u64 h = (k0 ^ (k1 * 0x9e3779b97f4a7c15ULL) ^ k2) * 0xbf58476d1ce4e5b9ULL;
	__u32 ci = ((__u32)a->map << LT_CACHE_BITS) | (__u32)(h >> (64 - LT_CACHE_BITS));
	struct lt_agg_cached *c = bpf_map_lookup_elem(&agg_cache, &ci);
	if (!c)
		return;
	if (c->v.count && c->key[0] == k0 && c->key[1] == k1 && c->key[2] == k2) {
		c->v.count++;
		c->v.sum += x;
		if (a->value == LT_OPND_ONE)
			return;
		if (x < c->v.min)
			c->v.min = x;
		if (x > c->v.max)
			c->v.max = x;
		return;
	}
	if (c->v.count)
		lt_agg_store(a, &agg_small, c->key, &c->v);
	c->key[0] = k0;
	c->key[1] = k1;
	c->key[2] = k2;
	c->v.count = 1;
	c->v.sum = x;
	c->v.min = x;
	c->v.max = x;
}

/*
 * Large keys are built in a per-CPU buffer (they outgrow the stack left)
 * at the offsets Go laid out, every write bounds-checked, and go straight
 * to the hash.
 */
static __always_inline void lt_agg_large(void *ctx, struct lt_agg *a, const struct lt_eval *ev, const char *comm,
					 struct lt_scratch *slot, const __u32 *at)
{
	const __u32 key_size = LT_KEY_LARGE;
	__u32 zero = 0;
	struct lt_key_buf *kb = bpf_map_lookup_elem(&agg_keys, &zero);
	if (!kb)
		return;
	__u8 *key = kb->b;
	__builtin_memset(key, 0, key_size);
	__u32 nparts = a->nparts;
	for (__u32 j = 0; j < LT_MAX_KEY_PARTS; j++) {
		if (j >= nparts)
			break;
		struct lt_key_part *p = &a->parts[j];
		__u32 off = p->offset;
		switch (p->kind) {
		case LT_KEY_VALUE: {
			__u64 v = lt_narrow(lt_operand(ev, p->operand, 0), p->size, p->flags & LT_OPF_A_SIGNED);
			if (off <= key_size - 16)
				__builtin_memcpy(key + (off & (LT_KEY_LARGE - 1)), &v, sizeof(v));
			break;
		}
		case LT_KEY_COMM:
			if (comm && off <= key_size - 24)
				__builtin_memcpy(key + (off & (LT_KEY_LARGE - 1)), comm, 16);
			break;
		case LT_KEY_BYTES: {
			if (!slot || !at)
				break;
			__u32 fat = at[p->operand & (LT_MAX_FIELDS - 1)] & LT_FIELD_CURSOR_MASK;
			struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + fat);
			__u32 len = fh->len, width = p->size;
			if (len > width)
				len = width;
			if (len > 64 || off > LT_KEY_LARGE - 8 - 64 || off + len > key_size - 8)
				break;
			/* Masks the verifier keeps across spills (6.1 loses the
			 * comparisons above): off <= 63, len <= 63 or exactly 64. */
			__u64 o = off, n = len;
			asm volatile("%[x] &= 63" : [x] "+r"(o));
			if (n > 0) {
				n = n == 64 ? 64 : n;
				asm volatile("%[x] &= 127" : [x] "+r"(n));
				if (n <= 64)
					bpf_probe_read_kernel(key + o, n, slot->buf + fat + sizeof(*fh));
			}
			break;
		}
		case LT_KEY_KSTACK:
		case LT_KEY_USTACK: {
			__u64 v = lt_stack_key(ctx, p->kind, ev);
			if (v == LT_STACK_LOST) {
				lt_agg_lost(a, 1);
				return;
			}
			if (off <= key_size - 16)
				__builtin_memcpy(key + (off & (LT_KEY_LARGE - 1)), &v, sizeof(v));
			break;
		}
		}
	}
	__s64 x = lt_agg_value_of(a, ev);
	__u64 bucket = lt_agg_bucket(a, x);
	__builtin_memcpy(key + key_size - 8, &bucket, sizeof(bucket));
	struct lt_agg_value one = {.count = 1, .sum = x, .min = x, .max = x};
	lt_agg_store(a, &agg_large, key, &one);
}

static __always_inline void lt_aggregate(void *ctx, struct lt_spec *spec, const struct lt_eval *ev, const char *comm,
					 struct lt_scratch *slot, const __u32 *at)
{
	__u32 n = spec->naggs;
	for (__u32 i = 0; i < LT_MAX_AGGS; i++) {
		if (i >= n)
			break;
		struct lt_agg *a = &spec->aggs[i];
		if (a->large)
			lt_agg_large(ctx, a, ev, comm, slot, at);
		else
			lt_agg_small(ctx, a, ev, comm, slot, at);
	}
}

/* Appends a stack as a field: header, then up to LT_MAX_STACK addresses. */
static __always_inline __u32 lt_append_stack(void *ctx, struct lt_scratch *slot, __u32 cursor, __u64 flags)
{
	if (cursor > LT_FIELD_CURSOR_MASK)
		return cursor;
	/* The asm bound survives spills, which 6.1's verifier needs here. */
	__u64 at = cursor;
	LT_BOUND(at);
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + at);
	long n = bpf_get_stack(ctx, slot->buf + at + sizeof(*fh), LT_MAX_STACK * sizeof(__u64), flags);
	__u32 len = 0;
	fh->status = LT_FIELD_FAULT;
	if (n > 0) {
		len = n & LT_FIELD_CURSOR_MASK;
		fh->status = LT_FIELD_OK;
	}
	fh->len = len;
	fh->_pad = 0;
	return cursor + sizeof(*fh) + ((len + 3) & ~3u);
}

/* Entry half of a paired return probe: push the call's arguments and
 * time under the thread's next depth. */
static __always_inline void lt_save_entry(struct lt_spec *spec, __u64 pid_tgid, struct lt_source *src)
{
	struct lt_depth_key dk = {.pid_tgid = pid_tgid, .probe_id = spec->pair_id};
	__u32 *d = bpf_map_lookup_elem(&entry_depths, &dk);
	__u32 depth = d ? *d + 1 : 1;
	struct lt_entry e = {.ts = bpf_ktime_get_ns()};
	if (src->regs)
		lt_regs_args(e.args, src->regs, LT_ENTRY_ARGS);
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
		n = LT_ENTRY_ARGS;
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
	if ((spec->flags & LT_SPEC_FILTER_TGID) && (__u32)(bpf_get_current_pid_tgid() >> 32) != spec->filter_tgid) {
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
	struct lt_eval ev = {.cpu = bpf_get_smp_processor_id(), .retval = src->retval};
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
	if (!emit && !spec->naggs)
		return 0;
	if (!emit && !spec->nfields && !spec->nops && !(spec->flags & LT_SPEC_PAIRED)) {
		/* Keys and values from the header alone: no record is built. */
		lt_aggregate(ctx, spec, &ev, comm, 0, 0);
		return 0;
	}

	struct lt_scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
	if (!slot)
		return 0;
	/* The slot is this CPU's, so only a probe interrupting this one (an
	 * NMI or IRQ on the same CPU) can race for it, and such a probe runs to
	 * completion before this one resumes: plain loads and stores suffice,
	 * no locked instructions on the hot path. */
	if (*(volatile __u32 *)&slot->busy) {
		st->nested++;
		return 0;
	}
	*(volatile __u32 *)&slot->busy = 1;

	struct lt_header *hdr = (struct lt_header *)slot->buf;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	__u64 *args = (__u64 *)(slot->buf + sizeof(*hdr));

	hdr->probe_id = id;
	hdr->ts = bpf_ktime_get_ns();
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->uid = (__u32)uid_gid;
	hdr->gid = uid_gid >> 32;
	hdr->cpu = cpu;
	hdr->retval = src->retval;
	hdr->ip = src->ip;
	__builtin_memcpy(hdr->comm, comm, sizeof(comm));

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
		__builtin_memcpy(slot->ev.comm, comm, sizeof(comm));
		__u32 n = spec->nfields;
		for (__u32 i = 0; i < LT_MAX_FIELDS; i++) {
			if (i >= n)
				break;
			lt_fetch_field(cpu, idx, i);
		}
		n = spec->nops;
		for (__u32 i = 0; i < LT_MAX_OPS; i++) {
			if (i >= n)
				break;
			lt_calc_op(cpu, idx, i);
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
	if (spec->naggs)
		lt_aggregate(ctx, spec, &ev, comm, slot, slot->at);
	if (!emit) {
		*(volatile __u32 *)&slot->busy = 0;
		return 0;
	}
	if (spec->flags & LT_SPEC_KSTACK)
		size = lt_append_stack(ctx, slot, size, 0);
	if (spec->flags & LT_SPEC_USTACK)
		size = lt_append_stack(ctx, slot, size, BPF_F_USER_STACK);
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
	struct lt_source src = {.kind = LT_KIND_KPROBE, .regs = ctx};
	return lt_collect(ctx, &src);
}

SEC("kretprobe")
int lt_kretprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.kind = LT_KIND_KRETPROBE, .retval = PT_REGS_RC(ctx)};
	return lt_collect(ctx, &src);
}

SEC("uprobe")
int lt_uprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.kind = LT_KIND_UPROBE, .regs = ctx};
	return lt_collect(ctx, &src);
}

SEC("uretprobe")
int lt_uretprobe(struct pt_regs *ctx)
{
	struct lt_source src = {.kind = LT_KIND_URETPROBE, .retval = PT_REGS_RC(ctx)};
	return lt_collect(ctx, &src);
}

SEC("tracepoint")
int lt_tracepoint(void *ctx)
{
	struct lt_source src = {.kind = LT_KIND_TRACEPOINT, .tp = ctx};
	return lt_collect(ctx, &src);
}

/* x86's TS_COMPAT: the current system call is a 32-bit one. */
#define LT_TS_COMPAT 0x0002

/* Reads the current task's thread_info.status through the BTF task
 * pointer where the kernel has it (5.11+), else with a CO-RE probe read. */
static __always_inline int lt_in_compat_syscall(void)
{
	if (!bpf_core_field_exists(((struct task_struct *)0)->thread_info.status))
		return 0;
	if (lt_have_task_btf)
		return bpf_get_current_task_btf()->thread_info.status & LT_TS_COMPAT;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, thread_info.status) & LT_TS_COMPAT;
}

/* The raw_syscalls record has the layout of the syscalls tracepoints':
 * the number at offset 8 (a long here, an int there: the same low half),
 * the arguments or the return value from 16. 32-bit (compat) calls have
 * numbers of their own, and the syscalls tracepoints skip them: so does
 * this. */
static __always_inline int lt_syscall(void *ctx, void *ids)
{
	if (lt_in_compat_syscall())
		return 0;
	__u32 nr = (__u32)((const __s64 *)ctx)[1];
	__u32 *id = bpf_map_lookup_elem(ids, &nr);
	if (!id || !*id)
		return 0;
	struct lt_source src = {.kind = LT_KIND_TRACEPOINT, .tp = ctx};
	return lt_collect_as(ctx, &src, *id);
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
	struct lt_source src = {.kind = LT_KIND_RAW_TP, .argv = ctx->args};
	return lt_collect(ctx, &src);
}

SEC("tp_btf")
int lt_tp_btf(__u64 *ctx)
{
	struct lt_source src = {.kind = LT_KIND_TP_BTF, .argv = ctx};
	return lt_collect(ctx, &src);
}

SEC("fentry")
int lt_fentry(__u64 *ctx)
{
	struct lt_source src = {.kind = LT_KIND_FENTRY, .argv = ctx};
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
	struct lt_source src = {.kind = LT_KIND_FEXIT, .argv = ctx, .retval = ret};
	return lt_collect(ctx, &src);
}

SEC("perf_event")
int lt_perf_event(struct bpf_perf_event_data *ctx)
{
	struct lt_source src = {.kind = LT_KIND_PERF_EVENT, .ip = PT_REGS_IP(&ctx->regs)};
	return lt_collect(ctx, &src);
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
	b->err = -22; /* EINVAL */
	if (len == 0 || len > LT_MEM_CHUNK)
		return 0;
	asm volatile("%[x] &= %[m]" : [x] "+r"(len) : [m] "i"(LT_MEM_CHUNK * 2 - 1));
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
