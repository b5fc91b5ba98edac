package metrics

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestExposition: each kind of map comes out as its Prometheus text,
// exactly: counters and gauges with key labels, log2 and linear
// histograms with cumulative buckets at luatrace's bounds, merged keys.
func TestExposition(t *testing.T) {
	tests := []struct {
		name   string
		metric Metric
		want   string
	}{
		{
			name: "counter per comm",
			metric: Metric{Name: "luatrace_syscalls_total", Help: "System calls.", Kind: Counter, Labels: []string{"comm"},
				Samples: []Sample{{LabelValues: []string{"cat"}, Value: 42}, {LabelValues: []string{"bash"}, Value: 7}}},
			want: `
# HELP luatrace_syscalls_total System calls.
# TYPE luatrace_syscalls_total counter
luatrace_syscalls_total{comm="bash"} 7
luatrace_syscalls_total{comm="cat"} 42
`,
		},
		{
			name: "keyless gauge",
			metric: Metric{Name: "luatrace_max_bytes", Help: "Largest read.", Kind: Gauge,
				Samples: []Sample{{Value: 65536}}},
			want: `
# HELP luatrace_max_bytes Largest read.
# TYPE luatrace_max_bytes gauge
luatrace_max_bytes 65536
`,
		},
		{
			name: "stack left out: keys merge",
			metric: Metric{Name: "luatrace_calls_total", Help: "Calls.", Kind: Counter, Labels: []string{"comm"},
				Samples: []Sample{{LabelValues: []string{"cat"}, Value: 3}, {LabelValues: []string{"cat"}, Value: 4}}},
			want: `
# HELP luatrace_calls_total Calls.
# TYPE luatrace_calls_total counter
luatrace_calls_total{comm="cat"} 7
`,
		},
		{
			// Values 0, 1, 2, 3, 5, 5, 100: buckets [0] [1] [2,4)x2 [4,8)x2 [64,128).
			name: "log2 histogram",
			metric: Metric{Name: "luatrace_latency_us", Help: "Latency.", Kind: Histogram, Labels: []string{"comm"},
				Samples: []Sample{{LabelValues: []string{"cat"}, Counts: map[uint64]uint64{1: 1, 2: 1, 3: 2, 4: 2, 8: 1}, Sum: 116}}},
			want: `
# HELP luatrace_latency_us Latency.
# TYPE luatrace_latency_us histogram
luatrace_latency_us_bucket{comm="cat",le="0"} 1
luatrace_latency_us_bucket{comm="cat",le="1"} 2
luatrace_latency_us_bucket{comm="cat",le="3"} 4
luatrace_latency_us_bucket{comm="cat",le="7"} 6
luatrace_latency_us_bucket{comm="cat",le="15"} 6
luatrace_latency_us_bucket{comm="cat",le="31"} 6
luatrace_latency_us_bucket{comm="cat",le="63"} 6
luatrace_latency_us_bucket{comm="cat",le="127"} 7
luatrace_latency_us_bucket{comm="cat",le="+Inf"} 7
luatrace_latency_us_sum{comm="cat"} 116
luatrace_latency_us_count{comm="cat"} 7
`,
		},
		{
			// Every key shows the same buckets; negatives get le="-1".
			name: "log2 histogram, two keys, a negative value",
			metric: Metric{Name: "luatrace_delta", Help: "Delta.", Kind: Histogram, Labels: []string{"cpu"},
				Samples: []Sample{
					{LabelValues: []string{"0"}, Counts: map[uint64]uint64{0: 1, 1: 2}, Sum: -3},
					{LabelValues: []string{"1"}, Counts: map[uint64]uint64{3: 1}, Sum: 2},
				}},
			want: `
# HELP luatrace_delta Delta.
# TYPE luatrace_delta histogram
luatrace_delta_bucket{cpu="0",le="-1"} 1
luatrace_delta_bucket{cpu="0",le="0"} 3
luatrace_delta_bucket{cpu="0",le="1"} 3
luatrace_delta_bucket{cpu="0",le="3"} 3
luatrace_delta_bucket{cpu="0",le="+Inf"} 3
luatrace_delta_sum{cpu="0"} -3
luatrace_delta_count{cpu="0"} 3
luatrace_delta_bucket{cpu="1",le="-1"} 0
luatrace_delta_bucket{cpu="1",le="0"} 0
luatrace_delta_bucket{cpu="1",le="1"} 0
luatrace_delta_bucket{cpu="1",le="3"} 1
luatrace_delta_bucket{cpu="1",le="+Inf"} 1
luatrace_delta_sum{cpu="1"} 2
luatrace_delta_count{cpu="1"} 1
`,
		},
		{
			// lhist min 0, max 30, step 10: buckets (..,0) [0,10) [10,20) [20,30) [30,..).
			// Values -5, 3, 15, 15, 40.
			name: "linear histogram",
			metric: Metric{Name: "luatrace_size", Help: "Size.", Kind: Histogram, Buckets: Buckets{Linear: true, Min: 0, Max: 30, Step: 10},
				Samples: []Sample{{Counts: map[uint64]uint64{0: 1, 1: 1, 2: 2, 4: 1}, Sum: 68}}},
			want: `
# HELP luatrace_size Size.
# TYPE luatrace_size histogram
luatrace_size_bucket{le="-1"} 1
luatrace_size_bucket{le="9"} 2
luatrace_size_bucket{le="19"} 4
luatrace_size_bucket{le="29"} 4
luatrace_size_bucket{le="+Inf"} 5
luatrace_size_sum 68
luatrace_size_count 5
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollector(SourceFunc(func() ([]Metric, error) { return []Metric{tc.metric}, nil }))
			if err := testutil.CollectAndCompare(c, strings.NewReader(tc.want), tc.metric.Name); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestBucketsMatchLuatrace: the le of every luatrace bucket holds exactly
// the integers the bucket holds (its upper end minus one).
func TestBucketsMatchLuatrace(t *testing.T) {
	lin := Buckets{Linear: true, Min: -20, Max: 100, Step: 15}
	tests := []struct {
		b Buckets
		v int64
		// the luatrace bucket of v (collector.bpf.c's lt_log2_bucket and
		// lt_linear_bucket)
		bucket uint64
	}{
		{Buckets{}, -5, 0}, {Buckets{}, 0, 1}, {Buckets{}, 1, 2}, {Buckets{}, 2, 3}, {Buckets{}, 3, 3},
		{Buckets{}, 4, 4}, {Buckets{}, 1023, 11}, {Buckets{}, 1024, 12},
		{lin, -21, 0}, {lin, -20, 1}, {lin, -6, 1}, {lin, -5, 2}, {lin, 84, 7}, {lin, 85, 8}, {lin, 99, 8},
	}
	for _, tc := range tests {
		le := upperBound(tc.b, tc.bucket)
		if float64(tc.v) > le {
			t.Errorf("%+v: value %d in bucket %d exceeds its le %g", tc.b, tc.v, tc.bucket, le)
		}
		if tc.bucket > 0 {
			if below := upperBound(tc.b, tc.bucket-1); float64(tc.v) <= below {
				t.Errorf("%+v: value %d in bucket %d fits the le %g of the bucket below", tc.b, tc.v, tc.bucket, below)
			}
		}
	}
}

// TestSourceErrors: a failing source or a malformed metric is an error of
// the scrape; the rest is still served.
func TestSourceErrors(t *testing.T) {
	good := SourceFunc(func() ([]Metric, error) {
		return []Metric{{Name: "luatrace_ok", Help: "OK.", Kind: Gauge, Samples: []Sample{{Value: 1}}}}, nil
	})
	failing := SourceFunc(func() ([]Metric, error) { return nil, errors.New("map read failed") })
	malformed := SourceFunc(func() ([]Metric, error) {
		return []Metric{{Name: "luatrace_bad", Help: "Bad.", Kind: Counter, Labels: []string{"comm"}, Samples: []Sample{{Value: 1}}}}, nil
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(failing, good, malformed))
	got, err := reg.Gather()
	if err == nil || !strings.Contains(err.Error(), "map read failed") {
		t.Errorf("gather error %v, want the source's", err)
	}
	if len(got) != 1 || got[0].GetName() != "luatrace_ok" {
		t.Errorf("gathered %v, want luatrace_ok alone", got)
	}
}

// TestPublished: values a script publishes are gauges; label names stay
// fixed per metric.
func TestPublished(t *testing.T) {
	var p Published
	for _, err := range []error{
		p.Set("luatrace_queue_depth", "Queue depth.", map[string]string{"queue": "a"}, 3),
		p.Set("luatrace_queue_depth", "Queue depth.", map[string]string{"queue": "b"}, 5),
		p.Set("luatrace_queue_depth", "Queue depth.", map[string]string{"queue": "a"}, 4),
		p.Set("luatrace_up", "Up.", nil, 1),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	err := p.Set("luatrace_queue_depth", "Queue depth.", map[string]string{"name": "a"}, 1)
	if err == nil || !strings.Contains(err.Error(), "has labels {queue}, not {name}") {
		t.Errorf("label change: %v", err)
	}
	want := `
# HELP luatrace_queue_depth Queue depth.
# TYPE luatrace_queue_depth gauge
luatrace_queue_depth{queue="a"} 4
luatrace_queue_depth{queue="b"} 5
# HELP luatrace_up Up.
# TYPE luatrace_up gauge
luatrace_up 1
`
	if err := testutil.CollectAndCompare(NewCollector(&p), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	p.Delete("luatrace_up")
	if n := testutil.CollectAndCount(NewCollector(&p)); n != 2 {
		t.Errorf("%d samples after Delete, want 2", n)
	}
}

// TestNames: names from scripts become valid Prometheus names; label
// values keep their text.
func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{Name("luatrace", "lat.us"), "luatrace_lat_us"},
		{Name("", "9lives"), "_lives"},
		{Name("luatrace", "a:b-c"), "luatrace_a:b_c"},
		{LabelName("__name"), "key__name"},
		{LabelName("comm"), "comm"},
		{LabelName("pid 2"), "pid_2"},
		{LabelValue("kworker/0:1"), "kworker/0:1"},
		{LabelValue(uint64(1) << 63), "9223372036854775808"},
		{LabelValue(int64(-4)), "-4"},
		{LabelValue([]byte("a\xffb")), "a\uFFFDb"},
		{FoldStack([]string{"leaf", "mid", "main"}), "main;mid;leaf"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
