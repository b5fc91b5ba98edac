package kernel

import (
	"testing"

	"github.com/luatrace/luatrace/bpf/collector"
)

// TestIDPoolReusesSlots: attaching and detaching for ever stays within the
// collector's slots, and a reused slot gets an id no earlier probe had.
func TestIDPoolReusesSlots(t *testing.T) {
	var p idPool
	seen := map[uint32]bool{}
	for range 3 * collector.MaxProbes {
		id, ok := p.get()
		if !ok {
			t.Fatal("pool ran dry with one id in use")
		}
		if seen[id] || collector.ProbeSlot(id) == 0 || int(collector.ProbeSlot(id)) > maxSlot {
			t.Fatalf("id %#x: reused or out of the slots", id)
		}
		seen[id] = true
		p.put(id)
		p.put(id) // a second put is ignored
	}
	if p.live != 0 || len(p.free) != 1 {
		t.Errorf("live %d, free %d after balanced get/put", p.live, len(p.free))
	}
}

// TestIDPoolFull: every slot in use, the pool says so instead of handing
// out a slot twice.
func TestIDPoolFull(t *testing.T) {
	var p idPool
	slots := map[uint32]bool{}
	for range maxSlot {
		id, ok := p.get()
		if !ok || slots[collector.ProbeSlot(id)] {
			t.Fatalf("get %#x %v", id, ok)
		}
		slots[collector.ProbeSlot(id)] = true
	}
	if _, ok := p.get(); ok {
		t.Error("a slot was handed out twice")
	}
}
