// Package luatest runs Lua snippets against one module, for the modules'
// tests: a fresh state with the Lua standard library and what open adds.
package luatest

import (
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
