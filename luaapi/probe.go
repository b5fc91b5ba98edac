package luaapi

import (
	"errors"
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/attach"
	"github.com/luatrace/luatrace/bpf/capture"
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/replay"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/maps"
	"github.com/luatrace/luatrace/luaapi/udata"
	"github.com/luatrace/luatrace/luaapi/value"
)

// probeType is the handle probe() returns.
var probeType = udata.New[*Probe]("luatrace.probe", "probe handle")

// Probe is what probe() returns: one spec, attached to one or more targets
// (wildcards), or a timer, or a BEGIN/END hook.
type Probe struct {
	Spec    probespec.Spec
	fn      *lua.LFunction
	fatal   bool // on_error = "exit"
	targets []*attach.Attachment
	entries []*attach.Attachment // entry halves of paired return probes
	ticker  *time.Ticker
	// replayTimer ticks an interval probe on a replay's clock.
	replayTimer *replay.Timer
	tickStop    chan struct{}
	detached    bool // by the script: later events are ignored
	unlinked    bool // kernel side and timers released
	// final and finalDrops keep the counters of detached targets.
	final      collector.Stats
	finalDrops uint64
	seq        int // the probe's number, counting from 1
	// optional are the fields its alias captures only on other kernels:
	// e.NAME reads nil for them instead of raising an error.
	optional []string
}

// probeOptions are the keys probe()'s option table accepts, in the order
// an error lists them (the README describes each).
var probeOptions = []string{"comm", "entry", "fields", "filter", "into", "on_error", "optional", "pid", "stamp", "task"}

func (r *Runtime) installProbe() {
	mt := probeType.Metatable(r.L)
	r.L.SetField(mt, "__index", r.L.SetFuncs(r.L.NewTable(), map[string]lua.LGFunction{
		"detach": r.probeDetach,
		"stats":  r.probeStats,
	}))
	r.L.SetField(mt, "__tostring", r.L.NewFunction(func(L *lua.LState) int {
		p := probeType.Check(L, 1)
		L.Push(lua.LString(fmt.Sprintf("probe(%s, %d attachments)", p.Spec.Raw, len(p.targets))))
		return 1
	}))
	r.L.SetGlobal("probe", r.L.NewFunction(r.luaProbe))
}

// luaProbe implements probe(spec [, opts] [, fn | maps [, fn]]).
func (r *Runtime) luaProbe(L *lua.LState) int {
	raw := L.CheckString(1)
	if r.ended {
		diag.Raise(L, &diag.Error{Msg: "probe() cannot attach in END: the trace is over", Hint: "attach probes in the main chunk or BEGIN", Kind: diag.ErrScript})
	}
	opts, fn := probeArgs(L)

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
		if r.play != nil {
			r.replayTicker(p)
		} else {
			r.startTicker(p)
			r.recordInterval(p)
		}
		r.addProbe(p)
	default:
		if err := r.attachKernel(p, po); err != nil {
			return r.attachFailed(L, po, err)
		}
		r.addProbe(p)
	}
	return pushProbe(L, p)
}

// probeArgs reads probe()'s optional arguments: an options table, then a
// callback. In place of the callback (or of both), a map or a list of
// maps is short for into, and a callback may follow them:
// probe(spec, map.count{key = "comm"}), probe(spec, opts, {m1, m2}, fn).
func probeArgs(L *lua.LState) (*lua.LTable, *lua.LFunction) {
	var opts *lua.LTable
	var into lua.LValue
	switch v := L.Get(2).(type) {
	case *lua.LFunction:
		return nil, v
	case *lua.LTable:
		if isMaps(v) {
			into = v
		} else {
			opts = v
		}
	case *lua.LNilType:
	default:
		if !isMaps(v) {
			L.ArgError(2, "options table, callback function or map expected, got "+v.Type().String())
		}
		into = v
	}
	next := 3
	if into == nil {
		switch v := L.Get(3).(type) {
		case *lua.LFunction:
			return opts, v
		case *lua.LNilType:
			return opts, nil
		default:
			if !isMaps(v) {
				L.ArgError(3, "callback function or map expected, got "+v.Type().String())
			}
			into, next = v, 4
		}
	}
	fn, ok := L.Get(next).(*lua.LFunction)
	if !ok && L.Get(next) != lua.LNil {
		L.ArgError(next, "a callback function may follow the maps, got "+L.Get(next).Type().String())
	}
	// A copy: the script may pass one options table to several probes.
	with := L.NewTable()
	if opts != nil {
		if opts.RawGetString("into") != lua.LNil {
			L.ArgError(next-1, "maps given both as an argument and as option into; keep one")
		}
		opts.ForEach(with.RawSet)
	}
	with.RawSetString("into", into)
	return with, fn
}

// isMaps reports whether v is a map or a list of maps (not an options
// table).
func isMaps(v lua.LValue) bool {
	if t, ok := v.(*lua.LTable); ok {
		v = t.RawGetInt(1)
	}
	_, ok := maps.Type.Of(v)
	return ok
}

// pushProbe returns p's handle to Lua.
func pushProbe(L *lua.LState, p *Probe) int {
	L.Push(probeType.Wrap(L, p))
	return 1
}

// attachFailed raises err, or with opts.optional warns and returns nil.
func (r *Runtime) attachFailed(L *lua.LState, po parsedOptions, err error) int {
	if po.optional {
		fmt.Fprintf(r.stderr, "luatrace: warning: skipping optional probe: %v\n", err)
		L.Push(lua.LNil)
		return 1
	}
	diag.Raise(L, err) // the error's kind decides the exit status
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
	into     []*maps.Map
	stamp    string // NAME[KEY]
	saved    []capture.SavedExpr
	task     string // args.NAME: the thread the pid filter tests (taskfilter.go)
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
			po.optional, err = boolOption("optional", v)
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
			po.entry, err = boolOption("entry", v)
		case "into":
			po.into, err = maps.Into(v)
		case "stamp":
			po.stamp, po.saved, err = parseStamp(v)
		case "task":
			po.task, err = parseTask(v)
		case "filter":
			s, ok := v.(lua.LString)
			if !ok || len(s) == 0 {
				err = fmt.Errorf(`option filter must be an expression string such as "retval > 0", got %s`, value.Describe(v))
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

// boolOption reads a true/false option: a string such as "no" would be
// true to Lua, the opposite of what its writer meant.
func boolOption(name string, v lua.LValue) (bool, error) {
	b, ok := v.(lua.LBool)
	if !ok {
		return false, fmt.Errorf("option %s must be true or false, got %s", name, v.Type())
	}
	return bool(b), nil
}

func knownOptions() string { return strings.Join(probeOptions, ", ") }

// detach is the script's :detach(): stop and ignore events still queued.
func (p *Probe) detach(r *Runtime) {
	if p.detached {
		return
	}
	r.unlink(p)
	p.detached = true
	r.forget(p)
}

func (r *Runtime) probeDetach(L *lua.LState) int {
	probeType.Check(L, 1).detach(r)
	return 0
}

// queueDrops counts p's events dropped on the user side: queue full, or
// left queued at a Ctrl-C.
func (r *Runtime) queueDrops(p *Probe) uint64 {
	n := p.finalDrops
	if r.conn == nil {
		return n
	}
	n += sum(p, r.conn.Discards)
	if p.unlinked {
		return n
	}
	return n + sum(p, r.conn.Drops)
}

func (r *Runtime) probeStats(L *lua.LState) int {
	p := probeType.Check(L, 1)
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
