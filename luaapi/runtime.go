// Package luaapi is the runtime a luatrace script runs in: the one
// goroutine that owns the Lua state, probe() and its handles, attaching,
// dispatching events to callbacks, BEGIN and END, and the REPL session.
// What the script calls lives in packages below: the libraries in
// luaapi/lib/..., maps in luaapi/maps, events in luaapi/event; the
// connection to the kernel is luaapi/kernel.
//
// Events, timer ticks, signals and the end of a traced command all arrive as
// messages on one channel; the owner goroutine runs the matching Lua code.
// No other goroutine touches the Lua state.
package luaapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/metrics"
	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/event"
	"github.com/luatrace/luatrace/luaapi/halt"
	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/kernel"
	"github.com/luatrace/luatrace/luaapi/lib/printing"
	"github.com/luatrace/luatrace/luaapi/lib/script"
	ltime "github.com/luatrace/luatrace/luaapi/lib/time"
	"github.com/luatrace/luatrace/luaapi/maps"
	"github.com/luatrace/luatrace/luaapi/modpath"
	"github.com/luatrace/luatrace/luaapi/output"
	"github.com/luatrace/luatrace/luaapi/stack"
)

// mailSlots bounds the message channel; each slot holds a batch of events.
// The queue's bounds in events and bytes (kernel.QueueLimit, QueueBytes)
// are what limit it: sampled stacks come a few per 10 ms poll, so 1024
// small batches were full first.
const mailSlots = 4096

// Options configure a Runtime.
type Options struct {
	// Out receives script output; Mode selects text or JSON lines.
	Out  io.Writer
	Mode output.Mode
	// Stderr receives diagnostics: errors, drop reports, -v lines.
	Stderr io.Writer
	// PID limits every kernel probe to one process (-p, -c).
	PID int
	// Follow extends PID to the processes it starts while the trace runs,
	// and theirs (-p and -c without --no-follow).
	Follow bool
	// Verbose reports each attachment and verifier logs.
	Verbose bool
	// MaxProbes limits how many probes may be attached at once
	// (0: DefaultMaxProbes).
	MaxProbes int
	// ScriptName is arg[0] and the chunk name of the script.
	ScriptName string
	// ScriptDir is the script file's folder, searched by require() after
	// the library folders; "" for -e code, the REPL and embedded tools.
	ScriptDir string
	// Include are the -I library folders, searched first.
	Include []string
	// Args are the script's arguments (arg[1..]).
	Args []string
	// Started runs after the script and its BEGIN probes, before events
	// are awaited; -c releases its command here.
	Started func()
	// Stop ends the trace when it yields a reason (signal, command exit).
	Stop <-chan string
	// Record, if set, receives the script, its probes and every event
	// they produce (luatrace record); the caller closes it.
	Record *recording.Writer
	// Replay, if set, runs the script over a recording instead of the
	// kernel (luatrace replay).
	Replay *Replay
}

// Runtime owns one Lua state and everything attached on its behalf.
type Runtime struct {
	L      *lua.LState
	opts   Options
	out    *output.Writer
	stderr io.Writer

	conn     *kernel.Conn                 // the connection to the kernel; nil until the first kernel probe
	bindings [collector.MaxProbes]binding // what each probe slot's records are for
	probes   []*Probe                     // live probes, and detached ones until forgotten
	probeSeq int                          // numbers probes for the REPL
	// detachedLosses keeps what forgotten probes lost, by spec.
	detachedLosses map[string]*lossTotal
	begin          []*lua.LFunction
	end            []*lua.LFunction
	mail           chan message
	errs           *diag.Log
	chunks         diag.Chunks // loaded code, for explaining errors
	halt           *halt.Halt  // the first Ctrl-C; Lua runs under its contexts
	stopping       bool
	ended          bool // shutdown has begun: no more probes
	exitCode       int
	exited         bool
	started        bool
	ticks          atomic.Uint64  // interval ticks missed because mail was full
	session        *session       // set in an interactive session
	syms           *stack.Symbols // for kstack/ustack, ksym, map keys
	names          event.Names    // events' commands, interned
	maps           *maps.Module   // the script's maps, printed and closed at exit
	stamps         stampTables    // the script's stamp tables, by name
	libDirs        []modpath.Dir  // require()'s search order
	aliases        map[string]*probeAlias
	usage          string // the script's header comment, for args' -h
	progress       *attachProgress
	rec            *recorder  // a recording run's state
	play           *player    // a replay's state
	host           *host.Host // what the script reads of the machine
	published      metrics.Published
}

// message is anything the owner goroutine must act on.
type message struct {
	batch []collector.Record
	tick  *Probe
	stop  string
}

// New creates a runtime with luatrace's globals installed.
func New(opts Options) *Runtime {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	r := &Runtime{
		L:      newState(),
		opts:   opts,
		out:    output.New(opts.Out, opts.Mode),
		stderr: opts.Stderr,
		mail:   make(chan message, mailSlots),
		halt:   halt.New(),
	}
	r.chunks.L = r.L
	r.errs = diag.NewLog(r.stderr, r.chunks.Explain)
	r.progress = newAttachProgress(r.stderr)
	r.syms = &stack.Symbols{Stop: r.halt.Run.Done()}
	r.maps = maps.New(r.out, r.stderr, r.syms)
	r.maps.ProbeName = r.probeName
	r.maps.ProbeNames = r.probeNames
	script := ""
	if opts.ScriptDir != "" {
		script = filepath.Join(opts.ScriptDir, filepath.Base(opts.ScriptName))
	}
	r.libDirs = modpath.FromEnvironment(opts.Include, script).Dirs()
	r.host = &host.Host{}
	if opts.Record != nil {
		r.rec = &recorder{w: opts.Record, pids: map[uint32]bool{}, stacks: map[uint32]bool{}, mapped: map[uint32][]recording.Mapping{}, groups: map[*Probe]int{}}
		r.host = host.Recording(r.recordAnswer)
		r.syms.User().Store().TrackSymbols()
	}
	if opts.Replay != nil {
		r.play = newPlayer(opts.Replay)
		ltime.SetClock(r.L, r.play)
		r.syms.UseRecordedProcesses()
		r.syms.UseKernel(nil) // until the recording gives its own
		r.syms.SetStackSource(r.play.stack)
		r.host = host.Replaying(opts.Replay.name)
		r.play.learnAhead(r.host)
	}
	r.openLibraries()
	return r
}

// newState makes a Lua state whose registry (gopher-lua's value stack)
// grows on demand: the fixed default overflows on table.concat of a few
// thousand strings, which is ordinary when rebuilding captured buffers.
func newState() *lua.LState {
	return lua.NewState(lua.Options{RegistrySize: 1024 * 20, RegistryMaxSize: 1024 * 1024 * 4, RegistryGrowStep: 1024})
}

// RunScript runs a script file (or code with name) to completion: the main
// chunk, BEGIN probes, events until exit() or a stop, then END probes. It
// returns the exit status; an error says why the trace could not run, and
// its kind (diag.ErrScript, diag.ErrPrivileges, ...) decides the status.
//
// Interrupt (Ctrl-C) cuts every phase short: Lua code stops at its next
// instruction, queued events are dropped and counted, and END runs with
// halt.EndDeadline to finish. The status is then what it would have been had
// the script ended there: Ctrl-C is how a trace is meant to end.
func (r *Runtime) RunScript(name, code string) (int, error) {
	defer r.L.Close()
	r.usage = script.Header(code)
	fn, err := r.L.Load(strings.NewReader(code), name)
	if err != nil {
		e := &diag.Error{Msg: diag.Syntax(name, code, err), Kind: diag.ErrScript}
		return diag.ExitStatus(e), e
	}
	r.chunks.Add(fn)
	if r.rec != nil {
		r.recordErr(r.rec.w.AddScript(recording.Script{Name: name, Source: code, Args: r.opts.Args}))
	}
	args := r.L.NewTable()
	args.RawSetInt(0, lua.LString(r.opts.ScriptName))
	for i, a := range r.opts.Args {
		args.RawSetInt(i+1, lua.LString(a))
	}
	r.L.SetGlobal("arg", args)
	r.forwardStops()
	r.L.SetContext(r.halt.Run)

	r.L.Push(fn)
	for _, a := range r.opts.Args {
		r.L.Push(lua.LString(a))
	}
	if err := r.L.PCall(len(r.opts.Args), 0, nil); err != nil && !r.isExit(err) {
		if !r.Stopping() {
			r.shutdown()
			r.out.Flush() // what the script printed before the error still shows
			e := r.topLevelError(err)
			return diag.ExitStatus(e), e
		}
		r.noteInterrupted("the main chunk", err)
	}
	if !r.exited && !r.Stopping() {
		r.runBegin()
	}
	r.started = true
	kernel.StartupDone()
	r.publishMaps()
	if !r.exited && !r.Stopping() && r.opts.Started != nil {
		r.opts.Started()
	}
	// Callbacks run under the drain: a Ctrl-C lets them finish, for a while.
	r.L.SetContext(r.halt.Drain)
	if r.play != nil {
		r.replay()
	} else if !r.exited && !r.Stopping() && r.live() {
		r.loop()
	}
	r.shutdown()
	r.runEnd()
	r.maps.PrintUnprinted(r.L)
	r.report()
	if err := r.out.Flush(); err != nil {
		e := &diag.Error{Msg: "write output: " + err.Error(), Kind: diag.ErrRuntime, Err: err}
		return diag.ExitStatus(e), e
	}
	return r.exitCode, nil
}

// topLevelError is the error that ended the main chunk: the script's
// fault, unless a probe it attached failed for lack of privileges.
func (r *Runtime) topLevelError(err error) error {
	msg := r.chunks.Explain(diag.Message(err))
	if cause := diag.Cause(err); errors.Is(cause, diag.ErrPrivileges) {
		return &diag.Error{Msg: msg, Err: cause}
	}
	return &diag.Error{Msg: msg, Kind: diag.ErrScript}
}

// live reports whether anything can still produce events: without kernel
// probes, timers or a stop source the script is done after BEGIN.
func (r *Runtime) live() bool {
	for _, p := range r.probes {
		if !p.detached {
			return true
		}
	}
	return r.opts.Stop != nil && r.opts.PID != 0
}

// forwardStops passes the ends of a traced command or process on to the
// owner goroutine, in order with the events before them.
func (r *Runtime) forwardStops() {
	stop := r.opts.Stop
	if stop == nil {
		return
	}
	go func() {
		reason, ok := <-stop
		if !ok {
			return
		}
		select {
		case r.mail <- message{stop: reason}:
		case <-r.halt.Run.Done():
		}
	}()
}

// loop handles events and ticks until exit(), a stop message or Ctrl-C.
func (r *Runtime) loop() {
	for !r.exited && !r.stopping && !r.Stopping() {
		var m message
		select {
		case m = <-r.mail:
		default:
			r.out.Flush()
			select {
			case m = <-r.mail:
			case <-r.halt.Run.Done():
				return
			}
		}
		r.handle(m)
	}
}

func (r *Runtime) handle(m message) {
	switch {
	case m.batch != nil:
		r.dispatch(m.batch)
	case m.tick != nil:
		r.fireTick(m.tick)
	case m.stop != "":
		if m.stop != "signal" {
			fmt.Fprintf(r.stderr, "luatrace: %s\n", m.stop)
		}
		r.stopping = true
	}
}

// runBegin runs the BEGIN probes in order. BEGIN sets the trace up: an
// error in one ends the trace (END still runs) with status 1.
func (r *Runtime) runBegin() {
	for _, fn := range r.begin {
		if r.exited || r.Stopping() {
			return
		}
		r.call(fn, "BEGIN", nil, true)
	}
}

// runEnd runs the END probes in order; an error in one is reported, the
// rest still run, and the status becomes 1 (unless exit() chose one).
// END runs for as long as it takes until a Ctrl-C, then until
// halt.EndDeadline after it, whether the signal came before END began or
// while it ran; cut, the status is 1.
func (r *Runtime) runEnd() {
	defer r.L.RemoveContext()
	r.L.SetContext(r.halt.End)
	for _, fn := range r.end {
		if r.halt.End.Over() {
			return
		}
		if !r.call(fn, "END", nil, false) && r.exitCode == 0 {
			r.exitCode = 1
		}
	}
}

// call runs fn(args...) protected and reports whether it ended without
// error. Errors are logged (summarised when they repeat); fatal makes the
// first one end the trace with status 1. Code interrupted by Ctrl-C (or
// END's deadline) is reported once, as such.
func (r *Runtime) call(fn *lua.LFunction, where string, arg lua.LValue, fatal bool) bool {
	r.L.Push(fn)
	n := 0
	if arg != nil {
		r.L.Push(arg)
		n = 1
	}
	err := r.L.PCall(n, 0, nil)
	if err == nil || r.isExit(err) {
		return true
	}
	if ctx := r.L.Context(); ctx != nil && ctx.Err() != nil {
		r.noteInterrupted(where, err)
		return ctx.Err() == halt.ErrInterrupted
	}
	r.errs.Record(where, err)
	if fatal {
		r.exitCode = 1
		r.exited = true
	}
	return false
}

// noteInterrupted says which code a Ctrl-C or END's deadline interrupted,
// and where it was.
func (r *Runtime) noteInterrupted(what string, err error) {
	// The VM raises "POS: interrupted"; an attach loop that gave up,
	// "POS: probe "spec": interrupted".
	at := ""
	msg, ok := strings.CutSuffix(diag.Message(err), ": "+r.L.Context().Err().Error())
	if !ok { // raised in a coroutine, whose context is a child of halt
		msg, ok = strings.CutSuffix(diag.Message(err), ": "+context.Canceled.Error())
	}
	if ok {
		if m := errorPosition.FindStringSubmatch(msg); m != nil {
			at = fmt.Sprintf(" at %s (%s)", m[1], m[2])
		} else {
			at = " at " + msg
		}
	}
	switch what {
	case "the main chunk":
	case "BEGIN", "END":
		what = "the " + what + " probe"
	default:
		what = "the callback of " + what
	}
	if r.L.Context().Err() == halt.ErrInterrupted {
		fmt.Fprintf(r.stderr, "luatrace: interrupted %s%s\n", what, at)
		return
	}
	fmt.Fprintf(r.stderr, "luatrace: %s did not finish within %v of the stop; interrupted%s\n", what, halt.EndDeadline, at)
}

// errorPosition splits "file:line: text".
var errorPosition = regexp.MustCompile(`^([^:\s]+:\d+): (.+)$`)

// isExit recognises the value exit() raised and records the request.
func (r *Runtime) isExit(err error) bool {
	code, ok := printing.ExitCode(err)
	if ok {
		r.exitCode, r.exited = code, true
	}
	return ok
}

// shutdown detaches every probe, then delivers events already on their
// way so that END sees a complete picture (after a Ctrl-C, until
// StopGrace has passed; the rest is counted). From here on, probe()
// refuses to attach.
func (r *Runtime) shutdown() {
	r.ended = true
	r.unlinkAll(r.probes) // not detach: events already queued must still be delivered
	if r.conn != nil {
		r.stopReader()
	}
}

// report prints drops and repeated errors to stderr: never silent.
func (r *Runtime) report() {
	r.errs.Summary()
	r.maps.Close(r.L)
	r.recordDrops()
	if r.conn != nil {
		r.reportDrops()
		r.conn.Close()
	}
	r.syms.Report(r.stderr, r.opts.Verbose)
	if n := r.ticks.Load(); n > 0 {
		fmt.Fprintf(r.stderr, "luatrace: %d interval ticks were skipped because callbacks fell behind\n", n)
	}
}
