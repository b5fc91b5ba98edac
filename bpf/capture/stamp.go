package capture

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
)

// Stamps: a probe's stamp "NAME[KEY]" stores the time under KEY's value
// in the script's stamp table NAME, with the key parts it saves (its
// kstack, ustack, comm, numbers such as pid), and since(NAME[KEY]) at
// another probe is how many nanoseconds ago KEY was stamped there,
// computed in the kernel, the stamp deleted as it is read (bpftrace's
// @start[tid] = nsecs ... nsecs - @start[tid]; delete(@start[tid])).
// NAME[KEY].PART in that probe's keys, filter and values is what the
// stamp saved as PART, from the same read.

// StampTable is one of the script's stamp tables, shared by its probes as
// they compile.
type StampTable struct {
	Name string
	ID   uint16
	// Stamped: some probe stamps the table, so since() may read it.
	Stamped bool
	// Saved are the parts its stamps save, as the first probe stamping it
	// laid them out; every probe stamping it saves the same.
	Saved []SavedPart
}

// SavedPart is a key part a stamp saves: Decode says how it decodes in a
// map key, Decode.Offset where it starts in the saved bytes.
type SavedPart struct {
	Name   string
	Decode KeyPart
}

// SavedExpr is a part a probe's stamp saves: NAME = "expression".
type SavedExpr struct {
	Name, Expr string
}

// sinceLeaf is since(NAME[KEY]) in a kernel tree: lowered to a
// collector.CalcSince over KEY's value.
type sinceLeaf struct {
	at    node
	table uint16
	key   *expr.Node
	text  string // the canonical call, so that a probe reads each stamp once
}

// stampedLeaf is NAME[KEY].PART, a number a stamp saved, in a kernel
// tree: lowered to a collector.CalcStamped over the read of the stamp.
type stampedLeaf struct {
	at     node
	since  *expr.Node
	from   uint8
	signed bool
}

// CompileStamp compiles a probe's stamp option, "NAME[KEY]" and the parts
// it saves, adding their fetches and computed values to prog. The first
// probe to stamp a table lays out its saved parts; the others must save
// the same names.
func CompileStamp(p Probe, prog *Program, src string, saved []SavedExpr) (*collector.Stamp, error) {
	c := &compiler{probe: p, prog: prog, src: src}
	tree, err := parse(src)
	if err != nil {
		return nil, err
	}
	table, key, err := c.stampRef(tree, "a stamp", true)
	if err != nil {
		return nil, err
	}
	k, err := c.kernelValue(key)
	if err != nil {
		return nil, err
	}
	if k.isConst {
		return nil, c.errorf(key, "a constant key is the same for every event; stamp under a value of the event such as tid")
	}
	st := &collector.Stamp{Table: table.ID, Key: k.op, Size: k.size, Signed: k.signed}
	layout, err := c.savedParts(st, saved)
	if err != nil {
		return nil, err
	}
	if len(prog.Fetches) > collector.MaxFields {
		return nil, fmt.Errorf("%d captures (fields, filter, maps and stamp) exceed the limit of %d per probe", len(prog.Fetches), collector.MaxFields)
	}
	if !table.Stamped {
		table.Stamped, table.Saved = true, layout
	} else if !sameSaved(table.Saved, layout) {
		return nil, fmt.Errorf("stamp table %s saves %s at another probe; every probe stamping it saves the same parts", table.Name, savedNames(table.Saved))
	}
	prog.placeStacks()
	return st, nil
}

// savedParts compiles the parts a stamp saves into st, in the order given,
// and returns their layout.
func (c *compiler) savedParts(st *collector.Stamp, saved []SavedExpr) ([]SavedPart, error) {
	if len(saved) > collector.MaxStampParts {
		return nil, fmt.Errorf("a stamp saves at most %d parts, not %d", collector.MaxStampParts, len(saved))
	}
	var layout []SavedPart
	offset := 0
	for _, s := range saved {
		c.src = s.Expr
		part, dec, err := c.keyPart(s.Expr)
		if err != nil {
			return nil, fmt.Errorf("saved part %s: %w", s.Name, err)
		}
		if part.Kind == collector.KeyBytes || part.Kind == collector.KeyStamped {
			return nil, fmt.Errorf("saved part %s (%q): a stamp saves numbers, comm, kstack and ustack of its own event", s.Name, s.Expr)
		}
		part.Offset, dec.Offset = uint8(offset), offset
		offset += (part.Width() + 7) &^ 7
		if offset > collector.StampSaved {
			return nil, fmt.Errorf("the saved parts take %d bytes; a stamp saves at most %d (comm takes 16, a number or a stack 8)", offset, collector.StampSaved)
		}
		st.Saved = append(st.Saved, part)
		layout = append(layout, SavedPart{Name: s.Name, Decode: dec})
	}
	return layout, nil
}

func sameSaved(a, b []SavedPart) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Decode.Kind != b[i].Decode.Kind || a[i].Decode.Offset != b[i].Decode.Offset || a[i].Decode.Width != b[i].Decode.Width {
			return false
		}
	}
	return true
}

func savedNames(parts []SavedPart) string {
	if len(parts) == 0 {
		return "nothing"
	}
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// stampRef reads NAME[KEY], a stamp table and the key expression. A
// stamp creates its table; since() reads only a table some probe stamps.
func (c *compiler) stampRef(n node, what string, stamping bool) (*StampTable, node, error) {
	ix, ok := n.(index)
	name, named := ix.x.(ident)
	if !ok || !named {
		return nil, nil, c.errorf(n, "%s names a stamp table and a key: NAME[KEY], e.g. queued[args.pid]", what)
	}
	if c.probe.Stamps == nil {
		return nil, nil, c.errorf(n, "this probe cannot use stamp tables")
	}
	table, err := c.probe.Stamps(name.name, stamping)
	if err != nil {
		return nil, nil, c.errorf(n, "%v", err)
	}
	if !stamping && (table == nil || !table.Stamped) {
		return nil, nil, c.errorf(n, "no probe stamps table %s; give an earlier probe the option stamp = \"%s[KEY]\"", name.name, name.name)
	}
	return table, ix.i, nil
}

// since compiles since(NAME[KEY]) for the kernel.
func (c *compiler) since(x call) (*expr.Node, error) {
	if len(x.args) != 1 {
		return nil, c.errorf(x, "since takes a stamp: since(NAME[KEY]), e.g. since(queued[args.next_pid])")
	}
	text := canonical(x)
	if k, ok := c.prog.sinces[text]; ok && c.stillComputed(k) {
		return expr.Leaf(k), nil
	}
	table, key, err := c.stampRef(x.args[0], "since()", false)
	if err != nil {
		return nil, err
	}
	t, err := c.kernelTree(key)
	if err != nil {
		return nil, err
	}
	if t.IsConst {
		return nil, c.errorf(key, "a constant key is the same for every event; read the stamp of a value of the event such as tid")
	}
	return expr.Leaf(sinceLeaf{at: x, table: table.ID, key: t, text: text}), nil
}

var argN = regexp.MustCompile(`^arg[0-9]+$`)

// isStamped: n is NAME[KEY].PART, what a stamp saved (NAME not one of
// the expression language's own names).
func isStamped(n node) (member, index, bool) {
	m, ok := n.(member)
	if !ok || m.arrow {
		return m, index{}, false
	}
	ix, ok := m.x.(index)
	if !ok {
		return m, ix, false
	}
	name, ok := ix.x.(ident)
	if !ok || name.name == "args" || name.name == "curtask" || name.name == "retval" || argN.MatchString(name.name) {
		return m, ix, false
	}
	return m, ix, true
}

// stamped compiles NAME[KEY].PART: the read of the stamp (shared with
// since(NAME[KEY]) in the probe) and the part it saved.
func (c *compiler) stamped(m member, ix index) (kval, SavedPart, error) {
	read, err := c.since(call{at: ix.at, name: "since", args: []node{ix}})
	if err != nil {
		return kval{}, SavedPart{}, err
	}
	table, _ := c.probe.Stamps(ix.x.(ident).name, false)
	var part *SavedPart
	for i := range table.Saved {
		if table.Saved[i].Name == m.name {
			part = &table.Saved[i]
		}
	}
	if part == nil {
		return kval{}, SavedPart{}, c.errorf(m, "stamp table %s saves no part %s (it saves %s); save it where the table is stamped: stamp = {\"%s[KEY]\", %s = \"EXPRESSION\"}",
			table.Name, m.name, savedNames(table.Saved), table.Name, m.name)
	}
	k, err := c.lower(read)
	return k, *part, err
}

// stampedKey is NAME[KEY].PART as a map key part.
func (c *compiler) stampedKey(m member, ix index) (collector.KeyPart, KeyPart, error) {
	k, part, err := c.stamped(m, ix)
	if err != nil {
		return collector.KeyPart{}, KeyPart{}, err
	}
	dec := part.Decode
	return collector.KeyPart{Kind: collector.KeyStamped, Operand: k.op, Size: uint8(dec.Width), From: uint8(dec.Offset)}, dec, nil
}

// stampedValue is NAME[KEY].PART in an expression: a number.
func (c *compiler) stampedValue(m member, ix index) (*expr.Node, error) {
	read, err := c.since(call{at: ix.at, name: "since", args: []node{ix}})
	if err != nil {
		return nil, err
	}
	table, _ := c.probe.Stamps(ix.x.(ident).name, false)
	for _, p := range table.Saved {
		if p.Name != m.name {
			continue
		}
		if p.Decode.Kind != KeyInt && p.Decode.Kind != KeyUint {
			return nil, c.errorf(m, "%s[...].%s is not a number; use it as a map key", table.Name, m.name)
		}
		return expr.Leaf(stampedLeaf{at: m, since: read, from: uint8(p.Decode.Offset), signed: p.Decode.Kind == KeyInt}), nil
	}
	_, _, err = c.stamped(m, ix) // the error naming the parts saved
	return nil, err
}

// lowerStamped appends the CalcStamped of s, after the read it needs.
func (c *compiler) lowerStamped(s stampedLeaf) (kval, error) {
	k, err := c.lower(s.since)
	if err != nil {
		return k, err
	}
	return c.calc(s.at, collector.Calc{Code: collector.CalcStamped, A: k.op, ASize: 8, B: collector.OperandOne, Imm: int64(s.from)}, s.signed)
}

// lowerSince appends the CalcSince of s; a probe that reads one stamp
// twice (a histogram and a sum of it) reads it once, as the read deletes
// it.
func (c *compiler) lowerSince(s sinceLeaf) (kval, error) {
	k, err := c.lower(s.key)
	if err != nil {
		return k, err
	}
	v, err := c.calc(s.at, collector.Calc{Code: collector.CalcSince, A: k.op, ASize: k.size, ASigned: k.signed, B: collector.OperandOne,
		Imm: int64(s.table)}, false)
	if err != nil {
		return v, err
	}
	if c.prog.sinces == nil {
		c.prog.sinces = map[string]kval{}
	}
	c.prog.sinces[s.text] = v
	return v, nil
}

// stillComputed: k's slot was not taken back by a compile that failed and
// restored the program.
func (c *compiler) stillComputed(k kval) bool {
	i := int(k.op) - int(collector.Slot(0))
	return i >= 0 && i < len(c.prog.Calcs) && c.prog.Calcs[i].Code == collector.CalcSince
}

// canonical writes n without positions or spacing, so that equal
// expressions compare equal.
func canonical(n node) string {
	var b strings.Builder
	var walk func(n node)
	walk = func(n node) {
		switch x := n.(type) {
		case ident:
			b.WriteString(x.name)
		case number:
			fmt.Fprint(&b, x.v)
		case strlit:
			fmt.Fprintf(&b, "%q", x.s)
		case member:
			walk(x.x)
			if x.arrow {
				b.WriteString("->")
			} else {
				b.WriteString(".")
			}
			b.WriteString(x.name)
		case index:
			walk(x.x)
			b.WriteString("[")
			walk(x.i)
			b.WriteString("]")
		case call:
			b.WriteString(x.name + "(")
			for i, a := range x.args {
				if i > 0 {
					b.WriteString(",")
				}
				walk(a)
			}
			b.WriteString(")")
		case cast:
			b.WriteString("((" + x.typ + ")")
			walk(x.x)
			b.WriteString(")")
		case unary:
			b.WriteString("(" + x.op)
			walk(x.x)
			b.WriteString(")")
		case binary:
			b.WriteString("(")
			walk(x.l)
			b.WriteString(x.op)
			walk(x.r)
			b.WriteString(")")
		}
	}
	walk(n)
	return b.String()
}

// sinceField captures since(NAME[KEY]): the kernel computes it after the
// fetches, and the field carries the computed slot (a late fetch).
func (c *compiler) sinceField(name string, x call) (Field, error) {
	t, err := c.since(x)
	if err != nil {
		return Field{}, err
	}
	k, err := c.lower(t)
	if err != nil {
		return Field{}, err
	}
	fetch := collector.Fetch{Source: collector.FromSlot, Index: uint8(int(k.op) - int(collector.Slot(0))), Op: collector.OpValue}
	return Field{Name: name, Expr: c.src, kind: kindInt, size: 8, fetch: c.emit(fetch)}, nil
}

// stampedField captures NAME[KEY].PART, what the stamp read by
// since(NAME[KEY]) saved: a number, the comm, or a stack by its id.
func (c *compiler) stampedField(name string, m member, ix index) (Field, error) {
	k, part, err := c.stamped(m, ix)
	if err != nil {
		return Field{}, err
	}
	fetch := collector.Fetch{Source: collector.FromStamped, Index: uint8(int(k.op) - int(collector.Slot(0))), Op: collector.OpRead, Size: 8}
	fetch.Offsets[0] = int32(part.Decode.Offset)
	f := Field{Name: name, Expr: c.src, size: 8}
	switch part.Decode.Kind {
	case KeyInt, KeyUint:
		f.kind, f.signed = kindInt, part.Decode.Kind == KeyInt
	case KeyString:
		fetch.Op, fetch.MaxLen, fetch.LenField, fetch.Size = collector.OpBuf, part.Decode.Width, collector.NoLenField, 0
		f.kind, f.size = kindString, 0
	case KeyKernelStack:
		f.kind = kindKernelStackID
	case KeyUserStack:
		f.kind = kindUserStackID
	default:
		return f, c.errorf(m, "%s[...].%s cannot be captured", ix.x.(ident).name, m.name)
	}
	f.fetch = c.emit(fetch)
	return f, nil
}
