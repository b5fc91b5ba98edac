package printing

import (
	"bytes"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/output"
)

// run runs code with the output globals writing text to a buffer.
func run(t *testing.T, code string) (string, error) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	var out bytes.Buffer
	w := output.New(&out, output.Text)
	Open(L, w)
	err := L.DoString(code)
	w.Flush()
	return out.String(), err
}

func TestOutputGlobals(t *testing.T) {
	tests := []struct{ code, out, err string }{
		{`print(1, "a", nil, true)`, "1\ta\tnil\ttrue\n", ""},
		{`printf("%d-%s|%5.1f\n", 42, "x", 2.25)`, "42-x|  2.2\n", ""},
		{`emit({pid = 1, comm = "sh"})`, "comm=sh pid=1\n", ""},
		{`emit({f = print})`, "", "field f is a function; records hold strings, numbers, booleans and tables"},
		{`emit({[true] = 1})`, "", "record keys are strings (or list indices), got a boolean"},
		{`local t = {} t.t = t emit(t)`, "", "record nested deeper than"},
		{`printf("%d", "x")`, "", "bad argument"},
		{`exit(256)`, "", "exit code must be 0..255"},
	}
	for _, tc := range tests {
		out, err := run(t, tc.code)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.code, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.code, err, tc.err)
		case out != tc.out:
			t.Errorf("%s: printed %q, want %q", tc.code, out, tc.out)
		}
	}
}

// TestExitUnwinds: exit() raises a value ExitCode recognises, from any
// depth, and nothing after it runs.
func TestExitUnwinds(t *testing.T) {
	out, err := run(t, `local function f() exit(3) end f() print("not reached")`)
	code, ok := ExitCode(err)
	if !ok || code != 3 || out != "" {
		t.Errorf("ExitCode(%v) = %d, %v; printed %q", err, code, ok, out)
	}
	if _, ok := ExitCode(nil); ok {
		t.Error("ExitCode(nil) is an exit")
	}
	_, err = run(t, `error("boom")`)
	if _, ok := ExitCode(err); ok {
		t.Errorf("ExitCode(%v) is an exit", err)
	}
}
