/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared layout between the collector BPF program and its Go loader.
 * Every struct here is mirrored in Go (layout.go); keep them in sync and
 * keep sizes multiples of 8 so both sides agree on padding.
 */
#ifndef LUATRACE_COLLECTOR_H
#define LUATRACE_COLLECTOR_H

/* A probe id is a slot of the spec and stats arrays (its low bits; slot 0
 * is never used) plus a generation above them, so that a slot reused after
 * a detach is not mistaken for the old probe in records still queued. */
#define LT_MAX_PROBES 8192
#define LT_PROBE_SLOT(id) ((id) & (LT_MAX_PROBES - 1))
/* System call numbers the syscalls dispatch covers (x86-64 has ~460). */
#define LT_MAX_SYSCALLS 1024
/* Arguments carried in every record of a probe that asks for them. */
#define LT_MAX_ARGS 12
/* Largest record the collector builds (header + args + payload). */
#define LT_MAX_RECORD (1 << 16)
/* Raw tracepoint record bytes copied for args.NAME decoding. */
#define LT_MAX_TP_DATA 4096
/* Captured fields per probe, and pointer loads per field. */
#define LT_MAX_FIELDS 8
#define LT_MAX_DEREFS 4
/* Largest string or buffer one field captures. Two of these and their
 * headers fit the record, which keeps every scratch write provably in
 * bounds for the verifier (offset masked to 15 bits + length <= this). */
#define LT_MAX_FIELD_BYTES 0x7ff0
#define LT_FIELD_CURSOR_MASK 0x7fff

/* Where a field's starting value comes from. */
enum lt_fetch_source {
	LT_SRC_ARG = 0,    /* args[index] */
	LT_SRC_RETVAL = 1, /* the return value */
	LT_SRC_TP = 2,     /* tp_size bytes at tp_offset in the tracepoint record */
	LT_SRC_FIELD = 3,  /* the value of an earlier field, index */
	LT_SRC_CURTASK = 4, /* the current task_struct pointer */
	LT_SRC_CGROUP = 5,  /* the current cgroup v2 id */
	LT_SRC_REG = 6,     /* the pt_regs word at byte tp_offset (USDT arguments) */
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

/* Filter clauses per probe: all must hold (a conjunction). */
#define LT_MAX_CLAUSES 4

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
	LT_OPND_ONE = 17, /* the constant 1: what a count adds */
	LT_OPND_IMM = 18, /* the op's immediate */
	LT_OPND_COMM = 19, /* the task command: LT_OPC_STREQ only */
	LT_OPND_SLOT0 = 24,
};

/* Computed values per probe: ops run in order after the fetch, each
 * writing slot dst (LT_OPND_SLOT0 + dst) from operands a and b. */
#define LT_MAX_OPS 8
/* Captured fields and computed slots, as one array of values. */
#define LT_MAX_VALS (2 * LT_MAX_FIELDS)

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
	LT_OPC_NOT = 18,  /* !a */
	LT_OPC_BNOT = 19, /* ~a */
	LT_OPC_NEG = 20,  /* -a */
	LT_OPC_STREQ = 21, /* string a (a str field or comm) equals strs[imm & 1], (imm >> 8) bytes long */
};

/* Constant strings string comparisons compare with, per probe. */
#define LT_MAX_STRS 2
#define LT_STR_LEN 32

#define LT_OPF_SIGNED 1   /* signed division, shift and comparison */
#define LT_OPF_A_SIGNED 2 /* a narrower than 8 bytes is sign-extended */
#define LT_OPF_B_SIGNED 4

struct lt_calc {
	__u8 code;
	__u8 dst;
	__u8 a;
	__u8 b;
	__u8 a_size; /* bytes; narrower operands are cut (and sign-extended) */
	__u8 b_size;
	__u8 flags;
	__u8 _pad;
	__s64 imm;
};

/* In-kernel aggregations: a probe feeds up to LT_MAX_AGGS maps. Each
 * map is an inner per-CPU hash of one of two key sizes, found in an
 * array of maps by its slot. */
#define LT_MAX_AGGS 2
#define LT_MAX_KEY_PARTS 4
#define LT_MAX_MAPS 256
#define LT_KEY_SMALL 24
#define LT_KEY_LARGE 128
/* Cache slots per small-key map and CPU: 1 << LT_CACHE_BITS. */
#define LT_CACHE_BITS 3
/* Stack key parts that are not ids (see lt_stack_key). */
#define LT_STACK_EMPTY 0xffffffffu
#define LT_STACK_LOST (~0ULL)
/* Stacks used as map keys, by id. */
#define LT_MAX_STACK_IDS 16384

enum lt_key_kind {
	LT_KEY_VALUE = 1,  /* an operand, 8 bytes */
	LT_KEY_COMM = 2,   /* the task command, 16 bytes */
	LT_KEY_BYTES = 3,  /* a captured string's bytes, width bytes, zero-padded */
	LT_KEY_KSTACK = 4, /* stack id in agg_stacks, 8 bytes */
	LT_KEY_USTACK = 5,
};

struct lt_key_part {
	__u8 kind;
	__u8 operand; /* LT_KEY_VALUE: operand; LT_KEY_BYTES: field index */
	__u8 size;    /* LT_KEY_VALUE: operand bytes; LT_KEY_BYTES: width */
	__u8 offset;  /* where the part starts in the key */
	__u8 flags;   /* LT_OPF_A_SIGNED: sign-extend a narrow value */
	__u8 _pad[3];
};

enum lt_agg_kind {
	LT_AGG_STATS = 0, /* count, sum, min, max of the value */
	LT_AGG_HIST = 1,  /* count per log2 bucket of the value */
	LT_AGG_LHIST = 2, /* count per linear bucket */
};

/* The last 8 bytes of every key hold the histogram bucket (0 otherwise). */
struct lt_agg {
	__u16 map; /* slot in agg_small or agg_large */
	__u8 kind;
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

/* Per-map counters, one slot per CPU. */
struct lt_agg_counts {
	__u64 lost; /* updates dropped: map full, or a stack id not stored */
};

enum lt_cmp {
	LT_CMP_EQ = 0,
	LT_CMP_NE = 1,
	LT_CMP_LT = 2,
	LT_CMP_LE = 3,
	LT_CMP_GT = 4,
	LT_CMP_GE = 5,
};

#define LT_CLAUSE_SIGNED 1 /* compare as signed 64-bit */

/* operand cmp value, e.g. field 2 > 0 or pid != 1234. */
struct lt_clause {
	__u8 operand;
	__u8 cmp;
	__u8 flags;
	__u8 size; /* operand bytes: narrower values are cut (and sign-extended) first */
	__u8 group; /* the event is kept when all clauses of some group hold */
	__u8 _pad[3];
	__u64 value;
};

/* LT_OP_BUF without a length field. */
#define LT_LEN_MAX 0xff

/*
 * A fetch program for one field: take the source value, then nderef times
 * load a pointer at value + offsets[i], then apply op at value +
 * offsets[nderef]. Bit i of user selects user memory for load i, bit
 * nderef for the final read.
 */
struct lt_fetch {
	__u8 source;
	__u8 index;
	__u8 nderef;
	__u8 op;
	__u8 user;
	__u8 size;
	__u8 len_field;
	__u8 tp_size; /* LT_SRC_TP: the tracepoint field's bytes (size is the final read's) */
	__u16 tp_offset;
	__u16 max_len;
	__s32 offsets[LT_MAX_DEREFS + 1];
};

/* A field in the record: this header, then len bytes, then padding to 4.
 * VALUE and READ fields carry 8 bytes (the value, zero-extended). */
struct lt_field_header {
	__u16 len;
	__u8 status;
	__u8 _pad;
};

/* Probe kinds, as the entry program that fired saw them. */
enum lt_kind {
	LT_KIND_NONE = 0,
	LT_KIND_KPROBE = 1,
	LT_KIND_KRETPROBE = 2,
	LT_KIND_UPROBE = 3,
	LT_KIND_URETPROBE = 4,
	LT_KIND_TRACEPOINT = 5,
	LT_KIND_RAW_TP = 6,
	LT_KIND_TP_BTF = 7,
	LT_KIND_FENTRY = 8,
	LT_KIND_FEXIT = 9,
	LT_KIND_PERF_EVENT = 10,
};

/* lt_spec.flags */
#define LT_SPEC_ACTIVE (1u << 0)      /* probe is live; inactive specs drop silently */
#define LT_SPEC_EMIT (1u << 1)        /* send a record to user space */
#define LT_SPEC_FILTER_TGID (1u << 2) /* tier 1: only filter_tgid */
#define LT_SPEC_FILTER_COMM (1u << 3) /* tier 1: only filter_comm */
#define LT_SPEC_COMM_NOT (1u << 4)    /* tier 1: every comm but filter_comm */
#define LT_SPEC_KSTACK (1u << 5)      /* append the kernel stack after the fields */
#define LT_SPEC_USTACK (1u << 6)      /* append the user stack after that */
#define LT_SPEC_SAVE_ENTRY (1u << 7)  /* entry half of a paired return probe: save args, emit nothing */
#define LT_SPEC_PAIRED (1u << 8)      /* return probe: restore the entry's args, set duration */
#define LT_SPEC_COMM (1u << 9)        /* an aggregation key uses the command */

/* Saved entries of paired return probes (LRU: unmatched ones expire). */
#define LT_MAX_ENTRIES 16384
#define LT_ENTRY_ARGS 6

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
	__u64 args[LT_ENTRY_ARGS];
};

/* Frames captured per stack (bpftrace's default depth). */
#define LT_MAX_STACK 127

/*
 * Per-probe configuration, written by Go into the specs array at the probe's
 * id before it is attached. The capture engine extends it after the tier-1
 * filter block with fetch programs and tier-2 clauses; aggregation targets
 * follow those. Fields are only ever appended.
 */
struct lt_spec {
	__u32 flags;
	__u16 nargs;   /* arguments copied into the record, <= LT_MAX_ARGS */
	__u16 tp_data; /* tracepoint: raw record bytes copied, <= LT_MAX_TP_DATA */
	__u32 filter_tgid;
	__u32 pair_id; /* LT_SPEC_SAVE_ENTRY: the return probe this entry feeds */
	char filter_comm[16];
	/* Capture: fields appended to the record after the payload. */
	__u8 nfields;
	__u8 nclauses;
	__u8 _pad1[6];
	struct lt_fetch fields[LT_MAX_FIELDS];
	/* Tier 2: clauses over header values and captured fields. */
	struct lt_clause clauses[LT_MAX_CLAUSES];
	/* Computed values, then the maps the probe feeds. */
	__u8 nops;
	__u8 naggs;
	__u8 _pad2[6];
	struct lt_calc ops[LT_MAX_OPS];
	struct lt_agg aggs[LT_MAX_AGGS];
	char strs[LT_MAX_STRS][LT_STR_LEN];
};

/* mem.kread: bytes read per run of lt_kread, and where they land. */
#define LT_MEM_CHUNK 4096

struct lt_mem_buf {
	__s64 err;
	__u32 len;
	__u32 _pad;
	__u8 data[LT_MEM_CHUNK];
};

/* Per-probe counters, one slot per CPU; Go sums them. */
struct lt_stats {
	__u64 hits;     /* probe fired with an active spec */
	__u64 filtered; /* rejected by a filter: cost no ring space */
	__u64 lost;     /* ring buffer full: record dropped */
	__u64 nested;   /* scratch slot busy on this CPU: record dropped */
};

/*
 * Record header. The record is the header, nargs u64 arguments, the payload
 * (raw tracepoint bytes for tracepoints) and then the captured fields, each
 * an lt_field_header and its bytes, then the kernel and user stacks when
 * asked for, in the same framing (u64 addresses). size covers all of it.
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

/* The Go decoder reads the header at fixed offsets (record.go). */
_Static_assert(sizeof(struct lt_header) == 80, "lt_header layout changed: update record.go");
_Static_assert(sizeof(struct lt_fetch) == 32, "lt_fetch layout changed: update spec.go");
_Static_assert(sizeof(struct lt_clause) == 16, "lt_clause layout changed: update spec.go");
_Static_assert(sizeof(struct lt_calc) == 16, "lt_op layout changed: update spec.go");
_Static_assert(sizeof(struct lt_agg) == 64, "lt_agg layout changed: update spec.go");
_Static_assert(sizeof(struct lt_spec) == 40 + 32 * LT_MAX_FIELDS + 16 * LT_MAX_CLAUSES + 8 + 16 * LT_MAX_OPS + 64 * LT_MAX_AGGS + LT_MAX_STRS * LT_STR_LEN,
	       "lt_spec layout changed: regenerate");
_Static_assert(2 * (LT_MAX_FIELD_BYTES + 4) + 0x10 < LT_MAX_RECORD, "field bounds no longer fit the scratch buffer");

#endif
