/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bounds the verifier can follow, on every kernel luatrace supports.
 *
 * A plain comparison is not always enough: clang may spill a value before
 * the check and reload the unchecked copy, and older verifiers (6.1) do
 * not carry a bound over to the spilled copy. An asm mask cannot be moved
 * or dropped by the compiler, and the verifier knows its result is at most
 * the mask right where the value is used.
 */
#ifndef LUATRACE_BOUNDS_BPF_H
#define LUATRACE_BOUNDS_BPF_H

#include <asm-generic/errno-base.h>

#include "collector.h"

/* v &= mask, where the compiler can neither move nor drop it. */
#define LT_MASK(v, mask) asm volatile("%[x] &= %[m]" : [x] "+r"(v) : [m] "i"(mask))

/* Bounds a length or offset into the record to the field cursor's range. */
#define LT_BOUND(v) LT_MASK(v, LT_FIELD_CURSOR_MASK)

/* A field's bytes rounded up to where the next field starts. */
#define LT_FIELD_PAD(len) (((len) + LT_FIELD_ALIGN - 1) & ~(__u32)(LT_FIELD_ALIGN - 1))

#endif
