package luaapi

// Stopping reports whether the trace has been told to stop (the first
// Ctrl-C or SIGTERM of a script run). Code that runs long outside Lua,
// such as a loop attaching thousands of probes, polls it and gives up with
// halt.ErrInterrupted. Cheap, and safe from any goroutine.
func (r *Runtime) Stopping() bool { return r.halt.Run.Over() }

// StopRequested is closed when Stopping turns true, for code that waits.
func (r *Runtime) StopRequested() <-chan struct{} { return r.halt.Run.Done() }

// Interrupt is what Ctrl-C means. In a script run it ends the trace now:
// the main chunk or BEGIN is interrupted, attaching stops, probes detach,
// callbacks and events already queued get StopGrace to finish (then they
// are interrupted, or dropped and counted), and END runs until
// halt.EndDeadline after the stop.
// At the REPL it cancels the running line or ends follow mode. Safe from
// any goroutine.
func (r *Runtime) Interrupt() {
	if r.session == nil {
		r.halt.Request()
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
