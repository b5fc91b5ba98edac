package luaapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/luaapi/repl"
)

// runSession runs lines through a REPL with a pipe-like console and returns
// what it printed on stdout and stderr.
func runSession(t *testing.T, lines ...string) (stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	in := make(chan repl.Line)
	ready := make(chan repl.Prompt)
	r := New(Options{Out: &out, Stderr: &errb})
	r.PrepareREPL(repl.Console{Lines: in, Ready: ready, Complete: make(chan repl.Completion)})
	go func() {
		defer close(in)
		for _, l := range lines {
			<-ready
			in <- repl.Line{Text: l}
		}
		<-ready
	}()
	if code := r.RunREPL(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	return out.String(), errb.String()
}

func TestREPLEvaluator(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		out, err string
	}{
		{"expression", []string{"1 + 1"}, "2\n", ""},
		{"equals form", []string{"=2 * 21"}, "42\n", ""},
		{"several values", []string{"1, 'a', nil"}, "1\ta\tnil\n", ""},
		{"statement prints nothing", []string{"x = 5"}, "", ""},
		{"locals survive", []string{"local y = 7", "y * 2"}, "14\n", ""},
		{"local without value", []string{"local z", "z == nil"}, "true\n", ""},
		{"local function", []string{"local function sq(n) return n * n end", "sq(9)"}, "81\n", ""},
		{"multi-line", []string{"function add(a, b)", "  return a + b", "end", "add(2, 3)"}, "5\n", ""},
		{"multi-line table", []string{"t = {", "  1,", "  k = 'v',", "}", "t"}, "{ 1, k = \"v\" }\n", ""},
		{"nested table", []string{"{a = {b = {c = {d = {e = 1}}}}, [10] = true}"}, "{ [10] = true, a = { b = { c = { d = {...} } } } }\n", ""},
		{"cycle", []string{"c = {}; c.self = c", "c"}, "{ self = <cycle> }\n", ""},
		{"runtime error", []string{"nosuch.field", "1"}, "1\n", "stdin:1: attempt to index a non-table object(nil) with key 'field'\n"},
		{"syntax error", []string{"x = = 1", "2"}, "2\n", "stdin:1:5: syntax error near '='\n"},
		{"error value", []string{"error('boom')"}, "", "stdin:1: boom\n"},
		{"print goes through the writer", []string{"print('hi')"}, "hi\n", ""},
		{"meta help", []string{":help"}, "", ":probes"},
		{"unknown meta", []string{":nope"}, "", "unknown command :nope"},
		{"no probes", []string{":probes"}, "", "no probes attached"},
		{"BEGIN runs at once", []string{"probe('BEGIN', function() print('began') end)"}, "began\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs := runSession(t, tc.lines...)
			// A returned probe handle prints too; keep the comparison to
			// the lines that matter.
			out = dropHandleLines(out)
			if out != tc.out {
				t.Errorf("stdout %q, want %q", out, tc.out)
			}
			if tc.err == "" && errs != "" || !strings.Contains(errs, tc.err) {
				t.Errorf("stderr %q, want %q", errs, tc.err)
			}
		})
	}
}

func dropHandleLines(s string) string {
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "probe(") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

func TestREPLExitEndsSession(t *testing.T) {
	out, _ := runSession(t, "probe('END', function() print('end ran') end)", "exit()", "print('not reached')")
	if dropHandleLines(out) != "end ran\n" {
		t.Errorf("stdout %q", out)
	}
}

func TestCompleteName(t *testing.T) {
	r := New(Options{Out: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	defer r.L.Close()
	tests := []struct {
		word string
		want []string
	}{
		{"string.for", []string{"string.format("}},
		{"u64.sh", []string{"u64.shl(", "u64.shr("}},
		{"prob", []string{"probe("}},
		{"nosuch.x", nil},
	}
	for _, tc := range tests {
		got := repl.Complete(r.L, tc.word)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Complete(%q) = %v, want %v", tc.word, got, tc.want)
		}
	}
}
