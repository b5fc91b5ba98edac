package unwind

import (
	"encoding/binary"

	"github.com/go-delve/delve/pkg/dwarf/op"
)

// cfiStep computes the caller's registers from the callee's with an
// unwind row: the CFA first, then each saved register, the return address
// becoming the caller's pc and the CFA its stack pointer (x86-64).
func cfiStep(s *Sample, regs *Regs, r *row) (Regs, End) {
	var cfa uint64
	switch r.cfa.kind {
	case ruleValOffset:
		if r.cfa.reg >= NumRegs {
			return Regs{}, EndNoInfo
		}
		base, ok := regs.Get(int(r.cfa.reg))
		if !ok {
			return Regs{}, EndNoInfo
		}
		cfa = base + uint64(r.cfa.off)
	case ruleValExpr:
		v, end := evalExpr(s, regs, r.cfa.expr, 0, false)
		if end != endNone {
			return Regs{}, end
		}
		cfa = v
	default:
		return Regs{}, EndNoInfo
	}
	if r.ra.kind == ruleUndefined {
		return Regs{}, EndComplete
	}
	next := Regs{Known: regs.Known & calleeSaved}
	next.Val = regs.Val
	for _, rr := range r.regs {
		if rr.kind == ruleOffset && cfa+uint64(rr.off) < regs.Val[RSP] {
			// In an epilogue after the pops, CFI written by hand (glibc's)
			// may still say "saved at CFA-n": the slot is below the stack
			// pointer, popped, and the register holds the value again.
			continue
		}
		v, ok, end := recover1(s, regs, rr.rule, cfa)
		if end == EndTruncated {
			ok, end = false, endNone // the caller may not need it
		}
		if end != endNone {
			return Regs{}, end
		}
		if ok {
			next.Set(rr.reg, v)
		} else {
			next.Known &^= 1 << rr.reg
		}
	}
	ra, ok, end := recover1(s, regs, r.ra, cfa)
	if end != endNone {
		return Regs{}, end
	}
	if !ok {
		return Regs{}, EndNoInfo
	}
	next.Set(RIP, ra)
	next.Set(RSP, cfa)
	return next, endNone
}

// recover1 computes one register of the caller; ok is false when its value
// cannot be known.
func recover1(s *Sample, regs *Regs, rl rule, cfa uint64) (uint64, bool, End) {
	switch rl.kind {
	case ruleOffset:
		v, ok := s.read(cfa + uint64(rl.off))
		if !ok {
			return 0, false, EndTruncated
		}
		return v, true, endNone
	case ruleValOffset:
		return cfa + uint64(rl.off), true, endNone
	case ruleRegister:
		if rl.reg >= NumRegs {
			return 0, false, endNone
		}
		v, ok := regs.Get(int(rl.reg))
		return v, ok, endNone
	case ruleExpr:
		addr, end := evalExpr(s, regs, rl.expr, cfa, true)
		if end != endNone {
			return 0, false, end
		}
		v, ok := s.read(addr)
		if !ok {
			return 0, false, EndTruncated
		}
		return v, true, endNone
	case ruleValExpr:
		v, end := evalExpr(s, regs, rl.expr, cfa, true)
		return v, end == endNone, end
	}
	return 0, false, endNone
}

// dwOpCallFrameCFA pushes the CFA: prepended to register rules' expressions,
// which DWARF evaluates with the CFA already on the stack.
const dwOpCallFrameCFA = 0x9c

// evalExpr runs a DWARF expression (the PLT's CFA, signal frames) with
// delve's evaluator, memory reads served from the stack copy.
func evalExpr(s *Sample, regs *Regs, expr []byte, cfa uint64, pushCFA bool) (v uint64, end End) {
	if pushCFA {
		expr = append([]byte{dwOpCallFrameCFA}, expr...)
	}
	dregs := make([]*op.DwarfRegister, NumRegs)
	for i := range NumRegs {
		if val, ok := regs.Get(i); ok {
			dregs[i] = op.DwarfRegisterFromUint64(val)
		}
	}
	dr := op.NewDwarfRegisters(0, dregs, binary.LittleEndian, RIP, RSP, RBP, 0)
	dr.CFA = int64(cfa)
	truncated := false
	read := func(buf []byte, addr uint64) (int, error) {
		for i := 0; i < len(buf); i += 8 {
			w, ok := s.read(addr + uint64(i))
			if !ok {
				truncated = true
				return i, errOutsideCopy
			}
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], w)
			copy(buf[i:], b[:])
		}
		return len(buf), nil
	}
	defer func() {
		if recover() != nil {
			v, end = 0, EndNoInfo
		}
	}()
	res, pieces, err := op.ExecuteStackProgram(*dr, expr, 8, read)
	if truncated {
		return 0, EndTruncated
	}
	if err != nil || pieces != nil {
		return 0, EndNoInfo
	}
	return uint64(res), endNone
}
