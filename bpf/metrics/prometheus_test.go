package metrics

import (
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// TestPrometheusScrapes runs Debian's Prometheus server against an
// exporter with known values and asks Prometheus's HTTP API for them:
// the exact counts, and the cumulative count of a histogram bucket.
func TestPrometheusScrapes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Prometheus server")
	}
	prom := testenv.RequireCommand(t, "prometheus", "prometheus")

	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	// Values 0, 1, 2, 3, 5, 5, 100 in a log2 histogram; 42 and 7 events.
	srv := Serve(ln, SourceFunc(func() ([]Metric, error) {
		return []Metric{
			{Name: "luatrace_e2e_events_total", Help: "Events.", Kind: Counter, Labels: []string{"comm"},
				Samples: []Sample{{LabelValues: []string{"cat"}, Value: 42}, {LabelValues: []string{"bash"}, Value: 7}}},
			{Name: "luatrace_e2e_latency_us", Help: "Latency.", Kind: Histogram, Labels: []string{"comm"},
				Samples: []Sample{{LabelValues: []string{"cat"}, Counts: map[uint64]uint64{1: 1, 2: 1, 3: 2, 4: 2, 8: 1}, Sum: 116}}},
		}, nil
	}))
	defer srv.Close()

	api := testenv.StartPrometheus(t, prom, ln.Addr().String())
	tests := []struct{ query, want string }{
		{`up{job="luatrace"}`, "1"},
		{`luatrace_e2e_events_total{comm="cat"}`, "42"},
		{`luatrace_e2e_events_total{comm="bash"}`, "7"},
		{`luatrace_e2e_latency_us_bucket{comm="cat",le="3"}`, "4"},
		{`luatrace_e2e_latency_us_bucket{comm="cat",le="63"}`, "6"},
		{`luatrace_e2e_latency_us_bucket{comm="cat",le="+Inf"}`, "7"},
		{`luatrace_e2e_latency_us_count{comm="cat"}`, "7"},
		{`luatrace_e2e_latency_us_sum{comm="cat"}`, "116"},
	}
	for _, tc := range tests {
		if got := testenv.QueryPrometheus(t, api, tc.query); got != tc.want {
			t.Errorf("Prometheus says %s = %s, want %s", tc.query, got, tc.want)
		}
	}
}
