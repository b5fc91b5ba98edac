package capture

import (
	"fmt"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
)

// Stamps: a probe's stamp "NAME[KEY]" stores the time under KEY's value
// in the script's stamp table NAME, and since(NAME[KEY]) at another probe
// is how many nanoseconds ago KEY was stamped there, computed in the
// kernel, the stamp deleted as it is read (bpftrace's @start[tid] = nsecs
// ... nsecs - @start[tid]; delete(@start[tid])).

// sinceLeaf is since(NAME[KEY]) in a kernel tree: lowered to a
// collector.CalcSince over KEY's value.
type sinceLeaf struct {
	at    node
	table uint16
	key   *expr.Node
	text  string // the canonical call, so that a probe reads each stamp once
}

// CompileStamp compiles a probe's stamp option, "NAME[KEY]", adding KEY's
// fetches and computed values to prog.
func CompileStamp(p Probe, prog *Program, src string) (*collector.Stamp, error) {
	c := &compiler{probe: p, prog: prog, src: src}
	tree, err := parse(src)
	if err != nil {
		return nil, err
	}
	table, key, err := c.stampRef(tree, "a stamp")
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
	if len(prog.Fetches) > collector.MaxFields {
		return nil, fmt.Errorf("%d captures (fields, filter, maps and stamp) exceed the limit of %d per probe", len(prog.Fetches), collector.MaxFields)
	}
	prog.placeStacks()
	return &collector.Stamp{Table: table, Key: k.op, Size: k.size, Signed: k.signed}, nil
}

// stampRef reads NAME[KEY], a stamp table and the key expression.
func (c *compiler) stampRef(n node, what string) (uint16, node, error) {
	ix, ok := n.(index)
	name, named := ix.x.(ident)
	if !ok || !named {
		return 0, nil, c.errorf(n, "%s names a stamp table and a key: NAME[KEY], e.g. queued[args.pid]", what)
	}
	if c.probe.StampTable == nil {
		return 0, nil, c.errorf(n, "this probe cannot use stamp tables")
	}
	table, err := c.probe.StampTable(name.name)
	if err != nil {
		return 0, nil, c.errorf(n, "%v", err)
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
	table, key, err := c.stampRef(x.args[0], "since()")
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
	return expr.Leaf(sinceLeaf{at: x, table: table, key: t, text: text}), nil
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
