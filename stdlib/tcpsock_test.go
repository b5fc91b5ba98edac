package stdlib_test

import (
	"os"
	"strings"
	"testing"
)

// TestTcpsockModule decodes inet_sock_set_state arguments as the
// tracepoint delivers them (addresses as byte arrays).
func TestTcpsockModule(t *testing.T) {
	tests := []struct{ code, want string }{
		{`local s = require("tcpsock") local a, b = s.addrs({family = 2, saddr = {127, 0, 0, 1}, daddr = {10, 1, 2, 3}}) return a .. " " .. b`, "127.0.0.1 10.1.2.3"},
		{`local s = require("tcpsock") local a = s.addrs({family = 10, saddr_v6 = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,1}, daddr_v6 = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,1}}) return a`, "::1"},
		{`local s = require("tcpsock") return s.endpoint("::1", 80) .. " " .. s.endpoint("127.0.0.1", 4242)`, "[::1]:80 127.0.0.1:4242"},
		{`local s = require("tcpsock") return s.ipver({family = 10}) .. s.ipver({family = 2})`, "64"},
	}
	for _, tc := range tests {
		if got := run(t, nil, tc.code); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.code, got, tc.want)
		}
	}
}

// TestBlockDisk names a block device from its dev_t as the block
// tracepoints encode it (major << 20 | minor), through /sys/dev/block.
func TestBlockDisk(t *testing.T) {
	entries, err := os.ReadDir("/sys/dev/block")
	if err != nil || len(entries) == 0 {
		t.Skip("no /sys/dev/block here")
	}
	majmin := entries[0].Name()
	uevent, _ := os.ReadFile("/sys/dev/block/" + majmin + "/uevent")
	var name string
	for _, l := range strings.Split(string(uevent), "\n") {
		if v, ok := strings.CutPrefix(l, "DEVNAME="); ok {
			name = v
		}
	}
	maj, min, _ := strings.Cut(majmin, ":")
	code := `return require("block").disk(` + maj + ` * 1048576 + ` + min + `) .. " " .. require("block").disk(4095 * 1048576 + 7)`
	if got := run(t, nil, code); got != name+" 4095,7" {
		t.Errorf("disk names: %q, want %q", got, name+" 4095,7")
	}
}
