package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDropsAreCounted stalls the first callback until the workload has
// made all its calls, so events pile up past the queue limit. Every event must be either
// delivered or counted as lost, both on demand (h:stats()) and at exit.
func TestDropsAreCounted(t *testing.T) {
	requireRoot(t)
	const rounds = 200000
	script := `local seen, stalled = 0, false
local h
h = probe("tracepoint:syscalls:sys_enter_getppid", function(e)
  if not stalled then
    stalled = true
    while h:stats().hits < ` + strconv.Itoa(rounds) + ` do end
  end
  seen = seen + 1
end)
probe("END", function()
  local s = h:stats()
  printf("seen=%d hits=%d lost=%d dropped=%d\n", seen, s.hits, s.lost, s.dropped)
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
