package capture

import (
	"github.com/cilium/ebpf/btf"

	"github.com/luatrace/luatrace/bpf/collector"
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

// booleanResult: comparisons and logic give 0 or 1, never signed.
func booleanResult(op string) bool {
	switch op {
	case "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!":
		return true
	}
	return false
}

// kernelValue compiles n for the kernel: arithmetic, bit operators,
// comparisons and logic become computed slots over fetched leaves.
func (c *compiler) kernelValue(n node) (kval, error) {
	switch x := n.(type) {
	case number:
		return kval{isConst: true, c: x.v}, nil
	case unary:
		if num, ok := x.x.(number); ok && x.op == "-" {
			return kval{isConst: true, c: -num.v}, nil
		}
		if x.op == "-" || x.op == "~" || x.op == "!" {
			v, err := c.kernelValue(x.x)
			if err != nil {
				return v, err
			}
			return c.unaryCalc(x, v)
		}
	case binary:
		if s, ok := x.r.(strlit); ok && (x.op == "==" || x.op == "!=") {
			eq, err := c.stringEqual(x, x.l, s)
			if err != nil || x.op == "==" {
				return eq, err
			}
			return c.unaryCalc(unary{at: x.at, op: "!"}, eq)
		}
		if c.isArithmetic(x) {
			l, err := c.kernelValue(x.l)
			if err != nil {
				return l, err
			}
			r, err := c.kernelValue(x.r)
			if err != nil {
				return r, err
			}
			return c.binaryCalc(x, l, r)
		}
	}
	return c.kernelLeaf(n)
}

// kernelLeaf compiles a value that is not arithmetic: a header value, the
// return value, or a fetch.
func (c *compiler) kernelLeaf(n node) (kval, error) {
	v, err := c.expr(n)
	if err != nil {
		return kval{}, err
	}
	switch v.header {
	case "":
	case "pid", "tid", "uid", "gid", "cpu":
		return kval{op: headerOperands[v.header], size: 4}, nil
	case "nsecs":
		return kval{op: collector.OperandNsecs, size: 8}, nil
	case "duration":
		return kval{op: collector.OperandDuration, size: 8}, nil
	case "comm":
		return kval{}, c.errorf(n, "comm is a string and cannot be computed with")
	default:
		return kval{}, c.errorf(n, "%s is not a number", v.header)
	}
	if v.isConst {
		return kval{isConst: true, c: v.c}, nil
	}
	if v.f.Op == collector.OpStr || v.f.Op == collector.OpBuf {
		return kval{}, c.errorf(n, "only numbers can be computed with; %s is not a number", snippet(c.src[n.pos():]))
	}
	t := btf.UnderlyingType(v.typ)
	if v.lvalue {
		size, err := typeSize(t)
		if err != nil || size == 0 || size > 8 {
			return kval{}, c.errorf(n, "cannot use a %s as a number", typeName(v.typ))
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
	if v.bitSize > 0 {
		// A bitfield: shift it down out of its container, then mask.
		k, err = c.binaryCalc(binary{op: ">>"}, k, kval{isConst: true, c: int64(v.bitOff)})
		if err == nil {
			k, err = c.binaryCalc(binary{op: "&"}, k, kval{isConst: true, c: int64(1)<<v.bitSize - 1})
		}
	}
	return k, err
}

func (c *compiler) unaryCalc(x unary, v kval) (kval, error) {
	if v.isConst {
		switch x.op {
		case "-":
			return kval{isConst: true, c: -v.c}, nil
		case "~":
			return kval{isConst: true, c: ^v.c}, nil
		}
		return kval{isConst: true, c: int64(b2u(v.c == 0))}, nil
	}
	code := map[string]collector.CalcCode{"-": collector.CalcNeg, "~": collector.CalcBNot, "!": collector.CalcNot}[x.op]
	return c.calc(x, collector.Calc{Code: code, A: v.op, ASize: v.size, ASigned: v.signed, B: collector.OperandOne},
		x.op == "-" || x.op == "~" && v.signed)
}

func (c *compiler) binaryCalc(x binary, l, r kval) (kval, error) {
	code, ok := calcCodes[x.op]
	if !ok {
		return kval{}, c.errorf(x, "operator %s is not supported here", x.op)
	}
	if r.isConst && r.c == 0 && isDivision(x.op) {
		return kval{}, c.errorf(x, "division by zero: %s 0 is always 0", x.op)
	}
	signed := l.signed || r.signed || l.isConst && l.c < 0 || r.isConst && r.c < 0
	if l.isConst && r.isConst {
		d := &derived{op: x.op, l: &derived{constant: true, c: l.c}, r: &derived{constant: true, c: r.c}}
		v, _ := d.eval(nil, nil)
		return kval{isConst: true, c: int64(v)}, nil
	}
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
	return c.calc(x, calc, signed && !booleanResult(x.op))
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
func (c *compiler) stringEqual(at node, lhs node, s strlit) (kval, error) {
	if len(s.s) > collector.MaxStringLen {
		return kval{}, c.errorf(s, "the kernel compares strings of up to %d bytes; compare longer ones in the callback", collector.MaxStringLen)
	}
	var operand collector.Operand
	if id, ok := lhs.(ident); ok && id.name == "comm" {
		if len(s.s) > 15 {
			return kval{}, c.errorf(s, "a command name has at most 15 characters")
		}
		operand = collector.OperandComm
	} else {
		v, err := c.expr(lhs)
		if err != nil {
			return kval{}, err
		}
		if v.f.Op != collector.OpStr && !isCharArray(v) {
			return kval{}, c.errorf(lhs, "only strings compare with a string: use str(p) or comm")
		}
		f, err := c.fieldOf("", lhs)
		if err != nil {
			return kval{}, err
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
			return kval{}, c.errorf(s, "at most %d different strings per probe compare in the kernel", collector.MaxStrings)
		}
		c.prog.Strings = append(c.prog.Strings, s.s)
		idx = len(c.prog.Strings) - 1
	}
	return c.calc(at, collector.Calc{Code: collector.CalcStrEq, A: operand, Imm: int64(idx)}, false)
}
