package luaapi

import (
	"time"
)

// startTicker arms an interval probe's timer. Ticks wait in the mailbox
// until the event loop starts, so BEGIN always runs before the first tick.
func (r *Runtime) startTicker(p *Probe) {
	p.tickStop = make(chan struct{})
	p.ticker = time.NewTicker(p.Spec.Period)
	go func(t *time.Ticker, stop chan struct{}) {
		for {
			select {
			case <-t.C:
				select {
				case r.mail <- message{tick: p}:
				default:
					r.ticks.Add(1)
				}
			case <-stop:
				return
			}
		}
	}(p.ticker, p.tickStop)
}

// fireTick runs an interval probe's callback; ticks of detached probes
// still in the mailbox are ignored.
func (r *Runtime) fireTick(p *Probe) {
	if p.detached || p.unlinked {
		return
	}
	r.call(p.fn, p.Spec.Raw, nil, p.fatal)
	r.recordTick(p)
}
