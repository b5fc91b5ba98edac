package repl

import (
	"errors"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Input gathers the lines of one chunk: a line that leaves a construct
// open waits for the next.
type Input struct {
	pending strings.Builder
}

// Pending reports whether an unfinished chunk waits for more lines.
func (in *Input) Pending() bool { return in.pending.Len() > 0 }

// Reset drops an unfinished chunk (Ctrl-C at the prompt).
func (in *Input) Reset() { in.pending.Reset() }

// Add adds a line and compiles the chunk so far. It returns the compiled
// chunk, or nil and no error while the chunk is unfinished or blank; a
// syntax error comes with the chunk's source, for its message. Either
// ends the chunk.
func (in *Input) Add(L *lua.LState, line string) (fn *lua.LFunction, src string, err error) {
	if in.pending.Len() > 0 {
		in.pending.WriteByte('\n')
	}
	in.pending.WriteString(line)
	src = in.pending.String()
	if strings.TrimSpace(src) == "" {
		in.pending.Reset()
		return nil, "", nil
	}
	fn, incomplete, err := compileLine(L, src)
	if incomplete {
		return nil, "", nil
	}
	in.pending.Reset()
	return fn, src, err
}

// compileLine compiles one REPL chunk. An expression (or "=expr") is
// compiled to return its values so they can be printed; a statement is
// compiled as is, with a leading "local" dropped so the variable outlives
// the chunk, as users of an interactive prompt expect. incomplete means the
// chunk ended mid-construct and needs more lines.
func compileLine(L *lua.LState, src string) (fn *lua.LFunction, incomplete bool, err error) {
	if rest, ok := strings.CutPrefix(strings.TrimSpace(src), "="); ok {
		src = "return " + rest
	}
	if fn, err := L.Load(strings.NewReader("return "+src), "stdin"); err == nil {
		return fn, false, nil
	}
	fn, err = L.Load(strings.NewReader(promoteLocal(src)), "stdin")
	if err != nil {
		if atEOF(err) {
			return nil, true, nil
		}
		return nil, false, err
	}
	return fn, false, nil
}

var leadingLocal = regexp.MustCompile(`^(\s*)local\s+`)

// promoteLocal turns a leading "local x = ..." or "local function f" into
// the global form. Only the chunk's first statement is rewritten: locals
// inside function bodies keep their meaning.
func promoteLocal(src string) string {
	loc := leadingLocal.FindStringSubmatchIndex(src)
	if loc == nil {
		return src
	}
	rest := src[loc[1]:]
	if strings.HasPrefix(rest, "function") {
		return src[:loc[3]] + rest
	}
	// "local a, b" without a value still declares: assign nil.
	if !strings.Contains(firstStatement(rest), "=") {
		return src[:loc[3]] + firstStatement(rest) + " = nil" + rest[len(firstStatement(rest)):]
	}
	return src[:loc[3]] + rest
}

// firstStatement is the text up to the first newline or semicolon.
func firstStatement(s string) string {
	if i := strings.IndexAny(s, ";\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// atEOF reports whether a parse error happened at the end of input, which
// at a prompt means "keep typing".
func atEOF(err error) bool {
	var api *lua.ApiError
	if !errors.As(err, &api) {
		return false
	}
	var perr *parse.Error
	if errors.As(api.Cause, &perr) {
		return perr.Pos.Line <= 0 || perr.Token == "<EOF>"
	}
	// The lexer reports unfinished long strings and comments this way.
	return strings.Contains(api.Error(), "unterminated") || strings.Contains(api.Error(), "EOF")
}
