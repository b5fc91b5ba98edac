package luaapi

import (
	"fmt"
)

// reportDrops prints, per probe, every event that did not reach its
// callback: ring buffer full, nested on a busy CPU, or queue overflow.
func (k *kernel) reportDrops(r *Runtime) {
	for _, p := range r.probes {
		s := r.stats(p)
		q := r.queueDrops(p)
		if s.Lost+s.Nested+q == 0 {
			continue
		}
		fmt.Fprintf(r.stderr, "luatrace: %s lost %d of %d events (%d ring buffer full, %d nested on a busy CPU, %d queue full)\n",
			p.Spec.Raw, s.Lost+s.Nested+q, s.Hits-s.Filtered, s.Lost, s.Nested, q)
	}
}
