package luaapi

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/value"
)

// installKsym adds ksym(addr): the kernel symbol containing addr, as
// bpftrace's ksym() (the name alone), plus its offset and module as second
// and third results. An address no symbol covers comes back as its hex
// string, offset 0.
func (r *Runtime) installKsym() {
	r.L.SetGlobal("ksym", r.L.NewFunction(func(L *lua.LState) int {
		addr, ok := value.ToUint64(L.Get(1))
		if !ok {
			L.ArgError(1, "ksym needs a kernel address (a number or a \"0x...\" string)")
		}
		if t := r.syms.kernelTable(); t != nil {
			if sym, off, found := t.Resolve(addr); found {
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
	}))
}
