package kernel

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/collector"
)

// QueueLimit is how many events may wait between the ring-buffer reader and
// the Lua callbacks, and QueueBytes how many bytes they may hold; past
// either, events are dropped and counted per probe. Together they bound
// the memory a flood can take, whatever the size of its records.
const (
	QueueLimit = 1 << 16
	QueueBytes = 16 << 20
)

// QueueBytesUnwinding is QueueBytes once a probe captures stacks to unwind
// (ustack(dwarf)): each event carries a copy of the stack (8 KiB by
// default), and the first stacks of a process wait for its unwind tables,
// parsed when it was announced. 64 MiB holds about 7900 samples of 8 KiB,
// 40 s of 99 Hz profiling on 2 CPUs, 1.2 s on 64.
const QueueBytesUnwinding = 64 << 20

// HoldUnwindSamples raises the queue's byte bound to QueueBytesUnwinding.
func (c *Conn) HoldUnwindSamples() { c.maxQueueBytes.Store(QueueBytesUnwinding) }

// Outlet is the owner goroutine's side of the reader: where batches go,
// and the stop after which nothing is delivered.
type Outlet interface {
	// Offer passes a batch on if there is room now.
	Offer(batch []collector.Record) bool
	// Deliver passes a batch on, waiting until it is taken; false if a
	// Ctrl-C's grace ran out first.
	Deliver(batch []collector.Record) bool
	// Over reports whether a Ctrl-C's grace has run out.
	Over() bool
	// Observe sees every batch first, on the reader goroutine, before it
	// is queued or dropped (the symbolizer snapshots new processes).
	Observe(batch []collector.Record)
}

// read runs on its own goroutine: it never touches Lua, only forwards
// batches, dropping (and counting) what would exceed QueueLimit events or
// QueueBytes (QueueBytesUnwinding). Once a Ctrl-C's grace is over it forwards nothing more: what
// is still in the ring buffer is counted as left at the stop.
func (c *Conn) read(out Outlet) {
	defer close(c.done)
	err := c.reader.Run(func(batch []collector.Record) bool {
		if len(batch) >= c.reader.MaxBatch {
			floodGC()
		}
		out.Observe(batch)
		n, size := int64(len(batch)), batchBytes(batch)
		switch {
		case c.closing.Load():
			return false // after END: nobody will look
		case out.Over():
			c.Count(batch, LeftAtStop)
			return false
		case c.draining.Load():
			// Final drain: the owner goroutine is receiving until this
			// goroutine ends, so wait for it, unless a Ctrl-C's grace
			// runs out.
			c.queue(n, size)
			if out.Deliver(batch) {
				return true
			}
			c.queue(-n, -size)
			c.Count(batch, LeftAtStop)
			return false
		}
		if c.queued.Load()+n <= QueueLimit && c.queuedBytes.Load()+size <= c.maxQueueBytes.Load() {
			c.queue(n, size)
			if out.Offer(batch) {
				return true
			}
			c.queue(-n, -size)
		}
		c.Count(batch, QueueFull)
		return false
	})
	if err != nil {
		fmt.Fprintf(c.errs, "luatrace: %v\n", err)
	}
}

// queue accounts for n events of size bytes entering (or, negative,
// leaving) the queue.
func (c *Conn) queue(n, size int64) {
	c.queued.Add(n)
	c.queuedBytes.Add(size)
}

// Taken accounts for a batch the owner goroutine has handled: it no
// longer counts against QueueLimit and QueueBytes.
func (c *Conn) Taken(batch []collector.Record) {
	c.queue(-int64(len(batch)), -batchBytes(batch))
}

func batchBytes(batch []collector.Record) int64 {
	var n int64
	for _, rec := range batch {
		n += int64(len(rec))
	}
	return n
}

// StopReading makes the reader deliver what is still in the ring buffer
// (Outlet.Deliver), then stop; Done is closed when it has. Probes must
// already be detached.
func (c *Conn) StopReading() {
	c.stopOnce.Do(func() {
		c.draining.Store(true)
		c.stopReader()
	})
}

// Done is closed when the reader goroutine has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }
