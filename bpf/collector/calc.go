package collector

import "fmt"

// MaxCalcs is the most computed values per probe.
const MaxCalcs = 8

// CalcCode is a computed value's operation.
type CalcCode uint8

// Operations, as lt_op_code in collector.h. Comparisons and logic give 0
// or 1; division and modulo by zero give 0.
const (
	CalcAdd CalcCode = iota
	CalcSub
	CalcMul
	CalcDiv
	CalcMod
	CalcAnd
	CalcOr
	CalcXor
	CalcShl
	CalcShr
	CalcEQ
	CalcNE
	CalcLT
	CalcLE
	CalcGT
	CalcGE
	CalcLogicalAnd
	CalcLogicalOr
	CalcNot  // !A
	CalcBNot // ~A
	CalcNeg  // -A
	// CalcStrEq: string A (a str() field or OperandComm) equals
	// Spec.Strings[Imm]; 1 or 0.
	CalcStrEq
)

// Constant strings per probe for CalcStrEq, and their longest length.
const (
	MaxStrings   = 2
	MaxStringLen = 31
)

// Calc computes slot Dst from operands A and B in the kernel, after the
// fields are fetched. Operands narrower than 8 bytes (ASize, BSize) are
// cut first and sign-extended when ASigned/BSigned; Signed selects signed
// division, shifts and comparisons.
type Calc struct {
	Code             CalcCode
	Dst              uint8
	A, B             Operand
	ASize, BSize     uint8
	Signed           bool
	ASigned, BSigned bool
	Imm              int64
}

func (s *Spec) encodeCalcs(out *collectorLtSpec) error {
	if len(s.Calcs) > MaxCalcs {
		return fmt.Errorf("%d computed values, the collector computes at most %d per probe", len(s.Calcs), MaxCalcs)
	}
	if len(s.Strings) > MaxStrings {
		return fmt.Errorf("%d string comparisons, the collector checks at most %d per probe", len(s.Strings), MaxStrings)
	}
	for i, str := range s.Strings {
		if len(str) > MaxStringLen {
			return fmt.Errorf("string %q is longer than the %d bytes a kernel comparison holds", str, MaxStringLen)
		}
		for j := 0; j < len(str); j++ {
			out.Strs[i][j] = int8(str[j])
		}
	}
	out.Nops = uint8(len(s.Calcs))
	for i, c := range s.Calcs {
		if c.Code == CalcStrEq {
			if int(c.Dst) != i || c.Imm < 0 || int(c.Imm) >= len(s.Strings) || c.A != OperandComm && int(c.A) >= len(s.Fields) {
				return fmt.Errorf("string comparison %d is malformed", i)
			}
			if c.A == OperandComm {
				out.Flags |= specCommKey
			}
			o := &out.Ops[i]
			o.Code, o.Dst, o.A, o.Imm = uint8(c.Code), c.Dst, uint8(c.A), c.Imm|int64(len(s.Strings[c.Imm]))<<8
			continue
		}
		// Op i writes slot i, so a slot is written before it is read.
		if c.Code > CalcStrEq || int(c.Dst) != i || !c.A.valid(len(s.Fields), i) || !c.B.valid(len(s.Fields), i) {
			return fmt.Errorf("computed value %d is malformed", i)
		}
		o := &out.Ops[i]
		o.Code, o.Dst, o.A, o.B, o.A_size, o.B_size, o.Imm = uint8(c.Code), c.Dst, uint8(c.A), uint8(c.B), c.ASize, c.BSize, c.Imm
		o.Flags = flagsOf(c.Signed, 1) | flagsOf(c.ASigned, 2) | flagsOf(c.BSigned, 4)
	}
	return nil
}

func flagsOf(on bool, bit uint8) uint8 {
	if on {
		return bit
	}
	return 0
}
