package probespec

import (
	"fmt"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Kind is the type of probe a spec names.
type Kind int

// The probe kinds, in the order the design card lists them.
const (
	Kprobe Kind = iota + 1
	Kretprobe
	Fentry
	Fexit
	Uprobe
	Uretprobe
	USDT
	Tracepoint
	RawTracepoint
	Profile
	Interval
	Begin
	End
)

// Site is where probes of a kind fire.
type Site int

// Probe sites.
const (
	// InKernel: kernel functions, tracepoints and perf events.
	InKernel Site = iota + 1
	// InProcess: functions and USDT probes of user binaries; the
	// arguments' pointers point into the traced process.
	InProcess
	// InLuatrace: luatrace's own hooks and timers (BEGIN, END,
	// interval), which run no BPF.
	InLuatrace
)

// Targets is what a kind's probes attach to: what bpf/probes enumerates
// to match, list and complete them.
type Targets int

// Target sets.
const (
	// NoTargets: the spec is the whole target (profile, interval, BEGIN,
	// END).
	NoTargets Targets = iota
	// KernelFunctions: the functions ftrace can trace.
	KernelFunctions
	// Tracepoints: tracefs's events, GROUP:NAME.
	Tracepoints
	// RawTracepoints: the same events by NAME alone.
	RawTracepoints
	// Symbols: the function symbols of a user binary.
	Symbols
	// Notes: the USDT notes of a user binary.
	Notes
)

// Info describes one kind of probe. Kinds is the one place a kind is
// described, as bpftrace's probe_types.h: the parser, the listings and
// completion (cmd/luatrace, bpf/probes), attaching (bpf/attach) and the
// event (luaapi) read it here.
type Info struct {
	Kind Kind
	// Name is the canonical spelling, Aliases the short ones.
	Name    string
	Aliases []string
	// Usage is the spec's form, Examples specs that work: what a parse
	// error shows.
	Usage    string
	Examples []string
	Site     Site
	Targets  Targets
	// Returns: the probe fires as a function returns, and retval is
	// the function's.
	Returns bool
	// Entry is the kind whose probe on the same function keeps a
	// return probe's arguments and time from its entry (kretprobe and
	// uretprobe see neither at return); 0 for the rest.
	Entry Kind
	// Program is the collector's entry program serving the kind.
	// Attaching may pick a sibling for some targets: tp_btf for raw
	// tracepoints with BTF, the raw_syscalls dispatch for the syscalls
	// tracepoints.
	Program collector.Program
	// Stems begin specs of this kind, for completion.
	Stems []string
	// Listed: listing every probe point (-l without a kind) includes
	// this kind's, as bpftrace lists its kernel kinds.
	Listed bool
	// parse reads what follows "NAME:" into s (rest is "" without a
	// colon).
	parse func(s *Spec, i *Info, rest string, colon bool) error
}

// Want is the sentence that shows a kind's form: "want kprobe:FUNCTION
// ..., e.g. kprobe:vfs_read".
func (i *Info) Want() string {
	return "want " + i.Usage + ", e.g. " + strings.Join(i.Examples, " or ")
}

// Kinds lists every kind, in Kind order.
var Kinds = []*Info{
	kernelFunc(Kprobe, "kprobe", []string{"k"}, false, 0, collector.Kprobe),
	kernelFunc(Kretprobe, "kretprobe", []string{"kr"}, true, Kprobe, collector.Kretprobe),
	kernelFunc(Fentry, "fentry", []string{"kfunc", "f"}, false, 0, collector.Fentry),
	kernelFunc(Fexit, "fexit", []string{"kretfunc", "fr"}, true, 0, collector.Fexit),
	userFunc(Uprobe, "uprobe", []string{"u"}, false, 0, collector.Uprobe),
	userFunc(Uretprobe, "uretprobe", []string{"ur"}, true, Uprobe, collector.Uretprobe),
	{Kind: USDT, Name: "usdt", Aliases: []string{"U"}, Site: InProcess, Targets: Notes, Program: collector.Uprobe,
		Usage: "usdt:BINARY:PROVIDER:NAME", Examples: []string{"usdt:/usr/bin/python3:python:function__entry"}, Stems: []string{"usdt:"},
		parse: func(s *Spec, i *Info, rest string, _ bool) error { return s.parseUSDT(i, rest) }},
	{Kind: Tracepoint, Name: "tracepoint", Aliases: []string{"t"}, Site: InKernel, Targets: Tracepoints, Program: collector.Tracepoint, Listed: true,
		Usage: "tracepoint:GROUP:NAME", Examples: []string{"tracepoint:syscalls:sys_enter_openat"}, Stems: []string{"tracepoint:"},
		parse: func(s *Spec, i *Info, rest string, _ bool) error { return s.parseTracepoint(i, rest) }},
	{Kind: RawTracepoint, Name: "rawtracepoint", Aliases: []string{"rt"}, Site: InKernel, Targets: RawTracepoints, Program: collector.RawTP, Listed: true,
		Usage: "rawtracepoint:NAME", Examples: []string{"rawtracepoint:sched_switch"}, Stems: []string{"rawtracepoint:"},
		parse: func(s *Spec, i *Info, rest string, _ bool) error { return s.parseRawTracepoint(i, rest) }},
	{Kind: Profile, Name: "profile", Aliases: []string{"p"}, Site: InKernel, Program: collector.PerfEvent,
		Usage: "profile:hz:N, profile:ms:N or profile:Nhz", Examples: []string{"profile:hz:99"}, Stems: []string{"profile:hz:"},
		parse: func(s *Spec, i *Info, rest string, _ bool) error { return s.parseRate(i, rest) }},
	{Kind: Interval, Name: "interval", Aliases: []string{"i"}, Site: InLuatrace,
		Usage: "interval:s:N, interval:ms:N or interval:Nms", Examples: []string{"interval:s:1"}, Stems: []string{"interval:ms:", "interval:s:"},
		parse: func(s *Spec, i *Info, rest string, _ bool) error { return s.parseRate(i, rest) }},
	hook(Begin, "BEGIN"),
	hook(End, "END"),
}

// kernelFunc describes a kind of probe on kernel functions.
func kernelFunc(k Kind, name string, aliases []string, returns bool, entry Kind, prog collector.Program) *Info {
	return &Info{Kind: k, Name: name, Aliases: aliases, Site: InKernel, Targets: KernelFunctions, Returns: returns, Entry: entry, Program: prog,
		Usage: name + ":FUNCTION or " + name + ":MODULE:FUNCTION", Examples: []string{name + ":vfs_read"}, Stems: []string{name + ":"},
		Listed: k == Kprobe,
		parse:  func(s *Spec, i *Info, rest string, _ bool) error { return s.parseKernelFunc(i, rest) }}
}

// userFunc describes a kind of probe on functions of user binaries.
func userFunc(k Kind, name string, aliases []string, returns bool, entry Kind, prog collector.Program) *Info {
	return &Info{Kind: k, Name: name, Aliases: aliases, Site: InProcess, Targets: Symbols, Returns: returns, Entry: entry, Program: prog,
		Usage: name + ":BINARY:FUNCTION", Examples: []string{name + ":libc:malloc", name + ":/bin/bash:readline"}, Stems: []string{name + ":"},
		parse: func(s *Spec, i *Info, rest string, _ bool) error { return s.parseUprobe(i, rest) }}
}

// hook describes BEGIN and END, which take no target.
func hook(k Kind, name string) *Info {
	return &Info{Kind: k, Name: name, Site: InLuatrace, Usage: name, Examples: []string{name}, Stems: []string{name},
		parse: func(_ *Spec, _ *Info, _ string, colon bool) error {
			if colon {
				return fmt.Errorf("%s takes no target", name)
			}
			return nil
		}}
}

// byName finds a kind by its name or an alias.
var byName = func() map[string]*Info {
	m := map[string]*Info{}
	for _, i := range Kinds {
		m[i.Name] = i
		for _, a := range i.Aliases {
			m[a] = i
		}
	}
	return m
}()

// Lookup finds the kind a word names, by name or alias.
func Lookup(word string) (*Info, bool) {
	i, ok := byName[word]
	return i, ok
}

// KnownType reports whether word is a probe type or one of its short
// spellings ("kprobe", "k", "tracepoint", ...): names that a library's
// probe alias may not take.
func KnownType(word string) bool {
	_, ok := byName[word]
	return ok
}

// Info describes the kind (nil for an unknown one).
func (k Kind) Info() *Info {
	if k < Kprobe || int(k) > len(Kinds) {
		return nil
	}
	return Kinds[k-1]
}

// String returns the kind's canonical (long) name.
func (k Kind) String() string {
	if i := k.Info(); i != nil {
		return i.Name
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Kernel reports whether probes of this kind are attached in the kernel,
// as opposed to BEGIN, END and interval, which run in user space.
func (k Kind) Kernel() bool {
	i := k.Info()
	return i != nil && i.Site != InLuatrace
}

// Return reports whether the kind fires on function return.
func (k Kind) Return() bool {
	i := k.Info()
	return i != nil && i.Returns
}
