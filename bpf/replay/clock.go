// Package replay runs a recording back: records in recorded order with
// their recorded timestamps, and a clock that moves with them, so that
// interval timers fire at the recorded moments they fall between rather
// than on the wall clock of the machine replaying.
package replay

import (
	"container/heap"
	"time"
)

// Clock is a replay's time, in CLOCK_MONOTONIC nanoseconds as records
// carry it. It moves only when Advance is told a record's timestamp, and
// fires the timers due up to it first. It is not safe for concurrent use:
// the goroutine that feeds records owns it.
type Clock struct {
	now     uint64
	timers  timerHeap
	seq     uint64
	stopped bool
}

// Timer is a timer of a Clock.
type Timer struct {
	fn     func(at uint64)
	due    uint64
	period uint64 // 0: fires once
	seq    uint64 // creation order breaks ties
	index  int    // in the heap; -1 when not scheduled
}

// NewClock starts a clock at start, the recording's start
// (recording.Header.StartMonotonic): timers count from there, as the
// recorded run's timers counted from its start.
func NewClock(start uint64) *Clock { return &Clock{now: start} }

// Now is the clock's time: the latest timestamp it was advanced to, or
// the tick being fired.
func (c *Clock) Now() uint64 { return c.now }

// Every calls fn every period, first at Now + period. Ticks land at exact
// multiples of period from the start (no drift), and none is skipped: a
// quiet stretch of the recording fires each tick that falls in it.
func (c *Clock) Every(period time.Duration, fn func(at uint64)) *Timer {
	return c.add(uint64(max(period, 1)), uint64(max(period, 1)), fn)
}

// After calls fn once, at Now + d.
func (c *Clock) After(d time.Duration, fn func(at uint64)) *Timer {
	return c.add(uint64(max(d, 0)), 0, fn)
}

func (c *Clock) add(delay, period uint64, fn func(at uint64)) *Timer {
	t := &Timer{fn: fn, due: c.now + delay, period: period, seq: c.seq}
	c.seq++
	heap.Push(&c.timers, t)
	return t
}

// Stop cancels t; a stopped timer does not fire again.
func (c *Clock) Stop(t *Timer) {
	if t.index >= 0 && t.index < len(c.timers) && c.timers[t.index] == t {
		heap.Remove(&c.timers, t.index)
	}
}

// Halt stops the clock: Advance returns at once and no timer fires again
// (the script called exit).
func (c *Clock) Halt() { c.stopped = true }

// Advance moves the clock to ts, first firing, in time order (ties in
// creation order), every tick due at or before ts; a tick due at the
// same nanosecond as a record fires before it. A timestamp before Now
// (records of different CPUs arrive slightly out of order) fires nothing
// and leaves the clock where it is: recorded time never runs backwards.
// Callbacks may add and stop timers, and Halt.
func (c *Clock) Advance(ts uint64) {
	for !c.stopped && len(c.timers) > 0 && c.timers[0].due <= ts {
		t := c.timers[0]
		c.now = max(c.now, t.due)
		if t.period > 0 {
			t.due += t.period
			heap.Fix(&c.timers, 0)
		} else {
			heap.Pop(&c.timers)
		}
		t.fn(c.now)
	}
	if !c.stopped && ts > c.now {
		c.now = ts
	}
}

// timerHeap orders timers by due time, then creation.
type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
