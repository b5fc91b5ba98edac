// Package proc is the luatrace.proc module, the Go half of
// stdlib/proc.lua: a process's command line, name, parent, cgroup and
// executable from /proc, or nil and one sentence saying why not. It reads
// through a host.Host, so that a recording keeps what it read and a
// replay reads the recording.
package proc

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/host"
)

// Preload registers luatrace.proc for require, reading through h.
func Preload(L *lua.LState, h *host.Host) {
	L.PreloadModule("luatrace.proc", func(L *lua.LState) int {
		L.Push(L.SetFuncs(L.NewTable(), api(h)))
		return 1
	})
}
