package luaapi

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/luaapi/event"
	"github.com/luatrace/luatrace/luaapi/maps"
)

// A recording run (Options.Record) writes, besides running the script as
// usual: the script, each attached target's description (recording.Probe,
// before its first record), every record its probes produce, the symbol
// material its stacks need, and the loss counters at the end.
//
// Maps aggregate in the kernel and send nothing to user space; a replay
// must rebuild them from events. So when recording, every kernel probe
// sends its events to user space (spec.Emit, callback or not), and the
// key and value expressions of the maps it feeds are captured as hidden
// fields (event.HiddenPrefix...). That is the cost of recording a
// map-only script: one ring-buffer record per event instead of an
// in-kernel update only.

// recorder is a recording run's state (owner goroutine only).
type recorder struct {
	w         *recording.Writer
	failed    bool
	pids      map[uint32]bool                // user-stack processes whose mappings are written
	stacks    map[uint32]bool                // stacks stored by id whose frames are written
	mapped    map[uint32][]recording.Mapping // the mappings written last, by process (stamped user stacks)
	kernelSym bool                           // the kernel's symbol table is written
	drops     []recording.ProbeDrops         // of targets released so far
	groups    map[*Probe]int                 // probe() calls numbered as recorded
	dropsAt   time.Time                      // when the counters were last written
}

// dropsEvery is how often a recording writes the loss counters while
// events flow, so that a recording cut short still holds them.
const dropsEvery = time.Second

// withMapFields adds to a recorded probe's fields one hidden field per map
// key and value expression it does not capture already.
func withMapFields(fields map[string]string, into []*maps.Map) map[string]string {
	if len(into) == 0 {
		return fields
	}
	out := make(map[string]string, len(fields)+4)
	have := map[string]bool{}
	for name, e := range fields {
		out[name] = e
		have[e] = true
	}
	add := func(e string) {
		if e == "" || e == "probe" || have[e] {
			return
		}
		have[e] = true
		out[event.HiddenPrefix+strconv.Itoa(len(out))] = e
	}
	for _, m := range into {
		for _, k := range m.Keys() {
			add(k)
		}
		add(m.Value())
	}
	return out
}

// recordProbe writes the description of an attached target.
func (r *Runtime) recordProbe(p *Probe, a *attach.Attachment, prog *capture.Program, po parsedOptions) {
	rec := r.rec
	if rec == nil || rec.failed {
		return
	}
	t := &a.Target
	d := recording.Probe{ID: a.ID, Group: rec.group(p), Spec: p.Spec.Raw, Target: t.Name, Func: t.Func, Program: string(t.Program),
		Path: t.Path, Address: recording.Hex(t.Address), Args: t.Args, Filter: po.filter, USDTArgs: len(t.USDTArgs)}
	if t.Path != "" {
		id, _ := usym.ReadBuildID(t.Path)
		d.BuildID = string(id)
	}
	for _, prm := range t.Params {
		d.Params = append(d.Params, recording.Param{Name: prm.Name, Size: prm.Size, Signed: prm.Signed, Type: typeName(prm)})
	}
	if t.Format != nil {
		d.TracepointFormat = t.Format.Text()
	}
	if prog != nil {
		d.Fields, d.Fetches = prog.Record()
		if kernelByID, _ := prog.StacksByID(); prog.KernelStack || kernelByID {
			r.recordKernelSymbols()
		}
	}
	for _, m := range po.into {
		feed := recording.MapFeed{Kind: m.KindName(), Keys: m.Keys(), Value: m.Value(), Min: m.Linear().Min, Max: m.Linear().Max, Step: m.Linear().Step}
		for _, k := range m.Keys() {
			feed.KeyFields = append(feed.KeyFields, fieldWithExpr(d.Fields, k))
		}
		feed.ValueField = fieldWithExpr(d.Fields, m.Value())
		d.Maps = append(d.Maps, feed)
	}
	r.recordErr(rec.w.AddProbe(d))
}

func typeName(p attach.Param) string {
	if p.Type == nil {
		return ""
	}
	return p.Type.TypeName()
}

// fieldWithExpr names the field that captures e ("" when none does).
func fieldWithExpr(fields []recording.Field, e string) string {
	for _, f := range fields {
		if e != "" && f.Expr == e {
			return f.Name
		}
	}
	return ""
}

// recordProcess writes the mappings of a process whose user stack a
// record carries, the first time it shows up, and the stacks the record
// names by id: before the record's callback, which may take long enough
// (symbolizing) for a short-lived process to exit.
func (r *Runtime) recordProcess(rec collector.Record, b binding) {
	w := r.rec
	if w.failed || b.capture == nil {
		return
	}
	if (b.capture.UserStack || b.capture.UserSample > 0) && !w.pids[rec.PID()] {
		w.pids[rec.PID()] = true
		if m, ok := processMappings(rec.PID(), rec.Comm(), rec.Timestamp()); ok {
			r.recordErr(w.w.AddMappings(m))
		}
	}
	r.recordStacksByID(rec, b.capture)
	if b.capture.UserStack {
		for _, v := range b.capture.DecodeUserStacks(rec) {
			r.resolveUser(int(rec.PID()), v.Frames)
		}
	}
}

// resolveUser symbolizes a user stack's frames through the Store while
// the process's snapshot is there, so that the symbols they need are
// written before the record (recordUserSymbols), whether or not the
// callback looks at them: a replay may name them where the recorded
// binaries are gone.
func (r *Runtime) resolveUser(pid int, frames []uint64) {
	u := r.syms.User()
	for _, a := range frames {
		u.Resolve(pid, a)
	}
}

// recordEvent writes a record. It runs after the record's callback, so
// that what the callback asked the machine (recordAnswer) precedes the
// record and a replay has it at the callback.
func (r *Runtime) recordEvent(rec collector.Record) {
	w := r.rec
	if w.failed {
		return
	}
	r.recordUserSymbols()
	r.recordErr(w.w.WriteRecord(rec))
	if now := time.Now(); now.Sub(w.dropsAt) >= dropsEvery {
		w.dropsAt = now
		r.recordDrops()
	}
}

// recordAnswer writes what the machine answered the script (host.Host):
// before the record whose callback asked, which dispatch writes after
// the callback.
func (r *Runtime) recordAnswer(a recording.Answer) {
	if !r.rec.failed {
		r.recordErr(r.rec.w.AddAnswer(a))
	}
}

// recordStacksByID writes, before the record naming them, the frames of
// the stacks it names by id (parts a stamp saved) that are not written
// yet, and the mappings of the processes such user stacks were taken in.
func (r *Runtime) recordStacksByID(rec collector.Record, prog *capture.Program) {
	w := r.rec
	for _, v := range prog.DecodeStacksByID(rec) {
		if w.stacks[v.StackID] {
			continue
		}
		w.stacks[v.StackID] = true
		frames := r.syms.StackByID(v.StackID)
		if v.User && v.PID != 0 {
			r.recordStackMappings(uint32(v.PID), frames, rec.Timestamp())
		}
		if v.User {
			r.resolveUser(cmp.Or(v.PID, int(rec.PID())), frames)
		}
		st := recording.Stack{ID: v.StackID}
		for _, a := range frames {
			st.Frames = append(st.Frames, recording.Hex(a))
		}
		r.recordErr(w.w.AddStack(st))
	}
}

// recordStackMappings writes the mappings of process pid, whose user
// stack a stamp saved, unless those written already cover its frames: a
// stamp may have been taken before an exec (-c's command before it runs
// its program) or before a library was loaded, and later stacks need the
// mappings as they are now.
func (r *Runtime) recordStackMappings(pid uint32, frames []uint64, ts uint64) {
	w := r.rec
	if have, ok := w.mapped[pid]; ok && covers(have, frames) {
		return
	}
	w.pids[pid] = true
	if m, ok := processMappings(pid, "", ts); ok {
		w.mapped[pid] = m.Maps
		r.recordErr(w.w.AddMappings(m))
	}
}

// covers: every address is in one of the mappings.
func covers(maps []recording.Mapping, addrs []uint64) bool {
	for _, a := range addrs {
		if !slices.ContainsFunc(maps, func(m recording.Mapping) bool { return a >= uint64(m.Start) && a < uint64(m.End) }) {
			return false
		}
	}
	return true
}

// recordKernelSymbols writes the kernel's function symbols once, for
// kernel stacks.
func (r *Runtime) recordKernelSymbols() {
	if r.rec.kernelSym {
		return
	}
	r.rec.kernelSym = true
	t := r.syms.Kernel()
	if t == nil {
		return
	}
	st := recording.SymbolTable{Object: "[kernel]"}
	for _, s := range t.Symbols() {
		if s.Type != 'T' && s.Type != 't' {
			continue
		}
		name := s.Name
		if s.Module != "" {
			name += " [" + s.Module + "]"
		}
		st.Symbols = append(st.Symbols, recording.Symbol{Addr: recording.Hex(s.Addr), Name: name})
	}
	r.recordErr(r.rec.w.AddSymbols(st))
}

// recordUserSymbols writes the user symbols frames were resolved with
// since it last ran, each once, so that a replay names them without the
// traced binaries (usym.Store.TrackSymbols). Callbacks and END resolve
// frames, so it runs before the record or tick whose callback did, and
// with the final counters (after END).
func (r *Runtime) recordUserSymbols() {
	for _, o := range r.syms.User().Store().TakeSymbols() {
		st := recording.SymbolTable{Object: o.Path, BuildID: string(o.BuildID)}
		for _, sg := range o.Segments {
			st.Segments = append(st.Segments, recording.Segment{Offset: recording.Hex(sg.Offset), VAddr: recording.Hex(sg.VAddr), Size: sg.Size})
		}
		for _, sym := range o.Symbols {
			st.Symbols = append(st.Symbols, recording.Symbol{Addr: recording.Hex(sym.Value), Size: sym.Size, Name: sym.Name})
		}
		r.recordErr(r.rec.w.AddSymbols(st))
	}
}

// processMappings reads pid's executable mappings with the build-ids of
// their files.
func processMappings(pid uint32, comm string, ts uint64) (recording.Mappings, bool) {
	lines, err := usym.ReadExecMaps(int(pid))
	if err != nil {
		return recording.Mappings{}, false
	}
	m := recording.Mappings{Time: ts, PID: pid, Comm: comm}
	ids := map[string]string{}
	for _, l := range lines {
		if l.Path == "" {
			continue // anonymous code (a JIT): nothing to name it by
		}
		mp := recording.Mapping{Start: recording.Hex(l.Start), End: recording.Hex(l.End), Offset: recording.Hex(l.Offset), Perms: l.Perms, Dev: l.Dev, Inode: l.Inode, Path: l.Path}
		if strings.HasPrefix(mp.Path, "/") {
			id, ok := ids[mp.Path]
			if !ok {
				bid, _ := usym.ReadBuildID(fmt.Sprintf("/proc/%d/root%s", pid, mp.Path))
				id = string(bid)
				ids[mp.Path] = id
			}
			mp.BuildID = id
		}
		m.Maps = append(m.Maps, mp)
	}
	return m, true
}

// group numbers p's probe() call for its descriptions.
func (rec *recorder) group(p *Probe) int {
	if rec.groups[p] == 0 {
		rec.groups[p] = len(rec.groups) + 1
	}
	return rec.groups[p]
}

// recordInterval describes an interval probe, whose ticks the recording
// keeps among the records (recordTick).
func (r *Runtime) recordInterval(p *Probe) {
	if r.rec == nil || r.rec.failed {
		return
	}
	d := recording.Probe{Group: r.rec.group(p), Spec: p.Spec.Raw, Target: p.Spec.Raw, Program: recording.ProgramInterval}
	r.recordErr(r.rec.w.AddProbe(d))
}

// recordTick writes an interval probe's tick in its place among the
// records, so that a replay of the same script fires it there; after
// the tick's callback, like records (recordEvent).
func (r *Runtime) recordTick(p *Probe) {
	if r.rec == nil || r.rec.failed || r.play != nil {
		return
	}
	r.recordUserSymbols()
	r.recordErr(r.rec.w.WriteTick(recording.Tick{Time: recording.Now(), Group: r.rec.group(p)}))
}

// keepDrops notes a target's loss counters as it is released.
func (r *Runtime) keepDrops(id uint32, st collector.Stats, queueFull uint64) {
	if r.rec == nil {
		return
	}
	r.rec.drops = append(r.rec.drops, recording.ProbeDrops{ID: id, Hits: st.Hits, Filtered: st.Filtered, RingFull: st.Lost, Nested: st.Nested, QueueFull: queueFull})
}

// recordDrops writes the loss counters of every target so far: those
// released, and those attached now.
func (r *Runtime) recordDrops() {
	if r.rec == nil || r.rec.failed {
		return
	}
	r.recordUserSymbols()
	d := append([]recording.ProbeDrops(nil), r.rec.drops...)
	for i := range d {
		if r.conn != nil {
			d[i].Discarded = r.conn.Discards(d[i].ID)
		}
	}
	for _, p := range r.probes {
		if p.unlinked || r.conn == nil {
			continue
		}
		for _, a := range p.targets {
			st, _ := r.conn.Col.Stats(a.ID)
			d = append(d, recording.ProbeDrops{ID: a.ID, Hits: st.Hits, Filtered: st.Filtered, RingFull: st.Lost, Nested: st.Nested, QueueFull: r.conn.Drops(a.ID)})
		}
	}
	r.recordErr(r.rec.w.WriteDrops(recording.Drops{Time: recording.Now(), Probes: d}))
}

// recordErr reports the first write error; the trace goes on without
// recording.
func (r *Runtime) recordErr(err error) {
	if err == nil || r.rec.failed {
		return
	}
	r.rec.failed = true
	fmt.Fprintf(r.stderr, "luatrace: recording stopped: %v\n", err)
}
