package e2e

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// usdtOutput splits a traced usdtprobes run into the script's lines and
// the workload's own "guarded N" report (their order is not fixed).
func usdtOutput(t *testing.T, r result) (script []string, report string) {
	t.Helper()
	for _, l := range r.lines() {
		if strings.HasPrefix(l, "guarded ") {
			report = l
		} else {
			script = append(script, l)
		}
	}
	return script, report
}

func TestUSDTArguments(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "usdtprobes")
	// Registers of every width and sign (-4@%eax, 1@%dl), memory at a
	// register with and without displacement (-8@(%rsi), -4@8(%rsi)), and
	// immediates (-8@$81985529216486895, -2@$-300, -4@$5).
	script := `
probe("usdt:` + exe + `:lt:regs", function(e) printf("regs %d %d %s %d\n", e.arg0, e.arg1, hex(e.arg2), e.arg3) end)
probe("usdt:` + exe + `:lt:mem", function(e) printf("mem %d %d args %d %d\n", e.arg0, e.arg1, e.args.arg0, e.args.arg1) end)
probe("usdt:` + exe + `:consts", function(e) printf("consts %d %d %d\n", e.arg0, e.arg1, e.arg2) end)
probe("usdt:` + exe + `:lt:guarded", function(e) printf("g %d\n", e.arg0) end)`
	r := luatrace(t, "-c", exe+" 3", "-e", script).expectOK(t)
	got, report := usdtOutput(t, r)
	var want []string
	for i := range 3 {
		want = append(want, fmt.Sprintf("regs %d %d 0x123456789abcdef -300", -(i+1), 200+i),
			fmt.Sprintf("mem %d %d args %d %d", 1000+i, -(i+7), 1000+i, -(i+7)),
			fmt.Sprintf("consts 5 -7 %d", i), fmt.Sprintf("g %d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("script output:\n%s\nwant:\n%s\nstderr:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r.stderr)
	}
	if report != "guarded 3" {
		t.Errorf("workload saw its semaphore set %q times, want \"guarded 3\"", report)
	}
}

// TestUSDTSemaphore: a semaphore-guarded probe site runs only while a
// tracer is attached to that probe.
func TestUSDTSemaphore(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "usdtprobes")
	tests := []struct {
		name, probe string
		want        string
	}{
		{"guarded probe traced", "lt:guarded", "guarded 5"},
		{"other probe traced", "lt:regs", "guarded 0"},
		{"wildcard includes guarded", "lt:*", "guarded 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			script := `local n = 0
probe("usdt:` + exe + `:` + tc.probe + `", function(e) if e.func == "guarded" then n = n + 1 end end)
probe("END", function() printf("events %d\n", n) end)`
			r := luatrace(t, "-c", exe+" 5", "-e", script).expectOK(t)
			script2, report := usdtOutput(t, r)
			if report != tc.want {
				t.Errorf("workload reported %q, want %q\nstderr:\n%s", report, tc.want, r.stderr)
			}
			events := "events 0"
			if tc.want == "guarded 5" {
				events = "events 5"
			}
			if !slices.Equal(script2, []string{events}) {
				t.Errorf("script output %q, want %q", script2, events)
			}
		})
	}
	// After the tracer detached the kernel has dropped the count again.
	out, err := exec.Command(exe, "4").Output()
	if err != nil || strings.TrimSpace(string(out)) != "guarded 0" {
		t.Errorf("untraced run: %q, %v; want \"guarded 0\"", out, err)
	}
}

// TestUSDTFieldsAndFilter: USDT arguments in capture expressions and
// kernel filters, next to the automatic argN fields.
func TestUSDTFieldsAndFilter(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "usdtprobes")
	script := `probe("usdt:` + exe + `:lt:mem", {fields = {sum = "arg0 + arg1", b = "arg1"}, filter = "arg1 < -7"},
  function(e) printf("%d %d %d\n", e.arg0, e.sum, e.b) end)`
	r := luatrace(t, "-c", exe+" 3", "-e", script).expectOK(t)
	got, _ := usdtOutput(t, r)
	if want := []string{"1001 993 -8", "1002 993 -9"}; !slices.Equal(got, want) {
		t.Errorf("output %q, want %q\nstderr:\n%s", got, want, r.stderr)
	}
}

func TestUSDTListAndErrors(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "usdtprobes")
	r := luatrace(t, "-l", "usdt:"+exe+":*").expectOK(t)
	want := []string{"usdt:" + exe + ":lt:consts", "usdt:" + exe + ":lt:guarded", "usdt:" + exe + ":lt:mem", "usdt:" + exe + ":lt:regs"}
	if got := r.lines(); !slices.Equal(got, want) {
		t.Errorf("-l usdt:%s:* =\n%s\nwant:\n%s", exe, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r = luatrace(t, "-l", "usdt:"+exe+":lt:g*").expectOK(t)
	if got := r.lines(); !slices.Equal(got, want[1:2]) {
		t.Errorf("-l usdt:%s:lt:g* = %q", exe, got)
	}
	tests := []struct {
		spec, opts string
		want       string
	}{
		{"usdt:" + bin(t, "ufuncs") + ":lt:regs", "{}", "has no USDT probes"},
		{"usdt:" + exe + ":lt:nosuch", "{}", "no USDT probe in " + exe + " matches lt:nosuch; list them with luatrace -l"},
		// Seven strings (equal fetches would be shared, so they differ).
		{"usdt:" + exe + ":lt:mem", `{fields = {a = "str(uptr(arg0))", b = "str(uptr(arg0 + 8))", c = "str(uptr(arg0 + 16))", d = "str(uptr(arg0 + 24))", e = "str(uptr(arg0 + 32))", f = "str(uptr(arg0 + 40))", g = "str(uptr(arg0 + 48))"}}`,
			"exceed the limit of 8 per probe; its 2 USDT arguments are captured as arg0..arg1"},
	}
	for _, tc := range tests {
		r := luatrace(t, "-e", `probe("`+tc.spec+`", `+tc.opts+`, function() end)`)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("%s: exit %d, stderr %q; want %q", tc.spec, r.code, r.stderr, tc.want)
		}
	}
}
