package metrics

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestListen: loopback addresses are served; others need allowRemote,
// and the refusal names the option.
func TestListen(t *testing.T) {
	tests := []struct {
		addr        string
		allowRemote bool
		wantHost    string // "" when refused
		wantErr     string
	}{
		{"127.0.0.1:0", false, "127.0.0.1", ""},
		{":0", false, "127.0.0.1", ""},
		{"localhost:0", false, "127.0.0.1", ""},
		{"0.0.0.0:0", false, "", RemoteFlag},
		{"192.0.2.7:9435", false, "", "reachable from other machines"},
		{"example.com:9435", false, "", RemoteFlag},
		{"0.0.0.0:0", true, "0.0.0.0", ""},
		{"9435", false, "", "is not HOST:PORT"},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			ln, err := Listen(tc.addr, tc.allowRemote)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Listen(%q): %v, want an error saying %q", tc.addr, err, tc.wantErr)
				}
				if ln != nil {
					ln.Close()
				}
				return
			}
			if err != nil {
				t.Fatalf("Listen(%q): %v", tc.addr, err)
			}
			defer ln.Close()
			host, _, _ := net.SplitHostPort(ln.Addr().String())
			if host != tc.wantHost && !(tc.wantHost == "0.0.0.0" && host == "::") {
				t.Errorf("Listen(%q) bound %s, want host %s", tc.addr, ln.Addr(), tc.wantHost)
			}
		})
	}
}

// TestServe: /metrics answers in the exposition format; Close stops it.
func TestServe(t *testing.T) {
	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	var p Published
	if err := p.Set("luatrace_answer", "The answer.", map[string]string{"q": "everything"}, 42); err != nil {
		t.Fatal(err)
	}
	srv := Serve(ln, &p)
	url := "http://" + ln.Addr().String()
	body := get(t, url+"/metrics")
	if !strings.Contains(body, `luatrace_answer{q="everything"} 42`) {
		t.Errorf("/metrics does not hold the published value:\n%s", body)
	}
	if body := get(t, url+"/"); !strings.Contains(body, "/metrics") {
		t.Errorf("/ says %q", body)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/metrics"); err == nil {
		t.Error("still serving after Close")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}
