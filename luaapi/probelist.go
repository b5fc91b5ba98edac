package luaapi

import (
	"slices"

	"github.com/luatrace/luatrace/bpf/collector"
)

// addProbe records a probe the script made. Its number (the REPL's
// :probes and :detach N) never changes, even as others detach.
func (r *Runtime) addProbe(p *Probe) {
	r.probeSeq++
	p.seq = r.probeSeq
	r.probes = append(r.probes, p)
}

// probeNumbered finds a live probe by its number.
func (r *Runtime) probeNumbered(n int) *Probe {
	for _, p := range r.probes {
		if p.seq == n && !p.detached {
			return p
		}
	}
	return nil
}

// lossTotal is what detached probes of one spec lost, for the exit
// report.
type lossTotal struct {
	stats collector.Stats
	queue uint64
}

// forget drops a detached probe from the list, so that attaching and
// detaching in a loop runs in bounded memory. What it lost, if anything,
// is kept under its spec for the exit report.
func (r *Runtime) forget(p *Probe) {
	if s, q := r.stats(p), r.queueDrops(p); s.Lost+s.Nested+q > 0 {
		if r.detachedLosses == nil {
			r.detachedLosses = map[string]*lossTotal{}
		}
		t := r.detachedLosses[p.Spec.Raw]
		if t == nil {
			t = &lossTotal{}
			r.detachedLosses[p.Spec.Raw] = t
		}
		t.stats.Add(s)
		t.queue += q
	}
	r.probes = slices.DeleteFunc(r.probes, func(q *Probe) bool { return q == p })
}
