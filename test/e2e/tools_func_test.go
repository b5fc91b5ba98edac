package e2e

import (
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestFunclatencyTool times lt_nap, which sleeps a known time, in each unit.
func TestFunclatencyTool(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "naps")
	tests := []struct {
		flag, unit, bucket string
		naps, ms           int
	}{
		{"-m", "msecs", "[16, 32)", 4, 20},
		{"-u", "usecs", "[16K, 32K)", 3, 20},
		{"", "nsecs", "[16M, 32M)", 2, 20},
	}
	for _, tc := range tests {
		args := []string{"-c", exe + " " + strconv.Itoa(tc.naps) + " " + strconv.Itoa(tc.ms), "funclatency"}
		if tc.flag != "" {
			args = append(args, tc.flag)
		}
		r := luatrace(t, append(args, exe+":lt_nap")...).expectOK(t)
		hist := regexp.MustCompile(`(?m)^@` + tc.unit + `: \n` + regexp.QuoteMeta(tc.bucket) + ` +` + strconv.Itoa(tc.naps) + ` \|@+\|$`)
		if !hist.MatchString(r.stdout) {
			t.Errorf("%s: want %d calls in %s %s:\n%s", tc.flag, tc.naps, tc.bucket, tc.unit, r.stdout)
		}
		m := regexp.MustCompile(`(?m)^@` + tc.unit + `_stats: count (\d+), average (\d+), total (\d+)$`).FindStringSubmatch(r.stdout)
		if m == nil || m[1] != strconv.Itoa(tc.naps) {
			t.Fatalf("%s: no stats line with count %d:\n%s", tc.flag, tc.naps, r.stdout)
		}
		// A 20 ms nap lasts at least 20 ms, and less than 30 ms unless the machine is very busy.
		perMs := map[string]float64{"msecs": 1, "usecs": 1e3, "nsecs": 1e6}[tc.unit]
		if avg, _ := strconv.ParseFloat(m[2], 64); avg < float64(tc.ms)*perMs || avg > 1.5*float64(tc.ms)*perMs {
			t.Errorf("%s: average %s %s for %d ms naps", tc.flag, m[2], tc.unit, tc.ms)
		}
	}
}

// TestStackcountTool counts getppid's kernel stacks: every call is
// counted in the kernel under a stack that passes through the syscall
// entry.
func TestStackcountTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "getppid_loop")+" 300", "stackcount", "-P", "tracepoint:syscalls:sys_enter_getppid").expectOK(t)
	m := regexp.MustCompile(`(?m)^@\[getppid_loop, \n((?:    \S+\n)+)\]: (\d+)$`).FindAllStringSubmatch(r.stdout, -1)
	total := 0
	for _, s := range m {
		n, _ := strconv.Atoi(s[2])
		total += n
		if !strings.Contains(s[1], "do_syscall_64+") {
			t.Errorf("stack without do_syscall_64:\n%s", s[1])
		}
	}
	if total != 300 {
		t.Errorf("stacks count %d calls, want 300:\n%s", total, r.stdout)
	}
}

// TestFunccountTool: one row per matched probe with its exact count,
// while another process keeps a CPU busy. A glob over two syscalls the
// workload makes 500 times each; 2,000,000 getppid calls (a syscalls
// glob, counted in the kernel by number), far more than the event queue
// holds, and 200,000 calls of a user function (one uprobe, one count in
// the kernel; a uprobe hit costs about 25 µs on the development machine, for
// bpftrace too, so 2,000,000 would take a minute); and a uprobe glob,
// counted in Lua, 500 calls each.
func TestFunccountTool(t *testing.T) {
	requireRoot(t)
	busyBackground(t)
	many := strconv.Itoa(exactCalls)
	tests := []struct {
		workload, pattern string
		want              map[string]string
	}{
		{bin(t, "syscalls") + " 500", "tracepoint:syscalls:sys_enter_getp*",
			map[string]string{"tracepoint:syscalls:sys_enter_getpid": "500", "tracepoint:syscalls:sys_enter_getppid": "500"}},
		{bin(t, "getppid_loop") + " " + many, "tracepoint:syscalls:sys_exit_getp*",
			map[string]string{"tracepoint:syscalls:sys_exit_getppid": many}},
		{bin(t, "ufuncs") + " 200000", "uprobe:" + bin(t, "ufuncs") + ":lt_add",
			map[string]string{"uprobe:" + bin(t, "ufuncs") + ":lt_add": "200000"}},
		// Counted in Lua: the kernel cannot key a map by probe yet.
		{bin(t, "ufuncs") + " 500", "uprobe:" + bin(t, "ufuncs") + ":lt_[an]*",
			map[string]string{"uprobe:" + bin(t, "ufuncs") + ":lt_add": "500", "uprobe:" + bin(t, "ufuncs") + ":lt_neg": "500"}},
	}
	for _, tc := range tests {
		r := luatrace(t, "-c", tc.workload, "funccount", tc.pattern).expectOK(t)
		got := map[string]string{}
		for _, row := range rows(t, r, "FUNC ") {
			if len(row) == 2 {
				got[row[0]] = row[1]
			}
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: counts %v, want %v:\n%s\n%s", tc.pattern, got, tc.want, r.stdout, r.stderr)
		}
	}
}

// TestTraceTool: a probe with a kernel filter, a format and two captured
// expressions; only the workload's opens of the named file are printed.
func TestTraceTool(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "openat")+" /etc/hostname 3", "trace",
		`tracepoint:syscalls:sys_enter_openat (str(args.filename) == "/etc/hostname") "%s dfd=%d", str(args.filename), args.dfd`).expectOK(t)
	lines := r.lines()
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PID ") {
		t.Fatalf("output:\n%s", r.stdout)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 6 || f[2] != "openat" || f[3] != "sys_enter_openat" || f[4] != "/etc/hostname" || f[5] != "dfd=-100" {
			t.Errorf("line %q", l)
		}
	}
	if r := luatrace(t, "trace", `tracepoint:syscalls:sys_enter_openat %s`); r.code != 2 || !strings.Contains(r.stderr, "the format must be a \"quoted\" string") {
		t.Errorf("bad format: exit %d, %s", r.code, r.stderr)
	}
}
