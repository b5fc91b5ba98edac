package collector

import (
	"encoding/binary"
	"fmt"
)

// Capture limits, as in collector.h.
const (
	// MaxFields is the most captured fields per probe.
	MaxFields = 8
	// MaxDerefs is the most pointer loads in one field.
	MaxDerefs = 4
	// MaxFieldBytes is the largest string or buffer one field captures.
	MaxFieldBytes = 0x7ff0
)

// Source is where a field's starting value comes from.
type Source uint8

// Field sources.
const (
	FromArg        Source = 0 // argument Index
	FromRetval     Source = 1 // the return value
	FromTracepoint Source = 2 // TracepointSize bytes at TracepointOffset of the raw record
	FromField      Source = 3 // the value of an earlier field, Index
	FromCurtask    Source = 4 // the current task_struct pointer
	FromCgroup     Source = 5 // the current cgroup v2 id
	// FromRegister is the pt_regs word at byte TracepointOffset: USDT
	// arguments live in any register. Only probes with registers
	// (kprobe, uprobe, profile) have it; elsewhere the field faults.
	FromRegister Source = 6
)

// MaxRegisterOffset is the last 8-byte word of x86-64 struct pt_regs.
const MaxRegisterOffset = 160

// Op is what a field does at the address its loads reached.
type Op uint8

// Field operations.
const (
	OpValue Op = 0 // the value plus the final offset, no read
	OpRead  Op = 1 // read Size bytes (1..8)
	OpStr   Op = 2 // NUL-terminated string, at most MaxLen bytes
	OpBuf   Op = 3 // LenField's value bytes (or MaxLen), at most MaxLen
)

// NoLenField marks an OpBuf whose length is MaxLen.
const NoLenField = 0xff

// Fetch is one field's fetch program: start from Source, load a pointer
// at value+Offsets[i] for each of Derefs loads, then apply Op at
// value+Offsets[Derefs]. User[i] selects user memory for load i, and
// User[Derefs] for the final read.
type Fetch struct {
	Source           Source
	Index            uint8
	TracepointOffset uint16
	TracepointSize   uint8
	Size             uint8
	Derefs           int
	Offsets          [MaxDerefs + 1]int32
	User             [MaxDerefs + 1]bool
	Op               Op
	MaxLen           int
	LenField         uint8
}

func (f *Fetch) validate(i int) error {
	switch {
	case f.Derefs < 0 || f.Derefs > MaxDerefs:
		return fmt.Errorf("field %d follows %d pointers, at most %d", i, f.Derefs, MaxDerefs)
	case f.Source > FromRegister || f.Op > OpBuf:
		return fmt.Errorf("field %d has an unknown source or operation", i)
	case f.Source == FromRegister && (f.TracepointOffset > MaxRegisterOffset || f.TracepointOffset%8 != 0):
		return fmt.Errorf("field %d reads register offset %d, not a pt_regs word", i, f.TracepointOffset)
	case f.Source == FromField && int(f.Index) >= i:
		return fmt.Errorf("field %d starts from field %d, which is not before it", i, f.Index)
	case f.Op == OpRead && (f.Size == 0 || f.Size > 8):
		return fmt.Errorf("field %d reads %d bytes, want 1..8", i, f.Size)
	case (f.Op == OpStr || f.Op == OpBuf) && (f.MaxLen <= 0 || f.MaxLen > MaxFieldBytes):
		return fmt.Errorf("field %d captures up to %d bytes, the limit is %d", i, f.MaxLen, MaxFieldBytes)
	case f.Op == OpBuf && f.LenField != NoLenField && int(f.LenField) >= i:
		return fmt.Errorf("field %d takes its length from field %d, which is not before it", i, f.LenField)
	}
	return nil
}

// FieldStatus says how a captured field came out.
type FieldStatus uint8

// Field statuses.
const (
	FieldOK        FieldStatus = 0
	FieldFault     FieldStatus = 1 // a read failed
	FieldTruncated FieldStatus = 2 // cut at its limit or the record's room
)

func (s FieldStatus) String() string {
	switch s {
	case FieldOK:
		return "ok"
	case FieldFault:
		return "fault"
	case FieldTruncated:
		return "truncated"
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// FieldData is one captured field of a record.
type FieldData struct {
	Status FieldStatus
	Bytes  []byte // 8 little-endian bytes for OpValue/OpRead
}

// Value is the 64-bit value of an OpValue/OpRead field.
func (f FieldData) Value() uint64 {
	if len(f.Bytes) < 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(f.Bytes)
}

// Fields splits the captured fields out of a record; n is how many the
// probe's spec asked for. Fields the record had no room for come out
// empty and truncated.
func (r Record) Fields(n int) []FieldData {
	rest := r[HeaderSize+8*r.NArgs()+r.payloadLen():]
	out := make([]FieldData, n)
	for i := range out {
		if len(rest) < 4 {
			out[i].Status = FieldTruncated
			continue
		}
		l := int(binary.LittleEndian.Uint16(rest))
		status := FieldStatus(rest[2])
		rest = rest[4:]
		if l > len(rest) {
			out[i].Status = FieldTruncated
			rest = nil
			continue
		}
		out[i] = FieldData{Status: status, Bytes: rest[:l:l]}
		rest = rest[min((l+3)&^3, len(rest)):]
	}
	return out
}

// MaxClauses is the most filter clauses per probe.
const MaxClauses = 4

// Operand names a value for clauses, computed values and map keys: a
// captured field (0..MaxFields-1), a header value (PID..Cgroup are known
// before anything is fetched and filter first), a computed slot
// (Slot(i)) or a constant.
type Operand uint8

// Header and constant operands.
const (
	OperandPID Operand = 8 + iota
	OperandTID
	OperandUID
	OperandGID
	OperandCPU
	OperandCgroup
	OperandNsecs
	OperandDuration
	OperandRetval
	OperandOne  // the constant 1
	OperandImm  // a Calc's Imm
	OperandComm // the task command: CalcStrEq's A only
)

// operandSlot0 is computed slot 0's operand.
const operandSlot0 Operand = 24

// Slot is the operand of computed slot i (0..MaxCalcs-1).
func Slot(i int) Operand { return operandSlot0 + Operand(i) }

// valid reports whether o names a value a spec with nfields fields and
// nslots computed slots has.
func (o Operand) valid(nfields, nslots int) bool {
	switch {
	case o < MaxFields:
		return int(o) < nfields
	case o >= operandSlot0:
		return int(o-operandSlot0) < nslots
	}
	return o >= OperandPID && o <= OperandImm
}

// Cmp is a clause's comparison.
type Cmp uint8

// Comparisons.
const (
	CmpEQ Cmp = iota
	CmpNE
	CmpLT
	CmpLE
	CmpGT
	CmpGE
)

// Clause is one kernel-side filter condition: Operand Cmp Value. An event
// is kept when, in some Group, all clauses hold (an OR of ANDs).
type Clause struct {
	Group   uint8 // 0..MaxClauses-1
	Operand Operand
	Cmp     Cmp
	Signed  bool
	Size    uint8 // bytes of the operand's type (1, 2, 4; 0 or 8: all 64 bits)
	Value   uint64
}
