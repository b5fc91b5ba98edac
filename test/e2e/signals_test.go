package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/testenv"

	"golang.org/x/sys/unix"
)

// signaled is a luatrace run that the test interrupts. Its stderr is read
// line by line, so that a script can say when it has reached the state the
// test wants to interrupt (stdout may be a pipe nobody reads).
type signaled struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr lockedBuffer
	exited chan struct{}
	err    error
}

// startSignaled starts luatrace with stdout going to stdout (nil: kept)
// and returns once a line of its stderr equals ready.
func startSignaled(t *testing.T, stdout io.Writer, ready string, args ...string) *signaled {
	t.Helper()
	s := &signaled{cmd: exec.Command(bin(t, "luatrace"), args...), lines: make(chan string, 64), exited: make(chan struct{})}
	s.cmd.Dir = build(t)
	s.cmd.Stdout = stdout
	errPipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.exited })
	go func() {
		rd := bufio.NewReader(errPipe)
		for {
			line, err := rd.ReadString('\n')
			s.stderr.Write([]byte(line))
			if line != "" {
				select {
				case s.lines <- strings.TrimSuffix(line, "\n"):
				default:
				}
			}
			if err != nil {
				break
			}
		}
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	s.await(t, ready)
	return s
}

// await waits for a stderr line equal to want.
func (s *signaled) await(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line := <-s.lines:
			if line == want {
				return
			}
		case <-s.exited:
			t.Fatalf("luatrace exited before printing %q: %v\nstderr:\n%s", want, s.err, s.stderr.String())
		case <-timeout:
			t.Fatalf("luatrace did not print %q within 30 s\nstderr:\n%s", want, s.stderr.String())
		}
	}
}

// interrupt sends sig and waits for the exit (failing after limit, which
// only catches hangs); it returns the exit status and how long it took.
func (s *signaled) interrupt(t *testing.T, sig syscall.Signal, limit time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(limit):
		t.Fatalf("luatrace still running %v after %v\nstderr:\n%s", limit, sig, s.stderr.String())
	}
	var ee *exec.ExitError
	if s.err != nil && !errors.As(s.err, &ee) {
		t.Fatal(s.err)
	}
	return s.cmd.ProcessState.ExitCode(), time.Since(start)
}

// pipeFull waits until the pipe whose read end is r is (nearly) full and
// a thread of process pid is blocked writing to it (its wchan is the
// kernel's pipe write): a full pipe alone does not say the writer has
// reached it, and a Ctrl-C before then finds nothing blocked.
func pipeFull(t *testing.T, r *os.File, pid int) {
	t.Helper()
	size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ) // FIONREAD
		if err != nil {
			t.Fatal(err)
		}
		if n >= size-4096 && writingToPipe(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the output pipe holds %d of %d bytes after 30 s, and no thread of %d waits to write more", n, size, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writingToPipe reports whether a thread of pid sleeps in a pipe write.
func writingToPipe(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), "pipe_write") {
			return true
		}
	}
	return false
}

// TestFirstSignalEndsEveryState interrupts a trace in each state that
// once ignored the first SIGINT (busy Lua in the main chunk, BEGIN, a
// callback, END; output to a reader that stopped reading; a flood queued
// behind a slow callback): luatrace ends promptly, says what it
// interrupted, runs END, reports what it dropped and leaves nothing
// attached. The time limit only catches hangs; times are logged.
func TestFirstSignalEndsEveryState(t *testing.T) {
	requireRoot(t)
	const end = `probe("END", function() io.stderr:write("end ran\n") end)
`
	tests := []struct {
		name       string
		args       []string
		script     string
		blockedOut bool // stdout is a pipe nobody reads
		status     int
		want       []string // in stderr
		check      func(t *testing.T, stderr string)
	}{
		{name: "busy main chunk", status: 0,
			script: end + `io.stderr:write("ready\n") while true do end`,
			want:   []string{"luatrace: interrupted the main chunk at -e:2", "end ran"}},
		{name: "busy coroutine", status: 0,
			script: end + `io.stderr:write("ready\n") coroutine.wrap(function() while true do end end)()`,
			want:   []string{"luatrace: interrupted the main chunk at -e:2", "end ran"}},
		{name: "busy BEGIN", status: 0,
			script: end + `probe("BEGIN", function() io.stderr:write("ready\n") while true do end end)`,
			want:   []string{"luatrace: interrupted the BEGIN probe at -e:2", "end ran"}},
		{name: "BEGIN waiting for os.execute", status: 0, // the signal goes to luatrace's pid alone, not a terminal's process group
			script: end + `probe("BEGIN", function() io.stderr:write("ready\n") os.execute("exec sleep 3600") end)`,
			want:   []string{"luatrace: interrupted the BEGIN probe at -e:2", "end ran"}},
		{name: "busy timer callback", status: 0,
			script: end + `probe("interval:ms:10", function() io.stderr:write("ready\n") while true do end end)`,
			want:   []string{"luatrace: interrupted the callback of interval:ms:10 at -e:2", "end ran"}},
		{name: "busy event callback", status: 0, args: []string{"-c", bin(t, "syscalls") + " 1000"},
			script: end + `probe("tracepoint:syscalls:sys_enter_getppid", function() io.stderr:write("ready\n") while true do end end)`,
			want: []string{"luatrace: interrupted the callback of tracepoint:syscalls:sys_enter_getppid at -e:2", "end ran",
				"luatrace: tracepoint:syscalls:sys_enter_getppid lost", "left queued at the stop"}},
		{name: "flood behind a slow callback", status: 0, args: []string{"-c", bin(t, "writebuf") + " 1000 100000000"},
			script: end + `local told
local h
h = probe("tracepoint:syscalls:sys_enter_write", { fields = { b = "buf(uptr(args.buf), 1000)" } }, function(e)
  local s = 0 for i = 1, 20000 do s = s + i end
  if not told and h:stats().dropped > 0 then told = true io.stderr:write("ready\n") end
end)`,
			want:  []string{"end ran", "luatrace: tracepoint:syscalls:sys_enter_write lost", "queue full", "left queued at the stop"},
			check: queueBoundedByBytes},
		{name: "output blocked", status: 1, blockedOut: true,
			script: end + `probe("BEGIN", function() io.stderr:write("ready\n") end)
probe("interval:ms:1", function() printf("%s\n", string.rep("x", 1000)) end)`,
			want: []string{"end ran", "luatrace: write output: the output's reader stopped reading; output after the stop was dropped"}},
		{name: "busy END", status: 1,
			script: `probe("BEGIN", function() io.stderr:write("ready\n") end)
probe("interval:ms:10", function() end)
probe("END", function() io.stderr:write("end ran\n") while true do end end)`,
			want: []string{"end ran", "luatrace: the END probe did not finish within 5s of the stop; interrupted at -e:3"}},
		{name: "END running when the signal comes", status: 1, // exit() started END, not the signal
			script: `probe("BEGIN", function() exit() end)
probe("END", function() io.stderr:write("ready\n") while true do end end)`,
			want: []string{"luatrace: the END probe did not finish within 5s of the stop; interrupted at -e:2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout io.Writer
			var unread *os.File
			if tc.blockedOut {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				defer w.Close()
				stdout, unread = w, r
			}
			s := startSignaled(t, stdout, "ready", append(tc.args, "-e", tc.script)...)
			if unread != nil {
				pipeFull(t, unread, s.cmd.Process.Pid)
			}
			held := testenv.HeldBPF(t, s.cmd.Process.Pid)
			status, took := s.interrupt(t, syscall.SIGINT, 10*time.Second)
			t.Logf("exit %v after SIGINT", took.Round(time.Millisecond))
			stderr := s.stderr.String()
			if status != tc.status {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", status, tc.status, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("a Go failure reached the user:\n%s", stderr)
			}
			if tc.check != nil {
				tc.check(t, stderr)
			}
			held.WaitFreed(t, "SIGINT")
		})
	}
}

var leftQueued = regexp.MustCompile(`(\d+) left queued at the stop`)

// queueBoundedByBytes: with records of over 1000 bytes, what was left at
// the stop (the queue, at most 16 MiB, and the ring buffer, 8 MiB) is far
// less than the queue's 65536 events.
func queueBoundedByBytes(t *testing.T, stderr string) {
	t.Helper()
	m := leftQueued.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no count of events left queued:\n%s", stderr)
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 || n > 32<<20/1000 {
		t.Errorf("%d events of over 1000 bytes were left queued; the queue holds 16 MiB and the ring buffer 8 MiB", n)
	}
}

// TestSignalWhileAttaching interrupts a wildcard while its probes are
// being attached: attaching stops there, END runs, and every program and
// link the process held is released. Every tracepoint, not only the
// syscalls ones: those take two attachments through raw_syscalls.
func TestSignalWhileAttaching(t *testing.T) {
	requireRoot(t)
	cmd := exec.Command(bin(t, "luatrace"), "-e", `probe("END", function() io.stderr:write("end ran\n") end)
probe("tracepoint:*:*", { pid = 1 }, function() end)
io.stderr:write("all attached\n")`)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	// Interrupt once the first 50 of the ~2000 attachments hold file
	// descriptors (counting them is quick; reading fdinfo is not).
	fds := fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if names, _ := os.ReadDir(fds); len(names) >= 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attachments after 30 s\nstderr:\n%s", stderr.String())
		}
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	// Detaching takes a while: the ids can still be read.
	held := testenv.HeldBPF(t, cmd.Process.Pid)
	select {
	case err := <-exited:
		t.Logf("exit %v after SIGINT, %d links held after it was sent", time.Since(start).Round(time.Millisecond), len(held.Links))
		if err != nil {
			t.Errorf("exit: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("luatrace still running 60 s after SIGINT\nstderr:\n%s", stderr.String())
	}
	out := stderr.String()
	if !strings.Contains(out, "luatrace: interrupted the main chunk") || !strings.Contains(out, "end ran") || strings.Contains(out, "all attached") {
		t.Errorf("want the attach interrupted and END run; stderr:\n%s", out)
	}
	held.WaitFreed(t, "SIGINT")
}

// TestSecondSignalExitsAtOnce: while END runs after a first SIGINT, a
// second one ends luatrace at once with status 130, as shells expect, and
// nothing stays attached.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	requireRoot(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			s := startSignaled(t, nil, "ready", "-c", bin(t, "syscalls")+" 1000000000", "-e", `
probe("tracepoint:syscalls:sys_enter_getppid", function() end)
probe("BEGIN", function() io.stderr:write("ready\n") end)
probe("END", function() io.stderr:write("in END\n") while true do end end)`)
			held := testenv.HeldBPF(t, s.cmd.Process.Pid)
			s.cmd.Process.Signal(sig)
			s.await(t, "in END")
			status, took := s.interrupt(t, sig, 10*time.Second)
			t.Logf("exit %v after the second %v", took.Round(time.Millisecond), sig)
			if want := 128 + int(sig); status != want {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", status, want, s.stderr.String())
			}
			held.WaitFreed(t, "a second "+sig.String())
		})
	}
}

// TestPrintfFloodPipedEndsOnSignal: one printf per event into a reader
// that keeps reading (as wc -l does) does not delay the end of the trace.
func TestPrintfFloodPipedEndsOnSignal(t *testing.T) {
	requireRoot(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	lines, flowing := make(chan int, 1), make(chan struct{})
	go func() {
		n := 0
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if n++; n == 10000 {
				close(flowing)
			}
		}
		lines <- n
	}()
	s := startSignaled(t, w, "ready", "-c", bin(t, "syscalls")+" 1000000000", "-e", `
probe("tracepoint:syscalls:sys_enter_getppid", function(e) printf("%d %s\n", e.pid, e.comm) end)
probe("BEGIN", function() io.stderr:write("ready\n") end)`)
	w.Close()
	select {
	case <-flowing:
	case <-time.After(30 * time.Second):
		t.Fatalf("no flood of lines within 30 s\nstderr:\n%s", s.stderr.String())
	}
	status, took := s.interrupt(t, syscall.SIGINT, 10*time.Second)
	n := <-lines
	t.Logf("exit %v after SIGINT, %d lines read", took.Round(time.Millisecond), n)
	if status != 0 || n == 0 {
		t.Errorf("exit status %d, %d lines\nstderr:\n%s", status, n, s.stderr.String())
	}
}

// TestTwoInstancesCountExactly: two luatrace processes on one tracepoint
// each count every call of the traced process, in the kernel.
func TestTwoInstancesCountExactly(t *testing.T) {
	requireRoot(t)
	const calls = 5000
	cmd, pid, release := startWaiting(t, calls)
	script := `local m = map.count{}
probe("tracepoint:syscalls:sys_enter_getppid", { into = m })
probe("BEGIN", function() print("ready") end)
probe("END", function() print(m:get()) end)`
	var runs []*exec.Cmd
	var outs []*bufio.Reader
	for range 2 {
		c, rd, _ := runUntilReady(t, "-p", strconv.Itoa(pid), "-e", script)
		runs, outs = append(runs, c), append(outs, rd)
	}
	release()
	cmd.Wait()
	for i, c := range runs {
		rest, _ := io.ReadAll(outs[i])
		if err := c.Wait(); err != nil {
			t.Fatalf("instance %d: %v", i+1, err)
		}
		if got, _, _ := strings.Cut(string(rest), "\n"); got != strconv.Itoa(calls) {
			t.Errorf("instance %d counted %q, want %d", i+1, got, calls)
		}
	}
}
