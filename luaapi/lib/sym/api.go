package sym

import (
	"errors"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/stack"
	"github.com/luatrace/luatrace/luaapi/value"
)

// kernelSymbol resolves a kernel address through h (question "ksym"):
// the symbol covering it, found false when none does, an error when the
// kernel's symbols are not readable.
func kernelSymbol(L *lua.LState, h *host.Host, syms *stack.Symbols, addr uint64) (sym ksym.Symbol, off uint64, found bool, err error) {
	data, err := h.Ask(L, "ksym", "0x"+strconv.FormatUint(addr, 16), func() ([]byte, error) {
		t := syms.Kernel()
		if t == nil {
			return nil, errors.New("kernel symbols are not readable (/proc/kallsyms needs root)")
		}
		s, off, ok := t.Resolve(addr)
		if !ok {
			return nil, nil
		}
		return []byte(s.Name + "\x00" + strconv.FormatUint(off, 10) + "\x00" + s.Module), nil
	})
	parts := strings.Split(string(data), "\x00")
	if err != nil || len(parts) != 3 {
		return ksym.Symbol{}, 0, false, err
	}
	off, _ = strconv.ParseUint(parts[1], 10, 64)
	return ksym.Symbol{Name: parts[0], Module: parts[2]}, off, true, nil
}

// kernelAddr is a kernel symbol's address through h (question "kaddr").
func kernelAddr(L *lua.LState, h *host.Host, syms *stack.Symbols, name string) (uint64, bool) {
	data, _ := h.Ask(L, "kaddr", name, func() ([]byte, error) {
		if t := syms.Kernel(); t != nil {
			if a, ok := t.Addr(name); ok {
				return []byte(strconv.FormatUint(a, 10)), nil
			}
		}
		return nil, nil
	})
	a, err := strconv.ParseUint(string(data), 10, 64)
	return a, err == nil
}

// api is the module's functions and the globals ksym, kaddr and usym
// (bpftrace's names: ksym and usym give the bare symbol name, or the
// address in hex when nothing covers it), resolving with syms. Kernel
// lookups go through h, so that a replay answers them as the recording
// machine's kernel did.
func api(syms *stack.Symbols, h *host.Host) map[string]lua.LGFunction {
	// kernel pushes name, offset, module of a kernel address, or nil.
	kernel := func(L *lua.LState) int {
		sym, off, ok, err := kernelSymbol(L, h, syms, value.CheckAddr(L, 1))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
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
			if a, ok := kernelAddr(L, h, syms, L.CheckString(1)); ok {
				L.Push(value.Uint(a))
				return 1
			}
			L.Push(lua.LNil)
			return 1
		},
		// ksym also gives the offset and module as second and third
		// results; an address no symbol covers is its hex string, offset 0.
		"ksym": func(L *lua.LState) int {
			addr := value.CheckAddr(L, 1)
			if sym, off, ok, _ := kernelSymbol(L, h, syms, addr); ok {
				L.Push(lua.LString(sym.Name))
				L.Push(value.Uint(off))
				L.Push(lua.LString(sym.Module))
				return 3
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
