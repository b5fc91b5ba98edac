package e2e

import (
	"regexp"
	"strconv"
	"testing"
)

// exactCalls is how many calls the exactness tests make: far more than
// the event queue holds (65536), under a concurrent busy process.
const exactCalls = 2000000

// TestSyscountScript counts 2,000,000 getppid() calls with the shipped
// tool while another process keeps a CPU busy: the per-call row (bcc's
// default view) has exactly that many, and with -P the workload's row
// has them plus its start-up calls. -x and -e count 300 failed opens of a
// missing file (start-up may fail a few more). The total line adds up the
// rows.
func TestSyscountScript(t *testing.T) {
	requireRoot(t)
	busyBackground(t)
	many := bin(t, "getppid_loop") + " " + strconv.Itoa(exactCalls)
	missing := bin(t, "openat") + " /nonexistent/file 300"
	tests := []struct {
		workload string
		flags    []string
		header   string
		row      *regexp.Regexp
		want     int
		slack    int // start-up calls the row may add
	}{
		{many, nil, "SYSCALL ", regexp.MustCompile(`(?m)^getppid +(\d+)$`), exactCalls, 0},
		{many, []string{"-P"}, "PID ", regexp.MustCompile(`(?m)^\d+ +getppid_loop +(\d+)$`), exactCalls, 100},
		{missing, []string{"-x"}, "SYSCALL ", regexp.MustCompile(`(?m)^openat +(\d+)$`), 300, 10},
		{missing, []string{"-e", "ENOENT"}, "SYSCALL ", regexp.MustCompile(`(?m)^openat +(\d+)$`), 300, 10},
	}
	for _, tc := range tests {
		r := luatrace(t, append([]string{"-c", tc.workload, script("syscount.lua")}, tc.flags...)...).expectOK(t)
		rows(t, r, tc.header)
		m := tc.row.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("%v: no row for the workload in:\n%s", tc.flags, r.stdout)
		}
		if n, _ := strconv.Atoi(m[1]); n < tc.want || n > tc.want+tc.slack {
			t.Errorf("%v: counted %d calls, want %d (plus at most %d at start-up)\n%s", tc.flags, n, tc.want, tc.slack, r.stdout)
		}
		total := regexp.MustCompile(`(?m)^(\d+) system calls$`).FindStringSubmatch(r.stdout)
		if total == nil {
			t.Fatalf("%v: no total line:\n%s", tc.flags, r.stdout)
		}
		if n, _ := strconv.Atoi(total[1]); n < tc.want {
			t.Errorf("%v: total below %d:\n%s", tc.flags, tc.want, r.stdout)
		}
	}
}
