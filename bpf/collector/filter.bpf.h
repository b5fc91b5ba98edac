/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Filters in two tiers: the identity filters of the spec (process, command)
 * and the clauses over header values before anything is read; the clauses
 * over captured and computed values after the fetch.
 */
#ifndef LUATRACE_FILTER_BPF_H
#define LUATRACE_FILTER_BPF_H

#include "operand.bpf.h"

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

#endif
