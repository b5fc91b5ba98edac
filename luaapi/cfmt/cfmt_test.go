package cfmt

import (
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

type N = lua.LNumber
type S = lua.LString

// cases cover every verb and flag; TestMatchesC checks the numeric ones
// against C itself.
var cases = []struct {
	format string
	args   []lua.LValue
	want   string
}{
	{"plain", nil, "plain"},
	{"100%%", nil, "100%"},
	{"%d", []lua.LValue{N(42)}, "42"},
	{"%i", []lua.LValue{N(-42)}, "-42"},
	{"%5d|%-5d|%05d", []lua.LValue{N(42), N(42), N(42)}, "   42|42   |00042"},
	{"%+d % d %+d", []lua.LValue{N(5), N(5), N(-5)}, "+5  5 -5"},
	{"%.3d %.0d|%5.3d", []lua.LValue{N(7), N(0), N(7)}, "007 |  007"},
	{"%05d", []lua.LValue{N(-42)}, "-0042"},
	{"%ld %lld %lu %llx %hhd %zu", []lua.LValue{N(1), N(2), N(3), N(255), N(4), N(5)}, "1 2 3 ff 4 5"},
	{"%d", []lua.LValue{S("0xffffffffffffffff")}, "-1"},
	{"%u", []lua.LValue{S("0xffffffffffffffff")}, "18446744073709551615"},
	{"%x", []lua.LValue{S("0xffffffffffffffff")}, "ffffffffffffffff"},
	{"%x", []lua.LValue{N(-1)}, "ffffffffffffffff"},
	{"%u", []lua.LValue{N(-1)}, "18446744073709551615"},
	{"%d", []lua.LValue{S("0x8000000000000000")}, "-9223372036854775808"},
	{"%x %X %#x %#X %#x", []lua.LValue{N(255), N(255), N(255), N(255), N(0)}, "ff FF 0xff 0XFF 0"},
	{"%016lx", []lua.LValue{S("0xffffffff81000000")}, "ffffffff81000000"},
	{"%#010x", []lua.LValue{N(255)}, "0x000000ff"},
	{"%o %#o %#o", []lua.LValue{N(8), N(8), N(0)}, "10 010 0"},
	{"%p", []lua.LValue{S("0xffffffff81000000")}, "0xffffffff81000000"},
	{"%c%c%3c", []lua.LValue{N('h'), N('i'), N('!')}, "hi  !"},
	{"%s", []lua.LValue{S("str")}, "str"},
	{"[%6s][%-6s][%.2s]", []lua.LValue{S("ab"), S("ab"), S("abc")}, "[    ab][ab    ][ab]"},
	{"%s %s %s %s", []lua.LValue{N(3), N(1.5), lua.LTrue, lua.LNil}, "3 1.5 true nil"},
	{"%*d|%-*d|%.*f", []lua.LValue{N(4), N(1), N(4), N(1), N(2), N(3.14159)}, "   1|1   |3.14"},
	{"%*d", []lua.LValue{N(-4), N(1)}, "1   "},
	{"%f %.2f %10.3f %-10.1f|", []lua.LValue{N(3.5), N(2.345), N(3.14159), N(-1)}, "3.500000 2.35      3.142 -1.0      |"},
	{"%e %E %.2e", []lua.LValue{N(12345.678), N(0.00012), N(0)}, "1.234568e+04 1.200000E-04 0.00e+00"},
	{"%g %g %g %g %g %G", []lua.LValue{N(100000), N(1000000), N(0.0001), N(0.00001), N(3.5), N(1e-10)}, "100000 1e+06 0.0001 1e-05 3.5 1E-10"},
	{"%g %.3g %#g %g", []lua.LValue{N(0), N(3.14159), N(1), N(123456789)}, "0 3.14 1.00000 1.23457e+08"},
	{"%08.3f %+.1f % .1f", []lua.LValue{N(-3.14159), N(2), N(2)}, "-003.142 +2.0  2.0"},
	{"%#.0f %.0f %.0e %#.0e", []lua.LValue{N(3), N(2.5), N(15), N(15)}, "3. 2 2e+01 2.e+01"},
	{"%f %F %5f", []lua.LValue{N(posInf()), N(posInf()), N(-posInf())}, "inf INF  -inf"},
	{"%q", []lua.LValue{S("a\"b\\c\n\t\r\x00\xff~")}, `"a\"b\\c\n\t\r\x00\xff~"`},
	{"%d", []lua.LValue{S("12")}, "12"},
	{"%f", []lua.LValue{S("1.5")}, "1.500000"},
	{"%d extra", []lua.LValue{N(1), N(2)}, "1 extra"},
	{"%s|%s|%s|%.2s|%5s", []lua.LValue{N(negZero()), N(1e20), N(-(1 << 53)), N(12345), N(7)}, "0|1e+20|-9007199254740992|12|    7"},
	{"%s", []lua.LValue{S("0xffffffffffffffff")}, "0xffffffffffffffff"},
	{"%q|%q|%8q", []lua.LValue{N(42), lua.LFalse, S("a")}, `"42"|"false"|     "a"`},
	{"%c|%c", []lua.LValue{N(200), N(-1)}, "\u00c8|\xff"},
	{"%#.3o|%#.0o|%#.0g", []lua.LValue{N(8), N(0), N(7)}, "010|0|7."},
}

func posInf() float64 { return 1 / zero }

var zero = 0.0

func TestAppend(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, tc := range cases {
		got, err := Append(L, nil, tc.format, tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%q: got %q, want %q", tc.format, got, tc.want)
		}
	}
}

func TestTostringMetamethod(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`obj = setmetatable({}, {__tostring = function() return "custom" end})`); err != nil {
		t.Fatal(err)
	}
	got, err := Append(L, nil, "<%s>", []lua.LValue{L.GetGlobal("obj")})
	if err != nil || string(got) != "<custom>" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestAppendErrors(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct {
		format string
		args   []lua.LValue
		want   string
	}{
		{"%d", []lua.LValue{N(1.5)}, "bad argument #2 to 'printf' (number has no integer representation)"},
		{"%s %d", []lua.LValue{S("a"), L.NewTable()}, "bad argument #3 to 'printf' (number expected, got table)"},
		{"%d %d", []lua.LValue{N(1)}, "bad argument #3 to 'printf' (no value)"},
		{"%y", []lua.LValue{N(1)}, "invalid conversion '%y' to 'printf'"},
		{"%5", nil, "invalid conversion '%5' to 'printf'"},
		{"%z\n", []lua.LValue{N(1)}, `invalid conversion '%z\n' to 'printf'`},
		{"%\x01", []lua.LValue{N(1)}, `invalid conversion '%\x01' to 'printf'`},
		{"%5\n", nil, `invalid conversion '%5\n' to 'printf'`},
		{"%f", []lua.LValue{lua.LTrue}, "number expected, got boolean"},
		{"%*d", []lua.LValue{S("x"), N(1)}, "bad argument #2 to 'printf' (number expected, got string)"},
		{"%4097d", []lua.LValue{N(1)}, "invalid conversion '%4097d' to 'printf' (width and precision are at most 4096)"},
		{"%.99999999999f", []lua.LValue{N(1)}, "invalid conversion '%.99999999999f' to 'printf' (width and precision are at most 4096)"},
		{"%s %*d", []lua.LValue{S("a"), N(-5000), N(1)}, "bad argument #3 to 'printf' (width 5000 is over the limit of 4096)"},
		{"%.*f", []lua.LValue{N(1e9), N(1)}, "bad argument #2 to 'printf' (precision 1000000000 is over the limit of 4096)"},
	}
	for _, tc := range tests {
		_, err := Append(L, nil, tc.format, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.format, err, tc.want)
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	got, err := Append(nil, []byte("pre:"), "%d", []lua.LValue{N(1)})
	if err != nil || string(got) != "pre:1" {
		t.Errorf("got %q, %v", got, err)
	}
}

// With no Lua state, %s still formats strings, numbers, booleans and nil.
func TestAppendWithoutState(t *testing.T) {
	got, err := Append(nil, nil, "%s %s %s %s", []lua.LValue{S("a"), N(2), lua.LTrue, lua.LNil})
	if err != nil || string(got) != "a 2 true nil" {
		t.Errorf("got %q, %v", got, err)
	}
}

func ExampleAppend() {
	L := lua.NewState()
	defer L.Close()
	args := []lua.LValue{lua.LNumber(4242), lua.LString("0xffffffff81000000"), lua.LString("bash")}
	out, err := Append(L, nil, "pid=%-6d addr=%#lx comm=%q\n", args)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output: pid=4242   addr=0xffffffff81000000 comm="bash"
}

func BenchmarkAppend(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	args := []lua.LValue{N(12345), S("luatrace"), S("/etc/passwd")}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(L, buf[:0], "%-6d %-16s %s\n", args)
	}
}

// BenchmarkAppendNumbers covers the numeric verbs, which must not allocate
// either.
func BenchmarkAppendNumbers(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	args := []lua.LValue{N(12345), S("0xffffffff81000000"), N(-7), N(3.25), N(99)}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(L, buf[:0], "%d %#lx %u %.2f %s\n", args)
	}
}

func TestOverWide(t *testing.T) {
	tests := []struct {
		format, conv string
		found        bool
	}{
		{"%d %5.2f %-4096s %%", "", false},
		{"x %4097d", "%4097d", true},
		{"%.99999f", "%.99999f", true},
		{"%%5000d", "", false},
		{"%0" + strings.Repeat("9", 28) + "d", "%0" + strings.Repeat("9", 18) + "...d", true},
	}
	for _, tc := range tests {
		if conv, found := OverWide(tc.format); conv != tc.conv || found != tc.found {
			t.Errorf("OverWide(%q) = %q, %v; want %q, %v", tc.format, conv, found, tc.conv, tc.found)
		}
	}
}
