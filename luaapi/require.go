package luaapi

import (
	"bytes"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/stdlib"
)

// installStdlib makes require() find the modules embedded in the binary,
// after the files on package.path, so a local copy can override one.
func (r *Runtime) installStdlib() {
	loaders, ok := r.L.GetField(r.L.GetField(r.L.Get(lua.GlobalsIndex), "package"), "loaders").(*lua.LTable)
	if !ok {
		return
	}
	loaders.Append(r.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		src, ok := stdlib.Source(name)
		if !ok {
			L.Push(lua.LString("\n\tno module '" + name + "' in luatrace's standard library"))
			return 1
		}
		fn, err := L.Load(bytes.NewReader(src), "stdlib/"+name+".lua")
		if err != nil {
			L.RaiseError("stdlib module %s: %s", name, err.Error())
		}
		L.Push(fn)
		return 1
	}))
}
