package collector

import "fmt"

// Capture limits (collector.h's lt_fetch_limits).
const (
	// MaxFields is the most captured fields per probe.
	MaxFields = int(collectorLtFetchLimitsLT_MAX_FIELDS)
	// MaxDerefs is the most pointer loads in one field.
	MaxDerefs = int(collectorLtFetchLimitsLT_MAX_DEREFS)
	// MaxFieldBytes is the largest string or buffer one field captures.
	MaxFieldBytes = int(collectorLtFetchLimitsLT_MAX_FIELD_BYTES)
	// MaxRegisterOffset is the last 8-byte word of struct pt_regs.
	MaxRegisterOffset = uint16(collectorLtFetchLimitsLT_MAX_REG_OFFSET)
	// NoLenField marks an OpBuf whose length is MaxLen.
	NoLenField = uint8(collectorLtFetchLimitsLT_NO_LEN_FIELD)
)

// Source is where a field's starting value comes from.
type Source uint8

// Field sources (enum lt_fetch_source).
const (
	FromArg        = Source(collectorLtFetchSourceLT_SRC_ARG)     // argument Index
	FromRetval     = Source(collectorLtFetchSourceLT_SRC_RETVAL)  // the return value
	FromTracepoint = Source(collectorLtFetchSourceLT_SRC_TP)      // TracepointSize bytes at TracepointOffset of the raw record
	FromField      = Source(collectorLtFetchSourceLT_SRC_FIELD)   // the value of an earlier field, Index
	FromCurtask    = Source(collectorLtFetchSourceLT_SRC_CURTASK) // the current task_struct pointer
	FromCgroup     = Source(collectorLtFetchSourceLT_SRC_CGROUP)  // the current cgroup v2 id
	// FromRegister is the pt_regs word at byte TracepointOffset: USDT
	// arguments live in any register. Only probes with registers
	// (kprobe, uprobe, profile) have it; elsewhere the field faults.
	FromRegister = Source(collectorLtFetchSourceLT_SRC_REG)
	// FromTracepointAddress is the address of byte TracepointOffset of
	// the raw record: an array field (tcp:*'s saddr_v6), read where it
	// is with OpBuf.
	FromTracepointAddress = Source(collectorLtFetchSourceLT_SRC_TP_ADDR)
	// FromSlot is computed slot Index: a since() read, say. It is a late
	// source, as FromStamped: its field's section is reserved in order
	// and filled in after the computed values.
	FromSlot = Source(collectorLtFetchSourceLT_SRC_SLOT)
	// FromStamped is the address of what the since() computing slot
	// Index read from its stamp: Offsets[0] picks a saved part, read
	// with OpRead or, for comm, OpBuf of MaxLen bytes.
	FromStamped = Source(collectorLtFetchSourceLT_SRC_STAMPED)
)

// Late reports whether f's source is computed after the fetches: its
// value only fills a section of a fixed size.
func (f *Fetch) Late() bool { return f.Source >= FromSlot }

// Op is what a field does at the address its loads reached.
type Op uint8

// Field operations (enum lt_op).
const (
	OpValue = Op(collectorLtOpLT_OP_VALUE) // the value plus the final offset, no read
	OpRead  = Op(collectorLtOpLT_OP_READ)  // read Size bytes (1..8)
	OpStr   = Op(collectorLtOpLT_OP_STR)   // NUL-terminated string, at most MaxLen bytes
	OpBuf   = Op(collectorLtOpLT_OP_BUF)   // LenField's value bytes (or MaxLen), at most MaxLen
)

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
	case f.Source > FromStamped || f.Op > OpBuf:
		return fmt.Errorf("field %d has an unknown source or operation", i)
	case f.Late() && (int(f.Index) >= MaxCalcs || f.Derefs != 0 || f.Op == OpStr ||
		f.Op == OpBuf && (f.LenField != NoLenField || f.MaxLen > StampSaved)):
		return fmt.Errorf("field %d of computed slot %d must be a value, a read or a buffer of at most %d bytes", i, f.Index, StampSaved)
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

// encode lays f out as struct lt_fetch.
func (f *Fetch) encode() collectorLtFetch {
	o := collectorLtFetch{
		Source: uint8(f.Source), Index: f.Index, Nderef: uint8(f.Derefs), Op: uint8(f.Op),
		Size: f.Size, LenField: f.LenField, TpSize: f.TracepointSize, TpOffset: f.TracepointOffset,
		MaxLen: uint16(f.MaxLen), Offsets: f.Offsets,
	}
	if f.Op != OpBuf {
		o.LenField = NoLenField
	}
	for d := 0; d <= f.Derefs; d++ {
		if f.User[d] {
			o.User |= 1 << d
		}
	}
	return o
}
