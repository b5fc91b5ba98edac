package luaapi

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/cfmt"
	"github.com/luatrace/luatrace/luaapi/output"
)

// installGlobals adds the output and control functions: printf, print,
// emit and exit. print replaces Lua's so all output has one writer.
func (r *Runtime) installGlobals() {
	var buf []byte
	r.L.SetGlobal("printf", r.L.NewFunction(func(L *lua.LState) int {
		format := L.CheckString(1)
		args := make([]lua.LValue, 0, L.GetTop()-1)
		for i := 2; i <= L.GetTop(); i++ {
			args = append(args, L.Get(i))
		}
		var err error
		buf, err = cfmt.Append(L, buf[:0], format, args)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		r.out.Printf(buf)
		return 0
	}))
	r.L.SetGlobal("print", r.L.NewFunction(func(L *lua.LState) int {
		if ud, ok := L.Get(1).(*lua.LUserData); ok && L.GetTop() == 1 {
			if m, ok := ud.Value.(*luaMap); ok {
				// As bpftrace's print(@map): the map's own layout.
				r.printMap(L, m, 0)
				return 0
			}
		}
		buf = buf[:0]
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				buf = append(buf, '\t')
			}
			buf = append(buf, L.ToStringMeta(L.Get(i)).String()...)
		}
		buf = append(buf, '\n')
		r.out.Print(buf)
		return 0
	}))
	r.L.SetGlobal("emit", r.L.NewFunction(func(L *lua.LState) int {
		r.out.Emit(output.FieldsFromTable(L, L.CheckTable(1)))
		return 0
	}))
	r.L.SetGlobal("exit", r.L.NewFunction(func(L *lua.LState) int {
		code := L.OptInt(1, 0)
		if code < 0 || code > 255 {
			L.ArgError(1, "exit code must be 0..255")
		}
		ud := L.NewUserData()
		ud.Value = exitSignal{code: code}
		L.Error(ud, 0)
		return 0
	}))
}
