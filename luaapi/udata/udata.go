// Package udata ties a Go type to the Lua userdata that carries it: one
// metatable, one constructor and one checker per type, so every method
// and function that takes the value refuses anything else with gopher-lua's
// own words ("bad argument #1 to get (map expected, got number)").
package udata

import (
	lua "github.com/yuin/gopher-lua"
)

// Type is the Lua side of the Go type T: the name of its metatable in the
// registry and the word argument errors use for it.
type Type[T any] struct {
	name string // registry name of the metatable, e.g. "luatrace.map"
	what string // "map" in "map expected, got number"
}

// New describes the userdata type carrying T, whose metatable is
// registered as name and which argument errors call what.
func New[T any](name, what string) Type[T] {
	return Type[T]{name: name, what: what}
}

// Metatable returns the type's metatable, creating it on first use; set
// its __index and other fields once, when the module opens.
func (t Type[T]) Metatable(L *lua.LState) *lua.LTable {
	return L.NewTypeMetatable(t.name)
}

// Wrap returns v as userdata of this type.
func (t Type[T]) Wrap(L *lua.LState, v T) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = v
	ud.Metatable = L.GetTypeMetatable(t.name)
	return ud
}

// Check returns argument n as T, or raises "bad argument #n to f (what
// expected, got TYPE)".
func (t Type[T]) Check(L *lua.LState, n int) T {
	if v, ok := t.Of(L.Get(n)); ok {
		return v
	}
	L.ArgError(n, t.what+" expected, got "+L.Get(n).Type().String())
	var zero T
	return zero
}

// Of returns v's T when v is userdata carrying one.
func (t Type[T]) Of(v lua.LValue) (T, bool) {
	if ud, ok := v.(*lua.LUserData); ok {
		if x, ok := ud.Value.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}
