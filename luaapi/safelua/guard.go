package safelua

import (
	"fmt"

	"github.com/luatrace/luatrace/luaapi/diag"
	lua "github.com/yuin/gopher-lua"
)

// Guard wraps every Go function the script can reach (globals,
// module tables, methods of luatrace's types) so that a Go panic inside
// one becomes a Lua error naming the function, catchable by pcall, instead
// of a Go runtime message. Lua errors pass through untouched.
// Run it last, once every module is open.
func Guard(L *lua.LState) {
	type visit struct {
		t      *lua.LTable
		prefix string
	}
	// Breadth first, so a function is named by its shortest path
	// (string.rep, not package.loaded.string.rep).
	queue := []visit{{L.G.Global, ""}}
	// Type metatables (NewTypeMetatable) live in the registry by name.
	L.G.Registry.ForEach(func(k, v lua.LValue) {
		if name, ok := k.(lua.LString); ok {
			if mt, ok := v.(*lua.LTable); ok {
				queue = append(queue, visit{mt, string(name) + ":"})
			}
		}
	})
	seen := map[*lua.LTable]bool{}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		if seen[v.t] {
			continue
		}
		seen[v.t] = true
		var fns []lua.LValue
		v.t.ForEach(func(k, val lua.LValue) {
			name, ok := k.(lua.LString)
			if !ok {
				return
			}
			switch x := val.(type) {
			case *lua.LFunction:
				if x.IsG {
					fns = append(fns, k)
				}
			case *lua.LTable:
				prefix := v.prefix + string(name) + "."
				if name == "__index" {
					prefix = v.prefix // methods: "luatrace.map:get"
				}
				queue = append(queue, visit{x, prefix})
			}
		})
		for _, k := range fns {
			fn := v.t.RawGet(k).(*lua.LFunction)
			g := L.NewFunction(guarded(v.prefix+k.String(), fn.GFunction))
			// Same upvalues and environment: ipairs, for one, finds its
			// iterator in an upvalue of the function running.
			g.Upvalues, g.Env = fn.Upvalues, fn.Env
			v.t.RawSet(k, g)
		}
	}
}

// guarded wraps fn: a Go panic becomes one Lua error, "internal error in
// NAME: ...", with the request to report it.
func guarded(name string, fn lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if _, ok := p.(*lua.ApiError); ok {
				panic(p) // a Lua error (or exit()): not ours to change
			}
			L.RaiseError("internal error in %s: %s (%s)", name, diag.Printable(fmt.Sprint(p)), diag.ReportRequest)
		}()
		return fn(L)
	}
}
