package capture

import (
	"fmt"
	"strconv"
	"strings"
)

// Expression limits: far beyond what the collector can run (MaxFields
// fetches, MaxCalcs operations), they keep hostile input from costing
// unbounded time or stack.
const (
	// MaxExprBytes is the longest expression accepted.
	MaxExprBytes = 4096
	// MaxDepth is the deepest nesting of parentheses, operators and calls.
	MaxDepth = 64
)

// Error is a problem with an expression; Col is the 1-based column.
type Error struct {
	Expr string
	Col  int
	Msg  string
}

// quotedExpr is how much of an expression a message quotes.
const quotedExpr = 120

func (e *Error) Error() string {
	expr := e.Expr
	if len(expr) > quotedExpr {
		expr = expr[:quotedExpr] + "..."
	}
	if e.Col <= 0 {
		return fmt.Sprintf("%s in %q", e.Msg, expr)
	}
	return fmt.Sprintf("%s at column %d of %q", e.Msg, e.Col, expr)
}

type token struct {
	kind string // "id", "num", "op", "eof"
	text string
	at   int
}

func lex(src string) ([]token, error) {
	var toks []token
	ops := []string{"->", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "(", ")", "[", "]", ".", ",", "*", "&", "+", "-", "/", "%", "!", "~", "<", ">", "|", "^"}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, token{"id", src[i:j], i})
			i = j
		case c == '"' || c == '\'':
			// 'x' is "x": a Lua string in double quotes holds it unescaped.
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, &Error{Expr: src, Col: i + 1, Msg: "unterminated string"}
			}
			unq, err := unquote(src[i+1:j], c)
			if err != nil {
				return nil, &Error{Expr: src, Col: i + 1, Msg: "bad string literal"}
			}
			toks = append(toks, token{"str", unq, i})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] == 'x' || src[j] == 'X' || src[j] >= '0' && src[j] <= '9' || src[j] >= 'a' && src[j] <= 'f' || src[j] >= 'A' && src[j] <= 'F') {
				j++
			}
			toks = append(toks, token{"num", src[i:j], i})
			i = j
		default:
			found := false
			for _, op := range ops {
				if strings.HasPrefix(src[i:], op) {
					toks = append(toks, token{"op", op, i})
					i += len(op)
					found = true
					break
				}
			}
			if !found {
				return nil, &Error{Expr: src, Col: i + 1, Msg: fmt.Sprintf("unexpected character %q", c)}
			}
		}
	}
	return append(toks, token{"eof", "", len(src)}), nil
}

// unquote reads the body of a string literal delimited by quote, with
// Go's (C's) escapes.
func unquote(body string, quote byte) (string, error) {
	if quote == '"' {
		return strconv.Unquote(`"` + body + `"`)
	}
	// 'x': \' is a quote, a bare " needs the escape a "..." would have.
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		switch {
		case body[i] == '\\' && i+1 < len(body) && body[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case body[i] == '\\' && i+1 < len(body):
			b.WriteString(body[i : i+2])
			i++
		case body[i] == '"':
			b.WriteString(`\"`)
		default:
			b.WriteByte(body[i])
		}
	}
	return strconv.Unquote(`"` + b.String() + `"`)
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int // nesting of the unary() being parsed
}

// parse turns an expression into a tree.
func parse(src string) (node, error) {
	if len(src) > MaxExprBytes {
		return nil, &Error{Expr: src, Msg: fmt.Sprintf("an expression of %d bytes exceeds the limit of %d", len(src), MaxExprBytes)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	n, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, p.errAt(t, fmt.Sprintf("unexpected %q", t.text))
	}
	if deep := tooDeep(n, MaxDepth); deep != nil {
		return nil, &Error{Expr: src, Col: deep.pos() + 1, Msg: fmt.Sprintf("the expression nests deeper than %d levels", MaxDepth)}
	}
	return n, nil
}

// tooDeep returns a node more than limit levels down the tree, or nil.
// Chains of binary operators parse in a loop, so the parser's own depth
// check does not bound them.
func tooDeep(n node, limit int) node {
	if limit < 0 {
		return n
	}
	var kids []node
	switch x := n.(type) {
	case member:
		kids = []node{x.x}
	case index:
		kids = []node{x.x, x.i}
	case call:
		kids = x.args
	case cast:
		kids = []node{x.x}
	case unary:
		kids = []node{x.x}
	case binary:
		kids = []node{x.l, x.r}
	}
	for _, k := range kids {
		if deep := tooDeep(k, limit-1); deep != nil {
			return deep
		}
	}
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) errAt(t token, msg string) error {
	if t.kind == "eof" {
		msg = strings.Replace(msg, `unexpected ""`, "unexpected end", 1)
	}
	return &Error{Expr: p.src, Col: t.at + 1, Msg: msg}
}

func (p *parser) expect(op string) error {
	if t := p.next(); t.kind != "op" || t.text != op {
		return p.errAt(t, fmt.Sprintf("expected %q, found %q", op, t.text))
	}
	return nil
}

// Binary operators by precedence, lowest first, as in C.
var precedence = [][]string{
	{"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"},
}

func (p *parser) binary(level int) (node, error) {
	if level == len(precedence) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != "op" || !contains(precedence[level], t.text) {
			return l, nil
		}
		p.next()
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = binary{at: t.at, op: t.text, l: l, r: r}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (p *parser) unary() (node, error) {
	t := p.peek()
	if p.depth++; p.depth > MaxDepth {
		return nil, p.errAt(t, fmt.Sprintf("the expression nests deeper than %d levels", MaxDepth))
	}
	defer func() { p.depth-- }()
	if t.kind == "op" && contains([]string{"*", "-", "!", "~", "&"}, t.text) {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return unary{at: t.at, op: t.text, x: x}, nil
	}
	// A cast: "(" followed by a type name.
	if t.kind == "op" && t.text == "(" && p.isTypeStart(p.toks[p.i+1]) {
		p.next()
		typ, err := p.typeName()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return cast{at: t.at, typ: typ, x: x}, nil
	}
	return p.postfix()
}

var typeWords = map[string]bool{"struct": true, "union": true, "enum": true, "unsigned": true, "signed": true,
	"char": true, "short": true, "int": true, "long": true, "const": true, "void": true,
	"u8": true, "u16": true, "u32": true, "u64": true, "s8": true, "s16": true, "s32": true, "s64": true}

func (p *parser) isTypeStart(t token) bool { return t.kind == "id" && typeWords[t.text] }

// typeName reads "struct sock *", "unsigned long", "u32" ...
func (p *parser) typeName() (string, error) {
	var words []string
	for {
		t := p.peek()
		switch {
		case t.kind == "id" && (typeWords[t.text] || len(words) > 0 && (words[len(words)-1] == "struct" || words[len(words)-1] == "union" || words[len(words)-1] == "enum")):
			words = append(words, t.text)
			p.next()
		case t.kind == "op" && t.text == "*":
			words = append(words, "*")
			p.next()
		default:
			if len(words) == 0 {
				return "", p.errAt(t, "expected a type")
			}
			if last := words[len(words)-1]; last == "struct" || last == "union" || last == "enum" {
				return "", p.errAt(t, "expected a type name after "+last)
			}
			return strings.Join(words, " "), nil
		}
	}
}

func (p *parser) postfix() (node, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != "op" {
			return x, nil
		}
		switch t.text {
		case ".", "->":
			p.next()
			name := p.next()
			if name.kind != "id" {
				return nil, p.errAt(name, fmt.Sprintf("expected a member name after %q", t.text))
			}
			x = member{at: name.at, x: x, name: name.text, arrow: t.text == "->"}
		case "[":
			p.next()
			i, err := p.binary(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = index{at: t.at, x: x, i: i}
		default:
			return x, nil
		}
	}
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case "num":
		v, err := strconv.ParseInt(t.text, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(t.text, 0, 64)
			if uerr != nil {
				return nil, p.errAt(t, fmt.Sprintf("bad number %q", t.text))
			}
			v = int64(u)
		}
		return number{at: t.at, v: v}, nil
	case "str":
		return strlit{at: t.at, s: t.text}, nil
	case "id":
		if p.peek().kind == "op" && p.peek().text == "(" {
			p.next()
			var args []node
			for !(p.peek().kind == "op" && p.peek().text == ")") {
				a, err := p.binary(0)
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if p.peek().kind == "op" && p.peek().text == "," {
					p.next()
					continue
				}
				if !(p.peek().kind == "op" && p.peek().text == ")") {
					return nil, p.errAt(p.peek(), fmt.Sprintf("expected \",\" or \")\" in the arguments of %s", t.text))
				}
			}
			p.next()
			return call{at: t.at, name: t.text, args: args}, nil
		}
		return ident{at: t.at, name: t.text}, nil
	case "op":
		if t.text == "(" {
			x, err := p.binary(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return x, nil
		}
	}
	return nil, p.errAt(t, fmt.Sprintf("unexpected %q", t.text))
}
