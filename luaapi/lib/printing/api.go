package printing

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/cfmt"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/maps"
	"github.com/luatrace/luatrace/luaapi/output"
)

// exitSignal is raised (as a Lua error value) by exit() to unwind the
// running chunk or callback.
type exitSignal struct{ code int }

// ExitCode reports whether err is exit() unwinding, and the status it
// asked for.
func ExitCode(err error) (int, bool) {
	var api *lua.ApiError
	if !errors.As(err, &api) {
		return 0, false
	}
	ud, ok := api.Object.(*lua.LUserData)
	if !ok {
		return 0, false
	}
	sig, ok := ud.Value.(exitSignal)
	return sig.code, ok
}

// printer is the output globals' state: the writer and a buffer reused
// by every call.
type printer struct {
	out *output.Writer
	buf []byte
}

// printf implements printf(format, ...): C formats, as bpftrace's.
func (p *printer) printf(L *lua.LState) int {
	format := L.CheckString(1)
	args := make([]lua.LValue, 0, L.GetTop()-1)
	for i := 2; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	var err error
	p.buf, err = cfmt.Append(L, p.buf[:0], format, args)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	p.out.Printf(p.buf)
	return 0
}

// print implements print(...): Lua's, through the one writer; a map
// alone prints in its own layout.
func (p *printer) print(L *lua.LState) int {
	if m, ok := maps.Type.Of(L.Get(1)); ok && L.GetTop() == 1 {
		// As bpftrace's print(@map): the map's own layout.
		m.Print(L)
		return 0
	}
	p.buf = p.buf[:0]
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			p.buf = append(p.buf, '\t')
		}
		p.buf = append(p.buf, L.ToStringMeta(L.Get(i)).String()...)
	}
	p.buf = append(p.buf, '\n')
	p.out.Print(p.buf)
	return 0
}

// emit implements emit(record): a JSON line, or key=value text.
func (p *printer) emit(L *lua.LState) int {
	t := L.CheckTable(1)
	if err := checkRecord(t, "", 0); err != nil {
		L.ArgError(1, err.Error())
	}
	p.out.Emit(output.FieldsFromTable(L, t))
	return 0
}

// exit implements exit([code]): unwind to the runtime, which ends the
// trace with code.
func exit(L *lua.LState) int {
	code := L.OptInt(1, 0)
	if code < 0 || code > 255 {
		L.ArgError(1, "exit code must be 0..255")
	}
	ud := L.NewUserData()
	ud.Value = exitSignal{code: code}
	L.Error(ud, 0)
	return 0
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
		name := path + diag.Printable(k.String())
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
