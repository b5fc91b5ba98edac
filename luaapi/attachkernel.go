package luaapi

import (
	"errors"
	"fmt"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/halt"
	"github.com/luatrace/luatrace/luaapi/kernel"
)

// DefaultMaxProbes is how many probes a run may have attached at once
// unless Options.MaxProbes (LUATRACE_MAX_PROBES, --max-probes) says
// otherwise: room for tracepoint:syscalls:* and uprobe:libc:* together
// (720 and 2,600 here), not for a glob over a 60,000-function library by
// accident.
const DefaultMaxProbes = 4096

// MaxProbesLimit is the most any setting allows: the collector's probe
// slots.
const MaxProbesLimit = kernel.MaxIDs

// MaxProbesEnv names the environment variable that sets the limit.
const MaxProbesEnv = "LUATRACE_MAX_PROBES"

// maxProbes is the limit in force.
func (r *Runtime) maxProbes() int {
	if n := r.opts.MaxProbes; n > 0 {
		return min(n, MaxProbesLimit)
	}
	return DefaultMaxProbes
}

// checkLimit refuses a probe that needs n more probe ids (targets, and
// the entry halves of paired return probes) when that would take the run
// past the limit, before anything is attached.
func (r *Runtime) checkLimit(k *kernel.Conn, p *Probe, n int) error {
	limit := r.maxProbes()
	live := k.Live()
	if live+n <= limit {
		return nil
	}
	already := ""
	if live > 0 {
		already = fmt.Sprintf(" (%d with the %d attached already)", live+n, live)
	}
	if live+n > MaxProbesLimit {
		return &diag.Error{
			Msg:  fmt.Sprintf("probe %q needs %d probes%s, more than the %d luatrace can attach at once", p.Spec.Raw, n, already, MaxProbesLimit),
			Hint: "narrow the pattern",
			Kind: diag.ErrScript,
		}
	}
	return &diag.Error{
		Msg:  fmt.Sprintf("probe %q needs %d probes%s, over the limit of %d (%s)", p.Spec.Raw, n, already, limit, MaxProbesEnv),
		Hint: fmt.Sprintf("narrow the pattern, or raise the limit with --max-probes %d", live+n),
		Kind: diag.ErrScript,
	}
}

// attachKernel resolves and attaches every target of p; on any failure the
// ones already attached are released, so nothing stays behind. Targets of
// a glob that cannot take a probe are skipped with one warning.
func (r *Runtime) attachKernel(p *Probe, po parsedOptions) error {
	if r.play != nil {
		return r.bindRecorded(p, po)
	}
	k, err := r.kernelSide()
	if err != nil {
		return err
	}
	targets, skipped, err := k.Env.Resolve(p.Spec)
	if err != nil {
		return err
	}
	if err := r.checkLimit(k, p, len(targets)); err != nil {
		return err
	}
	spec := po.spec
	spec.Emit = p.fn != nil || r.rec != nil
	if r.rec != nil {
		po.fields = withMapFields(po.fields, po.into)
	}
	if r.opts.PID != 0 && spec.PID == 0 {
		spec.PID, spec.Follow = uint32(r.opts.PID), r.opts.Follow
	}
	var entries, returns []attach.Request
	captures := map[uint32]*capture.Program{}
	release := func() {
		for _, q := range append(entries, returns...) {
			k.FreeID(q.ID)
		}
	}
	for i, t := range targets {
		if r.Stopping() {
			release()
			return fmt.Errorf("probe %q: %w", p.Spec.Raw, halt.ErrInterrupted)
		}
		tspec := spec
		if po.task != "" {
			if tspec.Task, err = taskField(&t, po.task); err != nil {
				release()
				return fmt.Errorf("probe %q at %s: %w", p.Spec.Raw, t.Name, err)
			}
		}
		var prog *capture.Program
		if len(po.fields) > 0 || po.filter != "" || len(po.into) > 0 || po.stamp != "" || len(t.USDTArgs) > 0 {
			if prog, err = compileCapture(k, &t, &po, &r.stamps, &tspec); err != nil {
				release()
				if p.Spec.Wildcard() {
					// Say which of the matches the expressions do not fit.
					return fmt.Errorf("probe %q at %s: %w", p.Spec.Raw, t.Name, err)
				}
				return fmt.Errorf("probe %q: %w", p.Spec.Raw, err)
			}
			if tspec.KernelStack {
				r.syms.PreloadKernel()
			}
			if tspec.NotesProcesses() {
				r.syms.WantUserStacks(tspec.UserSample > 0)
				if tspec.UserSample > 0 {
					k.HoldUnwindSamples()
				}
			}
			if r.opts.Verbose {
				for _, line := range describeCapture(prog) {
					fmt.Fprintf(r.stderr, "luatrace: %s: %s\n", t.Name, line)
				}
			}
		}
		if po.entry && t.Spec.Kind.Info().Entry != 0 {
			tspec.Paired = true
		}
		if tspec.Paired && len(entries) == 0 {
			// Return probes bring an entry half each.
			if err := r.checkLimit(k, p, 2*(len(targets)-i)); err != nil {
				release()
				return err
			}
		}
		id, _ := k.NewID()
		returns = append(returns, attach.Request{Target: t, ID: id, Spec: tspec})
		captures[id] = prog
		if tspec.Paired {
			entryID, _ := k.NewID()
			entries = append(entries, entryRequest(t, entryID, id, tspec))
		}
	}

	r.progress.begin()
	entryAtts, entrySkipped, err := k.Env.AttachAll(entries)
	if err == nil {
		var atts []*attach.Attachment
		atts, skipped2, err2 := k.Env.AttachAll(withEntries(returns, entries, entryAtts))
		err = err2
		p.targets = atts
		skipped = append(append(skipped, entrySkipped...), skipped2...)
	}
	r.progress.end()
	if err != nil {
		attach.CloseAll(entryAtts)
		release()
		r.verifierLog(err)
		return r.attachError(p, err)
	}
	// Keep only the entry halves whose return probe attached.
	attachedRet := map[uint32]bool{}
	for _, a := range p.targets {
		attachedRet[a.ID] = true
		r.bind(binding{id: a.ID, probe: p, target: &a.Target, capture: captures[a.ID]})
		r.recordProbe(p, a, captures[a.ID], po)
	}
	retOf := pairs(entries)
	for _, a := range entryAtts {
		if attachedRet[retOf[a.ID]] {
			p.entries = append(p.entries, a)
		} else {
			a.Close()
		}
	}
	r.releaseUnattached(k, append(entries, returns...), append(p.entries, p.targets...))
	if r.started {
		r.publishMaps()
	}
	r.reportSkipped(p, len(p.targets), skipped)
	return nil
}

// attachError words an interrupted attach for the script.
func (r *Runtime) attachError(p *Probe, err error) error {
	if errors.Is(err, attach.ErrInterrupted) {
		// Worded as Lua's own interruptions: the runtime reports where.
		return fmt.Errorf("probe %q: %w", p.Spec.Raw, halt.ErrInterrupted)
	}
	return err
}

// entryRequest is the entry half of a paired return probe: a kprobe or
// uprobe on the same function that saves the arguments and time for the
// return probe retID. Same identity filters, no events of its own.
func entryRequest(t attach.Target, id, retID uint32, ret collector.Spec) attach.Request {
	entry := t
	entry.Spec.Kind = t.Spec.Kind.Info().Entry
	entry.Program = entry.Spec.Kind.Info().Program
	entry.Name = "entry of " + t.Name
	spec := collector.Spec{PID: ret.PID, Follow: ret.Follow, Comm: ret.Comm, CommNot: ret.CommNot, SaveEntry: true, PairID: retID}
	return attach.Request{Target: entry, ID: id, Spec: spec}
}

// pairs maps entry-half ids to the return probes they feed.
func pairs(entries []attach.Request) map[uint32]uint32 {
	m := make(map[uint32]uint32, len(entries))
	for _, q := range entries {
		m[q.ID] = q.Spec.PairID
	}
	return m
}

// withEntries drops the return probes whose entry half was skipped: they
// would never see an entry to pair with.
func withEntries(returns, entries []attach.Request, attached []*attach.Attachment) []attach.Request {
	if len(entries) == 0 {
		return returns
	}
	retOf := pairs(entries)
	have := map[uint32]bool{}
	for _, a := range attached {
		have[retOf[a.ID]] = true
	}
	var out []attach.Request
	for _, q := range returns {
		if !q.Spec.Paired || have[q.ID] {
			out = append(out, q)
		}
	}
	return out
}

// releaseUnattached returns the ids of requests that were skipped.
func (r *Runtime) releaseUnattached(k *kernel.Conn, reqs []attach.Request, atts []*attach.Attachment) {
	used := map[uint32]bool{}
	for _, a := range atts {
		used[a.ID] = true
	}
	for _, q := range reqs {
		if !used[q.ID] {
			k.FreeID(q.ID)
		}
	}
}

// reportSkipped warns once about the targets of a glob that were left
// out, counted by reason; -v lists each.
func (r *Runtime) reportSkipped(p *Probe, attached int, skipped []attach.Skipped) {
	if len(skipped) == 0 {
		return
	}
	hint := "; -v lists them"
	if r.opts.Verbose {
		hint = ""
		for _, s := range skipped {
			fmt.Fprintf(r.stderr, "luatrace: %s: skipped %s: %s\n", p.Spec.Raw, s.Name, s.Detail)
		}
	}
	fmt.Fprintf(r.stderr, "luatrace: warning: %s: attached %d of %d targets; skipped %d: %s%s\n",
		p.Spec.Raw, attached, attached+len(skipped), len(skipped), attach.SummarizeSkipped(skipped), hint)
}

// unlink releases p's kernel attachments and timer, keeping its final
// counters for the drop report.
func (r *Runtime) unlink(p *Probe) { r.unlinkAll([]*Probe{p}) }

// unlinkAll releases the kernel side of several probes at once: their
// attachments close concurrently, so the kernel's grace periods overlap.
func (r *Runtime) unlinkAll(probes []*Probe) {
	var atts []*attach.Attachment
	var todo []*Probe
	for _, p := range probes {
		if p.unlinked {
			continue
		}
		p.unlinked = true
		if p.ticker != nil {
			p.ticker.Stop()
			close(p.tickStop)
		}
		if p.replayTimer != nil {
			r.play.clock.Stop(p.replayTimer)
		}
		todo = append(todo, p)
		atts = append(append(atts, p.entries...), p.targets...)
	}
	attach.CloseAll(atts)
	k := r.conn
	if k == nil {
		return
	}
	for _, p := range todo {
		for _, a := range p.entries {
			k.Col.Deactivate(a.ID)
			k.FreeID(a.ID)
		}
		for _, a := range p.targets {
			st, err := k.Col.Stats(a.ID)
			if err == nil {
				p.final.Add(st)
			}
			p.finalDrops += k.Drops(a.ID)
			r.keepDrops(a.ID, st, k.Drops(a.ID))
			k.Col.Deactivate(a.ID)
			k.FreeID(a.ID)
		}
	}
}

// stats returns kernel counters, live while attached and final afterwards.
func (r *Runtime) stats(p *Probe) collector.Stats {
	s := p.final
	if r.conn == nil || p.unlinked {
		return s
	}
	for _, a := range p.targets {
		if st, err := r.conn.Col.Stats(a.ID); err == nil {
			s.Add(st)
		}
	}
	return s
}
