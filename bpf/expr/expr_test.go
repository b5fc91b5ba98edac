package expr

import (
	"errors"
	"fmt"
	"testing"
)

// w is the word of a negative number.
func w(v int64) uint64 { return uint64(v) }

// show writes a tree as text: constants as numbers, leaves as their value.
func show(n *Node) string {
	switch {
	case n.IsConst:
		return fmt.Sprint(n.Const)
	case n.Op == "":
		return fmt.Sprint(n.Leaf)
	case n.Y == nil:
		return n.Op + show(n.X)
	}
	return "(" + show(n.X) + " " + n.Op + " " + show(n.Y) + ")"
}

func TestApply(t *testing.T) {
	const minus1 = ^uint64(0)
	tests := []struct {
		op         string
		l          uint64
		ls         bool
		r          uint64
		rs         bool
		want       uint64
		wantSigned bool
	}{
		{"+", 2, false, 3, false, 5, false},
		{"-", 2, false, 3, false, minus1, false},
		{"*", minus1, true, 3, false, w(-3), true},
		{"/", w(-7), true, 2, false, w(-3), true},
		// Unsigned: -7 is a huge number.
		{"/", w(-7), false, 2, false, w(-7) / 2, false},
		{"%", 7, false, 0, false, 0, false},
		{"/", 7, true, 0, false, 0, true},
		{"%", w(-7), true, 3, false, w(-1), true},
		{"&", 0xff, false, 0x0f, false, 0x0f, false},
		{"|", 0xf0, false, 0x0f, false, 0xff, false},
		{"^", 0xff, false, 0x0f, false, 0xf0, false},
		// Shifts count modulo 64.
		{"<<", 1, false, 65, false, 2, false},
		{">>", w(-8), true, 1, false, w(-4), true},
		{">>", w(-8), false, 1, false, w(-8) >> 1, false},
		// Comparisons: signed when either side is, and never signed.
		{"<", minus1, true, 1, false, 1, false},
		{"<", minus1, false, 1, false, 0, false},
		{"<=", 1, false, 1, false, 1, false},
		{">", 2, false, 1, false, 1, false},
		{">", 1, false, 1, false, 0, false},
		{">=", minus1, true, 0, false, 0, false},
		{"==", 3, false, 3, true, 1, false},
		{"!=", 3, false, 3, false, 0, false},
		{"&&", 2, false, 0, false, 0, false},
		{"||", 2, false, 0, false, 1, false},
	}
	for _, tt := range tests {
		got, signed := Apply(tt.op, tt.l, tt.ls, tt.r, tt.rs)
		if got != tt.want || signed != tt.wantSigned {
			t.Errorf("Apply(%q, %d/%v, %d/%v) = %d/%v, want %d/%v", tt.op, tt.l, tt.ls, tt.r, tt.rs, got, signed, tt.want, tt.wantSigned)
		}
	}
}

func TestApplyUnary(t *testing.T) {
	tests := []struct {
		op         string
		x          uint64
		signed     bool
		want       uint64
		wantSigned bool
	}{
		{"-", 5, false, w(-5), true},
		{"~", 0, false, ^uint64(0), false},
		{"~", 0, true, ^uint64(0), true},
		{"!", 0, true, 1, false},
		{"!", 7, false, 0, false},
	}
	for _, tt := range tests {
		got, signed := ApplyUnary(tt.op, tt.x, tt.signed)
		if got != tt.want || signed != tt.wantSigned {
			t.Errorf("ApplyUnary(%q, %d/%v) = %d/%v, want %d/%v", tt.op, tt.x, tt.signed, got, signed, tt.want, tt.wantSigned)
		}
	}
}

func TestFold(t *testing.T) {
	x, y := Leaf("x"), Leaf("y")
	b := func(op string, l, r *Node) *Node { return Binary(0, op, l, r) }
	u := func(op string, v *Node) *Node { return Unary(0, op, v) }
	tests := []struct {
		in      *Node
		want    string
		zeroDiv bool
	}{
		{Const(3), "3", false},
		{x, "x", false},
		{u("-", Const(5)), "-5", false},
		{u("!", Const(0)), "1", false},
		{u("~", Const(0)), "-1", false},
		{b("+", Const(1), b("*", Const(2), Const(3))), "7", false},
		// Constants fold as signed when negative: (0 - 1) < 1 holds.
		{b("<", b("-", Const(0), Const(1)), Const(1)), "1", false},
		{b("/", Const(-7), Const(2)), "-3", false},
		// Only the constant subtrees fold.
		{b("+", x, b("*", Const(2), Const(3))), "(x + 6)", false},
		{b("*", b("+", x, Const(1)), b("-", y, u("-", Const(2)))), "((x + 1) * (y - -2))", false},
		{u("-", x), "-x", false},
		{u("!", b("==", x, Const(0))), "!(x == 0)", false},
		// A divisor that is zero, written so or folded to it.
		{b("/", x, Const(0)), "", true},
		{b("%", x, b("-", Const(2), Const(2))), "", true},
		{b("/", Const(4), Const(0)), "", true},
		{b("+", y, b("/", x, Const(0))), "", true},
		{b("/", Const(0), x), "(0 / x)", false},
	}
	for _, tt := range tests {
		got, err := Fold(tt.in)
		if tt.zeroDiv {
			var zero *ZeroDivisorError
			if !errors.As(err, &zero) {
				t.Errorf("Fold(%s): got %v, want a zero divisor", show(tt.in), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Fold(%s): %v", show(tt.in), err)
			continue
		}
		if show(got) != tt.want {
			t.Errorf("Fold(%s) = %s, want %s", show(tt.in), show(got), tt.want)
		}
	}
}

func TestFoldKeepsTheInput(t *testing.T) {
	in := Binary(0, "+", Leaf("x"), Binary(0, "*", Const(2), Const(3)))
	before := show(in)
	if _, err := Fold(in); err != nil {
		t.Fatal(err)
	}
	if after := show(in); after != before {
		t.Errorf("Fold changed its input: %s, was %s", after, before)
	}
}

func TestZeroDivisorErrorNamesTheOperator(t *testing.T) {
	_, err := Fold(Binary(7, "%", Leaf("x"), Const(0)))
	var zero *ZeroDivisorError
	if !errors.As(err, &zero) || zero.Node.At != 7 || err.Error() != "division by zero: % 0 is always 0" {
		t.Errorf("got %v", err)
	}
}

// TestEvalAgreesWithFold: evaluating a tree with its leaves' values gives
// what folding it with those values as constants gives.
func TestEvalAgreesWithFold(t *testing.T) {
	values := map[string]int64{"x": -9, "y": 4}
	leaf := func(v any) (uint64, bool) { n := values[v.(string)]; return uint64(n), n < 0 }
	constants := func(n *Node) *Node {
		var sub func(*Node) *Node
		sub = func(n *Node) *Node {
			switch {
			case n.IsConst:
				return n
			case n.Op == "":
				return Const(values[n.Leaf.(string)])
			case n.Y == nil:
				return Unary(n.At, n.Op, sub(n.X))
			}
			return Binary(n.At, n.Op, sub(n.X), sub(n.Y))
		}
		return sub(n)
	}
	x, y := Leaf("x"), Leaf("y")
	for op := range binaryOps {
		for _, tree := range []*Node{Binary(0, op, x, y), Binary(0, op, y, x), Unary(0, "~", Binary(0, op, x, Const(3)))} {
			got, _ := Eval(tree, leaf)
			folded, err := Fold(constants(tree))
			if err != nil {
				t.Fatalf("%s: %v", show(tree), err)
			}
			if !folded.IsConst || uint64(folded.Const) != got {
				t.Errorf("%s: Eval gives %d, Fold %s", show(tree), int64(got), show(folded))
			}
		}
	}
}
