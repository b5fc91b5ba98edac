package collector

import (
	"encoding/binary"
	"os"
	"testing"
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
	traceGetppid(t, c, Spec{PID: uint32(os.Getpid()), Aggs: []Agg{{Map: m, Value: OperandOne, Parts: []KeyPart{{Kind: KeyValue, Operand: OperandNsecs}}}}}, 10)
	entries, err := m.Entries()
	if err != nil {
		t.Fatal(err)
	}
	lost, err := m.Lost()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 || lost != 6 {
		t.Errorf("%d entries, %d lost; want 4 and 6", len(entries), lost)
	}
	if err := m.Clear(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := m.Entries(); len(entries) != 0 {
		t.Errorf("%d entries after Clear", len(entries))
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
