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
	"maps"
	"slices"
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
	// MaxUserSample is the most user stack bytes a user sample copies
	// (Spec.UserSample); UserSampleRegs is the size of the registers
	// before them (the kernel's struct pt_regs).
	MaxUserSample  = int(collectorLtUsampleLimitsLT_MAX_USTACK)
	UserSampleRegs = int(collectorLtUsampleLimitsLT_USAMPLE_REGS)
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

// TracepointPlain serves the tracepoint probes whose specs are Plain, in a
// fraction of Tracepoint's load time and per-event cost (plain.bpf.c).
const TracepointPlain Program = "lt_tracepoint_plain"

// TracepointAgg serves the tracepoint probes whose specs are HeaderAggs,
// in a third of Tracepoint's instructions (plain.bpf.c), and
// TracepointAggStacks those of them whose keys hold a stack (StackKeys):
// only it needs the stack map, whose creation alone cost more than the
// rest of a startup.
const (
	TracepointAgg       Program = "lt_tracepoint_agg"
	TracepointAggStacks Program = "lt_tracepoint_agg_stacks"
)

// Options tune the collector at load time.
type Options struct {
	// RingBytes is the ring buffer size, a power of two (default
	// DefaultRingBytes). The reader drains it every 10 ms, so it absorbs
	// bursts of up to RingBytes per 10 ms without losses.
	RingBytes uint32
}

// DefaultRingBytes is the default ring buffer size: 8 MiB absorb 800 MB/s
// (at 100 bytes a record, 8M events/s, four times what one Lua callback
// keeps up with). The reader maps it (ring.go), so its size counts in
// luatrace's resident memory.
const DefaultRingBytes = 8 << 20

// Collector owns the shared maps and the loaded entry programs.
type Collector struct {
	opts Options
	// plain is the plain tracepoint program's object, read at Load;
	// general, the collector proper, is read on first use (generalSpec):
	// decoding its BTF and instructions is most of a plain script's
	// startup.
	plain   *ebpf.CollectionSpec
	general *ebpf.CollectionSpec

	// The maps: each is created when the first program that uses it
	// loads, or when Go first needs it (need); mapMu guards creating
	// them and the lazy ones' fields.
	mapMu   sync.Mutex
	events  *ebpf.Map
	specs   *ebpf.Map
	stats   *ebpf.Map
	scratch *ebpf.Map

	// eventsMade is closed when events is created (EventsCreated).
	eventsMade chan struct{}

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
	// Links of the programs that watch tasks rather than serve probes:
	// follow.go's fork and free, seen.go's exec.
	taskLinks []link.Link
	// Processes announced for user stacks (seen.go), and whether the
	// exec hook that forgets them is attached.
	seenTgids    *ebpf.Map
	seenAttached bool
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

// userSamples reports whether the kernel can read a task's user registers
// (Spec.UserSample). Asked on first need, not at Load: the probe costs a
// program load, and cilium/ebpf caches the answer.
func (c *Collector) userSamples() bool {
	return features.HaveProgramHelper(ebpf.Kprobe, asm.FnTaskPtRegs) == nil
}

// Load creates the maps every probe uses: specs and statistics.
// Programs, and the maps only some of them use (the ring buffer
// included: see EventsCreated), are created on first use, so a script
// never pays for what it does not trace.
func Load(opts Options) (*Collector, error) {
	if opts.RingBytes == 0 {
		opts.RingBytes = DefaultRingBytes
	}
	if opts.RingBytes&(opts.RingBytes-1) != 0 {
		return nil, fmt.Errorf("ring buffer size %d is not a power of two", opts.RingBytes)
	}
	plain, err := loadPlain()
	if err != nil {
		return nil, fmt.Errorf("read embedded plain tracepoint program: %w", err)
	}
	c := &Collector{opts: opts, plain: plain, shared: map[sharedKey]*ebpf.Program{}, aggSlots: map[bool]map[uint16]bool{},
		eventsMade: make(chan struct{})}
	if err := c.size(plain); err != nil {
		return nil, err
	}
	c.cookies = features.HaveProgramHelper(ebpf.Kprobe, asm.FnGetAttachCookie) == nil
	if err := c.need(collectorMapProbeSpecs, collectorMapProbeStats); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// size applies the load-time sizes of Options and the CPU count to spec.
func (c *Collector) size(spec *ebpf.CollectionSpec) error {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return fmt.Errorf("count possible CPUs: %w", err)
	}
	spec.Maps[collectorMapEvents].MaxEntries = c.opts.RingBytes
	spec.Maps[collectorMapScratch].MaxEntries = uint32(cpus)
	return nil
}

// generalSpec returns the collector proper, reading it on first use.
// Callers hold mapMu.
func (c *Collector) generalSpec() (*ebpf.CollectionSpec, error) {
	if c.general != nil {
		return c.general, nil
	}
	spec, err := loadCollector()
	if err != nil {
		return nil, fmt.Errorf("read embedded collector: %w", err)
	}
	if err := c.size(spec); err != nil {
		return nil, err
	}
	// The task's command comes through the BTF task pointer where the
	// kernel has the helper (5.11+); the verifier drops the other branch.
	if features.HaveProgramHelper(ebpf.Kprobe, asm.FnGetCurrentTaskBtf) == nil {
		if err := spec.Variables[collectorVarLtHaveTaskBtf].Set(uint32(1)); err != nil {
			return nil, fmt.Errorf("select the command helper: %w", err)
		}
	}
	// User samples read the task's user registers with bpf_task_pt_regs
	// (5.15+); without it SetSpec refuses them.
	if c.userSamples() {
		if err := spec.Variables[collectorVarLtHaveTaskPtRegs].Set(uint32(1)); err != nil {
			return nil, fmt.Errorf("select the user register helper: %w", err)
		}
	}
	c.general = spec
	return spec, nil
}

// need creates the named maps that do not exist yet.
func (c *Collector) need(names ...string) error {
	c.mapMu.Lock()
	defer c.mapMu.Unlock()
	_, err := c.needLocked(names)
	return err
}

// needLocked creates the named maps missing, from the plain object's
// definitions (it shares maps.bpf.h with the general one, so it has them
// all), and returns every map of the collector by name, nil for those not
// created. Callers hold mapMu.
func (c *Collector) needLocked(names []string) (map[string]*ebpf.Map, error) {
	byName := map[string]**ebpf.Map{}
	for _, m := range c.maps() {
		byName[m.name] = m.dst
	}
	for _, name := range names {
		dst, ok := byName[name]
		if !ok || *dst != nil {
			continue
		}
		ms, ok := c.plain.Maps[name]
		if !ok {
			return nil, fmt.Errorf("the plain tracepoint object has no map %s: run make generate", name)
		}
		// Without BTF: no map needs it (no spin locks, timers or
		// kptrs), and encoding it took a tenth of a plain startup.
		ms = ms.Copy()
		ms.Key, ms.Value = nil, nil
		m, err := ebpf.NewMap(ms)
		if err != nil {
			return nil, fmt.Errorf("create map %s: %w", name, err)
		}
		*dst = m
		if name == collectorMapEvents {
			close(c.eventsMade)
		}
	}
	all := map[string]*ebpf.Map{}
	for name, dst := range byName {
		all[name] = *dst
	}
	return all, nil
}

// EventsCreated is closed once the ring buffer exists: a program that
// sends records has loaded (or NewReader was called). A script whose
// probes only update maps never gets there, so it needs no reader and no
// mapping of the ring buffer, which costs its size in resident memory.
func (c *Collector) EventsCreated() <-chan struct{} { return c.eventsMade }

// Close releases the maps and every program the collector loaded. Links
// attached to those programs must be closed first by their owners.
func (c *Collector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, l := range c.taskLinks {
		errs = append(errs, l.Close())
	}
	c.taskLinks = nil
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
	c.mapMu.Lock()
	defer c.mapMu.Unlock()
	for _, slot := range c.maps() {
		if m := *slot.dst; m != nil {
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
	c.mapMu.Lock()
	source := c.plain
	if _, ok := source.Programs[string(p)]; !ok {
		var err error
		if source, err = c.generalSpec(); err != nil {
			c.mapMu.Unlock()
			return nil, err
		}
	}
	ps, ok := source.Programs[string(p)]
	if !ok {
		c.mapMu.Unlock()
		return nil, fmt.Errorf("collector has no program %s", p)
	}
	// Only p, and only the maps p uses: every other map is left out of
	// the copy, so none is created for it.
	used := usedMaps(ps, source)
	spec := &ebpf.CollectionSpec{
		Maps:      map[string]*ebpf.MapSpec{},
		Programs:  map[string]*ebpf.ProgramSpec{string(p): ps.Copy()},
		Variables: map[string]*ebpf.VariableSpec{},
		ByteOrder: source.ByteOrder,
	}
	for name := range used {
		spec.Maps[name] = source.Maps[name].Copy()
	}
	// The variables live in .rodata, which the copy holds when p uses one.
	for name, v := range source.Variables {
		if used[v.SectionName] {
			spec.Variables[name] = v.Copy()
		}
	}
	// Every program shares the collector's maps; one left out here would
	// be created per program and silently not shared.
	all, err := c.needLocked(slices.Collect(maps.Keys(used)))
	c.mapMu.Unlock()
	if err != nil {
		return nil, err
	}
	replacements := map[string]*ebpf.Map{}
	for name := range used {
		if m := all[name]; m != nil {
			replacements[name] = m
		}
	}
	ps = spec.Programs[string(p)]
	ps.AttachTo = attachTo
	if at != ebpf.AttachNone {
		ps.AttachType = at
	}
	if v, ok := spec.Variables[collectorVarLtFixedProbeId]; ok {
		if err := v.Set(id); err != nil {
			return nil, fmt.Errorf("set probe id: %w", err)
		}
	} else if id != 0 {
		return nil, fmt.Errorf("program %s takes no fixed probe id", p)
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{MapReplacements: replacements, Cache: kernelbtf.Cache()})
	if err != nil {
		return nil, &LoadError{Program: p, Target: attachTo, Err: err}
	}
	defer coll.Close()
	return coll.DetachProgram(string(p)), nil
}

// usedMaps names the maps ps refers to, data sections included.
func usedMaps(ps *ebpf.ProgramSpec, spec *ebpf.CollectionSpec) map[string]bool {
	used := map[string]bool{}
	for _, ins := range ps.Instructions {
		if ref := ins.Reference(); ref != "" {
			if _, ok := spec.Maps[ref]; ok {
				used[ref] = true
			}
		}
	}
	return used
}

// SetSyscallProbe makes probe id serve system call nr's entry (or exit,
// with exit set) through the SysEnter (SysExit) program; id 0 clears it.
func (c *Collector) SetSyscallProbe(exit bool, nr, id uint32) error {
	if nr >= uint32(MaxSyscalls) {
		return fmt.Errorf("system call number %d is past the %d the collector serves", nr, MaxSyscalls)
	}
	if err := c.need(collectorMapSysEnterIds, collectorMapSysExitIds); err != nil {
		return err
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
		{collectorMapSeenTgids, &c.seenTgids},
	}
}
