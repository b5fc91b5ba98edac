package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDropsAreCounted stalls the first callback until the workload has
// made all its calls, so events pile up past the queue limit. Every event must be either
// delivered or counted as lost, both on demand (h:stats()) and at exit.
// The workload's events are the hits less those filtered: other processes
// on the machine call getppid too, and the -c filter counts them as
// filtered.
func TestDropsAreCounted(t *testing.T) {
	requireRoot(t)
	const rounds = 200000
	script := `local seen, stalled = 0, false
local h
h = probe("tracepoint:syscalls:sys_enter_getppid", function(e)
  if not stalled then
    stalled = true
    local s = h:stats()
    while s.hits - s.filtered < ` + strconv.Itoa(rounds) + ` do s = h:stats() end
  end
  seen = seen + 1
end)
probe("END", function()
  local s = h:stats()
  printf("seen=%d hits=%d lost=%d dropped=%d\n", seen, s.hits - s.filtered, s.lost, s.dropped)
end)`
	r := luatrace(t, "-c", bin(t, "syscalls")+" "+strconv.Itoa(rounds), "-e", script).expectOK(t)
	m := regexp.MustCompile(`seen=(\d+) hits=(\d+) lost=(\d+) dropped=(\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("stdout %q", r.stdout)
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	seen, hits, lost, dropped := n[0], n[1], n[2], n[3]
	if hits != rounds || seen+lost+dropped != rounds {
		t.Errorf("seen %d + lost %d + dropped %d != %d hits (want %d)", seen, lost, dropped, hits, rounds)
	}
	if lost+dropped == 0 {
		t.Errorf("a stalled callback lost nothing; the queue limit is not enforced")
	}
	want := "luatrace: tracepoint:syscalls:sys_enter_getppid lost " + strconv.Itoa(lost+dropped) + " of " + strconv.Itoa(rounds) + " events"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
}

// TestFloodMemoryStaysBounded: behind a slow callback, a flood of 1 KiB
// records keeps the queue full (16 MiB) for seconds; luatrace's memory
// stays near its start plus the queue (it once grew past 200 MB within
// seconds, from slabs pinned by straddling batches and a queue bounded by
// events only). The bound is generous: the queue, the 8 MiB ring
// buffer, kernel BTF and the Go heap's headroom fit well under it.
func TestFloodMemoryStaysBounded(t *testing.T) {
	requireRoot(t)
	const limitMB = 150
	s := startSignaled(t, nil, "ready", "-c", bin(t, "writebuf")+" 1000 2000000000", "-e", `
local told
local h
h = probe("tracepoint:syscalls:sys_enter_write", { fields = { b = "buf(uptr(args.buf), 1000)" } }, function(e)
  local s = 0 for i = 1, 20000 do s = s + i end
  if not told and h:stats().dropped > 0 then told = true io.stderr:write("ready\n") end
end)`)
	status := fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid)
	peak := 0
	for range 50 { // 5 s of a full queue, sampled every 100 ms
		b, err := os.ReadFile(status)
		if err != nil {
			t.Fatal(err)
		}
		if m := vmRSS.FindSubmatch(b); m != nil {
			kb, _ := strconv.Atoi(string(m[1]))
			peak = max(peak, kb>>10)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("peak RSS %d MB", peak)
	if peak == 0 || peak > limitMB {
		t.Errorf("peak RSS %d MB with the queue full, want at most %d MB", peak, limitMB)
	}
	if code, _ := s.interrupt(t, syscall.SIGINT, 10*time.Second); code != 0 {
		t.Errorf("exit status %d\nstderr:\n%s", code, s.stderr.String())
	}
}

var vmRSS = regexp.MustCompile(`VmRSS:\s+(\d+) kB`)
