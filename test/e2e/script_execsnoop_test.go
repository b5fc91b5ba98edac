package e2e

import (
	"strings"
	"testing"
)

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
