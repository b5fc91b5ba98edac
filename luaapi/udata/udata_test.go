package udata_test

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/internal/luatest"
	"github.com/luatrace/luatrace/luaapi/udata"
)

type counter struct{ n int }

var counterType = udata.New[*counter]("test.counter", "counter")

// TestCheck: the checker accepts its own type and refuses anything else
// with gopher-lua's argument error, naming the function and what came.
func TestCheck(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	mt := counterType.Metatable(L)
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"get": func(L *lua.LState) int {
			L.Push(lua.LNumber(counterType.Check(L, 1).n))
			return 1
		},
	}))
	L.SetGlobal("c", counterType.Wrap(L, &counter{n: 7}))
	L.SetGlobal("other", udata.New[*int]("test.other", "other").Wrap(L, new(int)))
	luatest.EndsWith(t, L, [][2]string{
		{`return c:get()`, "7"},
		{`return select(2, pcall(function() return c.get(5) end))`, "bad argument #1 to get (counter expected, got number)"},
		{`return select(2, pcall(function() return c.get() end))`, "bad argument #1 to get (counter expected, got nil)"},
		{`return select(2, pcall(function() return c.get(other) end))`, "bad argument #1 to get (counter expected, got userdata)"},
	})
	if _, ok := counterType.Of(lua.LNumber(1)); ok {
		t.Error("Of accepted a number")
	}
}
