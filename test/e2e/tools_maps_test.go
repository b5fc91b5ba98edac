package e2e

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMapToolsListed: the map-based tools are embedded, with -h and a
// usage error for a missing argument.
func TestMapToolsListed(t *testing.T) {
	list := luatrace(t, "--list-tools").expectOK(t)
	for _, tool := range []string{"funclatency", "stackcount", "profile"} {
		if !regexp.MustCompile(`(?m)^` + tool + ` `).MatchString(list.stdout) {
			t.Errorf("--list-tools lacks %s:\n%s", tool, list.stdout)
		}
		h := luatrace(t, tool, "-h").expectOK(t)
		if !strings.HasPrefix(h.stdout, tool+": ") || !strings.Contains(h.stdout, "Usage: luatrace "+tool) {
			t.Errorf("%s -h:\n%s", tool, h.stdout)
		}
	}
	for _, tool := range []string{"funclatency", "stackcount"} {
		if bad := luatrace(t, tool); bad.code != 2 || !strings.Contains(bad.stderr, "see "+tool+" -h") {
			t.Errorf("%s without an argument: exit %d, stderr %q", tool, bad.code, bad.stderr)
		}
	}
}

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

// TestProfileTool samples a spinning workload: in folded output at 99 Hz
// for a second nearly every sample of it is in main, called from
// __libc_start_main.
func TestProfileTool(t *testing.T) {
	requireRoot(t)
	busy := exec.Command(bin(t, "busy"), "4000")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { busy.Process.Kill(); busy.Wait() }()
	r := luatrace(t, "profile", "-U", "-f", "-F", "99", "-p", strconv.Itoa(busy.Process.Pid), "1").expectOK(t)
	inMain := 0
	for _, line := range r.lines() {
		stack, count, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(count)
		if !ok || err != nil || !strings.HasPrefix(stack, "busy;") {
			t.Fatalf("line %q is not \"busy;frames count\":\n%s", line, r.stdout)
		}
		if strings.Contains(stack, ";main") {
			inMain += n
		}
	}
	// 99 samples, less those that land in the kernel (clock_gettime is
	// served by the vDSO, so few do) or miss the CPU on a busy machine.
	if inMain < 60 || inMain > 101 {
		t.Errorf("%d samples in main, want about 99:\n%s", inMain, r.stdout)
	}
}
