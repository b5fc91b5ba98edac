package value

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// Open registers the global u64 module and the global hex function in L.
//
// u64.add/sub/mul/div/mod, band/bor/bxor/bnot, shl/shr (logical) wrap
// modulo 2^64; eq and lt compare unsigned; tostring gives the unsigned
// decimal string; tonumber gives a float and may round; hex gives "0x...".
// hex(v [, width]) formats any integer value in hex, zero-padded to width
// digits.
func Open(L *lua.LState) {
	binary := func(op func(a, b uint64) (uint64, string)) lua.LGFunction {
		return func(L *lua.LState) int {
			a, b := check(L, 1), check(L, 2)
			r, bad := op(a, b)
			if bad != "" {
				L.ArgError(2, bad)
			}
			L.Push(Uint(r))
			return 1
		}
	}
	ok := func(r uint64) (uint64, string) { return r, "" }
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]lua.LGFunction{
		"add":  binary(func(a, b uint64) (uint64, string) { return ok(a + b) }),
		"sub":  binary(func(a, b uint64) (uint64, string) { return ok(a - b) }),
		"mul":  binary(func(a, b uint64) (uint64, string) { return ok(a * b) }),
		"band": binary(func(a, b uint64) (uint64, string) { return ok(a & b) }),
		"bor":  binary(func(a, b uint64) (uint64, string) { return ok(a | b) }),
		"bxor": binary(func(a, b uint64) (uint64, string) { return ok(a ^ b) }),
		"shl":  binary(func(a, n uint64) (uint64, string) { return shift(a, n, true) }),
		"shr":  binary(func(a, n uint64) (uint64, string) { return shift(a, n, false) }),
		"div": binary(func(a, b uint64) (uint64, string) {
			if b == 0 {
				return 0, "division by zero"
			}
			return a / b, ""
		}),
		"mod": binary(func(a, b uint64) (uint64, string) {
			if b == 0 {
				return 0, "modulo by zero"
			}
			return a % b, ""
		}),
		"bnot": func(L *lua.LState) int { L.Push(Uint(^check(L, 1))); return 1 },
		"eq":   func(L *lua.LState) int { L.Push(lua.LBool(check(L, 1) == check(L, 2))); return 1 },
		"lt":   func(L *lua.LState) int { L.Push(lua.LBool(check(L, 1) < check(L, 2))); return 1 },
		"tostring": func(L *lua.LState) int {
			L.Push(lua.LString(strconv.FormatUint(check(L, 1), 10)))
			return 1
		},
		"tonumber": func(L *lua.LState) int { L.Push(lua.LNumber(float64(check(L, 1)))); return 1 },
		"hex":      func(L *lua.LState) int { L.Push(Hex(check(L, 1))); return 1 },
	})
	L.SetGlobal("u64", mod)
	L.SetGlobal("hex", L.NewFunction(luaHex))
}

func shift(a, n uint64, left bool) (uint64, string) {
	if n >= 64 {
		return 0, ""
	}
	if left {
		return a << n, ""
	}
	return a >> n, ""
}

func luaHex(L *lua.LState) int {
	v := check(L, 1)
	width := L.OptInt(2, 0)
	if width < 0 || width > 16 {
		L.ArgError(2, "width must be 0..16 hex digits")
	}
	digits := strconv.FormatUint(v, 16)
	b := make([]byte, 0, 2+max(width, len(digits)))
	b = append(b, "0x"...)
	for i := len(digits); i < width; i++ {
		b = append(b, '0')
	}
	L.Push(lua.LString(append(b, digits...)))
	return 1
}

// check returns argument n as a 64-bit pattern or raises a Lua argument
// error naming the accepted forms.
func check(L *lua.LState, n int) uint64 {
	v, ok := ToUint64(L.Get(n))
	if !ok {
		L.ArgError(n, "expected an integer or a \"0x...\" string, got "+Describe(L.Get(n)))
	}
	return v
}

// Describe names a value in an error's "got ...": a string quoted (so an
// empty one shows), a number as it prints, anything else by its type.
func Describe(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return strconv.Quote(string(s))
	}
	if n, ok := v.(lua.LNumber); ok {
		return n.String()
	}
	return v.Type().String()
}
