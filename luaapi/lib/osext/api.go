package osext

import (
	"os"

	lua "github.com/yuin/gopher-lua"
)

// readlink implements os.readlink(path).
func readlink(L *lua.LState) int {
	target, err := os.Readlink(L.CheckString(1))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LString(target))
	return 1
}
