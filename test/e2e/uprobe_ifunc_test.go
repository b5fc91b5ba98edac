package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUprobeIFUNC: uprobe:libc:strlen, an IFUNC, sees the calls of strlen
// (it failed: "symbol strlen: not found"; bpftrace attaches to the
// resolver, which runs once per process). -v names the implementation.
func TestUprobeIFUNC(t *testing.T) {
	requireRoot(t)
	script := `local n = 0
probe("uprobe:libc:strlen", function() n = n + 1 end)
probe("END", function() printf("calls=%d\n", n) end)`
	r := luatrace(t, "-v", "-c", bin(t, "strfuncs")+" 1000", "-e", script)
	if strings.Contains(r.stderr, "starts with an AVX-512 (EVEX) instruction") {
		// This CPU's strlen cannot take a uprobe safely: refused, as it must be.
		if r.code != 2 {
			t.Errorf("refused with exit %d", r.code)
		}
		return
	}
	r.expectOK(t)
	lines := r.lines()
	var calls int
	if n, _ := fmt.Sscanf(lines[len(lines)-1], "calls=%d", &calls); n != 1 || calls < 1000 || calls > 1100 {
		t.Errorf("stdout %q: want about 1000 calls of strlen", r.stdout)
	}
	if !strings.Contains(r.stderr, "strlen is an IFUNC: attached to the implementation it selects on this machine, at 0x") {
		t.Errorf("-v does not say where strlen attached:\n%s", r.stderr)
	}
}

// TestUprobeIFUNCResolverFallback: with no process mapping the library
// (a fresh copy of libc), the implementation cannot be read, and the probe
// goes where bpftrace puts it, on the resolver, saying so.
func TestUprobeIFUNCResolverFallback(t *testing.T) {
	requireRoot(t)
	libc, err := filepath.EvalSymlinks("/lib/x86_64-linux-gnu/libc.so.6")
	if err != nil {
		t.Fatalf("this test needs Debian's libc: %v", err)
	}
	b, err := os.ReadFile(libc)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "libc.so.6")
	if err := os.WriteFile(cp, b, 0o755); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, "-v", "-e", `probe("uprobe:`+cp+`:strlen", function() end) exit()`).expectOK(t)
	want := "strlen is an IFUNC: attached to its resolver at 0x"
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "as bpftrace does, which runs when a process loads "+cp+" rather than on each call") {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
}

// TestUprobeEVEX: a function starting with an AVX-512 (EVEX) instruction
// is refused: under a uprobe, the traced program computed wrong results
// (seen on 6.18 with glibc's __strchr_evex; bpftrace as well). A glob
// skips it, and the program keeps computing right.
func TestUprobeEVEX(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "evexfirst")
	r := luatrace(t, "-e", `probe("uprobe:`+exe+`:evex_first", function() end)`)
	want := "luatrace: -e:1: probe \"uprobe:" + exe + ":evex_first\": evex_first in " + exe +
		" starts with an AVX-512 (EVEX) instruction, which a uprobe would make the traced program execute wrongly; probe a caller or a function it calls instead\n"
	if r.code != 2 || r.stderr != want {
		t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	script := `local calls = map.count{ key = "comm" }
probe("uprobe:` + exe + `:*_first", { into = calls })`
	args := []string{"-e", script + " exit()"}
	if cpuHas("avx512bw", "avx512vl") {
		args = []string{"-c", exe + " 1000", "-e", script}
	}
	r = luatrace(t, args...).expectOK(t)
	if !strings.Contains(r.stderr, "luatrace: warning: uprobe:"+exe+":*_first: attached 1 of 2 targets; skipped 1: 1 starting with an AVX-512 instruction; -v lists them\n") {
		t.Errorf("stderr %q", r.stderr)
	}
	if args[0] == "-c" && !strings.HasPrefix(r.stdout, "ok\n") {
		t.Errorf("the traced program computed wrong results: %q", r.stdout)
	}
}

// cpuHas reports whether /proc/cpuinfo lists every flag.
func cpuHas(flags ...string) bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			have := strings.Fields(line)
			for _, f := range flags {
				if !slices.Contains(have, f) {
					return false
				}
			}
			return true
		}
	}
	return false
}
