package capture

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Filter is a compiled opts.filter: a comm condition checked with the
// other identity filters, and clauses the collector checks (header values
// before anything is fetched, captured values after).
type Filter struct {
	Comm    string
	CommNot bool
	Clauses []collector.Clause
}

var cmps = map[string]collector.Cmp{"==": collector.CmpEQ, "!=": collector.CmpNE, "<": collector.CmpLT,
	"<=": collector.CmpLE, ">": collector.CmpGT, ">=": collector.CmpGE}

// mirrored is the comparison with its sides swapped (1 < x is x > 1).
var mirrored = map[collector.Cmp]collector.Cmp{collector.CmpEQ: collector.CmpEQ, collector.CmpNE: collector.CmpNE,
	collector.CmpLT: collector.CmpGT, collector.CmpLE: collector.CmpGE, collector.CmpGT: collector.CmpLT, collector.CmpGE: collector.CmpLE}

var headerOperands = map[string]collector.Operand{"pid": collector.OperandPID, "tid": collector.OperandTID,
	"uid": collector.OperandUID, "gid": collector.OperandGID, "cpu": collector.OperandCPU, "cgroup": collector.OperandCgroup}

// CompileFilter compiles a filter expression: comparisons joined by &&,
// each of a value and a constant ("retval > 0", "pid != 1",
// "args.flags & ..." is not supported). Captured operands become hidden
// fetches in prog.
func CompileFilter(p Probe, prog *Program, src string) (*Filter, error) {
	tree, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := &compiler{probe: p, prog: prog, src: src}
	f := &Filter{}
	if err := c.conjuncts(tree, f); err != nil {
		return nil, err
	}
	if len(f.Clauses) > collector.MaxClauses {
		return nil, c.errorf(tree, "%d comparisons exceed the limit of %d per probe", len(f.Clauses), collector.MaxClauses)
	}
	if len(prog.Fetches) > collector.MaxFields {
		return nil, fmt.Errorf("%d captures (fields and filter values) exceed the limit of %d per probe", len(prog.Fetches), collector.MaxFields)
	}
	prog.placeStacks()
	return f, nil
}

func (c *compiler) conjuncts(n node, f *Filter) error {
	b, ok := n.(binary)
	if !ok {
		return c.errorf(n, "a filter is comparisons joined by &&, e.g. retval > 0 && pid != 1")
	}
	switch b.op {
	case "&&":
		if err := c.conjuncts(b.l, f); err != nil {
			return err
		}
		return c.conjuncts(b.r, f)
	case "||":
		return c.errorf(b, "|| is not supported in kernel filters yet; use two probes, or test in the callback")
	}
	cmp, ok := cmps[b.op]
	if !ok {
		return c.errorf(b, "a filter is comparisons joined by &&, e.g. retval > 0 && pid != 1")
	}
	lhs, rhs := b.l, b.r
	if isLiteral(lhs) && !isLiteral(rhs) {
		lhs, rhs, cmp = rhs, lhs, mirrored[cmp]
	}
	if s, isStr := rhs.(strlit); isStr {
		id, ok := lhs.(ident)
		if !ok || id.name != "comm" || (cmp != collector.CmpEQ && cmp != collector.CmpNE) {
			return c.errorf(b, "only comm == \"name\" and comm != \"name\" compare strings in the kernel; compare other strings in the callback")
		}
		if f.Comm != "" {
			return c.errorf(b, "only one comm comparison per filter")
		}
		if len(s.s) == 0 || len(s.s) > 15 {
			return c.errorf(s, "a command name has 1 to 15 characters")
		}
		f.Comm, f.CommNot = s.s, cmp == collector.CmpNE
		return nil
	}
	k, err := c.expr(rhs)
	if err != nil {
		return err
	}
	if !k.isConst {
		return c.errorf(rhs, "one side of a comparison must be a constant")
	}
	if id, ok := lhs.(ident); ok {
		if op, isHeader := headerOperands[id.name]; isHeader {
			f.Clauses = append(f.Clauses, collector.Clause{Operand: op, Cmp: cmp, Value: uint64(k.c)})
			return nil
		}
	}
	v, err := c.expr(lhs)
	if err != nil {
		return err
	}
	if v.header == "duration" {
		return c.errorf(lhs, "duration cannot be filtered in the kernel yet; test it in the callback")
	}
	if v.header != "" || v.isConst || v.f.Op == collector.OpStr || v.f.Op == collector.OpBuf {
		return c.errorf(lhs, "cannot compare this value in the kernel; compare it in the callback")
	}
	t := underlying(v.typ)
	if v.lvalue {
		size, err := typeSize(t)
		if err != nil || size == 0 || size > 8 {
			return c.errorf(lhs, "cannot compare a %s", typeName(v.typ))
		}
		if v.bitSize > 0 {
			return c.errorf(lhs, "bitfields cannot be compared in the kernel yet; compare in the callback")
		}
		v.f.Op, v.f.Size = collector.OpRead, uint8(size)
	} else {
		v.f.Op = collector.OpValue
	}
	_, signed := scalarKind(t)
	size := 8
	if n, err := typeSize(t); err == nil && n > 0 && n < 8 {
		size = n // the collector cuts and sign-extends before comparing
	}
	idx := c.emit(v.f)
	f.Clauses = append(f.Clauses, collector.Clause{Operand: collector.Operand(idx), Cmp: cmp, Signed: signed, Size: uint8(size), Value: uint64(k.c)})
	return nil
}

func isLiteral(n node) bool {
	switch x := n.(type) {
	case number, strlit:
		return true
	case unary:
		_, ok := x.x.(number)
		return ok && x.op == "-"
	}
	return false
}
