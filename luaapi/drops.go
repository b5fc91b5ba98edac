package luaapi

import (
	"fmt"
	"maps"
	"slices"

	"github.com/luatrace/luatrace/bpf/collector"
)

// reportDrops prints, per probe, every event that did not reach its
// callback: ring buffer full, nested on a busy CPU, queue overflow, or
// still queued when Ctrl-C ended the trace.
func (r *Runtime) reportDrops() {
	c := r.conn
	for _, p := range r.probes {
		reportLoss(r, p.Spec.Raw, r.stats(p), sum(p, c.Drops), sum(p, c.Discards))
	}
	specs := slices.Sorted(maps.Keys(r.detachedLosses))
	for _, spec := range specs {
		t := r.detachedLosses[spec]
		reportLoss(r, spec, t.stats, t.queue, 0)
	}
	if r.opts.PID != 0 && r.opts.Follow {
		if n, err := c.Col.Untraced(); err == nil && n > 0 {
			fmt.Fprintf(r.stderr, "luatrace: %d processes started under process %d were not traced: at most %d are followed at once\n", n, r.opts.PID, collector.MaxTraced)
		}
	}
}

// reportLoss prints one probe's losses, if any: q events found the queue
// full, d were still queued when Ctrl-C's grace ran out.
func reportLoss(r *Runtime, spec string, s collector.Stats, q, d uint64) {
	if s.Unstamped > 0 {
		fmt.Fprintf(r.stderr, "luatrace: %s did not store %d stamps: the collector holds %d at once\n", spec, s.Unstamped, collector.MaxStamps)
	}
	if s.Lost+s.Nested+q+d == 0 {
		return
	}
	stop := ""
	if d > 0 {
		stop = fmt.Sprintf(", %d left queued at the stop", d)
	}
	fmt.Fprintf(r.stderr, "luatrace: %s lost %d of %d events (%d ring buffer full, %d nested on a busy CPU, %d queue full%s)\n",
		spec, s.Lost+s.Nested+q+d, s.Hits-s.Filtered, s.Lost, s.Nested, q, stop)
}

// sum adds up one per-id counter over p's attachments.
func sum(p *Probe, counter func(id uint32) uint64) uint64 {
	var n uint64
	for _, a := range p.targets {
		n += counter(a.ID)
	}
	return n
}
