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

// oneLine fails unless stderr is exactly want on one line.
func oneLine(t *testing.T, r result, status int, want string) {
	t.Helper()
	if r.code != status || r.stderr != want+"\n" {
		t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, status, want+"\n")
	}
}

// TestErrorValues: whatever a script raises is shown as one line with
// where it happened, calls of non-functions name the callee, and control
// bytes are escaped.
func TestErrorValues(t *testing.T) {
	tests := []struct{ code, want string }{
		{`error({})`, `-e:1: error object is a table value`},
		{`error(nil)`, `-e:1: error object is a nil value`},
		{`error(42)`, `-e:1: 42`},
		{`foo()`, `-e:1: attempt to call a nil value (global 'foo')`},
		{`local t = {}
t.foo()`, `-e:2: attempt to call a non-function value (field 'foo')`},
		{`local s = "x" s:nope()`, `-e:1: attempt to call a non-function value (method 'nope')`},
		{`local x = 1; x()`, `-e:1: attempt to call a non-function value (local 'x')`},
		{`n = 3; n()`, `-e:1: attempt to call a number value (global 'n')`},
		{"error(\"a\x1b[2Jb\\r\")", `-e:1: a\x1b[2Jb\x0d`},
		{"probe(\"k\x1bprobe:x\", function() end)", `-e:1: unknown probe type "k\x1bprobe" in "k\x1bprobe:x"`},
	}
	for _, tc := range tests {
		r := luatrace(t, "-e", tc.code)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "luatrace: "+tc.want) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "\x1b") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line starting %q", tc.code, r.code, r.stderr, "luatrace: "+tc.want)
		}
	}
}

// TestSizeLimits: library functions whose result size is an argument
// stop at a documented limit with a Lua error (catchable by pcall), never
// a Go panic or an out-of-memory crash.
func TestSizeLimits(t *testing.T) {
	tests := []struct{ call, want string }{
		{`string.rep, "x", 1e12`, `string.rep: the result would be 1000000000000 bytes, over the limit of 256 MiB for one string`},
		{`string.rep, "xx", 2^62`, `string.rep: the result would be 9223372036854775808 bytes, over the limit of 256 MiB for one string`},
		{`string.format, "%999999999d", 1`, `string.format: conversion '%999999999d' asks for more than 4096 characters of width or precision`},
		{`string.format, "%.5000f", 1`, `string.format: conversion '%.5000f' asks for more than 4096 characters of width or precision`},
		{`printf, "%99999d", 1`, `invalid conversion '%99999d' to 'printf' (width and precision are at most 4096)`},
		{`printf, "%*d", 1e9, 1`, `bad argument #2 to 'printf' (width 1000000000 is over the limit of 4096)`},
		{`table.concat, {string.rep("x", 2^26), string.rep("x", 2^26), string.rep("x", 2^26), string.rep("x", 2^26), "y"}`,
			`table.concat: the result would be over the limit of 256 MiB for one string`},
		{`unpack, {}, 1, 1e8`, `too many results to unpack (100000000 values; at most 65536)`},
		{`string.byte, string.rep("x", 1e6), 1, -1`, `string.byte: 1000000 values asked for, at most 65536 are returned at once`},
		{`string.char, 256`, `string.char: argument #1 must be a byte value (0 to 255), got 256`},
		{`mem.uread, 1, 0, 1e12`, `bad argument #3 to (anonymous) (size must be 1 to 1048576 bytes)`},
		{`os.exit, "x"`, `bad argument #1 to (anonymous) (number expected, got string)`},
	}
	for _, tc := range tests {
		r := luatrace(t, "-e", `print(pcall(`+tc.call+`))`)
		if r.code != 0 || r.stdout != "false\t-e:1: "+tc.want+"\n" {
			t.Errorf("pcall(%s): exit %d, stdout %q, stderr %q; want false and %q", tc.call, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	// Unprotected, the same error ends the script with one line.
	r := luatrace(t, "-e", `string.rep("x", 1e12)`)
	oneLine(t, r, 2, `luatrace: -e:1: string.rep: the result would be 1000000000000 bytes, over the limit of 256 MiB for one string`)
}

// TestArgumentChecks: map:get with a key of the wrong shape, m:print with
// bad options and emit of values JSON cannot hold raise errors instead of
// answering nil or printing addresses.
func TestArgumentChecks(t *testing.T) {
	tests := []struct{ code, want string }{
		{`m = map.count{key = "comm"} m:get("a", "b")`, `-e:1: bad argument #2 to get (map @m is keyed by comm; got 2 key parts)`},
		{`m = map.count{key = {"pid", "comm"}} m:get({1})`, `-e:1: bad argument #2 to get (map @m is keyed by 2 parts (pid, comm); got 1 key part)`},
		{`m = map.count{key = "comm"} m:get({{}})`, `-e:1: bad argument #2 to get (key part 1 is a table; map keys are numbers and strings)`},
		{`local h = hist.new() h:add(1) h:print{top = "x"}`, `-e:1: bad argument #2 to print (top must be a whole number of rows (0 for all), got x)`},
		{`local h = hist.new() h:add(1) h:print{tpo = 1}`, `-e:1: bad argument #2 to print (unknown option tpo (known: top))`},
		{`local h = hist.new() h:add(1) h:print("x")`, `-e:1: bad argument #2 to print (options table such as {top = 10} expected, got string)`},
		{`emit({f = print})`, `-e:1: bad argument #1 to emit (field f is a function; records hold strings, numbers, booleans and tables (convert with tostring()))`},
		{`emit({a = {b = coroutine.create(print)}})`, `-e:1: bad argument #1 to emit (field a.b is a thread; records hold strings, numbers, booleans and tables (convert with tostring()))`},
		{`emit({[print] = 1})`, `-e:1: bad argument #1 to emit (record keys are strings (or list indices), got a function)`},
		{`local t = {} t.t = t emit(t)`, `-e:1: bad argument #1 to emit (record nested deeper than 16 tables (a table that contains itself?))`},
	}
	for _, tc := range tests {
		oneLine(t, luatrace(t, "-e", tc.code), 2, "luatrace: "+tc.want)
	}
}

// TestFlagErrors: a bad command line gives one sentence naming the option
// and what it needs, and status 2 (not Go's flag text and the usage).
func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-bogus"}, `luatrace: unknown option -bogus (see luatrace -h)`},
		{[]string{"--bogus", "-e", "print(1)"}, `luatrace: unknown option -bogus (see luatrace -h)`},
		{[]string{"-e"}, `luatrace: -e needs Lua code (see luatrace -h)`},
		{[]string{"-p", "abc", "-e", "print(1)"}, `luatrace: -p needs a process id, got "abc"`},
		{[]string{"-p", "0", "-e", "print(1)"}, `luatrace: -p needs a process id, got 0`},
		{[]string{"-p", "-3", "-e", "print(1)"}, `luatrace: -p needs a process id, got -3`},
		{[]string{"-c", "", "-e", "print(1)"}, `luatrace: -c needs a command, got an empty string`},
		{[]string{"-c", "  ", "-e", "print(1)"}, `luatrace: -c needs a command, got an empty string`},
		{[]string{"-e", ""}, `luatrace: -e needs Lua code, got an empty string`},
		{[]string{"-v=3", "-e", "print(1)"}, `luatrace: -v takes no value, got "3"`},
		{[]string{"-\x1b[2J"}, `luatrace: unknown option -\x1b[2J (see luatrace -h)`},
		{[]string{"opensnoop", "--zzz"}, `opensnoop: unknown option --zzz (options are single letters, e.g. -p PID); see opensnoop -h`},
		{[]string{"opensnoop", "-Z"}, `opensnoop: unknown option -Z; see opensnoop -h`},
		{[]string{"opensnoop", "-\x1b"}, `opensnoop: unknown option -\x1b; see opensnoop -h`},
		{[]string{"profile", "--call-graph", "lbr"}, `profile: --call-graph takes fp, dwarf[,SIZE] or buildid, got 'lbr'; see profile -h`},
	}
	for _, tc := range tests {
		oneLine(t, luatrace(t, tc.args...), 2, tc.want)
	}
}

// TestExecChildSwitchIsInternal: the paused -c child is not something the
// environment or argv[0] alone can turn luatrace into.
func TestExecChildSwitchIsInternal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   []string
		arg0  string
		stdin bool
	}{
		{name: "old environment switch", env: []string{"LUATRACE_EXEC_CHILD=1"}},
		{name: "argv[0] marker without the pipe", arg0: "luatrace (paused -c command)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin(t, "luatrace"), "-e", "print(1)")
			if tc.arg0 != "" {
				cmd.Args[0] = tc.arg0
			}
			cmd.Env = append(os.Environ(), tc.env...)
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != "1\n" {
				t.Errorf("%v, output %q; want 1", err, out)
			}
		})
	}
}
