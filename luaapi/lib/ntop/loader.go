// Package ntop is the ntop global, bpftrace's address formatter:
// ntop(addr) and ntop(af, addr). addr is a binary string of 4 or 16 bytes
// in network order (a captured buf() or array), or a number: an IPv4
// address as the kernel keeps it in a __be32 (skc_daddr, saddr), read as
// a native (little-endian) u32, so its bytes in memory are the address in
// network order.
package ntop

import (
	lua "github.com/yuin/gopher-lua"
)

// Open adds the ntop global.
func Open(L *lua.LState) {
	L.SetGlobal("ntop", L.NewFunction(luaNtop))
}
