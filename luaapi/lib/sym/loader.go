// Package sym is the luatrace.sym module, the Go half of stdlib/sym.lua,
// and bpftrace's ksym, kaddr and usym globals: kernel and user addresses
// to symbols and back.
package sym

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/stack"
)

// Preload registers luatrace.sym for require and adds the ksym, kaddr and
// usym globals, all resolving with syms (shared with stacks), kernel
// lookups through h.
func Preload(L *lua.LState, syms *stack.Symbols, h *host.Host) {
	funcs := api(syms, h)
	L.PreloadModule("luatrace.sym", func(L *lua.LState) int {
		L.Push(L.SetFuncs(L.NewTable(), funcs))
		return 1
	})
	for _, name := range []string{"ksym", "kaddr", "usym"} {
		L.SetGlobal(name, L.NewFunction(funcs[name]))
	}
}
