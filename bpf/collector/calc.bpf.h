/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Computed values (struct lt_calc): arithmetic, bit operators, comparisons,
 * logic and string equality over the fetched fields and header values, for
 * filters and map keys and values.
 */
#ifndef LUATRACE_CALC_BPF_H
#define LUATRACE_CALC_BPF_H

#include "maps.bpf.h"
#include "operand.bpf.h"
#include "stamp.bpf.h"

/*
 * String equality: a captured str() field (its bytes in the record, length
 * without the NUL) or the task command against one of the spec's constant
 * strings.
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
 * checked once by the verifier however many ops a probe has. Division and
 * modulo by zero give 0, as BPF's own division does, rather than trapping;
 * signed ones round toward zero, as C's and Go's do.
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
	case LT_OPC_SINCE:
		r = lt_since(slot, a, (__u32)o->imm, o->dst);
		break;
	case LT_OPC_STAMPED:
		r = slot->stamped[(o->a - LT_OPND_SLOT0) & (LT_MAX_OPS - 1)][((__u64)o->imm >> 3) & 7];
		break;
	}
	slot->vals[((o->dst & (LT_MAX_OPS - 1)) + LT_MAX_FIELDS) & (LT_MAX_VALS - 1)] = r;
	return 0;
}

#endif
