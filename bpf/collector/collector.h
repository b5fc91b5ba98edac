/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The layout the collector shares with Go: what Go writes (specs), what it
 * reads (records, counters, aggregations) and the limits of both.
 *
 * Go never copies any of it by hand. bpf2go generates Go types and
 * constants from the object's BTF (gen.go lists them with -type), which is
 * why limits and flags are enums rather than #defines: enumerators are in
 * BTF, macros are not. layout_test.go checks the generated Go against the
 * BTF of the committed object. Every struct is a multiple of 8 bytes and
 * pads explicitly, so that C and Go agree without relying on alignment.
 */
#ifndef LUATRACE_COLLECTOR_H
#define LUATRACE_COLLECTOR_H

/* Probes, records and arguments. A probe id is a slot of the spec and
 * stats arrays (its low bits; slot 0 is never used) plus a generation
 * above them, so that a slot reused after a detach is not mistaken for the
 * old probe in records still queued. */
enum lt_probe_limits {
	LT_MAX_PROBES = 8192,
	/* System call numbers the syscalls dispatch covers (x86-64 has ~460). */
	LT_MAX_SYSCALLS = 1024,
	/* Arguments carried in every record of a probe that asks for them. */
	LT_MAX_ARGS = 12,
	/* Arguments kprobes and uprobes read from registers; return probes
	 * get the same from their paired entry. */
	LT_REGISTER_ARGS = 6,
	/* Largest record the collector builds (header + args + payload). */
	LT_MAX_RECORD = 1 << 16,
	/* Raw tracepoint record bytes copied for args.NAME decoding. */
	LT_MAX_TP_DATA = 4096,
};

#define LT_PROBE_SLOT(id) ((id) & (LT_MAX_PROBES - 1))

/* Captured fields. Two of the largest and their headers fit the record,
 * which keeps every scratch write provably in bounds for the verifier
 * (offset masked to 15 bits + length <= LT_MAX_FIELD_BYTES). */
enum lt_fetch_limits {
	LT_MAX_FIELDS = 8,
	LT_MAX_DEREFS = 4,
	LT_MAX_FIELD_BYTES = 0x7ff0,
	LT_FIELD_CURSOR_MASK = 0x7fff,
	/* lt_fetch.len_field of LT_OP_BUF without a length field. */
	LT_NO_LEN_FIELD = 0xff,
	/* The last 8-byte word of struct pt_regs (LT_SRC_REG). */
	LT_MAX_REG_OFFSET = sizeof(struct pt_regs) - sizeof(__u64),
	/* Fields in a record start at multiples of this. */
	LT_FIELD_ALIGN = 4,
};

/* Where a field's starting value comes from. */
enum lt_fetch_source {
	LT_SRC_ARG = 0,     /* args[index] */
	LT_SRC_RETVAL = 1,  /* the return value */
	LT_SRC_TP = 2,      /* tp_size bytes at tp_offset in the tracepoint record */
	LT_SRC_FIELD = 3,   /* the value of an earlier field, index */
	LT_SRC_CURTASK = 4, /* the current task_struct pointer */
	LT_SRC_CGROUP = 5,  /* the current cgroup v2 id */
	LT_SRC_REG = 6,     /* the pt_regs word at byte tp_offset (USDT arguments) */
	LT_SRC_TP_ADDR = 7, /* the address of byte tp_offset of the tracepoint record (its arrays) */
	/* Late sources, fetched after the computed values (LT_SPEC_LATE): */
	LT_SRC_SLOT = 8,    /* computed slot index (a since(), say) */
	LT_SRC_STAMPED = 9, /* the address of what the since() in slot index read (op at offsets[0]) */
};

/* What a field does at the address its derefs reached. */
enum lt_op {
	LT_OP_VALUE = 0, /* the value itself (plus the final offset): no read */
	LT_OP_READ = 1,  /* read size (1..8) bytes */
	LT_OP_STR = 2,   /* read a NUL-terminated string, up to max_len bytes */
	LT_OP_BUF = 3,   /* read len bytes: len_field's value, capped at max_len */
};

/* Per-field status in the record. */
enum lt_field_status {
	LT_FIELD_OK = 0,
	LT_FIELD_FAULT = 1,     /* a read failed: bad pointer or page not present */
	LT_FIELD_TRUNCATED = 2, /* hit max_len or the record's room */
};

/*
 * A fetch program for one field: take the source value, then nderef times
 * load a pointer at value + offsets[i], then apply op at value +
 * offsets[nderef]. Bit i of user selects user memory for load i, bit
 * nderef for the final read.
 */
struct lt_fetch {
	__u8 source; /* enum lt_fetch_source */
	__u8 index;
	__u8 nderef;
	__u8 op; /* enum lt_op */
	__u8 user;
	__u8 size;
	__u8 len_field;
	__u8 tp_size; /* LT_SRC_TP: the tracepoint field's bytes (size is the final read's) */
	__u16 tp_offset;
	__u16 max_len;
	__s32 offsets[LT_MAX_DEREFS + 1];
};

/* A field in the record: this header, then len bytes, then padding to
 * LT_FIELD_ALIGN.
 * VALUE and READ fields carry 8 bytes (the value, zero-extended). */
struct lt_field_header {
	__u16 len;
	__u8 status; /* enum lt_field_status */
	__u8 _pad;
};

/*
 * Operands of clauses, computed values and map keys/values: a captured
 * field's value (0..LT_MAX_FIELDS-1), a header value, a computed slot
 * (LT_OPND_SLOT0 + i), a constant. PID..CGROUP are known before anything
 * is fetched; the rest after.
 */
enum lt_operand {
	LT_OPND_PID = 8,
	LT_OPND_TID = 9,
	LT_OPND_UID = 10,
	LT_OPND_GID = 11,
	LT_OPND_CPU = 12,
	LT_OPND_CGROUP = 13,
	LT_OPND_NSECS = 14,
	LT_OPND_DURATION = 15,
	LT_OPND_RETVAL = 16,
	LT_OPND_ONE = 17,  /* the constant 1: what a count adds */
	LT_OPND_IMM = 18,  /* the op's immediate */
	LT_OPND_COMM = 19, /* the task command: LT_OPC_STREQ only */
	LT_OPND_PROBE = 20, /* the probe id that fired (a map key naming the probe) */
	LT_OPND_SLOT0 = 24,
};

/* Filter clauses: the event is kept when, in some group, every clause
 * holds (an OR of ANDs; capture/filter.go rewrites filters so). */
enum lt_filter_limits {
	LT_MAX_CLAUSES = 4,
};

enum lt_cmp {
	LT_CMP_EQ = 0,
	LT_CMP_NE = 1,
	LT_CMP_LT = 2,
	LT_CMP_LE = 3,
	LT_CMP_GT = 4,
	LT_CMP_GE = 5,
};

enum lt_clause_flags {
	LT_CLAUSE_SIGNED = 1, /* compare as signed 64-bit */
};

/* operand cmp value, e.g. field 2 > 0 or pid != 1234. */
struct lt_clause {
	__u8 operand; /* enum lt_operand, or a field index */
	__u8 cmp;     /* enum lt_cmp */
	__u8 flags;   /* enum lt_clause_flags */
	__u8 size;    /* operand bytes: narrower values are cut (and sign-extended) first */
	__u8 group;   /* the clause's group, 0..LT_MAX_CLAUSES-1 */
	__u8 _pad[3];
	__u64 value;
};

/* Computed values: ops run in order after the fetch, op i writing slot i
 * (LT_OPND_SLOT0 + i) from operands a and b. Captured fields and computed
 * slots form one array of values. String comparisons compare with one of
 * the spec's constant strings. */
enum lt_calc_limits {
	LT_MAX_OPS = 8,
	LT_MAX_VALS = 2 * LT_MAX_FIELDS,
	LT_MAX_STRS = 2,
	LT_STR_LEN = 32,
};

enum lt_op_code {
	LT_OPC_ADD = 0,
	LT_OPC_SUB = 1,
	LT_OPC_MUL = 2,
	LT_OPC_DIV = 3,
	LT_OPC_MOD = 4,
	LT_OPC_AND = 5,
	LT_OPC_OR = 6,
	LT_OPC_XOR = 7,
	LT_OPC_SHL = 8,
	LT_OPC_SHR = 9,
	LT_OPC_EQ = 10,
	LT_OPC_NE = 11,
	LT_OPC_LT = 12,
	LT_OPC_LE = 13,
	LT_OPC_GT = 14,
	LT_OPC_GE = 15,
	LT_OPC_LAND = 16,
	LT_OPC_LOR = 17,
	LT_OPC_NOT = 18,   /* !a */
	LT_OPC_BNOT = 19,  /* ~a */
	LT_OPC_NEG = 20,   /* -a */
	LT_OPC_STREQ = 21, /* string a (a str field or comm) equals strs[imm & 1], (imm >> 8) bytes long */
	LT_OPC_SINCE = 22, /* ns since stamp table imm stamped key a; the stamp is deleted (stamp.bpf.h) */
	LT_OPC_STAMPED = 23, /* the 8 bytes at byte imm of what the since() in slot a read */
};

/* lt_calc.flags, and the sign of key parts and aggregated values. */
enum lt_opf {
	LT_OPF_SIGNED = 1,   /* signed division, shift and comparison */
	LT_OPF_A_SIGNED = 2, /* a narrower than 8 bytes is sign-extended */
	LT_OPF_B_SIGNED = 4,
};

struct lt_calc {
	__u8 code; /* enum lt_op_code */
	__u8 dst;
	__u8 a;      /* enum lt_operand, or a field index */
	__u8 b;
	__u8 a_size; /* bytes; narrower operands are cut (and sign-extended) */
	__u8 b_size;
	__u8 flags;  /* enum lt_opf */
	__u8 _pad;
	__s64 imm;
};

/* In-kernel aggregations: a probe feeds up to LT_MAX_AGGS maps. Each map
 * is an inner per-CPU hash of one of two key sizes, found in an array of
 * maps by its slot. Small-key maps have 1 << LT_CACHE_BITS cache slots
 * per CPU in front of the hash (agg.bpf.h). */
enum lt_agg_limits {
	LT_MAX_AGGS = 2,
	LT_MAX_KEY_PARTS = 4,
	LT_MAX_MAPS = 256,
	LT_KEY_SMALL = 24,
	LT_KEY_LARGE = 128,
	/* The widest string part of a key. */
	LT_MAX_KEY_BYTES = 64,
	LT_CACHE_BITS = 3,
	/* Stacks used as map keys, by id, and frames per stack (bpftrace's
	 * default depth). */
	LT_MAX_STACK_IDS = 16384,
	LT_MAX_STACK = 127,
};

/* A stack key part that is not an id: a stack without frames. */
enum lt_stack_key {
	LT_STACK_EMPTY = 0xffffffffu,
};

enum lt_key_kind {
	LT_KEY_VALUE = 1,  /* an operand, 8 bytes */
	LT_KEY_COMM = 2,   /* the task command, 16 bytes */
	LT_KEY_BYTES = 3,  /* a captured string's bytes, width bytes, zero-padded */
	LT_KEY_KSTACK = 4, /* stack id in agg_stacks, 8 bytes */
	LT_KEY_USTACK = 5,
	LT_KEY_STAMPED = 6, /* size bytes a stamp saved, from byte `from`, as the since() computing operand read them */
};

/* Parts start at multiples of 8 and end before the key's last 8 bytes. */
struct lt_key_part {
	__u8 kind;    /* enum lt_key_kind */
	__u8 operand; /* LT_KEY_VALUE: operand; LT_KEY_BYTES: field index */
	__u8 size;    /* LT_KEY_VALUE: operand bytes; LT_KEY_BYTES: width */
	__u8 offset;  /* where the part starts in the key */
	__u8 flags;   /* LT_OPF_A_SIGNED: sign-extend a narrow value */
	__u8 from;    /* LT_KEY_STAMPED: where the part starts in the stamp's saved bytes */
	__u8 _pad[2];
};

enum lt_agg_kind {
	LT_AGG_STATS = 0, /* count, sum, min, max of the value */
	LT_AGG_HIST = 1,  /* count per log2 bucket of the value */
	LT_AGG_LHIST = 2, /* count per linear bucket */
};

/* The last 8 bytes of every key hold the histogram bucket (0 otherwise). */
struct lt_agg {
	__u16 map; /* slot in agg_small or agg_large */
	__u8 kind; /* enum lt_agg_kind */
	__u8 nparts;
	__u8 large;
	__u8 value; /* operand */
	__u8 value_size;
	__u8 value_flags; /* LT_OPF_A_SIGNED */
	struct lt_key_part parts[LT_MAX_KEY_PARTS];
	__s64 lmin, lmax, lstep;
};

/* One CPU's share of an aggregated key. */
struct lt_agg_value {
	__s64 count;
	__s64 sum;
	__s64 min;
	__s64 max;
};

/* A small-key map's cache slot on one CPU: the key and what it holds
 * that is not in the hash yet. Go adds both when it reads the map. */
struct lt_agg_cached {
	__u64 key[LT_KEY_SMALL / 8];
	struct lt_agg_value v;
};

/* Per-map counters, one slot per CPU. */
struct lt_agg_counts {
	__u64 lost; /* updates dropped: map full, or a stack id not stored */
	__u64 keys; /* keys this CPU added to the hash (Go counts its deletes) */
};

/* Processes a following pid filter (LT_SPEC_FOLLOW) tracks at once: the
 * traced process's descendants alive or not yet reaped (follow.bpf.h). */
enum lt_follow_limits {
	LT_MAX_TRACED = 16384,
};

/* lt_spec.flags */
enum lt_spec_flags {
	LT_SPEC_ACTIVE = 1 << 0,      /* probe is live; inactive specs drop silently */
	LT_SPEC_EMIT = 1 << 1,        /* send a record to user space */
	LT_SPEC_FILTER_TGID = 1 << 2, /* tier 1: only filter_tgid */
	LT_SPEC_FILTER_COMM = 1 << 3, /* tier 1: only filter_comm */
	LT_SPEC_COMM_NOT = 1 << 4,    /* tier 1: every comm but filter_comm */
	LT_SPEC_KSTACK = 1 << 5,      /* append the kernel stack after the fields */
	LT_SPEC_USTACK = 1 << 6,      /* append the user stack after that */
	LT_SPEC_SAVE_ENTRY = 1 << 7,  /* entry half of a paired return probe: save args, emit nothing */
	LT_SPEC_PAIRED = 1 << 8,      /* return probe: restore the entry's args, set duration */
	LT_SPEC_COMM = 1 << 9,        /* a key or a comparison uses the command */
	LT_SPEC_FOLLOW = 1 << 10,     /* tier 1: filter_tgid's descendants too (traced_tgids) */
	LT_SPEC_STAMP = 1 << 11,      /* stamp the time under stamp_key in stamp table stamp_table */
	LT_SPEC_USAMPLE = 1 << 12,    /* append the user registers and ustack_size bytes of user stack */
	LT_SPEC_NOTE_PROCESS = 1 << 13, /* user stacks: tell user space of each process first seen (seen.bpf.h) */
	LT_SPEC_LATE = 1 << 14,       /* some field has a late source: fetched after the computed values */
	LT_SPEC_TASK = 1 << 15,       /* tier 1's pid filter tests the thread id at task_offset of the tracepoint record */
	LT_SPEC_USTACK_BUILDID = 1 << 16, /* append the user stack as build-id and file offset per frame */
};

/* Processes seen.bpf.h remembers having announced, and the probe id of
 * its announcements: a bare header whose pid is the process (slot 0 is
 * never a probe's). */
enum lt_seen_limits {
	LT_MAX_SEEN = 16384,
	LT_NOTICE_PROCESS = 0,
};

/* A user sample (LT_SPEC_USAMPLE), what user space unwinds with CFI like
 * perf --call-graph dwarf: the task's user struct pt_regs, then the user
 * stack from its stack pointer up, as much of ustack_size as is mapped. */
enum lt_usample_limits {
	LT_USAMPLE_REGS = sizeof(struct pt_regs),
	LT_MAX_USTACK = LT_MAX_FIELD_BYTES - sizeof(struct pt_regs),
	LT_USTACK_CHUNK = 4096, /* copied a page at most at a time */
};

/* Per-key timestamps (stamp.bpf.h): one LRU hash of this many stamps
 * shared by every stamp table, each with up to LT_STAMP_SAVED bytes of
 * key parts its probe saved (stack ids, comm, numbers) for the probe that
 * reads it. When the hash is full the stamp untouched longest makes room;
 * lt_stamp_counts tell Go how many were dropped unread. */
enum lt_stamp_limits {
	LT_MAX_STAMPS = 32768,
	LT_STAMP_SAVED = 48,
	LT_MAX_STAMP_PARTS = 4,
	LT_MAX_STAMP_TABLES = 256,
};

/* Per stamp table, one slot per CPU: stamps stored under a key that had
 * none, and stamps a since() read and deleted. Go subtracts those read and
 * those still held from those stored: the rest were dropped unread. */
struct lt_stamp_counts {
	__u64 stored;
	__u64 read;
};

/*
 * Per-probe configuration, written by Go into the specs array at the
 * probe's slot before it is attached: the tier-1 filter, then the fetch
 * programs and tier-2 clauses, then the computed values and the maps the
 * probe feeds.
 */
struct lt_spec {
	__u32 flags;   /* enum lt_spec_flags */
	__u16 nargs;   /* arguments copied into the record, <= LT_MAX_ARGS */
	__u16 tp_data; /* tracepoint: raw record bytes copied, <= LT_MAX_TP_DATA */
	__u32 filter_tgid;
	__u32 pair_id; /* LT_SPEC_SAVE_ENTRY: the return probe this entry feeds */
	char filter_comm[16];
	/* Capture: fields appended to the record after the payload. */
	__u8 nfields;
	__u8 nclauses;
	__u16 ustack_size; /* LT_SPEC_USAMPLE: user stack bytes, <= LT_MAX_USTACK */
	/* LT_SPEC_TASK: where the thread the event is about sits in the
	 * tracepoint record (sched_switch's next_pid), task_size bytes. */
	__u16 task_offset;
	__u8 task_size;
	__u8 _pad1;
	struct lt_fetch fields[LT_MAX_FIELDS];
	/* Tier 2: clauses over header values and captured fields. */
	struct lt_clause clauses[LT_MAX_CLAUSES];
	/* Computed values, then the maps the probe feeds, then the stamp it
	 * writes (LT_SPEC_STAMP): operand, its bytes and LT_OPF_A_SIGNED, and
	 * the parts it saves, laid out as a key's. */
	__u8 nops;
	__u8 naggs;
	__u8 stamp_key;
	__u8 stamp_size;
	__u8 stamp_flags;
	__u8 stamp_nparts;
	__u16 stamp_table;
	struct lt_calc ops[LT_MAX_OPS];
	struct lt_agg aggs[LT_MAX_AGGS];
	char strs[LT_MAX_STRS][LT_STR_LEN];
	struct lt_key_part stamp_parts[LT_MAX_STAMP_PARTS];
};

/* Per-probe counters, one slot per CPU; Go sums them. */
struct lt_stats {
	__u64 hits;     /* probe fired with an active spec */
	__u64 filtered; /* rejected by a filter: cost no ring space */
	__u64 lost;     /* ring buffer full: record dropped */
	__u64 nested;   /* scratch slot busy on this CPU: record dropped */
	__u64 unstamped; /* stamp table full: the stamp was not stored */
};

/*
 * Record header. The record is the header, nargs u64 arguments, the payload
 * (raw tracepoint bytes for tracepoints) and then the captured fields, each
 * an lt_field_header and its bytes, then the kernel and user stacks when
 * asked for, in the same framing (u64 addresses), then the user sample.
 * size covers all of it.
 */
struct lt_header {
	__u32 probe_id;
	__u32 size;
	__u64 ts;
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u32 cpu;
	__u16 nargs;
	__u16 payload; /* payload bytes after the args */
	__u64 retval;
	__u64 ip; /* sample or function address where known, else 0 */
	char comm[16];
	__u64 duration; /* paired return probes: ns since the matching entry, else 0 */
};

/* mem.kread: bytes read per run of lt_kread, and where they land. */
enum lt_mem_limits {
	LT_MEM_CHUNK = 4096,
};

struct lt_mem_buf {
	__s64 err;
	__u32 len;
	__u32 _pad;
	__u8 data[LT_MEM_CHUNK];
};

/* A field written at the largest masked cursor still ends inside the
 * record, so the masks alone keep scratch writes in bounds. */
_Static_assert(LT_FIELD_CURSOR_MASK + sizeof(struct lt_field_header) + LT_MAX_FIELD_BYTES < LT_MAX_RECORD,
	       "field bounds no longer fit the record");

#endif
