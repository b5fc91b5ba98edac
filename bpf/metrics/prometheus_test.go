package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

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

	api := startPrometheus(t, prom, ln.Addr().String())
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
		if got := queryScalar(t, api, tc.query); got != tc.want {
			t.Errorf("Prometheus says %s = %s, want %s", tc.query, got, tc.want)
		}
	}
}

// startPrometheus runs Prometheus on a free loopback port, scraping target
// every 200 ms into a temporary folder, and waits until the first scrape
// is stored. It returns the API's base URL.
func startPrometheus(t *testing.T, prom, target string) string {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 200ms
  scrape_timeout: 150ms
scrape_configs:
  - job_name: luatrace
    static_configs:
      - targets: [%q]
`, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	var logs bytes.Buffer
	cmd := exec.Command(prom, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("prometheus said:\n%s", logs.String())
		}
	})
	api := "http://" + addr
	// Prometheus says nothing when a scrape lands: poll its API until the
	// target is up, or until it exits or a minute (a loaded machine) passes.
	deadline := time.After(time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if v, ok := tryQuery(api, `up{job="luatrace"}`); ok && v == "1" {
			return api
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prometheus exited: %v", err)
		case <-deadline:
			t.Fatal("Prometheus did not scrape the exporter within a minute")
		case <-tick.C:
		}
	}
}

// freePort finds a loopback port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// queryScalar asks for one instant vector's single value.
func queryScalar(t *testing.T, api, query string) string {
	t.Helper()
	v, ok := tryQuery(api, query)
	if !ok {
		t.Fatalf("query %s: no single value", query)
	}
	return v
}

// tryQuery returns the value of a query whose result is one sample.
func tryQuery(api, query string) (string, bool) {
	resp, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" || len(r.Data.Result) != 1 {
		return "", false
	}
	s, ok := r.Data.Result[0].Value[1].(string)
	if _, err := strconv.ParseFloat(s, 64); !ok || err != nil {
		return "", false
	}
	return s, true
}
