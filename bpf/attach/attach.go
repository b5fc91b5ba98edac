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
	// PID scopes uprobes to one process when non-zero.
	PID int
	// Verbose receives a line per attachment when non-nil.
	Verbose io.Writer

	tracefsOnce sync.Once
	tracefsDir  string
	tracefsErr  error

	btfOnce sync.Once
	btfSpec *btf.Spec
	btfErr  error

	// sharedOn lists tracepoints running the shared tracepoint program: a
	// tracepoint runs each program once, so further probes on it get
	// their own copy.
	sharedOn map[string]bool
}

// Tracefs returns the tracefs directory, mounting tracefs if needed.
func (e *Env) Tracefs() (string, error) {
	e.tracefsOnce.Do(func() { e.tracefsDir, e.tracefsErr = tracefs.Mount() })
	return e.tracefsDir, e.tracefsErr
}

// KernelBTF returns the running kernel's BTF.
func (e *Env) KernelBTF() (*btf.Spec, error) {
	e.btfOnce.Do(func() {
		e.btfSpec, e.btfErr = btf.LoadKernelSpec()
		if e.btfErr != nil {
			e.btfErr = fmt.Errorf("this kernel has no usable BTF (/sys/kernel/btf/vmlinux): %w", e.btfErr)
		}
	})
	return e.btfSpec, e.btfErr
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
}

// Attachment is an attached target; Close detaches it.
type Attachment struct {
	ID     uint32
	Target Target

	links []link.Link
	progs []*ebpf.Program
	files []io.Closer
	// ownProgram: load a program for this probe alone (see Attach).
	ownProgram bool
}

// Close detaches the probe and releases what it loaded.
func (a *Attachment) Close() error {
	var errs []error
	for _, l := range a.links {
		errs = append(errs, l.Close())
	}
	for _, f := range a.files {
		errs = append(errs, f.Close())
	}
	for _, p := range a.progs {
		errs = append(errs, p.Close())
	}
	a.links, a.files, a.progs = nil, nil, nil
	return errors.Join(errs...)
}

// Attach writes the spec for id and attaches the target's program. On
// failure nothing stays attached and the spec is cleared.
func (e *Env) Attach(t Target, id uint32, spec collector.Spec) (*Attachment, error) {
	spec.Args = t.Args
	spec.TracepointData = t.TracepointData
	if err := e.Collector.SetSpec(id, spec); err != nil {
		return nil, fmt.Errorf("%s: %w", t.Name, err)
	}
	// A probe that only feeds maps is worth a program of its own: the id
	// becomes a constant and the attach-cookie helper call disappears
	// from every event (measured: a tenth of a count's cost). Without
	// cookies (before 5.15) that is the only way to tell probes apart.
	own := !spec.Emit && len(spec.Aggs) > 0 || !e.Collector.Cookies()
	a := &Attachment{ID: id, Target: t, ownProgram: own}
	if err := e.attach(a); err != nil {
		a.Close()
		e.Collector.Deactivate(id)
		return nil, err
	}
	if e.Verbose != nil {
		fmt.Fprintf(e.Verbose, "luatrace: attached %s (probe id %d, program %s)\n", t.Name, id, t.Program)
	}
	return a, nil
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
			return fmt.Errorf("cannot attach %s: %w", t.Name, err)
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

// loadError keeps the verifier log reachable for -v while saying in one
// sentence what failed.
func loadError(t Target, err error) error {
	return fmt.Errorf("the kernel refused the collector program for %s: %w", t.Name, err)
}

func (e *Env) attachTracepoint(a *Attachment) error {
	t := a.Target
	name := t.Group + ":" + t.Func
	prog, cookie, err := e.program(a, !e.sharedOn[name] && !a.ownProgram)
	if err != nil {
		return loadError(t, err)
	}
	var opts *link.TracepointOptions
	if cookie != 0 {
		opts = &link.TracepointOptions{Cookie: cookie}
	}
	l, err := link.Tracepoint(t.Group, t.Func, prog, opts)
	if err != nil {
		return fmt.Errorf("cannot attach %s: %w", t.Name, err)
	}
	if opts != nil {
		if e.sharedOn == nil {
			e.sharedOn = map[string]bool{}
		}
		e.sharedOn[name] = true
	}
	a.links = append(a.links, l)
	return nil
}
