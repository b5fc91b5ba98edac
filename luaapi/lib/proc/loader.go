// Package proc is the luatrace.proc module, the Go half of
// stdlib/proc.lua: a process's command line, name, parent, cgroup and
// executable from /proc, or nil and one sentence saying why not.
package proc

import (
	lua "github.com/yuin/gopher-lua"
)

// Preload registers luatrace.proc for require.
func Preload(L *lua.LState) {
	L.PreloadModule("luatrace.proc", Loader)
}

// Loader returns the module's table.
func Loader(L *lua.LState) int {
	L.Push(L.SetFuncs(L.NewTable(), api))
	return 1
}
