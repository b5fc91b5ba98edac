// Package probes finds the points probes attach to. One matcher, as
// bpftrace's ProbeMatcher, serves attaching (expanding a spec, globs
// included), listing (-l) and completion: kernel functions from tracefs
// (or /proc/kallsyms), tracepoints from tracefs, functions of user binaries
// from their ELF symbols and USDT probes from their notes. Which of these
// a kind's targets are is the probe-kind table's Targets.
package probes

import (
	"fmt"

	"github.com/luatrace/luatrace/bpf/probespec"
	"github.com/luatrace/luatrace/bpf/tracefs"
	"github.com/luatrace/luatrace/bpf/usdt"
	"github.com/luatrace/luatrace/bpf/usym"
)

// Point is one place a probe attaches.
type Point struct {
	// Name is the point as a spec, in canonical form:
	// "kprobe:vfs_read", "tracepoint:sched:sched_switch".
	Name string
	// Func is the function, symbol, tracepoint or USDT probe name.
	Func string
	// Module is the kernel module of a kernel function ("" for the
	// kernel itself).
	Module string
	// Group is the tracepoint group.
	Group string
	// Path is the resolved binary of a user-binary point.
	Path string
	// Symbol is the function symbol of a uprobe point.
	Symbol usym.Symbol
	// Note is the USDT note of a usdt point: a probe the compiler
	// placed twice is two points.
	Note *usdt.Note
}

// Matcher enumerates probe points. The zero value serves the whole system
// and mounts tracefs when it is needed.
type Matcher struct {
	// PID resolves library names ("libc") in that process's mappings.
	PID int
	// Tracefs returns the tracefs directory; nil is tracefs.Mount.
	Tracefs func() (string, error)
}

func (m *Matcher) tracefs() (string, error) {
	if m.Tracefs != nil {
		return m.Tracefs()
	}
	return tracefs.Mount()
}

// Match returns the points spec s names: the one it names, or every point
// its globs match. A name that is not there is an error suggesting the
// closest that is; so is a glob that matches nothing. A uprobe at an
// address is one point, checked by the attacher.
func (m *Matcher) Match(s probespec.Spec) ([]Point, error) {
	switch s.Kind.Info().Targets {
	case probespec.KernelFunctions:
		return m.kernelFunctions(s)
	case probespec.Tracepoints:
		return m.tracepoints(s)
	case probespec.RawTracepoints:
		return m.rawTracepoints(s)
	case probespec.Symbols:
		return m.symbols(s)
	case probespec.Notes:
		return m.notes(s)
	}
	if !s.Kind.Kernel() {
		return nil, fmt.Errorf("probe %q is not a kernel-side probe", s.Raw)
	}
	return []Point{{Name: s.String(), Func: s.Kind.String()}}, nil
}

// Binary resolves a user binary as the points of specs naming it are
// resolved: a path, or a library name looked up in the process's mappings
// and the linker's paths.
func (m *Matcher) Binary(name string) (string, error) {
	return usym.ResolveBinary(name, m.PID)
}
