package capture

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/expr"
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
				if n := len(r)*literals(l) + len(l)*literals(r); n > maxExpansion {
					return nil, c.errorf(x, "the filter expands to %d comparisons or more; the collector checks at most %d per probe plus %d computed operations",
						n, collector.MaxClauses, collector.MaxCalcs)
				}
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

// maxExpansion bounds the comparisons of a filter rewritten as an OR of
// ANDs, which grows exponentially with (a || b) && (c || d) && ...; far
// fewer than this can run.
const maxExpansion = 64

// literals counts the comparisons of an OR of ANDs.
func literals(groups [][]literal) int {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	return n
}

var negated = map[collector.Cmp]collector.Cmp{collector.CmpEQ: collector.CmpNE, collector.CmpNE: collector.CmpEQ,
	collector.CmpLT: collector.CmpGE, collector.CmpGE: collector.CmpLT, collector.CmpLE: collector.CmpGT, collector.CmpGT: collector.CmpLE}

func (c *compiler) conjuncts(n node, f *Filter) error {
	groups, err := c.dnf(n, false)
	if err != nil {
		return err
	}
	total := literals(groups)
	if len(groups) > collector.MaxClauses || total > collector.MaxClauses {
		return c.tooManyClauses(n, f, groups, total)
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

// tooManyClauses compiles a filter with more comparisons than clauses: a
// single conjunction keeps its first comparisons as clauses and ANDs the
// rest in computed slots; an OR keeps its first groups as clauses and
// computes the others into one slot, the last group.
func (c *compiler) tooManyClauses(n node, f *Filter, groups [][]literal, total int) error {
	saved := c.snapshot()
	err := func() error {
		if len(groups) == 1 {
			g := groups[0]
			keep := collector.MaxClauses - 1
			for _, lit := range g[:keep] {
				if err := c.comparison(lit, f, 0, false); err != nil {
					return err
				}
			}
			var rest node = literalNode(g[keep])
			for _, lit := range g[keep+1:] {
				rest = binary{at: lit.b.at, op: "&&", l: rest, r: literalNode(lit)}
			}
			return c.comparison(literal{b: binary{at: n.pos(), op: "!=", l: rest, r: number{at: n.pos()}}}, f, 0, false)
		}
		// Whole groups as clauses while they fit, the rest ORed in one slot.
		used, gi := 0, 0
		for ; gi < collector.MaxClauses-1 && used+len(groups[gi]) <= collector.MaxClauses-1; gi++ {
			for _, lit := range groups[gi] {
				if err := c.comparison(lit, f, uint8(gi), true); err != nil {
					return err
				}
			}
			used += len(groups[gi])
		}
		var rest node
		for _, g := range groups[gi:] {
			var and node = literalNode(g[0])
			for _, lit := range g[1:] {
				and = binary{at: lit.b.at, op: "&&", l: and, r: literalNode(lit)}
			}
			if rest == nil {
				rest = and
			} else {
				rest = binary{at: and.pos(), op: "||", l: rest, r: and}
			}
		}
		return c.comparison(literal{b: binary{at: n.pos(), op: "!=", l: rest, r: number{at: n.pos()}}}, f, uint8(gi), true)
	}()
	if err != nil {
		c.restore(saved)
		f.Clauses = nil
		return c.errorf(n, "the filter expands to %d comparisons; the collector checks at most %d per probe plus %d computed operations (%v)",
			total, collector.MaxClauses, collector.MaxCalcs, err)
	}
	return nil
}

// literalNode turns a comparison back into an expression.
func literalNode(lit literal) node {
	if lit.neg {
		return unary{at: lit.b.at, op: "!", x: lit.b}
	}
	return lit.b
}

type programState struct{ fetches, calcs int }

func (c *compiler) snapshot() programState {
	return programState{len(c.prog.Fetches), len(c.prog.Calcs)}
}

func (c *compiler) restore(s programState) {
	c.prog.Fetches, c.prog.Calcs = c.prog.Fetches[:s.fetches], c.prog.Calcs[:s.calcs]
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
		id, isIdent := lhs.(ident)
		if isIdent && id.name == "comm" && (cmp == collector.CmpEQ || cmp == collector.CmpNE) && !alternatives && f.Comm == "" &&
			len(s.s) > 0 && len(s.s) <= 15 {
			// With the identity filters, before anything is read.
			f.Comm, f.CommNot = s.s, cmp == collector.CmpNE
			return nil
		}
		if cmp != collector.CmpEQ && cmp != collector.CmpNE {
			return c.errorf(b, "strings compare with == and != only")
		}
		leaf, err := c.stringEqual(b, lhs, s)
		if err != nil {
			return err
		}
		eq, err := c.lower(expr.Leaf(leaf))
		if err != nil {
			return err
		}
		keep := collector.CmpNE // the comparison computed 1
		if cmp == collector.CmpNE {
			keep = collector.CmpEQ
		}
		f.Clauses = append(f.Clauses, collector.Clause{Operand: eq.op, Cmp: keep, Size: 8, Group: gi})
		return nil
	}
	if id, ok := lhs.(ident); ok {
		if op, isHeader := headerOperands[id.name]; isHeader {
			saved := c.snapshot()
			if k, err := c.kernelTree(rhs); err == nil && k.IsConst {
				// Checked before anything is fetched.
				f.Clauses = append(f.Clauses, collector.Clause{Operand: op, Cmp: cmp, Value: uint64(k.Const), Group: gi})
				return nil
			}
			c.restore(saved)
		}
	}
	lt, err := c.kernelTree(lhs)
	if err != nil {
		return err
	}
	rt, err := c.kernelTree(rhs)
	if err != nil {
		return err
	}
	if lt.IsConst && rt.IsConst {
		return c.errorf(b, "this comparison is constant; compare a value of the event")
	}
	l, err := c.lower(lt)
	if err != nil {
		return err
	}
	r, err := c.lower(rt)
	if err != nil {
		return err
	}
	if l.isConst {
		l, r, cmp = r, l, mirrored[cmp]
	}
	if !r.isConst {
		// Two values: compare them in a computed slot, keep it when true.
		codes := map[collector.Cmp]string{collector.CmpEQ: "==", collector.CmpNE: "!=", collector.CmpLT: "<",
			collector.CmpLE: "<=", collector.CmpGT: ">", collector.CmpGE: ">="}
		if l, err = c.binaryCalc(binary{at: b.at, op: codes[cmp]}, l, r); err != nil {
			return err
		}
		cmp, r = collector.CmpNE, kval{isConst: true}
	}
	f.Clauses = append(f.Clauses, collector.Clause{Operand: l.op, Cmp: cmp, Signed: l.signed || r.c < 0, Size: l.size, Value: uint64(r.c), Group: gi})
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
