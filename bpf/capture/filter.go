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

// CompileFilter compiles a filter expression: comparisons of a value and a
// constant ("retval > 0", "pid != 1") joined by &&, || and !, rewritten as
// groups of clauses of which one must hold entirely. Captured operands
// become hidden fetches in prog.
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

// literal is one comparison of the filter after pushing negations down.
type literal struct {
	b   binary
	neg bool
}

// dnf rewrites the filter as an OR of ANDs of comparisons (De Morgan for
// !), which the collector evaluates as groups.
func (c *compiler) dnf(n node, neg bool) ([][]literal, error) {
	switch x := n.(type) {
	case unary:
		if x.op == "!" {
			return c.dnf(x.x, !neg)
		}
	case binary:
		and := x.op == "&&"
		if x.op == "&&" || x.op == "||" {
			l, err := c.dnf(x.l, neg)
			if err != nil {
				return nil, err
			}
			r, err := c.dnf(x.r, neg)
			if err != nil {
				return nil, err
			}
			if and != neg { // a && b, or !(a || b)
				var out [][]literal
				for _, a := range l {
					for _, b := range r {
						out = append(out, append(append([]literal{}, a...), b...))
					}
				}
				return out, nil
			}
			return append(l, r...), nil
		}
		if _, ok := cmps[x.op]; ok {
			return [][]literal{{{b: x, neg: neg}}}, nil
		}
	}
	return nil, c.errorf(n, "a filter is comparisons joined by && and ||, e.g. retval > 0 && pid != 1")
}

var negated = map[collector.Cmp]collector.Cmp{collector.CmpEQ: collector.CmpNE, collector.CmpNE: collector.CmpEQ,
	collector.CmpLT: collector.CmpGE, collector.CmpGE: collector.CmpLT, collector.CmpLE: collector.CmpGT, collector.CmpGT: collector.CmpLE}

func (c *compiler) conjuncts(n node, f *Filter) error {
	groups, err := c.dnf(n, false)
	if err != nil {
		return err
	}
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	if len(groups) > collector.MaxClauses || total > collector.MaxClauses {
		return c.errorf(n, "the filter expands to %d comparisons; the collector checks at most %d per probe", total, collector.MaxClauses)
	}
	for gi, g := range groups {
		for _, lit := range g {
			if err := c.comparison(lit, f, uint8(gi), len(groups) > 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// comparison compiles one comparison into a clause of group gi, or into
// the comm filter.
func (c *compiler) comparison(lit literal, f *Filter, gi uint8, alternatives bool) error {
	b := lit.b
	cmp := cmps[b.op]
	if lit.neg {
		cmp = negated[cmp]
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
		if alternatives {
			return c.errorf(b, "comm cannot be combined with ||; use two probes, or test it in the callback")
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
			f.Clauses = append(f.Clauses, collector.Clause{Operand: op, Cmp: cmp, Value: uint64(k.c), Group: gi})
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
	f.Clauses = append(f.Clauses, collector.Clause{Operand: collector.Operand(idx), Cmp: cmp, Signed: signed, Size: uint8(size), Value: uint64(k.c), Group: gi})
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
