package testenv

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
)

// StartPrometheus runs Prometheus on a free loopback port, scraping target
// every 200 ms into a temporary folder, and waits until the first scrape
// is stored. It returns the API's base URL.
func StartPrometheus(t *testing.T, prom, target string) string {
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
	addr := FreePort(t)
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
		if v, ok := TryQueryPrometheus(api, `up{job="luatrace"}`); ok && v == "1" {
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

// FreePort finds a loopback port nothing listens on now.
func FreePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// QueryPrometheus asks Prometheus's API at api for one instant vector's
// single value.
func QueryPrometheus(t *testing.T, api, query string) string {
	t.Helper()
	v, ok := TryQueryPrometheus(api, query)
	if !ok {
		t.Fatalf("query %s: no single value", query)
	}
	return v
}

// TryQueryPrometheus returns the value of a query whose result is one
// sample; false when there is none (yet).
func TryQueryPrometheus(api, query string) (string, bool) {
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
