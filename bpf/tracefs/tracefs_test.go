package tracefs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/test/testenv"
)

// fakeTracefs builds a directory tree shaped like tracefs.
func fakeTracefs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, ev := range []string{"syscalls/sys_enter_openat", "syscalls/sys_exit_openat", "syscalls/sys_enter_read",
		"sched/sched_switch", "ftrace/function"} {
		if err := os.MkdirAll(filepath.Join(dir, "events", ev), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "events", ev, "format"), []byte(openatFormat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "events", "enable"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "events", "syscalls", "enable"), nil, 0o644)
	return dir
}

func TestMatch(t *testing.T) {
	dir := fakeTracefs(t)
	tests := []struct {
		pattern string
		want    []string
		err     string
	}{
		{"syscalls:sys_enter_openat", []string{"syscalls:sys_enter_openat"}, ""},
		{"syscalls:sys_enter_*", []string{"syscalls:sys_enter_openat", "syscalls:sys_enter_read"}, ""},
		{"*:sys_*_openat", []string{"syscalls:sys_enter_openat", "syscalls:sys_exit_openat"}, ""},
		{"syscalls:sys_enter_opnat", nil, `no tracepoint "syscalls:sys_enter_opnat" (did you mean syscalls:sys_enter_openat?)`},
		{"net:*", nil, `no tracepoint matches "net:*"`},
		{"ftrace:function", nil, `no tracepoint "ftrace:function"`},
		{"sys_enter_openat", nil, `needs GROUP:NAME`},
		{"zzz:qqq", nil, `no tracepoint "zzz:qqq"`},
	}
	for _, tc := range tests {
		got, err := Match(dir, tc.pattern)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Match(%q) error %v, want %q", tc.pattern, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Match(%q): %v", tc.pattern, err)
			continue
		}
		var names []string
		for _, e := range got {
			names = append(names, e.String())
		}
		if strings.Join(names, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Match(%q) = %v, want %v", tc.pattern, names, tc.want)
		}
	}
}

// On the real system: tracefs is there (mounted by Mount if needed) and
// a well-known tracepoint parses.
func TestMountAndReadFormat(t *testing.T) {
	testenv.RequireRoot(t)
	dir, err := Mount()
	if err != nil {
		t.Fatal(err)
	}
	evs, err := Match(dir, "syscalls:sys_enter_openat")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ReadFormat(dir, evs[0])
	if err != nil {
		t.Fatal(err)
	}
	fld, ok := f.Field("filename")
	if f.Group != "syscalls" || f.Name != "sys_enter_openat" || f.ID == 0 || !ok || fld.Size != 8 {
		t.Errorf("format %+v", f)
	}
}

// tracefs is usually mounted already, so to exercise the mount itself the
// test re-runs in a private mount namespace, unmounts tracefs there (the
// host keeps its mount) and calls Mount on the bare directory.
func TestMountFresh(t *testing.T) {
	testenv.RequireRoot(t)
	if os.Getenv("LUATRACE_TRACEFS_CHILD") == "1" {
		mountFreshChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMountFresh$", "-test.v")
	cmd.Env = append(os.Environ(), "LUATRACE_TRACEFS_CHILD=1")
	// Go makes the new namespace's mounts private before exec, so the
	// unmount below cannot propagate to the host.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "mounted fresh") {
		t.Fatalf("child did not test a fresh mount:\n%s", out)
	}
}

func mountFreshChild(t *testing.T) {
	t.Helper()
	for _, dir := range []string{debugPoint, mountPoint} {
		// Unmount every stacked tracefs; EINVAL means nothing is left.
		for unix.Unmount(dir, unix.MNT_DETACH) == nil {
		}
	}
	if _, err := os.Stat(filepath.Join(mountPoint, "events")); err == nil {
		t.Skip("cannot unmount tracefs in a private namespace")
	}
	dir, err := Mount()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "events", "syscalls")); err != nil {
		t.Fatalf("Mount() = %s, but: %v", dir, err)
	}
	t.Log("mounted fresh at", dir)
}

func TestErrors(t *testing.T) {
	dir := fakeTracefs(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"bad glob", func() error { _, err := Match(dir, "syscalls:sys_[enter"); return err },
			`tracepoint pattern "syscalls:sys_[enter" is not a valid glob`},
		{"no events dir", func() error { _, err := Events(t.TempDir()); return err },
			"check that tracefs is mounted there"},
		{"no format", func() error { _, err := ReadFormat(dir, Event{"sched", "nope"}); return err },
			"cannot read the format of tracepoint sched:nope: no such file or directory"},
	}
	for _, tc := range tests {
		if err := tc.call(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
