package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/luatrace/luatrace/luaapi/diag"
	"golang.org/x/sys/unix"
)

// stopper merges what ends a trace: the traced command or process exiting
// (a normal end, sent on ch) and signals.
type stopper struct {
	ch       chan string
	sigs     chan os.Signal
	signaled chan struct{} // closed at the first signal
}

func newStopper() *stopper {
	return &stopper{ch: make(chan string, 4), signaled: make(chan struct{})}
}

func (s *stopper) send(reason string) {
	select {
	case s.ch <- reason:
	default:
	}
}

// exitSignaled is the status after a second signal: 128 plus the signal
// number, as shells report a process killed by it (130 for SIGINT).
func exitSignaled(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return diag.StatusError
}

// watchSignals: the first SIGINT or SIGTERM ends the trace now (interrupt:
// Lua code stops, probes detach, END runs with a deadline); a second one
// exits at once with exitSignaled. Nothing stays attached either way:
// every attachment is a file descriptor the kernel closes.
func (s *stopper) watchSignals(interrupt func()) {
	s.sigs = make(chan os.Signal, 2)
	signal.Notify(s.sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-s.sigs
		close(s.signaled)
		interrupt()
		os.Exit(exitSignaled(<-s.sigs))
	}()
}

// watchPID stops the trace when process pid exits.
func (s *stopper) watchPID(pid int) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("no process with pid %d to trace (check the -p value)", pid)
	}
	go func() {
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err == nil || err != unix.EINTR {
				break
			}
		}
		s.send(fmt.Sprintf("process %d exited", pid))
	}()
	return nil
}

func (s *stopper) watchChild(c *child) {
	go func() {
		s.send(c.wait())
	}()
}

func (s *stopper) close() {
	if s.sigs != nil {
		signal.Stop(s.sigs)
	}
}
