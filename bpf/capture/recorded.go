package capture

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
	"github.com/luatrace/luatrace/bpf/recording"
)

// A recording keeps how each probe's records decode (recording.Field), so
// that a replay decodes them as the live run did without the recording
// machine's BTF or tracefs: Record writes a compiled program's fields in
// that form and Recorded reads them back.

// Record describes the program's fields for a recording, and how many
// fetch sections each record carries before its stacks.
func (p *Program) Record() (fields []recording.Field, fetches int) {
	for _, f := range p.Fields {
		r := f.record()
		if f.kind == kindUserSample {
			r.Size = p.UserSample // the stack bytes copied
		}
		fields = append(fields, r)
	}
	return fields, len(p.Fetches)
}

func (f Field) record() recording.Field {
	r := recording.Field{Name: f.Name, Expr: f.Expr, Fetch: f.fetch, Size: f.size, Signed: f.signed, BitOffset: f.bitOff, BitSize: f.bitSize}
	switch f.kind {
	case kindHeader:
		r.Source, r.Header, r.Fetch = recording.SourceHeader, f.header, 0
		r.Type = recording.TypeUint
		if f.header == "comm" {
			r.Type = recording.TypeString
		}
		return r
	case kindDerived:
		r.Source, r.Fetch, r.Derived = recording.SourceDerived, 0, recordDerived(f.derived)
		r.Type = recording.TypeUint
		if _, signed := expr.Eval(f.derived, func(leaf any) (uint64, bool) { return 0, leaf.(*Field).signed }); signed {
			r.Type = recording.TypeInt
		}
		return r
	}
	r.Source = recording.SourceFetch
	switch f.kind {
	case kindString:
		r.Type = recording.TypeString
	case kindBytes:
		r.Type = recording.TypeBytes
	case kindKernelStack:
		r.Type = recording.TypeKStack
	case kindUserStack:
		r.Type = recording.TypeUStack
	case kindUserSample:
		r.Type = recording.TypeUSample
	case kindKernelStackID:
		r.Type = recording.TypeKStackID
	case kindUserStackID:
		r.Type = recording.TypeUStackID
	case kindUserBuildID:
		r.Type = recording.TypeUBuildID
	default:
		r.Type = recording.TypeUint
		if f.signed {
			r.Type = recording.TypeInt
		}
	}
	return r
}

func recordDerived(n *expr.Node) *recording.Derived {
	switch {
	case n == nil:
		return nil
	case n.IsConst:
		c := n.Const
		return &recording.Derived{Const: &c}
	case n.Op == "":
		leaf := n.Leaf.(*Field).record()
		return &recording.Derived{Leaf: &leaf}
	}
	return &recording.Derived{Op: n.Op, L: recordDerived(n.X), R: recordDerived(n.Y)}
}

// Recorded rebuilds a program from a recording's description of its
// fields; fetches is recording.Probe.Fetches. The program decodes
// records (Field.Decode, Sections) but compiles nothing.
func Recorded(fields []recording.Field, fetches int) (*Program, error) {
	if fetches < 0 || fetches > collector.MaxFields {
		return nil, fmt.Errorf("recorded probe has %d fetches; at most %d are possible", fetches, collector.MaxFields)
	}
	p := &Program{Fetches: make([]collector.Fetch, fetches)}
	for _, rf := range fields {
		f, err := recordedField(rf, 0)
		if err != nil {
			return nil, fmt.Errorf("recorded field %q: %w", rf.Name, err)
		}
		p.KernelStack = p.KernelStack || f.kind == kindKernelStack
		p.UserStack = p.UserStack || f.kind == kindUserStack
		if f.kind == kindUserSample {
			p.UserSample = max(p.UserSample, f.size)
		}
		p.UserBuildID = p.UserBuildID || f.kind == kindUserBuildID
		p.Fields = append(p.Fields, f)
	}
	return p, nil
}

// maxDerivedDepth bounds a recorded expression tree: a corrupt or hostile
// recording cannot make the decoder recurse without end.
const maxDerivedDepth = 256

func recordedField(r recording.Field, depth int) (Field, error) {
	f := Field{Name: r.Name, Expr: r.Expr, fetch: r.Fetch, size: r.Size, signed: r.Signed, bitOff: r.BitOffset, bitSize: r.BitSize}
	if f.bitSize > 63 || f.bitOff > 63 {
		return f, fmt.Errorf("bitfield of %d bits at bit %d does not fit 64 bits", f.bitSize, f.bitOff)
	}
	switch r.Source {
	case recording.SourceHeader:
		if !headerBuiltins[r.Header] && r.Header != "duration" {
			return f, fmt.Errorf("unknown header value %q", r.Header)
		}
		f.kind, f.header, f.fetch = kindHeader, r.Header, -1
		return f, nil
	case recording.SourceDerived:
		d, err := recordedDerived(r.Derived, depth)
		if err != nil {
			return f, err
		}
		f.kind, f.derived, f.fetch = kindDerived, d, -1
		return f, nil
	case recording.SourceFetch:
	default:
		return f, fmt.Errorf("unknown source %q", r.Source)
	}
	switch r.Type {
	case recording.TypeString:
		f.kind = kindString
	case recording.TypeBytes:
		f.kind = kindBytes
	case recording.TypeKStack:
		f.kind = kindKernelStack
	case recording.TypeUStack:
		f.kind = kindUserStack
	case recording.TypeUSample:
		if f.size < 8 || f.size > collector.MaxUserSample {
			return f, fmt.Errorf("ustack(dwarf) of %d bytes of stack; 8 to %d are possible", f.size, collector.MaxUserSample)
		}
		f.kind = kindUserSample
	case recording.TypeKStackID:
		f.kind = kindKernelStackID
	case recording.TypeUStackID:
		f.kind = kindUserStackID
	case recording.TypeUBuildID:
		f.kind = kindUserBuildID
	case recording.TypeInt, recording.TypeUint:
		f.kind, f.signed = kindInt, r.Type == recording.TypeInt
	default:
		return f, fmt.Errorf("unknown type %q", r.Type)
	}
	return f, nil
}

func recordedDerived(d *recording.Derived, depth int) (*expr.Node, error) {
	if depth > maxDerivedDepth {
		return nil, fmt.Errorf("computed value nests deeper than %d", maxDerivedDepth)
	}
	switch {
	case d == nil:
		return nil, fmt.Errorf("computed value is missing an operand")
	case d.Const != nil:
		return expr.Const(*d.Const), nil
	case d.Leaf != nil:
		f, err := recordedField(*d.Leaf, depth+1)
		if err != nil {
			return nil, err
		}
		return expr.Leaf(&f), nil
	case expr.IsUnary(d.Op) && d.R == nil:
		x, err := recordedDerived(d.L, depth+1)
		if err != nil {
			return nil, err
		}
		return expr.Unary(0, d.Op, x), nil
	case expr.IsBinary(d.Op):
		x, err := recordedDerived(d.L, depth+1)
		if err != nil {
			return nil, err
		}
		y, err := recordedDerived(d.R, depth+1)
		if err != nil {
			return nil, err
		}
		return expr.Binary(0, d.Op, x, y), nil
	}
	return nil, fmt.Errorf("unknown operator %q", d.Op)
}
