package luaapi

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errInterrupted is what running Lua code raises, and what loops that
// attach many probes return, once the trace is told to stop.
var errInterrupted = errors.New("interrupted")

// StopGrace is how long, after a Ctrl-C, a callback that is running and
// the events already on their way still have: a workload's last events
// arrive and a callback that is loading symbols finishes, while a flood
// behind a slow callback, or a callback that never returns, cannot hold
// the exit. What is left then is interrupted, or dropped and counted.
const StopGrace = time.Second

// stopContext is a context that a stop cancels. Lua runs under one, and
// gopher-lua checks it before every instruction: Done returns a channel
// read once, which keeps that check cheap (a plain context.WithCancel
// costs a busy loop about 15%, this about 1%). The embedded cancelable
// context lets coroutines' contexts (gopher-lua derives one per
// coroutine) hang on it without a goroutine each.
type stopContext struct {
	context.Context
	cancel context.CancelFunc
	done   <-chan struct{}
}

func newStopContext() *stopContext {
	ctx, cancel := context.WithCancel(context.Background())
	return &stopContext{Context: ctx, cancel: cancel, done: ctx.Done()}
}

// over reports whether the context was cancelled.
func (c *stopContext) over() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *stopContext) Done() <-chan struct{} { return c.done }

// Err names the stop as what it is, for the message Lua raises.
func (c *stopContext) Err() error {
	if c.over() {
		return errInterrupted
	}
	return nil
}

// halt is the first Ctrl-C (or SIGTERM) of a script run, in two stages:
// at once (run: the main chunk and BEGIN are interrupted, attaching stops,
// no new events are taken), and StopGrace later (drain: callbacks are
// interrupted, and events still queued are dropped).
type halt struct {
	run   *stopContext
	drain *stopContext
	once  sync.Once
}

func newHalt() *halt { return &halt{run: newStopContext(), drain: newStopContext()} }

// request stops the run; later calls do nothing.
func (h *halt) request() {
	h.once.Do(func() {
		h.run.cancel()
		time.AfterFunc(StopGrace, h.drain.cancel)
	})
}

// Stopping reports whether the trace has been told to stop (the first
// Ctrl-C or SIGTERM of a script run). Code that runs long outside Lua,
// such as a loop attaching thousands of probes, polls it and gives up with
// errInterrupted. Cheap, and safe from any goroutine.
func (r *Runtime) Stopping() bool { return r.halt.run.over() }

// StopRequested is closed when Stopping turns true, for code that waits.
func (r *Runtime) StopRequested() <-chan struct{} { return r.halt.run.done }

// Interrupt is what Ctrl-C means. In a script run it ends the trace now:
// the main chunk or BEGIN is interrupted, attaching stops, probes detach,
// callbacks and events already queued get StopGrace to finish (then they
// are interrupted, or dropped and counted), and END runs with EndDeadline.
// At the REPL it cancels the running line or ends follow mode. Safe from
// any goroutine.
func (r *Runtime) Interrupt() {
	if r.session == nil {
		r.halt.request()
		return
	}
	if c := r.session.cancel.Load(); c != nil {
		(*c)()
	}
	select {
	case r.session.interrupt <- struct{}{}:
	default:
	}
}
