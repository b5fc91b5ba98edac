package capture

import (
	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
)

// kval is an expression compiled to a value the collector computes in the
// kernel: an operand (a fetched field, a header value or a computed slot)
// or a constant folded at compile time.
type kval struct {
	op      collector.Operand
	size    uint8 // operand bytes; narrower values are cut before use
	signed  bool
	isConst bool
	c       int64
}

var calcCodes = map[string]collector.CalcCode{"+": collector.CalcAdd, "-": collector.CalcSub, "*": collector.CalcMul,
	"/": collector.CalcDiv, "%": collector.CalcMod, "&": collector.CalcAnd, "|": collector.CalcOr, "^": collector.CalcXor,
	"<<": collector.CalcShl, ">>": collector.CalcShr, "==": collector.CalcEQ, "!=": collector.CalcNE, "<": collector.CalcLT,
	"<=": collector.CalcLE, ">": collector.CalcGT, ">=": collector.CalcGE, "&&": collector.CalcLogicalAnd, "||": collector.CalcLogicalOr}

// strEq is a leaf comparing a string with a constant: its calc is made
// ready as the tree is built (the string registered, the fetch cut short)
// and appended as the tree is lowered, in order with the others.
type strEq struct {
	at   node
	calc collector.Calc
}

// kernelValue compiles n for the kernel: arithmetic, bit operators,
// comparisons and logic become computed slots over fetched leaves.
func (c *compiler) kernelValue(n node) (kval, error) {
	t, err := c.kernelTree(n)
	if err != nil {
		return kval{}, err
	}
	return c.lower(t)
}

// kernelTree compiles n to a folded tree whose leaves are kvals (fetched
// fields and header values) and strEqs.
func (c *compiler) kernelTree(n node) (*expr.Node, error) {
	t, err := c.kernelNode(n)
	if err != nil {
		return nil, err
	}
	return c.fold(t)
}

func (c *compiler) kernelNode(n node) (*expr.Node, error) {
	switch x := n.(type) {
	case number:
		return expr.Const(x.v), nil
	case unary:
		if expr.IsUnary(x.op) {
			v, err := c.kernelNode(x.x)
			if err != nil {
				return nil, err
			}
			return expr.Unary(x.at, x.op, v), nil
		}
	case call:
		if x.name == "since" {
			return c.since(x)
		}
	case member:
		if m, ix, ok := isStamped(x); ok {
			return c.stampedValue(m, ix)
		}
	case binary:
		if s, ok := x.r.(strlit); ok && (x.op == "==" || x.op == "!=") {
			eq, err := c.stringEqual(x, x.l, s)
			if err != nil {
				return nil, err
			}
			if x.op == "==" {
				return expr.Leaf(eq), nil
			}
			return expr.Unary(x.at, "!", expr.Leaf(eq)), nil
		}
		if c.isArithmetic(x) {
			l, err := c.kernelNode(x.l)
			if err != nil {
				return nil, err
			}
			r, err := c.kernelNode(x.r)
			if err != nil {
				return nil, err
			}
			return expr.Binary(x.at, x.op, l, r), nil
		}
	}
	return c.kernelLeaf(n)
}

// lower appends the calcs that compute a folded tree, operands first, and
// returns the value of its root.
func (c *compiler) lower(t *expr.Node) (kval, error) {
	switch {
	case t.IsConst:
		return kval{isConst: true, c: t.Const}, nil
	case t.Op == "":
		switch leaf := t.Leaf.(type) {
		case strEq:
			return c.calc(leaf.at, leaf.calc, false)
		case sinceLeaf:
			return c.lowerSince(leaf)
		case stampedLeaf:
			return c.lowerStamped(leaf)
		}
		return t.Leaf.(kval), nil
	}
	x, err := c.lower(t.X)
	if err != nil {
		return x, err
	}
	if t.Y == nil {
		return c.unaryCalc(unary{at: t.At, op: t.Op}, x)
	}
	y, err := c.lower(t.Y)
	if err != nil {
		return y, err
	}
	return c.binaryCalc(binary{at: t.At, op: t.Op}, x, y)
}

// kernelLeaf compiles a value that is not arithmetic: a header value, the
// return value, or a fetch.
func (c *compiler) kernelLeaf(n node) (*expr.Node, error) {
	v, err := c.expr(n)
	if err != nil {
		return nil, err
	}
	switch v.header {
	case "":
	case "pid", "tid", "uid", "gid", "cpu":
		return expr.Leaf(kval{op: headerOperands[v.header], size: 4}), nil
	case "nsecs":
		return expr.Leaf(kval{op: collector.OperandNsecs, size: 8}), nil
	case "duration":
		return expr.Leaf(kval{op: collector.OperandDuration, size: 8}), nil
	case "comm":
		return nil, c.errorf(n, "comm is a string and cannot be computed with")
	default:
		return nil, c.errorf(n, "%s is not a number", v.header)
	}
	if v.isConst {
		return expr.Const(v.c), nil
	}
	if v.f.Op == collector.OpStr || v.f.Op == collector.OpBuf {
		return nil, c.errorf(n, "only numbers can be computed with; %s is not a number", snippet(c.src[n.pos():]))
	}
	t := btf.UnderlyingType(v.typ)
	if v.lvalue {
		size, err := typeSize(t)
		if err != nil || size == 0 || size > 8 {
			return nil, c.errorf(n, "cannot use a %s as a number", typeName(v.typ))
		}
		v.f.Op, v.f.Size = collector.OpRead, uint8(size)
	} else {
		v.f.Op = collector.OpValue
	}
	_, signed := scalarKind(t)
	size := 8
	if s, err := typeSize(t); err == nil && s > 0 && s < 8 {
		size = s
	}
	var k kval
	if v.f.Source == collector.FromRetval && v.f.Derefs == 0 && v.f.Op == collector.OpValue && v.f.Offsets[0] == 0 {
		k = kval{op: collector.OperandRetval, size: uint8(size), signed: signed}
	} else {
		k = kval{op: collector.Operand(c.emit(v.f)), size: uint8(size), signed: signed}
	}
	leaf := expr.Leaf(k)
	if v.bitSize > 0 {
		// A bitfield: shift it down out of its container, then mask.
		shifted := expr.Binary(n.pos(), ">>", leaf, expr.Const(int64(v.bitOff)))
		leaf = expr.Binary(n.pos(), "&", shifted, expr.Const(int64(1)<<v.bitSize-1))
	}
	return leaf, nil
}

// unaryCalc appends a calc computing x.op v; v is not a constant (Fold
// computed those).
func (c *compiler) unaryCalc(x unary, v kval) (kval, error) {
	code := map[string]collector.CalcCode{"-": collector.CalcNeg, "~": collector.CalcBNot, "!": collector.CalcNot}[x.op]
	return c.calc(x, collector.Calc{Code: code, A: v.op, ASize: v.size, ASigned: v.signed, B: collector.OperandOne},
		x.op == "-" || x.op == "~" && v.signed)
}

// binaryCalc appends a calc computing l x.op r; at most one of them is a
// constant (Fold computed the rest).
func (c *compiler) binaryCalc(x binary, l, r kval) (kval, error) {
	code, ok := calcCodes[x.op]
	if !ok {
		return kval{}, c.errorf(x, "operator %s is not supported here", x.op)
	}
	signed := l.signed || r.signed || l.isConst && l.c < 0 || r.isConst && r.c < 0
	calc := collector.Calc{Code: code, Signed: signed}
	operand := func(v kval) (collector.Operand, uint8, bool) {
		if v.isConst {
			calc.Imm = v.c
			return collector.OperandImm, 8, false
		}
		return v.op, v.size, v.signed
	}
	calc.A, calc.ASize, calc.ASigned = operand(l)
	calc.B, calc.BSize, calc.BSigned = operand(r)
	return c.calc(x, calc, signed && !expr.Boolean(x.op))
}

// calc appends a computed value; op i writes slot i.
func (c *compiler) calc(n node, calc collector.Calc, signed bool) (kval, error) {
	if len(c.prog.Calcs) >= collector.MaxCalcs {
		return kval{}, c.errorf(n, "too much arithmetic: the collector computes at most %d operations per probe", collector.MaxCalcs)
	}
	calc.Dst = uint8(len(c.prog.Calcs))
	c.prog.Calcs = append(c.prog.Calcs, calc)
	return kval{op: collector.Slot(int(calc.Dst)), size: 8, signed: signed}, nil
}

// stringEqual compiles STRING == "constant" for the kernel: STRING is
// comm or a str() capture; the result is 1 or 0 in a computed slot.
func (c *compiler) stringEqual(at node, lhs node, s strlit) (strEq, error) {
	if len(s.s) > collector.MaxStringLen {
		return strEq{}, c.errorf(s, "the kernel compares strings of up to %d bytes; compare longer ones in the callback", collector.MaxStringLen)
	}
	var operand collector.Operand
	if id, ok := lhs.(ident); ok && id.name == "comm" {
		if len(s.s) > 15 {
			return strEq{}, c.errorf(s, "a command name has at most 15 characters")
		}
		operand = collector.OperandComm
	} else {
		v, err := c.expr(lhs)
		if err != nil {
			return strEq{}, err
		}
		if v.f.Op != collector.OpStr && !isCharArray(v) {
			return strEq{}, c.errorf(lhs, "only strings compare with a string: use str(p) or comm")
		}
		f, err := c.fieldOf("", lhs)
		if err != nil {
			return strEq{}, err
		}
		// Enough of the string to tell a longer one apart: the
		// constant, its NUL, and one byte more (a read that fills its
		// room is marked truncated).
		if fetch := &c.prog.Fetches[f.fetch]; fetch.MaxLen > len(s.s)+2 {
			fetch.MaxLen = len(s.s) + 2
		}
		operand = collector.Operand(f.fetch)
	}
	idx := -1
	for i, have := range c.prog.Strings {
		if have == s.s {
			idx = i
		}
	}
	if idx < 0 {
		if len(c.prog.Strings) >= collector.MaxStrings {
			return strEq{}, c.errorf(s, "at most %d different strings per probe compare in the kernel", collector.MaxStrings)
		}
		c.prog.Strings = append(c.prog.Strings, s.s)
		idx = len(c.prog.Strings) - 1
	}
	return strEq{at: at, calc: collector.Calc{Code: collector.CalcStrEq, A: operand, Imm: int64(idx)}}, nil
}
