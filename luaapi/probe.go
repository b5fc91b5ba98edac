package luaapi

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
)

const probeTypeName = "luatrace.probe"

// Probe is what probe() returns: one spec, attached to one or more targets
// (wildcards), or a timer, or a BEGIN/END hook.
type Probe struct {
	Spec     probespec.Spec
	fn       *lua.LFunction
	fatal    bool // on_error = "exit"
	targets  []*attach.Attachment
	entries  []*attach.Attachment // entry halves of paired return probes
	ticker   *time.Ticker
	tickStop chan struct{}
	detached bool // by the script: later events are ignored
	unlinked bool // kernel side and timers released
	final    collector.Stats
}

// probeOptions are the keys probe()'s option table accepts.
var probeOptions = map[string]string{
	"optional": "boolean: warn and return nil instead of raising when the probe cannot attach",
	"pid":      "number: only events of this process",
	"comm":     "string: only events of tasks with this command name",
	"on_error": `"continue" (default) or "exit": what a callback error does`,
	"fields":   `table of name = "expression": values captured in the kernel`,
	"filter":   `string: comparisons joined by && checked in the kernel`,
	"entry":    "boolean: pair a kretprobe/uretprobe with its entry (argN and duration at return)",
	"into":     "map or list of maps (map.count{...}): aggregated in the kernel",
}

func (r *Runtime) installProbe() {
	mt := r.L.NewTypeMetatable(probeTypeName)
	r.L.SetField(mt, "__index", r.L.SetFuncs(r.L.NewTable(), map[string]lua.LGFunction{
		"detach": r.probeDetach,
		"stats":  r.probeStats,
	}))
	r.L.SetField(mt, "__tostring", r.L.NewFunction(func(L *lua.LState) int {
		p := checkProbe(L, 1)
		L.Push(lua.LString(fmt.Sprintf("probe(%s, %d attachments)", p.Spec.Raw, len(p.targets))))
		return 1
	}))
	r.L.SetGlobal("probe", r.L.NewFunction(r.luaProbe))
}

func checkProbe(L *lua.LState, n int) *Probe {
	ud := L.CheckUserData(n)
	if p, ok := ud.Value.(*Probe); ok {
		return p
	}
	L.ArgError(n, "probe handle expected")
	return nil
}

// luaProbe implements probe(spec [, opts] [, fn]).
func (r *Runtime) luaProbe(L *lua.LState) int {
	raw := L.CheckString(1)
	if r.ended {
		L.RaiseError("probe() cannot attach in END: the trace is over; attach probes in the main chunk or BEGIN")
	}
	var opts *lua.LTable
	var fn *lua.LFunction
	switch v := L.Get(2).(type) {
	case *lua.LTable:
		opts = v
		if L.GetTop() >= 3 {
			fn = L.CheckFunction(3)
		}
	case *lua.LFunction:
		fn = v
	case *lua.LNilType:
		if L.GetTop() >= 3 {
			fn = L.CheckFunction(3)
		}
	default:
		L.ArgError(2, "options table or callback function expected, got "+v.Type().String())
	}

	if r.isAliasName(raw) {
		return r.probeAlias(L, raw, opts, fn)
	}
	spec, err := probespec.Parse(raw)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	p := &Probe{Spec: spec, fn: fn}
	po, err := parseProbeOptions(opts)
	if err != nil {
		L.RaiseError("probe %q: %s", raw, err.Error())
	}
	p.fatal = po.fatal

	switch spec.Kind {
	case probespec.Begin:
		r.begin = append(r.begin, requireFn(L, raw, fn))
	case probespec.End:
		r.end = append(r.end, requireFn(L, raw, fn))
	case probespec.Interval:
		p.fn = requireFn(L, raw, fn)
		r.startTicker(p)
		r.probes = append(r.probes, p)
	default:
		if err := r.attachKernel(p, po); err != nil {
			return r.attachFailed(L, po, err)
		}
		r.probes = append(r.probes, p)
	}
	return pushProbe(L, p)
}

// pushProbe returns p's handle to Lua.
func pushProbe(L *lua.LState, p *Probe) int {
	ud := L.NewUserData()
	ud.Value = p
	L.SetMetatable(ud, L.GetTypeMetatable(probeTypeName))
	L.Push(ud)
	return 1
}

// attachFailed raises err, or with opts.optional warns and returns nil.
func (r *Runtime) attachFailed(L *lua.LState, po parsedOptions, err error) int {
	if po.optional {
		fmt.Fprintf(r.stderr, "luatrace: warning: skipping optional probe: %v\n", err)
		L.Push(lua.LNil)
		return 1
	}
	L.RaiseError("%s", err.Error())
	return 0
}

func requireFn(L *lua.LState, raw string, fn *lua.LFunction) *lua.LFunction {
	if fn == nil {
		L.RaiseError("probe %q needs a callback function, e.g. probe(%q, function() ... end)", raw, raw)
	}
	return fn
}

type parsedOptions struct {
	optional bool
	fatal    bool
	spec     collector.Spec
	fields   map[string]string
	filter   string
	entry    bool // pair return probes with their entry even without captures
	into     []*luaMap
}

func parseProbeOptions(t *lua.LTable) (parsedOptions, error) {
	var po parsedOptions
	if t == nil {
		return po, nil
	}
	var err error
	t.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		key, ok := k.(lua.LString)
		if !ok {
			err = fmt.Errorf("option keys must be names, got %s", k.Type())
			return
		}
		switch string(key) {
		case "optional":
			po.optional = lua.LVAsBool(v)
		case "pid":
			n, ok := v.(lua.LNumber)
			if !ok || n <= 0 || float64(n) != float64(uint32(n)) {
				err = fmt.Errorf("option pid must be a process id, got %s", v.String())
				return
			}
			po.spec.PID = uint32(n)
		case "comm":
			s, ok := v.(lua.LString)
			if !ok || len(s) == 0 || len(s) > 15 {
				err = fmt.Errorf("option comm must be a command name of 1 to 15 characters, got %s", v.String())
				return
			}
			po.spec.Comm = string(s)
		case "fields":
			po.fields, err = parseFields(v)
		case "entry":
			po.entry = lua.LVAsBool(v)
		case "into":
			po.into, err = parseInto(v)
		case "filter":
			s, ok := v.(lua.LString)
			if !ok || len(s) == 0 {
				err = fmt.Errorf(`option filter must be an expression string such as "retval > 0", got %s`, v.Type())
				return
			}
			po.filter = string(s)
		case "on_error":
			switch v.String() {
			case "exit":
				po.fatal = true
			case "continue":
			default:
				err = fmt.Errorf(`option on_error must be "continue" or "exit", got %s`, v.String())
			}
		default:
			if string(key) == "stack" {
				// bpftrace users look for this; stacks are capture fields here.
				err = fmt.Errorf(`there is no option stack: capture stacks as fields, e.g. fields = { ks = "kstack", us = "ustack" }`)
				return
			}
			err = fmt.Errorf("unknown option %q (known: %s)", string(key), knownOptions())
		}
	})
	return po, err
}

func knownOptions() string {
	names := make([]string, 0, len(probeOptions))
	for k := range probeOptions {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// attachKernel resolves and attaches every target of p; on any failure the
// ones already attached are released, so nothing stays behind.
func (r *Runtime) attachKernel(p *Probe, po parsedOptions) error {
	k, err := r.kernelSide()
	if err != nil {
		return err
	}
	targets, err := k.env.Resolve(p.Spec)
	if err != nil {
		return err
	}
	spec := po.spec
	spec.Emit = p.fn != nil
	if r.opts.PID != 0 && spec.PID == 0 {
		spec.PID = uint32(r.opts.PID)
	}
	for _, t := range targets {
		if r.Stopping() {
			r.unlink(p)
			return fmt.Errorf("probe %q: %w", p.Spec.Raw, errInterrupted)
		}
		tspec := spec
		var prog *capture.Program
		if len(po.fields) > 0 || po.filter != "" || len(po.into) > 0 || len(t.USDTArgs) > 0 {
			if prog, err = compileCapture(k, &t, po.fields, po.filter, po.into, &tspec); err != nil {
				r.unlink(p)
				return fmt.Errorf("probe %q: %w", p.Spec.Raw, err)
			}
			if r.opts.Verbose {
				for _, line := range describeCapture(prog) {
					fmt.Fprintf(r.stderr, "luatrace: %s: %s\n", t.Name, line)
				}
			}
		}
		id, err := k.ids.get()
		if err != nil {
			r.unlink(p)
			return err
		}
		if po.entry && (t.Spec.Kind == probespec.Kretprobe || t.Spec.Kind == probespec.Uretprobe) {
			tspec.Paired = true
		}
		if tspec.Paired {
			if err := r.attachEntry(p, t, id, tspec); err != nil {
				r.unlink(p)
				r.verifierLog(err)
				return err
			}
		}
		a, err := k.env.Attach(t, id, tspec)
		if err != nil {
			r.unlink(p)
			r.verifierLog(err)
			return err
		}
		k.byID[id] = binding{probe: p, target: &a.Target, capture: prog}
		p.targets = append(p.targets, a)
	}
	return nil
}

// unlink releases p's kernel attachments and timer, keeping its final
// counters for the drop report.
func (r *Runtime) unlink(p *Probe) {
	if p.unlinked {
		return
	}
	p.unlinked = true
	if p.ticker != nil {
		p.ticker.Stop()
		close(p.tickStop)
	}
	for _, a := range p.entries {
		a.Close()
		if r.kernel != nil {
			r.kernel.col.Deactivate(a.ID)
		}
	}
	for _, a := range p.targets {
		a.Close()
		if r.kernel != nil {
			st, err := r.kernel.col.Stats(a.ID)
			if err == nil {
				p.final.Hits += st.Hits
				p.final.Filtered += st.Filtered
				p.final.Lost += st.Lost
				p.final.Nested += st.Nested
			}
			r.kernel.col.Deactivate(a.ID)
		}
	}
}

// detach is the script's :detach(): stop and ignore events still queued.
func (p *Probe) detach(r *Runtime) {
	r.unlink(p)
	p.detached = true
}

func (r *Runtime) probeDetach(L *lua.LState) int {
	checkProbe(L, 1).detach(r)
	return 0
}

// stats returns kernel counters plus user-side queue drops, live while
// attached and final afterwards.
func (r *Runtime) stats(p *Probe) collector.Stats {
	s := p.final
	if r.kernel == nil {
		return s
	}
	if !p.unlinked {
		for _, a := range p.targets {
			if st, err := r.kernel.col.Stats(a.ID); err == nil {
				s.Hits += st.Hits
				s.Filtered += st.Filtered
				s.Lost += st.Lost
				s.Nested += st.Nested
			}
		}
	}
	return s
}

// queueDrops counts p's events dropped on the user side: queue full, or
// left queued at a Ctrl-C.
func (r *Runtime) queueDrops(p *Probe) uint64 {
	if r.kernel == nil {
		return 0
	}
	return r.kernel.sum(p, &r.kernel.dropped) + r.kernel.sum(p, &r.kernel.discarded)
}

func (r *Runtime) probeStats(L *lua.LState) int {
	p := checkProbe(L, 1)
	s := r.stats(p)
	t := L.NewTable()
	L.SetField(t, "hits", lua.LNumber(s.Hits))
	L.SetField(t, "filtered", lua.LNumber(s.Filtered))
	L.SetField(t, "lost", lua.LNumber(s.Lost+s.Nested))
	L.SetField(t, "dropped", lua.LNumber(r.queueDrops(p)))
	L.Push(t)
	return 1
}

// verifierLog prints the kernel's full verdict with -v when it refused a
// program: the one-line error only has its last line.
func (r *Runtime) verifierLog(err error) {
	var le *collector.LoadError
	if r.opts.Verbose && errors.As(err, &le) {
		if log := le.VerifierLog(); log != "" {
			fmt.Fprintf(r.stderr, "luatrace: verifier log:\n%s\n", log)
		}
	}
}

// attachEntry attaches the entry half of a paired return probe: a kprobe or
// uprobe on the same function that saves the arguments and time for the
// return probe retID. Same identity filters, no events of its own.
func (r *Runtime) attachEntry(p *Probe, t attach.Target, retID uint32, ret collector.Spec) error {
	k := r.kernel
	entry := t
	entry.Spec.Kind, entry.Program = probespec.Kprobe, collector.Kprobe
	if t.Spec.Kind == probespec.Uretprobe {
		entry.Spec.Kind, entry.Program = probespec.Uprobe, collector.Uprobe
	}
	entry.Name = "entry of " + t.Name
	id, err := k.ids.get()
	if err != nil {
		return err
	}
	spec := collector.Spec{PID: ret.PID, Comm: ret.Comm, CommNot: ret.CommNot, SaveEntry: true, PairID: retID}
	a, err := k.env.Attach(entry, id, spec)
	if err != nil {
		return err
	}
	p.entries = append(p.entries, a)
	return nil
}
