// Package osext adds to Lua's os table what trace scripts need and Lua
// lacks: os.readlink(path), which returns the link's target, or nil and
// an error message (as io.open does) when it cannot be read, e.g. the
// process has exited. And os.exit becomes exit(): gopher-lua's closes the
// Lua state and ends the process at once, losing buffered output (and
// raising a Go panic on a bad argument); os.execute passes a stop of the
// script on to its command (execute.go).
package osext

import (
	lua "github.com/yuin/gopher-lua"
)

// Open adds os.readlink, makes os.exit the exit global, which must be
// set already, and replaces os.execute.
func Open(L *lua.LState) {
	osTable, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	L.SetField(osTable, "exit", L.GetGlobal("exit"))
	L.SetField(osTable, "readlink", L.NewFunction(readlink))
	L.SetField(osTable, "execute", L.NewFunction(execute))
}
