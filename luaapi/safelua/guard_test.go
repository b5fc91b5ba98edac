package safelua

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/internal/luatest"
)

// TestGuardedFunctions: a Go panic in a Lua-called function is one Lua
// error naming the function (catchable by pcall); Lua errors and
// functions that keep state in upvalues (ipairs) work as before.
func TestGuardedFunctions(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	Limit(L)
	boom := L.NewTable()
	L.SetField(boom, "slice", L.NewFunction(func(L *lua.LState) int {
		var s []int
		_ = s[L.CheckInt(1)] // index out of range
		return 0
	}))
	L.SetField(boom, "raise", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("a Lua error")
		return 0
	}))
	L.SetGlobal("boom", boom)
	Guard(L)
	luatest.EndsWith(t, L, [][2]string{
		{`return select(2, pcall(boom.slice, 3))`, "internal error in boom.slice: runtime error: index out of range [3] with length 0 (" + diag.ReportRequest + ")"},
		{`return select(2, pcall(boom.raise))`, "a Lua error"},
		{`local n = 0 for _, v in ipairs({4, 5}) do n = n + v end return n`, "9"},
		{`return select(2, pcall(string.rep))`, "bad argument #1 to (anonymous) (string expected, got nil)"},
	})
}
