package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestListenScriptFallback: a workload listening on 127.0.0.1:4242 with
// backlog 7 in a new network namespace, seen through the listen syscall
// tracepoints and /proc (this kernel has no kprobes or fentry).
func TestListenScriptFallback(t *testing.T) {
	requireRoot(t)
	l := startLive(t, "PID ", script("listen.lua"))
	w := exec.Command(bin(t, "listenns"), "4242", "7", "newns")
	stdin, _ := w.StdinPipe()
	stdout, _ := w.StdoutPipe()
	w.Stderr = os.Stderr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); w.Wait() }()
	var pid int
	var netns uint64
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if _, serr := fmt.Sscanf(line, "%d %d", &pid, &netns); err != nil || serr != nil {
		t.Fatalf("workload said %q: %v", line, err)
	}
	if self, _ := os.Readlink("/proc/self/ns/net"); self == fmt.Sprintf("net:[%d]", netns) {
		t.Fatalf("the workload's namespace %d is this test's: unshare did not happen", netns)
	}
	got := strings.Fields(l.await(t, "the workload's listen", func(s string) bool { return strings.HasPrefix(s, strconv.Itoa(pid)+" ") }))
	want := []string{strconv.Itoa(pid), "listenns", "127.0.0.1", "4242", "7", strconv.FormatUint(netns, 10)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("listen line %q, want %q", got, want)
	}
	l.stop(t)
}
