package luaapi

import (
	"context"
	"errors"
)

// errInterrupted is what running Lua code raises, and what loops that
// attach many probes return, once the trace is told to stop.
var errInterrupted = errors.New("interrupted")

// halt is the first Ctrl-C (or SIGTERM) of a script run. It is the Lua
// state's context, which gopher-lua checks before every instruction: Done
// returns a channel read once, which keeps that check cheap (a plain
// context.WithCancel costs a busy loop about 15%, this about 1%). The
// embedded cancelable context lets coroutines' contexts (gopher-lua derives
// one per coroutine) hang on it without a goroutine each.
type halt struct {
	context.Context
	cancel context.CancelFunc
	done   <-chan struct{}
}

func newHalt() *halt {
	ctx, cancel := context.WithCancel(context.Background())
	return &halt{Context: ctx, cancel: cancel, done: ctx.Done()}
}

// request stops the run; later calls do nothing.
func (h *halt) request() { h.cancel() }

// stopped reports whether request was called.
func (h *halt) stopped() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

func (h *halt) Done() <-chan struct{} { return h.done }

// Err names the stop as what it is, for the message Lua raises.
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
