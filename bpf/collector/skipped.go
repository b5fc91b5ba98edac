package collector

import (
	"fmt"
	"maps"
	"slices"
)

// Skipped is how many times the kernel did not run the collector's
// programs at all because a BPF program was already running on that CPU:
// kprobe, tracepoint and perf-event programs run one at a time per CPU,
// anyone's, so a probe that fires in an interrupt or softirq (a TCP
// retransmit timer, say) while another program runs is skipped (the
// program's recursion_misses, Linux 5.12+; 0 before). No probe saw those
// hits, so they count per collector, not per probe. Only the programs it
// still holds are counted: the owners of Dedicated ones count theirs
// (attach.Env.Skipped).
func (c *Collector) Skipped() (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, p := range append(slices.Collect(maps.Values(c.shared)), c.owned...) {
		s, err := p.Stats()
		if err != nil {
			return n, fmt.Errorf("read the skipped runs of a collector program: %w", err)
		}
		n += s.RecursionMisses
	}
	return n, nil
}
