package collector

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// Stats are a probe's kernel-side counters, summed over CPUs.
type Stats struct {
	Hits     uint64 // events seen with an active spec
	Filtered uint64 // rejected by a tier-1 filter, at no ring-buffer cost
	Lost     uint64 // dropped because the ring buffer was full
	Nested   uint64 // dropped because the CPU's scratch slot was busy
}

// Add adds o's counters to s.
func (s *Stats) Add(o Stats) {
	s.Hits += o.Hits
	s.Filtered += o.Filtered
	s.Lost += o.Lost
	s.Nested += o.Nested
}

// Stats reads probe id's counters.
func (c *Collector) Stats(id uint32) (Stats, error) {
	var per []collectorLtStats
	if err := c.stats.Lookup(ProbeSlot(id), &per); err != nil {
		return Stats{}, fmt.Errorf("read counters of probe %d: %w", id, err)
	}
	var s Stats
	for _, p := range per {
		s.Add(Stats{Hits: p.Hits, Filtered: p.Filtered, Lost: p.Lost, Nested: p.Nested})
	}
	return s, nil
}

func (c *Collector) resetStats(slot uint32) error {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return err
	}
	zero := make([]collectorLtStats, cpus)
	if err := c.stats.Put(slot, zero); err != nil {
		return fmt.Errorf("reset counters of probe slot %d: %w", slot, err)
	}
	return nil
}
