package tracefs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
