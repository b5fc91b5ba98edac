package collector

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// TestAggregations updates in-kernel maps from sys_enter_getppid and checks
// exact counts, sums and histogram buckets: keys from the header (the fast
// path, no record built) and from computed values (fetch and calc path).
func TestAggregations(t *testing.T) {
	c := loadForTest(t)
	newMap := func(keyBytes int, max uint32) *AggMap {
		m, err := c.NewAggMap(keyBytes, max)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	byPID := newMap(SmallKey, 64)
	hist := newMap(SmallKey, 64)
	pid := uint64(os.Getpid())

	// Fast path: count per pid, no fields or calcs.
	traceGetppid(t, c, Spec{Aggs: []Agg{{Map: byPID, Kind: AggStats, Value: OperandOne, Parts: []KeyPart{{Kind: KeyValue, Operand: OperandPID, Size: 4}}}}}, 300)
	if got := lookup(t, byPID, pid, 0); got.Count != 300 || got.Sum != 300 {
		t.Errorf("count per pid: %+v, want count 300", got)
	}

	// Calc path: value = pid * 2 + 1 (odd, known), log2 histogram of 5.
	calcs := []Calc{
		{Code: CalcMul, Dst: 0, A: OperandPID, B: OperandImm, Imm: 2},
		{Code: CalcAdd, Dst: 1, A: Slot(0), B: OperandOne},
	}
	traceGetppid(t, c, Spec{PID: uint32(pid), Calcs: calcs, Aggs: []Agg{
		{Map: byPID, Kind: AggStats, Value: Slot(1), Parts: []KeyPart{{Kind: KeyValue, Operand: OperandPID, Size: 4}}},
		{Map: hist, Kind: AggHist, Value: Slot(1)},
	}}, 10)
	got := lookup(t, byPID, pid, 0)
	if want := int64(300 + 10*(2*pid+1)); got.Count != 310 || got.Sum != want || got.Max != int64(2*pid+1) || got.Min != 1 {
		t.Errorf("after calc updates: %+v, want count 310 sum %d min 1 max %d", got, want, 2*pid+1)
	}
	if lost, err := byPID.Lost(); err != nil || lost != 0 {
		t.Errorf("lost = %d, %v", lost, err)
	}
	v := 2*pid + 1
	bucket := uint64(2)
	for v > 1 {
		v >>= 1
		bucket++
	}
	if got := lookup(t, hist, 0, bucket); got.Count != 10 {
		t.Errorf("hist bucket %d: %+v, want count 10", bucket, got)
	}
}

// TestAggregationBuckets places known values in log2 and linear buckets.
func TestAggregationBuckets(t *testing.T) {
	c := loadForTest(t)
	tests := []struct {
		name   string
		kind   AggKind
		value  int64
		bucket uint64
	}{
		{"log2 negative", AggHist, -5, 0},
		{"log2 zero", AggHist, 0, 1},
		{"log2 one", AggHist, 1, 2},
		{"log2 1023", AggHist, 1023, 11},
		{"log2 1024", AggHist, 1024, 12},
		{"linear below", AggLinearHist, -1, 0},
		{"linear first", AggLinearHist, 0, 1},
		{"linear 25", AggLinearHist, 25, 3},
		{"linear at max", AggLinearHist, 100, 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := c.NewAggMap(SmallKey, 8)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			calcs := []Calc{{Code: CalcAdd, Dst: 0, A: OperandImm, B: OperandImm, Imm: 0}, {Code: CalcAdd, Dst: 1, A: Slot(0), B: OperandImm, Imm: tc.value}}
			traceGetppid(t, c, Spec{PID: uint32(os.Getpid()), Calcs: calcs,
				Aggs: []Agg{{Map: m, Kind: tc.kind, Value: Slot(1), Min: 0, Max: 100, Step: 10}}}, 3)
			if got := lookup(t, m, 0, tc.bucket); got.Count != 3 || got.Sum != 3*tc.value {
				t.Errorf("bucket %d: %+v, want count 3", tc.bucket, got)
			}
		})
	}
}

// TestAggregationFullMap: updates past max entries are dropped and counted.
func TestAggregationFullMap(t *testing.T) {
	c := loadForTest(t)
	m, err := c.NewAggMap(SmallKey, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// nsecs differs per event: every update is a new key.
	spec := Spec{PID: uint32(os.Getpid()), Aggs: []Agg{{Map: m, Value: OperandOne, Parts: []KeyPart{{Kind: KeyValue, Operand: OperandNsecs}}}}}
	traceGetppid(t, c, spec, 10)
	// Lost needs no read of the map first, and changes nothing: asked
	// before and after Entries, it answers the same.
	for _, step := range []string{"before reading", "after reading"} {
		lost, err := m.Lost()
		if err != nil {
			t.Fatal(err)
		}
		if lost != 6 {
			t.Errorf("%s: %d lost, want 6", step, lost)
		}
		entries, err := m.Entries()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 4 {
			t.Errorf("%s: %d entries, want 4", step, len(entries))
		}
	}
	if err := m.Clear(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := m.Entries(); len(entries) != 0 {
		t.Errorf("%d entries after Clear", len(entries))
	}
	// A cleared map has room again: 4 more keys fit, 2 are lost (8 in all).
	traceGetppid(t, c, spec, 6)
	entries, err := m.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if lost, err := m.Lost(); err != nil || lost != 8 || len(entries) != 4 {
		t.Errorf("after Clear and 6 updates: %d entries, %d lost (%v); want 4 and 8", len(entries), lost, err)
	}
}

// TestAggregationKeys checks the bytes of keys the collector builds, for
// both key sizes: every part where Go laid it out, the bucket last.
func TestAggregationKeys(t *testing.T) {
	c := loadForTest(t)
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		t.Skipf("no kernel BTF for task_struct's comm: %v", err)
	}
	var task *btf.Struct
	if err := kernel.TypeByName("task_struct", &task); err != nil {
		t.Fatal(err)
	}
	commAt := -1
	for _, m := range task.Members {
		if m.Name == "comm" {
			commAt = int(m.Offset.Bytes())
		}
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	comm = bytes.TrimSuffix(comm, []byte("\n"))
	// The task's command read as a str() field of width bytes.
	commField := func(width int) Fetch {
		f := Fetch{Source: FromCurtask, Op: OpStr, MaxLen: width}
		f.Offsets[0] = int32(commAt)
		return f
	}
	pid := uint64(os.Getpid())
	at := func(key []byte, off int, b []byte) []byte { copy(key[off:], b); return key }
	le64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	tests := []struct {
		name   string
		fields []Fetch
		parts  []KeyPart
		key    []byte
	}{
		{"no parts", nil, nil, make([]byte, SmallKey)},
		{"pid", nil, []KeyPart{{Kind: KeyValue, Operand: OperandPID, Size: 4}}, at(make([]byte, SmallKey), 0, le64(pid))},
		{"comm", nil, []KeyPart{{Kind: KeyComm}}, at(make([]byte, SmallKey), 0, comm)},
		// str() of 8 bytes holds 7 characters and the NUL.
		{"pid and string", []Fetch{commField(8)}, []KeyPart{{Kind: KeyValue, Operand: OperandPID, Size: 4}, {Kind: KeyBytes, Operand: 0, Size: 8, Offset: 8}},
			at(at(make([]byte, SmallKey), 0, le64(pid)), 8, comm[:min(len(comm), 7)])},
		{"strings to the end of a large key", []Fetch{commField(32), commField(32), commField(32)},
			[]KeyPart{{Kind: KeyComm}, {Kind: KeyBytes, Operand: 0, Size: 32, Offset: 16}, {Kind: KeyBytes, Operand: 1, Size: 32, Offset: 48},
				{Kind: KeyBytes, Operand: 2, Size: 32, Offset: 80}},
			at(at(at(at(make([]byte, LargeKey), 0, comm), 16, comm), 48, comm), 80, comm)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := c.NewAggMap(len(tc.key), 8)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			traceGetppid(t, c, Spec{PID: uint32(pid), Fields: tc.fields, Aggs: []Agg{{Map: m, Value: OperandOne, Parts: tc.parts}}}, 5)
			entries, err := m.Entries()
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Value.Count != 5 || !bytes.Equal(entries[0].Key, tc.key) {
				t.Fatalf("entries %+v, want one key %x counted 5 times", entries, tc.key)
			}
		})
	}
}

func lookup(t *testing.T, m *AggMap, key uint64, bucket uint64) AggValue {
	t.Helper()
	entries, err := m.Entries()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if binary.LittleEndian.Uint64(e.Key) == key && binary.LittleEndian.Uint64(e.Key[len(e.Key)-8:]) == bucket {
			return e.Value
		}
	}
	t.Fatalf("key %d bucket %d not in map (%d entries)", key, bucket, len(entries))
	return AggValue{}
}
