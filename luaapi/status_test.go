package luaapi

import (
	"bytes"
	"errors"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/kernel"
)

// TestTopLevelErrorKinds: an error that ends the main chunk is the
// script's (status 2) unless a probe it attached failed for lack of
// privileges (status 1), however deep in the script's functions it was
// raised. The text is the same either way.
func TestTopLevelErrorKinds(t *testing.T) {
	tests := []struct {
		name, code string
		want       error
		status     int
		msg        string
	}{
		{"privileges", `attach()`, diag.ErrPrivileges, 1, "-e:1: " + kernel.ErrPrivileges.Error()},
		{"privileges in a function", `local function f() attach() end f()`, diag.ErrPrivileges, 1, "-e:1: " + kernel.ErrPrivileges.Error()},
		{"script", `error("boom")`, diag.ErrScript, 2, "-e:1: boom"},
		{"rethrown as text", `local ok, e = pcall(attach) error(e, 0)`, diag.ErrScript, 2, "-e:1: " + kernel.ErrPrivileges.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			r := New(Options{Out: &bytes.Buffer{}, Stderr: &stderr})
			r.L.SetGlobal("attach", r.L.NewFunction(func(L *lua.LState) int {
				diag.Raise(L, kernel.ErrPrivileges)
				return 0
			}))
			status, err := r.RunScript("-e", tc.code)
			if !errors.Is(err, tc.want) || status != tc.status || err.Error() != tc.msg {
				t.Errorf("status %d, error %v; want status %d, %q of kind %v", status, err, tc.status, tc.msg, tc.want)
			}
		})
	}
}

// TestSyntaxErrorIsTheScripts: a script that does not compile is status 2.
func TestSyntaxErrorIsTheScripts(t *testing.T) {
	r := New(Options{Out: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	status, err := r.RunScript("x.lua", "x = (")
	if status != 2 || !errors.Is(err, diag.ErrScript) {
		t.Errorf("status %d, error %v; want 2 and a script error", status, err)
	}
}
