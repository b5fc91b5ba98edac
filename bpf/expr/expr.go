// Package expr is the arithmetic of computed values: one tree (the IR) of
// constants, leaves and operators that both the Go evaluator (captured
// fields, decoded as an event is read) and the kernel lowering (filters,
// map keys and values, computed by the collector) read; one fold pass that
// computes constant subtrees; and one definition of each operator, which
// folding and the Go evaluator share and the collector's calc.bpf.h
// mirrors.
//
// Values are 64-bit words with a signedness: an operation is signed when
// any operand is, as in C's usual conversions for 64-bit operands;
// comparisons and logic give 0 or 1, unsigned. A constant is signed when
// it is negative. Division and remainder by zero give 0, as in bpftrace.
package expr

import "fmt"

// Node is an expression: a constant, a leaf, or an operator over one
// (Y nil) or two nodes.
type Node struct {
	// Op is the operator; "" for a constant or a leaf.
	Op string
	// X and Y are the operands; Y is nil for a unary operator.
	X, Y *Node
	// Const is the value of a constant node (IsConst).
	Const   int64
	IsConst bool
	// Leaf is the caller's value for a leaf: what Eval's leaf function
	// and the caller's lowering understand (a fetched field, an operand).
	Leaf any
	// At is the caller's position of the node in its source, for errors.
	At int
}

// Const returns a constant.
func Const(c int64) *Node { return &Node{IsConst: true, Const: c} }

// Leaf returns a leaf holding the caller's value v.
func Leaf(v any) *Node { return &Node{Leaf: v} }

// Unary returns op applied to x: "-", "~" or "!".
func Unary(at int, op string, x *Node) *Node { return &Node{Op: op, X: x, At: at} }

// Binary returns x op y.
func Binary(at int, op string, x, y *Node) *Node { return &Node{Op: op, X: x, Y: y, At: at} }

// binaryOps are the binary operators; unaryOps the unary ones.
var (
	binaryOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true, "&": true, "|": true,
		"^": true, "<<": true, ">>": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "&&": true, "||": true}
	unaryOps = map[string]bool{"-": true, "~": true, "!": true}
)

// IsBinary reports whether op is a binary operator of the IR.
func IsBinary(op string) bool { return binaryOps[op] }

// IsUnary reports whether op is a unary operator of the IR.
func IsUnary(op string) bool { return unaryOps[op] }

// Boolean reports whether op gives 0 or 1 (comparisons and logic), never
// a signed value.
func Boolean(op string) bool {
	switch op {
	case "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!":
		return true
	}
	return false
}

// Division reports whether op is / or %, which give 0 for a zero divisor.
func Division(op string) bool { return op == "/" || op == "%" }

// ZeroDivisorError is a division or remainder by a constant zero: always
// 0, so surely a mistake.
type ZeroDivisorError struct {
	// Node is the division.
	Node *Node
}

func (e *ZeroDivisorError) Error() string {
	return fmt.Sprintf("division by zero: %s 0 is always 0", e.Node.Op)
}

// Fold computes the constant subtrees of n, bottom up, so that what is
// left for the kernel or the evaluator to compute depends on the event.
// It returns the folded tree (n's nodes are not changed), or a
// *ZeroDivisorError where a divisor folds to zero.
func Fold(n *Node) (*Node, error) {
	if n.Op == "" {
		return n, nil
	}
	x, err := Fold(n.X)
	if err != nil {
		return nil, err
	}
	if n.Y == nil {
		if x.IsConst {
			v, _ := ApplyUnary(n.Op, uint64(x.Const), x.Const < 0)
			return Const(int64(v)), nil
		}
		return Unary(n.At, n.Op, x), nil
	}
	y, err := Fold(n.Y)
	if err != nil {
		return nil, err
	}
	if Division(n.Op) && y.IsConst && y.Const == 0 {
		return nil, &ZeroDivisorError{Node: n}
	}
	if x.IsConst && y.IsConst {
		v, _ := Apply(n.Op, uint64(x.Const), x.Const < 0, uint64(y.Const), y.Const < 0)
		return Const(int64(v)), nil
	}
	return Binary(n.At, n.Op, x, y), nil
}

// Eval computes n, asking leaf for the value and signedness of each leaf.
func Eval(n *Node, leaf func(v any) (uint64, bool)) (uint64, bool) {
	switch {
	case n.IsConst:
		return uint64(n.Const), n.Const < 0
	case n.Op == "":
		return leaf(n.Leaf)
	}
	x, xs := Eval(n.X, leaf)
	if n.Y == nil {
		return ApplyUnary(n.Op, x, xs)
	}
	y, ys := Eval(n.Y, leaf)
	return Apply(n.Op, x, xs, y, ys)
}

// ApplyUnary computes op x; signed says whether x is.
func ApplyUnary(op string, x uint64, signed bool) (uint64, bool) {
	switch op {
	case "-":
		return -x, true
	case "~":
		return ^x, signed
	}
	return b2u(x == 0), false // "!"
}

// Apply computes l op r; ls and rs say whether each is signed, and the
// result whether it is.
func Apply(op string, l uint64, ls bool, r uint64, rs bool) (uint64, bool) {
	signed := ls || rs
	switch op {
	case "+":
		return l + r, signed
	case "-":
		return l - r, signed
	case "*":
		return l * r, signed
	case "/", "%":
		if r == 0 {
			return 0, signed
		}
		if signed {
			if op == "/" {
				return uint64(int64(l) / int64(r)), true
			}
			return uint64(int64(l) % int64(r)), true
		}
		if op == "/" {
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
	switch op {
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
