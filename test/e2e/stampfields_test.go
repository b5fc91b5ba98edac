package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRecordStampedTools: tools that time in the kernel record, and their
// recordings replay to exactly the live run's output: runqlat's histogram
// of since() values, and offcputime's sums keyed by the kernel stack,
// comm and pid a stamp saved (stacks stored by id, their frames in the
// recording).
func TestRecordStampedTools(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	naps := bin(t, "naps")
	for _, tc := range []struct {
		name string
		args []string
		want string // in the live output
	}{
		{"runqlat", []string{"-c", naps + " 5 5", "runqlat"}, "@usecs_stats: count "},
		{"offcputime", []string{"-c", naps + " 3 5", "offcputime", "-K"}, "do_nanosleep"},
		{"cpudist", []string{"-c", naps + " 5 5", "cpudist", "-O"}, "@usecs_stats: count "},
	} {
		file := filepath.Join(dir, tc.name+".ltrec")
		live := luatrace(t, append([]string{"record", "-o", file}, tc.args...)...).expectOK(t)
		if !strings.Contains(live.stdout, tc.want) {
			t.Errorf("%s: live output has no %q:\n%s\nstderr:\n%s", tc.name, tc.want, live.stdout, live.stderr)
		}
		replayed := luatrace(t, "replay", file).expectOK(t)
		if replayed.stdout != live.stdout {
			t.Errorf("%s: replay differs from the live run\nlive:\n%s\nreplay:\n%s\nstderr:\n%s", tc.name, live.stdout, replayed.stdout, replayed.stderr)
		}
	}
}

// TestStampFields: since(NAME[KEY]) and the parts a stamp saved are
// captured fields: each nap of 20 ms, stamped at nanosleep's entry and
// read at its exit, lasts at least 20 ms, under the comm and with the
// kernel stack the entry saved.
func TestStampFields(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-c", bin(t, "naps")+" 3 20", "-e", `
probe("tracepoint:syscalls:sys_enter_clock_nanosleep", {stamp = {"nap[tid]", "comm", "kstack", who = "tid"}})
probe("tracepoint:syscalls:sys_exit_clock_nanosleep", {fields = {ns = "since(nap[tid])", us = "since(nap[tid]) / 1000",
  c = "nap[tid].comm", who = "nap[tid].who", ks = "nap[tid].kstack"}},
  function(e) printf("%d %d %s %s %d\n", e.ns, e.us, e.c, tostring(e.who == e.tid), #e.ks) end)`).expectOK(t)
	rows := regexp.MustCompile(`(?m)^(\d+) (\d+) (\S+) (\S+) (\d+)$`).FindAllStringSubmatch(r.stdout, -1)
	if len(rows) != 3 {
		t.Fatalf("%d naps, want 3:\n%s\nstderr:\n%s", len(rows), r.stdout, r.stderr)
	}
	for _, row := range rows {
		ns, _ := strconv.Atoi(row[1])
		us, _ := strconv.Atoi(row[2])
		if ns < 20000000 || us != ns/1000 || row[3] != "naps" || row[4] != "true" || row[5] == "0" {
			t.Errorf("nap %q: want at least 20 ms in ns and µs, comm naps, the saved tid equal to the event's, kernel frames", row[0])
		}
	}
}
