package value

import (
	"fmt"
	"math"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		in   uint64
		want lua.LValue
	}{
		{0, lua.LNumber(0)},
		{1, lua.LNumber(1)},
		{1 << 53, lua.LNumber(1 << 53)},
		{1<<53 + 1, lua.LString("0x20000000000001")},
		{math.MaxUint64, lua.LString("0xffffffffffffffff")},
		{0xdeadbeefcafebabf, lua.LString("0xdeadbeefcafebabf")},
		{0xffffffff81000000, lua.LString("0xffffffff81000000")},
	}
	for _, tc := range tests {
		got := Uint(tc.in)
		if got != tc.want {
			t.Errorf("Uint(%#x) = %#v, want %#v", tc.in, got, tc.want)
		}
		back, ok := ToUint64(got)
		if !ok || back != tc.in {
			t.Errorf("ToUint64(Uint(%#x)) = %#x, %v", tc.in, back, ok)
		}
	}
}

func TestInt(t *testing.T) {
	tests := []struct {
		in   int64
		want lua.LValue
	}{
		{-1, lua.LNumber(-1)},
		{-(1 << 53), lua.LNumber(-(1 << 53))},
		{-(1 << 60), lua.LString("0xf000000000000000")},
		{math.MinInt64, lua.LString("0x8000000000000000")},
	}
	for _, tc := range tests {
		got := Int(tc.in)
		if got != tc.want {
			t.Errorf("Int(%d) = %#v, want %#v", tc.in, got, tc.want)
		}
		if back, ok := ToInt64(got); !ok || back != tc.in {
			t.Errorf("ToInt64(Int(%d)) = %d, %v", tc.in, back, ok)
		}
	}
}

func TestToUint64Rejects(t *testing.T) {
	for _, v := range []lua.LValue{lua.LNumber(1.5), lua.LNumber(math.Inf(1)), lua.LNumber(1e20),
		lua.LString("0x"), lua.LString("0x1ffffffffffffffff"), lua.LString("abc"), lua.LTrue, lua.LNil} {
		if _, ok := ToUint64(v); ok {
			t.Errorf("ToUint64(%#v) accepted", v)
		}
	}
	for s, want := range map[string]uint64{"42": 42, "-1": math.MaxUint64, "0XFF": 255, " 0x10 ": 16} {
		if got, ok := ToUint64(lua.LString(s)); !ok || got != want {
			t.Errorf("ToUint64(%q) = %d, %v", s, got, ok)
		}
	}
}

func TestLuaHelpers(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return hex(255)`, "0xff"},
		{`return hex(255, 8)`, "0x000000ff"},
		{`return hex(-1)`, "0xffffffffffffffff"},
		{`return hex("0xffffffff81000000")`, "0xffffffff81000000"},
		{`return u64.add("0xffffffffffffffff", 1)`, "0"},
		{`return u64.sub(0, 1)`, "0xffffffffffffffff"},
		{`return u64.add("0xffffffff81000000", 16)`, "0xffffffff81000010"},
		{`return u64.mul(2^32, 2^32 - 1)`, "0xffffffff00000000"},
		{`return u64.div("0xffffffffffffffff", 16)`, "0xfffffffffffffff"},
		{`return u64.mod(17, 5)`, "2"},
		{`return u64.band("0xffffffff81000000", 0xffff)`, "0"},
		{`return u64.bor("0xf000000000000000", 1)`, "0xf000000000000001"},
		{`return u64.bxor(3, 1)`, "2"},
		{`return u64.bnot(0)`, "0xffffffffffffffff"},
		{`return u64.shl(1, 63)`, "0x8000000000000000"},
		{`return u64.shr("0x8000000000000000", 63)`, "1"},
		{`return u64.shr(1, 64)`, "0"},
		{`return tostring(u64.lt(1, "0xffffffffffffffff"))`, "true"},
		{`return tostring(u64.eq("0x10", 16))`, "true"},
		{`return u64.tostring(-1)`, "18446744073709551615"},
		{`return u64.hex(10)`, "0xa"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			if got := run(t, tc.code); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLuaErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return u64.div(1, 0)`, "division by zero"},
		{`return u64.add({}, 1)`, `bad argument #1 to add (expected an integer or a "0x..." string, got table)`},
		{`return hex(1.5)`, "got 1.5"},
		{`return hex(1, 20)`, "width must be"},
	}
	for _, tc := range tests {
		L := lua.NewState()
		Open(L)
		err := L.DoString(tc.code)
		L.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.code, err, tc.want)
		}
	}
}

// Wide values used as table keys land in one slot, and compare equal.
func TestWideValuesAsKeys(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	Open(L)
	tbl := L.NewTable()
	L.SetGlobal("t", tbl)
	L.SetGlobal("a", Uint(0xffffffff81000000))
	L.SetGlobal("b", Uint(0xffffffff81000000))
	if err := L.DoString(`t[a] = 1; t[b] = (t[b] or 0) + 1; n = 0; for _ in pairs(t) do n = n + 1 end; same = (a == b)`); err != nil {
		t.Fatal(err)
	}
	if L.GetGlobal("n") != lua.LNumber(1) || L.GetGlobal("same") != lua.LTrue || tbl.RawGet(Uint(0xffffffff81000000)) != lua.LNumber(2) {
		t.Errorf("n=%v same=%v", L.GetGlobal("n"), L.GetGlobal("same"))
	}
}

func run(t *testing.T, code string) string {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	Open(L)
	if err := L.DoString(code); err != nil {
		t.Fatal(err)
	}
	return L.Get(-1).String()
}

func ExampleUint() {
	fmt.Println(Uint(4096), Uint(0xffffffff81000000))
	// Output: 4096 0xffffffff81000000
}

func ExampleOpen() {
	L := lua.NewState()
	defer L.Close()
	Open(L)
	if err := L.DoString(`print(u64.add("0xffffffff81000000", 16), hex(255, 4), u64.tostring(-1))`); err != nil {
		panic(err)
	}
	// Output: 0xffffffff81000010	0x00ff	18446744073709551615
}
