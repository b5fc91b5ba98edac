package unwind

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// DWARF register numbers of x86-64 (System V psABI, figure 3.36). CFI rules
// name registers by these numbers; RIP is the return-address column.
const (
	RAX = iota
	RDX
	RCX
	RBX
	RSI
	RDI
	RBP
	RSP
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
	RIP
	// NumRegs is the number of registers an unwind tracks.
	NumRegs
)

// calleeSaved are the registers a call preserves: a caller's value is the
// callee's unless the callee's CFI says where it saved it. The others are
// unknown in a caller frame.
const calleeSaved = 1<<RBX | 1<<RBP | 1<<R12 | 1<<R13 | 1<<R14 | 1<<R15

// Regs are user-mode registers at a probe, by DWARF number.
type Regs struct {
	Val   [NumRegs]uint64
	Known uint32 // bit i is set when Val[i] holds the register's value
}

// Get returns register i and whether it is known.
func (r *Regs) Get(i int) (uint64, bool) {
	return r.Val[i], r.Known&(1<<i) != 0
}

// Set stores register i.
func (r *Regs) Set(i int, v uint64) {
	r.Val[i] = v
	r.Known |= 1 << i
}

// allRegs marks every register known.
const allRegs = 1<<NumRegs - 1

// RegsFromPtrace converts registers read with PTRACE_GETREGS.
func RegsFromPtrace(p *unix.PtraceRegs) Regs {
	return Regs{Known: allRegs, Val: [NumRegs]uint64{
		RAX: p.Rax, RDX: p.Rdx, RCX: p.Rcx, RBX: p.Rbx, RSI: p.Rsi, RDI: p.Rdi,
		RBP: p.Rbp, RSP: p.Rsp, R8: p.R8, R9: p.R9, R10: p.R10, R11: p.R11,
		R12: p.R12, R13: p.R13, R14: p.R14, R15: p.R15, RIP: p.Rip,
	}}
}

// PtRegsSize is the size of the kernel's x86-64 struct pt_regs (21
// 64-bit words), what a BPF program copies from task_pt_regs() of the
// current task for its user registers.
const PtRegsSize = 21 * 8

// ptRegsOrder is the DWARF number of each word of struct pt_regs (r15 r14
// r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss);
// -1 for the words an unwind does not use.
var ptRegsOrder = [21]int{R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI, -1, RIP, -1, -1, RSP, -1}

// RegsFromPtRegs decodes a struct pt_regs copied by the kernel.
func RegsFromPtRegs(b []byte) (Regs, error) {
	if len(b) < PtRegsSize {
		return Regs{}, fmt.Errorf("user registers: got %d bytes, want the %d of struct pt_regs", len(b), PtRegsSize)
	}
	var r Regs
	for i, reg := range ptRegsOrder {
		if reg >= 0 {
			r.Set(reg, binary.LittleEndian.Uint64(b[i*8:]))
		}
	}
	return r, nil
}
