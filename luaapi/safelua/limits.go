// Package safelua makes gopher-lua's standard library safe to hand to a
// script: functions that build a result of a size the script chooses check
// it first, and a Go panic in any function the script can reach becomes a
// Lua error instead of ending the process.
package safelua

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/cfmt"
)

// Limits of the Lua library functions whose result size comes from an
// argument. Past them the function raises an error naming the limit:
// gopher-lua would otherwise ask Go for the memory, and a request of a
// terabyte is a fatal runtime error, not a Lua error.
const (
	// MaxString bounds a string built by string.rep and table.concat.
	MaxString = 256 << 20
	// MaxResults bounds the values unpack and string.byte return (Lua
	// 5.1 itself stops near 8000).
	MaxResults = 1 << 16
)

// Limit replaces the library functions that build a result of a size
// the script chooses with versions that check it first.
func Limit(L *lua.LState) {
	str := L.GetGlobal("string").(*lua.LTable)
	tbl := L.GetGlobal("table").(*lua.LTable)
	rep := L.GetField(str, "rep").(*lua.LFunction).GFunction
	format := L.GetField(str, "format").(*lua.LFunction).GFunction
	byteFn := L.GetField(str, "byte").(*lua.LFunction).GFunction
	unpack := L.GetGlobal("unpack").(*lua.LFunction).GFunction

	L.SetField(str, "rep", L.NewFunction(func(L *lua.LState) int {
		s, n := L.CheckString(1), float64(L.CheckNumber(2))
		if size := float64(len(s)) * n; size > MaxString {
			L.RaiseError("string.rep: the result would be %.0f bytes, over the limit of %d MiB for one string", size, MaxString>>20)
		}
		return rep(L)
	}))
	L.SetField(str, "format", L.NewFunction(func(L *lua.LState) int {
		if conv, ok := cfmt.OverWide(L.CheckString(1)); ok {
			L.RaiseError("string.format: conversion '%s' asks for more than %d characters of width or precision", conv, cfmt.MaxWidth)
		}
		return format(L)
	}))
	L.SetField(str, "byte", L.NewFunction(func(L *lua.LState) int {
		size := float64(len(L.CheckString(1)))
		i := float64(L.OptNumber(2, 1))
		j := float64(L.OptNumber(3, lua.LNumber(i)))
		if i < 0 {
			i += size + 1
		}
		if j < 0 {
			j += size + 1
		}
		if n := min(j, size) - max(i, 1) + 1; n > MaxResults {
			L.RaiseError("string.byte: %.0f values asked for, at most %d are returned at once", n, MaxResults)
		}
		return byteFn(L)
	}))
	L.SetField(str, "char", L.NewFunction(stringChar))
	L.SetField(tbl, "concat", L.NewFunction(tableConcat))
	L.SetGlobal("unpack", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		i, j := float64(L.OptNumber(2, 1)), float64(L.OptNumber(3, lua.LNumber(t.Len())))
		if n := j - i + 1; n > MaxResults {
			L.RaiseError("too many results to unpack (%.0f values; at most %d)", n, MaxResults)
		}
		return unpack(L)
	}))
}

// stringChar is string.char: each argument a byte value, as in Lua (not
// silently reduced modulo 256).
func stringChar(L *lua.LState) int {
	top := L.GetTop()
	b := make([]byte, top)
	for i := 1; i <= top; i++ {
		n := L.CheckNumber(i)
		if n < 0 || n > 255 || n != lua.LNumber(int(n)) {
			L.RaiseError("string.char: argument #%d must be a byte value (0 to 255), got %v", i, n)
		}
		b[i-1] = byte(n)
	}
	L.Push(lua.LString(b))
	return 1
}

// tableConcat is table.concat(t [, sep [, i [, j]]]) with gopher-lua's
// bounds (i and j clamped to the table's length), sized before it is
// built and checked against MaxString, and built without the value stack.
func tableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	n := t.Len()
	i, j := L.OptInt(3, 1), L.OptInt(4, n)
	if L.GetTop() == 3 && (i > n || i < 1) {
		L.Push(lua.LString(""))
		return 1
	}
	i, j = max(min(i, n), 1), min(j, n)
	size := 0
	for k := i; k <= j; k++ {
		v := t.RawGetInt(k)
		if !lua.LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type().String(), k)
		}
		if size += len(lua.LVAsString(v)) + len(sep); size > MaxString+len(sep) {
			L.RaiseError("table.concat: the result would be over the limit of %d MiB for one string", MaxString>>20)
		}
	}
	var b strings.Builder
	b.Grow(max(size-len(sep), 0))
	for k := i; k <= j; k++ {
		b.WriteString(lua.LVAsString(t.RawGetInt(k)))
		if k != j {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}
