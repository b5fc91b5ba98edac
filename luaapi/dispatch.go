package luaapi

import (
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/event"
	"github.com/luatrace/luatrace/luaapi/kernel"
)

// dispatch runs the callbacks of a batch of records. Once StopGrace has
// passed after a Ctrl-C the rest of the batch is counted as discarded
// instead.
func (r *Runtime) dispatch(batch []collector.Record) {
	defer r.conn.Taken(batch)
	arena := event.NewArena(r.L, len(batch), &r.names)
	for i, rec := range batch {
		if r.exited {
			return
		}
		if r.halt.Drain.Over() {
			r.conn.Count(batch[i:], kernel.LeftAtStop)
			return
		}
		if rec.Check() != nil {
			continue
		}
		b, ok := r.lookup(rec.ProbeID())
		if !ok {
			continue // a detached probe whose slot serves another now
		}
		if r.rec != nil {
			r.recordEvent(rec, b)
		}
		p := b.probe
		if p.detached || p.fn == nil {
			continue
		}
		r.call(p.fn, p.Spec.Raw, arena.New(rec, b.target, b.capture, r.syms, p.optional), p.fatal)
	}
}
