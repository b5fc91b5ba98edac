package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// script is the path of a shipped script.
func script(name string) string {
	return filepath.Join(testenv.RepoRoot(), "scripts", name)
}

// TestSyscountScript counts a workload's system calls with the shipped
// script: the workload makes 2 per round plus its start-up calls.
func TestSyscountScript(t *testing.T) {
	requireRoot(t)
	const rounds = 5000
	r := luatrace(t, "-c", bin(t, "syscalls")+" "+strconv.Itoa(rounds), script("syscount.lua")).expectOK(t)
	m := regexp.MustCompile(`(?m)^@syscalls\[syscalls\]: (\d+)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no count for the workload in:\n%s", r.stdout)
	}
	n, _ := strconv.Atoi(m[1])
	// Start-up (dynamic loader, libc init, exit) adds a few dozen calls.
	if n < 2*rounds || n > 2*rounds+200 {
		t.Errorf("counted %d system calls, want %d plus start-up", n, 2*rounds)
	}
	if !strings.HasSuffix(r.stdout, " system calls\n") {
		t.Errorf("missing total line:\n%s", r.stdout)
	}
}

// TestExecsnoopScript sees the traced command's own exec.
func TestExecsnoopScript(t *testing.T) {
	requireRoot(t)
	workload := bin(t, "syscalls")
	r := luatrace(t, "-c", workload+" 1", script("execsnoop.lua")).expectOK(t)
	lines := r.lines()
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME(s)") {
		t.Fatalf("want a header and one exec, got:\n%s", r.stdout)
	}
	f := strings.Fields(lines[1])
	if len(f) != 4 || f[2] != "syscalls" || f[3] != workload {
		t.Errorf("exec line %q, want comm syscalls and file %s", lines[1], workload)
	}
}
