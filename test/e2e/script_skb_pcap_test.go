package e2e

import (
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

	"github.com/luatrace/luatrace/test/pcapfile"
)

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
