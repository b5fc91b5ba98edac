package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/test/pcapfile"
)

// The seed scenario scripts on this kernel: the tracepoint paths of
// dropwatch, skb_pcap, listen (its fallback) and whodeletes. The VM tests
// (test/vm/guest/tests) run the kprobe/fentry paths.

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

// TestSkbPcapScript captures UDP datagrams with known payloads on
// loopback; the pcap parses back field by field and tcpdump reads it.
func TestSkbPcapScript(t *testing.T) {
	requireRoot(t)
	rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	dport := rx.LocalAddr().(*net.UDPAddr).Port
	file := filepath.Join(t.TempDir(), "lo.pcap")
	const snaplen = 200
	l := startLive(t, "Writing packets", script("skb_pcap.lua"), file, "dev=lo", "snaplen="+strconv.Itoa(snaplen))
	payloads := []string{"first-datagram", "second-datagram", strings.Repeat("long-", 60)} // the last is cut at snaplen
	tx, err := net.Dial("udp4", rx.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	sport := tx.LocalAddr().(*net.UDPAddr).Port
	start := time.Now()
	buf := make([]byte, 2048)
	for _, p := range payloads {
		if _, err := tx.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		// Received means it passed netif_receive_skb: its record is in
		// the ring buffer, and luatrace delivers it before END.
		rx.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := rx.ReadFrom(buf); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now()
	rest := l.stop(t)
	if len(rest) != 1 || !regexp.MustCompile(`^\d+ packets written to .*, \d+ skipped \(not IP\)$`).MatchString(rest[0]) {
		t.Errorf("end line %q", rest)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pcapfile.Parse(b)
	if err != nil {
		t.Fatalf("pcap: %v", err)
	}
	if f.LinkType != 101 || f.SnapLen != snaplen {
		t.Errorf("link type %d snaplen %d, want 101 (RAW) and %d", f.LinkType, f.SnapLen, snaplen)
	}
	var got []pcapfile.Packet
	for _, p := range f.Packets {
		if len(p.Data) >= 28 && p.Data[9] == 17 && int(p.Data[22])<<8|int(p.Data[23]) == dport && int(p.Data[20])<<8|int(p.Data[21]) == sport {
			got = append(got, p)
		}
	}
	if len(got) != len(payloads) {
		t.Fatalf("%d datagrams to port %d in the pcap (of %d packets), want %d", len(got), dport, len(f.Packets), len(payloads))
	}
	for i, p := range got {
		want := payloads[i]
		if int(p.OrigLen) != 28+len(want) {
			t.Errorf("packet %d: original length %d, want %d", i, p.OrigLen, 28+len(want))
		}
		wantData := want
		if 28+len(want) > snaplen {
			wantData = want[:snaplen-28]
		}
		if string(p.Data[28:]) != wantData {
			t.Errorf("packet %d: payload %q, want %q", i, p.Data[28:], wantData)
		}
		ts := time.Unix(int64(p.Sec), int64(p.Nsec))
		if ts.Before(start.Add(-time.Millisecond)) || ts.After(end.Add(time.Millisecond)) {
			t.Errorf("packet %d: timestamp %v outside the sending window %v..%v", i, ts, start, end)
		}
	}
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Fatalf("tcpdump is needed to check the pcap: %v", err)
	}
	out, err := exec.Command("tcpdump", "-r", file, "-nn").CombinedOutput()
	if err != nil {
		t.Fatalf("tcpdump -r: %v\n%s", err, out)
	}
	want := fmt.Sprintf("IP 127.0.0.1.%d > 127.0.0.1.%d: UDP, length %d", sport, dport, len(payloads[0]))
	if !strings.Contains(string(out), want) {
		t.Errorf("tcpdump output lacks %q:\n%s", want, out)
	}
}

// TestListenScriptFallback: a workload listening on 127.0.0.1:4242 with
// backlog 7 in a new network namespace, seen through the listen syscall
// tracepoints and /proc (this kernel has no kprobes or fentry).
func TestListenScriptFallback(t *testing.T) {
	requireRoot(t)
	l := startLive(t, "PID ", script("listen.lua"))
	w := exec.Command(bin(t, "listenns"), "4242", "7", "newns")
	stdin, _ := w.StdinPipe()
	stdout, _ := w.StdoutPipe()
	w.Stderr = os.Stderr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); w.Wait() }()
	var pid int
	var netns uint64
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if _, serr := fmt.Sscanf(line, "%d %d", &pid, &netns); err != nil || serr != nil {
		t.Fatalf("workload said %q: %v", line, err)
	}
	if self, _ := os.Readlink("/proc/self/ns/net"); self == fmt.Sprintf("net:[%d]", netns) {
		t.Fatalf("the workload's namespace %d is this test's: unshare did not happen", netns)
	}
	got := strings.Fields(l.await(t, "the workload's listen", func(s string) bool { return strings.HasPrefix(s, strconv.Itoa(pid)+" ") }))
	want := []string{strconv.Itoa(pid), "listenns", "127.0.0.1", "4242", "7", strconv.FormatUint(netns, 10)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("listen line %q, want %q", got, want)
	}
	l.stop(t)
}

// TestWhodeletesScript: only successful removals of the target are
// reported, by unlink from a process that lives on (path resolved exactly
// through its dirfd) or that exits at once (rm, matched on the working
// directory the kernel captured), and by renames over it.
func TestWhodeletesScript(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	touch := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(cmd string) {
		t.Helper()
		c := exec.Command("sh", "-c", cmd)
		c.Dir = dir
		c.Run() // failures are part of the test; the script must not report them
	}
	touch("victim")
	touch("bystander")
	l := startLive(t, "PID ", script("whodeletes.lua"), target)
	field := func(s string, i int) string {
		if f := strings.Fields(s); len(f) > i {
			return f[i]
		}
		return ""
	}

	run("rm bystander") // another file: not reported
	run("rm victim")    // relative, by a process that exits at once
	line := l.await(t, "rm's unlink", func(s string) bool { return field(s, 1) == "rm" })
	if field(line, 4) != "UNLINK" || field(line, 5) != "victim" || !strings.HasSuffix(line, " rm victim") || field(line, 3) != "sh" {
		t.Errorf("rm line %q: want UNLINK of victim by rm (parent sh, cmdline \"rm victim\")", line)
	}
	run("rm victim") // fails: nothing to delete

	touch("victim")
	d, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(d)
	if err := unix.Unlinkat(d, "victim", 0); err != nil {
		t.Fatal(err)
	}
	line = l.await(t, "this test's unlinkat", func(s string) bool { return field(s, 0) == strconv.Itoa(os.Getpid()) })
	if field(line, 4) != "UNLINK" || field(line, 5) != "victim" || field(line, 6) == "~" || field(line, 2) != strconv.Itoa(os.Getppid()) {
		t.Errorf("unlinkat line %q: want an exact UNLINK of victim with parent %d", line, os.Getppid())
	}

	touch("victim")
	touch("other")
	run("mv other victim")
	line = l.await(t, "mv's rename", func(s string) bool { return field(s, 1) == "mv" })
	if field(line, 4) != "REPLACE" || !strings.Contains(line, "other -> victim") || !strings.HasSuffix(line, " mv other victim") {
		t.Errorf("mv line %q: want REPLACE other -> victim with its command line", line)
	}
	if rest := l.stop(t); len(rest) != 0 {
		t.Errorf("unexpected reports: %q", rest)
	}
}
