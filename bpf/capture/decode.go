package capture

import (
	"github.com/luatrace/luatrace/bpf/collector"
)

// ValueKind says which member of a Value holds the data.
type ValueKind int

// Value kinds.
const (
	Int    ValueKind = iota // N, sign-extended
	Uint                    // N
	String                  // B
	Bytes                   // B
)

// Value is a decoded capture.
type Value struct {
	Kind   ValueKind
	N      uint64
	B      []byte
	Status collector.FieldStatus
}

// Decode extracts the field from a record whose captured fields are data
// (from Record.Fields with the program's fetch count).
func (f Field) Decode(rec collector.Record, data []collector.FieldData) Value {
	if f.kind == kindHeader {
		return headerValue(rec, f.header)
	}
	if f.fetch < 0 || f.fetch >= len(data) {
		return Value{Status: collector.FieldTruncated}
	}
	d := data[f.fetch]
	switch f.kind {
	case kindString:
		return Value{Kind: String, B: d.Bytes, Status: d.Status}
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
		if f.fetch < 0 {
			out = append(out, line+"header "+f.header)
			continue
		}
		out = append(out, line+describeFetch(p.Fetches, f.fetch))
	}
	return out
}
