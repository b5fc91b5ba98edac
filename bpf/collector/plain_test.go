package collector

import (
	"bytes"
	"os"
	"syscall"
	"testing"

	"github.com/cilium/ebpf/link"
)

// TestPlainMapsMatchCollector: the plain object's maps are created once
// and shared with the general programs, so both objects must define them
// alike (a stale object fails here, not at the first map replacement).
func TestPlainMapsMatchCollector(t *testing.T) {
	plain, err := loadPlain()
	if err != nil {
		t.Fatal(err)
	}
	general, err := loadCollector()
	if err != nil {
		t.Fatal(err)
	}
	var c Collector
	for _, slot := range c.maps() {
		g, p := general.Maps[slot.name], plain.Maps[slot.name]
		if g == nil || p == nil {
			t.Errorf("map %s: in the collector %t, in the plain object %t", slot.name, g != nil, p != nil)
			continue
		}
		if g.Type != p.Type || g.KeySize != p.KeySize || g.ValueSize != p.ValueSize || g.MaxEntries != p.MaxEntries || g.Flags != p.Flags {
			t.Errorf("map %s differs: collector %v, plain object %v (run make generate)", slot.name, g, p)
		}
	}
}

func TestSpecPlain(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		plain bool
	}{
		{"callback", Spec{Emit: true, TracepointData: 16}, true},
		{"no callback", Spec{}, true},
		{"pid and comm filters", Spec{Emit: true, PID: 7, Comm: "x", CommNot: true}, true},
		{"following", Spec{Emit: true, PID: 7, Follow: true}, false},
		{"field", Spec{Emit: true, Fields: []Fetch{{}}}, false},
		{"clause", Spec{Emit: true, Clauses: []Clause{{}}}, false},
		{"kernel stack", Spec{Emit: true, KernelStack: true}, false},
		{"user stack", Spec{Emit: true, UserStack: true}, false},
		{"map", Spec{Aggs: []Agg{{}}}, false},
		{"calc", Spec{Calcs: []Calc{{}}}, false},
		{"stamp", Spec{Stamp: &Stamp{}}, false},
		{"paired", Spec{Paired: true}, false},
		{"entry half", Spec{SaveEntry: true}, false},
		{"arguments", Spec{Args: 2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.spec.Plain(); got != tc.plain {
				t.Errorf("Plain() = %t, want %t", got, tc.plain)
			}
		})
	}
}

// TestPlainRecordsMatchGeneral: for a plain spec, the plain program sends
// the records and counts the stats the general tracepoint program does.
func TestPlainRecordsMatchGeneral(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want int // records of this process
	}{
		{"callback", Spec{Emit: true, TracepointData: 16}, 50},
		{"own pid", Spec{Emit: true, TracepointData: 16, PID: uint32(os.Getpid())}, 50},
		{"other pid", Spec{Emit: true, PID: 1}, 0},
		{"other comm", Spec{Emit: true, Comm: "no-such-comm"}, 0},
		{"every comm but another", Spec{Emit: true, Comm: "no-such-comm", CommNot: true}, 50},
		{"no callback", Spec{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [2][]Record
			var stats [2]Stats
			for i, p := range []Program{Tracepoint, TracepointPlain} {
				c := loadForTest(t)
				got[i], stats[i] = traceGetppidWith(t, c, p, tc.spec, 50)
			}
			for i, p := range []Program{Tracepoint, TracepointPlain} {
				if len(got[i]) != tc.want {
					t.Errorf("%s: %d records, want %d", p, len(got[i]), tc.want)
				}
				if stats[i].Hits < 50 || stats[i].Lost != 0 || stats[i].Nested != 0 {
					t.Errorf("%s: stats %+v", p, stats[i])
				}
			}
			if (stats[0].Filtered >= 50) != (stats[1].Filtered >= 50) {
				t.Errorf("filtered: %d by %s, %d by %s", stats[0].Filtered, Tracepoint, stats[1].Filtered, TracepointPlain)
			}
			if len(got[0]) == 0 || len(got[1]) == 0 {
				return
			}
			general, plain := got[0][0], got[1][0]
			if len(general) != len(plain) {
				t.Fatalf("record sizes: %d by %s, %d by %s", len(general), Tracepoint, len(plain), TracepointPlain)
			}
			// Everything but the time, the thread and the CPU is the same.
			// The syscalls tracepoints' record starts with the calling
			// thread's pt_regs pointer, which differs between threads.
			if general.ProbeID() != plain.ProbeID() || general.PID() != plain.PID() || general.UID() != plain.UID() ||
				general.GID() != plain.GID() || general.Comm() != plain.Comm() || general.NArgs() != plain.NArgs() ||
				general.Retval() != plain.Retval() || general.IP() != plain.IP() || general.Duration() != plain.Duration() ||
				len(general.Payload()) != len(plain.Payload()) || !bytes.Equal(pastRegs(general.Payload()), pastRegs(plain.Payload())) {
				t.Errorf("records differ:\n%s %x\n%s %x", Tracepoint, []byte(general), TracepointPlain, []byte(plain))
			}
			if plain.Timestamp() == 0 {
				t.Errorf("%s: record without a time", TracepointPlain)
			}
		})
	}
}

// pastRegs is a syscalls tracepoint's record past its pt_regs pointer.
func pastRegs(payload []byte) []byte {
	if len(payload) < 8 {
		return payload
	}
	return payload[8:]
}

// traceGetppidWith attaches program p as probe 1 with spec to
// sys_enter_getppid, makes n calls and returns the records of this
// process and the probe's stats.
func traceGetppidWith(t *testing.T, c *Collector, p Program, spec Spec, n int) ([]Record, Stats) {
	t.Helper()
	prog, err := c.Shared(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetSpec(1, spec); err != nil {
		t.Fatal(err)
	}
	l, err := link.Tracepoint("syscalls", "sys_enter_getppid", prog, &link.TracepointOptions{Cookie: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		syscall.Getppid()
	}
	l.Close()
	var mine []Record
	readAll(t, c, func(b []Record) bool {
		for _, r := range b {
			if r.Check() == nil && r.PID() == uint32(os.Getpid()) {
				mine = append(mine, r)
			}
		}
		return true
	})
	st, err := c.Stats(1)
	if err != nil {
		t.Fatal(err)
	}
	return mine, st
}

func TestSpecHeaderAggs(t *testing.T) {
	agg := []Agg{{Value: OperandOne}}
	tests := []struct {
		name string
		spec Spec
		want bool
	}{
		{"count", Spec{Aggs: agg}, true},
		{"count with pid and comm filters", Spec{Aggs: agg, PID: 7, Comm: "x"}, true},
		{"no map", Spec{}, false},
		{"callback too", Spec{Emit: true, Aggs: agg}, false},
		{"following", Spec{Aggs: agg, PID: 7, Follow: true}, false},
		{"field", Spec{Aggs: agg, Fields: []Fetch{{}}}, false},
		{"clause", Spec{Aggs: agg, Clauses: []Clause{{}}}, false},
		{"calc", Spec{Aggs: agg, Calcs: []Calc{{}}}, false},
		{"stamp", Spec{Aggs: agg, Stamp: &Stamp{}}, false},
		{"paired", Spec{Aggs: agg, Paired: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.spec.HeaderAggs(); got != tc.want {
				t.Errorf("HeaderAggs() = %t, want %t", got, tc.want)
			}
		})
	}
}

// TestAggMatchesGeneral: for a HeaderAggs spec, TracepointAgg (or
// TracepointAggStacks for stack keys) builds the keys and values the
// general tracepoint program does. Stack ids are the stack map's own, so
// for stack keys the counts of all keys are compared.
func TestAggMatchesGeneral(t *testing.T) {
	pid := uint32(os.Getpid())
	tests := []struct {
		name  string
		parts []KeyPart
		value Operand
		spec  Spec
	}{
		{"count", nil, OperandOne, Spec{PID: pid}},
		{"count by pid", []KeyPart{{Kind: KeyValue, Operand: OperandPID, Size: 4}}, OperandOne, Spec{PID: pid}},
		{"count by comm", []KeyPart{{Kind: KeyComm}}, OperandOne, Spec{PID: pid}},
		{"count by comm, comm filter", []KeyPart{{Kind: KeyComm}}, OperandOne, Spec{PID: pid, Comm: "no-such-comm", CommNot: true}},
		{"sum of cpu by pid", []KeyPart{{Kind: KeyValue, Operand: OperandPID, Size: 4}}, OperandCPU, Spec{PID: pid}},
		{"other pid", nil, OperandOne, Spec{PID: 1}},
		{"count by kernel stack", []KeyPart{{Kind: KeyKernelStack}}, OperandOne, Spec{PID: pid}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [2][]AggEntry
			small := TracepointAgg
			if (&Spec{Aggs: []Agg{{Parts: tc.parts}}}).StackKeys() {
				small = TracepointAggStacks
			}
			for i, p := range []Program{Tracepoint, small} {
				c := loadForTest(t)
				m, err := c.NewAggMap(SmallKey, 64)
				if err != nil {
					t.Fatal(err)
				}
				spec := tc.spec
				spec.Aggs = []Agg{{Map: m, Value: tc.value, Parts: tc.parts}}
				if !spec.HeaderAggs() {
					t.Fatalf("spec %+v is not HeaderAggs", spec)
				}
				traceGetppidWith(t, c, p, spec, 20)
				if got[i], err = m.Entries(); err != nil {
					t.Fatal(err)
				}
				m.Close()
			}
			if small == TracepointAggStacks {
				if g, a := totalCount(got[0]), totalCount(got[1]); g != a || g != 20 {
					t.Errorf("%d events counted by %s, %d by %s, want 20", g, Tracepoint, a, small)
				}
				return
			}
			if len(got[0]) != len(got[1]) {
				t.Fatalf("%d entries by %s, %d by %s", len(got[0]), Tracepoint, len(got[1]), small)
			}
			for i := range got[0] {
				g, a := got[0][i], got[1][i]
				if !bytes.Equal(g.Key, a.Key) || g.Value.Count != a.Value.Count || (tc.value != OperandCPU && g.Value != a.Value) {
					t.Errorf("entry %d: %s %x %+v, %s %x %+v", i, Tracepoint, g.Key, g.Value, small, a.Key, a.Value)
				}
			}
		})
	}
}

func totalCount(entries []AggEntry) int64 {
	var n int64
	for _, e := range entries {
		n += e.Value.Count
	}
	return n
}

// TestAggWithoutStacksLeavesStackMap: only the stack-keyed program uses
// agg_stacks, so a map without stack keys never creates its 16 MiB.
func TestAggWithoutStacksLeavesStackMap(t *testing.T) {
	plain, err := loadPlain()
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[Program]bool{TracepointAgg: false, TracepointAggStacks: true} {
		if got := usedMaps(plain.Programs[string(p)], plain)[collectorMapAggStacks]; got != want {
			t.Errorf("%s uses %s: %t, want %t", p, collectorMapAggStacks, got, want)
		}
	}
}

func TestSpecStackKeys(t *testing.T) {
	tests := []struct {
		name  string
		parts []KeyPart
		want  bool
	}{
		{"no key", nil, false},
		{"comm and pid", []KeyPart{{Kind: KeyComm}, {Kind: KeyValue, Operand: OperandPID}}, false},
		{"kernel stack", []KeyPart{{Kind: KeyComm}, {Kind: KeyKernelStack}}, true},
		{"user stack", []KeyPart{{Kind: KeyUserStack}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Spec{Aggs: []Agg{{}, {Parts: tc.parts}}}
			if got := s.StackKeys(); got != tc.want {
				t.Errorf("StackKeys() = %t, want %t", got, tc.want)
			}
		})
	}
}

// TestSmallProgramsLoadDedicated: without attach cookies (before 5.15)
// every probe loads its own copy with the id built in.
func TestSmallProgramsLoadDedicated(t *testing.T) {
	c := loadForTest(t)
	for _, p := range []Program{TracepointPlain, TracepointAgg, TracepointAggStacks} {
		prog, err := c.Dedicated(p, 5, "")
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		prog.Close()
	}
}
