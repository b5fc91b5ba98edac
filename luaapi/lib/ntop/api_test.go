package ntop

import (
	"strings"
	"testing"

	"github.com/luatrace/luatrace/luaapi/internal/luatest"
)

func luaResult(t *testing.T, code string) (string, error) {
	t.Helper()
	return luatest.Result(t, Open, code)
}

func TestNtop(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return ntop(0x0100007f)`, "127.0.0.1"}, // skc_daddr of 127.0.0.1 on a little-endian host
		{`return ntop(0)`, "0.0.0.0"},
		{`return ntop(0xffffffff)`, "255.255.255.255"},
		{`return ntop("\127\0\0\1")`, "127.0.0.1"},
		{`return ntop("\192\168\1\200")`, "192.168.1.200"},
		{`return ntop(string.rep("\0", 15) .. "\1")`, "::1"},
		{`return ntop("\32\1\13\184" .. string.rep("\0", 11) .. "\1")`, "2001:db8::1"},
		{`return ntop(string.rep("\0", 10) .. "\255\255\127\0\0\1")`, "::ffff:127.0.0.1"},
		{`return ntop(2, 0x0100007f)`, "127.0.0.1"},
		{`return ntop(2, "\10\0\0\1")`, "10.0.0.1"},
		{`return ntop(10, string.rep("\0", 16))`, "::"},
	}
	for _, tc := range tests {
		got, err := luaResult(t, tc.code)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
}

func TestNtopErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return ntop(-1)`, "IPv4 u32"},
		{`return ntop(4294967296)`, "IPv4 u32"},
		{`return ntop(1.5)`, "IPv4 u32"},
		{`return ntop("abc")`, "4 bytes (IPv4) or 16 bytes (IPv6), got 3 bytes"},
		{`return ntop({})`, "got table"},
		{`return ntop(2, string.rep("\0", 16))`, "AF_INET (2) needs a 4-byte address"},
		{`return ntop(10, 0x0100007f)`, "AF_INET6 (10) needs a 16-byte address"},
		{`return ntop(7, "\1\2\3\4")`, "unknown address family 7"},
	}
	for _, tc := range tests {
		_, err := luaResult(t, tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.code, err, tc.want)
		}
	}
}
