package ntop

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	lua "github.com/yuin/gopher-lua"
)

// Address families as ntop(af, addr) takes them (the kernel's values).
const (
	afInet  = 2
	afInet6 = 10
)

// luaNtop implements ntop([af,] addr).
func luaNtop(L *lua.LState) int {
	af, addr := 0, L.Get(1)
	if L.GetTop() >= 2 {
		af, addr = L.CheckInt(1), L.Get(2)
	}
	s, err := ntop(af, addr)
	if err != nil {
		L.RaiseError("ntop: %s", err.Error())
	}
	L.Push(lua.LString(s))
	return 1
}

// ntop formats addr for family af (0: from the address's size).
func ntop(af int, addr lua.LValue) (string, error) {
	var b []byte
	switch v := addr.(type) {
	case lua.LNumber:
		n := float64(v)
		if n < 0 || n > 0xffffffff || n != float64(uint32(n)) {
			return "", fmt.Errorf("a number address must be an IPv4 u32 (0..4294967295), got %s; pass IPv6 addresses as 16-byte strings", v.String())
		}
		b = binary.LittleEndian.AppendUint32(nil, uint32(n))
	case lua.LString:
		b = []byte(v)
	default:
		return "", fmt.Errorf("address must be a number or a 4- or 16-byte string, got %s", addr.Type())
	}
	switch af {
	case 0:
	case afInet:
		if len(b) != 4 {
			return "", fmt.Errorf("AF_INET (2) needs a 4-byte address, got %d bytes", len(b))
		}
	case afInet6:
		if len(b) != 16 {
			return "", fmt.Errorf("AF_INET6 (10) needs a 16-byte address, got %d bytes", len(b))
		}
	default:
		return "", fmt.Errorf("unknown address family %d; use 2 (AF_INET) or 10 (AF_INET6)", af)
	}
	ip, ok := netip.AddrFromSlice(b)
	if !ok {
		return "", fmt.Errorf("address must be 4 bytes (IPv4) or 16 bytes (IPv6), got %d bytes", len(b))
	}
	return ip.String(), nil
}
