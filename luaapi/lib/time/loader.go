// Package time is the luatrace.time module, the Go half of
// stdlib/time.lua: the monotonic clock of event timestamps (e.ts), the
// wall clock, and strftime, also a global as in bpftrace.
package time

import (
	lua "github.com/yuin/gopher-lua"
)

// Preload registers luatrace.time for require and adds the strftime
// global.
func Preload(L *lua.LState) {
	L.PreloadModule("luatrace.time", Loader)
	L.SetGlobal("strftime", L.NewFunction(Strftime))
}

// Loader returns the module's table.
func Loader(L *lua.LState) int {
	L.Push(L.SetFuncs(L.NewTable(), api))
	return 1
}
