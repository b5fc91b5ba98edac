package luaapi

import (
	"fmt"
	"sync/atomic"

	"github.com/luatrace/luatrace/bpf/collector"
)

// reportDrops prints, per probe, every event that did not reach its
// callback: ring buffer full, nested on a busy CPU, queue overflow, or
// still queued when Ctrl-C ended the trace.
func (k *kernel) reportDrops(r *Runtime) {
	for _, p := range r.probes {
		s := r.stats(p)
		q, d := k.sum(p, &k.dropped), k.sum(p, &k.discarded)
		if s.Lost+s.Nested+q+d == 0 {
			continue
		}
		stop := ""
		if d > 0 {
			stop = fmt.Sprintf(", %d left queued at the stop", d)
		}
		fmt.Fprintf(r.stderr, "luatrace: %s lost %d of %d events (%d ring buffer full, %d nested on a busy CPU, %d queue full%s)\n",
			p.Spec.Raw, s.Lost+s.Nested+q+d, s.Hits-s.Filtered, s.Lost, s.Nested, q, stop)
	}
}

// sum adds up one per-probe counter over p's attachments.
func (k *kernel) sum(p *Probe, counters *[collector.MaxProbes]atomic.Uint64) uint64 {
	var n uint64
	for _, a := range p.targets {
		n += counters[a.ID].Load()
	}
	return n
}
