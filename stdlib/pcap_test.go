package stdlib_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luatrace/luatrace/test/pcapfile"
)

// TestPcapWriter writes packets through the Lua module in both formats
// and parses every field back.
func TestPcapWriter(t *testing.T) {
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out."+format)
			pkt := string(udp4("payload-123"))
			run(t, map[string]string{"path": path, "pkt": pkt, "format": format}, `
local pcap = require("pcap")
local w = pcap.open(path, {linktype = pcap.LINKTYPE_RAW, snaplen = 32, format = format})
w:write_wall(1700000000, 123456789, pkt)            -- 39 bytes: cut to 32
w:write_wall(1700000001, 999999999, pkt:sub(1, 20), 1500)
w:write_wall(1700000002, 0, "")
w:close()
return w.packets`)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := pcapfile.Parse(b)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if f.LinkType != 101 || f.SnapLen != 32 || len(f.Packets) != 3 {
				t.Fatalf("linktype %d snaplen %d packets %d, want 101 32 3", f.LinkType, f.SnapLen, len(f.Packets))
			}
			want := []pcapfile.Packet{
				{Sec: 1700000000, Nsec: 123456789, OrigLen: 39, Data: []byte(pkt[:32])},
				{Sec: 1700000001, Nsec: 999999999, OrigLen: 1500, Data: []byte(pkt[:20])},
				{Sec: 1700000002, Nsec: 0, OrigLen: 0, Data: []byte{}},
			}
			for i, w := range want {
				p := f.Packets[i]
				if p.Sec != w.Sec || p.Nsec != w.Nsec || p.OrigLen != w.OrigLen || !bytes.Equal(p.Data, w.Data) {
					t.Errorf("packet %d = %+v, want %+v", i, p, w)
				}
			}
		})
	}
}

// TestPcapEventTimestamp converts a kernel monotonic timestamp (as e.ts)
// to the wall clock.
func TestPcapEventTimestamp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ts.pcap")
	before := time.Now()
	run(t, map[string]string{"path": path}, `
local w = require("pcap").open(path)
w:write(mono_now(), "x")
w:close()`)
	f, err := pcapfile.Parse(mustRead(t, path))
	if err != nil || len(f.Packets) != 1 {
		t.Fatalf("parse: %v", err)
	}
	got := time.Unix(int64(f.Packets[0].Sec), int64(f.Packets[0].Nsec))
	if d := got.Sub(before); d < -time.Millisecond || d > 5*time.Second {
		t.Errorf("timestamp %v is %v from the time of writing", got, d)
	}
	if f.LinkType != 1 || f.SnapLen != 65535 {
		t.Errorf("defaults: linktype %d snaplen %d, want 1 65535", f.LinkType, f.SnapLen)
	}
}

func TestPcapErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ code, want string }{
		{`require("pcap").open(dir .. "/x", {snaplen = 0})`, "snaplen must be an integer from 1 to 262144, got 0"},
		{`require("pcap").open(dir .. "/x", {linktype = "raw"})`, "linktype must be an integer"},
		{`require("pcap").open(dir .. "/x", {format = "cap"})`, `format must be "pcap" or "pcapng", got cap`},
		{`require("pcap").open(dir .. "/no/such/dir/x")`, "cannot create"},
		{`local w = require("pcap").open(dir .. "/x") w:close() w:write_wall(1, 0, "a")`, "write after close"},
		{`local w = require("pcap").open(dir .. "/x") w:write_wall(1, 0, 42)`, "packet data must be a string, got number"},
	}
	for _, tc := range tests {
		err := runErr(map[string]string{"dir": dir}, tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.code, err, tc.want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
