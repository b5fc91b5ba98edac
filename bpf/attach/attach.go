// Package attach turns parsed probe specs into attached collector programs:
// it resolves targets (expanding wildcards), picks the entry program,
// writes the probe's spec and creates the BPF links.
//
// Every attachment is a BPF link or a perf event owned by a file
// descriptor, so the kernel detaches everything when the process exits,
// even on kill -9.
package attach

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"

	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/usdt"
)

// Env is what attaching needs from the host.
type Env struct {
	Collector *collector.Collector
	// PID scopes uprobes to one process when non-zero, and names the
	// process whose libraries library names resolve to.
	PID int
	// Follow says PID's descendants are traced too: uprobes, USDT probes
	// and CPU sampling then attach to every process, as a process PID
	// forks is not known yet, and the collector's pid filter (Spec.Follow)
	// keeps PID's.
	Follow bool
	// Verbose receives a line per attachment when non-nil.
	Verbose io.Writer

	tracefsOnce sync.Once
	tracefsDir  string
	tracefsErr  error

	// Interrupted, when set, is asked between attachments: a true answer
	// (a stop was requested) abandons the attach with ErrInterrupted.
	Interrupted func() bool
	// Progress, when set, hears how many of a batch's targets are
	// attached, after each one.
	Progress func(done, total int)
	// SingleLinks turns multi-target links off: every target gets its
	// own link, as on kernels without them.
	SingleLinks bool

	// skipped counts the kernel's skipped runs (Skipped) of programs
	// already closed with their attachments.
	skipped atomic.Uint64

	mu sync.Mutex
	// sharedOn lists tracepoints running the shared tracepoint program: a
	// tracepoint runs each program once, so further probes on it get
	// their own copy until the probe holding the shared one detaches.
	sharedOn map[string]bool
	// executables caches opened binaries for uprobes.
	executables map[string]*link.Executable
	// dispatching: the raw_syscalls dispatch of entries (false) or exits
	// (true) serves a probe.
	dispatching map[bool]bool
}

// attachPID is the process uprobes and sampling events attach to, 0 for
// every process.
func (e *Env) attachPID() int {
	if e.Follow {
		return 0
	}
	return e.PID
}

// Tracefs returns the tracefs directory, mounting tracefs if needed.
func (e *Env) Tracefs() (string, error) {
	e.tracefsOnce.Do(func() { e.tracefsDir, e.tracefsErr = tracefs.Mount() })
	return e.tracefsDir, e.tracefsErr
}

// Target is one concrete attachment point a spec resolved to.
type Target struct {
	// Spec is the spec as the script wrote it (possibly a wildcard).
	Spec probespec.Spec
	// Name is the concrete probe, e.g. "kprobe:vfs_read".
	Name string
	// Func is the function, symbol or tracepoint name (e.func).
	Func string
	// Path is the resolved binary for uprobes.
	Path string
	// Group is the tracepoint group.
	Group string
	// Format describes the raw record of a tracepoint.
	Format *tracefs.Format
	// Params describes the function's parameters when BTF knows them.
	Params []Param
	// Return is the function's return type when BTF knows it.
	Return btf.Type
	// Args is how many arguments the collector copies.
	Args int
	// TracepointData is how many raw record bytes the collector copies.
	TracepointData int
	// Program is the entry program that serves this target.
	Program collector.Program
	// USDT is the probe note of a usdt target; its arguments are in
	// USDTArgs.
	USDT     *usdt.Note
	USDTArgs []usdt.Arg
	// Address is the file offset a uprobe attaches at.
	Address uint64
	// Note tells -v where a target really attached when that is not
	// obvious from its name (an IFUNC's implementation).
	Note string
	// syscall is the system call of a syscalls tracepoint.
	syscall *syscallRoute
}

// Skipped is how many probe hits the kernel did not run any program of
// the environment for, because a BPF program was already running on that
// CPU (see collector.Collector.Skipped): those of the programs closed with
// their attachments, and of the collector's shared ones.
func (e *Env) Skipped() (uint64, error) {
	n, err := e.Collector.Skipped()
	return n + e.skipped.Load(), err
}

// Attachment is an attached target; Close detaches it.
type Attachment struct {
	ID     uint32
	Target Target

	env   *Env
	links []link.Link
	progs []*ebpf.Program
	files []io.Closer
	// multi is the link this target shares with others, if any.
	multi *sharedLink
	// route is this target's entry in the syscalls dispatch, if any.
	route *syscallRoute
	// sharedTracepoint is the tracepoint whose shared program this
	// attachment holds.
	sharedTracepoint string
	// ownProgram: load a program for this probe alone (see Attach).
	ownProgram bool
}

// Close detaches the probe and releases what it loaded. A target of a
// multi-target link stops producing events once its spec is cleared;
// the link itself goes with the last of its targets.
func (a *Attachment) Close() error {
	var errs []error
	for _, l := range a.links {
		errs = append(errs, l.Close())
	}
	for _, f := range a.files {
		errs = append(errs, f.Close())
	}
	for _, p := range a.progs {
		if st, err := p.Stats(); err == nil {
			a.env.skipped.Add(st.RecursionMisses)
		}
		errs = append(errs, p.Close())
	}
	if a.route != nil {
		errs = append(errs, a.env.Collector.SetSyscallProbe(a.route.exit, a.route.nr, 0))
	}
	if a.multi != nil {
		errs = append(errs, a.multi.release())
	}
	if a.sharedTracepoint != "" {
		a.env.mu.Lock()
		delete(a.env.sharedOn, a.sharedTracepoint)
		a.env.mu.Unlock()
	}
	a.links, a.files, a.progs, a.multi, a.route, a.sharedTracepoint = nil, nil, nil, nil, nil, ""
	return errors.Join(errs...)
}

// attachOne writes a request's spec and attaches its target alone. On
// failure nothing stays attached and the spec is cleared.
func (e *Env) attachOne(r Request) (*Attachment, error) {
	t := r.Target
	if err := e.setSpec(r); err != nil {
		return nil, err
	}
	// A probe that only feeds maps is worth a program of its own: the id
	// becomes a constant and the attach-cookie helper call disappears
	// from every event (measured: a tenth of a count's cost). Not for a
	// glob: verifying a program per target would take minutes for
	// tracepoint:syscalls:*. Without cookies (before 5.15) a program of
	// its own is the only way to tell probes apart, glob or not.
	own := !r.Spec.Emit && len(r.Spec.Aggs) > 0 && !t.Spec.Wildcard() || !e.Collector.Cookies()
	// A tracepoint that only feeds a callback, or only maps keyed by
	// header values, needs none of the general program, which takes
	// kernel BTF and several times as long to verify.
	switch {
	case t.Program != collector.Tracepoint:
	case r.Spec.Plain():
		t.Program = collector.TracepointPlain
	case r.Spec.HeaderAggs() && r.Spec.StackKeys():
		t.Program = collector.TracepointAggStacks
	case r.Spec.HeaderAggs():
		t.Program = collector.TracepointAgg
	}
	a := &Attachment{ID: r.ID, Target: t, env: e, ownProgram: own}
	if err := e.attach(a); err != nil {
		a.Close()
		e.Collector.Deactivate(r.ID)
		return nil, err
	}
	e.attached(a, "")
	return a, nil
}

// setSpec writes the collector spec of a request.
func (e *Env) setSpec(r Request) error {
	spec := r.Spec
	spec.Args = r.Target.Args
	spec.TracepointData = r.Target.TracepointData
	if err := e.Collector.SetSpec(r.ID, spec); err != nil {
		return fmt.Errorf("%s: %w", r.Target.Name, err)
	}
	return nil
}

// attached reports an attachment with -v.
func (e *Env) attached(a *Attachment, via string) {
	if e.Verbose == nil {
		return
	}
	t := a.Target
	fmt.Fprintf(e.Verbose, "luatrace: attached %s (probe id %d, program %s%s)\n", t.Name, a.ID, t.Program, via)
	if t.Note != "" {
		fmt.Fprintf(e.Verbose, "luatrace: %s: %s\n", t.Name, t.Note)
	}
}

func (e *Env) attach(a *Attachment) error {
	t := a.Target
	switch t.Spec.Kind {
	case probespec.Kprobe, probespec.Kretprobe:
		prog, cookie, err := e.program(a, !a.ownProgram)
		if err != nil {
			return loadError(t, err)
		}
		opts := &link.KprobeOptions{Cookie: cookie, Offset: t.Spec.Offset}
		var l link.Link
		if t.Spec.Kind == probespec.Kprobe {
			l, err = link.Kprobe(t.Func, prog, opts)
		} else {
			l, err = link.Kretprobe(t.Func, prog, opts)
		}
		if err != nil {
			return kprobeError(e, t, err)
		}
		a.links = append(a.links, l)
	case probespec.Uprobe, probespec.Uretprobe, probespec.USDT:
		return e.attachUprobe(a)
	case probespec.Tracepoint:
		return e.attachTracepoint(a)
	case probespec.RawTracepoint:
		prog, err := e.Collector.Dedicated(t.Program, a.ID, attachToFor(t))
		if err != nil {
			return loadError(t, err)
		}
		a.progs = append(a.progs, prog)
		var l link.Link
		if t.Program == collector.TPBTF {
			l, err = link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
		} else {
			l, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: t.Func, Program: prog})
		}
		if err != nil {
			return &targetError{t, err}
		}
		a.links = append(a.links, l)
	case probespec.Fentry, probespec.Fexit:
		prog, err := e.Collector.Dedicated(t.Program, a.ID, t.Func)
		if err != nil {
			return fentryError(e, t, err)
		}
		a.progs = append(a.progs, prog)
		at := ebpf.AttachTraceFEntry
		if t.Spec.Kind == probespec.Fexit {
			at = ebpf.AttachTraceFExit
		}
		l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: at})
		if err != nil {
			return fentryError(e, t, err)
		}
		a.links = append(a.links, l)
	case probespec.Profile:
		return e.attachProfile(a)
	default:
		return fmt.Errorf("probe %q is not a kernel-side probe", t.Spec.Raw)
	}
	return nil
}

// program returns the entry program for a: the shared one, selected by the
// probe id as attach cookie, or one of a's own with the id built in (and
// the cookie 0).
func (e *Env) program(a *Attachment, shared bool) (*ebpf.Program, uint64, error) {
	if shared {
		prog, err := e.Collector.Shared(a.Target.Program)
		return prog, uint64(a.ID), err
	}
	prog, err := e.Collector.Dedicated(a.Target.Program, a.ID, "")
	if err != nil {
		return nil, 0, err
	}
	a.progs = append(a.progs, prog)
	return prog, 0, nil
}

func attachToFor(t Target) string {
	if t.Program == collector.TPBTF {
		return t.Func
	}
	return ""
}

func (e *Env) attachTracepoint(a *Attachment) error {
	t := a.Target
	name := t.Group + ":" + t.Func
	// A tracepoint runs each program once: the first probe on it gets
	// the shared program, later ones a copy of their own.
	e.mu.Lock()
	shared := !e.sharedOn[name] && !a.ownProgram
	if shared {
		if e.sharedOn == nil {
			e.sharedOn = map[string]bool{}
		}
		e.sharedOn[name] = true
		a.sharedTracepoint = name // released by Close, also on failure
	}
	e.mu.Unlock()
	prog, cookie, err := e.program(a, shared)
	if err != nil {
		return loadError(t, err)
	}
	var opts *link.TracepointOptions
	if cookie != 0 {
		opts = &link.TracepointOptions{Cookie: cookie}
	}
	l, err := link.Tracepoint(t.Group, t.Func, prog, opts)
	if err != nil {
		return &targetError{t, err}
	}
	a.links = append(a.links, l)
	return nil
}
