package osext

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/host"
)

// readlink implements os.readlink(path).
func readlink(h *host.Host) lua.LGFunction {
	return func(L *lua.LState) int {
		target, err := h.Readlink(L, L.CheckString(1))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(lua.LString(target))
		return 1
	}
}
