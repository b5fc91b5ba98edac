package collector

import (
	"errors"
	"fmt"
	"reflect"
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
	// Follow widens PID to the processes Follow (the Collector method)
	// tracks: those PID forks while the trace runs, and their descendants.
	Follow bool
	// Task, when set, makes the PID filter test the thread the event is
	// about instead of the current task: the thread id in the tracepoint
	// record at Task.Offset (sched_switch's next_pid). PID's main thread
	// matches; with Follow, so do the threads PID and its descendants
	// create (Follow tracks them by id).
	Task *TaskField
	// Comm keeps only events whose task command equals it when non-empty.
	Comm string
	// CommNot inverts the Comm filter: every command but Comm.
	CommNot bool
	// Fields are fetch programs whose results follow the payload.
	Fields []Fetch
	// Clauses are kernel-side filter conditions: the event is kept when
	// every clause of some group holds (see Clause).
	Clauses []Clause
	// KernelStack and UserStack append the stacks after the fields.
	KernelStack, UserStack bool
	// UserSample, when non-zero, appends the user registers and up to
	// this many bytes of user stack after the stacks (at most
	// MaxUserSample), for unwinding in user space (see the unwind package).
	UserSample int
	// UserBuildIDStack appends the user stack, last, as the kernel's
	// build-id frames (BPF_F_USER_BUILD_ID): each frame the build-id of
	// its file and the offset in it, named after the process is gone
	// without its mappings having been read.
	UserBuildIDStack bool
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
	// Stamp, when set, stores the time under a key for CalcSince at
	// other probes, after the filters hold.
	Stamp *Stamp
}

// TaskField is where a tracepoint record holds a thread id.
type TaskField struct {
	Offset uint16
	Size   uint8
}

// Plain reports whether s needs nothing of the collector but the record
// header, the raw tracepoint record and the identity filters (PID without
// Follow, Comm), so that TracepointPlain can serve it.
func (s *Spec) Plain() bool {
	// Everything but what TracepointPlain handles must be unset; a field
	// added to Spec later is not plain until this says so.
	rest := *s
	rest.Emit, rest.TracepointData = false, 0
	rest.PID, rest.Comm, rest.CommNot = 0, "", false
	rest.Strings = nil // only calcs read them
	return reflect.DeepEqual(rest, Spec{})
}

// HeaderAggs reports whether s only updates maps, with keys and values
// from the record header alone (no fields, computed values, conditions or
// stamps; pid and comm filters allowed), so that TracepointAgg can serve
// it: the general program builds no record for such a spec either.
func (s *Spec) HeaderAggs() bool {
	if s.Emit || len(s.Aggs) == 0 {
		return false
	}
	rest := *s
	rest.Aggs, rest.TracepointData = nil, 0
	rest.PID, rest.Comm, rest.CommNot = 0, "", false
	rest.Strings = nil
	return reflect.DeepEqual(rest, Spec{})
}

// StackKeys reports whether a key of s's map updates holds a stack.
func (s *Spec) StackKeys() bool {
	for _, a := range s.Aggs {
		for _, p := range a.Parts {
			if p.Kind == KeyKernelStack || p.Kind == KeyUserStack {
				return true
			}
		}
	}
	return false
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

// encode lays s out as struct lt_spec.
func (s *Spec) encode() (collectorLtSpec, error) {
	var out collectorLtSpec
	if s.Args < 0 || s.Args > MaxArgs {
		return out, fmt.Errorf("%d arguments requested, the collector carries at most %d", s.Args, MaxArgs)
	}
	if s.TracepointData < 0 || s.TracepointData > MaxTracepointData {
		return out, fmt.Errorf("%d tracepoint bytes requested, the collector copies at most %d", s.TracepointData, MaxTracepointData)
	}
	if len(s.Comm) >= len(out.FilterComm) {
		return out, fmt.Errorf("comm filter %q is longer than the kernel's %d-character task name", s.Comm, len(out.FilterComm)-1)
	}
	out.Flags = uint32(collectorLtSpecFlagsLT_SPEC_ACTIVE)
	for _, f := range []struct {
		on   bool
		flag collectorLtSpecFlags
	}{
		{s.Emit, collectorLtSpecFlagsLT_SPEC_EMIT},
		{s.PID != 0, collectorLtSpecFlagsLT_SPEC_FILTER_TGID},
		{s.PID != 0 && s.Follow, collectorLtSpecFlagsLT_SPEC_FOLLOW},
		{s.Comm != "", collectorLtSpecFlagsLT_SPEC_FILTER_COMM},
		{s.CommNot, collectorLtSpecFlagsLT_SPEC_COMM_NOT},
		{s.KernelStack, collectorLtSpecFlagsLT_SPEC_KSTACK},
		{s.UserStack, collectorLtSpecFlagsLT_SPEC_USTACK},
		{s.SaveEntry, collectorLtSpecFlagsLT_SPEC_SAVE_ENTRY},
		{s.Paired, collectorLtSpecFlagsLT_SPEC_PAIRED},
		{s.UserSample > 0, collectorLtSpecFlagsLT_SPEC_USAMPLE},
		{s.UserBuildIDStack, collectorLtSpecFlagsLT_SPEC_USTACK_BUILDID},
		{s.NotesProcesses(), collectorLtSpecFlagsLT_SPEC_NOTE_PROCESS},
		{s.PID != 0 && s.Task != nil, collectorLtSpecFlagsLT_SPEC_TASK},
		{s.late(), collectorLtSpecFlagsLT_SPEC_LATE},
	} {
		if f.on {
			out.Flags |= uint32(f.flag)
		}
	}
	if s.UserSample < 0 || s.UserSample > MaxUserSample {
		return out, fmt.Errorf("%d bytes of user stack requested, the collector copies at most %d", s.UserSample, MaxUserSample)
	}
	out.UstackSize = uint16(s.UserSample)
	if t := s.Task; t != nil {
		if t.Size == 0 || t.Size > 4 || int(t.Offset)+int(t.Size) > MaxTracepointData {
			return out, fmt.Errorf("the thread id of the pid filter is %d bytes at byte %d of the tracepoint record; want 1..4 bytes within %d", t.Size, t.Offset, MaxTracepointData)
		}
		out.TaskOffset, out.TaskSize = t.Offset, t.Size
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
		switch {
		case f.Source == FromSlot && int(f.Index) >= len(s.Calcs):
			return out, fmt.Errorf("field %d is computed slot %d of %d", i, f.Index, len(s.Calcs))
		case f.Source == FromStamped && !s.readsStamp(Slot(int(f.Index)), len(s.Calcs)):
			return out, fmt.Errorf("field %d reads a stamp through slot %d, which reads none", i, f.Index)
		}
		out.Fields[i] = f.encode()
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
	if err := s.encodeStamp(&out); err != nil {
		return out, err
	}
	for i, cl := range s.Clauses {
		o, err := cl.encode(i, len(s.Fields), len(s.Calcs))
		if err != nil {
			return out, err
		}
		out.Clauses[i] = o
	}
	return out, nil
}

// late reports whether some field has a late source.
func (s *Spec) late() bool {
	for i := range s.Fields {
		if s.Fields[i].Late() {
			return true
		}
	}
	return false
}

// ErrNoUserSamples: the kernel cannot read a task's user registers from
// BPF (bpf_task_pt_regs came in Linux 5.15), so ustack(dwarf) cannot work.
var ErrNoUserSamples = errors.New("ustack(dwarf) needs Linux 5.15 or later; use ustack (frame pointers) on this kernel")

// SetSpec activates probe id with spec. Call it before attaching so the
// first event already sees it.
func (c *Collector) SetSpec(id uint32, s Spec) error {
	if err := checkID(id); err != nil {
		return err
	}
	if s.UserSample > 0 && !c.userSamples() {
		return ErrNoUserSamples
	}
	enc, err := s.encode()
	if err != nil {
		return err
	}
	if s.NotesProcesses() {
		if err := c.watchExecs(); err != nil {
			return err
		}
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
