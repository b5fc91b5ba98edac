package luaapi

import (
	"fmt"

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
		t := L.CheckTable(1)
		if err := checkRecord(t, "", 0); err != nil {
			L.ArgError(1, err.Error())
		}
		r.out.Emit(output.FieldsFromTable(L, t))
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

// checkRecord refuses what emit cannot write as JSON: keys that are not
// strings or numbers, values that are functions, threads or userdata
// (whose text would be an address), nesting deeper than JSON output goes.
func checkRecord(t *lua.LTable, path string, depth int) error {
	if depth >= output.MaxDepth {
		return fmt.Errorf("record nested deeper than %d tables (a table that contains itself?)", output.MaxDepth)
	}
	var err error
	t.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		switch k.(type) {
		case lua.LString, lua.LNumber:
		default:
			err = fmt.Errorf("record keys are strings (or list indices), got a %s", k.Type())
			return
		}
		name := path + Printable(k.String())
		switch x := v.(type) {
		case lua.LString, lua.LNumber, lua.LBool:
		case *lua.LTable:
			err = checkRecord(x, name+".", depth+1)
		default:
			err = fmt.Errorf("field %s is a %s; records hold strings, numbers, booleans and tables (convert with tostring())", name, v.Type())
		}
	})
	return err
}
