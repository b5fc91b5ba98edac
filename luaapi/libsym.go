package luaapi

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/luaapi/value"
)

func (s *symbolizers) userSymbolizer() *usym.Symbolizer {
	if s.user == nil {
		s.user = usym.NewSymbolizer()
	}
	return s.user
}

// checkAddr reads argument n as a 64-bit address (number or "0x..." string).
func checkAddr(L *lua.LState, n int) uint64 {
	a, ok := value.ToUint64(L.Get(n))
	if !ok {
		L.ArgError(n, "address expected (a number or a \"0x...\" string), got "+L.Get(n).Type().String())
	}
	return a
}

// symNative is the Go half of stdlib/sym.lua and the globals ksym, kaddr
// and usym (bpftrace's names: ksym and usym give the bare symbol name, or
// the address in hex when nothing covers it).
func (r *Runtime) symNative() map[string]lua.LGFunction {
	// kernel pushes name, offset, module of a kernel address, or nil.
	kernel := func(L *lua.LState) int {
		t := r.syms.kernelTable()
		if t == nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("kernel symbols are not readable (/proc/kallsyms needs root)"))
			return 2
		}
		sym, off, ok := t.Resolve(checkAddr(L, 1))
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
		f := r.syms.userSymbolizer().Resolve(L.CheckInt(1), checkAddr(L, 2))
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
			if t := r.syms.kernelTable(); t != nil {
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
			addr := checkAddr(L, 1)
			if t := r.syms.kernelTable(); t != nil {
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
			addr := checkAddr(L, 2)
			if f := r.syms.userSymbolizer().Resolve(L.CheckInt(1), addr); f.Sym != "" {
				L.Push(lua.LString(f.Sym))
				return 1
			}
			L.Push(value.Hex(addr))
			return 1
		},
	}
}
