package udata_test

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

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
	tests := []struct{ code, want string }{
		{`return c:get()`, "7"},
		{`return select(2, pcall(function() return c.get(5) end))`, "bad argument #1 to get (counter expected, got number)"},
		{`return select(2, pcall(function() return c.get() end))`, "bad argument #1 to get (counter expected, got nil)"},
		{`return select(2, pcall(function() return c.get(other) end))`, "bad argument #1 to get (counter expected, got userdata)"},
	}
	for _, tc := range tests {
		if err := L.DoString(tc.code); err != nil {
			t.Fatalf("%s: %v", tc.code, err)
		}
		got := L.Get(-1).String()
		L.Pop(1)
		if !strings.HasSuffix(got, tc.want) {
			t.Errorf("%s: %q, want it to end with %q", tc.code, got, tc.want)
		}
	}
	if _, ok := counterType.Of(lua.LNumber(1)); ok {
		t.Error("Of accepted a number")
	}
}
