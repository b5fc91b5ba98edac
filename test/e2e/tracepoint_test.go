package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// O_RDONLY|O_CLOEXEC as the openat workload passes it.
const openatFlags = 0o2000000

func TestTracepointArgs(t *testing.T) {
	requireRoot(t)
	target := filepath.Join(t.TempDir(), "probe-me")
	if err := os.WriteFile(target, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `probe("tracepoint:syscalls:sys_enter_openat", function(e)
  printf("%s %s %d %d %d %s\n", e.probe, e.func, e.args.dfd, e.args.flags, e.args.mode, e.comm)
  assert(e.pid == e.tid and e.uid == 0 and e.gid == 0 and e.ts > 0 and e.cpu >= 0)
end)`
	r := luatrace(t, "-c", bin(t, "openat")+" "+target+" 5", "-e", script).expectOK(t)
	lines := r.lines()
	// The dynamic loader opens libraries first; the workload's own five
	// openat calls come last.
	if len(lines) < 5 {
		t.Fatalf("want at least 5 events, got %d:\n%s", len(lines), r.stdout)
	}
	want := fmt.Sprintf("tracepoint:syscalls:sys_enter_openat sys_enter_openat -100 %d 0 openat", openatFlags)
	for _, l := range lines[len(lines)-5:] {
		if l != want {
			t.Errorf("event line %q, want %q", l, want)
		}
	}
	if !strings.Contains(r.stderr, "command exited with status 0") {
		t.Errorf("stderr does not report the command's exit status:\n%s", r.stderr)
	}
}

// TestCapturedOnlyErrors: reading what an event holds only when captured
// (a string behind a pointer, stacks, cgroup, curtask) is an error that
// names the capture, not a nil or an address that looks like a value.
func TestCapturedOnlyErrors(t *testing.T) {
	requireRoot(t)
	tests := []struct{ read, want string }{
		{"e.args.filename", `e.args.filename is a pointer (const char *), not the string: capture it with fields = { filename = "str(args.filename)" } in tracepoint:syscalls:sys_enter_openat's options and read e.filename`},
		{"e.kstack", `e.kstack is not in the event unless captured: add fields = { kstack = "kstack" } to tracepoint:syscalls:sys_enter_openat's options`},
		{"e.ustack", `e.ustack is not in the event unless captured: add fields = { ustack = "ustack" } to tracepoint:syscalls:sys_enter_openat's options`},
		{"e.cgroup", `e.cgroup is not in the event unless captured: add fields = { cgroup = "cgroup" } to tracepoint:syscalls:sys_enter_openat's options`},
		{"e.curtask", `e.curtask is not in the event unless captured: add fields = { task = "curtask" } to tracepoint:syscalls:sys_enter_openat's options`},
		{"e.nsecs", `e.nsecs is not in the event: the time the probe fired is e.ts`},
		// A typo is an error naming what there is, not a silent nil.
		{"e.args.flag", "e.args.flag: tracepoint:syscalls:sys_enter_openat has no argument flag (did you mean flags?); it has __syscall_nr, dfd, filename, flags, mode"},
		{"e.commm", "e.commm is not a field of tracepoint:syscalls:sys_enter_openat's events (did you mean comm?): they have pid, tid, uid, gid, comm, cpu, ts, probe, func, args, retval, ip, duration, arg0..argN and no captured fields"},
		// What stays: other fields, pairs() over args, nil for an entry
		// probe's retval and for arguments past the copied ones.
		{"e.args.flags", "ok"},
		{"next(e.args) ~= 'filename' or error()", "ok"},
		{"e.retval == nil or error()", "ok"},
		{"e.arg9 == nil or error()", "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.read, func(t *testing.T) {
			r := luatrace(t, "-c", bin(t, "openat")+" /dev/null 1", "-e", `probe("tracepoint:syscalls:sys_enter_openat", function(e)
  local ok, err = pcall(function() return `+tc.read+` end)
  print(ok and "ok" or err)
  exit()
end)`).expectOK(t)
			if first := strings.SplitN(r.stdout, "\n", 2)[0]; !strings.HasSuffix(first, tc.want) {
				t.Errorf("%s: %q, want %q", tc.read, first, tc.want)
			}
		})
	}
}

func TestTracepointWildcard(t *testing.T) {
	requireRoot(t)
	script := `local seen = {}
probe("tracepoint:syscalls:sys_enter_getp*id", function(e) seen[e.func] = (seen[e.func] or 0) + 1 end)
probe("END", function()
  local names = {}
  for k in pairs(seen) do names[#names+1] = k end
  table.sort(names)
  for _, k in ipairs(names) do printf("%s %d\n", k, seen[k]) end
end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 50", "-e", script).expectOK(t)
	want := "sys_enter_getpid 50\nsys_enter_getppid 50\n"
	if r.stdout != want {
		t.Errorf("stdout %q, want %q\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

func TestRawTracepoint(t *testing.T) {
	requireRoot(t)
	// sys_enter(struct pt_regs *regs, long id): count the workload's
	// getppid (110) and getpid (39) syscalls by number.
	script := `local n = {}
probe("rawtracepoint:sys_enter", function(e)
  n[e.arg1] = (n[e.arg1] or 0) + 1
  assert(e.args.id == e.arg1, "BTF names the second argument id")
end)
probe("END", function() printf("%d %d\n", n[110] or 0, n[39] or 0) end)`
	r := luatrace(t, "-v", "-c", bin(t, "syscalls")+" 40", "-e", script).expectOK(t)
	if got := strings.TrimSpace(r.stdout); got != "40 40" {
		t.Errorf("getppid/getpid counts %q, want \"40 40\"\nstderr:\n%s", got, r.stderr)
	}
	if !strings.Contains(r.stderr, "program lt_tp_btf") {
		t.Errorf("with kernel BTF the raw tracepoint should use tp_btf; -v said:\n%s", r.stderr)
	}
}

func TestTracepointCounts(t *testing.T) {
	requireRoot(t)
	const n = 2000
	script := `local c = 0
probe("tracepoint:syscalls:sys_enter_getppid", function(e) c = c + 1 end)
probe("END", function() print(c) end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" "+strconv.Itoa(n), "-e", script).expectOK(t)
	if got := strings.TrimSpace(r.stdout); got != strconv.Itoa(n) {
		t.Errorf("callback saw %s events, want %d\nstderr:\n%s", got, n, r.stderr)
	}
}
