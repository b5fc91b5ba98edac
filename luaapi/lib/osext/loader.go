// Package osext adds to Lua's os table what trace scripts need and Lua
// lacks: os.readlink(path), which returns the link's target, or nil and
// an error message (as io.open does) when it cannot be read, e.g. the
// process has exited. And os.exit becomes exit(): gopher-lua's closes the
// Lua state and ends the process at once, losing buffered output (and
// raising a Go panic on a bad argument); os.execute passes a stop of the
// script on to its command (execute.go). When recording or replaying,
// os.readlink, io.open and io.lines read through the host.Host, so that
// the recording keeps what the script read and the replay reads it there.
package osext

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/host"
)

// Open adds os.readlink, makes os.exit the exit global, which must be
// set already, and replaces os.execute; file reads go through h.
func Open(L *lua.LState, h *host.Host) {
	osTable, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	L.SetField(osTable, "exit", L.GetGlobal("exit"))
	L.SetField(osTable, "readlink", L.NewFunction(readlink(h)))
	L.SetField(osTable, "execute", L.NewFunction(execute))
	if h.Intercepts() {
		interceptReads(L, h)
	}
}
