// Package script is the luatrace.script module: what the running script
// says about itself (its header comment, which the args module prints for
// -h).
package script

import (
	lua "github.com/yuin/gopher-lua"
)

// Preload registers luatrace.script for require; usage returns the
// running script's Header.
func Preload(L *lua.LState, usage func() string) {
	L.PreloadModule("luatrace.script", func(L *lua.LState) int {
		L.Push(L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"usage": func(L *lua.LState) int {
				L.Push(lua.LString(usage()))
				return 1
			},
		}))
		return 1
	})
}
