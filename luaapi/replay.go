package luaapi

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/ksym"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/bpf/replay"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/usdt"
	"github.com/luatrace/luatrace/bpf/usym"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/event"
	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/maps"
)

// A replay runs a script over a recording instead of the kernel, without
// privileges: probe() binds to the recorded probes its spec names (the
// same spec, or a concrete target of a recorded wildcard), fields are the
// recorded captures of the same expressions, maps fed in the kernel
// during the recording are rebuilt from the events, and interval probes
// tick on the recording's clock.

// Replay is the recording a replay reads, with what precedes its first
// record: the header, the script and the probes attached before events
// flowed, which the script's probe() calls bind to.
type Replay struct {
	src    replay.Source
	name   string
	header *recording.Header
	script *recording.Script
	probes []*recording.Probe
	ahead  []any
	first  collector.Record
}

// OpenReplay reads src, a recording at its start named name in messages
// (a *recording.Series or *recording.Reader), up to its first record.
func OpenReplay(src replay.Source, name string) *Replay {
	rp := &Replay{src: src, name: name}
	if h, ok := src.(interface{ Header() recording.Header }); ok {
		hdr := h.Header()
		rp.header = &hdr
	}
	for src.Next() {
		if src.Kind() == recording.KindEvents {
			rp.first = src.Record()
			break
		}
		it := src.Item()
		rp.ahead = append(rp.ahead, it)
		switch x := it.(type) {
		case *recording.Header:
			rp.header = x
		case *recording.Script:
			rp.script = x
		case *recording.Probe:
			rp.probes = append(rp.probes, x)
		}
	}
	return rp
}

// Script is the recorded script, nil when the recording has none.
func (rp *Replay) Script() *recording.Script { return rp.script }

// Header is the recording's header, nil when the recording has none.
func (rp *Replay) Header() *recording.Header { return rp.header }

// player is a replay's state (owner goroutine only).
type player struct {
	src    replay.Source
	name   string
	header *recording.Header
	// probes are the recorded probe descriptions read so far, in order.
	probes []*recording.Probe
	// ahead are the items read before the script ran, and first the
	// record that ended that read (if any): Play starts with them.
	ahead   []any
	first   collector.Record
	clock   *replay.Clock
	claimed map[int]bool          // recorded groups a probe() bound to
	wants   map[int][]*replayWant // by recorded group
	bound   map[uint32][]replayBinding
	last    uint64 // the recording's end, for the last ticks
	// ticks are the interval probes that fire at their recorded ticks,
	// by recorded group (the others tick on the clock).
	ticks map[int]*Probe
	// stacks are the recorded stacks that records name by id.
	stacks map[uint32][]uint64
}

// stack is the recorded frames of stack id (Symbols' stack source).
func (pl *player) stack(id uint32) ([]uint64, error) {
	frames, ok := pl.stacks[id]
	if !ok {
		return nil, fmt.Errorf("stack %d is not in the recording", id)
	}
	return frames, nil
}

// replayWant is a probe() call bound to a recorded group.
type replayWant struct {
	p   *Probe
	po  parsedOptions
	raw string // the spec as the replay script wrote it
}

// replayBinding is what a recorded probe id's records are for.
type replayBinding struct {
	binding
	feeds []mapFeed
}

// mapFeed rebuilds one map from a probe's records: the program's field
// holding each key part (-1: the probe's name) and the value (-1: 1).
type mapFeed struct {
	m     *maps.Map
	keys  []int
	value int
}

func newPlayer(rp *Replay) *player {
	pl := &player{src: rp.src, name: rp.name, header: rp.header, probes: append([]*recording.Probe(nil), rp.probes...), ahead: rp.ahead, first: rp.first,
		claimed: map[int]bool{}, wants: map[int][]*replayWant{}, bound: map[uint32][]replayBinding{}, ticks: map[int]*Probe{},
		stacks: map[uint32][]uint64{}}
	start := uint64(0)
	if rp.header != nil {
		start = rp.header.StartMonotonic
	}
	pl.clock = replay.NewClock(start)
	return pl
}

// bindRecorded is probe() during a replay: it claims the recorded group
// the spec names and checks that the recording has what the options ask.
func (r *Runtime) bindRecorded(p *Probe, po parsedOptions) error {
	pl := r.play
	groups := pl.match(p.Spec.Raw)
	if len(groups) == 0 {
		return &diag.Error{Msg: fmt.Sprintf("probe %q was not recorded in %s (recorded: %s)", p.Spec.Raw, pl.name, pl.recordedSpecs()),
			Hint: "replay a script whose probes the recording has", Kind: diag.ErrScript}
	}
	for _, d := range pl.probes {
		if groups[d.Group] && (d.Spec == p.Spec.Raw || coversTarget(p.Spec.Raw, d.Target)) {
			if _, err := r.replayBinding(p, po, d); err != nil {
				return fmt.Errorf("probe %q: %w", p.Spec.Raw, err)
			}
		}
	}
	w := &replayWant{p: p, po: po, raw: p.Spec.Raw}
	for g := range groups {
		pl.claimed[g] = true
		pl.wants[g] = append(pl.wants[g], w)
	}
	return nil
}

// match finds the recorded groups spec binds to: the first group with
// that very spec not bound yet (else the first with it), or else every
// group with targets the spec names (a concrete one of a recorded
// wildcard, or a narrower wildcard).
func (pl *player) match(spec string) map[int]bool {
	for pass := 0; pass < 2; pass++ {
		for _, d := range pl.probes {
			if d.Spec == spec && (pass == 1 || !pl.claimed[d.Group]) {
				return map[int]bool{d.Group: true}
			}
		}
	}
	groups := map[int]bool{}
	for _, d := range pl.probes {
		if coversTarget(spec, d.Target) {
			groups[d.Group] = true
		}
	}
	return groups
}

// coversTarget: spec is the target, or a wildcard matching it.
func coversTarget(spec, target string) bool {
	if spec == target {
		return true
	}
	ok, err := path.Match(spec, target)
	return err == nil && ok
}

func (pl *player) recordedSpecs() string {
	seen := map[string]bool{}
	var specs []string
	for _, d := range pl.probes {
		if !seen[d.Spec] {
			seen[d.Spec] = true
			specs = append(specs, strconv.Quote(d.Spec))
		}
	}
	if len(specs) == 0 {
		return "no probes"
	}
	return strings.Join(specs, ", ")
}

// replayBinding builds what recorded probe d's records are for in probe
// p: its target, the recorded captures of p's fields, and its map feeds.
func (r *Runtime) replayBinding(p *Probe, po parsedOptions, d *recording.Probe) (replayBinding, error) {
	if po.filter != "" && po.filter != d.Filter {
		return replayBinding{}, &diag.Error{Msg: fmt.Sprintf("filter %q differs from the recorded one (%q): a replay has no kernel to filter in", po.filter, d.Filter),
			Hint: "test the condition in the callback", Kind: diag.ErrScript}
	}
	t, err := recordedTarget(d)
	if err != nil {
		return replayBinding{}, err
	}
	var fields []recording.Field
	pick := func(name, expr string) (int, error) {
		for i, f := range fields {
			if f.Expr == expr {
				return i, nil
			}
		}
		for _, f := range d.Fields {
			if f.Expr == expr {
				f.Name = name
				fields = append(fields, f)
				return len(fields) - 1, nil
			}
		}
		return -1, &diag.Error{Msg: fmt.Sprintf("%q was not captured by %s in the recording", expr, d.Target), Hint: "replay with the recorded fields, or record again", Kind: diag.ErrScript}
	}
	for name, expr := range po.fields {
		if _, err := pick(name, expr); err != nil {
			return replayBinding{}, fmt.Errorf("field %s: %w", name, err)
		}
	}
	for _, f := range d.Fields {
		if t.USDT != nil && strings.HasPrefix(f.Name, "arg") {
			fields = append(fields, f)
		}
	}
	var feeds []mapFeed
	for _, m := range po.into {
		feed := mapFeed{m: m, value: -1}
		for _, k := range m.Keys() {
			i := -1
			if k != "probe" {
				if i, err = pick(event.HiddenPrefix+"k"+strconv.Itoa(len(fields)), k); err != nil {
					return replayBinding{}, fmt.Errorf("map key: %w", err)
				}
			}
			feed.keys = append(feed.keys, i)
		}
		if m.Value() != "" {
			if feed.value, err = pick(event.HiddenPrefix+"v"+strconv.Itoa(len(fields)), m.Value()); err != nil {
				return replayBinding{}, fmt.Errorf("map value: %w", err)
			}
		}
		feeds = append(feeds, feed)
	}
	prog, err := capture.Recorded(fields, d.Fetches)
	if err != nil {
		return replayBinding{}, err
	}
	return replayBinding{binding: binding{id: d.ID, probe: p, target: t, capture: prog}, feeds: feeds}, nil
}

// recordedTarget rebuilds the target a recorded probe was attached to.
func recordedTarget(d *recording.Probe) (*attach.Target, error) {
	spec, err := probespec.Parse(d.Spec)
	if err != nil {
		return nil, fmt.Errorf("recorded probe %q: %w", d.Spec, err)
	}
	t := &attach.Target{Spec: spec, Name: d.Target, Func: d.Func, Path: d.Path, Args: d.Args, Program: collector.Program(d.Program), Address: uint64(d.Address)}
	for _, prm := range d.Params {
		t.Params = append(t.Params, attach.Param{Name: prm.Name, Size: prm.Size, Signed: prm.Signed})
	}
	if d.TracepointFormat != "" {
		if t.Format, err = tracefs.ParseFormat(d.TracepointFormat); err != nil {
			return nil, fmt.Errorf("recorded probe %s: %w", d.Target, err)
		}
	}
	if d.USDTArgs > 0 {
		t.USDT, t.USDTArgs = &usdt.Note{}, make([]usdt.Arg, d.USDTArgs)
	}
	return t, nil
}

// replay plays the recording to the script: records to callbacks and
// maps, ticks at recorded moments, until the recording ends or exit().
func (r *Runtime) replay() {
	pl := r.play
	for _, it := range pl.ahead {
		r.replayItem(it)
	}
	if pl.first != nil && !r.replayRecord(pl.first) {
		return
	}
	played, err := replay.Play(pl.src, pl.clock, replayHandler{r})
	if r.opts.Verbose {
		fmt.Fprintf(r.stderr, "luatrace: replayed %d records and %d items of %s\n", played.Records, played.Items, pl.name)
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "luatrace: replay: %v\n", err)
	}
	if !r.exited && !r.Stopping() && pl.last > pl.clock.Now() {
		pl.clock.Advance(pl.last) // the ticks up to the recording's end
	}
}

// replayHandler hands what replay.Play reads to the runtime.
type replayHandler struct{ r *Runtime }

func (h replayHandler) Record(rec collector.Record) bool { return h.r.replayRecord(rec) }

func (h replayHandler) Item(_ recording.Kind, it any) bool {
	h.r.replayItem(it)
	return !h.r.exited && !h.r.Stopping()
}

func (r *Runtime) replayRecord(rec collector.Record) bool {
	if r.exited || r.Stopping() {
		return false
	}
	pl := r.play
	pl.last = max(pl.last, rec.Timestamp())
	mt := event.Type.Metatable(r.L)
	for _, b := range pl.bound[rec.ProbeID()] {
		if b.probe.detached {
			continue
		}
		if len(b.feeds) > 0 {
			r.feedMaps(rec, b)
		}
		if b.probe.fn == nil {
			continue
		}
		ud := r.L.NewUserData()
		ud.Value = event.New(rec, b.target, b.capture, r.syms, b.probe.optional)
		ud.Metatable = mt
		r.call(b.probe.fn, b.probe.Spec.Raw, ud, b.probe.fatal)
		if r.exited {
			return false
		}
	}
	return true
}

// feedMaps applies a record's updates to the maps its probe feeds.
func (r *Runtime) feedMaps(rec collector.Record, b replayBinding) {
	data := rec.Fields(b.capture.Sections())
	for _, f := range b.feeds {
		key := make([]lua.LValue, len(f.keys))
		text := make([]string, len(f.keys))
		for i, k := range f.keys {
			if k < 0 {
				key[i] = lua.LString(b.target.Name)
				text[i] = maps.KeyText(key[i])
				continue
			}
			v := b.capture.Fields[k].Decode(rec, data)
			key[i], text[i] = maps.RecordedKeyPart(v, event.Value(r.L, v, r.syms, int(rec.PID())))
		}
		v := int64(1)
		if f.value >= 0 {
			v = int64(b.capture.Fields[f.value].Decode(rec, data).N)
		}
		f.m.Feed(key, text, v)
	}
}

// replayItem takes in a metadata item: probes bind as they appear,
// symbol tables serve stacks, the end sets the last ticks' bound.
func (r *Runtime) replayItem(it any) {
	pl := r.play
	switch x := it.(type) {
	case *recording.Probe:
		if x.Program == recording.ProgramInterval {
			return // its ticks are items of their own
		}
		if !containsProbe(pl.probes, x) {
			pl.probes = append(pl.probes, x)
		}
		var bs []replayBinding
		for _, w := range pl.wants[x.Group] {
			if x.Spec != w.raw && !coversTarget(w.raw, x.Target) {
				continue
			}
			b, err := r.replayBinding(w.p, w.po, x)
			if err != nil {
				fmt.Fprintf(r.stderr, "luatrace: replay: skipping %s: %v\n", x.Target, err)
				continue
			}
			bs = append(bs, b)
		}
		pl.bound[x.ID] = bs
	case *recording.SymbolTable:
		if x.Object == "[kernel]" {
			r.syms.UseKernel(kernelTable(x))
		} else {
			r.syms.User().Store().AddRecordedSymbols(userSymbols(x))
		}
	case *recording.Mappings:
		var maps []usym.RecordedMapping
		for _, m := range x.Maps {
			// Files only: this machine's vDSO is not the recorded one.
			if strings.HasPrefix(m.Path, "/") {
				maps = append(maps, usym.RecordedMapping{Start: uint64(m.Start), End: uint64(m.End), Offset: uint64(m.Offset), Path: m.Path, BuildID: usym.BuildID(m.BuildID)})
			}
		}
		r.syms.User().Store().Install(int(x.PID), maps)
	case *recording.Stack:
		frames := make([]uint64, len(x.Frames))
		for i, a := range x.Frames {
			frames[i] = uint64(a)
		}
		pl.stacks[x.ID] = frames
	case *recording.Tick:
		if p := pl.ticks[x.Group]; p != nil {
			pl.clock.Advance(x.Time)
			r.fireTick(p)
			if r.exited {
				pl.clock.Halt()
			}
		}
	case *recording.Answer:
		r.host.Learn(x)
	case *recording.End:
		pl.last = max(pl.last, x.Time)
	}
}

// learnAhead gives h the answers recorded before the first record and
// the first tick: those the main chunk and BEGIN asked, before the script
// runs. The later ones come as the replay reaches them (replayItem).
func (pl *player) learnAhead(h *host.Host) {
	for _, it := range pl.ahead {
		switch x := it.(type) {
		case *recording.Tick:
			return
		case *recording.Answer:
			h.Learn(x)
		}
	}
}

func containsProbe(list []*recording.Probe, p *recording.Probe) bool {
	for _, q := range list {
		if q.ID == p.ID && q.Group == p.Group {
			return true
		}
	}
	return false
}

// kernelTable turns a recorded kernel symbol table back into a ksym one.
func kernelTable(st *recording.SymbolTable) *ksym.Table {
	syms := make([]ksym.Symbol, 0, len(st.Symbols))
	for _, s := range st.Symbols {
		name, mod, _ := strings.Cut(s.Name, " [")
		syms = append(syms, ksym.Symbol{Addr: uint64(s.Addr), Name: name, Module: strings.TrimSuffix(mod, "]"), Type: 'T'})
	}
	return ksym.NewTable(syms)
}

// userSymbols turns a recorded user object's symbols back into usym's.
func userSymbols(st *recording.SymbolTable) usym.ObjectSymbols {
	o := usym.ObjectSymbols{Path: st.Object, BuildID: usym.BuildID(st.BuildID)}
	for _, sg := range st.Segments {
		o.Segments = append(o.Segments, usym.Segment{Offset: uint64(sg.Offset), VAddr: uint64(sg.VAddr), Size: sg.Size})
	}
	for _, s := range st.Symbols {
		o.Symbols = append(o.Symbols, usym.Symbol{Name: s.Name, Value: uint64(s.Addr), Size: s.Size})
	}
	return o
}

// Now is the recording's time: the latest record's or tick's (the time
// functions' clock in a replay, ltime.Clock).
func (pl *player) Now() uint64 { return pl.clock.Now() }

// Wall is the recorded wall-clock time of a recorded timestamp.
func (pl *player) Wall(mono uint64) time.Time {
	if pl.header == nil {
		return time.Unix(0, int64(mono)).UTC()
	}
	return pl.header.WallTime(mono).Local()
}

// replayTicker arms an interval probe: at the recorded ticks of the same
// probe of the recorded script, else on the recording's clock.
func (r *Runtime) replayTicker(p *Probe) {
	pl := r.play
	for _, d := range pl.probes {
		if d.Program == recording.ProgramInterval && d.Spec == p.Spec.Raw && !pl.claimed[d.Group] {
			pl.claimed[d.Group] = true
			pl.ticks[d.Group] = p
			return
		}
	}
	t := r.play.clock.Every(p.Spec.Period, func(uint64) {
		r.fireTick(p)
		if r.exited {
			r.play.clock.Halt()
		}
	})
	p.replayTimer = t
}
