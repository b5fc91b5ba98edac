package stdlib_test

import (
	"encoding/binary"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi"
)

// runtime is a luatrace runtime with string globals set, plus
// mono_now() returning CLOCK_MONOTONIC ns as an event's e.ts would be.
func runtime(globals map[string]string) *luaapi.Runtime {
	r := luaapi.New(luaapi.Options{})
	for k, v := range globals {
		r.L.SetGlobal(k, lua.LString(v))
	}
	r.L.SetGlobal("mono_now", r.L.NewFunction(func(L *lua.LState) int {
		var ts unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
		L.Push(lua.LNumber(ts.Nano()))
		return 1
	}))
	return r
}

// run executes code and returns the chunk's first result as a string.
func run(t *testing.T, globals map[string]string, code string) string {
	t.Helper()
	r := runtime(globals)
	defer r.L.Close()
	if err := r.L.DoString(code); err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return lua.LVAsString(r.L.Get(-1))
}

// runErr executes code and returns its error.
func runErr(globals map[string]string, code string) error {
	r := runtime(globals)
	defer r.L.Close()
	return r.L.DoString(code)
}

// udp4 is an IPv4/UDP packet 127.0.0.1:40000 → 127.0.0.2:9 with payload.
func udp4(payload string) []byte {
	b := make([]byte, 28, 28+len(payload))
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:], uint16(28+len(payload)))
	copy(b[12:], []byte{127, 0, 0, 1})
	copy(b[16:], []byte{127, 0, 0, 2})
	binary.BigEndian.PutUint16(b[20:], 40000)
	binary.BigEndian.PutUint16(b[22:], 9)
	binary.BigEndian.PutUint16(b[24:], uint16(8+len(payload)))
	return append(b, payload...)
}

// tcp6 is an IPv6 packet ::1 → 2001:db8::5 with a hop-by-hop options
// header, then TCP 443 → 51000 with SYN,ACK.
func tcp6() []byte {
	b := make([]byte, 40+8+20)
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], 28)
	b[6], b[7] = 0, 64 // next header: hop-by-hop
	b[23] = 1
	copy(b[24:], []byte{0x20, 0x01, 0x0d, 0xb8})
	b[39] = 5
	b[40], b[41] = 6, 0 // hop-by-hop: next TCP, 8 bytes
	tcp := b[48:]
	binary.BigEndian.PutUint16(tcp[0:], 443)
	binary.BigEndian.PutUint16(tcp[2:], 51000)
	binary.BigEndian.PutUint32(tcp[4:], 0xdeadbeef)
	tcp[12], tcp[13] = 5<<4, 0x12
	return b
}

func TestNetModule(t *testing.T) {
	globals := map[string]string{"u4": string(udp4("hello")), "t6": string(tcp6()), "pad": "xx" + string(udp4(""))}
	tests := []struct{ code, want string }{
		{`return require("net").ntop("\127\0\0\1")`, "127.0.0.1"},
		{`return require("net").ntohs(0x901f)`, "8080"},
		{`return require("net").htons(80)`, "20480"},
		{`return require("net").ntohl(0x0100007f)`, "2130706433"},
		{`return require("net").proto_name(17) .. require("net").proto_name(6) .. require("net").proto_name(250)`, "UDPTCP250"},
		{`return require("net").tcp_state_name(10)`, "LISTEN"},
		{`return require("net").be32("\1\2\3\4", 0) .. " " .. require("net").le16("\1\2", 0)`, "16909060 513"},
		{`return tostring(require("net").be16("\1", 0))`, "nil"},
		{`local p = require("net").packet(u4, 0) return string.format("%d %s %s %s %d %d %d", p.family, p.saddr, p.daddr, p.proto_name, p.sport, p.dport, p.l4.len)`,
			"4 127.0.0.1 127.0.0.2 UDP 40000 9 13"},
		{`local p = require("net").packet(pad, 2) return p.saddr .. ">" .. p.daddr .. " " .. p.dport`, "127.0.0.1>127.0.0.2 9"},
		{`local h = require("net").iphdr(u4) return h.tot_len .. " " .. h.ttl .. " " .. h.l4off`, "33 64 20"},
		{`local p = require("net").packet(t6) return string.format("%d %s %s %s %d %d %s %x", p.family, p.saddr, p.daddr, p.proto_name, p.sport, p.dport, p.l4.flag_names, p.l4.seq)`,
			"6 ::1 2001:db8::5 TCP 443 51000 SYN,ACK deadbeef"},
		{`local p, why = require("net").packet(u4:sub(1, 10)) return tostring(p) .. " " .. why`, "nil truncated"},
		{`local p, why = require("net").packet("\80" .. string.rep("\0", 30)) return why`, "not IP (version 5)"},
		{`local p, why = require("net").iphdr(t6) return why`, "not IPv4"},
		{`local p = require("net").packet(u4:sub(1, 24)) return tostring(p.sport) .. " " .. p.saddr`, "nil 127.0.0.1"},
	}
	for _, tc := range tests {
		if got := run(t, globals, tc.code); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.code, got, tc.want)
		}
	}
}
