package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// stopper merges everything that ends a trace (signals, the traced
// command or process exiting) into the runtime's Stop channel.
type stopper struct {
	ch   chan string
	sigs chan os.Signal
}

func newStopper() *stopper {
	return &stopper{ch: make(chan string, 4)}
}

func (s *stopper) send(reason string) {
	select {
	case s.ch <- reason:
	default:
	}
}

// watchSignals: the first SIGINT/SIGTERM stops the trace gracefully (END
// runs, probes detach); a second one exits at once, and the kernel still
// detaches everything because every attachment is a file descriptor.
func (s *stopper) watchSignals() {
	s.sigs = make(chan os.Signal, 2)
	signal.Notify(s.sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-s.sigs
		s.send("signal")
		<-s.sigs
		os.Exit(exitRuntime)
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
