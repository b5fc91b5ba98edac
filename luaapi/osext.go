package luaapi

import (
	"os"

	lua "github.com/yuin/gopher-lua"
)

// installOSExtras adds to Lua's os table what trace scripts need to look
// at processes through /proc and Lua lacks: os.readlink(path), which
// returns the link's target, or nil and an error message (as io.open
// does) when it cannot be read, e.g. the process has exited. os.exit is
// exit(): gopher-lua's closes the Lua state and ends the process at once,
// losing buffered output (and raising a Go panic on a bad argument).
func (r *Runtime) installOSExtras() {
	osTable, ok := r.L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	r.L.SetField(osTable, "exit", r.L.GetGlobal("exit"))
	r.L.SetField(osTable, "readlink", r.L.NewFunction(func(L *lua.LState) int {
		target, err := os.Readlink(L.CheckString(1))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(lua.LString(target))
		return 1
	}))
}
