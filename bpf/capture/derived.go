package capture

import (
	"errors"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
)

// A derived field is computed in Go from captured values when an event is
// read: arithmetic, bit operators, comparisons and logic over scalars
// ("duration / 1000", "args.flags & 0x40", "retval > 0"). The kernel's
// computed slots feed filters and maps but are not in the record, so the
// kernel only fetches the leaves. Its tree is expr's IR with *Field
// leaves, folded as the kernel's are (kernelvalue.go).

// isArithmetic: the tree computes over values rather than naming one.
// Pointer ± constant stays a single fetch (an address).
func (c *compiler) isArithmetic(n node) bool {
	switch x := n.(type) {
	case binary:
		if (x.op == "+" || x.op == "-") && isLiteral(x.r) && c.isPointerExpr(x.l) {
			return false
		}
		return expr.IsBinary(x.op)
	case unary:
		return x.op == "-" && !isLiteral(x.x) || x.op == "~" || x.op == "!"
	}
	return false
}

// derive compiles n, arithmetic, to a folded tree over captured fields.
func (c *compiler) derive(n node) (*expr.Node, error) {
	t, err := c.deriveTree(n)
	if err != nil {
		return nil, err
	}
	return c.fold(t)
}

func (c *compiler) deriveTree(n node) (*expr.Node, error) {
	switch x := n.(type) {
	case number:
		return expr.Const(x.v), nil
	case binary:
		if c.isArithmetic(x) {
			l, err := c.deriveTree(x.l)
			if err != nil {
				return nil, err
			}
			r, err := c.deriveTree(x.r)
			if err != nil {
				return nil, err
			}
			return expr.Binary(x.at, x.op, l, r), nil
		}
	case unary:
		if expr.IsUnary(x.op) {
			v, err := c.deriveTree(x.x)
			if err != nil {
				return nil, err
			}
			return expr.Unary(x.at, x.op, v), nil
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
	return expr.Leaf(&f), nil
}

// fold folds t's constants, reporting a zero divisor where it is.
func (c *compiler) fold(t *expr.Node) (*expr.Node, error) {
	folded, err := expr.Fold(t)
	if zero := (*expr.ZeroDivisorError)(nil); errors.As(err, &zero) {
		return nil, c.errorf(binary{at: zero.Node.At, op: zero.Node.Op}, "%s", zero.Error())
	}
	return folded, err
}

// isPointerExpr reports whether n compiles to a pointer (so n ± constant
// is an address, not arithmetic).
func (c *compiler) isPointerExpr(n node) bool {
	saved, needs := len(c.prog.Fetches), c.prog.NeedsEntry
	v, err := c.expr(n)
	c.prog.Fetches, c.prog.NeedsEntry = c.prog.Fetches[:saved], needs
	return err == nil && isPointer(v.typ)
}

// evalDerived computes a derived field of an event; signed is true when
// any operand is signed.
func evalDerived(d *expr.Node, rec collector.Record, data []collector.FieldData) (uint64, bool) {
	return expr.Eval(d, func(leaf any) (uint64, bool) {
		v := leaf.(*Field).Decode(rec, data)
		return v.N, v.Kind == Int
	})
}
