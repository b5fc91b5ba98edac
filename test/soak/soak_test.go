//go:build soak

package soak

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/testenv"
)

var (
	soakFor   = flag.Duration("soak", 10*time.Minute, "how long the soak runs")
	floodRate = flag.Int("soak.rate", 0, "getppid calls per second of the flood (0: as fast as one CPU goes)")
)

// Bounds the soak checks.
const (
	// exitBound is how soon luatrace must exit after one SIGINT.
	exitBound = time.Second
	// rssGrowth bounds the long-lived instance's RSS after warm-up, as a
	// multiple of the largest RSS seen during warm-up.
	rssGrowth = 1.5
)

// longScript feeds maps from the flood, runs a slow callback on every
// event (so the queue to Lua stays full and drops), attaches and detaches
// a probe every churn, and prints a tick a second.
func longScript(churn time.Duration) string {
	return fmt.Sprintf(`local calls = map.count{ key = "comm" }
local lat = map.hist{ value = "nsecs %% 1000" }
probe("tracepoint:syscalls:sys_enter_getppid", { into = { calls, lat } })
local seen, churned = 0, 0
probe("tracepoint:syscalls:sys_enter_getppid", function(e)
  local s = 0
  for i = 1, 2000 do s = s + i end
  seen = seen + 1
end)
probe("interval:ms:%d", function()
  probe("tracepoint:syscalls:sys_enter_getpid", function() end):detach()
  churned = churned + 1
end)
probe("interval:s:1", function()
  printf("tick seen=%%d churned=%%d keys=%%d buckets=%%d\n", seen, churned, calls:len(), lat:len())
  lat:clear()
end)
probe("BEGIN", function() print("ready") end)
`, churn.Milliseconds())
}

// shortCase is a short-lived luatrace interrupted in one state.
type shortCase struct {
	name   string
	script string
	// ready: the script prints "ready" when it reaches the state;
	// otherwise the state is reached after settle.
	ready  bool
	settle time.Duration
	// drain: stdout is read; otherwise it is left to fill its pipe.
	drain bool
}

var shortCases = []shortCase{
	{name: "slow callback under the flood", ready: true, settle: 5 * time.Second, drain: true, script: `
probe("tracepoint:syscalls:sys_enter_getppid", function(e) local s = 0 for i = 1, 2000 do s = s + i end end)
probe("BEGIN", function() print("ready") end)`},
	{name: "busy callback", ready: true, settle: 2 * time.Second, drain: true, script: `
probe("tracepoint:syscalls:sys_enter_getppid", function(e) while true do end end)
probe("BEGIN", function() print("ready") end)`},
	{name: "busy main chunk", settle: 2 * time.Second, drain: true, script: `
probe("tracepoint:syscalls:sys_enter_getppid", function() end)
while true do end`},
	{name: "attaching tracepoint:syscalls:*", settle: time.Second, drain: true, script: `
probe("tracepoint:syscalls:sys_*", function() end)
print("attached")`},
	{name: "stdout a full pipe", settle: 3 * time.Second, script: `
probe("tracepoint:syscalls:sys_enter_getppid", function(e) printf("%d %s\n", e.pid, e.comm) end)`},
	{name: "maps and churn", ready: true, settle: 5 * time.Second, drain: true, script: longScript(50 * time.Millisecond)},
}

// instance is a running luatrace.
type instance struct {
	cmd    *exec.Cmd
	stdout *os.File // the read end; nil when drained
	stderr *strings.Builder
	lines  chan string // stdout lines, when drained
	done   chan struct{}
}

func start(t *testing.T, dir, script string, drain bool) *instance {
	t.Helper()
	file := filepath.Join(t.TempDir(), "script.lua")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: exec.Command(filepath.Join(dir, "luatrace"), file), stderr: &strings.Builder{}, done: make(chan struct{})}
	in.cmd.Stdout, in.cmd.Stderr = w, in.stderr
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { in.cmd.Process.Kill(); <-in.done; r.Close() })
	go func() { in.cmd.Wait(); close(in.done) }()
	if !drain {
		in.stdout = r
		return in
	}
	in.lines = make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case in.lines <- sc.Text():
			default: // nobody is looking: keep the pipe flowing
			}
		}
		close(in.lines)
	}()
	return in
}

// waitReady waits for the line "ready".
func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case l, ok := <-in.lines:
			if !ok {
				t.Fatalf("luatrace ended before it was ready:\n%s", in.stderr)
			}
			if l == "ready" {
				return
			}
		case <-timeout:
			t.Fatalf("luatrace not ready after a minute:\n%s", in.stderr)
		}
	}
}

// interrupt sends SIGINT and returns how long luatrace took to exit. If it
// has not exited after 30 s, a second SIGINT is sent, and after 30 s
// more, SIGKILL.
func (in *instance) interrupt(t *testing.T) (time.Duration, string) {
	t.Helper()
	begin := time.Now()
	in.cmd.Process.Signal(syscall.SIGINT)
	note := ""
	for _, next := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		select {
		case <-in.done:
			return time.Since(begin), note
		case <-time.After(30 * time.Second):
			note += fmt.Sprintf("; %s after %v", next, time.Since(begin).Round(time.Millisecond))
			in.cmd.Process.Signal(next)
		}
	}
	<-in.done
	return time.Since(begin), note
}

// rssKB is the process's resident set, from /proc/PID/status.
func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

type sample struct {
	at  time.Duration
	rss int
}

// TestSoak runs the long-lived instance for -soak while short-lived ones
// are interrupted in turn, then interrupts the long one. It prints the
// RSS curve and every exit time, and fails when RSS grows past rssGrowth
// times its warm-up peak, when an exit after SIGINT takes longer than
// exitBound, or when BPF objects outlive their luatrace.
func TestSoak(t *testing.T) {
	testenv.RequireRoot(t)
	dir := testenv.Build(t)
	flood := exec.Command(filepath.Join(dir, "getppid_loop"), "1000000000000000", strconv.Itoa(*floodRate))
	flood.Stdout = io.Discard
	if err := flood.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { flood.Process.Kill(); flood.Wait() }()

	// Probe ids are not reused within a run (at most 8191), so the churn
	// is paced to stay under that over the whole soak.
	churn := max(50*time.Millisecond, *soakFor/6000)
	long := start(t, dir, longScript(churn), true)
	long.waitReady(t)
	began := time.Now()
	end := began.Add(*soakFor)
	warmup := min(time.Minute, *soakFor/5)

	var samples []sample
	lastTick := ""
	every := max(time.Second, *soakFor/120)
	nextSample := time.Now()
	gap := max(5*time.Second, *soakFor/time.Duration(3*len(shortCases)))
	nextShort := time.Now().Add(gap)
	type exitTime struct {
		name string
		took time.Duration
		note string
	}
	var exits []exitTime
	for i := 0; time.Now().Before(end); {
		select {
		case l, ok := <-long.lines:
			if !ok {
				t.Fatalf("the long-lived luatrace ended by itself:\n%s", long.stderr)
			}
			if strings.HasPrefix(l, "tick") {
				lastTick = l
			}
			continue
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(nextSample) {
			kb, err := rssKB(long.cmd.Process.Pid)
			if err != nil {
				t.Fatalf("the long-lived luatrace is gone: %v\n%s", err, long.stderr)
			}
			samples = append(samples, sample{time.Since(began), kb})
			t.Logf("%7s  RSS %6d kB  %s", time.Since(began).Round(time.Second), kb, lastTick)
			nextSample = time.Now().Add(every)
		}
		if time.Now().After(nextShort) {
			sc := shortCases[i%len(shortCases)]
			took, note := runShort(t, dir, sc)
			exits = append(exits, exitTime{sc.name, took, note})
			i++
			nextShort = time.Now().Add(gap)
		}
	}
	ids := testenv.HeldBPF(t, long.cmd.Process.Pid)
	took, note := long.interrupt(t)
	exits = append(exits, exitTime{"long-lived: flood, slow callback, maps, churn", took, note})
	ids.WaitFreed(t, "the long-lived luatrace exited")

	peak := 0
	for _, s := range samples {
		if s.at <= warmup {
			peak = max(peak, s.rss)
		}
	}
	t.Logf("RSS peak during the %v warm-up: %d kB; bound afterwards: %d kB", warmup, peak, int(float64(peak)*rssGrowth))
	for _, s := range samples {
		if s.at > warmup && float64(s.rss) > float64(peak)*rssGrowth {
			t.Errorf("RSS %d kB at %v, above %.1f x the warm-up peak of %d kB", s.rss, s.at.Round(time.Second), rssGrowth, peak)
			break
		}
	}
	t.Logf("exit after SIGINT:")
	for _, e := range exits {
		t.Logf("  %-45s %8v%s", e.name, e.took.Round(time.Millisecond), e.note)
		if e.took > exitBound {
			t.Errorf("%s: exit took %v after SIGINT, want under %v%s", e.name, e.took.Round(time.Millisecond), exitBound, e.note)
		}
	}
	t.Logf("long-lived luatrace's stderr:\n%s", long.stderr)
}

// runShort starts one short-lived case, lets it reach its state,
// interrupts it and checks that its BPF objects are freed. It returns the
// exit time.
func runShort(t *testing.T, dir string, sc shortCase) (time.Duration, string) {
	t.Helper()
	in := start(t, dir, sc.script, sc.drain)
	if sc.ready {
		in.waitReady(t)
	}
	time.Sleep(sc.settle)
	ids := testenv.HeldBPF(t, in.cmd.Process.Pid)
	took, note := in.interrupt(t)
	if in.stdout != nil {
		in.stdout.Close()
	}
	if s := in.cmd.ProcessState; s != nil && !s.Exited() {
		note += "; " + s.String()
	}
	t.Logf("short-lived %q (%s) exited in %v%s", sc.name, ids, took.Round(time.Millisecond), note)
	ids.WaitFreed(t, sc.name+" exited")
	return took, note
}
