// Package unwind walks user stacks in user space from what a probe
// captured: the registers and a copy of the top of the stack, as perf
// --call-graph dwarf and samply's framehop do. Each frame is unwound with
// the CFI of the code it is in (.eh_frame, or .debug_frame of the binary
// or its separate debug file, parsed by delve's pkg/dwarf/frame and
// cached per image build-id), and with the frame-pointer chain where no
// CFI covers the address, so stacks mixing both kinds of code unwind
// through both.
//
// The process's mappings come from a usym.Process snapshot, so a stack is
// unwound (and symbolized) after the process exited.
package unwind

import (
	"encoding/binary"

	"github.com/luatrace/luatrace/bpf/usym"
)

// Stack copy sizes: the default is perf's --call-graph dwarf default;
// the maximum is the collector's largest capture (64 KiB).
const (
	DefaultStackSize = 8 << 10
	MaxStackSize     = 64 << 10
)

// DefaultMaxFrames is the kernel's PERF_MAX_STACK_DEPTH.
const DefaultMaxFrames = 127

// DefaultMaxTables bounds the images whose parsed CFI is kept.
const DefaultMaxTables = 256

// Sample is what a probe captured for an unwind: the user registers and a
// copy of the user stack from the stack pointer up.
type Sample struct {
	Regs Regs
	// Stack holds the bytes at [Regs.Val[RSP], Regs.Val[RSP]+len(Stack)).
	Stack []byte
}

// read returns the 8-byte word at addr if the copy holds it.
func (s *Sample) read(addr uint64) (uint64, bool) {
	sp := s.Regs.Val[RSP]
	if addr < sp || addr-sp > uint64(len(s.Stack)) || addr-sp+8 > uint64(len(s.Stack)) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(s.Stack[addr-sp:]), true
}

// Mode chooses how frames are found.
type Mode int

const (
	// DWARF unwinds with CFI, and with frame pointers where there is none.
	DWARF Mode = iota
	// FramePointers follows the rbp chain only, as the kernel's
	// bpf_get_stack does; code built without frame pointers breaks it.
	FramePointers
)

// How tells how a frame was found.
type How uint8

const (
	// FromRegisters: the first frame, the probe's instruction pointer.
	FromRegisters How = iota
	// FromCFI: unwound from the CFI of the callee.
	FromCFI
	// FromFramePointer: unwound through the callee's saved rbp.
	FromFramePointer
)

// End tells why an unwind stopped.
type End uint8

const (
	// EndComplete: the outermost frame was reached (its CFI marks the
	// return address undefined, or the return address is 0).
	EndComplete End = iota
	// EndTruncated: the next frame's data lies beyond the copied stack.
	EndTruncated
	// EndNoInfo: no CFI covers the address and the frame-pointer chain
	// does not continue.
	EndNoInfo
	// EndUnmapped: a return address outside every mapping of the snapshot.
	EndUnmapped
	// EndBadFrame: the stack pointer did not move up (corrupt stack or CFI).
	EndBadFrame
	// EndMaxFrames: the frame limit was reached.
	EndMaxFrames
)

var endNames = [...]string{"complete", "truncated", "no unwind info", "unmapped address", "bad frame", "frame limit"}

// String names the reason.
func (e End) String() string {
	if int(e) < len(endNames) {
		return endNames[e]
	}
	return "unknown"
}

// Frame is one unwound frame.
type Frame struct {
	PC  uint64 // the probe's pc for the first frame, else a return address
	How How
}

// Stack is the result of an unwind, innermost frame first.
type Stack struct {
	Frames []Frame
	End    End
}

// PCs returns the frames' addresses, innermost first, for
// usym.Process.ResolveStack.
func (s Stack) PCs() []uint64 {
	pcs := make([]uint64, len(s.Frames))
	for i, f := range s.Frames {
		pcs[i] = f.PC
	}
	return pcs
}

// Unwind walks the stack of s in process p.
func (u *Unwinder) Unwind(p *usym.Process, s *Sample, mode Mode) Stack {
	max := u.MaxFrames
	if max <= 0 {
		max = DefaultMaxFrames
	}
	regs := s.Regs
	pc, ok := regs.Get(RIP)
	if !ok {
		return Stack{End: EndNoInfo}
	}
	st := Stack{Frames: []Frame{{PC: pc, How: FromRegisters}}}
	returnAddr := false // is pc a return address (look up pc-1)?
	for len(st.Frames) < max {
		var next Regs
		var how How
		var end End
		var signal bool
		if mode == FramePointers {
			next, end = framePointerStep(s, &regs)
			how = FromFramePointer
		} else {
			next, how, signal, end = u.step(p, s, &regs, returnAddr, len(st.Frames) == 1)
		}
		if end != endNone {
			st.End = end
			return st
		}
		ra := next.Val[RIP]
		if ra == 0 {
			st.End = EndComplete
			return st
		}
		if next.Val[RSP] <= regs.Val[RSP] && !signal {
			st.End = EndBadFrame
			return st
		}
		st.Frames = append(st.Frames, Frame{PC: ra, How: how})
		if mode == DWARF && p.Find(ra-1) == nil {
			st.End = EndUnmapped
			return st
		}
		regs, returnAddr = next, !signal
	}
	st.End = EndMaxFrames
	return st
}

// endNone: the step found a caller.
const endNone End = 255

// step finds the caller's registers with CFI, else frame pointers.
func (u *Unwinder) step(p *usym.Process, s *Sample, regs *Regs, returnAddr, first bool) (Regs, How, bool, End) {
	pc := regs.Val[RIP]
	look := pc
	if returnAddr {
		look--
	}
	m := p.Find(look)
	if m != nil && m.Image != nil {
		if vaddr, ok := m.VAddr(look); ok {
			if t := u.table(m.Image); t != nil {
				if r := t.row(vaddr); r != nil {
					next, end := cfiStep(s, regs, r)
					return next, FromCFI, r.signal, end
				}
			}
		}
	}
	if m == nil && !first {
		return Regs{}, 0, false, EndUnmapped
	}
	// No CFI: a leaf may have no frame at all (gcc omits it in leaf
	// functions even with -fno-omit-frame-pointer), its return address
	// still at [rsp]; otherwise follow the frame pointer. A candidate
	// counts only if its return address follows a call instruction.
	if first {
		if next, end := framelessStep(s, regs); end == endNone && returnsHere(p, &next, regs) {
			return next, FromFramePointer, false, endNone
		}
	}
	if next, end := framePointerStep(s, regs); end == endNone && returnsHere(p, &next, regs) {
		return next, FromFramePointer, false, endNone
	}
	return Regs{}, 0, false, EndNoInfo
}

// framelessStep assumes a function that pushed nothing: the return
// address at [rsp].
func framelessStep(s *Sample, regs *Regs) (Regs, End) {
	sp := regs.Val[RSP]
	ra, ok := s.read(sp)
	if !ok {
		return Regs{}, EndTruncated
	}
	next := Regs{Known: regs.Known & calleeSaved, Val: regs.Val}
	next.Set(RIP, ra)
	next.Set(RSP, sp+8)
	return next, endNone
}

// framePointerStep follows the saved rbp: [rbp] is the caller's rbp,
// [rbp+8] the return address, rbp+16 the caller's stack pointer.
func framePointerStep(s *Sample, regs *Regs) (Regs, End) {
	bp, ok := regs.Get(RBP)
	if !ok || bp < regs.Val[RSP] {
		return Regs{}, EndBadFrame
	}
	ra, ok1 := s.read(bp + 8)
	nbp, ok2 := s.read(bp)
	if !ok1 || !ok2 {
		return Regs{}, EndTruncated
	}
	var next Regs
	next.Set(RIP, ra)
	next.Set(RSP, bp+16)
	next.Set(RBP, nbp)
	return next, endNone
}
