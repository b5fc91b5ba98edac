// Package printing is the output globals, printf, print and emit, all
// writing through one output.Writer (print replaces Lua's), and exit,
// which ends the script from anywhere.
package printing

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/output"
)

// Open adds printf, print, emit and exit, writing to out.
func Open(L *lua.LState, out *output.Writer) {
	p := &printer{out: out}
	L.SetGlobal("printf", L.NewFunction(p.printf))
	L.SetGlobal("print", L.NewFunction(p.print))
	L.SetGlobal("emit", L.NewFunction(p.emit))
	L.SetGlobal("exit", L.NewFunction(exit))
}
