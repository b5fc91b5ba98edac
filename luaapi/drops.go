package luaapi

import (
	"fmt"
	"maps"
	"slices"

	"github.com/luatrace/luatrace/bpf/collector"
)

// reportDrops prints, per probe, every event that did not reach its
// callback: ring buffer full, nested on a busy CPU, or queue overflow.
func (k *kernel) reportDrops(r *Runtime) {
	for _, p := range r.probes {
		reportLoss(r, p.Spec.Raw, r.stats(p), r.queueDrops(p))
	}
	specs := slices.Sorted(maps.Keys(r.detachedLosses))
	for _, spec := range specs {
		t := r.detachedLosses[spec]
		reportLoss(r, spec, t.stats, t.queue)
	}
}

func reportLoss(r *Runtime, spec string, s collector.Stats, q uint64) {
	if s.Lost+s.Nested+q == 0 {
		return
	}
	fmt.Fprintf(r.stderr, "luatrace: %s lost %d of %d events (%d ring buffer full, %d nested on a busy CPU, %d queue full)\n",
		spec, s.Lost+s.Nested+q, s.Hits-s.Filtered, s.Lost, s.Nested, q)
}
