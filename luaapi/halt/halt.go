// Package halt is how a trace stops: the first Ctrl-C (or SIGTERM) ends
// the run at once, StopGrace later the drain of what was already on its
// way, and EndDeadline later the END probes. Each stage is a context Lua runs under, cheap enough for
// gopher-lua to check before every instruction.
package halt

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrInterrupted is what running Lua code raises, and what loops that
// attach many probes return, once the trace is told to stop.
var ErrInterrupted = errors.New("interrupted")

// ErrEndCut is what END code raises when EndDeadline has passed.
var ErrEndCut = errors.New("END cut short")

// StopGrace is how long, after a Ctrl-C, a callback that is running and
// the events already on their way still have: a workload's last events
// arrive and a callback that is loading symbols finishes, while a flood
// behind a slow callback, or a callback that never returns, cannot hold
// the exit. What is left then is interrupted, or dropped and counted.
const StopGrace = 500 * time.Millisecond

// EndDeadline is how long after a Ctrl-C END probes may run, whether the
// signal started them or came while they ran. END is where tools print
// what they gathered (reading maps, symbolizing stacks), which on a loaded
// machine took more than a second: cutting it loses the run's output, so
// it gets seconds, and a second Ctrl-C is the way out sooner.
const EndDeadline = 5 * time.Second

// Context is a context that a stop cancels. Lua runs under one, and
// gopher-lua checks it before every instruction: Done returns a channel
// read once, which keeps that check cheap (a plain context.WithCancel
// costs a busy loop about 15%, this about 1%). The embedded cancelable
// context lets coroutines' contexts (gopher-lua derives one per
// coroutine) hang on it without a goroutine each.
type Context struct {
	context.Context
	cancel context.CancelFunc
	done   <-chan struct{}
	err    error // Err once cancelled
}

func newContext(err error) *Context {
	ctx, cancel := context.WithCancel(context.Background())
	return &Context{Context: ctx, cancel: cancel, done: ctx.Done(), err: err}
}

// Over reports whether the context was cancelled.
func (c *Context) Over() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Done is closed when the context is cancelled.
func (c *Context) Done() <-chan struct{} { return c.done }

// Err names the stop as what it is, for the message Lua raises.
func (c *Context) Err() error {
	if c.Over() {
		return c.err
	}
	return nil
}

// Halt is the first Ctrl-C (or SIGTERM) of a script run, in three stages:
// at once (Run: the main chunk and BEGIN are interrupted, attaching stops,
// no new events are taken), StopGrace later (Drain: callbacks are
// interrupted, and events still queued are dropped), and EndDeadline later
// (End: END probes are cut, with ErrEndCut).
type Halt struct {
	Run   *Context
	Drain *Context
	End   *Context
	once  sync.Once
}

// New returns a halt that nothing has requested yet.
func New() *Halt {
	return &Halt{Run: newContext(ErrInterrupted), Drain: newContext(ErrInterrupted), End: newContext(ErrEndCut)}
}

// Request stops the run, the drain StopGrace later and END EndDeadline
// later; later calls do nothing. Safe from any goroutine.
func (h *Halt) Request() {
	h.once.Do(func() {
		h.Run.cancel()
		time.AfterFunc(StopGrace, h.Drain.cancel)
		time.AfterFunc(EndDeadline, h.End.cancel)
	})
}
