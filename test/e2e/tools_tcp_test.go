package e2e

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// tcpServer listens on 127.0.0.1 and, for each connection, reads the
// client's "hello" and closes: the server side closes first.
func tcpServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.ReadFull(c, make([]byte, 5))
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// freePort is a loopback port nobody listens on now, for a client's
// local port.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// clientRun runs tool under luatrace with tcpclient connecting to a test
// server from a known port; it returns the output and both ports.
func clientRun(t *testing.T, tool ...string) (r result, port, lport string) {
	t.Helper()
	port, lport = strconv.Itoa(tcpServer(t)), strconv.Itoa(freePort(t))
	args := append([]string{"-c", bin(t, "tcpclient") + " " + port + " " + lport}, tool...)
	return luatrace(t, args...).expectOK(t), port, lport
}

// TestTcpconnectTool: the client's connect is one row with its pid's
// comm, both addresses and both ports; -P with another port hides it.
func TestTcpconnectTool(t *testing.T) {
	requireRoot(t)
	r, port, lport := clientRun(t, "tcpconnect", "-t")
	got := matching(rows(t, r, "TIME(s) "), -1, port)
	want := []string{"tcpclient", "4", "127.0.0.1", lport, "127.0.0.1", port}
	if len(got) != 1 || len(got[0]) != 8 || strings.Join(got[0][2:], " ") != strings.Join(want, " ") {
		t.Fatalf("rows to port %s: %q, want one with %q\n%s", port, got, want, r.stdout)
	}
	if ts, err := strconv.ParseFloat(got[0][0], 64); err != nil || ts != 0 {
		t.Errorf("first connect at %q, want 0.000", got[0][0])
	}
	r, port, _ = clientRun(t, "tcpconnect", "-P", "1")
	if got := matching(rows(t, r, "PID "), -1, port); len(got) != 0 {
		t.Errorf("-P 1 printed connects to %s: %q", port, got)
	}
}

// TestTcpacceptTool: the server side of the client's connection is one
// row, remote = the client's port, local = the listening port; -P with
// another port hides it.
func TestTcpacceptTool(t *testing.T) {
	requireRoot(t)
	r, port, lport := clientRun(t, "tcpaccept")
	got := matching(rows(t, r, "PID "), -1, port)
	want := []string{"4", "127.0.0.1", lport, "127.0.0.1", port}
	// PID and COMM are the softirq's context: not checked.
	if len(got) != 1 || len(got[0]) != 7 || strings.Join(got[0][2:], " ") != strings.Join(want, " ") {
		t.Fatalf("rows to port %s: %q, want one ending %q\n%s", port, got, want, r.stdout)
	}
	r, port, _ = clientRun(t, "tcpaccept", "-P", "1")
	if got := matching(rows(t, r, "PID "), -1, port); len(got) != 0 {
		t.Errorf("-P 1 printed accepts on %s: %q", port, got)
	}
}

// TestTcpToolsListed: the TCP tools are embedded, with -h, and reject an
// unknown option.
func TestTcpToolsListed(t *testing.T) {
	list := luatrace(t, "--list-tools").expectOK(t)
	for _, tool := range []string{"tcpconnect", "tcpaccept"} {
		if !strings.Contains("\n"+list.stdout, "\n"+tool+" ") {
			t.Errorf("--list-tools lacks %s:\n%s", tool, list.stdout)
		}
		h := luatrace(t, tool, "-h").expectOK(t)
		if !strings.HasPrefix(h.stdout, tool+": ") || !strings.Contains(h.stdout, "Usage: luatrace "+tool) || !strings.Contains(h.stdout, "Example output") {
			t.Errorf("%s -h:\n%s", tool, h.stdout)
		}
		if bad := luatrace(t, tool, "-Q"); bad.code != 2 || !strings.Contains(bad.stderr, "unknown option -Q; see "+tool+" -h") {
			t.Errorf("%s -Q: exit %d, stderr %q", tool, bad.code, bad.stderr)
		}
	}
}
