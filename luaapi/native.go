package luaapi

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// installNative registers the Go halves of the standard library as
// package.preload modules named "luatrace.NAME" (the Lua modules in
// stdlib/ require them and carry the documentation), and the helper
// globals bpftrace users expect: strftime, ksym, kaddr, usym.
func (r *Runtime) installNative() {
	preload, ok := r.L.GetField(r.L.GetGlobal("package"), "preload").(*lua.LTable)
	if !ok {
		return
	}
	modules := map[string]map[string]lua.LGFunction{
		"time": timeNative,
		"sys":  sysNative,
		"sym":  r.symNative(),
		"proc": procNative,
		"script": {"usage": func(L *lua.LState) int {
			L.Push(lua.LString(r.usage))
			return 1
		}},
	}
	for name, funcs := range modules {
		preload.RawSetString("luatrace."+name, r.L.NewFunction(func(L *lua.LState) int {
			L.Push(L.SetFuncs(L.NewTable(), funcs))
			return 1
		}))
	}
	r.L.SetGlobal("strftime", r.L.NewFunction(luaStrftime))
	sym := r.symNative()
	for _, name := range []string{"ksym", "kaddr", "usym"} {
		r.L.SetGlobal(name, r.L.NewFunction(sym[name]))
	}
}

// scriptHeader is the leading comment block of a script without the
// comment dashes: what it does, its usage and example output, which the
// args module prints for -h.
func scriptHeader(code string) string {
	var b strings.Builder
	for _, line := range strings.Split(code, "\n") {
		if strings.HasPrefix(line, "#!") && b.Len() == 0 {
			continue
		}
		if !strings.HasPrefix(line, "--") {
			break
		}
		b.WriteString(strings.TrimPrefix(strings.TrimLeft(line, "-"), " ") + "\n")
	}
	return b.String()
}
