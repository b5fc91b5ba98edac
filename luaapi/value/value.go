// Package value implements luatrace's rule for 64-bit integers in Lua.
//
// gopher-lua numbers are float64, exact only up to 2^53. The rule: an
// integer whose magnitude is at most 2^53 is a Lua number; any other 64-bit
// value becomes a string "0x" followed by the lowercase hex digits of its
// full 64-bit two's-complement pattern (no leading zeros), e.g.
// "0xffffffff81000000". Such strings compare equal, hash equal as table
// keys, and convert back without losing a bit (ToUint64, %x, hex()). The
// u64 module does exact arithmetic on both forms.
package value

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// exact is the largest magnitude a float64 holds with every integer below
// it representable.
const exact = 1 << 53

// Int converts a signed 64-bit integer to a Lua value under the rule.
func Int(v int64) lua.LValue {
	if v >= -exact && v <= exact {
		return lua.LNumber(v)
	}
	return Hex(uint64(v))
}

// Uint converts an unsigned 64-bit integer to a Lua value under the rule.
func Uint(v uint64) lua.LValue {
	if v <= exact {
		return lua.LNumber(v)
	}
	return Hex(v)
}

// Hex returns v as a "0x..." Lua string whatever its size.
func Hex(v uint64) lua.LString {
	var b [18]byte
	return lua.LString(strconv.AppendUint(append(b[:0], "0x"...), v, 16))
}

// ToUint64 converts a Lua integer value to its 64-bit pattern: integral
// numbers (negative ones as two's complement), "0x..." strings of up to 16
// hex digits and decimal strings (a leading '-' allowed). ok is false for
// anything else, including fractional numbers.
func ToUint64(v lua.LValue) (uint64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		f := float64(x)
		if f != math.Trunc(f) || f >= 1<<64 || f < -(1<<63) {
			return 0, false
		}
		if f < 0 {
			return uint64(int64(f)), true
		}
		return uint64(f), true
	case lua.LString:
		return parseString(string(x))
	}
	return 0, false
}

// ToInt64 is ToUint64 reinterpreted as signed: "0xffffffffffffffff" is -1.
func ToInt64(v lua.LValue) (int64, bool) {
	u, ok := ToUint64(v)
	return int64(u), ok
}

func parseString(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(s, "0x"); ok || strings.HasPrefix(s, "0X") {
		if !ok {
			h = s[2:]
		}
		u, err := strconv.ParseUint(h, 16, 64)
		return u, err == nil
	}
	if strings.HasPrefix(s, "-") {
		i, err := strconv.ParseInt(s, 10, 64)
		return uint64(i), err == nil
	}
	u, err := strconv.ParseUint(s, 10, 64)
	return u, err == nil
}

// CheckAddr returns argument n as a 64-bit address (a number or a "0x..."
// string), or raises an argument error.
func CheckAddr(L *lua.LState, n int) uint64 {
	a, ok := ToUint64(L.Get(n))
	if !ok {
		L.ArgError(n, "address expected (a number or a \"0x...\" string), got "+L.Get(n).Type().String())
	}
	return a
}
