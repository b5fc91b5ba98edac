package probes

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/bpf/probespec"
)

// fakeTracefs builds a tracefs directory with a few events and traceable
// functions, so matching is tested without root or a real kernel.
func fakeTracefs(t *testing.T) *Matcher {
	t.Helper()
	dir := t.TempDir()
	for _, ev := range []string{"sched/sched_switch", "sched/sched_wakeup", "syscalls/sys_enter_openat",
		"raw_syscalls/sys_enter", "other/sys_enter", "ftrace/function"} {
		if err := os.MkdirAll(filepath.Join(dir, "events", ev), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fns := "vfs_read\nvfs_write\next4_sync_file [ext4]\n"
	if err := os.WriteFile(filepath.Join(dir, "available_filter_functions"), []byte(fns), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Matcher{Tracefs: func() (string, error) { return dir, nil }}
}

// userBinary builds the USDT workload: C functions with symbols, and
// notes lt:regs, lt:mem, lt:consts and lt:guarded.
func userBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc is needed to build the test binary")
		}
		t.Skip("gcc is not installed")
	}
	exe := filepath.Join(t.TempDir(), "usdtprobes")
	if out, err := exec.Command("gcc", "-O1", "-o", exe, "../../test/workloads/usdtprobes.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return exe
}

func parse(t *testing.T, spec string) probespec.Spec {
	t.Helper()
	s, err := probespec.Parse(spec)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s
}

func TestMatch(t *testing.T) {
	m := fakeTracefs(t)
	exe := userBinary(t)
	tests := []struct {
		spec    string
		want    []string // the points' names
		module  string   // of the first point
		wantErr string
	}{
		{spec: "kprobe:vfs_read", want: []string{"kprobe:vfs_read"}},
		{spec: "k:vfs_*", want: []string{"kprobe:vfs_read", "kprobe:vfs_write"}},
		{spec: "fexit:ext4_sync_file", want: []string{"fexit:ext4_sync_file"}, module: "ext4"},
		{spec: "kprobe:vfs_raed", wantErr: `no kernel function "vfs_raed" (did you mean vfs_read?)`},
		{spec: "kprobe:nosuch*", wantErr: `no kernel function matches "nosuch*"`},
		{spec: "tracepoint:sched:sched_s*", want: []string{"tracepoint:sched:sched_switch"}},
		{spec: "t:*:sys_enter*", want: []string{"tracepoint:other:sys_enter", "tracepoint:raw_syscalls:sys_enter", "tracepoint:syscalls:sys_enter_openat"}},
		{spec: "tracepoint:sched:sched_swich", wantErr: `no tracepoint "sched:sched_swich" (did you mean sched:sched_switch?)`},
		{spec: "tracepoint:ftrace:function", wantErr: `no tracepoint "ftrace:function"`},
		// A name two groups share is one raw tracepoint.
		{spec: "rawtracepoint:sys_enter", want: []string{"rawtracepoint:sys_enter"}},
		{spec: "rt:sched_*", want: []string{"rawtracepoint:sched_switch", "rawtracepoint:sched_wakeup"}},
		{spec: "rawtracepoint:sched_swich", wantErr: `no raw tracepoint "sched_swich" (did you mean sched_switch?)`},
		{spec: "rawtracepoint:nosuch*", wantErr: `no raw tracepoint matches "nosuch*"`},
		{spec: "uprobe:" + exe + ":main", want: []string{"uprobe:" + exe + ":main"}},
		{spec: "uretprobe:" + exe + ":fir?", want: []string{"uretprobe:" + exe + ":fire"}},
		{spec: "uprobe:" + exe + ":mian", wantErr: `no function "mian" in ` + exe + ` (did you mean main?)`},
		{spec: "uprobe:" + exe + ":nosuch*", wantErr: `no function in ` + exe + ` matches "nosuch*"`},
		{spec: "uprobe:" + exe + ":0x1000", want: []string{"uprobe:" + exe + ":0x1000"}},
		{spec: "usdt:" + exe + ":lt:consts", want: []string{"usdt:" + exe + ":lt:consts"}},
		{spec: "usdt:" + exe + ":*:[cg]*", want: []string{"usdt:" + exe + ":lt:consts", "usdt:" + exe + ":lt:guarded"}},
		{spec: "usdt:" + exe + ":lt:nosuch", wantErr: `no USDT probe in ` + exe + ` matches lt:nosuch; list them with luatrace -l 'usdt:` + exe + `:*'`},
		{spec: "usdt:/bin/true:p:n", wantErr: `/bin/true has no USDT probes (no .note.stapsdt section)`},
		{spec: "BEGIN", wantErr: `probe "BEGIN" is not a kernel-side probe`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			points, err := m.Match(parse(t, tt.spec))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Match: got %v (points %v), want an error containing %q", err, points, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got := pointNames(points); !slices.Equal(got, tt.want) {
				t.Fatalf("Match: got %q, want %q", got, tt.want)
			}
			if points[0].Module != tt.module {
				t.Errorf("Module: got %q, want %q", points[0].Module, tt.module)
			}
		})
	}
}

func TestList(t *testing.T) {
	m := fakeTracefs(t)
	all := []string{
		"tracepoint:other:sys_enter", "tracepoint:raw_syscalls:sys_enter", "tracepoint:sched:sched_switch",
		"tracepoint:sched:sched_wakeup", "tracepoint:syscalls:sys_enter_openat",
		"rawtracepoint:sys_enter", "rawtracepoint:sched_switch", "rawtracepoint:sched_wakeup", "rawtracepoint:sys_enter_openat",
		"kprobe:ext4_sync_file", "kprobe:vfs_read", "kprobe:vfs_write",
	}
	tests := []struct {
		pattern string
		want    []string
	}{
		{"", all},
		{"*", all},
		// A bare word matches the points containing it.
		{"wakeup", []string{"tracepoint:sched:sched_wakeup", "rawtracepoint:sched_wakeup"}},
		{"tracepoint:sched:*", []string{"tracepoint:sched:sched_switch", "tracepoint:sched:sched_wakeup"}},
		{"kprobe:vfs_*", []string{"kprobe:vfs_read", "kprobe:vfs_write"}},
		// Only kprobe stands for the kernel functions.
		{"fentry:*", nil},
		{"nosuch", nil},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got, err := m.List(tt.pattern)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("List(%q): got %q, want %q", tt.pattern, got, tt.want)
			}
		})
	}
}

func TestListMatches(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"", "tcp:connect", true},
		{"tcp", "tcp:connect", true},
		{"tcp:*", "tcp:connect", true},
		{"kprobe:*", "tcp:connect", false},
		// A binary's listing holds its points only.
		{"uprobe:/bin/sh:*", "tcp:connect", false},
	}
	for _, tt := range tests {
		if got := ListMatches(tt.pattern, tt.name); got != tt.want {
			t.Errorf("ListMatches(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestComplete(t *testing.T) {
	m := fakeTracefs(t)
	tests := []struct {
		partial string
		want    []string
	}{
		{"", []string{"BEGIN", "END", "fentry:", "fexit:", "interval:ms:", "interval:s:", "kprobe:", "kretprobe:",
			"profile:hz:", "rawtracepoint:", "tracepoint:", "uprobe:", "uretprobe:", "usdt:"}},
		{"k", []string{"kprobe:", "kretprobe:"}},
		// Groups first, spelled with the kind as typed.
		{"t:", []string{"t:other:", "t:raw_syscalls:", "t:sched:", "t:syscalls:"}},
		{"tracepoint:sched:", []string{"tracepoint:sched:sched_switch", "tracepoint:sched:sched_wakeup"}},
		{"rt:sys", []string{"rt:sys_enter", "rt:sys_enter_openat"}},
		{"kretfunc:vfs_", []string{"kretfunc:vfs_read", "kretfunc:vfs_write"}},
		{"profile:", nil},
		{"nosuch:", nil},
		// A binary's functions need the binary first.
		{"uprobe:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.partial, func(t *testing.T) {
			var got []string
			for _, c := range m.Complete(tt.partial) {
				if strings.HasPrefix(c, tt.partial) {
					got = append(got, c)
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Complete(%q): got %q, want %q", tt.partial, got, tt.want)
			}
		})
	}
}

func TestListBinary(t *testing.T) {
	exe := userBinary(t)
	var m Matcher
	tests := []struct {
		pattern string
		want    []string
	}{
		{"uprobe:" + exe + ":fir*", []string{"uprobe:" + exe + ":fire"}},
		// Each USDT probe once, however many sites it has; sorted.
		{"usdt:" + exe + ":*", []string{"usdt:" + exe + ":lt:consts", "usdt:" + exe + ":lt:guarded", "usdt:" + exe + ":lt:mem", "usdt:" + exe + ":lt:regs"}},
		{"usdt:" + exe + ":lt:nosuch", nil},
	}
	for _, tt := range tests {
		got, err := m.List(tt.pattern)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, %v; want %q", tt.pattern, got, err, tt.want)
		}
	}
	// Every function, with the kind and binary as typed.
	partial := "u:" + exe + ":fi"
	if got := m.Complete(partial); !slices.Contains(got, partial+"re") || !slices.Contains(got, "u:"+exe+":main") {
		t.Errorf("Complete(%q) = %q, want fire and main among them", partial, got)
	}
}
