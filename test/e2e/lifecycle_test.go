package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

func TestBeginIntervalEndOrder(t *testing.T) {
	script := `probe("BEGIN", function() print("begin 1") end)
probe("BEGIN", function() print("begin 2") end)
local n = 0
probe("interval:ms:20", function()
  n = n + 1
  printf("tick %d\n", n)
  if n == 3 then exit() end
end)
probe("END", function() print("end") end)`
	r := luatrace(t, "-e", script).expectOK(t)
	want := "begin 1\nbegin 2\ntick 1\ntick 2\ntick 3\nend\n"
	if r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}

func TestExitCodeAndArgs(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/args.lua"
	if err := os.WriteFile(script, []byte(`print(arg[0], arg[1], arg[2], select("#", ...)) exit(tonumber(arg[2]))`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, script, "first", "3")
	if r.code != 3 || r.stdout != script+"\tfirst\t3\t2\n" {
		t.Errorf("exit %d stdout %q", r.code, r.stdout)
	}
}

func TestProfileSamplesBusyWorkload(t *testing.T) {
	requireRoot(t)
	// A sample while -c's child is still luatrace, before its exec has
	// renamed it, is the command's too.
	script := `local n, other = 0, 0
probe("profile:hz:99", function(e)
  if e.comm == "busy" then n = n + 1 elseif e.comm ~= "luatrace" then other = other + 1 io.stderr:write("other: ", e.comm, "\n") end
end)
probe("END", function() printf("%d %d\n", n, other) end)`
	r := luatrace(t, "-c", bin(t, "busy")+" 1500 report", "-e", script).expectOK(t)
	var n, other, cpuMS int
	if _, err := fmt.Sscanf(r.stdout, "cpu_ms %d\n%d %d", &cpuMS, &n, &other); err != nil {
		t.Fatalf("output %q: %v", r.stdout, err)
	}
	// At 99 Hz the busy process is sampled about once per 10.1 ms it spends
	// on a CPU; how long that is depends on the machine's load, so bound by
	// the CPU time it reports rather than by its 1.5 s of wall time. -c must
	// have kept every other task out.
	expected := cpuMS * 99 / 1000
	if n < expected/3 || n > expected+10 || other != 0 {
		t.Errorf("samples of busy = %d (it ran %d ms on a CPU: want %d to %d), of other tasks = %d (want 0)\nstderr:\n%s",
			n, cpuMS, expected/3, expected+10, other, r.stderr)
	}
}

// TestCommandScoping checks -c: only the command's events, while this test
// process makes the same syscall concurrently.
func TestCommandScoping(t *testing.T) {
	requireRoot(t)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				syscall.Getppid()
			}
		}
	}()
	script := `local pids = {}
probe("tracepoint:syscalls:sys_enter_getppid", function(e) pids[e.pid] = (pids[e.pid] or 0) + 1 end)
probe("END", function() for pid, n in pairs(pids) do printf("%d %d\n", pid, n) end end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 300", "-e", script).expectOK(t)
	lines := r.lines()
	if len(lines) != 1 || !strings.HasSuffix(lines[0], " 300") || strings.HasPrefix(lines[0], strconv.Itoa(os.Getpid())+" ") {
		t.Errorf("want one pid (the command's) with 300 calls, got:\n%s", r.stdout)
	}
}

// startWaiting starts the syscalls workload held at a prompt and returns
// its pid and a function that releases it.
func startWaiting(t *testing.T, n int) (*exec.Cmd, int, func()) {
	t.Helper()
	return startHeld(t, "syscalls", strconv.Itoa(n), "wait")
}

// startHeld starts a workload that prints its pid and waits for a line on
// stdin; it returns the pid and a function that releases it.
func startHeld(t *testing.T, workload string, args ...string) (*exec.Cmd, int, func()) {
	t.Helper()
	cmd := exec.Command(bin(t, workload), args...)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return cmd, pid, func() { io.WriteString(in, "go\n") }
}

// startOnLine starts a shell that runs script once it reads a line,
// which release writes: a process whose pid a tracer can be given before
// it runs anything. It is killed at the end of the test if still running.
func startOnLine(t *testing.T, script string) (cmd *exec.Cmd, release func()) {
	t.Helper()
	cmd = exec.Command("sh", "-c", "read line; "+script)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, func() { io.WriteString(in, "go\n") }
}

// startLuatrace starts luatrace with its output piped, and its input too
// when stdin is set (else it reads /dev/null); it is killed at the end of
// the test if still running.
func startLuatrace(t *testing.T, stdin bool, args ...string) (*exec.Cmd, io.WriteCloser, *bufio.Reader, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(bin(t, "luatrace"), args...)
	var in io.WriteCloser
	if stdin {
		in, _ = cmd.StdinPipe()
	}
	out, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, in, bufio.NewReader(out), &stderr
}

// runUntilReady starts luatrace, waits for the line "ready" that the
// script prints from BEGIN, and returns the running command and its output.
func runUntilReady(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader, *strings.Builder) {
	t.Helper()
	cmd, _, rd, stderr := startLuatrace(t, false, args...)
	line, err := rd.ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("luatrace did not become ready: %q %v\nstderr:\n%s", line, err, stderr.String())
	}
	return cmd, rd, stderr
}

func TestPIDScoping(t *testing.T) {
	requireRoot(t)
	_, pid, release := startWaiting(t, 200)
	script := `local n, others = 0, 0
probe("tracepoint:syscalls:sys_enter_getppid", function(e) if e.pid == ` + strconv.Itoa(pid) + ` then n = n + 1 else others = others + 1 end end)
probe("BEGIN", function() print("ready") end)
probe("END", function() printf("%d %d\n", n, others) end)`
	cmd, rd, stderr := runUntilReady(t, "-p", strconv.Itoa(pid), "-e", script)
	syscall.Getppid() // this process is not the target
	release()
	rest, _ := io.ReadAll(rd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("luatrace: %v\nstderr:\n%s", err, stderr)
	}
	if string(rest) != "200 0\n" {
		t.Errorf("target/other events %q, want \"200 0\"\nstderr:\n%s", rest, stderr)
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("process %d exited", pid)) {
		t.Errorf("luatrace did not stop when the process exited:\n%s", stderr)
	}
}

func TestDetachOneProbe(t *testing.T) {
	requireRoot(t)
	script := `local a, b = 0, 0
local pa
pa = probe("tracepoint:syscalls:sys_enter_getppid", function(e)
  a = a + 1
  if a == 10 then pa:detach() end
end)
probe("tracepoint:syscalls:sys_enter_getpid", function(e) b = b + 1 end)
probe("END", function() printf("a=%d b=%d hits>=%s\n", a, b, tostring(pa:stats().hits >= 10)) end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" 500", "-e", script).expectOK(t)
	if r.stdout != "a=10 b=500 hits>=true\n" {
		t.Errorf("stdout %q, want a=10 b=500 hits>=true\nstderr:\n%s", r.stdout, r.stderr)
	}
}

func TestKill9LeavesNothingAttached(t *testing.T) {
	requireRoot(t)
	exe := bin(t, "ufuncs")
	script := `probe("tracepoint:syscalls:sys_enter_getppid", function() end)
probe("uprobe:` + exe + `:lt_add", function() end)
probe("rawtracepoint:sched_switch", function() end)
probe("profile:hz:49", function() end)
probe("BEGIN", function() print("ready") end)`
	cmd, _, _ := runUntilReady(t, "-e", script)
	ids := testenv.HeldBPF(t, cmd.Process.Pid)
	if len(ids.Progs) == 0 || len(ids.Links) < 4 {
		t.Fatalf("luatrace holds %s, want programs and at least 4 links", ids)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	ids.WaitFreed(t, "kill -9")
}

// SIGINT and SIGTERM end the trace as exit() does: END runs, everything is
// detached, the status is 0.
func TestSignalsRunEndAndDetach(t *testing.T) {
	requireRoot(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			script := `probe("tracepoint:syscalls:sys_enter_getppid", function() end)
probe("BEGIN", function() print("ready") end)
probe("END", function() print("end ran") end)`
			cmd, rd, stderr := runUntilReady(t, "-e", script)
			ids := testenv.HeldBPF(t, cmd.Process.Pid)
			cmd.Process.Signal(sig)
			rest, _ := io.ReadAll(rd)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit: %v\nstderr:\n%s", err, stderr)
			}
			if string(rest) != "end ran\n" {
				t.Errorf("stdout after the signal %q, want END's output", rest)
			}
			ids.WaitFreed(t, sig.String())
		})
	}
}

// TestEndAfterShutdown: in END the trace is over. probe() there raises one
// clear error (it once attached after shutdown, and the run ended in a Go
// fault), while mem.kread keeps working: the kernel side is closed only
// after END. Repeated, since the fault was a race.
func TestEndAfterShutdown(t *testing.T) {
	requireRoot(t)
	addr := testenv.KallsymsAddr(t, "__x64_sys_getppid")
	const refused = "luatrace: error in END: -e:1: probe() cannot attach in END: the trace is over; attach probes in the main chunk or BEGIN"
	kread := `print(#mem.kread("` + addr + `", 8))`
	tests := []struct {
		name, code string
		status     int
		stdout     string
		stderr     string
	}{
		{"probe in END", `probe("END", function() probe("tracepoint:syscalls:sys_enter_getpid", function() end) end)`, 1, "", refused},
		{"probes in END in a loop", `probe("END", function() for i = 1, 3 do probe("tracepoint:syscalls:sys_enter_getpid", function() end) end end)`, 1, "", refused},
		{"probe in END after events", `probe("tracepoint:syscalls:sys_enter_getppid", function() end)
probe("interval:ms:20", function() exit() end)
probe("END", function() probe("tracepoint:syscalls:sys_enter_getpid", function() end) end)`, 1, "", "probe() cannot attach in END"},
		{"mem.kread in END", `probe("END", function() ` + kread + ` end)`, 0, "8\n", ""},
		{"mem.kread in END after a timer", `probe("interval:ms:20", function() exit() end)
probe("END", function() ` + kread + ` end)`, 0, "8\n", ""},
		{"mem.kread in END after events", `probe("tracepoint:syscalls:sys_enter_getppid", function() end)
probe("interval:ms:20", function() exit() end)
probe("END", function() ` + kread + ` end)`, 0, "8\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 5 {
				r := luatrace(t, "-e", tc.code)
				if r.code != tc.status || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) ||
					strings.Contains(r.stderr, "fault") || strings.Contains(r.stderr, "goroutine") {
					t.Fatalf("exit %d (want %d), stdout %q (want %q), stderr:\n%s", r.code, tc.status, r.stdout, tc.stdout, r.stderr)
				}
			}
		})
	}
}

// TestBeginEndErrorsFailTheRun: an error in BEGIN ends the trace (END
// still runs) and one in END is reported; either makes the status 1, and a
// status chosen by exit() stands.
func TestBeginEndErrorsFailTheRun(t *testing.T) {
	tests := []struct {
		name, code string
		status     int
		stdout     string
	}{
		{"BEGIN", `probe("BEGIN", function() error("setup failed") end)
probe("BEGIN", function() print("second BEGIN") end)
probe("interval:ms:10", function() print("tick") exit() end)
probe("END", function() print("end ran") end)`, 1, "end ran\n"},
		{"END", `probe("END", function() error("report failed") end)
probe("END", function() print("second END") end)`, 1, "second END\n"},
		{"END after exit(3)", `probe("BEGIN", function() exit(3) end)
probe("END", function() error("report failed") end)`, 3, ""},
		{"os.exit is exit", `print("before") probe("END", function() print("end ran") error("report failed") end) os.exit(4)`, 4, "before\nend ran\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := luatrace(t, "-e", tc.code)
			if r.code != tc.status || r.stdout != tc.stdout || !strings.Contains(r.stderr, "failed") {
				t.Errorf("exit %d (want %d), stdout %q (want %q), stderr:\n%s", r.code, tc.status, r.stdout, tc.stdout, r.stderr)
			}
		})
	}
}
