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
	r.reportStamps()
	if n, err := c.Env.Skipped(); err != nil {
		fmt.Fprintf(r.stderr, "luatrace: %v\n", err)
	} else if n > 0 {
		fmt.Fprintf(r.stderr, "luatrace: the kernel skipped %d probe hits: they came while another BPF program ran on the same CPU (an interrupt during it), and the kernel runs one at a time\n", n)
	}
	if r.opts.PID != 0 && r.opts.Follow {
		if n, err := c.Col.Untraced(); err == nil && n > 0 {
			fmt.Fprintf(r.stderr, "luatrace: %d processes started under process %d were not traced: at most %d are followed at once\n", n, r.opts.PID, collector.MaxTraced)
		}
	}
}

// reportStamps prints, per stamp table, how many stamps were dropped
// unread: when all collector.MaxStamps are taken, the stamp untouched
// longest makes room for a new one.
func (r *Runtime) reportStamps() {
	if len(r.stamps) == 0 {
		return
	}
	counts, err := r.conn.Col.StampCounts()
	if err != nil {
		fmt.Fprintf(r.stderr, "luatrace: %v\n", err)
		return
	}
	for _, name := range slices.Sorted(maps.Keys(r.stamps)) {
		if n := counts[r.stamps[name].ID]; n.Dropped() > 0 {
			fmt.Fprintf(r.stderr, "luatrace: stamp table %s: %d of %d stamps were dropped unread to make room for newer ones: the collector holds %d at once\n",
				name, n.Dropped(), n.Stored, collector.MaxStamps)
		}
	}
}

// reportLoss prints one probe's losses, if any: q events found the queue
// full, d were still queued when Ctrl-C's grace ran out.
func reportLoss(r *Runtime, spec string, s collector.Stats, q, d uint64) {
	if s.Unstamped > 0 {
		fmt.Fprintf(r.stderr, "luatrace: %s did not store %d stamps: a stack to save was not stored, or the kernel refused the update\n", spec, s.Unstamped)
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
