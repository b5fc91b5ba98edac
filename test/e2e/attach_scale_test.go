package e2e

import (
	"fmt"
	"github.com/luatrace/luatrace/test/testenv"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAttachDetachLoop attaches and detaches a probe 300 times (500 did
// not finish within a minute: every probe after the first on a tracepoint
// loaded and verified a program of its own, and memory grew by 10 MB per
// 100). Each round's probe counts exactly the one openat the script makes
// while it is attached, though the probe slots are reused round after
// round, and memory stays flat. Round 100 collects before it measures:
// the heap startup may fill before its first collection (16 MB, see
// kernel.StartupGCPercent) is not growth.
func TestAttachDetachLoop(t *testing.T) {
	requireRoot(t)
	script := `local self = tonumber(os.readlink("/proc/self"))
local function rss()
  for l in io.lines("/proc/self/status") do
    local kb = l:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) end
  end
end
local seen, rss100 = 0, 0
for i = 1, 300 do
  local p = probe("tracepoint:syscalls:sys_enter_openat", { pid = self }, function() end)
  io.open("/nonexistent/luatrace-attach-loop")
  local s = p:stats()
  seen = seen + s.hits - s.filtered
  p:detach()
  if i == 100 then collectgarbage(); rss100 = rss() end
end
printf("seen=%d grew=%d\n", seen, rss() - rss100)`
	r := luatrace(t, "-e", script).expectOK(t)
	var seen, grew int
	if _, err := fmt.Sscanf(r.stdout, "seen=%d grew=%d", &seen, &grew); err != nil {
		t.Fatalf("stdout %q: %v\nstderr:\n%s", r.stdout, err, r.stderr)
	}
	if seen != 300 {
		t.Errorf("the probes saw %d of the 300 openat calls", seen)
	}
	// Allow a little for the garbage collector's timing.
	if grew > 4096 {
		t.Errorf("RSS grew by %d kB over rounds 100 to 300", grew)
	}
}

var limitMessage = regexp.MustCompile(`^luatrace: -e:1: probe "tracepoint:syscalls:sys_enter_\*" needs (\d+) probes, over the limit of 100 \(LUATRACE_MAX_PROBES\); narrow the pattern, or raise the limit with --max-probes (\d+)\n$`)

// TestProbeLimit: a glob past the probe limit is refused before anything
// is attached, in one sentence that names the limit and how to raise it;
// the environment variable and the flag set it, the flag winning.
func TestProbeLimit(t *testing.T) {
	requireRoot(t)
	script := `probe("tracepoint:syscalls:sys_enter_*", function() end)`
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"environment", []string{"LUATRACE_MAX_PROBES=100"}, nil},
		{"flag", nil, []string{"--max-probes", "100"}},
		{"flag over environment", []string{"LUATRACE_MAX_PROBES=5000"}, []string{"--max-probes", "100"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := luatraceEnv(t, tc.env, append(tc.args, "-e", script)...)
			m := limitMessage.FindStringSubmatch(r.stderr)
			if r.code != 2 || m == nil || m[1] != m[2] {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if n, _ := strconv.Atoi(m[1]); n < 200 {
				t.Errorf("%d syscall entry tracepoints? the count is wrong", n)
			}
		})
	}
	// Raised, the same glob attaches.
	r := luatraceEnv(t, []string{"LUATRACE_MAX_PROBES=2000"}, "-e", script+" exit()")
	if r.code != 0 || strings.Contains(r.stderr, "limit") {
		t.Errorf("with the limit raised: exit %d, stderr %q", r.code, r.stderr)
	}
	// Probes already attached count.
	r = luatrace(t, "--max-probes", "400", "-e", `probe("tracepoint:syscalls:sys_exit_*", function() end)
probe("tracepoint:syscalls:sys_enter_*", function() end)`)
	if r.code != 2 || !regexp.MustCompile(`needs \d+ probes \((\d+) with the (\d+) attached already\), over the limit of 400`).MatchString(r.stderr) {
		t.Errorf("second glob: exit %d, stderr %q", r.code, r.stderr)
	}
	r = luatraceEnv(t, []string{"LUATRACE_MAX_PROBES=many"}, "-e", "print(1)")
	if r.code != 2 || r.stderr != "luatrace: $LUATRACE_MAX_PROBES \"many\" is not a probe count from 1 to 8190 (the default is 4096)\n" {
		t.Errorf("bad setting: exit %d, stderr %q", r.code, r.stderr)
	}
}

var skippedWarning = regexp.MustCompile(`luatrace: warning: uprobe:libc:\*: attached (\d+) of (\d+) targets; skipped (\d+): [^\n]+\n`)

// TestUprobeGlobOverLibc attaches to every function of libc (it aborted
// on the first IFUNC): what the kernel cannot probe is skipped and
// counted, the traced process keeps working, and everything is gone after
// exit.
func TestUprobeGlobOverLibc(t *testing.T) {
	requireRoot(t)
	_, pid, release := startWaiting(t, 200)
	script := `local calls = map.count{ key = "comm" }
probe("uprobe:libc:*", { into = calls })
probe("BEGIN", function() print("ready") end)
probe("END", function() printf("calls >= 400: %s\n", tostring((calls:get("syscalls") or 0) >= 400)) end)`
	cmd, rd, stderr := runUntilReady(t, "-v", "-p", strconv.Itoa(pid), "-e", script)
	held := testenv.HeldBPF(t, cmd.Process.Pid)
	release()
	rest, _ := io.ReadAll(rd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("luatrace: %v\nstderr:\n%s", err, stderr)
	}
	if !strings.HasPrefix(string(rest), "calls >= 400: true\n") {
		t.Errorf("stdout %q", rest)
	}
	attached := strings.Count(stderr.String(), "luatrace: attached uprobe:")
	if attached < 1000 {
		t.Errorf("attached %d functions of libc", attached)
	}
	if m := skippedWarning.FindStringSubmatch(stderr.String()); m != nil {
		n, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		skipped, _ := strconv.Atoi(m[3])
		if n != attached || n+skipped != total {
			t.Errorf("warning %q does not add up with %d attached", m[0], attached)
		}
	}
	held.WaitFreed(t, "exit")
}

// TestSyscallsGlobDispatch: a glob over the syscalls tracepoints is served
// by the raw_syscalls dispatch (detaching 720 tracepoints one by one took
// 20 to 45 s); each call still reaches its own probe name, with its own
// fields, and a second probe on the same calls still counts them.
func TestSyscallsGlobDispatch(t *testing.T) {
	requireRoot(t)
	script := `local n = {}
local function count(e) n[e.probe] = (n[e.probe] or 0) + 1 end
probe("tracepoint:syscalls:sys_enter_*", count)
local pidOK, exits = true, 0
probe("tracepoint:syscalls:sys_exit_*", { fields = { ret = "args.ret" } }, function(e)
  if e.func == "sys_exit_getpid" then
    exits = exits + 1
    pidOK = pidOK and e.ret == e.pid
  end
end)
local again = 0
probe("tracepoint:syscalls:sys_enter_getp*", function(e) if e.func == "sys_enter_getppid" then again = again + 1 end end)
probe("END", function()
  printf("getppid=%d getpid=%d exits=%d pidOK=%s again=%d\n", n["tracepoint:syscalls:sys_enter_getppid"] or 0,
    n["tracepoint:syscalls:sys_enter_getpid"] or 0, exits, tostring(pidOK), again)
end)`
	r := luatrace(t, "-v", "-c", bin(t, "syscalls")+" 300", "-e", script).expectOK(t)
	if !strings.Contains(r.stdout, "getppid=300 getpid=300 exits=300 pidOK=true again=300\n") {
		t.Errorf("stdout %q\nstderr:\n%s", r.stdout, r.stderr)
	}
	for _, want := range []string{
		"luatrace: attached tracepoint:syscalls:sys_enter_openat (probe id ",
		"luatrace: attached tracepoint:syscalls:sys_exit_getpid (probe id ",
	} {
		i := strings.Index(r.stderr, want)
		if i < 0 || !strings.HasPrefix(r.stderr[i+strings.Index(r.stderr[i:], ","):], ", program lt_tracepoint, raw_syscalls dispatch)") {
			t.Errorf("stderr lacks %q... through the dispatch", want)
		}
	}
	if !regexp.MustCompile(`attached tracepoint:syscalls:sys_enter_getppid \(probe id \d+, program lt_tracepoint\)\n`).MatchString(r.stderr) {
		t.Errorf("the small glob did not attach on its own:\n%s", r.stderr)
	}
}
