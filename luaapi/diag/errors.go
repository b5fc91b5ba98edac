// Package diag is what luatrace tells the user when something goes wrong:
// errors with a hint and a kind that decides the exit status, the text of
// Lua errors (syntax errors with their column, tracebacks, values that are
// no strings, control bytes escaped, the callee of a failed call named),
// and the log that keeps repeated callback errors from flooding stderr.
package diag

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// maxShownErrors is how many distinct callback errors are printed in full;
// later ones, and every repeat, are only counted.
const maxShownErrors = 5

// Log reports callback errors without flooding: the first occurrence
// of each message is shown with its traceback, repeats are summarised at
// exit.
type Log struct {
	w       io.Writer
	explain func(string) string // rewrites a message to say more, or nil
	counts  map[string]int
	order   []string
	hidden  int
}

// NewLog returns a log writing to w; explain, if not nil, rewrites each
// message first (Chunks.Explain).
func NewLog(w io.Writer, explain func(string) string) *Log {
	return &Log{w: w, explain: explain}
}

// Record reports err, raised in where (a probe spec, "BEGIN"), or counts
// it if it was reported before or too many others were.
func (l *Log) Record(where string, err error) {
	msg, trace := Split(err)
	if l.explain != nil {
		msg = l.explain(msg)
	}
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	key := where + "\x00" + msg
	l.counts[key]++
	if l.counts[key] > 1 {
		return
	}
	l.order = append(l.order, key)
	if len(l.order) > maxShownErrors {
		l.hidden++
		if l.hidden == 1 {
			fmt.Fprintf(l.w, "luatrace: more callback errors; they are counted and summarised at exit\n")
		}
		return
	}
	fmt.Fprintf(l.w, "luatrace: error in %s: %s\n", where, msg)
	if trace != "" {
		fmt.Fprintf(l.w, "%s\n", indent(trace))
	}
}

// Summary prints how often each error happened, when more than once or
// when it was not shown.
func (l *Log) Summary() {
	keys := append([]string(nil), l.order...)
	sort.SliceStable(keys, func(i, j int) bool { return l.counts[keys[i]] > l.counts[keys[j]] })
	for i, key := range keys {
		n := l.counts[key]
		shown := indexOf(l.order, key) < maxShownErrors
		if n == 1 && shown {
			continue
		}
		where, msg, _ := strings.Cut(key, "\x00")
		times := fmt.Sprintf("%d times", n)
		if n == 1 {
			times = "once"
		}
		fmt.Fprintf(l.w, "luatrace: error in %s happened %s: %s\n", where, times, msg)
		if i >= 20 {
			fmt.Fprintf(l.w, "luatrace: ... and %d more kinds of error\n", len(keys)-i-1)
			return
		}
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// Split separates a Lua error's message from its traceback. An error
// value that is no string (error({}), error(nil)) is named by its type and
// where it was raised; a Go panic caught by gopher-lua is called what it
// is. Control bytes are escaped.
func Split(err error) (msg, trace string) {
	var api *lua.ApiError
	if errors.As(err, &api) {
		msg = errorValueText(api.Object, api.StackTrace)
		if api.Type == lua.ApiErrorPanic {
			msg = fmt.Sprintf("internal error: %s (%s)", msg, ReportRequest)
		}
		return printableLines(msg), printableLines(api.StackTrace)
	}
	return printableLines(err.Error()), ""
}

// errorValueText is the message of an error value.
func errorValueText(v lua.LValue, trace string) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		// Lua adds the position to numbers as to strings; gopher-lua
		// only to strings.
		if at := raisedAt(trace); at != "" {
			return at + ": " + x.String()
		}
		return x.String()
	}
	typ := "nil"
	if v != nil {
		typ = v.Type().String()
	}
	msg := fmt.Sprintf("error object is a %s value", typ)
	if at := raisedAt(trace); at != "" {
		msg = at + ": " + msg
	}
	return msg
}

// raisedAt is the first Lua position ("file:line") in a traceback.
func raisedAt(trace string) string {
	for _, line := range strings.Split(trace, "\n") {
		line = strings.TrimSpace(line)
		if at, _, ok := strings.Cut(line, ": in "); ok && !strings.HasPrefix(at, "[G]") {
			return at
		}
	}
	return ""
}

// Message is the one-line form of an error raised at top level.
func Message(err error) string {
	msg, _ := Split(err)
	return msg
}

// Syntax turns gopher-lua's parse error into "file:line:col: ...",
// control bytes escaped.
func Syntax(name, code string, err error) string {
	return Printable(syntaxText(name, code, err))
}

func syntaxText(name, code string, err error) string {
	var api *lua.ApiError
	if errors.As(err, &api) {
		var perr *parse.Error
		if errors.As(api.Cause, &perr) {
			near := ""
			if perr.Token != "" {
				near = fmt.Sprintf(" near '%s'", perr.Token)
			}
			if perr.Pos.Line <= 0 {
				// The parser ran off the end: point at the last line.
				lines := strings.Count(strings.TrimRight(code, "\n"), "\n") + 1
				return fmt.Sprintf("%s:%d: %s at the end of the script (unclosed bracket or missing 'end'?)", name, lines, perr.Message)
			}
			return fmt.Sprintf("%s:%d:%d: %s%s", name, perr.Pos.Line, perr.Pos.Column, perr.Message, near)
		}
		if api.Cause != nil {
			return fmt.Sprintf("%s: %v", name, api.Cause)
		}
		return fmt.Sprintf("%s: %s", name, api.Object.String())
	}
	return fmt.Sprintf("%s: %v", name, err)
}

// Printable escapes the control bytes of s (except tab) as \xNN, so text
// from the input (a probe spec, a file or option name, an error value)
// cannot move the cursor, recolour or clear the terminal, or forge a line
// when it is quoted in a message. Use it per line where a message keeps
// its line breaks.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if isControl(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; isControl(c) {
			fmt.Fprintf(&b, `\x%02x`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isControl(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

// printableLines is Printable for each line of s, keeping the breaks.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Printable(l)
	}
	return strings.Join(lines, "\n")
}
