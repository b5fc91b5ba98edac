package collector

import "fmt"

// Limits of computed values (collector.h's lt_calc_limits).
const (
	// MaxCalcs is the most computed values per probe.
	MaxCalcs = int(collectorLtCalcLimitsLT_MAX_OPS)
	// MaxStrings is how many constant strings CalcStrEq compares with
	// per probe, and MaxStringLen their longest length (the NUL takes
	// the last byte).
	MaxStrings   = int(collectorLtCalcLimitsLT_MAX_STRS)
	MaxStringLen = int(collectorLtCalcLimitsLT_STR_LEN) - 1
)

// CalcCode is a computed value's operation.
type CalcCode uint8

// Operations (enum lt_op_code). Comparisons and logic give 0 or 1;
// division and modulo by zero give 0.
const (
	CalcAdd        = CalcCode(collectorLtOpCodeLT_OPC_ADD)
	CalcSub        = CalcCode(collectorLtOpCodeLT_OPC_SUB)
	CalcMul        = CalcCode(collectorLtOpCodeLT_OPC_MUL)
	CalcDiv        = CalcCode(collectorLtOpCodeLT_OPC_DIV)
	CalcMod        = CalcCode(collectorLtOpCodeLT_OPC_MOD)
	CalcAnd        = CalcCode(collectorLtOpCodeLT_OPC_AND)
	CalcOr         = CalcCode(collectorLtOpCodeLT_OPC_OR)
	CalcXor        = CalcCode(collectorLtOpCodeLT_OPC_XOR)
	CalcShl        = CalcCode(collectorLtOpCodeLT_OPC_SHL)
	CalcShr        = CalcCode(collectorLtOpCodeLT_OPC_SHR)
	CalcEQ         = CalcCode(collectorLtOpCodeLT_OPC_EQ)
	CalcNE         = CalcCode(collectorLtOpCodeLT_OPC_NE)
	CalcLT         = CalcCode(collectorLtOpCodeLT_OPC_LT)
	CalcLE         = CalcCode(collectorLtOpCodeLT_OPC_LE)
	CalcGT         = CalcCode(collectorLtOpCodeLT_OPC_GT)
	CalcGE         = CalcCode(collectorLtOpCodeLT_OPC_GE)
	CalcLogicalAnd = CalcCode(collectorLtOpCodeLT_OPC_LAND)
	CalcLogicalOr  = CalcCode(collectorLtOpCodeLT_OPC_LOR)
	CalcNot        = CalcCode(collectorLtOpCodeLT_OPC_NOT)  // !A
	CalcBNot       = CalcCode(collectorLtOpCodeLT_OPC_BNOT) // ~A
	CalcNeg        = CalcCode(collectorLtOpCodeLT_OPC_NEG)  // -A
	// CalcStrEq: string A (a str() field or OperandComm) equals
	// Spec.Strings[Imm]; 1 or 0.
	CalcStrEq = CalcCode(collectorLtOpCodeLT_OPC_STREQ)
	// CalcSince: nanoseconds since key A was stamped in stamp table Imm
	// (see Stamp), deleting the stamp. No stamp filters the event out.
	CalcSince = CalcCode(collectorLtOpCodeLT_OPC_SINCE)
	// CalcStamped: the 8 bytes at byte Imm of what the stamp read by the
	// CalcSince in slot A had saved (Stamp.Saved).
	CalcStamped = CalcCode(collectorLtOpCodeLT_OPC_STAMPED)
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
				out.Flags |= uint32(collectorLtSpecFlagsLT_SPEC_COMM)
			}
			// The string's index in the low byte, its length above.
			out.Ops[i] = collectorLtCalc{Code: uint8(c.Code), Dst: c.Dst, A: uint8(c.A), Imm: c.Imm | int64(len(s.Strings[c.Imm]))<<8}
			continue
		}
		// Op i writes slot i, so a slot is written before it is read.
		if c.Code == CalcSince && (c.Imm <= 0 || c.Imm > int64(MaxStampTables)) {
			return fmt.Errorf("computed value %d reads no stamp table", i)
		}
		if c.Code == CalcStamped && (!s.readsStamp(c.A, i) || c.Imm < 0 || c.Imm%8 != 0 || c.Imm >= int64(StampSaved)) {
			return fmt.Errorf("computed value %d reads no saved part of a stamp", i)
		}
		if c.Code > CalcStamped || int(c.Dst) != i || !c.A.valid(len(s.Fields), i) || !c.B.valid(len(s.Fields), i) {
			return fmt.Errorf("computed value %d is malformed", i)
		}
		out.Ops[i] = collectorLtCalc{
			Code: uint8(c.Code), Dst: c.Dst, A: uint8(c.A), B: uint8(c.B), A_size: c.ASize, B_size: c.BSize, Imm: c.Imm,
			Flags: opFlags(c.Signed, collectorLtOpfLT_OPF_SIGNED) | opFlags(c.ASigned, collectorLtOpfLT_OPF_A_SIGNED) |
				opFlags(c.BSigned, collectorLtOpfLT_OPF_B_SIGNED),
		}
	}
	return nil
}

// readsStamp: operand a is the slot of a CalcSince before calc i.
func (s *Spec) readsStamp(a Operand, i int) bool {
	j := int(a) - int(Slot(0))
	return j >= 0 && j < i && s.Calcs[j].Code == CalcSince
}

// opFlags is flag when on, else 0.
func opFlags(on bool, flag collectorLtOpf) uint8 {
	if on {
		return uint8(flag)
	}
	return 0
}
