package luaapi

import (
	"fmt"
	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/kernel"
)

// kernelSide returns the connection to the kernel, opening it on the
// first kernel probe (or kernel memory read).
func (r *Runtime) kernelSide() (*kernel.Conn, error) {
	if r.conn != nil {
		return r.conn, nil
	}
	opts := kernel.Options{
		PID:    r.opts.PID,
		Follow: r.opts.Follow,
		// Opened after -c released its command (a probe attached from a
		// callback): what it started meanwhile is traced too.
		Running:     r.started && r.opts.Started != nil,
		Errors:      r.stderr,
		Progress:    r.progress.update,
		Interrupted: r.Stopping, // a Ctrl-C stops a long attach between targets
	}
	if r.opts.Verbose {
		opts.Verbose = r.stderr
	}
	c, err := kernel.Open(opts, mailbox{r})
	if err != nil {
		return nil, err
	}
	r.conn = c
	r.syms.SetStackSource(c.Col.Stack)
	return c, nil
}

// mailbox is where the reader goroutine delivers batches: the owner
// goroutine's mail, until a Ctrl-C's grace is over.
type mailbox struct{ r *Runtime }

var _ kernel.Outlet = mailbox{}

// Offer sends batch if the mail has room now.
func (m mailbox) Offer(batch []collector.Record) bool {
	select {
	case m.r.mail <- message{batch: batch}:
		return true
	default:
		return false
	}
}

// Deliver waits for room, until the drain is over.
func (m mailbox) Deliver(batch []collector.Record) bool {
	select {
	case m.r.mail <- message{batch: batch}:
		return true
	case <-m.r.halt.Drain.Done():
		return false
	}
}

// Over reports whether the drain is over.
func (m mailbox) Over() bool { return m.r.halt.Drain.Over() }

// Observe lets the symbolizer snapshot the processes the batch announces.
func (m mailbox) Observe(batch []collector.Record) { m.r.syms.Observe(batch) }

// stopReader delivers what is still in the ring buffer, then stops the
// reader. Probes must already be detached. After a Ctrl-C this lasts until
// StopGrace has passed: the rest is counted as discarded.
func (r *Runtime) stopReader() {
	c := r.conn
	c.StopReading()
	for {
		select {
		case m := <-r.mail:
			if m.batch != nil {
				r.dispatch(m.batch)
			}
		case <-c.Done():
			for {
				select {
				case m := <-r.mail:
					if m.batch != nil {
						r.dispatch(m.batch)
					}
				default:
					return
				}
			}
		}
	}
}

// binding is what a probe id stands for.
type binding struct {
	id      uint32 // with generation: records of an older probe do not match
	probe   *Probe
	target  *attach.Target
	capture *capture.Program // compiled fields, nil without any
}

// bind makes id's records reach its probe.
func (r *Runtime) bind(b binding) {
	r.conn.Bind(b.id)
	r.bindings[collector.ProbeSlot(b.id)] = b
}

// lookup returns the binding of a record's probe id, false for an id
// whose slot has moved on to another probe.
func (r *Runtime) lookup(id uint32) (binding, bool) {
	b := r.bindings[collector.ProbeSlot(id)]
	return b, b.id == id && b.probe != nil
}

// probeNames names every attached target by its probe id.
func (r *Runtime) probeNames() map[uint32]string {
	names := map[uint32]string{}
	for _, p := range r.probes {
		for _, a := range p.targets {
			names[a.ID] = a.Target.Name
		}
	}
	return names
}

// probeName names probe id as e.probe does, for maps keyed by probe;
// "probe N" once its slot has moved on to another probe.
func (r *Runtime) probeName(id uint32) string {
	if b, ok := r.lookup(id); ok && b.target != nil {
		return b.target.Name
	}
	return fmt.Sprintf("probe %d", id)
}
