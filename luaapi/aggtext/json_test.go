package aggtext

import (
	"encoding/json"
	"strings"
	"testing"
)

// The expected records are what bpftrace 0.17 wrote with -f json for the
// same aggregates on this machine: values -5, 0, 1, 2, 3, 7, 100, 1000,
// 5000 and 1<<20, three times each, keyed by their index's parity.
func TestAppendJSONMatchesBpftrace(t *testing.T) {
	all := map[uint64]int64{0: 3, 1: 3, 2: 3, 3: 6, 4: 3, 8: 3, 11: 3, 14: 3, 22: 3}
	even := map[uint64]int64{0: 3, 2: 3, 3: 3, 8: 3, 14: 3}
	lin := Linear{Min: 0, Max: 10, Step: 2}
	tests := []struct {
		name     string
		kind     Kind
		rows     []Row
		lin      Linear
		wantType string
		want     string
	}{
		{"@a = avg(arg0)", Avg, []Row{{Value: Value{Count: 30, Sum: 3164052}}}, lin, "stats", `{"@a": 105468}`},
		{"@ak[arg1] = avg(arg0)", Avg, []Row{{Key: []string{"1"}, Value: Value{Count: 15, Sum: 3148755}}, {Key: []string{"0"}, Value: Value{Count: 15, Sum: 15297}}}, lin,
			"stats", `{"@ak": {"0": 1019, "1": 209917}}`},
		{"@c = count()", Count, []Row{{Value: Value{Count: 30}}}, lin, "map", `{"@c": 30}`},
		{"@s[arg1, \"x\"] = sum(arg0)", Sum, []Row{{Key: []string{"1", "x"}, Value: Value{Sum: 3148755}}, {Key: []string{"0", "x"}, Value: Value{Sum: 15297}}}, lin,
			"map", `{"@s": {"0,x": 15297, "1,x": 3148755}}`},
		{"@mn = min(arg0)", Min, []Row{{Value: Value{Count: 30, Min: -5}}}, lin, "map", `{"@mn": -5}`},
		{"@mx[arg1] = max(arg0)", Max, []Row{{Key: []string{"1"}, Value: Value{Max: 1 << 20}}, {Key: []string{"0"}, Value: Value{Max: 5000}}}, lin,
			"map", `{"@mx": {"0": 5000, "1": 1048576}}`},
		{"@st = stats(arg0)", Stats, []Row{{Value: Value{Count: 30, Sum: 3164052}}}, lin, "stats", `{"@st": {"count": 30, "average": 105468, "total": 3164052}}`},
		{"@stk[arg1] = stats(arg0)", Stats, []Row{{Key: []string{"1"}, Value: Value{Count: 15, Sum: 3148755}}, {Key: []string{"0"}, Value: Value{Count: 15, Sum: 15297}}}, lin,
			"stats", `{"@stk": {"0": {"count": 15, "average": 1019, "total": 15297}, "1": {"count": 15, "average": 209917, "total": 3148755}}}`},
		{"@h = hist(arg0)", Hist, []Row{{Value: Value{Count: 30}, Buckets: all}}, lin, "hist", `{"@h": [{"max": -1, "count": 3}, {"min": 0, "max": 0, "count": 3}, ` +
			`{"min": 1, "max": 1, "count": 3}, {"min": 2, "max": 3, "count": 6}, {"min": 4, "max": 7, "count": 3}, {"min": 8, "max": 15, "count": 0}, ` +
			`{"min": 16, "max": 31, "count": 0}, {"min": 32, "max": 63, "count": 0}, {"min": 64, "max": 127, "count": 3}, {"min": 128, "max": 255, "count": 0}, ` +
			`{"min": 256, "max": 511, "count": 0}, {"min": 512, "max": 1023, "count": 3}, {"min": 1024, "max": 2047, "count": 0}, {"min": 2048, "max": 4095, "count": 0}, ` +
			`{"min": 4096, "max": 8191, "count": 3}, {"min": 8192, "max": 16383, "count": 0}, {"min": 16384, "max": 32767, "count": 0}, {"min": 32768, "max": 65535, "count": 0}, ` +
			`{"min": 65536, "max": 131071, "count": 0}, {"min": 131072, "max": 262143, "count": 0}, {"min": 262144, "max": 524287, "count": 0}, ` +
			`{"min": 524288, "max": 1048575, "count": 0}, {"min": 1048576, "max": 2097151, "count": 3}]}`},
		{"@hk[arg1] = hist(arg0), even key only", Hist, []Row{{Key: []string{"0"}, Value: Value{Count: 15}, Buckets: even}}, lin, "hist", `{"@hk": {"0": [{"max": -1, "count": 3}, ` +
			`{"min": 0, "max": 0, "count": 0}, {"min": 1, "max": 1, "count": 3}, {"min": 2, "max": 3, "count": 3}, {"min": 4, "max": 7, "count": 0}, ` +
			`{"min": 8, "max": 15, "count": 0}, {"min": 16, "max": 31, "count": 0}, {"min": 32, "max": 63, "count": 0}, {"min": 64, "max": 127, "count": 3}, ` +
			`{"min": 128, "max": 255, "count": 0}, {"min": 256, "max": 511, "count": 0}, {"min": 512, "max": 1023, "count": 0}, {"min": 1024, "max": 2047, "count": 0}, ` +
			`{"min": 2048, "max": 4095, "count": 0}, {"min": 4096, "max": 8191, "count": 3}]}}`},
		{"@l = lhist(arg0, 0, 10, 2)", LinearHist, []Row{{Value: Value{Count: 30}, Buckets: map[uint64]int64{0: 3, 1: 6, 2: 6, 4: 3, 6: 12}}}, lin, "hist",
			`{"@l": [{"max": -1, "count": 3}, {"min": 0, "max": 1, "count": 6}, {"min": 2, "max": 3, "count": 6}, {"min": 4, "max": 5, "count": 0}, ` +
				`{"min": 6, "max": 7, "count": 3}, {"min": 8, "max": 9, "count": 0}, {"min": 10, "count": 12}]}`},
		{"@lk[arg1, comm] = lhist(arg0, 0, 10, 2)", LinearHist, []Row{
			{Key: []string{"1", "vals"}, Value: Value{Count: 15}, Buckets: map[uint64]int64{1: 3, 2: 3, 4: 3, 6: 6}},
			{Key: []string{"0", "vals"}, Value: Value{Count: 15}, Buckets: map[uint64]int64{0: 3, 1: 3, 2: 3, 6: 6}},
		}, lin, "hist", `{"@lk": {"0,vals": [{"max": -1, "count": 3}, {"min": 0, "max": 1, "count": 3}, {"min": 2, "max": 3, "count": 3}, {"min": 4, "max": 5, "count": 0}, ` +
			`{"min": 6, "max": 7, "count": 0}, {"min": 8, "max": 9, "count": 0}, {"min": 10, "count": 6}], "1,vals": [{"min": 0, "max": 1, "count": 3}, ` +
			`{"min": 2, "max": 3, "count": 3}, {"min": 4, "max": 5, "count": 0}, {"min": 6, "max": 7, "count": 3}, {"min": 8, "max": 9, "count": 0}, {"min": 10, "count": 6}]}}`},
		// Not from bpftrace (0.17 gets buckets past 2^40 wrong): the last
		// log2 bucket is bounded by the largest int64.
		{"@top = hist(1 << 62)", Hist, []Row{{Value: Value{Count: 1}, Buckets: map[uint64]int64{64: 1}}}, lin, "hist",
			`{"@top": [{"min": 4611686018427387904, "max": 9223372036854775807, "count": 1}]}`},
		{"@[kstack] = count(), user-mode samples", Count, []Row{{Key: []string{""}, Value: Value{Count: 60}}}, lin, "map", `{"@": {"": 60}}`},
		{"@q[comm] = count(), odd comm", Count, []Row{{Key: []string{"a\"b\n"}, Value: Value{Count: 1}}}, lin, "map", `{"@q": {"a\"b\n": 1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.name[:strings.IndexAny(tc.name, "[ ")]
			got := string(AppendJSON(nil, name, tc.kind, tc.rows, 0, tc.lin))
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not JSON: %s", got)
			}
			if typ := tc.kind.RecordType(); typ != tc.wantType {
				t.Errorf("record type %q, want %q", typ, tc.wantType)
			}
		})
	}
}

// An empty map has no record, as in bpftrace.
func TestAppendJSONEmpty(t *testing.T) {
	if got := AppendJSON(nil, "@e", Hist, nil, 0, Linear{}); got != nil {
		t.Errorf("empty map wrote %s", got)
	}
}

func TestAppendJSONTop(t *testing.T) {
	rows := []Row{{Key: []string{"b"}, Value: Value{Count: 5}}, {Key: []string{"a"}, Value: Value{Count: 9}}, {Key: []string{"c"}, Value: Value{Count: 1}}}
	if got, want := string(AppendJSON(nil, "@", Count, rows, 2, Linear{})), `{"@": {"b": 5, "a": 9}}`; got != want {
		t.Errorf("top 2: %s, want %s", got, want)
	}
}
