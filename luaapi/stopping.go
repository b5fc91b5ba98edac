package luaapi

import (
	"errors"
	"sync"
	"time"
)

// errInterrupted is what running Lua code raises, and what loops that
// attach many probes return, once the trace is told to stop.
var errInterrupted = errors.New("interrupted")

// halt is the first Ctrl-C (or SIGTERM) of a script run. It is a
// context.Context so that gopher-lua checks it before every instruction:
// Done is a plain channel read, which keeps that check cheap (a
// context.WithCancel costs a busy loop about 15%, this about 1%).
type halt struct {
	done chan struct{}
	once sync.Once
}

func newHalt() *halt { return &halt{done: make(chan struct{})} }

// request closes done once; later calls do nothing.
func (h *halt) request() { h.once.Do(func() { close(h.done) }) }

// stopped reports whether request was called.
func (h *halt) stopped() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

func (h *halt) Deadline() (time.Time, bool) { return time.Time{}, false }
func (h *halt) Done() <-chan struct{}       { return h.done }
func (h *halt) Value(any) any               { return nil }

func (h *halt) Err() error {
	if h.stopped() {
		return errInterrupted
	}
	return nil
}

// Stopping reports whether the trace has been told to stop (the first
// Ctrl-C or SIGTERM of a script run). Code that runs long outside Lua,
// such as a loop attaching thousands of probes, polls it and gives up with
// errInterrupted. Cheap, and safe from any goroutine.
func (r *Runtime) Stopping() bool { return r.halt.stopped() }

// StopRequested is closed when Stopping turns true, for code that waits.
func (r *Runtime) StopRequested() <-chan struct{} { return r.halt.done }

// Interrupt is what Ctrl-C means. In a script run it ends the trace now:
// running Lua code is interrupted, attaching stops, events still queued
// are dropped (and counted), and END runs with a deadline. At the REPL it
// cancels the running line or ends follow mode. Safe from any goroutine.
func (r *Runtime) Interrupt() {
	if r.repl == nil {
		r.halt.request()
		return
	}
	if c := r.repl.cancel.Load(); c != nil {
		(*c)()
	}
	select {
	case r.repl.interrupt <- struct{}{}:
	default:
	}
}
