package capture

import (
	"github.com/luatrace/luatrace/bpf/collector"
)

// derived is a field computed in Go from captured values when an event is
// read: arithmetic, bit operators, comparisons and logic over scalars
// ("duration / 1000", "args.flags & 0x40", "retval > 0"). The kernel only
// fetches the leaves.
type derived struct {
	op       string
	l, r     *derived
	leaf     *Field
	c        int64
	constant bool
}

var arithmeticOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true, "&": true, "|": true,
	"^": true, "<<": true, ">>": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "&&": true, "||": true}

// isArithmetic: the tree computes over values rather than naming one.
// Pointer ± constant stays a single fetch (an address).
func (c *compiler) isArithmetic(n node) bool {
	switch x := n.(type) {
	case binary:
		if (x.op == "+" || x.op == "-") && isLiteral(x.r) && c.isPointerExpr(x.l) {
			return false
		}
		return arithmeticOps[x.op]
	case unary:
		return x.op == "-" && !isLiteral(x.x) || x.op == "~" || x.op == "!"
	}
	return false
}

func (c *compiler) derive(n node) (*derived, error) {
	switch x := n.(type) {
	case number:
		return &derived{constant: true, c: x.v}, nil
	case binary:
		if c.isArithmetic(x) {
			l, err := c.derive(x.l)
			if err != nil {
				return nil, err
			}
			r, err := c.derive(x.r)
			if err != nil {
				return nil, err
			}
			if r.constant && r.c == 0 && isDivision(x.op) {
				return nil, c.errorf(x, "division by zero: %s 0 is always 0", x.op)
			}
			return &derived{op: x.op, l: l, r: r}, nil
		}
	case unary:
		if x.op == "-" || x.op == "~" || x.op == "!" {
			if num, ok := x.x.(number); ok && x.op == "-" {
				return &derived{constant: true, c: -num.v}, nil
			}
			v, err := c.derive(x.x)
			if err != nil {
				return nil, err
			}
			return &derived{op: "u" + x.op, l: v}, nil
		}
	}
	f, err := c.fieldOf("", n)
	if err != nil {
		return nil, err
	}
	switch f.kind {
	case kindString, kindBytes, kindKernelStack, kindUserStack:
		return nil, c.errorf(n, "only numbers can be computed with; %s is not a number", snippet(c.src[n.pos():]))
	}
	if f.kind == kindHeader && f.header == "comm" {
		return nil, c.errorf(n, "comm is a string and cannot be computed with")
	}
	return &derived{leaf: &f}, nil
}

// isDivision: / and %, which give 0 for a zero divisor, as in bpftrace.
func isDivision(op string) bool { return op == "/" || op == "%" }

// isPointerExpr reports whether n compiles to a pointer (so n ± constant
// is an address, not arithmetic).
func (c *compiler) isPointerExpr(n node) bool {
	saved, needs := len(c.prog.Fetches), c.prog.NeedsEntry
	v, err := c.expr(n)
	c.prog.Fetches, c.prog.NeedsEntry = c.prog.Fetches[:saved], needs
	return err == nil && isPointer(v.typ)
}

// eval computes the value; signed is true when any operand is signed.
func (d *derived) eval(rec collector.Record, data []collector.FieldData) (uint64, bool) {
	if d.constant {
		return uint64(d.c), d.c < 0
	}
	if d.leaf != nil {
		v := d.leaf.Decode(rec, data)
		return v.N, v.Kind == Int
	}
	l, ls := d.l.eval(rec, data)
	if d.op[0] == 'u' {
		switch d.op {
		case "u-":
			return -l, true
		case "u~":
			return ^l, ls
		}
		return b2u(l == 0), false
	}
	r, rs := d.r.eval(rec, data)
	signed := ls || rs
	switch d.op {
	case "+":
		return l + r, signed
	case "-":
		return l - r, signed
	case "*":
		return l * r, signed
	case "/", "%":
		if r == 0 {
			return 0, signed // division by zero yields 0, as in bpftrace
		}
		if signed {
			if d.op == "/" {
				return uint64(int64(l) / int64(r)), true
			}
			return uint64(int64(l) % int64(r)), true
		}
		if d.op == "/" {
			return l / r, false
		}
		return l % r, false
	case "&":
		return l & r, signed
	case "|":
		return l | r, signed
	case "^":
		return l ^ r, signed
	case "<<":
		return l << (r & 63), signed
	case ">>":
		if signed {
			return uint64(int64(l) >> (r & 63)), true
		}
		return l >> (r & 63), false
	case "==":
		return b2u(l == r), false
	case "!=":
		return b2u(l != r), false
	case "&&":
		return b2u(l != 0 && r != 0), false
	case "||":
		return b2u(l != 0 || r != 0), false
	}
	lt := l < r
	if signed {
		lt = int64(l) < int64(r)
	}
	switch d.op {
	case "<":
		return b2u(lt), false
	case ">=":
		return b2u(!lt), false
	case ">":
		return b2u(!lt && l != r), false
	}
	return b2u(lt || l == r), false // "<="
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
