package collector

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// Spec flags, as in collector.h.
const (
	specActive      = 1 << 0
	specEmit        = 1 << 1
	specFilterTgid  = 1 << 2
	specFilterComm  = 1 << 3
	specCommNot     = 1 << 4
	specKernelStack = 1 << 5
	specUserStack   = 1 << 6
	specSaveEntry   = 1 << 7
	specPaired      = 1 << 8
	specCommKey     = 1 << 9
)

// Spec is what one probe asks of the collector.
type Spec struct {
	// Emit sends a record to user space for every event that passes the
	// filters. Without it the probe only counts hits.
	Emit bool
	// Args is how many arguments to copy: register arguments for kprobes and
	// uprobes (at most MaxRegisterArgs), the full parameter count for
	// fentry/fexit/tp_btf/raw_tp (fexit finds the return value after them).
	Args int
	// TracepointData is how many bytes of the raw tracepoint record to copy.
	TracepointData int
	// PID keeps only events of this process (thread group) when non-zero.
	PID uint32
	// Comm keeps only events whose task command equals it when non-empty.
	Comm string
	// CommNot inverts the Comm filter: every command but Comm.
	CommNot bool
	// Fields are fetch programs whose results follow the payload.
	Fields []Fetch
	// Clauses are kernel-side filter conditions, all of which must hold.
	Clauses []Clause
	// KernelStack and UserStack append the stacks after the fields.
	KernelStack, UserStack bool
	// SaveEntry makes this the entry half of return probe PairID: it
	// saves the arguments and time, and emits nothing.
	SaveEntry bool
	PairID    uint32
	// Paired makes a return probe restore its entry's arguments and set
	// the record's duration.
	Paired bool
	// Calcs compute values from fields and header values, in order, after
	// the fetch; clauses and aggregations may use their slots.
	Calcs []Calc
	// Aggs are the in-kernel maps this probe updates.
	Aggs []Agg
	// Strings are the constants CalcStrEq compares with.
	Strings []string
}

// Validate reports what SetSpec would refuse in s, without a kernel: a
// compiler of specs tests its output against it. Aggs are left out, as
// they need maps.
func (s *Spec) Validate() error {
	if len(s.Aggs) > 0 {
		return fmt.Errorf("Validate checks specs without map updates")
	}
	_, err := s.encode()
	return err
}

func (s *Spec) encode() (collectorLtSpec, error) {
	var out collectorLtSpec
	if s.Args < 0 || s.Args > MaxArgs {
		return out, fmt.Errorf("%d arguments requested, the collector carries at most %d", s.Args, MaxArgs)
	}
	if s.TracepointData < 0 || s.TracepointData > MaxTracepointData {
		return out, fmt.Errorf("%d tracepoint bytes requested, the collector copies at most %d", s.TracepointData, MaxTracepointData)
	}
	if len(s.Comm) > 15 {
		return out, fmt.Errorf("comm filter %q is longer than the kernel's 15-character task name", s.Comm)
	}
	out.Flags = specActive
	for _, f := range []struct {
		on   bool
		flag uint32
	}{
		{s.Emit, specEmit}, {s.PID != 0, specFilterTgid}, {s.Comm != "", specFilterComm}, {s.CommNot, specCommNot},
		{s.KernelStack, specKernelStack}, {s.UserStack, specUserStack}, {s.SaveEntry, specSaveEntry}, {s.Paired, specPaired},
	} {
		if f.on {
			out.Flags |= f.flag
		}
	}
	out.Nargs = uint16(s.Args)
	out.TpData = uint16(s.TracepointData)
	out.FilterTgid = s.PID
	out.PairId = s.PairID
	for i := 0; i < len(s.Comm); i++ {
		out.FilterComm[i] = int8(s.Comm[i])
	}
	if len(s.Fields) > MaxFields {
		return out, fmt.Errorf("%d fields requested, the collector captures at most %d per probe", len(s.Fields), MaxFields)
	}
	out.Nfields = uint8(len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		if err := f.validate(i); err != nil {
			return out, err
		}
		o := &out.Fields[i]
		o.Source, o.Index, o.Nderef, o.Op = uint8(f.Source), f.Index, uint8(f.Derefs), uint8(f.Op)
		o.Size, o.TpOffset, o.TpSize, o.MaxLen, o.LenField = f.Size, f.TracepointOffset, f.TracepointSize, uint16(f.MaxLen), f.LenField
		if f.Op != OpBuf {
			o.LenField = NoLenField
		}
		o.Offsets = f.Offsets
		for d := 0; d <= f.Derefs; d++ {
			if f.User[d] {
				o.User |= 1 << d
			}
		}
	}
	if len(s.Clauses) > MaxClauses {
		return out, fmt.Errorf("%d filter clauses, the collector checks at most %d per probe", len(s.Clauses), MaxClauses)
	}
	out.Nclauses = uint8(len(s.Clauses))
	if err := s.encodeCalcs(&out); err != nil {
		return out, err
	}
	if err := s.encodeAggs(&out); err != nil {
		return out, err
	}
	for i, cl := range s.Clauses {
		if !cl.Operand.valid(len(s.Fields), len(s.Calcs)) || cl.Operand == OperandImm {
			return out, fmt.Errorf("filter clause %d compares an unknown value", i)
		}
		if cl.Cmp > CmpGE {
			return out, fmt.Errorf("filter clause %d has an unknown comparison", i)
		}
		o := &out.Clauses[i]
		if cl.Group >= MaxClauses {
			return out, fmt.Errorf("filter clause %d is in group %d, at most %d groups", i, cl.Group, MaxClauses)
		}
		o.Operand, o.Cmp, o.Value, o.Size, o.Group = uint8(cl.Operand), uint8(cl.Cmp), cl.Value, cl.Size, cl.Group
		if cl.Signed {
			o.Flags = 1
		}
	}
	return out, nil
}

// SetSpec activates probe id with spec. Call it before attaching so the
// first event already sees it.
func (c *Collector) SetSpec(id uint32, s Spec) error {
	if err := checkID(id); err != nil {
		return err
	}
	enc, err := s.encode()
	if err != nil {
		return err
	}
	if err := c.specs.Put(ProbeSlot(id), &enc); err != nil {
		return fmt.Errorf("write spec of probe %d: %w", id, err)
	}
	// A reused id must not inherit the previous probe's counters.
	return c.resetStats(ProbeSlot(id))
}

// Deactivate stops probe id from producing events; records already in the
// ring buffer are still delivered and should be ignored by the caller.
func (c *Collector) Deactivate(id uint32) error {
	var zero collectorLtSpec
	if err := c.specs.Put(ProbeSlot(id), &zero); err != nil {
		return fmt.Errorf("clear spec of probe %d: %w", id, err)
	}
	return nil
}

// Stats are a probe's kernel-side counters, summed over CPUs.
type Stats struct {
	Hits     uint64 // events seen with an active spec
	Filtered uint64 // rejected by a tier-1 filter, at no ring-buffer cost
	Lost     uint64 // dropped because the ring buffer was full
	Nested   uint64 // dropped because the CPU's scratch slot was busy
}

// Add adds o's counters to s.
func (s *Stats) Add(o Stats) {
	s.Hits += o.Hits
	s.Filtered += o.Filtered
	s.Lost += o.Lost
	s.Nested += o.Nested
}

// Stats reads probe id's counters.
func (c *Collector) Stats(id uint32) (Stats, error) {
	var per []collectorLtStats
	if err := c.stats.Lookup(ProbeSlot(id), &per); err != nil {
		return Stats{}, fmt.Errorf("read counters of probe %d: %w", id, err)
	}
	var s Stats
	for _, p := range per {
		s.Add(Stats{Hits: p.Hits, Filtered: p.Filtered, Lost: p.Lost, Nested: p.Nested})
	}
	return s, nil
}

func (c *Collector) resetStats(slot uint32) error {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return err
	}
	zero := make([]collectorLtStats, cpus)
	if err := c.stats.Put(slot, zero); err != nil {
		return fmt.Errorf("reset counters of probe slot %d: %w", slot, err)
	}
	return nil
}
