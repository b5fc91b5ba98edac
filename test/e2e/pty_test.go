package e2e

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo-terminal pair sized like a normal window.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 200}); err != nil {
		t.Fatalf("set window size: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// terminal records everything a program writes to a pty and lets a test
// wait for text to appear, as a user watching the screen would.
type terminal struct {
	t      *testing.T
	master *os.File
	mu     sync.Mutex
	cond   *sync.Cond
	buf    strings.Builder
	seen   int // offset up to which expectations have consumed output
	closed bool
}

func newTerminal(t *testing.T, master *os.File) *terminal {
	term := &terminal{t: t, master: master}
	term.cond = sync.NewCond(&term.mu)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			term.mu.Lock()
			term.buf.Write(b[:n])
			if err != nil {
				term.closed = true
			}
			term.cond.Broadcast()
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return term
}

func (term *terminal) typeText(s string) {
	term.t.Helper()
	if _, err := term.master.WriteString(s); err != nil {
		term.t.Fatalf("type %q: %v", s, err)
	}
}

// expect waits until want appears after the last match and returns the
// output in between.
func (term *terminal) expect(want string, within time.Duration) string {
	term.t.Helper()
	got, ok := term.waitFor(want, within)
	if !ok {
		term.t.Fatalf("screen never showed %q within %s; after the last match it shows:\n%s", want, within, got)
	}
	return got
}

func (term *terminal) waitFor(want string, within time.Duration) (string, bool) {
	timer := time.AfterFunc(within, func() {
		term.mu.Lock()
		term.cond.Broadcast()
		term.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(within)
	term.mu.Lock()
	defer term.mu.Unlock()
	for {
		out := term.buf.String()[term.seen:]
		if i := strings.Index(out, want); i >= 0 {
			term.seen += i + len(want)
			return out[:i], true
		}
		if term.closed || !time.Now().Before(deadline) {
			return out, false
		}
		term.cond.Wait()
	}
}

// enter types a line and Enter, and returns what the program printed
// before showing prompt again. The line editor redraws the prompt while
// the line is typed, so the end of the line (its newline) is found first.
func (term *terminal) enter(line, prompt string, within time.Duration) string {
	term.t.Helper()
	term.typeText(line + "\r")
	term.expect("\r\n", within)
	return term.expect(prompt, within)
}
