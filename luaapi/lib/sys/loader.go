// Package sys is the luatrace.sys module, the Go half of stdlib/errno.lua,
// signals.lua and flags.lua: errno, signal and flag names with the values
// of the machine luatrace was built for.
package sys

import (
	lua "github.com/yuin/gopher-lua"
)

// Preload registers luatrace.sys for require.
func Preload(L *lua.LState) {
	L.PreloadModule("luatrace.sys", Loader)
}

// Loader returns the module's table.
func Loader(L *lua.LState) int {
	L.Push(L.SetFuncs(L.NewTable(), api))
	return 1
}
