package luaapi

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/luaapi/diag"
	"github.com/luatrace/luatrace/luaapi/kernel"
	"github.com/luatrace/luatrace/luaapi/repl"
)

// session is the REPL's state the owner goroutine keeps.
type session struct {
	console   repl.Console
	sink      *repl.Sink
	input     repl.Input // an unfinished multi-line chunk
	following bool
	cancel    atomic.Pointer[context.CancelFunc]
	interrupt chan struct{}
}

// PrepareREPL makes r ready for RunREPL; call it before starting the
// console's goroutines, which may call Interrupt.
func (r *Runtime) PrepareREPL(c repl.Console) {
	sink := repl.NewSink(r.opts.Out)
	r.out.Redirect(sink) // the globals and maps keep writing to r.out
	r.session = &session{console: c, sink: sink, interrupt: make(chan struct{}, 1)}
}

// RunREPL runs an interactive session until the console closes its lines,
// exit() is called or a stop arrives. Probes attached at the prompt run in
// the background; their output is shown before the next prompt. At the end
// everything is detached and END probes run. It returns the exit status.
func (r *Runtime) RunREPL() int {
	defer r.L.Close()
	stop := r.opts.Stop
	s := r.session
	r.started = true
	kernel.StartupDone()
	r.L.SetGlobal("arg", r.L.NewTable())
	r.prompt()
	for !r.exited && !r.stopping {
		select {
		case m := <-r.mail:
			r.handle(m)
			if s.following {
				r.out.Flush()
			}
		case line, ok := <-s.console.Lines:
			if !ok {
				r.stopping = true
				break
			}
			r.replInput(line)
			if !r.exited && !s.following {
				r.prompt()
			}
		case req := <-s.console.Complete:
			req.Reply <- repl.Complete(r.L, req.Word)
		case <-s.interrupt:
			if s.following {
				s.following = false
				fmt.Fprintln(r.stderr, "(stopped following)")
				r.prompt()
			}
		case reason, ok := <-stop:
			if !ok {
				stop = nil
				continue
			}
			if reason != "signal" {
				fmt.Fprintf(r.stderr, "luatrace: %s\n", reason)
			}
			r.stopping = true
		}
	}
	s.sink.SetQueuing(false)
	r.shutdown()
	r.runEnd()
	r.report()
	r.out.Flush()
	s.sink.Drain()
	return r.exitCode
}

// prompt shows queued output, then hands the terminal to the console.
func (r *Runtime) prompt() {
	s := r.session
	r.out.Flush()
	s.sink.Drain()
	text, cont := "lua> ", s.input.Pending()
	if cont {
		text = "  >> "
	}
	s.sink.SetQueuing(true)
	s.console.Ready <- repl.Prompt{Text: text, Continue: cont}
}

// replInput evaluates one line: a meta command, or Lua.
func (r *Runtime) replInput(line repl.Line) {
	s := r.session
	r.out.Flush() // output of callbacks that ran while the prompt was open
	s.sink.Drain()
	s.sink.SetQueuing(false)
	if line.Aborted {
		s.input.Reset()
		return
	}
	if !s.input.Pending() && strings.HasPrefix(strings.TrimSpace(line.Text), ":") {
		r.meta(strings.Fields(strings.TrimSpace(line.Text)[1:]))
		r.out.Flush()
		return
	}
	fn, src, err := s.input.Add(r.L, line.Text)
	if err != nil {
		fmt.Fprintf(r.stderr, "%s\n", diag.Syntax("stdin", src, err))
		return
	}
	if fn == nil {
		return // blank, or the chunk continues on the next line
	}
	r.chunks.Add(fn)
	r.evalChunk(fn)
}

// evalChunk runs a compiled line, printing its results; Ctrl-C cancels it.
func (r *Runtime) evalChunk(fn *lua.LFunction) {
	s := r.session
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel.Store(&cancel)
	r.L.SetContext(ctx)
	top := r.L.GetTop()
	r.L.Push(fn)
	err := r.L.PCall(0, lua.MultRet, nil)
	r.L.RemoveContext()
	s.cancel.Store(nil)
	interrupted := ctx.Err() != nil
	cancel()
	if err != nil {
		if r.isExit(err) {
			return
		}
		if interrupted {
			fmt.Fprintln(r.stderr, "interrupted")
		} else {
			fmt.Fprintln(r.stderr, r.chunks.Explain(diag.Message(err)))
		}
		r.L.SetTop(top)
		return
	}
	results := make([]string, 0, r.L.GetTop()-top)
	for i := top + 1; i <= r.L.GetTop(); i++ {
		results = append(results, repl.Pretty(r.L, r.L.Get(i)))
	}
	r.L.SetTop(top)
	// BEGIN probes registered at the prompt run at once: the session has
	// already begun.
	begin := r.begin
	r.begin = nil
	for _, fn := range begin {
		r.call(fn, "BEGIN", nil, false)
	}
	if len(results) > 0 {
		r.out.Print([]byte(strings.Join(results, "\t") + "\n"))
	}
	r.out.Flush()
}

const replHelp = `Type Lua: expressions print their value (=expr works too), statements run,
incomplete input continues on the next line. Probes attached here run in the
background; their output is shown before the next prompt.
  :probes          list probes with hits, filtered, lost and dropped counts
  :detach N|all    detach probe N (from :probes) or every probe
  :follow          stream probe output until Ctrl-C
  :wait SECONDS    stream probe output for a while (for scripted sessions)
  :load FILE       run a script file in this session
  :help            this text
Ctrl-C clears the line (or stops :follow), Ctrl-D leaves (END probes run).
`

// meta runs a ":command".
func (r *Runtime) meta(args []string) {
	if len(args) == 0 {
		args = []string{"help"}
	}
	switch args[0] {
	case "help", "h", "?":
		fmt.Fprint(r.stderr, replHelp)
	case "probes", "p":
		r.listProbes()
	case "detach", "d":
		r.metaDetach(args[1:])
	case "follow", "f":
		r.session.following = true
		fmt.Fprintln(r.stderr, "(following probe output; Ctrl-C to stop)")
	case "wait", "w":
		r.metaWait(args[1:])
	case "load", "l":
		if len(args) != 2 {
			fmt.Fprintln(r.stderr, "usage: :load FILE")
			return
		}
		r.metaLoad(args[1])
	case "quit", "q", "exit":
		r.stopping = true
	default:
		fmt.Fprintf(r.stderr, "unknown command :%s (try :help)\n", args[0])
	}
}

func (r *Runtime) listProbes() {
	if len(r.probes) == 0 {
		fmt.Fprintln(r.stderr, "no probes attached")
		return
	}
	fmt.Fprintf(r.stderr, "%-3s %-44s %10s %10s %8s %8s\n", "#", "PROBE", "HITS", "FILTERED", "LOST", "DROPPED")
	for _, p := range r.probes {
		if p.detached {
			continue
		}
		st := r.stats(p)
		fmt.Fprintf(r.stderr, "%-3d %-44s %10d %10d %8d %8d\n", p.seq, p.Spec.Raw, st.Hits, st.Filtered, st.Lost+st.Nested, r.queueDrops(p))
	}
}

func (r *Runtime) metaDetach(args []string) {
	if len(args) != 1 {
		fmt.Fprintln(r.stderr, "usage: :detach N|all")
		return
	}
	if args[0] == "all" {
		for _, p := range slices.Clone(r.probes) {
			p.detach(r)
		}
		fmt.Fprintln(r.stderr, "detached all probes")
		return
	}
	n, err := strconv.Atoi(args[0])
	p := r.probeNumbered(n)
	if err != nil || p == nil {
		fmt.Fprintf(r.stderr, "no probe %s (see :probes)\n", args[0])
		return
	}
	p.detach(r)
	fmt.Fprintf(r.stderr, "detached %s\n", p.Spec.Raw)
}

// metaWait handles events for a while with output streamed, so a piped
// session can attach a probe, let it run, and read the result.
func (r *Runtime) metaWait(args []string) {
	secs := 1.0
	if len(args) == 1 {
		v, err := strconv.ParseFloat(args[0], 64)
		if err != nil || v < 0 || v > 3600 {
			fmt.Fprintln(r.stderr, "usage: :wait SECONDS (0 to 3600)")
			return
		}
		secs = v
	}
	timer := time.NewTimer(time.Duration(secs * float64(time.Second)))
	defer timer.Stop()
	for !r.exited {
		select {
		case m := <-r.mail:
			r.handle(m)
			r.out.Flush()
		case <-timer.C:
			return
		case <-r.session.interrupt:
			return
		}
	}
}

func (r *Runtime) metaLoad(path string) {
	code, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(r.stderr, "cannot read %s: %v\n", path, err)
		return
	}
	fn, err := r.L.Load(strings.NewReader(string(code)), path)
	if err != nil {
		fmt.Fprintln(r.stderr, diag.Syntax(path, string(code), err))
		return
	}
	r.chunks.Add(fn)
	r.evalChunk(fn)
}
