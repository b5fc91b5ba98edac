package capture

import (
	"bytes"
	le "encoding/binary"
	"fmt"
	"slices"
	"strconv"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
	"github.com/luatrace/luatrace/bpf/unwind"
	"github.com/luatrace/luatrace/bpf/usym"
)

// ValueKind says which member of a Value holds the data.
type ValueKind int

// Value kinds.
const (
	Int    ValueKind = iota // N, sign-extended
	Uint                    // N
	String                  // B
	Bytes                   // B
	Stack                   // Frames
)

// Value is a decoded capture.
type Value struct {
	Kind   ValueKind
	N      uint64
	B      []byte
	Frames []uint64
	User   bool // a user-space stack
	// Dwarf: the stack is ustack(dwarf)'s Sample, to unwind (Frames is
	// empty); Sample is nil when the task had no user mode (a kernel
	// thread).
	Dwarf  bool
	Sample *unwind.Sample
	// ByID: the stack is StackID in the collector's stack map (a part a
	// stamp saved); Frames is empty, and PID is the process a user stack
	// was taken in (not necessarily the record's).
	ByID    bool
	StackID uint32
	PID     int
	// BuildIDs: the stack is ustack(buildid)'s frames (Frames is empty).
	BuildIDs []usym.BuildIDFrame
	Status   collector.FieldStatus
}

// Decode extracts the field from a record whose captured fields are data
// (from Record.Fields with the program's fetch count).
func (f Field) Decode(rec collector.Record, data []collector.FieldData) Value {
	switch f.kind {
	case kindHeader:
		return headerValue(rec, f.header)
	case kindKernelStack, kindUserStack:
		return f.stack(data)
	case kindUserSample:
		return f.userSample(data)
	case kindKernelStackID, kindUserStackID:
		return f.stackByID(data)
	case kindUserBuildID:
		v := f.stack(data)
		v.BuildIDs, v.Frames, v.User = usym.ParseBuildIDStack(frameBytes(data, f.fetch)), nil, true
		return v
	case kindDerived:
		n, signed := evalDerived(f.derived, rec, data)
		return Value{Kind: kindOf(signed), N: n}
	}
	if f.fetch < 0 || f.fetch >= len(data) {
		return Value{Status: collector.FieldTruncated}
	}
	d := data[f.fetch]
	switch f.kind {
	case kindString:
		b := d.Bytes
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i] // a fixed-size comm a stamp saved
		}
		return Value{Kind: String, B: b, Status: d.Status}
	case kindBytes:
		return Value{Kind: Bytes, B: d.Bytes, Status: d.Status}
	}
	raw := d.Value()
	if f.bitSize > 0 {
		raw = raw >> f.bitOff & (1<<f.bitSize - 1)
		if f.signed && raw&(1<<(f.bitSize-1)) != 0 {
			raw |= ^uint64(0) << f.bitSize
		}
		return Value{Kind: kindOf(f.signed), N: raw, Status: d.Status}
	}
	if f.size > 0 && f.size < 8 {
		bits := uint(f.size * 8)
		raw &= 1<<bits - 1
		if f.signed && raw&(1<<(bits-1)) != 0 {
			raw |= ^uint64(0) << bits
		}
	}
	return Value{Kind: kindOf(f.signed), N: raw, Status: d.Status}
}

func kindOf(signed bool) ValueKind {
	if signed {
		return Int
	}
	return Uint
}

func headerValue(rec collector.Record, name string) Value {
	switch name {
	case "pid":
		return Value{Kind: Uint, N: uint64(rec.PID())}
	case "tid":
		return Value{Kind: Uint, N: uint64(rec.TID())}
	case "uid":
		return Value{Kind: Uint, N: uint64(rec.UID())}
	case "gid":
		return Value{Kind: Uint, N: uint64(rec.GID())}
	case "cpu":
		return Value{Kind: Uint, N: uint64(rec.CPU())}
	case "nsecs":
		return Value{Kind: Uint, N: rec.Timestamp()}
	case "duration":
		return Value{Kind: Uint, N: rec.Duration()}
	case "comm":
		return Value{Kind: String, B: []byte(rec.Comm())}
	}
	return Value{}
}

// Describe renders a field's compiled form for -v, like perf probe -D.
func (p *Program) Describe() []string {
	var out []string
	for _, f := range p.Fields {
		line := f.Name + " = " + f.Expr + ": "
		switch f.kind {
		case kindHeader:
			out = append(out, line+"header "+f.header)
			continue
		case kindKernelStack:
			out = append(out, line+"kernel stack")
			continue
		case kindUserStack:
			out = append(out, line+"user stack")
			continue
		case kindKernelStackID, kindUserStackID:
			out = append(out, line+"stack id "+describeFetch(p.Fetches, f.fetch))
			continue
		case kindUserSample:
			out = append(out, fmt.Sprintf("%suser registers and %d bytes of user stack, unwound with CFI", line, p.UserSample))
			continue
		case kindUserBuildID:
			out = append(out, line+"user stack as build-id and file offset per frame")
			continue
		case kindDerived:
			out = append(out, line+"computed from "+describeDerived(p.Fetches, f.derived))
			continue
		}
		out = append(out, line+describeFetch(p.Fetches, f.fetch))
	}
	for i, c := range p.Calcs {
		out = append(out, fmt.Sprintf("slot%d = %s", i, describeCalc(p.Fetches, c)))
	}
	return out
}

// stack decodes a stack section: it follows the fetches, kernel first.
func (f Field) stack(data []collector.FieldData) Value {
	i := f.fetch // placed by placeStacks
	if i < 0 || i >= len(data) {
		return Value{Kind: Stack, Status: collector.FieldTruncated}
	}
	d := data[i]
	frames := make([]uint64, 0, len(d.Bytes)/8)
	for j := 0; j+8 <= len(d.Bytes); j += 8 {
		frames = append(frames, le.LittleEndian.Uint64(d.Bytes[j:]))
	}
	return Value{Kind: Stack, Frames: frames, User: f.kind == kindUserStack, Status: d.Status}
}

// stackByID decodes a stack a stamp saved: its id, and for user stacks
// the process, as a map key holds them.
func (f Field) stackByID(data []collector.FieldData) Value {
	v := Value{Kind: Stack, ByID: true, User: f.kind == kindUserStackID, Status: collector.FieldTruncated}
	if f.fetch < 0 || f.fetch >= len(data) {
		return v
	}
	d := data[f.fetch]
	id, pid := collector.StackKey(d.Value())
	v.StackID, v.Status = id, d.Status
	if v.User {
		v.PID = pid
	}
	return v
}

// frameBytes is the bytes of stack section i, nil when absent.
func frameBytes(data []collector.FieldData, i int) []byte {
	if i < 0 || i >= len(data) {
		return nil
	}
	return data[i].Bytes
}

// userSample decodes the user sample section: the user registers, then
// the stack bytes from the stack pointer up. A truncated section (the
// stack mapping ended first) still unwinds as far as it goes.
func (f Field) userSample(data []collector.FieldData) Value {
	v := Value{Kind: Stack, User: true, Dwarf: true, Status: collector.FieldTruncated}
	if f.fetch < 0 || f.fetch >= len(data) {
		return v
	}
	d := data[f.fetch]
	v.Status = d.Status
	if d.Status == collector.FieldFault {
		return v
	}
	regs, err := unwind.RegsFromPtRegs(d.Bytes)
	if err != nil {
		v.Status = collector.FieldFault
		return v
	}
	v.Sample = &unwind.Sample{Regs: regs, Stack: d.Bytes[collector.UserSampleRegs:]}
	return v
}

func describeDerived(fetches []collector.Fetch, d *expr.Node) string {
	switch {
	case d.IsConst:
		return strconv.FormatInt(d.Const, 10)
	case d.Op == "":
		leaf := d.Leaf.(*Field)
		if leaf.kind == kindHeader {
			return leaf.header
		}
		return "[" + describeFetch(fetches, leaf.fetch) + "]"
	case d.Y == nil:
		return d.Op + describeDerived(fetches, d.X)
	}
	return "(" + describeDerived(fetches, d.X) + " " + d.Op + " " + describeDerived(fetches, d.Y) + ")"
}

// StacksByID reports whether some field is a stack stored by id (a part
// a stamp saved), kernel or user.
func (p *Program) StacksByID() (kernel, user bool) {
	for _, f := range p.Fields {
		kernel = kernel || f.kind == kindKernelStackID
		user = user || f.kind == kindUserStackID
	}
	return kernel, user
}

// DecodeStacksByID decodes a record's stacks stored by id, for a recording
// to keep their frames.
func (p *Program) DecodeStacksByID(rec collector.Record) []Value {
	return p.decodeKinds(rec, kindKernelStackID, kindUserStackID)
}

// DecodeUserStacks decodes a record's user stacks given as frames (not
// by id, not ustack(dwarf) samples), for a recording to keep their
// symbols.
func (p *Program) DecodeUserStacks(rec collector.Record) []Value {
	return p.decodeKinds(rec, kindUserStack)
}

// decodeKinds decodes the fields of the given kinds.
func (p *Program) decodeKinds(rec collector.Record, kinds ...kind) []Value {
	var out []Value
	var data []collector.FieldData
	for _, f := range p.Fields {
		if !slices.Contains(kinds, f.kind) {
			continue
		}
		if data == nil {
			data = rec.Fields(p.Sections())
		}
		out = append(out, f.Decode(rec, data))
	}
	return out
}
