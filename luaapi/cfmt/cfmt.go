// Package cfmt formats Lua values with C printf conversions, in Go.
//
// Supported: %d %i %u %x %X %o %c %s %q %f %F %e %E %g %G %p %%, the flags
// - 0 + space #, width and precision (either may be *), and the C length
// modifiers hh h l ll L j z t, which are accepted and ignored because
// every integer is handled as 64 bits. Integer arguments follow the 64-bit
// rule of package value: numbers or "0x..." strings, exact to the last bit.
package cfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/value"
)

// MaxWidth bounds a conversion's width and precision, so one conversion
// cannot ask for gigabytes of padding. Larger ones are an error.
const MaxWidth = 4096

// spec is one parsed conversion.
type spec struct {
	minus, plus, space, zero, alt bool
	width, prec                   int // prec < 0: not given
	verb                          byte
}

// Append formats args according to format and appends the result to dst.
// L is used for __tostring metamethods of %s arguments. Errors use Lua's
// wording, counting the format string as argument #1.
func Append(L *lua.LState, dst []byte, format string, args []lua.LValue) ([]byte, error) {
	next := 0
	arg := func() (lua.LValue, int, error) {
		if next >= len(args) {
			return nil, next + 2, argError(next+2, "no value")
		}
		next++
		return args[next-1], next + 1, nil
	}
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			// Copy the literal run in one append.
			j := i + 1
			for j < len(format) && format[j] != '%' {
				j++
			}
			dst = append(dst, format[i:j]...)
			i = j
			continue
		}
		start := i
		i++
		var s spec
		s.prec = -1
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				s.minus = true
			case '+':
				s.plus = true
			case ' ':
				s.space = true
			case '0':
				s.zero = true
			case '#':
				s.alt = true
			default:
				break flags
			}
		}
		// star takes a width or precision from the arguments.
		star := func() (int64, error) {
			v, n, err := arg()
			if err != nil {
				return 0, err
			}
			x, ok := value.ToInt64(v)
			if !ok {
				return 0, argError(n, "number expected, got "+typeName(v))
			}
			return x, nil
		}
		if i < len(format) && format[i] == '*' {
			w, err := star()
			if err != nil {
				return dst, err
			}
			if w < 0 {
				s.minus, w = true, -w
			}
			if w > MaxWidth {
				return dst, argError(next+1, fmt.Sprintf("width %d is over the limit of %d", w, MaxWidth))
			}
			s.width = int(w)
			i++
		} else {
			for ; i < len(format) && isDigit(format[i]); i++ {
				s.width = min(s.width*10+int(format[i]-'0'), MaxWidth+1)
			}
		}
		if i < len(format) && format[i] == '.' {
			i++
			s.prec = 0
			if i < len(format) && format[i] == '*' {
				p, err := star()
				if err != nil {
					return dst, err
				}
				if p > MaxWidth {
					return dst, argError(next+1, fmt.Sprintf("precision %d is over the limit of %d", p, MaxWidth))
				}
				s.prec = int(p)
				if p < 0 {
					s.prec = -1
				}
				i++
			} else {
				for ; i < len(format) && isDigit(format[i]); i++ {
					s.prec = min(s.prec*10+int(format[i]-'0'), MaxWidth+1)
				}
			}
		}
		for i < len(format) && isLength(format[i]) {
			i++
		}
		if s.width > MaxWidth || s.prec > MaxWidth {
			end := min(i+1, len(format))
			return dst, fmt.Errorf("invalid conversion '%s' to 'printf' (width and precision are at most %d)", shorten(format[start:end]), MaxWidth)
		}
		if i >= len(format) {
			return dst, fmt.Errorf("invalid conversion '%s' to 'printf' (incomplete at the end of the format)", shorten(format[start:]))
		}
		s.verb = format[i]
		i++
		if s.verb == '%' {
			dst = append(dst, '%')
			continue
		}
		if !isVerb(s.verb) {
			return dst, fmt.Errorf("invalid conversion '%s' to 'printf'", shorten(format[start:i]))
		}
		v, n, err := arg()
		if err != nil {
			return dst, err
		}
		if dst, err = s.format(L, dst, v, n); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (s *spec) format(L *lua.LState, dst []byte, v lua.LValue, n int) ([]byte, error) {
	switch s.verb {
	case 'd', 'i', 'u', 'x', 'X', 'o', 'p', 'c':
		u, err := integer(v, n)
		if err != nil {
			return dst, err
		}
		if s.verb == 'c' {
			// ASCII and anything that is no code point is one byte, as in
			// C; other code points are written as UTF-8.
			var b [4]byte
			r := b[:0]
			if u < 0x80 || u > math.MaxInt32 {
				r = append(r, byte(u))
			} else {
				r = append(r, string(rune(u))...)
			}
			return pad(s, dst, r), nil
		}
		return s.integer(dst, u), nil
	case 'f', 'F', 'e', 'E', 'g', 'G':
		f, ok := v.(lua.LNumber)
		if !ok {
			if str, isStr := v.(lua.LString); isStr {
				if x, err := strconv.ParseFloat(string(str), 64); err == nil {
					return s.float(dst, x), nil
				}
			}
			return dst, argError(n, "number expected, got "+typeName(v))
		}
		return s.float(dst, float64(f)), nil
	case 's':
		if str, ok := v.(lua.LString); ok { // no copy on the common path
			return pad(s, dst, truncate(string(str), s.prec)), nil
		}
		var tmp [24]byte
		return pad(s, dst, truncate(tostring(L, tmp[:0], v), s.prec)), nil
	case 'q':
		var q [64]byte
		if str, ok := v.(lua.LString); ok {
			return pad(s, dst, quote(q[:0], string(str))), nil
		}
		var tmp [24]byte
		return pad(s, dst, quote(q[:0], string(tostring(L, tmp[:0], v)))), nil
	}
	return dst, nil
}

// truncate applies a %s precision: at most prec bytes.
func truncate[T string | []byte](str T, prec int) T {
	if prec >= 0 && prec < len(str) {
		return str[:prec]
	}
	return str
}

// tostring is Lua's tostring appended to tmp: integral numbers without
// ".0" and without allocating, strings as they are, other values through
// __tostring when L is there to call it.
func tostring(L *lua.LState, tmp []byte, v lua.LValue) []byte {
	switch x := v.(type) {
	case lua.LString:
		return append(tmp, x...)
	case lua.LNumber:
		if f := float64(x); f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return strconv.AppendInt(tmp, int64(f), 10)
		}
	case lua.LBool:
		return strconv.AppendBool(tmp, bool(x))
	case *lua.LNilType:
		return append(tmp, "nil"...)
	}
	if L == nil || v == nil {
		return append(tmp, fmt.Sprint(v)...)
	}
	return append(tmp, L.ToStringMeta(v).String()...)
}

// integer extracts a 64-bit integer argument or explains why it is not one.
func integer(v lua.LValue, n int) (uint64, error) {
	if u, ok := value.ToUint64(v); ok {
		return u, nil
	}
	if _, isNum := v.(lua.LNumber); isNum {
		return 0, argError(n, "number has no integer representation")
	}
	if str, isStr := v.(lua.LString); isStr {
		// Lua coerces numeric strings; "1.5" still has no integer form.
		if f, err := strconv.ParseFloat(string(str), 64); err == nil {
			if u, ok := value.ToUint64(lua.LNumber(f)); ok {
				return u, nil
			}
			return 0, argError(n, "number has no integer representation")
		}
	}
	return 0, argError(n, "number expected, got "+typeName(v))
}

func argError(n int, msg string) error {
	return fmt.Errorf("bad argument #%d to 'printf' (%s)", n, msg)
}

func typeName(v lua.LValue) string {
	if v == nil {
		return "no value"
	}
	return v.Type().String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLength(c byte) bool {
	switch c {
	case 'h', 'l', 'L', 'j', 'z', 't':
		return true
	}
	return false
}

func isVerb(c byte) bool {
	switch c {
	case 'd', 'i', 'u', 'x', 'X', 'o', 'p', 'c', 'f', 'F', 'e', 'E', 'g', 'G', 's', 'q':
		return true
	}
	return false
}

// OverWide finds a conversion in a format for Go's fmt (gopher-lua's
// string.format) whose width or precision is over MaxWidth: fmt pads up to
// a million characters per conversion before it prints "%!(BADWIDTH)".
func OverWide(format string) (conv string, found bool) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		start := i
		i++
		for i < len(format) && strings.IndexByte("+- #0", format[i]) >= 0 {
			i++
		}
		digits := func() int {
			n := 0
			for ; i < len(format) && isDigit(format[i]); i++ {
				n = min(n*10+int(format[i]-'0'), MaxWidth+1)
			}
			return n
		}
		w, p := digits(), 0
		if i < len(format) && format[i] == '.' {
			i++
			p = digits()
		}
		if w > MaxWidth || p > MaxWidth {
			return shorten(format[start:min(i+1, len(format))]), true
		}
		// format[i] is the verb (or the second % of "%%"): skipped.
	}
	return "", false
}

// shorten keeps a quoted conversion readable when its digits run long or
// it holds control bytes.
func shorten(s string) string {
	if len(s) > 24 {
		s = s[:20] + "..." + s[len(s)-1:]
	}
	return escaped(s)
}

// escaped writes control bytes and invalid UTF-8 as Go escapes (\n,
// \x01), so that a conversion such as "%z\n" stays on the error's line.
func escaped(s string) string {
	q := strconv.Quote(s)
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}
