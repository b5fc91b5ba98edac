package e2e

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// liveRun is a luatrace running in the background whose output lines the
// test awaits one by one, for scripts that trace until interrupted.
type liveRun struct {
	cmd    *exec.Cmd
	lines  chan string
	done   chan struct{}
	stderr lockedBuffer
	seen   []string
}

// lockedBuffer collects a process's stderr; readable while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startLive starts luatrace and returns once it printed a line starting
// with ready (a script's header, printed from BEGIN after its probes are
// attached).
func startLive(t *testing.T, ready string, args ...string) *liveRun {
	t.Helper()
	return startLiveCmd(t, ready, exec.Command(bin(t, "luatrace"), args...))
}

// startLiveCmd is startLive for any tracer (bpftrace, to compare with).
func startLiveCmd(t *testing.T, ready string, cmd *exec.Cmd) *liveRun {
	t.Helper()
	l := &liveRun{cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	out, err := l.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	l.cmd.Stderr = &l.stderr
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.cmd.Process.Kill(); l.cmd.Wait() })
	go func() {
		defer close(l.done)
		rd := bufio.NewReader(out)
		for {
			line, err := rd.ReadString('\n')
			if line != "" {
				l.lines <- strings.TrimSuffix(line, "\n")
			}
			if err != nil {
				if err != io.EOF {
					l.lines <- "read error: " + err.Error()
				}
				close(l.lines)
				return
			}
		}
	}()
	l.await(t, "the ready line "+ready, func(s string) bool { return strings.HasPrefix(s, ready) })
	return l
}

// await returns the first new line for which match holds, failing the
// test after 20 seconds or when the output ends.
func (l *liveRun) await(t *testing.T, what string, match func(string) bool) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-l.lines:
			if !ok {
				t.Fatalf("luatrace ended before %s\nstdout:\n%s\nstderr:\n%s", what, strings.Join(l.seen, "\n"), l.stderr.String())
			}
			l.seen = append(l.seen, line)
			if match(line) {
				return line
			}
		case <-timeout:
			t.Fatalf("no %s within 20s\nstdout:\n%s", what, strings.Join(l.seen, "\n"))
		}
	}
}

// stop interrupts luatrace (END runs) and returns the lines printed after
// the last awaited one.
func (l *liveRun) stop(t *testing.T) []string {
	t.Helper()
	l.cmd.Process.Signal(syscall.SIGINT)
	return l.wait(t)
}

// wait returns the lines printed after the last awaited one once luatrace
// has ended by itself (a tool's -d, or the end of its -c command).
func (l *liveRun) wait(t *testing.T) []string {
	t.Helper()
	var rest []string
	for line := range l.lines {
		l.seen = append(l.seen, line)
		rest = append(rest, line)
	}
	<-l.done
	if err := l.cmd.Wait(); err != nil {
		t.Fatalf("luatrace: %v\nstderr:\n%s", err, l.stderr.String())
	}
	return rest
}
