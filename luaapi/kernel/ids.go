package kernel

import (
	"sync/atomic"

	"github.com/luatrace/luatrace/bpf/collector"
)

// slotBits is how many low bits of a probe id are its slot.
const slotBits = 13

// The id space must match the collector's slot arrays.
var _ [collector.MaxProbes - 1<<slotBits]struct{}

// idPool hands out probe ids: a free slot of the collector's arrays plus
// the slot's next generation. Detached probes return their slots, so
// attaching and detaching in a loop runs for ever in bounded memory; the
// generation tells a record still queued from a slot's previous probe
// apart from the new one's. Freed slots are reused oldest first.
type idPool struct {
	next uint32   // the lowest slot never handed out
	free []uint32 // freed slots, oldest first
	gen  [collector.MaxProbes]uint32
	live int
}

// MaxIDs is how many probe ids may be in use at once: the collector's
// slots but slot 0 and the last, kept out of the pool for feature probes
// (attach.fentrySupported loads with id MaxProbes-1).
const MaxIDs = collector.MaxProbes - 2

// maxSlot is the highest slot the pool hands out.
const maxSlot = MaxIDs

// get returns a fresh id, or false when every slot is in use.
func (p *idPool) get() (uint32, bool) {
	var slot uint32
	switch {
	case len(p.free) > 0:
		slot, p.free = p.free[0], p.free[1:]
	case int(p.next) < maxSlot:
		p.next++
		slot = p.next
	default:
		return 0, false
	}
	p.gen[slot]++
	p.live++
	return p.gen[slot]<<slotBits | slot, true
}

// put returns id's slot to the pool.
func (p *idPool) put(id uint32) {
	slot := collector.ProbeSlot(id)
	if p.gen[slot]<<slotBits|slot != id {
		return // returned already
	}
	p.gen[slot]++ // a second put of id is now ignored
	p.free = append(p.free, slot)
	p.live--
}

// slotState is the part of a slot the reader goroutine reads: which id
// owns it now, and that id's losses on the user side.
type slotState struct {
	id   atomic.Uint32
	lost [userLosses]atomic.Uint64
}

// Loss says why an event never reached its callback after it left the
// kernel.
type Loss int

const (
	QueueFull  Loss = iota // the queue to Lua had no room
	LeftAtStop             // still queued when a Ctrl-C's grace ran out
	userLosses
)

// NewID returns a fresh probe id, or false when every slot is in use.
func (c *Conn) NewID() (uint32, bool) { return c.ids.get() }

// FreeID returns id's slot for reuse; a second call does nothing.
func (c *Conn) FreeID(id uint32) { c.ids.put(id) }

// Live is how many ids are in use.
func (c *Conn) Live() int { return c.ids.live }

// Bind starts counting id's losses from zero: records of id are the
// slot's now.
func (c *Conn) Bind(id uint32) {
	slot := collector.ProbeSlot(id)
	for i := range c.slots[slot].lost {
		c.slots[slot].lost[i].Store(0)
	}
	c.slots[slot].id.Store(id)
}

// Count counts the records of batch as lost for why (reader goroutine,
// or the owner at a stop).
func (c *Conn) Count(batch []collector.Record, why Loss) {
	for _, rec := range batch {
		id := rec.ProbeID()
		s := &c.slots[collector.ProbeSlot(id)]
		if s.id.Load() == id {
			s.lost[why].Add(1)
		}
	}
}

// loss returns id's losses for why so far.
func (c *Conn) loss(id uint32, why Loss) uint64 {
	s := &c.slots[collector.ProbeSlot(id)]
	if s.id.Load() != id {
		return 0
	}
	return s.lost[why].Load()
}

// Drops returns id's events the queue had no room for.
func (c *Conn) Drops(id uint32) uint64 { return c.loss(id, QueueFull) }

// Discards returns id's events still queued when a Ctrl-C's grace ran out.
func (c *Conn) Discards(id uint32) uint64 { return c.loss(id, LeftAtStop) }
