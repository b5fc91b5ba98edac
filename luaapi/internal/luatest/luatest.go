// Package luatest runs Lua snippets against one module, for the modules'
// tests: a fresh state with the Lua standard library and what open adds.
package luatest

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// Result runs code (a chunk ending in "return X") in a fresh state opened
// with open and returns X as a string, or the error.
func Result(t testing.TB, open func(*lua.LState), code string) (string, error) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	open(L)
	if err := L.DoString(code); err != nil {
		return "", err
	}
	return lua.LVAsString(L.Get(-1)), nil
}

// EndsWith runs each case, a chunk ending in "return X" and the text X
// must end with, in L, which the test has set up, and reports every result
// that does not.
func EndsWith(t testing.TB, L *lua.LState, cases [][2]string) {
	t.Helper()
	for _, tc := range cases {
		code, want := tc[0], tc[1]
		if err := L.DoString(code); err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		got := L.Get(-1).String()
		L.Pop(1)
		if !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q, want it to end with %q", code, got, want)
		}
	}
}
