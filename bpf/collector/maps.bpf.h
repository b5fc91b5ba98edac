/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the collector. Go creates each once (collector.go) and
 * every loaded program shares them, so the state of all probes lives here.
 */
#ifndef LUATRACE_MAPS_BPF_H
#define LUATRACE_MAPS_BPF_H

#include "collector.h"

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
 * raw_syscalls (syscalls.bpf.h): by system call number, the probe id
 * serving each call (0: none). */
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

/* The processes a following pid filter keeps besides filter_tgid
 * (follow.bpf.h): by tgid, the process's start time (0 where Go added
 * it). Preallocated: the fork path never allocates. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LT_MAX_TRACED);
	__type(key, __u32);
	__type(value, __u64);
} traced_tgids SEC(".maps");

/* Processes forked by traced ones but left out because traced_tgids was
 * full. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} traced_full SEC(".maps");

/* Paired return probes (pairing.bpf.h): call depth per thread, and the
 * entry's arguments per thread and depth, so recursion and concurrent
 * threads pair right. LRU: entries whose return never came expire. */
enum lt_pairing_limits {
	LT_MAX_ENTRIES = 16384,
};

struct lt_depth_key {
	__u64 pid_tgid;
	__u32 probe_id; /* the return probe's id */
	__u32 _pad;
};

struct lt_entry_key {
	__u64 pid_tgid;
	__u32 probe_id;
	__u32 depth; /* recursion depth of the call on this thread */
};

struct lt_entry {
	__u64 ts;
	__u64 args[LT_REGISTER_ARGS];
};

/* Processes announced to user space (seen.bpf.h), by tgid; forgotten at
 * exec, or the least recently seen first past LT_MAX_SEEN. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LT_MAX_SEEN);
	__type(key, __u32);
	__type(value, __u8);
} seen_tgids SEC(".maps");

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

/* Per-key timestamps (stamp.bpf.h): the time a probe stamped a key in
 * one of the script's stamp tables, after the parts it saved, laid out as
 * a map key's parts with the time where a key's bucket goes. LRU: a stamp
 * no since() reads (a thread that exited) does not hold its place for
 * ever; the stamp untouched longest makes room, and stamp_counts let Go
 * count those dropped. */
struct lt_stamp_key {
	__u64 key;
	__u32 table;
	__u32 _pad;
};

struct lt_stamp_value {
	__u8 saved[LT_STAMP_SAVED];
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LT_MAX_STAMPS);
	__type(key, struct lt_stamp_key);
	__type(value, struct lt_stamp_value);
} stamps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_MAX_STAMP_TABLES);
	__type(key, __u32);
	__type(value, struct lt_stamp_counts);
} stamp_counts SEC(".maps");

/* In-kernel aggregations (agg.bpf.h): Go creates one inner per-CPU hash
 * per script map and stores it at the map's slot in the array for its key
 * size. */
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

/* The small-key maps' cache: 1 << LT_CACHE_BITS slots per map and CPU,
 * indexed by map slot and key hash. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_MAX_MAPS << LT_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct lt_agg_cached);
} agg_cache SEC(".maps");

/*
 * Where keys are built: they outgrow what the stack has left. One buffer
 * per nesting level, so that a probe interrupting another on this CPU (an
 * IRQ or NMI) builds its key beside the one it interrupted rather than
 * over it: task, softirq, hardirq and NMI make four levels.
 */
#define LT_KEY_LEVELS 4

struct lt_key_buf {
	__u32 depth;
	__u32 _pad;
	/* Slack past the key: a masked offset plus a part's width may
	 * reach beyond LT_KEY_LARGE in the verifier's eyes. */
	__u8 b[LT_KEY_LEVELS][LT_KEY_LARGE + LT_MAX_KEY_BYTES];
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

/* mem.kread's result: one run at a time (Go serialises them). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_mem_buf);
} mem_buf SEC(".maps");

/* What the field and op functions need of the event being built besides
 * its spec: global functions take scalars only (5.10), so it travels here. */
struct lt_pending {
	__u64 tp;   /* the tracepoint record's address, else 0 */
	__u64 regs; /* the pt_regs' address (kprobe, uprobe, perf_event), else 0 */
	__u64 retval;
	__u64 duration;
	__u32 nargs;
	__u32 cursor; /* where the next field goes in buf */
	__u32 unmatched; /* a since() found no stamp: the event is filtered */
	__u32 _pad;
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
	/* What the stamp a since() op read had saved, by the op's slot
	 * (8 words each, of which LT_STAMP_SAVED bytes are used). */
	__u64 stamped[LT_MAX_OPS][8];
	/* Slack past the record: the masked field offset plus a masked
	 * length may reach beyond LT_MAX_RECORD in the verifier's eyes (a
	 * user stack chunk at a 16-bit offset, stack.bpf.h). */
	__u8 buf[LT_MAX_RECORD + LT_USTACK_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_scratch);
} scratch SEC(".maps");

#endif
