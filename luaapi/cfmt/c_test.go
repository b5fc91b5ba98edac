package cfmt

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// cCases are conversions checked against glibc's printf itself: cArgs is
// the C argument list, args the same values in Lua.
var cCases = []struct {
	format, cArgs string
	args          []lua.LValue
}{
	{"%5lld|%-5lld|%05lld", "42LL, 42LL, 42LL", []lua.LValue{N(42), N(42), N(42)}},
	{"%+lld % lld %.3lld %.0lld|", "5LL, 5LL, 7LL, 0LL", []lua.LValue{N(5), N(5), N(7), N(0)}},
	{"%05lld %lld", "-42LL, (long long)0x8000000000000000ULL", []lua.LValue{N(-42), S("0x8000000000000000")}},
	{"%llu %llx %#llx %#llX %#llo", "-1LL, -1LL, 255LL, 255LL, 8LL", []lua.LValue{N(-1), N(-1), N(255), N(255), N(8)}},
	{"%#010llx %20llu|%-20llx|", "255LL, 18446744073709551615ULL, 0xffffffff81000000ULL",
		[]lua.LValue{N(255), S("0xffffffffffffffff"), S("0xffffffff81000000")}},
	{"%c%3c%-3c|", "'a', 'b', 'c'", []lua.LValue{N('a'), N('b'), N('c')}},
	{"[%6s][%-6s][%.2s][%*s][%-*s]", `"ab", "ab", "abc", 4, "x", 4, "y"`,
		[]lua.LValue{S("ab"), S("ab"), S("abc"), N(4), S("x"), N(4), S("y")}},
	{"%f %.2f %10.3f %-10.1f|%08.3f", "3.5, 2.345, 3.14159, -1.0, -3.14159",
		[]lua.LValue{N(3.5), N(2.345), N(3.14159), N(-1), N(-3.14159)}},
	{"%e %E %.2e %+.1e %12.4e", "12345.678, 0.00012, 0.0, 5.0, 1e300",
		[]lua.LValue{N(12345.678), N(0.00012), N(0), N(5), N(1e300)}},
	{"%g %g %g %g %g %G %g", "100000.0, 1000000.0, 0.0001, 0.00001, 3.5, 1e-10, 123456789.0",
		[]lua.LValue{N(100000), N(1000000), N(0.0001), N(0.00001), N(3.5), N(1e-10), N(123456789)}},
	{"%g %.3g %#g %#.3g %.10g %g", "0.0, 3.14159, 1.0, 2.0, 1.0/3, 99999.95",
		[]lua.LValue{N(0), N(3.14159), N(1), N(2), N(1.0 / 3), N(99999.95)}},
	{"%#.0f %.0f %.0e %#.0e %.1f", "3.0, 2.5, 15.0, 15.0, 0.05",
		[]lua.LValue{N(3), N(2.5), N(15), N(15), N(0.05)}},
	{"%f %F %6f %-6e|", "1.0/0, 1.0/0, -1.0/0, 1.0/0", []lua.LValue{N(posInf()), N(posInf()), N(-posInf()), N(posInf())}},
	{"%#.3llo|%#.0llo|%.0llx|%#.0llx|%#5.0llo|%#08llo", "8LL, 0LL, 0LL, 0LL, 0LL, 8LL", []lua.LValue{N(8), N(0), N(0), N(0), N(0), N(8)}},
	{"% 05lld|%-05lld|%+05lld|%+llu|% llx|", "42LL, 42LL, 42LL, 42LL, 42LL", []lua.LValue{N(42), N(42), N(42), N(42), N(42)}},
	{"%e|%g|%f|%+g|% e|", "-0.0, -0.0, -0.0, 0.0, 1.0", []lua.LValue{N(negZero()), N(negZero()), N(negZero()), N(0), N(1)}},
	{"%.20g|%.17g|%.0g|%g|%g|%#.0g|%#.1g", "0.1, 1.0/3, 0.5, 1e-5, 9.9999999e-5, 7.0, 1e10",
		[]lua.LValue{N(0.1), N(1.0 / 3), N(0.5), N(1e-5), N(9.9999999e-5), N(7), N(1e10)}},
	{"%#x|%#o|%#X|%010.4llx|%-#10x|", "1, 1, 171, 171LL, 171", []lua.LValue{N(1), N(1), N(171), N(171), N(171)}},
	{"%.3e|%.15e|%.30f|%5.1f%%", "123456.0, 3.14159, 0.1, 99.95", []lua.LValue{N(123456), N(3.14159), N(0.1), N(99.95)}},
	{"%-+8.3f|%+08.2e|% 010g|%010f", "3.14159, -12.5, 100.0, -1.0/0", []lua.LValue{N(3.14159), N(-12.5), N(100), N(-posInf())}},
	{"%lld|%llu|%llx", "-9007199254740993LL, 9007199254740993ULL, -9007199254740993LL",
		[]lua.LValue{S("0xffdfffffffffffff"), S("0x20000000000001"), S("0xffdfffffffffffff")}},
	{"%.*f|%*.*f|%-*d|", "-1, 2.5, 8, 2, 3.14159, 0, 5", []lua.LValue{N(-1), N(2.5), N(8), N(2), N(3.14159), N(0), N(5)}},
}

func negZero() float64 { return -1 * zero }

// TestMatchesC prints every case with gcc-compiled C and with Append, and
// compares the two byte for byte.
func TestMatchesC(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc is needed to compare with C's printf")
		}
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("#include <stdio.h>\nint main(void) {\n")
	for _, tc := range cCases {
		fmt.Fprintf(&src, "\tprintf(%q \"\\n\", %s);\n", tc.format, tc.cArgs)
	}
	src.WriteString("\treturn 0;\n}\n")
	cfile := filepath.Join(dir, "p.c")
	if err := os.WriteFile(cfile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "p")
	if out, err := exec.Command("gcc", "-w", "-o", exe, cfile).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(want) != len(cCases) {
		t.Fatalf("C printed %d lines for %d cases", len(want), len(cCases))
	}
	L := lua.NewState()
	defer L.Close()
	for i, tc := range cCases {
		got, err := Append(L, nil, tc.format, tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		if string(got) != want[i] {
			t.Errorf("%q:\n got %q\nC    %q", tc.format, got, want[i])
		}
	}
}
