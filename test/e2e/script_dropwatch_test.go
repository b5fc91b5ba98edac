package e2e

import (
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The seed scenario scripts (dropwatch here, skb_pcap, listen and
// whodeletes in script_NAME_test.go) take their tracepoint paths on this
// kernel; the VM tests (test/vm/guest/tests) run the kprobe/fentry paths.

// closedPort returns a UDP port on addr that nothing listens on.
func closedPort(t *testing.T, network, addr string) int {
	t.Helper()
	c, err := net.ListenPacket(network, addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	return port
}

func hasIPv6Loopback() bool {
	c, err := net.ListenPacket("udp6", "[::1]:0")
	if err == nil {
		c.Close()
	}
	return err == nil
}

var udpReceive = regexp.MustCompile(`^__udp[46]_lib_rcv\+0x[0-9a-f]+$`)

// TestDropwatchScript sends UDP to closed ports on loopback: each drop is
// reported with its addresses, ports, protocol, reason and function, and
// counted in the summary.
func TestDropwatchScript(t *testing.T) {
	requireRoot(t)
	type target struct{ network, addr, shown string }
	targets := []target{{"udp4", "127.0.0.1", "127.0.0.1"}}
	if hasIPv6Loopback() {
		targets = append(targets, target{"udp6", "::1", "[::1]"})
	}
	l := startLive(t, "TIME ", script("dropwatch.lua"))
	for i, tg := range targets {
		dport := closedPort(t, tg.network, "["+tg.addr+"]")
		sport := closedPort(t, tg.network, "["+tg.addr+"]")
		if out, err := exec.Command(bin(t, "udpsend"), tg.addr, strconv.Itoa(dport), "dropped", "1", strconv.Itoa(sport)).CombinedOutput(); err != nil {
			t.Fatalf("udpsend: %v\n%s", err, out)
		}
		src, dst := fmt.Sprintf("%s:%d", tg.shown, sport), fmt.Sprintf("%s:%d", tg.shown, dport)
		line := l.await(t, "drop of "+src+" → "+dst, func(s string) bool {
			f := strings.Fields(s)
			return len(f) == 8 && f[4] == src && f[5] == dst
		})
		f := strings.Fields(line)
		// Loopback delivers in the sender's softirq, or in ksoftirqd when deferred.
		if f[2] != "udpsend" && !strings.HasPrefix(f[2], "ksoftirqd/") || f[3] != "UDP" || f[6] != "NO_SOCKET" || !udpReceive.MatchString(f[7]) {
			t.Errorf("target %d: drop line %q: want comm udpsend, UDP, reason NO_SOCKET, location __udpN_lib_rcv+0x...", i, line)
		}
	}
	rest := strings.Join(l.stop(t), "\n")
	m := regexp.MustCompile(`@reason\[NO_SOCKET\]: (\d+)`).FindStringSubmatch(rest)
	if !strings.Contains(rest, "Drops by reason:") || m == nil {
		t.Fatalf("summary lacks NO_SOCKET drops:\n%s", rest)
	}
	if n, _ := strconv.Atoi(m[1]); n < len(targets) {
		t.Errorf("summary counts %d NO_SOCKET drops, want at least %d", n, len(targets))
	}
	if !strings.Contains(rest, "@location[__udp4_lib_rcv]: ") {
		t.Errorf("summary lacks the dropping function:\n%s", rest)
	}
}
