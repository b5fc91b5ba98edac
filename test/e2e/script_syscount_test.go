package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

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
