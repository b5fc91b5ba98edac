package luaapi

import (
	"sync/atomic"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
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

// maxSlot is kept out of the pool for feature probes
// (attach.fentrySupported loads with id MaxProbes-1).
const maxSlot = collector.MaxProbes - 2

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

// binding is what a probe id stands for.
type binding struct {
	id      uint32 // with generation: records of an older probe do not match
	probe   *Probe
	target  *attach.Target
	capture *capture.Program // compiled fields, nil without any
}

// slotState is the part of a slot the reader goroutine reads: which id
// owns it now, and that id's losses on the user side.
type slotState struct {
	id   atomic.Uint32
	lost [userLosses]atomic.Uint64
}

// userLoss says why an event never reached its callback after it left
// the kernel.
type userLoss int

const (
	queueFull  userLoss = iota // the queue to Lua had no room
	leftAtStop                 // still queued when a Ctrl-C's grace ran out
	userLosses
)

// bind makes id's records reach its probe.
func (k *bpfConn) bind(b binding) {
	slot := collector.ProbeSlot(b.id)
	k.byID[slot] = b
	for i := range k.slots[slot].lost {
		k.slots[slot].lost[i].Store(0)
	}
	k.slots[slot].id.Store(b.id)
}

// lookup returns the binding of a record's probe id, false for an id
// whose slot has moved on to another probe.
func (k *bpfConn) lookup(id uint32) (binding, bool) {
	b := k.byID[collector.ProbeSlot(id)]
	return b, b.id == id && b.probe != nil
}

// count counts the records of batch as lost for why (reader goroutine,
// or the owner at a stop).
func (k *bpfConn) count(batch []collector.Record, why userLoss) {
	for _, rec := range batch {
		id := rec.ProbeID()
		s := &k.slots[collector.ProbeSlot(id)]
		if s.id.Load() == id {
			s.lost[why].Add(1)
		}
	}
}

// loss returns id's losses for why so far.
func (k *bpfConn) loss(id uint32, why userLoss) uint64 {
	s := &k.slots[collector.ProbeSlot(id)]
	if s.id.Load() != id {
		return 0
	}
	return s.lost[why].Load()
}

// drops returns id's events the queue had no room for.
func (k *bpfConn) drops(id uint32) uint64 { return k.loss(id, queueFull) }

// discards returns id's events still queued when a Ctrl-C's grace ran out.
func (k *bpfConn) discards(id uint32) uint64 { return k.loss(id, leftAtStop) }
