package capture

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/collector"
)

// KeyKind is how a map key part decodes.
type KeyKind int

// Key part kinds as Lua sees them.
const (
	KeyInt KeyKind = iota
	KeyUint
	KeyString
	KeyKernelStack
	KeyUserStack
	// KeyProbe is the id of the probe that fired, named by the caller.
	KeyProbe
	// KeyLiteral is a string constant ("reads"): the same for every event,
	// so it takes no bytes in the kernel's key and decodes to Literal.
	KeyLiteral
	// KeyBuffer is a buffer of a constant size (buf(p, 16), a tracepoint's
	// __u8 array): all Width bytes, zeros included, as a Lua string.
	KeyBuffer
)

// KeyPart is one part of a compiled map key: Width bytes at Offset.
type KeyPart struct {
	Kind          KeyKind
	Offset, Width int
	Size          int    // KeyInt: the value's bytes, for sign extension
	Literal       string // KeyLiteral: the string
}

// MapUpdate is a compiled map key and value for one probe.
type MapUpdate struct {
	Parts  []collector.KeyPart
	Decode []KeyPart
	// KeyBytes is the key's size with the 8-byte histogram bucket.
	KeyBytes    int
	Value       collector.Operand
	ValueSize   uint8
	ValueSigned bool
}

// Shape describes the key's layout, so that probes feeding one map can be
// checked to agree.
func (u *MapUpdate) Shape() string {
	var b strings.Builder
	for _, d := range u.Decode {
		fmt.Fprintf(&b, "%d:%d:%d:%q;", d.Kind, d.Offset, d.Width, d.Literal)
	}
	return b.String()
}

// CompileMapUpdate compiles a map's key expressions (none: a single value)
// and its value expression ("": count, adding 1) for probe p, adding
// fetches and computed values to prog.
func CompileMapUpdate(p Probe, prog *Program, keys []string, value string) (*MapUpdate, error) {
	u := &MapUpdate{Value: collector.OperandOne, ValueSize: 8}
	if len(keys) > collector.MaxKeyParts {
		return nil, fmt.Errorf("a key has at most %d parts, not %d", collector.MaxKeyParts, len(keys))
	}
	offset := 0
	for _, k := range keys {
		c := &compiler{probe: p, prog: prog, src: k}
		part, dec, err := c.keyPart(k)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		dec.Offset = offset
		u.Decode = append(u.Decode, dec)
		if dec.Kind == KeyLiteral {
			continue
		}
		part.Offset = uint8(offset)
		offset += (part.Width() + 7) &^ 7
		u.Parts = append(u.Parts, part)
	}
	u.KeyBytes = offset + 8
	if u.KeyBytes > collector.LargeKey {
		return nil, fmt.Errorf("the key takes %d bytes; keys hold at most %d (strings count %d bytes each)",
			u.KeyBytes-8, collector.LargeKey-8, collector.MaxKeyBytes)
	}
	if value != "" {
		c := &compiler{probe: p, prog: prog, src: value}
		tree, err := parse(value)
		if err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		if s, ok := tree.(strlit); ok {
			return nil, fmt.Errorf("value %q: a map aggregates numbers, not a string; to count by %q, make it the key (key = %q)", value, s.s, value)
		}
		v, err := c.kernelValue(tree)
		if err != nil {
			return nil, fmt.Errorf("value %q: %w", value, err)
		}
		if v.isConst {
			// A constant value: computed once per event like any other.
			if v, err = c.calc(tree, collector.Calc{Code: collector.CalcOr, A: collector.OperandImm, B: collector.OperandImm, Imm: v.c}, v.c < 0); err != nil {
				return nil, err
			}
		}
		u.Value, u.ValueSize, u.ValueSigned = v.op, v.size, v.signed
	}
	if len(prog.Fetches) > collector.MaxFields {
		return nil, fmt.Errorf("%d captures (fields, filter, keys and values) exceed the limit of %d per probe", len(prog.Fetches), collector.MaxFields)
	}
	prog.placeStacks()
	return u, nil
}

func (c *compiler) keyPart(src string) (collector.KeyPart, KeyPart, error) {
	tree, err := parse(src)
	if err != nil {
		return collector.KeyPart{}, KeyPart{}, err
	}
	if s, ok := tree.(strlit); ok {
		return collector.KeyPart{}, KeyPart{Kind: KeyLiteral, Literal: s.s}, nil
	}
	if call, ok := tree.(call); ok && call.name == "ustack" {
		v, err := c.ustackMode(call)
		if err != nil {
			return collector.KeyPart{}, KeyPart{}, err
		}
		if v.header != "ustack" {
			return collector.KeyPart{}, KeyPart{}, c.errorf(call, "%s is named in luatrace frame by frame, not stored in the kernel, so it cannot be a map key: capture it as a field (fields = { us = %q }) and count in Lua, or key on ustack (frame pointers)", v.header, v.header)
		}
		tree = ident{at: call.at, name: "ustack"}
	}
	if m, ix, ok := isStamped(tree); ok {
		return c.stampedKey(m, ix)
	}
	if id, ok := tree.(ident); ok {
		switch id.name {
		case "comm":
			return collector.KeyPart{Kind: collector.KeyComm}, KeyPart{Kind: KeyString, Width: 16}, nil
		case "kstack":
			return collector.KeyPart{Kind: collector.KeyKernelStack}, KeyPart{Kind: KeyKernelStack, Width: 8}, nil
		case "ustack":
			return collector.KeyPart{Kind: collector.KeyUserStack}, KeyPart{Kind: KeyUserStack, Width: 8}, nil
		case "probe":
			return collector.KeyPart{Kind: collector.KeyValue, Operand: collector.OperandProbe, Size: 4},
				KeyPart{Kind: KeyProbe, Width: 8}, nil
		}
	}
	if !c.isArithmetic(tree) {
		saved := c.snapshot()
		if v, err := c.expr(tree); err == nil && (v.f.Op == collector.OpStr || isCharArray(v)) {
			c.restore(saved)
			f, err := c.fieldOf("", tree)
			if err != nil {
				return collector.KeyPart{}, KeyPart{}, err
			}
			fetch := &c.prog.Fetches[f.fetch]
			width := min(fetch.MaxLen, collector.MaxKeyBytes)
			fetch.MaxLen = width
			return collector.KeyPart{Kind: collector.KeyBytes, Operand: collector.Operand(f.fetch), Size: uint8(width)},
				KeyPart{Kind: KeyString, Width: width}, nil
		} else if err == nil && v.f.Op == collector.OpBuf {
			c.restore(saved)
			return c.bufferKey(tree, v)
		}
		c.restore(saved)
	}
	v, err := c.kernelValue(tree)
	if err != nil {
		return collector.KeyPart{}, KeyPart{}, err
	}
	if v.isConst {
		return collector.KeyPart{}, KeyPart{}, c.errorf(tree, "a constant key is the same for every event; leave the key out")
	}
	kind := KeyUint
	if v.signed {
		kind = KeyInt
	}
	return collector.KeyPart{Kind: collector.KeyValue, Operand: v.op, Size: v.size, Signed: v.signed},
		KeyPart{Kind: kind, Width: 8, Size: int(v.size)}, nil
}

// bufferKey makes a key part of a buffer of a constant size: all its
// bytes, so that keys differing after a zero byte (addresses) stay apart.
func (c *compiler) bufferKey(tree node, v val) (collector.KeyPart, KeyPart, error) {
	if v.f.LenField != collector.NoLenField || v.f.MaxLen > collector.MaxKeyBytes {
		return collector.KeyPart{}, KeyPart{}, c.errorf(tree, "a buffer key has a constant size of at most %d bytes (buf(p, 16)); use str() or a number", collector.MaxKeyBytes)
	}
	f, err := c.fieldOf("", tree)
	if err != nil {
		return collector.KeyPart{}, KeyPart{}, err
	}
	return collector.KeyPart{Kind: collector.KeyBytes, Operand: collector.Operand(f.fetch), Size: uint8(v.f.MaxLen)},
		KeyPart{Kind: KeyBuffer, Width: v.f.MaxLen}, nil
}

// isCharArray: a char array in memory, which fieldOf captures as a string.
func isCharArray(v val) bool {
	arr, ok := btf.As[*btf.Array](v.typ)
	return ok && v.lvalue && isChar(arr.Type)
}
