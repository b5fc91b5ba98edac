package e2e

import (
	"strings"
	"testing"
)

func TestListProbes(t *testing.T) {
	requireRoot(t)
	ufuncs := bin(t, "ufuncs")
	tests := []struct {
		pattern string
		want    []string
	}{
		{"tracepoint:syscalls:sys_enter_openat", []string{"tracepoint:syscalls:sys_enter_openat"}},
		{"tracepoint:sys*:sys_*_getppid", []string{"tracepoint:syscalls:sys_enter_getppid", "tracepoint:syscalls:sys_exit_getppid"}},
		{"uprobe:" + ufuncs + ":lt_*", []string{"uprobe:" + ufuncs + ":lt_add", "uprobe:" + ufuncs + ":lt_chain", "uprobe:" + ufuncs + ":lt_fact", "uprobe:" + ufuncs + ":lt_fill", "uprobe:" + ufuncs + ":lt_neg", "uprobe:" + ufuncs + ":lt_wide"}},
	}
	for _, tc := range tests {
		r := luatrace(t, "-l", tc.pattern).expectOK(t)
		if got := strings.Join(r.lines(), "\n"); got != strings.Join(tc.want, "\n") {
			t.Errorf("-l %s:\n%s\nwant:\n%s", tc.pattern, got, strings.Join(tc.want, "\n"))
		}
	}
	// A bare word finds every kind of probe point with that name.
	r := luatrace(t, "-l", "sched_switch").expectOK(t)
	for _, w := range []string{"tracepoint:sched:sched_switch\n", "rawtracepoint:sched_switch\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("-l sched_switch lacks %q", w)
		}
	}
	if r := luatrace(t, "-l", "tracepoint:nosuch:*"); r.code != 2 || !strings.Contains(r.stderr, `no probe point matches "tracepoint:nosuch:*"`) {
		t.Errorf("no match: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestListDetail: -L adds tracepoint fields and kernel function
// parameters (from BTF) under each point.
func TestListDetail(t *testing.T) {
	requireRoot(t)
	r := luatrace(t, "-L", "tracepoint:syscalls:sys_enter_openat").expectOK(t)
	want := "tracepoint:syscalls:sys_enter_openat\n    int __syscall_nr\n    int dfd\n    const char * filename\n    int flags\n    umode_t mode\n"
	if r.stdout != want {
		t.Errorf("tracepoint:\n%s\nwant\n%s", r.stdout, want)
	}
	r = luatrace(t, "-L", "kprobe:vfs_read").expectOK(t)
	want = "kprobe:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n    ssize_t retval\n"
	if r.stdout != want {
		t.Errorf("kernel function:\n%s\nwant\n%s", r.stdout, want)
	}
}
