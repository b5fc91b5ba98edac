/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fetch programs (struct lt_fetch): each captured field is a source value,
 * up to LT_MAX_DEREFS pointer loads and a final operation, appended to the
 * record being built.
 */
#ifndef LUATRACE_FETCH_BPF_H
#define LUATRACE_FETCH_BPF_H

#include "bounds.bpf.h"
#include "maps.bpf.h"

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

/*
 * Runs fetch program i of the spec in slot idx and appends its field at the
 * cursor in CPU cpu's scratch slot. A global function, so the verifier
 * checks it once, on its own, rather than once per field and path of the
 * caller (an inline loop exceeds the 1M-instruction limit on 6.1), and
 * unlike a bpf_loop callback (5.17+) it loads on 5.10. Every write goes to
 * buf[cursor & LT_FIELD_CURSOR_MASK] with a length bounded by the same
 * mask, which keeps it inside the scratch buffer.
 *
 * A field with a late source (a computed slot, what a since() read) is
 * run twice: with late 0, in order with the others, it only reserves its
 * section (8 bytes, or max_len for a buffer: always the same size); with
 * late 1, after the computed values, it fills the section in. Fields thus
 * stay in index order in the record.
 */
__attribute__((noinline)) int lt_fetch_field(__u32 cpu, __u32 idx, __u32 i, __u32 late)
{
	struct lt_scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
	struct lt_spec *spec = bpf_map_lookup_elem(&probe_specs, &idx);
	if (!slot || !spec)
		return 1;
	i &= LT_MAX_FIELDS - 1;
	struct lt_fetch *f = &spec->fields[i];
	int late_source = f->source >= LT_SRC_SLOT;
	if (late && !late_source)
		return 0;
	__u32 cursor = late ? slot->at[i] : slot->ev.cursor;
	if (cursor > LT_FIELD_CURSOR_MASK)
		return 1; /* record full: later fields come out missing */
	__u32 at = cursor & LT_FIELD_CURSOR_MASK;
	slot->at[i] = at;
	struct lt_field_header *fh = (struct lt_field_header *)(slot->buf + at);
	__u8 *data = slot->buf + at + sizeof(*fh);
	if (late_source && !late) {
		__u32 size = f->op == LT_OP_BUF ? f->max_len : sizeof(__u64);
		size &= LT_MAX_KEY_BYTES * 2 - 1;
		fh->len = size;
		fh->status = LT_FIELD_FAULT; /* until filled in */
		fh->_pad = 0;
		slot->ev.cursor = cursor + sizeof(*fh) + LT_FIELD_PAD(size);
		return 0;
	}
	if (f->source == LT_SRC_STAMPED) {
		/* A part of what the since() in slot index read: the 8 bytes
		 * of a number or stack id, or max_len bytes (a comm), from
		 * byte offsets[0] of the saved bytes. */
		__u64 n = f->op == LT_OP_BUF ? f->max_len : sizeof(__u64);
		__u64 from = f->offsets[0];
		/* Within a slot's 64 saved bytes and the next's. */
		LT_MASK(n, sizeof(slot->stamped[0]) - 1);
		LT_MASK(from, sizeof(slot->stamped[0]) - 1);
		const __u8 *saved = (const __u8 *)slot->stamped[f->index & (LT_MAX_OPS - 1)];
		long err = bpf_probe_read_kernel(data, n, saved + from);
		fh->len = n;
		fh->status = err ? LT_FIELD_FAULT : LT_FIELD_OK;
		if (n == sizeof(__u64))
			__builtin_memcpy(&slot->vals[i], data, sizeof(__u64));
		return 0;
	}
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
			err = -EINVAL;
		break;
	case LT_SRC_RETVAL:
		v = slot->ev.retval;
		break;
	case LT_SRC_TP:
		if (slot->ev.tp)
			err = bpf_probe_read_kernel(&v, sizeof(v), (const void *)(slot->ev.tp + f->tp_offset));
		else
			err = -EINVAL;
		if (f->tp_size < 8)
			v &= (1ULL << ((f->tp_size & 7) * 8)) - 1;
		break;
	case LT_SRC_TP_ADDR:
		/* An array in the record (tcp:*'s saddr_v6): read where it is. */
		if (slot->ev.tp)
			v = (__u64)slot->ev.tp + f->tp_offset;
		else
			err = -EINVAL;
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
	case LT_SRC_SLOT:
		v = slot->vals[(LT_MAX_FIELDS + a) & (LT_MAX_VALS - 1)];
		break;
	case LT_SRC_REG:
		/* A helper read: the verifier refuses ctx loads at a variable offset. */
		if (slot->ev.regs && f->tp_offset <= LT_MAX_REG_OFFSET)
			err = bpf_probe_read_kernel(&v, sizeof(v), (const void *)(slot->ev.regs + (f->tp_offset & 0xff)));
		else
			err = -EINVAL;
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
		err = -EINVAL;

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
			if (f->len_field != LT_NO_LEN_FIELD)
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
	if (!late)
		slot->ev.cursor = cursor + sizeof(*fh) + LT_FIELD_PAD(len);
	return 0;
}

#endif
