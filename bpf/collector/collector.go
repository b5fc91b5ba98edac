// Package collector loads luatrace's generic eBPF collector and feeds it
// per-probe specs.
//
// The collector is one compiled object (collector.bpf.c) with an entry
// program per context type. Programs attached through perf events share one
// loaded instance and find their spec by attach cookie; programs that must be
// loaded per target (fentry, fexit, tp_btf, raw_tp, perf_event), and every
// program on kernels without cookies (before 5.15), carry their probe id as
// a load-time constant. Either way adding a probe is a map write plus an
// attach, never a recompile. Helpers newer than 5.10 are chosen by feature
// probes at load, never by kernel version.
package collector

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"

	"github.com/luatrace/luatrace/bpf/kernelbtf"
)

// Limits of probes and records (collector.h's lt_probe_limits).
const (
	// MaxProbes bounds how many probes are attached at once: a probe id's
	// low bits are its slot in the spec and stats arrays (slot 0 is
	// reserved), the bits above a generation that changes when the slot
	// is reused, so records still queued from the slot's previous probe
	// are recognised.
	MaxProbes = int(collectorLtProbeLimitsLT_MAX_PROBES)
	// MaxArgs is the most arguments a record carries.
	MaxArgs = int(collectorLtProbeLimitsLT_MAX_ARGS)
	// MaxRegisterArgs is how many arguments kprobe/uprobe read from
	// registers, and return probes get from their paired entry.
	MaxRegisterArgs = int(collectorLtProbeLimitsLT_REGISTER_ARGS)
	// MaxTracepointData is the most raw tracepoint bytes a record carries.
	MaxTracepointData = int(collectorLtProbeLimitsLT_MAX_TP_DATA)
	// MaxRecord is the largest record the collector builds.
	MaxRecord = int(collectorLtProbeLimitsLT_MAX_RECORD)
	// MaxSyscalls bounds the system call numbers SetSyscallProbe takes.
	MaxSyscalls = int(collectorLtProbeLimitsLT_MAX_SYSCALLS)
)

// Program names an entry program of the collector.
type Program string

// The entry programs, one per context type.
const (
	Kprobe     Program = "lt_kprobe"
	Kretprobe  Program = "lt_kretprobe"
	Uprobe     Program = "lt_uprobe"
	Uretprobe  Program = "lt_uretprobe"
	Tracepoint Program = "lt_tracepoint"
	RawTP      Program = "lt_raw_tp"
	TPBTF      Program = "lt_tp_btf"
	Fentry     Program = "lt_fentry"
	Fexit      Program = "lt_fexit"
	PerfEvent  Program = "lt_perf_event"
	// SysEnter and SysExit attach to raw_syscalls and serve the syscalls
	// tracepoints by system call number (SetSyscallProbe).
	SysEnter Program = "lt_sys_enter"
	SysExit  Program = "lt_sys_exit"
)

// Options tune the collector at load time.
type Options struct {
	// RingBytes is the ring buffer size, a power of two (default 16 MiB).
	// The reader drains it every 10 ms, so it absorbs bursts of up to
	// RingBytes per 10 ms (1.6 GB/s by default) without losses.
	RingBytes uint32
}

// Collector owns the shared maps and the loaded entry programs.
type Collector struct {
	spec    *ebpf.CollectionSpec
	events  *ebpf.Map
	specs   *ebpf.Map
	stats   *ebpf.Map
	scratch *ebpf.Map
	// Paired return probes: per-thread call depth and saved entries.
	entryDepths *ebpf.Map
	entries     *ebpf.Map
	// In-kernel aggregations: arrays of per-CPU hashes by key size, their
	// counters, the key-building buffer and stacks used as keys.
	aggSmall, aggLarge *ebpf.Map
	aggCounts          *ebpf.Map
	aggKeys            *ebpf.Map
	aggStacks          *ebpf.Map
	aggCache           *ebpf.Map
	// The syscalls dispatch: probe ids by system call number.
	sysEnterIDs, sysExitIDs *ebpf.Map
	// Per-key timestamps (Stamp, CalcSince) and their counts per table.
	stamps, stampCounts *ebpf.Map
	// Following a process (follow.go): the traced processes, the forks
	// left out when they were full, and the links that keep them current.
	tracedTgids, tracedFull *ebpf.Map
	followLinks             []link.Link
	// Kernel memory reads: the result buffer and the reader program.
	memBuf   *ebpf.Map
	memMu    sync.Mutex
	memProg  *ebpf.Program
	aggSlots map[bool]map[uint16]bool

	mu     sync.Mutex
	shared map[sharedKey]*ebpf.Program
	owned  []*ebpf.Program

	// cookies: the kernel has attach cookies (5.15+), so one loaded
	// program serves every kprobe, uprobe and tracepoint.
	cookies bool
}

// Load creates the collector's maps. Programs load lazily on first use, so a
// script that never traces a kind never pays for its verification.
func Load(opts Options) (*Collector, error) {
	spec, err := loadCollector()
	if err != nil {
		return nil, fmt.Errorf("read embedded collector: %w", err)
	}
	if opts.RingBytes == 0 {
		opts.RingBytes = 16 << 20
	}
	if opts.RingBytes&(opts.RingBytes-1) != 0 {
		return nil, fmt.Errorf("ring buffer size %d is not a power of two", opts.RingBytes)
	}
	spec.Maps[collectorMapEvents].MaxEntries = opts.RingBytes
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("count possible CPUs: %w", err)
	}
	spec.Maps[collectorMapScratch].MaxEntries = uint32(cpus)

	// The task's command comes through the BTF task pointer where the
	// kernel has the helper (5.11+); the verifier drops the other branch.
	if features.HaveProgramHelper(ebpf.Kprobe, asm.FnGetCurrentTaskBtf) == nil {
		if err := spec.Variables[collectorVarLtHaveTaskBtf].Set(uint32(1)); err != nil {
			return nil, fmt.Errorf("select the command helper: %w", err)
		}
	}
	cookies := features.HaveProgramHelper(ebpf.Kprobe, asm.FnGetAttachCookie) == nil

	c := &Collector{spec: spec, shared: map[sharedKey]*ebpf.Program{}, cookies: cookies, aggSlots: map[bool]map[uint16]bool{}}
	for _, m := range c.maps() {
		*m.dst, err = ebpf.NewMap(spec.Maps[m.name])
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("create map %s: %w", m.name, err)
		}
	}
	return c, nil
}

// Close releases the maps and every program the collector loaded. Links
// attached to those programs must be closed first by their owners.
func (c *Collector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, l := range c.followLinks {
		errs = append(errs, l.Close())
	}
	c.followLinks = nil
	for _, p := range c.shared {
		errs = append(errs, p.Close())
	}
	for _, p := range c.owned {
		errs = append(errs, p.Close())
	}
	if c.memProg != nil {
		errs = append(errs, c.memProg.Close())
		c.memProg = nil
	}
	c.shared, c.owned = map[sharedKey]*ebpf.Program{}, nil
	for _, slot := range c.maps() {
		m := *slot.dst
		if m != nil {
			errs = append(errs, m.Close())
		}
	}
	return errors.Join(errs...)
}

// Cookies reports whether the kernel passes attach cookies to kprobe,
// uprobe and tracepoint programs (5.15+). Without them Shared programs
// cannot tell probes apart: attach a Dedicated program to each target.
func (c *Collector) Cookies() bool { return c.cookies }

// Shared returns the cookie-selected instance of an entry program, loading it
// on first use. Attach it with the probe id as the cookie; see Cookies.
func (c *Collector) Shared(p Program) (*ebpf.Program, error) {
	return c.SharedAs(p, ebpf.AttachNone)
}

// sharedKey tells apart instances of one entry program loaded for
// different attach types (a kprobe and a kprobe_multi program differ).
type sharedKey struct {
	program Program
	attach  ebpf.AttachType
}

// SharedAs is Shared for an attach type the program must be loaded with,
// such as ebpf.AttachTraceUprobeMulti for multi-target links.
func (c *Collector) SharedAs(p Program, at ebpf.AttachType) (*ebpf.Program, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := sharedKey{p, at}
	if prog, ok := c.shared[key]; ok {
		return prog, nil
	}
	prog, err := c.load(p, 0, "", at)
	if err != nil {
		return nil, err
	}
	c.shared[key] = prog
	return prog, nil
}

// Dedicated loads an instance of an entry program bound to one probe id, for
// program types that are loaded per target (attachTo names the kernel
// function or BTF tracepoint for fentry, fexit and tp_btf). The caller owns
// the program and closes it after detaching.
func (c *Collector) Dedicated(p Program, id uint32, attachTo string) (*ebpf.Program, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return c.load(p, id, attachTo, ebpf.AttachNone)
}

func (c *Collector) load(p Program, id uint32, attachTo string, at ebpf.AttachType) (*ebpf.Program, error) {
	spec := c.spec.Copy()
	ps, ok := spec.Programs[string(p)]
	if !ok {
		return nil, fmt.Errorf("collector has no program %s", p)
	}
	for name := range spec.Programs {
		if name != string(p) {
			delete(spec.Programs, name)
		}
	}
	ps.AttachTo = attachTo
	if at != ebpf.AttachNone {
		ps.AttachType = at
	}
	if err := spec.Variables[collectorVarLtFixedProbeId].Set(id); err != nil {
		return nil, fmt.Errorf("set probe id: %w", err)
	}
	// Every program shares the collector's maps; one left out here would
	// be created per program and silently not shared.
	replacements := map[string]*ebpf.Map{}
	for _, m := range c.maps() {
		replacements[m.name] = *m.dst
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{MapReplacements: replacements, Cache: kernelbtf.Cache()})
	if err != nil {
		return nil, &LoadError{Program: p, Target: attachTo, Err: err}
	}
	defer coll.Close()
	return coll.DetachProgram(string(p)), nil
}

// SetSyscallProbe makes probe id serve system call nr's entry (or exit,
// with exit set) through the SysEnter (SysExit) program; id 0 clears it.
func (c *Collector) SetSyscallProbe(exit bool, nr, id uint32) error {
	if nr >= uint32(MaxSyscalls) {
		return fmt.Errorf("system call number %d is past the %d the collector serves", nr, MaxSyscalls)
	}
	m := c.sysEnterIDs
	if exit {
		m = c.sysExitIDs
	}
	if err := m.Put(nr, id); err != nil {
		return fmt.Errorf("route system call %d to probe %d: %w", nr, id, err)
	}
	return nil
}

// ProbeSlot is probe id's index in the spec and stats arrays.
func ProbeSlot(id uint32) uint32 { return id & uint32(MaxProbes-1) }

func checkID(id uint32) error {
	if ProbeSlot(id) == 0 {
		return fmt.Errorf("probe id %#x has the reserved slot 0", id)
	}
	return nil
}

// LoadError reports a program the kernel refused, keeping the verifier log
// for -v.
type LoadError struct {
	Program Program
	Target  string
	Err     error
}

func (e *LoadError) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("load %s for %s: %v", e.Program, e.Target, e.Err)
	}
	return fmt.Sprintf("load %s: %v", e.Program, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// VerifierLog returns the full verifier log when the kernel rejected the
// program in verification, else "".
func (e *LoadError) VerifierLog() string {
	var ve *ebpf.VerifierError
	if errors.As(e.Err, &ve) {
		return fmt.Sprintf("%+v", ve)
	}
	return ""
}

type mapSlot struct {
	name string
	dst  **ebpf.Map
}

// maps lists the collector's maps: created once, shared by all programs.
func (c *Collector) maps() []mapSlot {
	return []mapSlot{
		{collectorMapEvents, &c.events},
		{collectorMapProbeSpecs, &c.specs},
		{collectorMapProbeStats, &c.stats},
		{collectorMapScratch, &c.scratch},
		{collectorMapEntryDepths, &c.entryDepths},
		{collectorMapEntries, &c.entries},
		{collectorMapAggSmall, &c.aggSmall},
		{collectorMapAggLarge, &c.aggLarge},
		{collectorMapAggCounts, &c.aggCounts},
		{collectorMapAggKeys, &c.aggKeys},
		{collectorMapAggStacks, &c.aggStacks},
		{collectorMapAggCache, &c.aggCache},
		{collectorMapMemBuf, &c.memBuf},
		{collectorMapSysEnterIds, &c.sysEnterIDs},
		{collectorMapSysExitIds, &c.sysExitIDs},
		{collectorMapStamps, &c.stamps},
		{collectorMapStampCounts, &c.stampCounts},
		{collectorMapTracedTgids, &c.tracedTgids},
		{collectorMapTracedFull, &c.tracedFull},
	}
}
