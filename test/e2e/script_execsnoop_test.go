package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// execRow splits an execsnoop row into TIME PID PPID COMM RET and ARGS.
func execRow(line string) (f []string, args string) {
	f = strings.Fields(line)
	if len(f) < 6 {
		return f, ""
	}
	return f[:5], strings.Join(f[5:], " ")
}

// TestExecsnoopScript sees the traced command's own exec, with -c.
func TestExecsnoopScript(t *testing.T) {
	requireRoot(t)
	workload := bin(t, "syscalls")
	r := luatrace(t, "-c", workload+" 1", script("execsnoop.lua")).expectOK(t)
	lines := r.lines()
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME(s)") {
		t.Fatalf("want a header and one exec, got:\n%s", r.stdout)
	}
	if f, args := execRow(lines[1]); len(f) != 5 || f[3] != "syscalls" || f[4] != "0" || args != workload+" 1" {
		t.Errorf("exec line %q, want comm syscalls, RET 0 and ARGS %s 1", lines[1], workload)
	}
}

// TestExecsnoopArgs: execs with known argv, traced system-wide, are rows
// with this process as the parent: the arguments as given; 19 of them
// and "..." for a longer list; an argument of 300 bytes cut to 255 and
// "..."; a failed exec with RET -2 (ENOENT). With -x only failed execs.
func TestExecsnoopArgs(t *testing.T) {
	requireRoot(t)
	workload := bin(t, "syscalls")
	numbers := func(n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return out
	}
	long := strings.Repeat("x", 300)
	tests := []struct {
		name, path string
		argv       []string
		ret, args  string
	}{
		{"words", workload, []string{"1", "two words", "three"}, "0", workload + " 1 two words three"},
		{"19 args", workload, numbers(19), "0", workload + " " + strings.Join(numbers(19), " ")},
		{"21 args", workload, numbers(21), "0", workload + " " + strings.Join(numbers(19), " ") + " ..."},
		{"long arg", workload, []string{"1", long, "y"}, "0", workload + " 1 " + long[:255] + "... y"},
		{"missing", workload + ".missing", []string{"a", "b"}, "-2", workload + ".missing a b"},
	}
	l := startLive(t, "TIME(s)", "execsnoop")
	for _, tc := range tests {
		cmd := exec.Command(tc.path, tc.argv...)
		err := cmd.Run()
		if (err == nil) != (tc.ret == "0") {
			t.Fatalf("%s: exec %s: %v", tc.name, tc.path, err)
		}
		line := l.await(t, "the exec of "+tc.name, func(s string) bool {
			f, args := execRow(s)
			return len(f) == 5 && f[2] == strconv.Itoa(os.Getpid()) && args == tc.args
		})
		if f, _ := execRow(line); f[4] != tc.ret || tc.ret == "0" && (f[1] != strconv.Itoa(cmd.Process.Pid) || f[3] != "syscalls") {
			t.Errorf("%s: row %q, want RET %s (and the child's pid and comm)", tc.name, line, tc.ret)
		}
	}
	l.stop(t)

	// -x: only the failed exec, which comes after the successful one.
	x := startLive(t, "TIME(s)", "execsnoop", "-x")
	exec.Command(workload, "ok").Run()
	exec.Command(workload+".missing", "failed").Run()
	x.await(t, "the failed exec", func(s string) bool { return strings.HasSuffix(s, ".missing failed") })
	for _, s := range x.seen {
		if _, args := execRow(s); args == workload+" ok" {
			t.Errorf("-x printed a successful exec: %q", s)
		}
	}
	x.stop(t)
}
