package e2e

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestScriptErrors checks that each mistake gives one clear sentence on
// stderr and exit status 2, and that nothing is left attached.
func TestScriptErrors(t *testing.T) {
	requireRoot(t)
	ufuncs := bin(t, "ufuncs")
	tests := []struct {
		name, code string
		want       []string
	}{
		{"syntax", "probe((", []string{"-e:1:", "syntax error"}},
		{"unknown type", `probe("kprob:vfs_read", function() end)`, []string{`-e:1:`, `kprob`, `did you mean kprobe?`}},
		{"unknown tracepoint", `probe("tracepoint:syscalls:sys_enter_opnat", function() end)`,
			[]string{`-e:1:`, `sys_enter_opnat`, `did you mean syscalls:sys_enter_openat?`}},
		{"unknown kernel function", `probe("kprobe:vfs_raed", function() end)`, []string{`vfs_raed`, `did you mean vfs_read?`}},
		{"unknown binary", `probe("uprobe:/no/such/binary:main", function() end)`, []string{`/no/such/binary`}},
		{"unknown symbol", `probe("uprobe:` + ufuncs + `:lt_ad", function() end)`, []string{`lt_ad`, `did you mean lt_add?`}},
		{"unknown option", `probe("tracepoint:syscalls:sys_enter_getppid", {pdi = 1}, function() end)`, []string{`unknown option "pdi"`}},
		{"missing callback", `probe("BEGIN")`, []string{`needs a callback`}},
		{"runtime error at top level", `local x = nil; x.y = 1`, []string{`-e:1:`, `attempt to index`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := luatrace(t, "-e", tc.code)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstderr:\n%s", r.code, r.stderr)
			}
			msg := strings.TrimSpace(r.stderr)
			if strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, "luatrace: ") {
				t.Errorf("want one line starting with luatrace:, got:\n%s", r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q lacks %q", msg, w)
				}
			}
		})
	}
}

// On this kernel kprobes cannot attach (no CONFIG_KPROBES); the error must
// say so and name the alternative. Where kprobes work, the probe attaches.
func TestMissingProbeTypeNamesAlternative(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-e", `probe("kprobe:vfs_read", function() end)`)
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe"); err == nil {
		if r.code != 0 {
			t.Errorf("kprobes are supported here, yet: %s", r.stderr)
		}
		return
	}
	if r.code != 2 || !strings.Contains(r.stderr, "cannot attach kprobe:vfs_read") || !strings.Contains(r.stderr, "use ") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func TestCallbackErrorsAreSummarised(t *testing.T) {
	requireRoot(t)
	script := `local n = 0
probe("tracepoint:syscalls:sys_enter_getppid", function(e)
  n = n + 1
  local t = nil
  return t.field
end)
probe("END", function() printf("calls %d\n", n) end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 100", "-e", script).expectOK(t)
	if r.stdout != "calls 100\n" {
		t.Errorf("the trace must keep going after callback errors; stdout %q", r.stdout)
	}
	if strings.Count(r.stderr, "attempt to index") != 2 || !strings.Contains(r.stderr, "stack traceback") ||
		!strings.Contains(r.stderr, "-e:5:") || !strings.Contains(r.stderr, "happened 100 times") {
		t.Errorf("want the first error with file:line and traceback, then a summary; stderr:\n%s", r.stderr)
	}
}

func TestCallbackErrorCanEndTrace(t *testing.T) {
	requireRoot(t)
	script := `probe("tracepoint:syscalls:sys_enter_getppid", {on_error = "exit"}, function(e) error("boom") end)
probe("END", function() print("end ran") end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 100", "-e", script)
	if r.code != 1 || r.stdout != "end ran\n" || !strings.Contains(r.stderr, "boom") {
		t.Errorf("exit %d stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestUretprobeOnGoBinaryRefused(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-e", `probe("uretprobe:`+bin(t, "luatrace")+`:main.main", function() end)`)
	if r.code != 2 || !strings.Contains(r.stderr, "Go program") {
		t.Errorf("exit %d stderr:\n%s", r.code, r.stderr)
	}
}

func TestNotRoot(t *testing.T) {
	requireRoot(t) // to switch to an unprivileged user
	cmd := exec.Command(bin(t, "luatrace"), "-e", `probe("tracepoint:syscalls:sys_enter_getppid", function() end)`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v: %s", err, out)
	}
	if !strings.Contains(string(out), "needs root (or CAP_BPF and CAP_PERFMON)") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("output %q", out)
	}
	// Pure computation needs no privileges.
	cmd = exec.Command(bin(t, "luatrace"), "-e", `print(1 + 1)`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "2\n" {
		t.Errorf("unprivileged print: %v %q", err, out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no script given"},
		{[]string{"-f", "xml", "-e", "print(1)"}, `unknown output format "xml"`},
		{[]string{"/no/such/script.lua"}, "cannot read script /no/such/script.lua"},
		{[]string{"-p", "1", "-c", "true", "-e", "print(1)"}, "give one of them"},
		{[]string{"-c", "/no/such/cmd", "-e", "print(1)"}, "not found"},
	}
	for _, tc := range tests {
		r := luatrace(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("luatrace %q: exit %d stderr %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
