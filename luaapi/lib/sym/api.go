package sym

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/luaapi/value"
)

// api is the module's functions and the globals ksym, kaddr and usym
// (bpftrace's names: ksym and usym give the bare symbol name, or the
// address in hex when nothing covers it), resolving with syms.
func api(syms *stack.Symbols) map[string]lua.LGFunction {
	// kernel pushes name, offset, module of a kernel address, or nil.
	kernel := func(L *lua.LState) int {
		t := syms.Kernel()
		if t == nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("kernel symbols are not readable (/proc/kallsyms needs root)"))
			return 2
		}
		sym, off, ok := t.Resolve(value.CheckAddr(L, 1))
		if !ok {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LString(sym.Name))
		L.Push(value.Uint(off))
		L.Push(lua.LString(sym.Module))
		return 3
	}
	user := func(L *lua.LState) int {
		f := syms.User().Resolve(L.CheckInt(1), value.CheckAddr(L, 2))
		if f.Sym == "" {
			L.Push(lua.LNil)
			if f.Module != "" {
				L.Push(lua.LNil)
				L.Push(lua.LString(f.Module))
				return 3
			}
			return 1
		}
		L.Push(lua.LString(f.Sym))
		L.Push(value.Uint(f.Offset))
		L.Push(lua.LString(f.Module))
		return 3
	}
	return map[string]lua.LGFunction{
		"kernel": kernel,
		"user":   user,
		"kaddr": func(L *lua.LState) int {
			name := L.CheckString(1)
			if t := syms.Kernel(); t != nil {
				if a, ok := t.Addr(name); ok {
					L.Push(value.Uint(a))
					return 1
				}
			}
			L.Push(lua.LNil)
			return 1
		},
		// ksym also gives the offset and module as second and third
		// results; an address no symbol covers is its hex string, offset 0.
		"ksym": func(L *lua.LState) int {
			addr := value.CheckAddr(L, 1)
			if t := syms.Kernel(); t != nil {
				if sym, off, ok := t.Resolve(addr); ok {
					L.Push(lua.LString(sym.Name))
					L.Push(value.Uint(off))
					L.Push(lua.LString(sym.Module))
					return 3
				}
			}
			L.Push(value.Hex(addr))
			L.Push(lua.LNumber(0))
			L.Push(lua.LString(""))
			return 3
		},
		"usym": func(L *lua.LState) int {
			addr := value.CheckAddr(L, 2)
			if f := syms.User().Resolve(L.CheckInt(1), addr); f.Sym != "" {
				L.Push(lua.LString(f.Sym))
				return 1
			}
			L.Push(value.Hex(addr))
			return 1
		},
	}
}
